//! Content policy and the export-side seams that later crates fill (redaction, hashing).

use std::borrow::Cow;

use opentelemetry_sdk::trace::SpanData;

/// Rewrites text that may carry content (prompts, completions, inputs, outputs) before it leaves
/// the process. `rizk-redaction` implements it; anything else can too.
///
/// Implementations return [`Cow::Borrowed`] when nothing changed, so clean text is not copied.
///
/// ```
/// use std::borrow::Cow;
/// use rizk_core::content::ContentRedactor;
///
/// struct HideDigits;
/// impl ContentRedactor for HideDigits {
///     fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
///         if text.bytes().any(|b| b.is_ascii_digit()) {
///             Cow::Owned(text.chars().map(|c| if c.is_ascii_digit() { '#' } else { c }).collect())
///         } else {
///             Cow::Borrowed(text)
///         }
///     }
/// }
/// assert_eq!(HideDigits.redact("PIN 1234"), "PIN ####");
/// assert!(matches!(HideDigits.redact("no digits"), Cow::Borrowed(_)));
/// ```
pub trait ContentRedactor: Send + Sync + 'static {
    /// Returns `text` with every sensitive part replaced.
    fn redact<'a>(&self, text: &'a str) -> Cow<'a, str>;
}

/// A step that every span passes through on the export side (in the export thread, never on
/// the traced application's thread), before any exporter sees it: redaction, content hashing,
/// attribute clean-up.
///
/// ```
/// use opentelemetry_sdk::trace::SpanData;
/// use rizk_core::content::SpanTransform;
///
/// #[derive(Debug)]
/// struct DropDebugAttributes;
/// impl SpanTransform for DropDebugAttributes {
///     fn transform(&self, span: &mut SpanData) {
///         span.attributes.retain(|kv| !kv.key.as_str().starts_with("debug."));
///     }
/// }
/// ```
pub trait SpanTransform: Send + Sync + std::fmt::Debug + 'static {
    /// Rewrites `span` in place.
    fn transform(&self, span: &mut SpanData);
}
