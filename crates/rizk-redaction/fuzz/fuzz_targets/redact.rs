//! The default redactor on arbitrary text: never panics, reports sorted disjoint matches on
//! `char` boundaries, borrows clean text, leaves nothing in its output that a built-in
//! (validated) detector still matches, and finds what one search over the whole text finds
//! (the window scan against the reference), also with custom patterns and keywords.

#![no_main]

use std::borrow::Cow;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rizk_redaction::{RedactionConfig, Redactor};

static REDACTOR: OnceLock<Redactor> = OnceLock::new();
static CUSTOM: OnceLock<Redactor> = OnceLock::new();

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

    assert_eq!(matches, redactor.find_matches_reference(text));
    assert_eq!(out, redactor.redact_reference(text));

    let custom = CUSTOM.get_or_init(|| {
        Redactor::new(RedactionConfig {
            custom_patterns: vec![
                r"\b\d{4}-\d{4}-\d{4}-\d{4}\b".into(),
                r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Z|a-z]{2,}\b".into(),
                "a*b".into(),
            ],
            keywords: vec!["falcon".into(), "acme corp".into(), "é東".into()],
            label_entities: true,
            ..RedactionConfig::default()
        })
        .expect("builds")
    });
    assert_eq!(custom.find_matches(text), custom.find_matches_reference(text));
    assert_eq!(custom.redact(text), custom.redact_reference(text));
});
