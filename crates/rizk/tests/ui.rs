//! The macros' compile-time contract: the shapes they accept compile and run
//! (`tests/ui/pass`), and misuse fails to compile with a message that says what is wrong and
//! where (`tests/ui/fail`, with the expected errors in the `.stderr` files).

#![allow(clippy::unwrap_used)] // a test fails loudly on what it did not expect

#[test]
fn macro_shapes_compile_and_misuse_is_a_compile_error() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
}
