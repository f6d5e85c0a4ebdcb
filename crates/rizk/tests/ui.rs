//! Macro misuse fails to compile with a message that says what is wrong and where.

#![allow(clippy::unwrap_used)] // a test fails loudly on what it did not expect

#[test]
fn bad_macro_arguments_are_compile_errors() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
