//! Validators that run on a candidate after the automaton found it.
//!
//! Each validator receives the whole text and the candidate's byte range and returns the range to
//! redact (equal to or inside the candidate), or `None` when the candidate is a look-alike. All
//! candidates are ASCII (the built-in patterns only match ASCII bytes), so every byte offset that a
//! validator returns is a `char` boundary.

use std::ops::Range;

/// Which check a built-in detector applies to its candidates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Validator {
    /// Payment card: 13 to 19 digits in a card's grouping, one kind of separator, Luhn.
    Card,
    /// IBAN: known country, the country's length, ISO 7064 mod-97 check digits.
    Iban,
    /// US SSN: area not 000, 666 or 900-999; group not 00; serial not 0000.
    Ssn,
    /// IPv4: four octets 0-255 without leading zeros, not part of a longer dotted number.
    Ipv4,
    /// IPv6: parses as an IPv6 address, at least two groups and one digit.
    Ipv6,
    /// International phone number: `+`, 8 to 15 digits in total (E.164), read whole.
    PhoneIntl,
    /// North American number: `(555) 123-4567`, `555-123-4567`, `1-800-555-1234`.
    PhoneNanp,
    /// National number with a trunk prefix `0` (UK, EU): 9 to 12 digits read whole, not a date.
    PhoneTrunk,
    /// `Bearer <token>`: only the token is redacted, and it must look random.
    Bearer,
    /// A prefixed API key whose body must contain a digit and a letter (random keys always do).
    RandomToken,
}

impl Validator {
    /// Checks the candidate `text[range]` and returns the range to redact.
    pub(crate) fn check(self, text: &str, range: Range<usize>) -> Option<Range<usize>> {
        let bytes = text.as_bytes();
        let cand = bytes.get(range.clone())?;
        match self {
            Validator::Card => {
                let number = whole_number(bytes, range)?;
                card(bytes.get(number.clone())?).then_some(number)
            }
            Validator::Iban => iban(bytes, range.start, cand),
            Validator::Ssn => (is_whole(bytes, &range) && ssn(cand)).then_some(range),
            Validator::Ipv4 => (not_in_longer_number(bytes, &range)
                && ipv4(cand)
                && !ipv4_loopback_or_unspecified(cand))
            .then_some(range),
            Validator::Ipv6 => ipv6(bytes, range),
            Validator::PhoneIntl if signed_decimal(cand) => None,
            Validator::PhoneIntl => phone_groups(bytes, range, 8, 15, false),
            Validator::PhoneNanp => is_whole(bytes, &range).then_some(range),
            Validator::PhoneTrunk => phone_groups(bytes, range, 9, 12, true),
            Validator::Bearer => bearer(cand).map(|r| range.start + r.start..range.start + r.end),
            Validator::RandomToken => random_token(cand).then_some(range),
        }
    }
}

