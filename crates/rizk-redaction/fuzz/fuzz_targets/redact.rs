//! The default redactor on arbitrary text: never panics, reports sorted disjoint matches on
//! `char` boundaries, borrows clean text, and leaves nothing in its output that a built-in
//! (validated) detector still matches.

#![no_main]

use std::borrow::Cow;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rizk_redaction::Redactor;

static REDACTOR: OnceLock<Redactor> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let redactor = REDACTOR.get_or_init(Redactor::default);

    let matches = redactor.find_matches(text);
    let mut last = 0;
    for m in &matches {
        assert!(
            last <= m.start() && m.start() < m.end() && m.end() <= text.len(),
            "{matches:?}"
        );
        assert!(text.is_char_boundary(m.start()) && text.is_char_boundary(m.end()));
        last = m.end();
    }

    let out = redactor.redact(text);
    assert_eq!(matches.is_empty(), matches!(out, Cow::Borrowed(_)));

    let left: Vec<_> = redactor
        .find_matches(&out)
        .into_iter()
        .filter(|m| m.kind().is_builtin())
        .map(|m| (m.kind(), m.as_str(&out).to_owned()))
        .collect();
    assert!(
        left.is_empty(),
        "input {text:?}\noutput {out:?}\nstill matches {left:?}"
    );
});
