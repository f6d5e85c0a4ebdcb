//! Look-alikes that users' text is full of: each class is planted many times in chat-like
//! sentences and must come back unchanged from the default redactor; real values planted in the
//! same sentences are still redacted.

use rizk_redaction::{DetectorKind, Redactor};

/// Sentences a value is planted in (`{}`), as users write them in chats and tool outputs.
const SENTENCES: &[&str] = &[
    "{}",
    "Your order {} has shipped.",
    "Hi, I'm asking about {} — any update?",
    "ref: {}",
    "Please check {}, thanks!",
    "{\"id\": \"{}\", \"status\": \"ok\"}",
    "The value was {}.",
    "see ({}) and the note below",
    "Tracking says {}\nDelivered tomorrow.",
    "<td>{}</td>",
    "Kannst du {} bitte prüfen?",
    "'{}';",
];

/// Real values planted next to the look-alikes: (phone, Luhn-valid card in blocks of four, IBAN).
const REAL: &[(&str, &str, &str)] = &[
    (
        "+44 20 7946 0958",
        "4111 1111 1111 1111",
        "DE89 3704 0044 0532 0130 00",
    ),
    (
        "020 7946 0958",
        "5555 5555 5555 4444",
        "GB82WEST12345698765432",
    ),
    (
        "(212) 555-0187",
        "6011 0009 9013 9424",
        "FR14 2004 1010 0505 0001 3M02 606",
    ),
    ("07911 123456", "4111-1111-1111-1111", "NL91ABNA0417164300"),
];

