//! The text redaction engine of rizk: finds personal data, financial data and secrets in text
//! (prompts, completions, tool inputs and outputs) and replaces them before the text leaves the
//! process. Usable on its own, and as rizk's
//! [`ContentRedactor`](rizk_core::content::ContentRedactor).
//!
//! - **Built-in detectors**, in the spec's three groups: PII (email, phone numbers, US SSN,
//!   IPv4, IPv6), financial data (payment cards, IBAN) and secrets (OpenAI, Anthropic, AWS,
//!   GitHub, Slack, Google and Stripe keys, bearer tokens, JWTs, PEM private keys). Where a
//!   checksum or rule exists the candidate is validated (Luhn, IBAN mod-97, SSN
//!   area/group/serial, IPv4 octet range), so order numbers, versions and dates that look alike
//!   are left alone.
//! - **Custom patterns** (regular expressions) and **keywords** (literals, case-insensitive by
//!   default).
//! - **One walk over the text**: every detector is compiled into one multi-pattern automaton
//!   (`regex-automata` lazy DFAs) that walks the text once, several parts at a time, to mark
//!   the few windows where anything can match; only those are searched. The cost hardly
//!   depends on the number of detectors (above 500 MB/s here with every built-in, three custom
//!   patterns and 1,000 keywords, on text with sparse PII). On text dense with matches the
//!   engine searches the whole text at once instead, from a density that depends on the
//!   configuration; docs/redaction.md gives the speed across densities.
//! - **No copy of clean text**: [`Redactor::redact`] returns [`Cow::Borrowed`](std::borrow::Cow)
//!   when nothing matched.
//!
//! ```
//! use rizk_redaction::{RedactionConfig, Redactor};
//!
//! let redactor = Redactor::new(RedactionConfig {
//!     custom_patterns: vec![r"\bCASE-[0-9]{5}\b".into()],
//!     keywords: vec!["Project Falcon".into()],
//!     label_entities: true,
//!     ..RedactionConfig::default()
//! })?;
//!
//! let text = r#"{"user": "Müller, jan.mueller@example.de", "note": "CASE-20931 about project falcon",
//!               "card": "4111-1111-1111-1111", "order": "4111111111111112"}"#;
//! assert_eq!(
//!     redactor.redact(text),
//!     r#"{"user": "Müller, [REDACTED:EMAIL]", "note": "[REDACTED:CUSTOM_0] about [REDACTED:KEYWORD]",
//!               "card": "[REDACTED:CREDIT_CARD]", "order": "4111111111111112"}"#
//! );
//! # Ok::<(), rizk_redaction::RedactionError>(())
//! ```
//!
//! See `docs/redaction.md` for what each detector matches, the caveat about Unicode `\b` in
//! custom patterns, and measured throughput.

mod builtins;
mod config;
mod density;
mod edits;
mod engine;
mod error;
mod kind;
mod search;
#[cfg(test)]
mod test_rng;
mod validate;
mod walk;

pub use config::RedactionConfig;
pub use engine::Redactor;
pub use error::{RedactionError, RedactionWarning};
pub use kind::{DetectorCategory, DetectorKind, Match};
