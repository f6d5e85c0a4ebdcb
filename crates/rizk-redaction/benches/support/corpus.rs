//! The generated chat-like corpus shared by the benchmark (no files, no network): a tiny
//! deterministic PRNG picks words (some non-ASCII), look-alike fillers (versions, dates, order
//! numbers) and, sparsely, planted PII, secrets and keywords.

#![allow(dead_code)]

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