/// A small deterministic generator, so a failure names a reproducible value.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }
    fn hex(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b"0123456789abcdef"[self.below(16) as usize]))
            .collect()
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            match (i % 2 == 1, d * 2) {
                (true, dd) if dd > 9 => dd - 9,
                (true, dd) => dd,
                (false, _) => d,
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// `digits` with its last digit changed so that the Luhn check passes (`pass`) or fails.
fn set_luhn(digits: &str, pass: bool) -> String {
    let head = &digits[..digits.len() - 1];
    (b'0'..=b'9')
        .map(|d| format!("{head}{}", char::from(d)))
        .find(|s| luhn(s) == pass)
        .unwrap_or_else(|| digits.to_owned())
}

/// `digits` in blocks of `size` (the last one shorter) joined by `sep`.
fn blocks(digits: &str, size: usize, sep: &str) -> String {
    digits
        .as_bytes()
        .chunks(size)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect::<Vec<_>>()
        .join(sep)
}

/// Every value in a few sentences: the default redactor returns each text as is, and redacts
/// exactly the real phone number, card and IBAN added to the same sentence.
fn assert_unchanged(class: &str, values: &[String]) {
    let r = Redactor::default();
    let mut planted = 0;
    for (i, value) in values.iter().enumerate() {
        // Each value in a few sentences, all sentences over the class.
        for k in 0..3 {
            let sentence = SENTENCES[(i * 3 + k) % SENTENCES.len()];
            let text = sentence.replacen("{}", value, 1);
            let found = r.find_matches(&text);
            assert!(
                found.is_empty(),
                "{class}: {value:?} in {text:?} matched {:?}",
                found
                    .iter()
                    .map(|m| (m.kind(), m.as_str(&text)))
                    .collect::<Vec<_>>()
            );
            assert_eq!(r.redact(&text), text, "{class}");
            // The same sentence with a real phone number, card and IBAN: only those go.
            let (phone, card, iban) = REAL[(i + k) % REAL.len()];
            let with_real = format!("{text} Call {phone}, card {card}, IBAN {iban}.");
            let expected = format!("{text} Call [REDACTED], card [REDACTED], IBAN [REDACTED].");
            assert_eq!(r.redact(&with_real), expected, "{class}");
            planted += 1;
        }
    }
    // Many realistic examples per class, not a handful.
    assert!(planted >= 100, "{class}: only {planted} planted");
}

/// Every value of `values` is found whole as `kind` next to look-alikes of `class`.
fn assert_redacted_among(kind: DetectorKind, values: &[&str], lookalikes: &[String]) {
    let r = Redactor::default();
    for (i, value) in values.iter().enumerate() {
        let other = &lookalikes[i % lookalikes.len()];
        let text = format!("Order {other} was paid with {value}; ask about {other} again.");
        let found = r.find_matches(&text);
        assert!(
            found
                .iter()
                .any(|m| m.kind() == kind && m.as_str(&text) == *value),
            "{kind:?} {value:?} not found whole in {text:?}: {found:?}"
        );
        let out = r.redact(&text);
        assert!(!out.contains(value), "{value:?} survived in {out:?}");
        assert_eq!(
            out.matches(other.as_str()).count(),
            2,
            "{other:?} was touched in {out:?}"
        );
    }
}

/// A number a real value would be written as, which the redactor rightly takes for that value
/// (see docs/redaction.md, "Numbers are read whole"): a Luhn-passing 13 to 19 digits in a
/// card's grouping starting with 2-6, a national phone number (a trunk `0` and 9 to 12 digits in
/// groups of at least 3, space- or dash-grouped), or a dotted quad of octets 0-255.
fn a_real_value_shape(digits: &str, size: usize, sep: &str) -> bool {
    let n = digits.len();
    let first = digits.as_bytes()[0];
    let card = (13..=19).contains(&n)
        && (b'2'..=b'6').contains(&first)
        && (size == 4 || size >= n)
        && sep != "."
        && luhn(digits);
    let last_group = match n % size {
        0 => size,
        r => r,
    };
    let phone = first == b'0'
        && digits.as_bytes()[1] != b'0'
        && (9..=12).contains(&n)
        && size >= 3
        && last_group >= 3
        && size <= 6
        && sep != ".";
    let dotted_quad = sep == "."
        && n.div_ceil(size) == 4
        && digits.as_bytes().chunks(size).all(|g| {
            let v: u32 = std::str::from_utf8(g)
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(999);
            v <= 255 && !(g.len() > 1 && g[0] == b'0')
        });
    card || phone || dotted_quad
}

/// Grouped order, invoice and tracking numbers: 8 to 20 digits in blocks of 3, 4 or 5, joined
/// by spaces, dashes or dots; half pass Luhn, half fail; with groups starting with 0.
fn grouped_numbers(seed: u64) -> Vec<String> {
    let mut rng = Rng(seed);
    let mut out = vec![
        // The numbers.
        "0507 5960 2333 8620".to_owned(),
        "7554 0341 3958 4170".to_owned(),
        "9400 1000 0000 0000 0000 00".to_owned(),
    ];
    while out.len() < 600 {
        let n = 8 + rng.below(13) as usize;
        let mut digits = rng.digits(n);
        // Make a group start with 0 often: the shape that was cut into phones.
        if rng.below(2) == 0 {
            let at = 4 * rng.below(n as u64 / 4) as usize;
            digits.replace_range(at..at + 1, "0");
        }
        let digits = set_luhn(&digits, out.len() % 2 == 0);
        let size = *rng.pick(&[3, 4, 4, 4, 5]);
        let sep = *rng.pick(&[" ", " ", "-", "."]);
        if a_real_value_shape(&digits, size, sep) {
            continue;
        }
        out.push(blocks(&digits, size, sep));
    }
    out
}

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

#[test]
fn grouped_order_invoice_and_tracking_numbers() {
    let values = grouped_numbers(1);
    let passing = values
        .iter()
        .filter(|v| luhn(&v.replace([' ', '-', '.'], "")))
        .count();
    assert!(passing > 200, "Luhn-passing numbers are planted too");
    assert_unchanged("grouped numbers", &values);
}

#[test]
fn a_real_phone_card_and_iban_among_grouped_numbers_are_still_redacted() {
    let lookalikes = grouped_numbers(2);
    assert_redacted_among(
        DetectorKind::Phone,
        &[
            "+44 20 7946 0958",
            "020 7946 0958",
            "(212) 555-0187",
            "07911 123456",
        ],
        &lookalikes,
    );
    assert_redacted_among(
        DetectorKind::CreditCard,
        &[
            "4111 1111 1111 1111",
            "5555 5555 5555 4444",
            "6011 0009 9013 9424",
        ],
        &lookalikes,
    );
    assert_redacted_among(
        DetectorKind::Iban,
        &["DE89 3704 0044 0532 0130 00", "GB82WEST12345698765432"],
        &lookalikes,
    );
}

#[test]
fn a_value_next_to_a_time_date_or_expiry_is_still_redacted() {
    // Those neighbours are other tokens, not more groups of the same number.
    let r = Redactor::default();
    for (text, expected) in [
        (
            "card 4111 1111 1111 1111 12/27 cvc 123",
            "card [REDACTED] 12/27 cvc 123",
        ),
        ("call at 12:30 020 7946 0958", "call at 12:30 [REDACTED]"),
        ("on 01/06/2024 020 7946 0958", "on 01/06/2024 [REDACTED]"),
        ("call 555-123-4567 24/7", "call [REDACTED] 24/7"),
        ("call +44 20 7946 0958 12:30", "call [REDACTED] 12:30"),
        ("call +44 20 7946 0958 24/7", "call [REDACTED] 24/7"),
        ("call 020 7946 0958 after 6pm", "call [REDACTED] after 6pm"),
    ] {
        assert_eq!(r.redact(text), expected);
    }
}

#[test]
fn a_card_shaped_luhn_passing_number_is_redacted_as_a_card() {
    // 16 digits in blocks of four that pass Luhn cannot be told from a card: redacted, whatever
    // the sentence calls it. The same digits grouped in threes, or 20 digits, are left.
    let r = Redactor::default();
    let mut rng = Rng(3);
    for _ in 0..100 {
        let digits = set_luhn(&format!("4{}", rng.digits(15)), true);
        let card = blocks(&digits, 4, " ");
        let text = format!("Order {card} shipped.");
        assert_eq!(r.redact(&text), "Order [REDACTED] shipped.");
        let threes = format!("Order {} shipped.", blocks(&digits, 3, " "));
        assert_eq!(r.redact(&threes), threes);
        let longer = format!("Order {card} 4321 shipped.");
        assert_eq!(r.redact(&longer), longer);
    }
}

#[test]
fn software_versions() {
    let mut rng = Rng(4);
    let suffixes = [
        "",
        "",
        "-beta",
        "-rc.1",
        "-alpha.2",
        "+build.5",
        "-SNAPSHOT",
    ];
    let mut values: Vec<String> = ["1.2.3", "v10.4.1-beta", "2.14.0", "10.0.19045.2965"]
        .map(String::from)
        .to_vec();
    while values.len() < 200 {
        let (a, b, c) = (rng.below(30), rng.below(40), rng.below(200));
        let v = match rng.below(4) {
            0 => format!("{a}.{b}"),
            1 => format!("{a}.{b}.{c}"),
            // A fourth part above 255 (a build number), or a `v`: not a dotted quad.
            2 => format!("{a}.{b}.{c}.{}", 256 + rng.below(40_000)),
            _ => format!("v{a}.{b}.{c}.{}", rng.below(300)),
        };
        let prefix = *rng.pick(&["", "v", "version ", "rustc "]);
        values.push(format!("{prefix}{v}{}", rng.pick(&suffixes)));
    }
    assert_unchanged("versions", &values);
}

#[test]
fn dates_and_times() {
    let mut rng = Rng(5);
    let mut values = Vec::new();
    while values.len() < 300 {
        let (y, mo, d) = (1990 + rng.below(50), 1 + rng.below(12), 1 + rng.below(28));
        let (h, mi, s) = (rng.below(24), rng.below(60), rng.below(60));
        values.push(match rng.below(10) {
            0 => format!("{y}-{mo:02}-{d:02}"),
            1 => format!("{d:02}/{mo:02}/{y}"),
            2 => format!("{mo:02}/{d:02}/{y}"),
            3 => format!("{d:02}.{mo:02}.{y}"),
            4 => format!("{h:02}:{mi:02}:{s:02}"),
            5 => format!("{y}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z"),
            6 => format!("{y}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}"),
            7 => format!(
                "{y}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{:03}+02:00",
                rng.below(1000)
            ),
            8 => format!("{d:02}-{mo:02}-{y} {h:02}:{mi:02}"),
            _ => format!("{y}/{mo:02}/{d:02} {h:02}:{mi:02}"),
        });
    }
    assert_unchanged("dates and times", &values);
}

#[test]
fn unix_timestamps() {
    let mut rng = Rng(6);
    let values: Vec<String> = (0..200)
        .map(|i| {
            // 2001-09-09 to 2033-05-18 in seconds, or in milliseconds.
            let secs = 1_000_000_000 + rng.below(1_000_000_000);
            if i % 2 == 0 {
                secs.to_string()
            } else {
                format!("{secs}{:03}", rng.below(1000))
            }
        })
        .collect();
    assert_unchanged("unix timestamps", &values);
}

#[test]
fn uuids() {
    let mut rng = Rng(7);
    let values: Vec<String> = (0..200)
        .map(|i| {
            let u = format!(
                "{}-{}-4{}-{}{}-{}",
                rng.hex(8),
                rng.hex(4),
                rng.hex(3),
                rng.pick(&["8", "9", "a", "b"]),
                rng.hex(3),
                rng.hex(12)
            );
            if i % 3 == 0 { u.to_uppercase() } else { u }
        })
        .collect();
    assert_unchanged("uuids", &values);
}

#[test]
fn git_hashes_and_hex_digests() {
    let mut rng = Rng(8);
    let values: Vec<String> = (0..200)
        .map(|i| match i % 5 {
            0 => rng.hex(7),
            1 => {
                let n = 7 + rng.below(34) as usize;
                rng.hex(n)
            }
            2 => rng.hex(40),
            3 => format!("sha256:{}", rng.hex(64)),
            _ => rng.hex(64),
        })
        .collect();
    assert_unchanged("hex digests", &values);
}

#[test]
fn prices_and_amounts() {
    let mut rng = Rng(9);
    let mut values: Vec<String> = ["1,299.00", "1 299,00 €", "$12,345.67"]
        .map(String::from)
        .to_vec();
    while values.len() < 200 {
        let whole = 1 + rng.below(99_999_999);
        let cents = rng.below(100);
        let grouped = |sep: &str| blocks_from_right(&whole.to_string(), sep);
        values.push(match rng.below(6) {
            0 => format!("{}.{cents:02}", grouped(",")),
            1 => format!("{},{cents:02} €", grouped(" ")),
            2 => format!("${}.{cents:02}", grouped(",")),
            3 => format!("€{},{cents:02}", grouped(".")),
            4 => format!("{} EUR", grouped(" ")),
            _ => format!("CHF {}.–", grouped("'")),
        });
    }
    assert_unchanged("prices", &values);
}

/// Thousands grouping: `1234567` becomes `1,234,567` with `sep` = `,`.
fn blocks_from_right(digits: &str, sep: &str) -> String {
    let rev: String = digits.chars().rev().collect();
    blocks(&rev, 3, sep).chars().rev().collect()
}

#[test]
fn isbns() {
    let mut rng = Rng(10);
    let mut values: Vec<String> = ["978-3-16-148410-0", "ISBN 0-306-40615-2", "3-16-148410-X"]
        .map(String::from)
        .to_vec();
    while values.len() < 200 {
        let body = rng.digits(9);
        let (group, publisher) = (1 + rng.below(2) as usize, 2 + rng.below(4) as usize);
        let split = |s: &str, check: char| {
            let (g, rest) = s.split_at(group);
            let (p, t) = rest.split_at(publisher);
            format!("{g}-{p}-{t}-{check}")
        };
        let isbn = if rng.below(2) == 0 {
            // ISBN-10: weights 10 down to 2, check digit 0-9 or X.
            let sum: u64 = body
                .bytes()
                .zip((2..=10).rev())
                .map(|(b, w)| u64::from(b - b'0') * w)
                .sum();
            let check = match (11 - sum % 11) % 11 {
                10 => 'X',
                c => char::from(b'0' + c as u8),
            };
            if rng.below(2) == 0 {
                split(&body, check)
            } else {
                format!("{body}{check}")
            }
        } else {
            // ISBN-13: 978 or 979, weights 1 and 3.
            let digits = format!("{}{body}", rng.pick(&["978", "979"]));
            let sum: u64 = digits
                .bytes()
                .enumerate()
                .map(|(i, b)| u64::from(b - b'0') * if i % 2 == 0 { 1 } else { 3 })
                .sum();
            let check = char::from(b'0' + ((10 - sum % 10) % 10) as u8);
            if rng.below(2) == 0 {
                format!("{}-{}", &digits[..3], split(&digits[3..], check))
            } else {
                format!("{digits}{check}")
            }
        };
        values.push(format!(
            "{}{isbn}",
            rng.pick(&["", "ISBN ", "ISBN-13: ", "isbn "])
        ));
    }
    assert_unchanged("isbns", &values);
}

#[test]
fn coordinates() {
    let mut rng = Rng(11);
    let mut values: Vec<String> = [
        "48.8566, 2.3522",
        "-33.8688,151.2093",
        "+48.85661234,+2.35221234",
    ]
    .map(String::from)
    .to_vec();
    while values.len() < 200 {
        let decimals = 4 + rng.below(5) as usize;
        let coord = |rng: &mut Rng, max: u64| {
            let sign = *rng.pick(&["-", "", "", "+"]);
            format!("{sign}{}.{}", rng.below(max), rng.digits(decimals))
        };
        let (lat, lon) = (coord(&mut rng, 90), coord(&mut rng, 180));
        values.push(match rng.below(4) {
            0 => format!("{lat}, {lon}"),
            1 => format!("{lat},{lon}"),
            2 => format!("lat {lat} lon {lon}"),
            _ => format!("({lat} {lon})"),
        });
    }
    assert_unchanged("coordinates", &values);
}

#[test]
fn the_documented_examples_hold() {
    // docs/redaction.md, "Numbers are read whole" and "Look-alikes": what it promises.
    let r = Redactor::default();
    for (text, expected) in [
        ("DE00 4111 1111 1111 1111", "DE00 [REDACTED]"),
        ("card 4111 1111 1111 1111 12/27", "card [REDACTED] 12/27"),
        ("call +44 20 7946 0958 12:30", "call [REDACTED] 12:30"),
        ("order 4929 1234 5678 9015", "order [REDACTED]"),
        ("order 0507 5960 2333", "order [REDACTED]"),
        ("call 01 23 45 67 89", "call [REDACTED]"),
        ("version 1.2.3.4", "version [REDACTED]"),
    ] {
        assert_eq!(r.redact(text), expected);
    }
    for text in [
        "0507 5960 2333 8620",
        "7554 0341 3958 4170",
        "7554-0341-3958-4170",
        "9400 1000 0000 0000 0000 00",
        "4111 1111 1111 1111 22",
        "492 912 345 678 901 5",
        "4929 1234 5678 9015 1234",
        "+48.85661234",
        "+48.85661234,+2.35221234",
        "v1.2.3.4",
        "2.14.0-rc.1 and v10.4.1-beta",
        "2024-06-01T12:30:45.123+02:00",
        "1.2.3.4.5",
        "3f2a9c1d-0123-4567-8901-23456789abcd",
        "€1.299,00 and 12 345 678 EUR",
        "ISBN 9783161484100, 3-16-148410-X",
        // The price of reading whole: a value right after a dashed or bare number.
        "on 2024-06-01 020 7946 0958",
        "room 12 020 7946 0958",
    ] {
        assert_eq!(r.redact(text), text);
    }
    assert_eq!(
        r.redact("10.0.0.1 10.0.0.2"),
        "[REDACTED] [REDACTED]",
        "addresses are listed with spaces"
    );
}
