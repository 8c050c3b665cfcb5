//! The runtime crate's layout: a module per concern, no file over 800 lines, and imports that
//! point one way (no circle between modules). Read from the sources, so that a change that
//! breaks either rule fails here rather than in a review.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The longest a source file may grow before it holds more than one idea.
const MAX_LINES: usize = 800;

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `src/http/flow.rs` is `http::flow`, `src/codec/mod.rs` is `codec`, `src/lib.rs` the root (an
/// empty path).
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts.join("::")
}

/// The code of a file without comments and without its unit-test module (a leaf: nothing
/// imports it), whose imports may point anywhere.
fn code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests {") {
        Some(start) => &text[..start],
        None => text,
    };
    text.lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every `crate::a::b::...` path in `code`, as its segments.
fn crate_paths(code: &str) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let mut segments = Vec::new();
        let mut tail = rest;
        loop {
            let end = tail
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(tail.len());
            if end == 0 {
                break;
            }
            segments.push(tail[..end].to_owned());
            match tail[end..].strip_prefix("::") {
                Some(next) => tail = next,
                None => break,
            }
        }
        paths.push(segments);
    }
    paths
}

struct Crate {
    /// Module path -> the code of its file.
    modules: BTreeMap<String, String>,
    /// Module path -> its file, relative to the crate.
    files: BTreeMap<String, PathBuf>,
}

fn read_crate() -> Crate {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let src = root.join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut modules = BTreeMap::new();
    let mut paths = BTreeMap::new();
    for file in files {
        let module = module_of(&src, &file);
        modules.insert(module.clone(), std::fs::read_to_string(&file).unwrap());
        paths.insert(module, file.strip_prefix(root).unwrap().to_path_buf());
    }
    Crate {
        modules,
        files: paths,
    }
}

/// Module -> the modules its code names, each `crate::` path resolved to the longest prefix
/// that is a module.
fn imports(krate: &Crate) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph = BTreeMap::new();
    for (module, text) in &krate.modules {
        let mut targets = BTreeSet::new();
        for path in crate_paths(&code(text)) {
            let target = (0..=path.len())
                .rev()
                .map(|n| path[..n].join("::"))
                .find(|prefix| krate.modules.contains_key(prefix))
                .unwrap_or_default();
            if target != *module {
                targets.insert(target);
            }
        }
        graph.insert(module.clone(), targets);
    }
    graph
}

#[test]
fn no_source_file_is_over_the_limit() {
    let krate = read_crate();
    let long: Vec<_> = krate
        .modules
        .iter()
        .map(|(module, text)| {
            (
                krate.files[module].display().to_string(),
                text.lines().count(),
            )
        })
        .filter(|(_, lines)| *lines > MAX_LINES)
        .collect();
    assert!(long.is_empty(), "over {MAX_LINES} lines: {long:?}");
}

#[test]
fn modules_import_from_where_items_live_not_from_the_root() {
    let krate = read_crate();
    let through_root: Vec<_> = imports(&krate)
        .into_iter()
        .filter(|(module, targets)| !module.is_empty() && targets.contains(""))
        .map(|(module, _)| module)
        .collect();
    assert!(
        through_root.is_empty(),
        "these modules name an item through the crate root's re-exports (name its module \
         instead): {through_root:?}"
    );
}

/// Depth-first search for a back edge from `module`, reporting the circle it closes.
fn visit<'g>(
    module: &'g str,
    graph: &'g BTreeMap<String, BTreeSet<String>>,
    path: &mut Vec<&'g str>,
    done: &mut BTreeSet<&'g str>,
) -> Option<Vec<String>> {
    if let Some(at) = path.iter().position(|m| *m == module) {
        let mut circle: Vec<String> = path[at..].iter().map(|m| (*m).to_owned()).collect();
        circle.push(module.to_owned());
        return Some(circle);
    }
    if !done.insert(module) {
        return None;
    }
    path.push(module);
    for target in graph.get(module).into_iter().flatten() {
        if let Some(circle) = visit(target, graph, path, done) {
            return Some(circle);
        }
    }
    path.pop();
    None
}

#[test]
fn imports_between_modules_form_no_circle() {
    let graph = imports(&read_crate());
    let mut done = BTreeSet::new();
    for module in graph.keys() {
        if let Some(circle) = visit(module, &graph, &mut Vec::new(), &mut done) {
            panic!("an import circle: {}", circle.join(" -> "));
        }
    }
}

/// The checks see what they claim to: a circle and a root import written here are found.
#[test]
fn the_checks_find_what_they_look_for() {
    let mut modules = BTreeMap::new();
    modules.insert(String::new(), String::new());
    modules.insert("a".to_owned(), "use crate::b::Thing;\n".to_owned());
    modules.insert(
        "b".to_owned(),
        "// use crate::c; is a comment\nfn f() { crate::a::g(); crate::Root }\n".to_owned(),
    );
    let files = modules
        .keys()
        .map(|m| (m.clone(), PathBuf::from(m)))
        .collect();
    let graph = imports(&Crate { modules, files });
    assert_eq!(graph["a"], BTreeSet::from(["b".to_owned()]));
    assert_eq!(
        graph["b"],
        BTreeSet::from([String::new(), "a".to_owned()]),
        "the comment is not an import; the root is"
    );
}
