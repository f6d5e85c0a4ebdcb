//! A planted corpus: every built-in kind in varied contexts is redacted; look-alikes are not.

use std::borrow::Cow;

use rizk_redaction::{DetectorKind, RedactionConfig, Redactor};

/// (planted value, expected kind). Each is a real-looking instance that must be redacted.
const PLANTED: &[(&str, DetectorKind)] = &[
    ("jane.doe@example.com", DetectorKind::Email),
    ("JOHN_SMITH+billing@mail.example.co.uk", DetectorKind::Email),
    ("müller@beispiel.de", DetectorKind::Email),
    ("+14155552671", DetectorKind::Phone),
    ("+1 415 555 2671", DetectorKind::Phone),
    ("+44 20 7946 0958", DetectorKind::Phone),
    ("+49 30 1234567", DetectorKind::Phone),
    ("+1 (555) 234-5678", DetectorKind::Phone),
    ("(212) 555-0187", DetectorKind::Phone),
    ("555-123-4567", DetectorKind::Phone),
    ("415.555.2671", DetectorKind::Phone),
    ("1-800-555-1234", DetectorKind::Phone),
    ("020 7946 0958", DetectorKind::Phone),
    ("07911 123456", DetectorKind::Phone),
    ("01 23 45 67 89", DetectorKind::Phone),
    ("123-45-6789", DetectorKind::Ssn),
    ("078 05 1120", DetectorKind::Ssn),
    ("192.168.10.24", DetectorKind::Ipv4),
    ("8.8.8.8", DetectorKind::Ipv4),
    ("2001:db8:85a3::8a2e:370:7334", DetectorKind::Ipv6),
    (
        "2001:0db8:85a3:0000:0000:8a2e:0370:7334",
        DetectorKind::Ipv6,
    ),
    ("fe80::1ff:fe23:4567:890a", DetectorKind::Ipv6),
    ("::ffff:192.0.2.128", DetectorKind::Ipv6),
    ("4111 1111 1111 1111", DetectorKind::CreditCard),
    ("4111-1111-1111-1111", DetectorKind::CreditCard),
    ("5555555555554444", DetectorKind::CreditCard),
    ("378282246310005", DetectorKind::CreditCard),
    ("6011 0009 9013 9424", DetectorKind::CreditCard),
    ("DE89 3704 0044 0532 0130 00", DetectorKind::Iban),
    ("GB82WEST12345698765432", DetectorKind::Iban),
    ("FR1420041010050500013M02606", DetectorKind::Iban),
    (
        "sk-proj-a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6",
        DetectorKind::OpenAiKey,
    ),
    ("sk-abcdefghij0123456789ABCDEFGHIJ", DetectorKind::OpenAiKey),
    (
        "sk-ant-api03-abcDEF123456ghiJKL789012mnoPQR",
        DetectorKind::AnthropicKey,
    ),
    ("AKIAIOSFODNN7EXAMPLE", DetectorKind::AwsAccessKey),
    (
        "ghp_0123456789abcdefghijABCDEFGHIJklmnopqr",
        DetectorKind::GithubToken,
    ),
    (
        "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
        DetectorKind::GithubToken,
    ),
    (
        "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
        DetectorKind::SlackToken,
    ),
    (
        "AIzaSyA1234567890abcdefghijklmnopqrstuv",
        DetectorKind::GoogleApiKey,
    ),
    ("sk_live_4eC39HqLyjWDarjtT1zdp7dc", DetectorKind::StripeKey),
    (
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        DetectorKind::Jwt,
    ),
    (
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA1b2c3d4e5f6\nq0w9e8r7t6y5u4i3o2p1\n-----END RSA PRIVATE KEY-----",
        DetectorKind::PrivateKey,
    ),
];

/// Contexts a value is planted in: `{}` is replaced by the value.
const CONTEXTS: &[&str] = &[
    "{}",
    "value: {}",
    "{\"field\": \"{}\", \"n\": 1}",
    "({})",
    "see {}.",
    "see {},",
    "line one\n{}\nline three",
    "ends the line {}\n",
    "Müller's value: {} — danke!",
    "東京の値は {} です",
    "«{}»",
    "'{}';",
    "<td>{}</td>",
];

fn plant(context: &str, value: &str) -> String {
    context.replacen("{}", value, 1)
}

