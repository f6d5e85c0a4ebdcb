//! The generated chat-like corpora shared by the benchmarks (no files, no network): a tiny
//! deterministic PRNG picks words (some non-ASCII), look-alike fillers (versions, dates, order
//! numbers) and, sparsely, planted PII, secrets and keywords; for benches/density.rs, lines of
//! about 130 bytes of which a given share carries one planted value, real or look-alike.

#![allow(dead_code)]

/// The spec's `configure_content_redaction` example patterns (benches/support/python_re.py
/// holds the same three).
pub(crate) const SPEC_PATTERNS: [&str; 3] = [
    r"\b\d{4}-\d{4}-\d{4}-\d{4}\b",
    r"\b\d{3}-\d{2}-\d{4}\b",
    r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Z|a-z]{2,}\b",
];

/// [`SPEC_PATTERNS`] as `RedactionConfig::custom_patterns` takes them.
pub(crate) fn spec_patterns() -> Vec<String> {
    SPEC_PATTERNS.iter().map(|p| (*p).to_owned()).collect()
}

/// splitmix64: tiny, deterministic, good enough to shuffle words.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub(crate) fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const WORDS: &[&str] = &[
    "the",
    "a",
    "to",
    "and",
    "of",
    "in",
    "is",
    "for",
    "that",
    "you",
    "it",
    "on",
    "with",
    "as",
    "this",
    "can",
    "be",
    "are",
    "order",
    "account",
    "please",
    "help",
    "thanks",
    "model",
    "response",
    "question",
    "customer",
    "support",
    "delivery",
    "refund",
    "invoice",
    "payment",
    "status",
    "update",
    "agent",
    "tool",
    "workflow",
    "summary",
    "report",
    "document",
    "search",
    "result",
    "latency",
    "tokens",
    "prompt",
    "context",
    "retrieval",
    "answer",
    "check",
    "price",
    "inventory",
    "shipping",
    "address",
    "details",
    "request",
    "error",
    "retry",
    "timeout",
    "could",
    "would",
    "should",
    "about",
    "there",
    "their",
    "which",
    "because",
    "before",
    "after",
    "today",
    "tomorrow",
    "yesterday",
    "morning",
    "evening",
    "week",
    "month",
    "team",
    "Müller",
    "café",
    "naïve",
    "Zürich",
    "Grüße",
    "résumé",
    "façade",
    "São",
    "Paulo",
    "straße",
    "Ångström",
    "déjà",
    "vu",
    "東京",
    "привет",
    "mañana",
    "Kraków",
    "Øresund",
];

const FILLERS: &[&str] = &[
    "v1.2.3",
    "version 2.14.0",
    "build 10.0.19045.2965",
    "INV-2024-000123",
    "ORD-88812",
    "order 4111111111111112",
    "ref 1234567890123456",
    "2024-06-01",
    "10:30:00",
    "2024-06-01T10:30:00Z",
    "12.5%",
    "$19.99",
    "3 items",
    "42",
    "step 1.2.3.4.5",
    "page 17",
];

pub(crate) const PII: &[&str] = &[
    "jane.doe@example.com",
    "müller@beispiel.de",
    "+1 415 555 2671",
    "(212) 555-0187",
    "+44 20 7946 0958",
    "4111 1111 1111 1111",
    "5555-5555-5555-4444",
    "123-45-6789",
    "DE89 3704 0044 0532 0130 00",
    "192.168.10.24",
    "2001:db8:85a3::8a2e:370:7334",
    "sk-proj-a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6",
    "AKIAIOSFODNN7EXAMPLE",
    "ghp_0123456789abcdefghijABCDEFGHIJklmnopqr",
    "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlMTIz",
];

pub(crate) fn keywords() -> Vec<String> {
    let mut rng = Rng(0xC0FF_EE00);
    (0..1000)
        .map(|_| {
            let len = 6 + rng.below(7);
            (0..len)
                .map(|_| char::from(b'a' + rng.below(26) as u8))
                .collect()
        })
        .collect()
}

pub(crate) fn corpus(bytes: usize, keywords: &[String]) -> String {
    let mut rng = Rng(42);
    let mut out = String::with_capacity(bytes + 1024);
    let mut line = 0u64;
    while out.len() < bytes {
        line += 1;
        let who = if line.is_multiple_of(2) {
            "assistant"
        } else {
            "user"
        };
        out.push_str(&format!(
            "[2024-06-{:02} {:02}:{:02}:{:02}] {who}: ",
            1 + line % 28,
            line % 24,
            line % 60,
            (line * 7) % 60
        ));
        let n = 12 + rng.below(40);
        for i in 0..n {
            if i > 0 {
                out.push(' ');
            }
            match rng.below(1000) {
                0..=2 => out.push_str(rng.pick(PII)),
                3 => out.push_str(&keywords[rng.below(keywords.len())]),
                4..=60 => out.push_str(rng.pick(FILLERS)),
                _ => out.push_str(rng.pick(WORDS)),
            }
            if rng.below(12) == 0 {
                out.push_str(if rng.below(2) == 0 { "," } else { "." });
            }
        }
        out.push('\n');
    }
    out
}

/// The densities of the across-densities benchmark: a name and the share of lines (about 130
/// bytes each) that carry one planted value. At 100% that is one value per ~130 bytes, the
/// density the issue measured (half of the values real, half look-alikes).
pub(crate) const DENSITIES: &[(&str, f64)] = &[
    ("no PII", 0.0),
    ("1% of lines", 0.01),
    ("10% of lines", 0.10),
    ("50% of lines", 0.50),
    ("1 per ~130 B", 1.0),
];

