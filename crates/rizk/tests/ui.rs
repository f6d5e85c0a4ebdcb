//! Macro misuse fails to compile with a message that says what is wrong and where.

#[test]
fn bad_macro_arguments_are_compile_errors() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
