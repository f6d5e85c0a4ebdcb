//! What a match is: the detector kinds, their groups and labels, and [`Match`].

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

/// The group a detector belongs to, as the spec groups them; each built-in group is switched on
/// or off by one [`RedactionConfig`](crate::RedactionConfig) flag.
///
/// ```
/// use rizk_redaction::{DetectorCategory, DetectorKind};
///
/// assert_eq!(DetectorKind::Email.category(), DetectorCategory::Pii);
/// assert_eq!(DetectorKind::Iban.category(), DetectorCategory::Financial);
/// assert_eq!(DetectorKind::Jwt.category(), DetectorCategory::Secret);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DetectorCategory {
    /// Personal data: emails, phone numbers, US SSNs, IP addresses (`pii_redaction`).
    Pii,
    /// Financial data: payment cards, IBANs (`financial_data_redaction`).
    Financial,
    /// Credentials: API keys, tokens, private keys (`secrets_redaction`).
    Secret,
    /// A user regex from `custom_patterns`.
    Custom,
    /// A literal from `keywords`.
    Keyword,
}

/// What a [`Match`] found. Built-in kinds have a fixed label (`EMAIL`, `CREDIT_CARD`, ...);
/// custom patterns are labelled by their index in `custom_patterns` (`CUSTOM_0`, ...).
///
/// ```
/// use rizk_redaction::DetectorKind;
///
/// assert_eq!(DetectorKind::CreditCard.label(), "CREDIT_CARD");
/// assert_eq!(DetectorKind::Custom(2).label(), "CUSTOM_2");
/// assert_eq!(DetectorKind::Email.to_string(), "EMAIL");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DetectorKind {
    /// An email address, including Latin-1 and Latin Extended letters (`müller@example.de`).
    Email,
    /// A phone number: E.164 / international with `+`, North American, or national with a
    /// trunk prefix `0`.
    Phone,
    /// A US Social Security Number (`AAA-GG-SSSS` or `AAA GG SSSS`) that obeys the SSA rules.
    Ssn,
    /// An IPv4 address with every octet in 0-255.
    Ipv4,
    /// An IPv6 address (full, compressed, or with an embedded IPv4 tail).
    Ipv6,
    /// A payment card number, 13 to 19 digits, that passes the Luhn check.
    CreditCard,
    /// An International Bank Account Number that passes the mod-97 check.
    Iban,
    /// An OpenAI API key (`sk-...`, `sk-proj-...`).
    OpenAiKey,
    /// An Anthropic API key (`sk-ant-...`).
    AnthropicKey,
    /// An AWS access key id (`AKIA...`, `ASIA...`).
    AwsAccessKey,
    /// A GitHub token (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_`).
    GithubToken,
    /// A Slack token (`xoxb-`, `xoxp-`, `xoxa-`, `xoxs-`, ...).
    SlackToken,
    /// A Google API key (`AIza...`).
    GoogleApiKey,
    /// A Stripe secret or restricted key (`sk_live_`, `rk_test_`, ...).
    StripeKey,
    /// The token of an HTTP `Bearer` credential (the word `Bearer` itself is kept).
    BearerToken,
    /// A JSON Web Token (`eyJ...`.`eyJ...`.`...`).
    Jwt,
    /// A PEM private-key block, from `-----BEGIN ... PRIVATE KEY-----` to its `END` line.
    PrivateKey,
    /// A match of `custom_patterns[index]`.
    Custom(usize),
    /// A match of one of the `keywords`.
    Keyword,
}