/// Words without digits or other look-alike material, for the lines' filler.
const PLAIN: &[&str] = &[
    "the", "a", "to", "and", "of", "in", "is", "for", "that", "you", "it", "on", "with", "as",
    "this", "can", "be", "are", "order", "account", "please", "help", "thanks", "model",
    "response", "question", "customer", "support", "delivery", "refund", "invoice", "payment",
    "status", "update", "agent", "tool", "workflow", "summary", "report", "document", "search",
    "result", "latency", "tokens", "prompt", "context", "answer", "check", "price", "shipping",
    "address", "details", "request", "error", "retry", "timeout", "could", "would", "should",
    "about", "there", "which", "because", "before", "after", "today", "morning", "week", "team",
    "Müller", "café", "Zürich", "résumé", "São", "Paulo", "東京", "mañana", "Kraków",
];

/// `n` random digits.
fn digits(rng: &mut Rng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + rng.below(10) as u8))
        .collect()
}

/// `n` random lowercase hex digits.
fn hex(rng: &mut Rng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b"0123456789abcdef"[rng.below(16)]))
        .collect()
}

/// One look-alike that must survive redaction, of the classes tests/lookalikes.rs checks:
/// grouped order numbers, versions, dates and times, timestamps, UUIDs, hex digests, prices,
/// ISBNs, coordinates.
pub(crate) fn lookalike(rng: &mut Rng) -> String {
    match rng.below(9) {
        // Grouped order numbers: 20 digits (too long for a card) in blocks of 4 or 5.
        0 => {
            let d = digits(rng, 20);
            let size = if rng.below(2) == 0 { 4 } else { 5 };
            let sep = rng.pick(&[" ", "-", "."]);
            d.as_bytes()
                .chunks(size)
                .map(|c| std::str::from_utf8(c).unwrap_or_default())
                .collect::<Vec<_>>()
                .join(sep)
        }
        1 => format!(
            "v{}.{}.{}{}",
            rng.below(30),
            rng.below(40),
            rng.below(200),
            rng.pick(&["", "-beta", "-rc.1", "+build.5"])
        ),
        2 => {
            let (y, mo, d) = (1990 + rng.below(50), 1 + rng.below(12), 1 + rng.below(28));
            let (h, mi, s) = (rng.below(24), rng.below(60), rng.below(60));
            match rng.below(3) {
                0 => format!("{y}-{mo:02}-{d:02}"),
                1 => format!("{y}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z"),
                _ => format!("{d:02}/{mo:02}/{y} {h:02}:{mi:02}"),
            }
        }
        3 => (1_000_000_000 + rng.below(1_000_000_000)).to_string(),
        4 => format!(
            "{}-{}-4{}-a{}-{}",
            hex(rng, 8),
            hex(rng, 4),
            hex(rng, 3),
            hex(rng, 3),
            hex(rng, 12)
        ),
        5 => {
            let n = if rng.below(2) == 0 { 40 } else { 64 };
            hex(rng, n)
        }
        6 => format!(
            "${},{:03}.{:02}",
            1 + rng.below(999),
            rng.below(1000),
            rng.below(100)
        ),
        7 => rng
            .pick(&[
                "ISBN 978-3-16-148410-0",
                "ISBN 0-306-40615-2",
                "9783161484100",
            ])
            .to_owned(),
        _ => format!(
            "{}.{}, {}.{}",
            rng.below(90),
            digits(rng, 5),
            rng.below(180),
            digits(rng, 5)
        ),
    }
}

/// About `bytes` of chat-like lines of about 130 bytes; a share `per_line` of them carries one
/// planted value: half real values (`PII`, a keyword now and then), half look-alikes.
pub(crate) fn density_corpus(bytes: usize, per_line: f64, keywords: &[String]) -> String {
    let mut rng = Rng(7 + (per_line * 1000.0) as u64);
    let mut out = String::with_capacity(bytes + 256);
    while out.len() < bytes {
        let start = out.len();
        let planted = (rng.below(1_000_000) as f64) < per_line * 1_000_000.0;
        let value = planted.then(|| match rng.below(20) {
            0 => keywords[rng.below(keywords.len())].clone(),
            1..=9 => rng.pick(PII).to_owned(),
            _ => lookalike(&mut rng),
        });
        let at = rng.below(12);
        let mut i = 0;
        while out.len() - start < 130 - value.as_ref().map_or(0, String::len).min(100) {
            if i > 0 {
                out.push(' ');
            }
            if i == at
                && let Some(v) = &value
            {
                out.push_str(v);
            } else {
                out.push_str(rng.pick(PLAIN));
            }
            i += 1;
        }
        if let Some(v) = value.filter(|_| i <= at) {
            out.push(' ');
            out.push_str(&v);
        }
        out.push('\n');
    }
    out
}

/// Attributes are whole lines, at least this many bytes (benches/support/python_re.py cuts the
/// same way).
pub(crate) const ATTRIBUTE_BYTES: usize = 1000;

/// `text` cut into attributes of whole lines, each at least `ATTRIBUTE_BYTES` long but the last.
pub(crate) fn attributes(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut end) = (0, 0);
    for line in text.split_inclusive('\n') {
        end += line.len();
        if end - start >= ATTRIBUTE_BYTES {
            out.push(&text[start..end]);
            start = end;
        }
    }
    if start < end {
        out.push(&text[start..end]);
    }
    out
}
