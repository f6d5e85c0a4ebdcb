//! Custom patterns, keywords, labels, errors and warnings.

use rizk_core::content::ContentRedactor;
use rizk_redaction::{DetectorKind, RedactionConfig, RedactionError, RedactionWarning, Redactor};

fn custom(patterns: &[&str]) -> Result<Redactor, RedactionError> {
    Redactor::new(RedactionConfig {
        custom_patterns: patterns.iter().map(|p| (*p).to_owned()).collect(),
        ..RedactionConfig::none()
    })
}

#[test]
fn invalid_pattern_names_index_pattern_and_position() {
    let err = custom(&["ok-[0-9]+", "also-ok", "bad(group"]).expect_err("must fail");
    match &err {
        RedactionError::InvalidPattern {
            index,
            pattern,
            position,
            message,
        } => {
            assert_eq!(*index, 2);
            assert_eq!(pattern, "bad(group");
            assert_eq!(*position, 3, "the unclosed group opens at byte 3");
            assert!(message.contains("unclosed"), "{message}");
        }
        other => panic!("unexpected {other:?}"),
    }
    let text = err.to_string();
    assert!(text.contains("custom pattern #2"), "{text}");
    assert!(text.contains("\"bad(group\""), "{text}");
    assert!(text.contains("byte 3"), "{text}");
    assert!(text.contains("fix"), "{text}");
}