#[test]
fn every_planted_item_is_redacted_in_every_context() {
    let redactor = Redactor::default();
    for (value, kind) in PLANTED {
        for context in CONTEXTS {
            let text = plant(context, value);
            let matches = redactor.find_matches(&text);
            assert!(
                matches
                    .iter()
                    .any(|m| m.kind() == *kind && m.as_str(&text) == *value),
                "{kind:?} {value:?} not found whole in {text:?}: {matches:?}"
            );
            let out = redactor.redact(&text);
            assert!(!out.contains(value), "{value:?} survived in {out:?}");
            assert!(out.contains("[REDACTED]"), "{out:?}");
        }
    }
}

#[test]
fn bearer_keeps_the_scheme_and_hides_the_token() {
    let r = Redactor::default();
    assert_eq!(
        r.redact("Authorization: Bearer abc123.def456-ghi789"),
        "Authorization: Bearer [REDACTED]"
    );
    assert_eq!(
        r.redact(r#"{"headers": {"authorization": "bearer 0123456789abcdef"}}"#),
        r#"{"headers": {"authorization": "bearer [REDACTED]"}}"#
    );
}

#[test]
fn private_key_without_end_line_is_redacted_to_the_end() {
    let r = Redactor::default();
    let text = "key:\n-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nabc";
    assert_eq!(r.redact(text), "key:\n[REDACTED]");
    // In a JSON string the newlines are escaped; the block is still one match.
    let json = r#"{"pem": "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIB\n-----END EC PRIVATE KEY-----\n", "x": 1}"#;
    assert_eq!(r.redact(json), r#"{"pem": "[REDACTED]\n", "x": 1}"#);
}

/// Look-alikes that must be left alone.
const LOOK_ALIKES: &[&str] = &[
    // Order numbers and references of card length that fail Luhn.
    "order 4111111111111112 shipped",
    "ref 1234567890123456",
    "tracking 9400 1000 0000 0000 0000 00",
    "id 0000000000000000",
    // Version strings and not-an-IP dotted numbers.
    "v1.2.3",
    "version 2.14.0",
    "build 10.0.19045.2965",
    "step 1.2.3.4.5",
    "999.1.1.1",
    "256.10.10.10",
    "01.02.03.04",
    // Dates and timestamps.
    "2024-06-01",
    "2024-06-01T10:30:00Z",
    "2024-06-01 10:30:00.123+02:00",
    "01.02.2024 10:30",
    "05-01-2024 10",
    "12/31/2024",
    "10:30:00",
    "Mon, 03 Jun 2024 10:30:00 GMT",
    // Invoice and ticket numbers.
    "INV-2024-000123",
    "PO-000123-45",
    "ticket #4521",
    "ISBN 978-3-16-148410-0",
    // Numbers, money, percentages.
    "$1,234,567.89",
    "12.5%",
    "3 items at 19.99",
    "call me at 5",
    // SSN-shaped but impossible.
    "000-12-3456",
    "666-12-3456",
    "900-12-3456",
    "123-00-4567",
    "123-45-0000",
    // IBAN-shaped but failing mod-97 or unknown country.
    "DE89370400440532013001",
    "XX89370400440532013000",
    // Code and prose that resemble secrets or IPv6.
    "use std::io::Read;",
    "Foo::bar(baz)",
    "dead::beef",
    "::1",
    "a task-list-for-the-quarterly-planning-meeting",
    "the bearer of bad news",
    "MAC 00:1A:2B:3C:4D:5E",
    "sk-learn-is-a-python-library-for-ml",
    "github_pat_short",
    // Emails need a dotted domain.
    "user@localhost",
    "@mention and #tag",
];

#[test]
fn look_alikes_are_left_alone() {
    let r = Redactor::default();
    for text in LOOK_ALIKES {
        let found = r.find_matches(text);
        assert!(found.is_empty(), "{text:?} matched {:?}", found);
        assert!(matches!(r.redact(text), Cow::Borrowed(_)), "{text:?}");
    }
}

#[test]
fn a_rejected_candidate_does_not_hide_a_later_valid_one() {
    let r = Redactor::default();
    // An IBAN candidate (too short for DE) that starts before a valid card.
    assert_eq!(r.redact("DE00 4111 1111 1111 1111"), "DE00 [REDACTED]");
    // A valid card next to another number that is not part of it.
    assert_eq!(
        r.redact("4111 1111 1111 1111, 22 euro"),
        "[REDACTED], 22 euro"
    );
    // Numbers are read whole: a group joined by a space makes one longer number, which is not
    // a card (18 digits failing Luhn), so no card is cut out of it.
    for text in ["12 4111 1111 1111 1111", "4111 1111 1111 1111 22 euro"] {
        assert_eq!(r.redact(text), text);
    }
    // An invalid IPv4 right before a valid one.
    assert_eq!(r.redact("999.1.1.1 10.0.0.1"), "999.1.1.1 [REDACTED]");
}

#[test]
fn a_rejected_builtin_does_not_hide_a_custom_pattern_at_the_same_start() {
    // The spec's card pattern, unvalidated: matches what the built-in card detector rejects.
    let r = Redactor::new(RedactionConfig {
        custom_patterns: vec![r"\b\d{4}-\d{4}-\d{4}-\d{4}\b".into()],
        label_entities: true,
        ..RedactionConfig::default()
    })
    .expect("builds");
    assert_eq!(r.redact("1234-5678-9012-3456"), "[REDACTED:CUSTOM_0]");
    assert_eq!(r.redact("4111-1111-1111-1111"), "[REDACTED:CUSTOM_0]");
}

#[test]
fn clean_text_is_borrowed() {
    let r = Redactor::default();
    for text in [
        "",
        "Hello, how can I help you today?",
        "Grüße aus Zürich — 東京 — привет",
        "The meeting is on 2024-06-01 at 10:30.",
    ] {
        assert!(matches!(r.redact(text), Cow::Borrowed(_)), "{text:?}");
        assert!(r.is_clean(text));
    }
}

#[test]
fn spec_example() {
    // The spec's configure_content_redaction example.
    let r = Redactor::new(RedactionConfig {
        pii_redaction: true,
        financial_data_redaction: true,
        custom_patterns: vec![
            r"\b\d{4}-\d{4}-\d{4}-\d{4}\b".into(),
            r"\b\d{3}-\d{2}-\d{4}\b".into(),
            r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Z|a-z]{2,}\b".into(),
        ],
        replacement_text: "[REDACTED]".into(),
        ..RedactionConfig::default()
    })
    .expect("builds");
    assert_eq!(r.redact("My SSN is 123-45-6789"), "My SSN is [REDACTED]");
    assert_eq!(r.warnings().len(), 3, "{:?}", r.warnings());
}

#[test]
fn groups_can_be_switched_off() {
    let text = "mail a@b.io card 4111111111111111 key AKIAIOSFODNN7EXAMPLE";
    let only = |pii, financial_data_redaction, secrets_redaction| {
        Redactor::new(RedactionConfig {
            pii_redaction: pii,
            financial_data_redaction,
            secrets_redaction,
            ..RedactionConfig::default()
        })
        .expect("builds")
        .redact(text)
        .into_owned()
    };
    assert_eq!(
        only(true, false, false),
        "mail [REDACTED] card 4111111111111111 key AKIAIOSFODNN7EXAMPLE"
    );
    assert_eq!(
        only(false, true, false),
        "mail a@b.io card [REDACTED] key AKIAIOSFODNN7EXAMPLE"
    );
    assert_eq!(
        only(false, false, true),
        "mail a@b.io card 4111111111111111 key [REDACTED]"
    );
    let none = Redactor::new(RedactionConfig::none()).expect("builds");
    assert!(matches!(none.redact(text), Cow::Borrowed(_)));
}

/// Built-in matches left in `out`.
fn builtins_left(redactor: &Redactor, out: &str) -> Vec<String> {
    redactor
        .find_matches(out)
        .into_iter()
        .filter(|m| m.kind().is_builtin())
        .map(|m| m.as_str(out).to_owned())
        .collect()
}

#[test]
fn chains_of_numbers_completed_one_by_one_are_redacted_to_the_end() {
    // Each phone number follows `0-`, so it reads as the tail of a longer number until the
    // match before it is replaced: every replacement completes the next link (found by the
    // fuzz target; searching again a fixed number of times left the rest of the chain).
    let redactor = Redactor::default();
    for links in [3, 20, 2_000] {
        let text = format!("start {} end", "+40001-00-000-0-".repeat(links));
        let out = redactor.redact(&text);
        assert_eq!(
            builtins_left(&redactor, &out),
            Vec::<String>::new(),
            "{links} links"
        );
        assert_eq!(
            out.matches("[REDACTED]").count(),
            links,
            "{links} links: {out}"
        );
        assert_eq!(out, redactor.redact_reference(&text));
    }
}
