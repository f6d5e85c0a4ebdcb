//! [`RedactionConfig`]: what to redact and how to write the replacement.

/// What a [`Redactor`](crate::Redactor) redacts and what it writes instead, the Rust form of the
/// spec's `configure_content_redaction({...})` dictionary.
///
/// The default turns on every built-in group (PII, financial data, secrets), has no custom
/// patterns or keywords, and replaces each match with `[REDACTED]`.
///
/// ```
/// use rizk_redaction::{RedactionConfig, Redactor};
///
/// let config = RedactionConfig {
///     custom_patterns: vec![r"\bEMP-[0-9]{6}\b".into()],
///     keywords: vec!["Project Bluebird".into()],
///     label_entities: true,
///     ..RedactionConfig::default()
/// };
/// let redactor = Redactor::new(config)?;
/// assert_eq!(
///     redactor.redact("EMP-123456 leads project bluebird, ssn 123-45-6789"),
///     "[REDACTED:CUSTOM_0] leads [REDACTED:KEYWORD], ssn [REDACTED:SSN]"
/// );
/// # Ok::<(), rizk_redaction::RedactionError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedactionConfig {
    /// Emails, phone numbers (E.164, international, North American, national with trunk `0`),
    /// US SSNs, IPv4 and IPv6 addresses. Default: on.
    pub pii_redaction: bool,
    /// Payment card numbers (Luhn-checked) and IBANs (mod-97-checked). Default: on.
    pub financial_data_redaction: bool,
    /// API keys and tokens in their well-known formats, bearer tokens, JWTs, PEM private keys.
    /// Default: on.
    pub secrets_redaction: bool,
    /// User regular expressions (syntax of the `regex` crate). A match is redacted as is,
    /// without validation, and labelled `CUSTOM_<index>`. Default: none.
    pub custom_patterns: Vec<String>,
    /// Literal strings to redact wherever they occur (also inside words), labelled `KEYWORD`.
    /// Default: none.
    pub keywords: Vec<String>,
    /// Match `keywords` regardless of case (Unicode simple case folding). Default: on.
    pub keywords_case_insensitive: bool,
    /// What replaces each match. Default: `[REDACTED]`.
    pub replacement_text: String,
    /// Add the entity's label to the replacement: `[REDACTED]` becomes `[REDACTED:EMAIL]`.
    /// When `replacement_text` ends with `]`, the label goes before that bracket; otherwise
    /// `:<LABEL>` is appended. Default: off.
    pub label_entities: bool,
    /// Rewrite Unicode word boundaries (`\b`, `\B`, `\<`, `\>`, `\b{start}`, ...) in
    /// `custom_patterns` to their ASCII forms, so the search stays fast on non-ASCII
    /// text. A warning records each rewrite ([`Redactor::warnings`](crate::Redactor::warnings)).
    /// Default: on.
    pub ascii_word_boundaries: bool,
    /// Largest compiled automaton (in bytes) allowed for one custom pattern; a larger one is
    /// an error, never a memory blow-up. Default: 10 MiB (the `regex` crate's default).
    pub pattern_size_limit: usize,
    /// Largest compiled automaton (in bytes) for all detectors, patterns and keywords
    /// together. Default: 64 MiB.
    pub total_size_limit: usize,
}

impl Default for RedactionConfig {
    /// Every built-in group on, `[REDACTED]`, no labels.
    ///
    /// ```
    /// let config = rizk_redaction::RedactionConfig::default();
    /// assert!(config.pii_redaction && config.financial_data_redaction && config.secrets_redaction);
    /// assert_eq!(config.replacement_text, "[REDACTED]");
    /// ```
    fn default() -> RedactionConfig {
        RedactionConfig {
            pii_redaction: true,
            financial_data_redaction: true,
            secrets_redaction: true,
            custom_patterns: Vec::new(),
            keywords: Vec::new(),
            keywords_case_insensitive: true,
            replacement_text: "[REDACTED]".to_owned(),
            label_entities: false,
            ascii_word_boundaries: true,
            pattern_size_limit: 10 << 20,
            total_size_limit: 64 << 20,
        }
    }
}

impl RedactionConfig {
    /// A configuration with every built-in group off: only what you add is redacted.
    ///
    /// ```
    /// use rizk_redaction::{RedactionConfig, Redactor};
    ///
    /// let config = RedactionConfig {
    ///     keywords: vec!["hunter2".into()],
    ///     ..RedactionConfig::none()
    /// };
    /// let redactor = Redactor::new(config)?;
    /// assert_eq!(redactor.redact("pw hunter2, mail a@b.io"), "pw [REDACTED], mail a@b.io");
    /// # Ok::<(), rizk_redaction::RedactionError>(())
    /// ```
    pub fn none() -> RedactionConfig {
        RedactionConfig {
            pii_redaction: false,
            financial_data_redaction: false,
            secrets_redaction: false,
            ..RedactionConfig::default()
        }
    }
}