#[test]
fn invalid_pattern_positions_for_other_errors() {
    let err = custom(&[r"a{2,1}"]).expect_err("must fail");
    assert!(
        matches!(
            err,
            RedactionError::InvalidPattern {
                index: 0,
                position: 1,
                ..
            }
        ),
        "{err:?}"
    );
    let err = custom(&[r"x\p{NotAClass}"]).expect_err("must fail");
    assert!(
        matches!(
            err,
            RedactionError::InvalidPattern {
                index: 0,
                position: 1,
                ..
            }
        ),
        "{err:?}"
    );
    // Byte, not char, offsets.
    let err = custom(&["é[z-a]"]).expect_err("must fail");
    assert!(
        matches!(
            err,
            RedactionError::InvalidPattern {
                index: 0,
                position: 3,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn empty_matching_pattern_is_an_error() {
    for p in ["a*", "", "(?:x|)", r"\b"] {
        let err = custom(&["fine", p]).expect_err(p);
        assert!(
            matches!(err, RedactionError::MatchesEmpty { index: 1, .. }),
            "{p}: {err:?}"
        );
        assert!(err.to_string().contains("empty string"));
    }
}

#[test]
fn huge_pattern_is_an_error_not_a_memory_blowup() {
    let err = custom(&[r"\w{1000}{1000}"]).expect_err("must fail");
    assert!(
        matches!(err, RedactionError::PatternTooLarge { index: 0, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("pattern_size_limit"));
    // A small limit rejects a moderately large pattern.
    let err = Redactor::new(RedactionConfig {
        custom_patterns: vec![r"\w{50}".into()],
        pattern_size_limit: 10_000,
        ..RedactionConfig::none()
    })
    .expect_err("must fail");
    assert!(
        matches!(err, RedactionError::PatternTooLarge { limit: 10_000, .. }),
        "{err:?}"
    );
}

#[test]
fn too_many_keywords_for_the_total_limit_is_an_error() {
    let keywords: Vec<String> = (0..2000).map(|i| format!("keyword-number-{i}")).collect();
    let err = Redactor::new(RedactionConfig {
        keywords,
        total_size_limit: 50_000,
        ..RedactionConfig::default()
    })
    .expect_err("must fail");
    assert!(
        matches!(err, RedactionError::TooLarge { keywords: 2000, .. }),
        "{err:?}"
    );
}

#[test]
fn labels_name_the_entity() {
    let r = Redactor::new(RedactionConfig {
        custom_patterns: vec![r"EMP-[0-9]{6}".into(), r"(?i)case [0-9]+".into()],
        keywords: vec!["Bluebird".into()],
        label_entities: true,
        ..RedactionConfig::default()
    })
    .expect("builds");
    assert_eq!(
        r.redact(
            "EMP-123456 on Case 77 (bluebird): a@b.io, 4111111111111111, 10.1.2.3, 123-45-6789"
        ),
        "[REDACTED:CUSTOM_0] on [REDACTED:CUSTOM_1] ([REDACTED:KEYWORD]): [REDACTED:EMAIL], [REDACTED:CREDIT_CARD], [REDACTED:IPV4], [REDACTED:SSN]"
    );
}

#[test]
fn custom_replacement_text_with_and_without_brackets() {
    let with = |replacement_text: &str, label_entities| {
        Redactor::new(RedactionConfig {
            replacement_text: replacement_text.into(),
            label_entities,
            ..RedactionConfig::default()
        })
        .expect("builds")
        .redact("a@b.io")
        .into_owned()
    };
    assert_eq!(with("***", false), "***");
    assert_eq!(with("***", true), "***:EMAIL");
    assert_eq!(with("<hidden>", true), "<hidden>:EMAIL");
    assert_eq!(with("[PII]", true), "[PII:EMAIL]");
    assert_eq!(with("", false), "");
}

#[test]
fn keywords_are_literal_and_case_insensitive_by_default() {
    let r = Redactor::new(RedactionConfig {
        keywords: vec![
            "a.b*c".into(),
            "ACME Corp".into(),
            "ACME".into(),
            "".into(),
            "straße".into(),
        ],
        ..RedactionConfig::none()
    })
    .expect("builds");
    assert_eq!(
        r.redact("a.b*c axbbc"),
        "[REDACTED] axbbc",
        "regex metacharacters are literal"
    );
    assert_eq!(
        r.redact("acme corp and Acme"),
        "[REDACTED] and [REDACTED]",
        "longest keyword wins"
    );
    assert_eq!(r.redact("STRASSE Straße"), "STRASSE [REDACTED]");
    assert_eq!(r.warnings(), [RedactionWarning::EmptyKeyword { index: 3 }]);

    let cs = Redactor::new(RedactionConfig {
        keywords: vec!["ACME".into()],
        keywords_case_insensitive: false,
        ..RedactionConfig::none()
    })
    .expect("builds");
    assert_eq!(cs.redact("acme ACME"), "acme [REDACTED]");
}

#[test]
fn unicode_word_boundaries_are_rewritten_or_kept_with_a_warning() {
    let text = "éfoo foo";
    let ascii = custom(&[r"\bfoo\b"]).expect("builds");
    // ASCII \b: `é` is not a word character, so both are matched.
    assert_eq!(ascii.redact(text), "é[REDACTED] [REDACTED]");
    assert!(matches!(
        ascii.warnings(),
        [RedactionWarning::UnicodeWordBoundary {
            index: 0,
            rewritten_to_ascii: true,
            ..
        }]
    ));
    let unicode = Redactor::new(RedactionConfig {
        custom_patterns: vec![r"\bfoo\b".into()],
        ascii_word_boundaries: false,
        ..RedactionConfig::none()
    })
    .expect("builds");
    assert_eq!(unicode.redact(text), "éfoo [REDACTED]");
    let warning = &unicode.warnings()[0];
    assert!(matches!(
        warning,
        RedactionWarning::UnicodeWordBoundary {
            rewritten_to_ascii: false,
            ..
        }
    ));
    assert!(warning.to_string().contains("(?-u:\\b)"), "{warning}");
    // An explicit ASCII boundary causes no warning.
    assert!(
        custom(&[r"(?-u:\b)foo(?-u:\b)"])
            .expect("builds")
            .warnings()
            .is_empty()
    );
}

#[test]
fn find_matches_reports_kinds_and_ranges() {
    let r = Redactor::new(RedactionConfig {
        custom_patterns: vec!["ticket-[0-9]+".into()],
        keywords: vec!["falcon".into()],
        ..RedactionConfig::default()
    })
    .expect("builds");
    let text = "Falcon: ticket-9 from ops@example.org";
    let found: Vec<(DetectorKind, &str)> = r
        .find_matches(text)
        .iter()
        .map(|m| (m.kind(), m.as_str(text)))
        .collect();
    assert_eq!(
        found,
        [
            (DetectorKind::Keyword, "Falcon"),
            (DetectorKind::Custom(0), "ticket-9"),
            (DetectorKind::Email, "ops@example.org"),
        ]
    );
}

#[test]
fn implements_the_core_seam() {
    fn through_trait(r: &dyn ContentRedactor, text: &str) -> String {
        r.redact(text).into_owned()
    }
    let r = Redactor::default();
    assert_eq!(through_trait(&r, "ssn 123-45-6789"), "ssn [REDACTED]");
    let shared: std::sync::Arc<dyn ContentRedactor> = std::sync::Arc::new(r);
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let shared = shared.clone();
            std::thread::spawn(move || shared.redact(&format!("user{i}@example.com")).into_owned())
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().expect("thread"), "[REDACTED]");
    }
}

#[test]
fn docs_example() {
    // The first example of docs/redaction.md.
    let redactor = Redactor::new(RedactionConfig {
        custom_patterns: vec![r"\bCASE-[0-9]{5}\b".into()],
        keywords: vec!["Project Falcon".into()],
        label_entities: true,
        ..RedactionConfig::default()
    })
    .expect("builds");
    assert_eq!(redactor.warnings().len(), 1);
    assert_eq!(
        redactor.redact("CASE-20931: mail jan@example.de about project falcon"),
        "[REDACTED:CUSTOM_0]: mail [REDACTED:EMAIL] about [REDACTED:KEYWORD]"
    );
}