/// The Luhn checksum over ASCII digits (other bytes are ignored).
pub(crate) fn luhn(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    let mut double = false;
    let mut count = 0usize;
    for &b in digits.iter().rev() {
        if !b.is_ascii_digit() {
            continue;
        }
        let mut d = u32::from(b - b'0');
        if double {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
        double = !double;
        count += 1;
    }
    count > 0 && sum.is_multiple_of(10)
}

/// ISO 13616 IBAN check: country known, length right for the country, mod-97 remainder 1.
/// `iban` is the compact form (no spaces), upper-case.
pub(crate) fn iban_valid(iban: &[u8]) -> bool {
    if iban.len() < 5
        || !iban
            .iter()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
    {
        return false;
    }
    let Some(expected) = iban_length(&iban[..2]) else {
        return false;
    };
    if iban.len() != expected || !iban[2].is_ascii_digit() || !iban[3].is_ascii_digit() {
        return false;
    }
    let mut rem = 0u32;
    for &b in iban[4..].iter().chain(&iban[..4]) {
        if b.is_ascii_digit() {
            rem = (rem * 10 + u32::from(b - b'0')) % 97;
        } else {
            let v = u32::from(b - b'A') + 10;
            rem = (rem * 100 + v) % 97;
        }
    }
    rem == 1
}

/// The IBAN length of each country in the SWIFT IBAN registry.
fn iban_length(country: &[u8]) -> Option<usize> {
    const TABLE: &[(&[u8; 2], usize)] = &[
        (b"AD", 24),
        (b"AE", 23),
        (b"AL", 28),
        (b"AT", 20),
        (b"AZ", 28),
        (b"BA", 20),
        (b"BE", 16),
        (b"BG", 22),
        (b"BH", 22),
        (b"BI", 27),
        (b"BR", 29),
        (b"BY", 28),
        (b"CH", 21),
        (b"CR", 22),
        (b"CY", 28),
        (b"CZ", 24),
        (b"DE", 22),
        (b"DJ", 27),
        (b"DK", 18),
        (b"DO", 28),
        (b"EE", 20),
        (b"EG", 29),
        (b"ES", 24),
        (b"FI", 18),
        (b"FK", 18),
        (b"FO", 18),
        (b"FR", 27),
        (b"GB", 22),
        (b"GE", 22),
        (b"GI", 23),
        (b"GL", 18),
        (b"GR", 27),
        (b"GT", 28),
        (b"HR", 21),
        (b"HU", 28),
        (b"IE", 22),
        (b"IL", 23),
        (b"IQ", 23),
        (b"IS", 26),
        (b"IT", 27),
        (b"JO", 30),
        (b"KW", 30),
        (b"KZ", 20),
        (b"LB", 28),
        (b"LC", 32),
        (b"LI", 21),
        (b"LT", 20),
        (b"LU", 20),
        (b"LV", 21),
        (b"LY", 25),
        (b"MC", 27),
        (b"MD", 24),
        (b"ME", 22),
        (b"MK", 19),
        (b"MN", 20),
        (b"MR", 27),
        (b"MT", 31),
        (b"MU", 30),
        (b"NI", 28),
        (b"NL", 18),
        (b"NO", 15),
        (b"OM", 23),
        (b"PK", 24),
        (b"PL", 28),
        (b"PS", 29),
        (b"PT", 25),
        (b"QA", 29),
        (b"RO", 24),
        (b"RS", 22),
        (b"RU", 33),
        (b"SA", 24),
        (b"SC", 31),
        (b"SD", 18),
        (b"SE", 24),
        (b"SI", 19),
        (b"SK", 24),
        (b"SM", 27),
        (b"SO", 23),
        (b"ST", 25),
        (b"SV", 28),
        (b"TL", 23),
        (b"TN", 24),
        (b"TR", 26),
        (b"UA", 29),
        (b"VA", 22),
        (b"VG", 24),
        (b"XK", 20),
        (b"YE", 30),
    ];
    TABLE
        .iter()
        .find(|(c, _)| c.as_slice() == country)
        .map(|&(_, n)| n)
}

/// US SSN rules on `AAA-GG-SSSS` or `AAA GG SSSS`.
pub(crate) fn ssn(cand: &[u8]) -> bool {
    let digits: Vec<u8> = cand.iter().copied().filter(u8::is_ascii_digit).collect();
    if digits.len() != 9 {
        return false;
    }
    let area = &digits[..3];
    let group = &digits[3..5];
    let serial = &digits[5..];
    area != b"000" && area != b"666" && area[0] != b'9' && group != b"00" && serial != b"0000"
}

/// Four decimal octets, each 0-255, no leading zeros.
pub(crate) fn ipv4(cand: &[u8]) -> bool {
    let mut octets = 0;
    for part in cand.split(|&b| b == b'.') {
        octets += 1;
        if part.is_empty() || part.len() > 3 || !part.iter().all(u8::is_ascii_digit) {
            return false;
        }
        if part.len() > 1 && part[0] == b'0' {
            return false;
        }
        let v = part.iter().fold(0u32, |v, &b| v * 10 + u32::from(b - b'0'));
        if v > 255 {
            return false;
        }
    }
    octets == 4
}

/// `127.x.x.x` and `0.0.0.0` name this machine, not a person: left alone, like IPv6 `::1`.
fn ipv4_loopback_or_unspecified(cand: &[u8]) -> bool {
    cand.starts_with(b"127.") || cand == b"0.0.0.0"
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// False when an IPv4 candidate continues a longer dotted or dashed number on either side
/// (`1.2.3.4.5`, a version). Unlike [`whole_number`], a space does not join: addresses
/// are listed with spaces between them (`10.0.0.1 10.0.0.2`).
fn not_in_longer_number(bytes: &[u8], range: &Range<usize>) -> bool {
    let before = range
        .start
        .checked_sub(2)
        .and_then(|i| bytes.get(i..range.start));
    if let Some(&[d, sep]) = before
        && d.is_ascii_digit()
        && matches!(sep, b'.' | b'-')
    {
        return false;
    }
    if let Some(&[sep, d]) = bytes.get(range.end..range.end + 2)
        && d.is_ascii_digit()
        && matches!(sep, b'.' | b'-')
    {
        return false;
    }
    true
}

/// Whether `b` joins two digit groups of one number: `0507 5960`, `0507-5960`, `12.34`, `12/34`.
fn number_separator(b: u8) -> bool {
    matches!(b, b' ' | b'-' | b'.' | b'/')
}

/// The number that the candidate `text[range]` of a digit detector reads as, or `None` when
/// the candidate is only a piece of a longer number. Numbers are read whole: every detector
/// that validates digits (phones, cards, IBANs, SSNs) validates what this returns, so no part
/// of an order or tracking number is redacted.
///
/// - A candidate is a piece when it starts with a digit that follows a digit group and one
///   number separator (`7554 |0341 3958 4170`), or ends with a digit that a number separator
///   and a digit group follow (`0507 5960 2333| 8620`).
/// - `-`, `.` and `/` bind whatever digits they join (`a1b2c3d4-0123-4567-...`). Across a space
///   only a bare group continues the number: not one glued to letters (`0958 7pm`), nor one that
///   belongs to a time or a slashed date or fraction (`12:30 020 7946 0958`, `24/7`).
/// - Such a group at the edge of the candidate is another token and is left out of the number
///   (`4111 1111 1111 1111 12/27` reads as the card).
/// - An edge that is not a digit (`+44 ...`, `(212) ...`, `DE89 ...`) continues nothing.
pub(crate) fn whole_number(bytes: &[u8], range: Range<usize>) -> Option<Range<usize>> {
    let cand = bytes.get(range.clone())?;
    let (mut start, mut end) = (range.start, range.end);
    // An edge group that the candidate joined by a space but that belongs to another token.
    if let Some(sp) = cand.iter().rposition(|&b| b == b' ')
        && sp + 1 < cand.len()
        && cand[sp + 1..].iter().all(u8::is_ascii_digit)
        && !bare_group(at(bytes, Some(end)), at(bytes, end.checked_add(1)))
    {
        end = range.start + sp;
    }
    if let Some(sp) = cand.iter().position(|&b| b == b' ')
        && sp > 0
        && cand[..sp].iter().all(u8::is_ascii_digit)
        && !bare_group(
            at(bytes, start.checked_sub(1)),
            at(bytes, start.checked_sub(2)),
        )
    {
        start = range.start + sp + 1;
    }
    (start < end && !part_of_longer_number(bytes, start, end)).then_some(start..end)
}

/// Whether [`whole_number`] reads the candidate as it is (for fixed-shape detectors).
fn is_whole(bytes: &[u8], range: &Range<usize>) -> bool {
    whole_number(bytes, range.clone()).as_ref() == Some(range)
}

fn at(bytes: &[u8], i: Option<usize>) -> Option<u8> {
    i.and_then(|i| bytes.get(i)).copied()
}

/// Whether the digits `start..end` continue into a neighbouring digit group (see
/// [`whole_number`]).
fn part_of_longer_number(bytes: &[u8], start: usize, end: usize) -> bool {
    let digit = |i: Option<usize>| at(bytes, i).is_some_and(|b| b.is_ascii_digit());
    let left = digit(Some(start))
        && digit(start.checked_sub(2))
        && match at(bytes, start.checked_sub(1)) {
            Some(b' ') => {
                // Step over the group before the space to what lies beyond it.
                let mut i = start - 2;
                while i > 0 && bytes[i - 1].is_ascii_digit() {
                    i -= 1;
                }
                bare_group(at(bytes, i.checked_sub(1)), at(bytes, i.checked_sub(2)))
            }
            Some(b) => number_separator(b),
            None => false,
        };
    let right = digit(end.checked_sub(1))
        && digit(end.checked_add(1))
        && match at(bytes, Some(end)) {
            Some(b' ') => {
                let mut i = end + 1;
                while bytes.get(i).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                }
                bare_group(at(bytes, Some(i)), at(bytes, i.checked_add(1)))
            }
            Some(b) => number_separator(b),
            None => false,
        };
    left || right
}

/// Whether a digit group joined by a space is a group of a number, given the byte on its far
/// side (`beyond` is the one after that): not when it is glued to a word (`7pm`) or belongs to
/// a time (`12:30`) or a slashed date or fraction (`12/27`, `24/7`). A dashed or dotted number
/// (`8620-1`) is still a number: its group counts.
fn bare_group(far: Option<u8>, beyond: Option<u8>) -> bool {
    match far {
        Some(b) if b.is_ascii_alphabetic() || matches!(b, b'_' | b':') => false,
        Some(b'/') => !beyond.is_some_and(|b| b.is_ascii_digit()),
        _ => true,
    }
}

/// Splits a candidate made of digit groups and separators into (start, end) of each group,
/// relative to the candidate. Parentheses are ignored as separators.
fn digit_groups(cand: &[u8]) -> Vec<(usize, usize)> {
    let mut groups = Vec::new();
    let mut i = 0;
    while i < cand.len() {
        if cand[i].is_ascii_digit() {
            let s = i;
            while i < cand.len() && cand[i].is_ascii_digit() {
                i += 1;
            }
            groups.push((s, i));
        } else {
            i += 1;
        }
    }
    groups
}

fn card(cand: &[u8]) -> bool {
    let groups: Vec<usize> = digit_groups(cand).iter().map(|(s, e)| e - s).collect();
    // Separators must be one kind (all spaces or all dashes).
    let mut seps = cand.iter().filter(|b| !b.is_ascii_digit());
    if let Some(first) = seps.next()
        && seps.any(|b| b != first)
    {
        return false;
    }
    let digits: usize = groups.iter().sum();
    let first = cand.first().copied().unwrap_or_default();
    let all_same = cand
        .iter()
        .filter(|b| b.is_ascii_digit())
        .all(|&b| b == first);
    (13..=19).contains(&digits) && card_grouping(&groups) && !all_same && luhn(cand)
}

/// The groupings cards are printed in: one block, blocks of four with a shorter or equal last
/// block (`4111 1111 1111 1111`, `4222 2222 2222 2`), or 4-6-5 / 4-6-4 (Amex, Diners). A
/// Luhn-passing number grouped otherwise (`411 111 111 111 111 1`) is an order number.
fn card_grouping(groups: &[usize]) -> bool {
    match groups {
        [_] | [4, 6, 4 | 5] => true,
        [blocks @ .., last] => blocks.iter().all(|&g| g == 4) && (1..=4).contains(last),
        [] => false,
    }
}

fn iban(bytes: &[u8], start: usize, cand: &[u8]) -> Option<Range<usize>> {
    let expected = iban_length(cand.get(..2)?)?;
    // Take exactly `expected` alphanumerics from the start (skipping single spaces).
    let mut compact = Vec::with_capacity(expected);
    let mut end = 0;
    for (i, &b) in cand.iter().enumerate() {
        if b == b' ' {
            continue;
        }
        compact.push(b);
        if compact.len() == expected {
            end = i + 1;
            break;
        }
    }
    if compact.len() != expected {
        return None;
    }
    // The IBAN must end at a word boundary: the next byte is not a letter or digit, or a space
    // followed by something that is not part of it.
    if let Some(&next) = bytes.get(start + end)
        && is_word(next)
    {
        return None;
    }
    let range = start..start + end;
    (is_whole(bytes, &range) && iban_valid(&compact)).then_some(range)
}

fn ipv6(bytes: &[u8], range: Range<usize>) -> Option<Range<usize>> {
    let cand = bytes.get(range.clone())?;
    // Not glued to a longer word or address on either side.
    if let Some(&prev) = range.start.checked_sub(1).and_then(|i| bytes.get(i))
        && (is_word(prev) || prev == b':' || prev == b'.')
    {
        return None;
    }
    if let Some(&next) = bytes.get(range.end)
        && (is_word(next)
            || next == b':'
            || (next == b'.' && bytes.get(range.end + 1).is_some_and(u8::is_ascii_digit)))
    {
        return None;
    }
    let s = std::str::from_utf8(cand).ok()?;
    s.parse::<std::net::Ipv6Addr>().ok()?;
    let groups = s.split(':').filter(|g| !g.is_empty()).count();
    let hex_digits = cand.iter().filter(|b| b.is_ascii_hexdigit()).count();
    let has_digit = cand.iter().any(u8::is_ascii_digit);
    (groups >= 2 && has_digit && hex_digits >= 5).then_some(range)
}

/// Phone numbers made of separated digit groups, read whole: the total digit count must be
/// within `min..=max`, and no group is dropped to make it fit (the first 12 digits of a
/// 16-digit order number are not a phone number).
fn phone_groups(
    bytes: &[u8],
    range: Range<usize>,
    min: usize,
    max: usize,
    trunk: bool,
) -> Option<Range<usize>> {
    let range = whole_number(bytes, range)?;
    let cand = bytes.get(range.clone())?;
    let groups = digit_groups(cand);
    let digits: usize = groups.iter().map(|(s, e)| e - s).sum();
    if !(min..=max).contains(&digits) || (trunk && looks_like_date(cand, &groups)) {
        return None;
    }
    Some(range)
}

/// `dd-mm-yyyy`-like group shapes that a trunk-prefix pattern could take for a phone number.
fn looks_like_date(cand: &[u8], groups: &[(usize, usize)]) -> bool {
    let num = |(s, e): (usize, usize)| {
        cand[s..e].iter().fold(0u32, |v, &b| {
            v.saturating_mul(10).saturating_add(u32::from(b - b'0'))
        })
    };
    if groups.len() >= 3 {
        let (a, b, c) = (groups[0], groups[1], groups[2]);
        let len = |(s, e): (usize, usize)| e - s;
        let year = |g| len(g) == 4 && (1900..=2199).contains(&num(g));
        if len(a) == 2 && len(b) == 2 && num(a) <= 31 && num(b) <= 12 && year(c) {
            return true;
        }
        if len(a) == 2 && len(b) == 2 && num(a) <= 12 && num(b) <= 31 && year(c) {
            return true;
        }
    }
    false
}

/// `+48.85661234`, `+72.02832 70.33258`: a sign, at most three digits, `.` and four or more
/// decimals (not followed by another `.`) is a signed decimal number such as a coordinate, not
/// a phone number (whose dotted groups are short: `+33.1.23.45.67.89`, `+1.415.555.2671`).
fn signed_decimal(cand: &[u8]) -> bool {
    let Some(body) = cand.strip_prefix(b"+") else {
        return false;
    };
    let int = body.iter().take_while(|b| b.is_ascii_digit()).count();
    let Some(rest) = body.get(int..).and_then(|r| r.strip_prefix(b".")) else {
        return false;
    };
    let frac = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    (1..=3).contains(&int) && frac >= 4 && rest.get(frac) != Some(&b'.')
}

/// `Bearer <token>`: returns the token's range relative to the candidate when it looks random
/// (a digit or a symbol, or at least 20 characters).
fn bearer(cand: &[u8]) -> Option<Range<usize>> {
    let ws = cand.iter().position(|&b| b == b' ' || b == b'\t')?;
    let tok_start = ws + cand[ws..].iter().position(|&b| b != b' ' && b != b'\t')?;
    let tok = &cand[tok_start..];
    let symbolic = tok
        .iter()
        .any(|b| b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'~' | b'+' | b'/' | b'=' | b'-'));
    (tok.len() >= 20 || (tok.len() >= 8 && symbolic)).then_some(tok_start..cand.len())
}

