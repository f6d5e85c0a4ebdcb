//! Arbitrary custom patterns and keywords: building a redactor returns an error or a redactor,
//! never panics, and the redactor never panics on the rest of the input and finds there what
//! one search over the whole text finds (the window scan against the reference).
//!
//! Input layout: `pattern \n keyword \n text`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rizk_redaction::{RedactionConfig, Redactor};

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = input.splitn(3, '\n');
    let pattern = parts.next().unwrap_or_default();
    let keyword = parts.next().unwrap_or_default();
    let text = parts.next().unwrap_or_default();
    let config = RedactionConfig {
        custom_patterns: vec![pattern.to_owned()],
        keywords: vec![keyword.to_owned()],
        label_entities: true,
        // Keep each case fast: a fuzzer finds huge patterns quickly.
        pattern_size_limit: 1 << 20,
        total_size_limit: 8 << 20,
        ..RedactionConfig::default()
    };
    if let Ok(redactor) = Redactor::new(config) {
        assert_eq!(redactor.find_matches(text), redactor.find_matches_reference(text));
        assert_eq!(redactor.redact(text), redactor.redact_reference(text));
    }
});
