//! The README's promises: its quick start is `examples/quick_start.rs` byte for byte, that
//! example serves what the README shows, and the files its pages link to exist.

mod support;

use std::path::Path;

use serde_json::json;
use support::{Server, workspace_root};

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// The body of the first ```` ```rust ```` block after the `## <heading>` heading.
fn rust_block<'r>(readme: &'r str, heading: &str) -> &'r str {
    let section = readme
        .split_once(&format!("\n## {heading}\n"))
        .unwrap_or_else(|| panic!("a `## {heading}` section"))
        .1;
    let code = section
        .split_once("\n```rust\n")
        .expect("a rust block in the section")
        .1;
    let end = code.find("\n```\n").expect("the rust block's end");
    &code[..=end]
}

#[test]
fn the_quick_start_is_examples_quick_start_rs() {
    let root = workspace_root();
    let readme = read(&root.join("README.md"));
    let example = read(&root.join("examples").join("quick_start.rs"));
    assert!(
        rust_block(&readme, "Quick start") == example,
        "the README's quick start and examples/quick_start.rs differ: copy the example into the \
         README's block (or the block into the example)"
    );
}

/// The README's test of a handler is `tests/testing_kit.rs`, which the suite runs.
#[test]
fn the_testing_example_is_tests_testing_kit_rs() {
    let root = workspace_root();
    let readme = read(&root.join("README.md"));
    let test = read(&root.join("tests").join("testing_kit.rs"));
    assert!(
        rust_block(&readme, "Testing your handlers") == test,
        "the README's testing example and tests/testing_kit.rs differ"
    );
}

#[test]
fn the_readme_keeps_its_two_commands() {
    let readme = read(&workspace_root().join("README.md"));
    let first_block = readme
        .split_once("```sh\n")
        .and_then(|(_, rest)| rest.split_once("\n```"))
        .expect("a sh block")
        .0;
    let commands: Vec<&str> = first_block
        .lines()
        .map(|line| line.split('#').next().unwrap_or_default().trim())
        .collect();
    assert_eq!(
        commands,
        [
            "cargo run -p jwt-auth-app",
            "cargo test --workspace --all-features"
        ]
    );
}

/// The lines of a Markdown page outside its fenced code blocks.
fn prose(page: &str) -> impl Iterator<Item = &str> {
    let mut in_code = false;
    page.lines().filter(move |line| {
        if line.starts_with("```") {
            in_code = !in_code;
            return false;
        }
        !in_code
    })
}

/// The anchors GitHub gives the headings of a Markdown page.
fn anchors(page: &str) -> Vec<String> {
    prose(page)
        .filter_map(|line| {
            line.trim_start_matches('#')
                .strip_prefix(' ')
                .filter(|_| line.starts_with('#'))
        })
        .map(|title| {
            title
                .trim()
                .to_lowercase()
                .chars()
                .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
                .map(|c| if c == ' ' { '-' } else { c })
                .collect()
        })
        .collect()
}

/// Every relative link `](path)` or `](path#anchor)` of the READMEs, the pages under `docs/`
/// and `bench/RESULTS.md` names a file or folder that exists, and a heading of it.
#[test]
fn relative_links_lead_to_files() {
    let root = workspace_root();
    let mut pages = vec![
        root.join("README.md"),
        root.join("bench").join("RESULTS.md"),
        root.join("jwt-auth").join("README.md"),
        root.join("jwt-auth-macros").join("README.md"),
    ];
    for entry in std::fs::read_dir(root.join("docs")).expect("docs/") {
        pages.push(entry.expect("a docs/ entry").path());
    }
    let mut checked = 0;
    for page in &pages {
        let text = read(page);
        for after in prose(&text).flat_map(|line| line.split("](").skip(1)) {
            let target = after.split(')').next().unwrap_or_default();
            let file = target.split('#').next().unwrap_or_default();
            if file.is_empty() || file.contains("://") {
                continue;
            }
            let resolved = page.parent().expect("a folder").join(file);
            assert!(
                resolved.exists(),
                "{}: the link `{target}` leads nowhere",
                page.display()
            );
            if let Some((_, anchor)) = target.split_once('#') {
                assert!(
                    anchors(&read(&resolved)).iter().any(|a| a == anchor),
                    "{}: `{target}` names no heading of {}",
                    page.display(),
                    resolved.display()
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} links found");
}

#[tokio::test]
async fn the_quick_start_logs_in_and_protects_me() {
    let server = Server::start("quick_start");
    let ada = json!({"id": "ada", "name": "Ada"});

    let anonymous = server.get("/me", &[]).await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(
        anonymous.json(),
        json!({"status_code": 401, "detail": "No JWT token found in request header"})
    );

    let login = server.post_json("/login", &ada).await;
    assert_eq!(login.status, 201, "{}", login.text());
    assert_eq!(login.json(), ada);
    let bearer = format!("Bearer {}", login.bearer());

    let me = server.get("/me", &[("authorization", &bearer)]).await;
    assert_eq!(me.status, 200, "{}", me.text());
    assert_eq!(me.json(), ada);
}
