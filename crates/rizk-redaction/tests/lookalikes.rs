//! Look-alikes that users' text is full of: each class is planted many times in chat-like
//! sentences and must come back unchanged; real values in the same sentences are still redacted.

use rizk_redaction::Redactor;

#[test]
fn space_grouped_numbers_with_a_zero_group_are_not_cut_into_phones() {
    let r = Redactor::default();
    for text in [
        "Your order 0507 5960 2333 8620 has shipped.",
        "Invoice 7554 0341 3958 4170 is due on Friday.",
    ] {
        assert_eq!(r.redact(text), text);
    }
}
