//! The built-in detectors: pattern, kind and validator of each.
//!
//! Every pattern uses ASCII classes and ASCII word boundaries (`(?-u:\b)`, `[0-9]`): a Unicode
//! `\b` makes the lazy DFA give up on non-ASCII text (see docs/decisions.md, "Redaction").
//! Every pattern with a validator has a bounded length, so resuming the search after a rejected
//! candidate costs at most that length again.

use crate::kind::DetectorKind;
use crate::validate::Validator;

/// One built-in detector.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Builtin {
    pub(crate) kind: DetectorKind,
    pub(crate) pattern: &'static str,
    pub(crate) validator: Option<Validator>,
}

const fn plain(kind: DetectorKind, pattern: &'static str) -> Builtin {
    Builtin {
        kind,
        pattern,
        validator: None,
    }
}

const fn checked(kind: DetectorKind, pattern: &'static str, validator: Validator) -> Builtin {
    Builtin {
        kind,
        pattern,
        validator: Some(validator),
    }
}

/// Letters of Latin-1 Supplement and Latin Extended-A/B (accented European letters), allowed in
/// email local parts and domains so `müller@example.de` is redacted whole.
macro_rules! latin {
    () => {
        r"\x{C0}-\x{D6}\x{D8}-\x{F6}\x{F8}-\x{24F}"
    };
}

/// Detectors without a validator: a match is redacted as found. They come before the validated
/// ones in the automaton, so that at one start position they win.
pub(crate) const UNVALIDATED: &[Builtin] = &[
    plain(
        DetectorKind::PrivateKey,
        // The body stops at the first `--` (base64 has no `-`), so a BEGIN without END costs
        // one scan to the next `--`, never to the end of the text for every BEGIN.
        r"-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY-----(?:[^-]|-[^-])*(?:-----END[A-Z0-9 ]{0,40}PRIVATE KEY-----)?",
    ),
    plain(
        DetectorKind::Jwt,
        r"(?-u:\b)eyJ[A-Za-z0-9_\-]{5,}\.eyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]*",
    ),
    plain(
        DetectorKind::AwsAccessKey,
        r"(?-u:\b)(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}(?-u:\b)",
    ),
    plain(
        DetectorKind::GithubToken,
        r"(?-u:\b)(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})",
    ),
    plain(
        DetectorKind::SlackToken,
        r"(?-u:\b)xox[abposr]-[A-Za-z0-9\-]{10,}",
    ),
    plain(
        DetectorKind::GoogleApiKey,
        r"(?-u:\b)AIza[0-9A-Za-z_\-]{35}",
    ),
    plain(
        DetectorKind::StripeKey,
        r"(?-u:\b)(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{10,}",
    ),
    plain(
        DetectorKind::Email,
        concat!(
            r"[A-Za-z0-9._%+\-",
            latin!(),
            r"]+@[A-Za-z0-9\-",
            latin!(),
            r"]+(?:\.[A-Za-z0-9\-",
            latin!(),
            r"]+)*\.[A-Za-z]{2,63}(?-u:\b)"
        ),
    ),
];

/// Detectors whose candidates a validator checks. Order matters only when two of them match
/// at the same start; a rejected candidate is then offered to the ones after it.
pub(crate) const VALIDATED: &[Builtin] = &[
    checked(
        DetectorKind::BearerToken,
        r"(?-u:\b)(?i-u:bearer)[ \t]+[A-Za-z0-9._~+/=\-]{8,}",
        Validator::Bearer,
    ),
    checked(
        DetectorKind::AnthropicKey,
        r"(?-u:\b)sk-ant-[A-Za-z0-9_\-]{20,}",
        Validator::RandomToken,
    ),
    checked(
        DetectorKind::OpenAiKey,
        r"(?-u:\b)sk-[A-Za-z0-9_\-]{20,}",
        Validator::RandomToken,
    ),
    checked(
        DetectorKind::Ssn,
        r"(?-u:\b)[0-9]{3}(?:-[0-9]{2}-|[ ][0-9]{2}[ ])[0-9]{4}(?-u:\b)",
        Validator::Ssn,
    ),
    checked(
        DetectorKind::CreditCard,
        r"(?-u:\b)[2-6][0-9]{3}(?:[ \-]?[0-9]){9,15}(?-u:\b)",
        Validator::Card,
    ),
    checked(
        DetectorKind::Iban,
        r"(?-u:\b)[A-Z]{2}[0-9]{2}(?:[ ]?[A-Z0-9]){11,30}(?-u:\b)",
        Validator::Iban,
    ),
    checked(
        DetectorKind::Ipv4,
        r"(?-u:\b)[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}(?-u:\b)",
        Validator::Ipv4,
    ),
    checked(
        DetectorKind::Ipv6,
        // Full form (eight groups) or compressed form (with `::` and a group on at least one
        // side), optionally with an IPv4 tail. Times such as 10:30:00 are not candidates.
        concat!(
            r"(?:(?-u:\b)[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){7}",
            r"|(?-u:\b)[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6}::(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6})?",
            r"|::[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6})",
            r"(?:\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3})?"
        ),
        Validator::Ipv6,
    ),
    checked(
        DetectorKind::Phone,
        r"\+[1-9][0-9]{0,3}(?:[ .\-]?\([0-9]{1,4}\))?(?:[ .\-]?[0-9]{1,5}){1,6}(?-u:\b)",
        Validator::PhoneIntl,
    ),
    checked(
        DetectorKind::Phone,
        r"(?:(?-u:\b)(?:1[ .\-])?[2-9][0-9]{2}[ .\-]|\([2-9][0-9]{2}\)[ ]?)[0-9]{3}[ .\-][0-9]{4}(?-u:\b)",
        Validator::PhoneNanp,
    ),
    checked(
        DetectorKind::Phone,
        // National with trunk prefix: an area code of 2 to 5 digits after the 0, then groups of
        // at least 3 digits (020 7946 0958, 030 1234567, 07911 123456).
        r"(?-u:\b)0[1-9][0-9]{1,4}(?:[ \-][0-9]{3,8}){1,3}(?-u:\b)",
        Validator::PhoneTrunk,
    ),
    checked(
        DetectorKind::Phone,
        // National in pairs (01 23 45 67 89).
        r"(?-u:\b)0[1-9](?:[ .\-][0-9]{2}){4}(?-u:\b)",
        Validator::PhoneTrunk,
    ),
];

/// Whether `kind`'s group is switched on.
pub(crate) fn enabled(kind: DetectorKind, pii: bool, financial: bool, secrets: bool) -> bool {
    use crate::kind::DetectorCategory as C;
    match kind.category() {
        C::Pii => pii,
        C::Financial => financial,
        C::Secret => secrets,
        _ => false,
    }
}
