//! The `#[jwt_auth]` attribute's compile-time checks: one fixture per misuse under `ui/fail`,
//! each with the compiler's message next to it, and fixtures under `ui/pass` that must compile
//! and run. Regenerate the messages with `TRYBUILD=overwrite cargo test --test ui`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/fail/*.rs");
    t.pass("tests/ui/pass/*.rs");
}

// Compiled here too, so that `cargo clippy --all-targets` checks the expansion against the
// lints the fixture denies (trybuild runs rustc, not clippy).
#[path = "ui/pass/lint_clean.rs"]
mod lint_clean;

#[test]
fn lint_clean_expansion_runs() {
    lint_clean::main();
}
