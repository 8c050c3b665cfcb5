//! The `#[jwt_auth]` attribute's compile-time checks: one fixture per misuse, with the
//! compiler's message next to it, and fixtures that must compile.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/fail/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