/// A key body generated at random contains at least one digit and one letter.
fn random_token(cand: &[u8]) -> bool {
    let body = cand.get(3..).unwrap_or_default();
    body.iter().any(u8::is_ascii_digit) && body.iter().any(u8::is_ascii_alphabetic)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(v: Validator, s: &str) -> Option<String> {
        v.check(s, 0..s.len()).map(|r| s[r].to_owned())
    }

    #[test]
    fn luhn_accepts_test_cards_and_rejects_neighbours() {
        for card in [
            "4111111111111111",
            "5555555555554444",
            "378282246310005",
            "6011111111111117",
            "4222222222222",
            "79927398713",
        ] {
            assert!(luhn(card.as_bytes()), "{card}");
        }
        for bad in ["4111111111111112", "5555555555554445", "79927398710", ""] {
            assert!(!luhn(bad.as_bytes()), "{bad}");
        }
        assert!(luhn(b"4111 1111 1111 1111"));
        assert!(luhn(b"4111-1111-1111-1111"));
    }

    #[test]
    fn iban_mod97() {
        for good in [
            "DE89370400440532013000",
            "GB82WEST12345698765432",
            "FR1420041010050500013M02606",
            "NL91ABNA0417164300",
            "CH9300762011623852957",
            "NO9386011117947",
        ] {
            assert!(iban_valid(good.as_bytes()), "{good}");
        }
        for bad in [
            "DE89370400440532013001", // check digits wrong
            "GB82WEST1234569876543",  // one short for GB
            "XX89370400440532013000", // unknown country
            "DE8937040044053201300a", // lower case
            "DE",
        ] {
            assert!(!iban_valid(bad.as_bytes()), "{bad}");
        }
        assert_eq!(
            check(Validator::Iban, "DE89 3704 0044 0532 0130 00").as_deref(),
            Some("DE89 3704 0044 0532 0130 00")
        );
        // A following upper-case word is not part of it.
        assert_eq!(
            check(Validator::Iban, "DE89370400440532013000 BIC").as_deref(),
            Some("DE89370400440532013000")
        );
    }

    #[test]
    fn ssn_rules() {
        for good in ["123-45-6789", "078-05-1120", "123 45 6789", "899-99-9999"] {
            assert!(ssn(good.as_bytes()), "{good}");
        }
        for bad in [
            "000-12-3456",
            "666-12-3456",
            "900-12-3456",
            "123-00-4567",
            "123-45-0000",
        ] {
            assert!(!ssn(bad.as_bytes()), "{bad}");
        }
    }

    #[test]
    fn ipv4_octets() {
        assert!(ipv4(b"192.168.1.1"));
        assert!(ipv4(b"0.0.0.0"));
        assert!(ipv4(b"255.255.255.255"));
        assert!(!ipv4(b"256.1.1.1"));
        assert!(!ipv4(b"999.1.1.1"));
        assert!(!ipv4(b"01.2.3.4"));
        assert!(!ipv4(b"1.2.3"));
        let text = "1.2.3.4.5";
        assert_eq!(Validator::Ipv4.check(text, 0..7), None);
        assert_eq!(Validator::Ipv4.check(text, 2..9), None);
        assert_eq!(
            Validator::Ipv4.check("127.0.0.1", 0..9),
            None,
            "loopback is not personal"
        );
        assert_eq!(Validator::Ipv4.check("10.0.0.5", 0..8), Some(0..8));
    }

    #[test]
    fn card_groups_and_whole_numbers() {
        for card in [
            "4111 1111 1111 1111",
            "4111-1111-1111-1111",
            "4111111111111111",
            "3782 822463 10005",
            "4222 2222 2222 2",
        ] {
            assert!(check(Validator::Card, card).is_some(), "{card}");
        }
        assert!(
            check(Validator::Card, "4111-1111 1111-1111").is_none(),
            "mixed separators"
        );
        assert!(
            check(Validator::Card, "4111111111111112").is_none(),
            "not Luhn"
        );
        assert!(
            check(Validator::Card, "411 111 111 111 111 1").is_none(),
            "Luhn passes, but no card is grouped in threes"
        );
        // A card followed by another group is one longer number: not cut at the card.
        let text = "4111 1111 1111 1111 22";
        assert_eq!(Validator::Card.check(text, 0..19), None);
    }

    #[test]
    fn numbers_are_read_whole() {
        // What `whole_number` reads the candidate `cand`, found in `text`, as.
        let read = |text: &str, cand: &str| {
            let start = text.find(cand).unwrap_or_default();
            whole_number(text.as_bytes(), start..start + cand.len()).map(|r| text[r].to_owned())
        };
        // The order numbers, and every separator that joins groups of a number.
        for (text, cand) in [
            ("0507 5960 2333 8620", "0507 5960 2333"),
            ("7554 0341 3958 4170", "0341 3958 4170"),
            ("no. 0507 5960 2333 8620.", "0507 5960 2333"),
            ("(7554 0341 3958 4170)", "0341 3958 4170"),
            // A tight separator binds a group glued to letters too (a UUID or hex segment).
            ("a1b2c3d4-0123-4567-8901-2345678abcde", "0123-4567-8901"),
            ("d4-0123-4567-8901 x", "0123-4567-8901"),
        ] {
            assert_eq!(read(text, cand), None, "{text:?} {cand:?}");
        }
        for sep in [" ", "-", ".", "/"] {
            let text = format!("12{sep}345");
            assert_eq!(read(&text, "345"), None, "{text:?}");
            let text = format!("345{sep}9");
            assert_eq!(read(&text, "345"), None, "{text:?}");
        }
        assert_eq!(read("12 345 678", "345 678"), None);
        assert_eq!(read("345 678 9", "345 678"), None);
        // Whole numbers, and neighbours that are other tokens.
        for (text, cand) in [
            ("0507 5960 2333 8620", "0507 5960 2333 8620"),
            ("call 020 7946 0958.", "020 7946 0958"),
            ("v2. 020 7946 0958, ok", "020 7946 0958"),
            ("12, 020 7946 0958 or x", "020 7946 0958"),
            ("1\n020 7946 0958\t2", "020 7946 0958"),
            ("9am 020 7946 0958 7pm", "020 7946 0958"),
            ("A4 020 7946 0958 2x", "020 7946 0958"),
            ("a1b2c3d4 0123-4567-8901 23ab", "0123-4567-8901"),
            ("at 12:30 020 7946 0958", "020 7946 0958"),
            ("020 7946 0958 10:30", "020 7946 0958"),
            ("12 +44 20 7946 0958", "+44 20 7946 0958"),
            ("3 (212) 555-0187", "(212) 555-0187"),
            ("1 DE89370400440532013000", "DE89370400440532013000"),
            ("0958", "0958"),
        ] {
            assert_eq!(read(text, cand).as_deref(), Some(cand), "{text:?}");
        }
        // An edge group of the candidate that belongs to another token is left out.
        assert_eq!(
            read("4111 1111 1111 1111 12/27", "4111 1111 1111 1111 12").as_deref(),
            Some("4111 1111 1111 1111")
        );
        assert_eq!(
            read("10:30 020 7946 0958", "30 020 7946 0958").as_deref(),
            Some("020 7946 0958")
        );
        // A dashed neighbour is still a number: no group is given up to make a phone.
        assert_eq!(read("0507 5960 2333 8620-1", "0507 5960 2333 8620"), None);
        assert_eq!(read("0507 5960 2333 8620-1", "0507 5960 2333"), None);
        assert_eq!(read("on 2024-06-01 020 7946 0958", "020 7946 0958"), None);
        // Empty ranges and ranges past the end of the text do not panic.
        assert_eq!(whole_number(b"12", 2..2), None);
        assert_eq!(whole_number(b"12", 5..9), None);
        assert_eq!(whole_number(b"1 2", 0..3), Some(0..3));
    }

    #[test]
    fn phones() {
        assert!(check(Validator::PhoneIntl, "+14155552671").is_some());
        assert!(check(Validator::PhoneIntl, "+44 20 7946 0958").is_some());
        assert!(check(Validator::PhoneIntl, "+1 234").is_none());
        assert!(
            check(Validator::PhoneIntl, "+48.85661234").is_none(),
            "a coordinate"
        );
        assert!(
            check(Validator::PhoneIntl, "+72.02832 70.33258").is_none(),
            "a coordinate pair"
        );
        assert!(check(Validator::PhoneIntl, "+33.1.23.45.67.89").is_some());
        assert!(check(Validator::PhoneIntl, "+1.415.555.2671").is_some());
        assert!(check(Validator::PhoneTrunk, "020 7946 0958").is_some());
        assert!(
            check(Validator::PhoneTrunk, "0507 5960 2333 8620").is_none(),
            "16 digits: no trailing group is dropped to make a phone"
        );
        assert!(check(Validator::PhoneIntl, "+1 415 555 2671 12345 67890").is_none());
        assert!(
            check(Validator::PhoneTrunk, "05-01-2024 10").is_none(),
            "a date"
        );
        assert!(
            check(Validator::PhoneTrunk, "01-02-2024").is_none(),
            "too few digits"
        );
    }

    #[test]
    fn ipv6_shapes() {
        assert!(check(Validator::Ipv6, "2001:db8::1").is_some());
        assert!(check(Validator::Ipv6, "fe80::1ff:fe23:4567:890a").is_some());
        assert!(check(Validator::Ipv6, "::ffff:192.168.1.1").is_some());
        assert!(check(Validator::Ipv6, "10:30:00").is_none());
        assert!(
            check(Validator::Ipv6, "::1").is_none(),
            "loopback is not personal"
        );
        assert!(
            check(Validator::Ipv6, "dead::beef").is_none(),
            "no digit: a word"
        );
    }

    #[test]
    fn bearer_tokens() {
        assert_eq!(
            check(Validator::Bearer, "Bearer abc123def456").as_deref(),
            Some("abc123def456")
        );
        assert!(check(Validator::Bearer, "bearer instrument").is_none());
    }
}
