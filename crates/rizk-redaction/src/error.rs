//! Errors and warnings from building a [`Redactor`](crate::Redactor).

use std::fmt;

/// Shortens a pattern for a message: at most 80 characters, then `…`.
fn short(pattern: &str) -> String {
    const MAX: usize = 80;
    match pattern.char_indices().nth(MAX) {
        None => format!("{pattern:?}"),
        Some((cut, _)) => format!("{:?}… ({} bytes)", &pattern[..cut], pattern.len()),
    }
}

/// Why a [`Redactor`](crate::Redactor) could not be built. Every message names the pattern (its
/// index in `custom_patterns` and its text) and says what to change.
///
/// ```
/// use rizk_redaction::{RedactionConfig, RedactionError, Redactor};
///
/// let config = RedactionConfig {
///     custom_patterns: vec![r"order-\d+".into(), r"id=(\d+".into()],
///     ..RedactionConfig::default()
/// };
/// let err = Redactor::new(config).unwrap_err();
/// assert!(matches!(err, RedactionError::InvalidPattern { index: 1, position: 3, .. }));
/// assert!(err.to_string().contains("custom pattern #1"));
/// assert!(err.to_string().contains("byte 3"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RedactionError {
    /// A custom pattern is not a valid regular expression.
    #[error(
        "custom pattern #{index} {} does not compile: {message} at byte {position}; fix the regex syntax at that position (write the pattern as for the `regex` crate, and escape a literal `(`, `[`, `{{`, `.`, `*`, `+`, `?`, `\\` with a backslash, or put literals in `keywords` instead)",
        short(.pattern)
    )]
    InvalidPattern {
        /// Index of the pattern in `custom_patterns`.
        index: usize,
        /// The pattern as given.
        pattern: String,
        /// Byte offset in `pattern` where the error starts (from the regex parser's span).
        position: usize,
        /// What is wrong, as the regex parser says it.
        message: String,
    },
    /// A custom pattern can match the empty string, which would redact nothing but slow every
    /// search down (and hide the other detectors).
    #[error(
        "custom pattern #{index} {} can match the empty string; make it match at least one character (use `+` instead of `*`, drop a trailing `?`, or remove an empty alternative)",
        short(.pattern)
    )]
    MatchesEmpty {
        /// Index of the pattern in `custom_patterns`.
        index: usize,
        /// The pattern as given.
        pattern: String,
    },
    /// A custom pattern compiles to an automaton larger than `pattern_size_limit`.
    #[error(
        "custom pattern #{index} {} compiles to more than {limit} bytes (pattern_size_limit); shorten large counted repetitions such as `\\w{{1000}}`, prefer ASCII classes (`[0-9]`, `(?-u:\\w)`) to Unicode ones, or raise pattern_size_limit",
        short(.pattern)
    )]
    PatternTooLarge {
        /// Index of the pattern in `custom_patterns`.
        index: usize,
        /// The pattern as given.
        pattern: String,
        /// The limit in bytes that was exceeded.
        limit: usize,
    },
    /// All patterns and keywords together exceed `total_size_limit`.
    #[error(
        "the built-in detectors, {custom_patterns} custom patterns and {keywords} keywords together compile to more than {limit} bytes (total_size_limit); remove some patterns or keywords, or raise total_size_limit"
    )]
    TooLarge {
        /// Number of custom patterns.
        custom_patterns: usize,
        /// Number of keywords.
        keywords: usize,
        /// The limit in bytes that was exceeded.
        limit: usize,
    },
    /// The automaton could not be built for another reason (reported by `regex-automata`).
    #[error("cannot build the redaction automaton: {message}")]
    Build {
        /// The underlying error's message.
        message: String,
    },
}

/// Something in the configuration that works but deserves attention; see
/// [`Redactor::warnings`](crate::Redactor::warnings).
///
/// ```
/// use rizk_redaction::{RedactionConfig, RedactionWarning, Redactor};
///
/// let config = RedactionConfig {
///     custom_patterns: vec![r"\bproject-\w+\b".into()],
///     ..RedactionConfig::default()
/// };
/// let redactor = Redactor::new(config)?;
/// assert!(matches!(
///     redactor.warnings()[0],
///     RedactionWarning::UnicodeWordBoundary { index: 0, rewritten_to_ascii: true, .. }
/// ));
/// # Ok::<(), rizk_redaction::RedactionError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RedactionWarning {
    /// A custom pattern uses a Unicode word boundary (`\b`, `\B`, `\<`, `\>`, ... with Unicode
    /// on). The lazy DFA cannot evaluate those on non-ASCII text and the search falls back to a
    /// much slower engine (measured: about 560 MB/s down to 18 MB/s).
    UnicodeWordBoundary {
        /// Index of the pattern in `custom_patterns`.
        index: usize,
        /// The pattern as given.
        pattern: String,
        /// True when `ascii_word_boundaries` rewrote the boundaries to their ASCII form
        /// (`(?-u:\b)`): full speed, but a letter such as `é` counts as a non-word character.
        rewritten_to_ascii: bool,
    },
    /// An empty keyword was ignored.
    EmptyKeyword {
        /// Index of the keyword in `keywords`.
        index: usize,
    },
}

impl fmt::Display for RedactionWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RedactionWarning::UnicodeWordBoundary {
                index,
                pattern,
                rewritten_to_ascii: true,
            } => {
                write!(
                    f,
                    "custom pattern #{index} {} uses Unicode word boundaries; they were rewritten to ASCII ones ((?-u:\\b)) to keep the search fast, so a non-ASCII letter such as `é` now counts as a boundary (set ascii_word_boundaries = false to keep Unicode semantics at a large throughput cost on non-ASCII text)",
                    short(pattern)
                )
            }
            RedactionWarning::UnicodeWordBoundary {
                index,
                pattern,
                rewritten_to_ascii: false,
            } => {
                write!(
                    f,
                    "custom pattern #{index} {} uses Unicode word boundaries, which make the whole search fall back to a slow engine on non-ASCII text (about 30x slower); write (?-u:\\b) instead of \\b, or set ascii_word_boundaries = true",
                    short(pattern)
                )
            }
            RedactionWarning::EmptyKeyword { index } => {
                write!(
                    f,
                    "keyword #{index} is empty and was ignored; remove it from keywords"
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::short;

    #[test]
    fn long_patterns_are_shortened() {
        let long = "a".repeat(500);
        let s = short(&long);
        assert!(s.len() < 120, "{s}");
        assert!(s.ends_with("(500 bytes)"));
        assert_eq!(short("ab"), "\"ab\"");
    }
}
