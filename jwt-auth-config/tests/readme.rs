//! The README's keys table and the table of keys list the same keys.

use std::collections::BTreeSet;

/// The keys in the first column of the table under `## Keys`: each backticked item's name
/// (`` `secret = env("VAR")` `` is `secret`).
fn readme_keys(readme: &str) -> BTreeSet<String> {
    let section = readme
        .split_once("\n## Keys\n")
        .expect("a `## Keys` section")
        .1;
    let section = section.split("\n## ").next().unwrap_or_default();
    let mut keys = BTreeSet::new();
    for row in section.lines().filter(|line| line.starts_with("| `")) {
        let first_cell = row.split('|').nth(1).unwrap_or_default();
        for item in first_cell.split(',') {
            let Some(quoted) = item.trim().strip_prefix('`') else {
                continue;
            };
            let name: String = quoted
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            assert!(
                keys.insert(name.clone()),
                "`{name}` is twice in the README's keys table"
            );
        }
    }
    keys
}

#[test]
fn the_readme_keys_table_lists_every_key() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md");
    let readme = std::fs::read_to_string(path).expect("the workspace's README.md");
    let documented = readme_keys(&readme);
    let known: BTreeSet<String> = jwt_auth_config::KEYS
        .iter()
        .map(|spec| spec.name.to_owned())
        .collect();
    let undocumented: Vec<_> = known.difference(&documented).collect();
    let unknown: Vec<_> = documented.difference(&known).collect();
    assert!(
        undocumented.is_empty() && unknown.is_empty(),
        "keys missing from the README's table: {undocumented:?}; keys in it that `KEYS` does \
         not have: {unknown:?}"
    );
}

#[test]
fn rows_with_several_keys_are_read() {
    let readme = "# x\n\n## Keys\n\n| key | default |\n|---|---|\n\
                  | `secret = env(\"VAR\")` | required |\n| `secure`, `same_site` | x |\n\
                  \n## Next\n\n| `not_a_key` | x |\n";
    let keys: Vec<String> = readme_keys(readme).into_iter().collect();
    assert_eq!(keys, ["same_site", "secret", "secure"]);
}