impl DetectorKind {
    /// The label used in `[REDACTED:<LABEL>]` when `label_entities` is on.
    ///
    /// ```
    /// use rizk_redaction::DetectorKind;
    ///
    /// assert_eq!(DetectorKind::Ssn.label(), "SSN");
    /// assert_eq!(DetectorKind::Keyword.label(), "KEYWORD");
    /// ```
    pub fn label(&self) -> Cow<'static, str> {
        Cow::Borrowed(match self {
            DetectorKind::Email => "EMAIL",
            DetectorKind::Phone => "PHONE",
            DetectorKind::Ssn => "SSN",
            DetectorKind::Ipv4 => "IPV4",
            DetectorKind::Ipv6 => "IPV6",
            DetectorKind::CreditCard => "CREDIT_CARD",
            DetectorKind::Iban => "IBAN",
            DetectorKind::OpenAiKey => "OPENAI_KEY",
            DetectorKind::AnthropicKey => "ANTHROPIC_KEY",
            DetectorKind::AwsAccessKey => "AWS_ACCESS_KEY",
            DetectorKind::GithubToken => "GITHUB_TOKEN",
            DetectorKind::SlackToken => "SLACK_TOKEN",
            DetectorKind::GoogleApiKey => "GOOGLE_API_KEY",
            DetectorKind::StripeKey => "STRIPE_KEY",
            DetectorKind::BearerToken => "BEARER_TOKEN",
            DetectorKind::Jwt => "JWT",
            DetectorKind::PrivateKey => "PRIVATE_KEY",
            DetectorKind::Keyword => "KEYWORD",
            DetectorKind::Custom(i) => return Cow::Owned(format!("CUSTOM_{i}")),
        })
    }

    /// The group this kind belongs to.
    ///
    /// ```
    /// use rizk_redaction::{DetectorCategory, DetectorKind};
    ///
    /// assert_eq!(DetectorKind::Phone.category(), DetectorCategory::Pii);
    /// assert_eq!(DetectorKind::Custom(0).category(), DetectorCategory::Custom);
    /// ```
    pub fn category(&self) -> DetectorCategory {
        match self {
            DetectorKind::Email
            | DetectorKind::Phone
            | DetectorKind::Ssn
            | DetectorKind::Ipv4
            | DetectorKind::Ipv6 => DetectorCategory::Pii,
            DetectorKind::CreditCard | DetectorKind::Iban => DetectorCategory::Financial,
            DetectorKind::OpenAiKey
            | DetectorKind::AnthropicKey
            | DetectorKind::AwsAccessKey
            | DetectorKind::GithubToken
            | DetectorKind::SlackToken
            | DetectorKind::GoogleApiKey
            | DetectorKind::StripeKey
            | DetectorKind::BearerToken
            | DetectorKind::Jwt
            | DetectorKind::PrivateKey => DetectorCategory::Secret,
            DetectorKind::Custom(_) => DetectorCategory::Custom,
            DetectorKind::Keyword => DetectorCategory::Keyword,
        }
    }

    /// True for the built-in detectors (everything but custom patterns and keywords).
    ///
    /// ```
    /// use rizk_redaction::DetectorKind;
    ///
    /// assert!(DetectorKind::Iban.is_builtin());
    /// assert!(!DetectorKind::Keyword.is_builtin());
    /// ```
    pub fn is_builtin(&self) -> bool {
        !matches!(self, DetectorKind::Custom(_) | DetectorKind::Keyword)
    }
}

impl fmt::Display for DetectorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

/// One piece of text that a [`Redactor`](crate::Redactor) would replace: its kind and its byte
/// range in the text it was found in. Ranges are on `char` boundaries, sorted and disjoint.
///
/// ```
/// use rizk_redaction::{DetectorKind, Redactor};
///
/// let text = "mail ana@example.com now";
/// let found = Redactor::default().find_matches(text);
/// assert_eq!(found.len(), 1);
/// assert_eq!(found[0].kind(), DetectorKind::Email);
/// assert_eq!(found[0].as_str(text), "ana@example.com");
/// assert_eq!(found[0].range(), 5..20);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Match {
    kind: DetectorKind,
    start: usize,
    end: usize,
}

impl Match {
    pub(crate) fn new(kind: DetectorKind, start: usize, end: usize) -> Match {
        Match { kind, start, end }
    }

    /// What was found.
    ///
    /// ```
    /// use rizk_redaction::{DetectorKind, Redactor};
    ///
    /// let m = &Redactor::default().find_matches("SSN 123-45-6789")[0];
    /// assert_eq!(m.kind(), DetectorKind::Ssn);
    /// ```
    pub fn kind(&self) -> DetectorKind {
        self.kind
    }

    /// Byte offset of the first byte of the match.
    ///
    /// ```
    /// use rizk_redaction::Redactor;
    ///
    /// assert_eq!(Redactor::default().find_matches("ip 10.0.0.1")[0].start(), 3);
    /// ```
    pub fn start(&self) -> usize {
        self.start
    }

    /// Byte offset just past the last byte of the match.
    ///
    /// ```
    /// use rizk_redaction::Redactor;
    ///
    /// assert_eq!(Redactor::default().find_matches("ip 10.0.0.1")[0].end(), 11);
    /// ```
    pub fn end(&self) -> usize {
        self.end
    }

    /// `start()..end()`.
    ///
    /// ```
    /// use rizk_redaction::Redactor;
    ///
    /// let text = "ip 10.0.0.1";
    /// assert_eq!(&text[Redactor::default().find_matches(text)[0].range()], "10.0.0.1");
    /// ```
    pub fn range(&self) -> Range<usize> {
        self.start..self.end
    }

    /// The matched text, given the text the match was found in (empty if `text` is another
    /// text whose boundaries do not fit).
    ///
    /// ```
    /// use rizk_redaction::Redactor;
    ///
    /// let text = "token ghp_abcdefghijklmnopqrstuvwxyz0123456789";
    /// let m = &Redactor::default().find_matches(text)[0];
    /// assert!(m.as_str(text).starts_with("ghp_"));
    /// ```
    pub fn as_str<'t>(&self, text: &'t str) -> &'t str {
        text.get(self.range()).unwrap_or_default()
    }
}
