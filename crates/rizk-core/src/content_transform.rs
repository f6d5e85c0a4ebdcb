//! The export-side half of the content policy: hashing, redaction and removal of content, in
//! the export thread, before any exporter sees a span.

use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use arc_swap::ArcSwapOption;
use opentelemetry::trace::Status;
use opentelemetry::{KeyValue, StringValue, Value};
use opentelemetry_sdk::trace::SpanData;
use sha2::{Digest, Sha256};

use crate::content::{ContentKind, ContentPolicy, ContentRedactor, SpanTransform, Treatment};
use crate::semconv;

/// The redactor in force; `configure_content_redaction` swaps it at run time.
pub(crate) type RedactorSlot = Arc<ArcSwapOption<Box<dyn ContentRedactor>>>;

/// Applies the content policy to every span on the export side.
pub(crate) struct ContentTransform {
    pub(crate) policy: Arc<AtomicU32>,
    pub(crate) redactor: RedactorSlot,
}

impl std::fmt::Debug for ContentTransform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContentTransform")
            .field(
                "policy",
                &ContentPolicy::from_bits(self.policy.load(Ordering::Relaxed)),
            )
            .finish_non_exhaustive()
    }
}

/// `sha256:<hex>` of `text`: equal content gives equal digests, and the digest gives nothing
/// of the text away.
///
/// ```
/// assert_eq!(
///     rizk_core::content::content_hash("hello"),
///     "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
/// );
/// ```
pub fn content_hash(text: &str) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(text.as_bytes())))
}

/// The content kind of an attribute, from its key (and the span's kind and sibling role keys
/// for flattened OpenInference messages); `None` for attributes that are not content.
pub(crate) fn content_kind(
    key: &str,
    span_kind: Option<&str>,
    attributes: &[KeyValue],
) -> Option<ContentKind> {
    let is_llm = span_kind == Some("llm") || span_kind == Some("LLM");
    match key {
        semconv::INPUT_VALUE => Some(match span_kind {
            Some("workflow") => ContentKind::UserInput,
            _ if is_llm => ContentKind::LlmInput,
            _ => ContentKind::FunctionInput,
        }),
        semconv::OUTPUT_VALUE => Some(if is_llm {
            ContentKind::LlmOutput
        } else {
            ContentKind::FunctionOutput
        }),
        "gen_ai.prompt" | "gen_ai.input.messages" | "llm.prompts" => Some(ContentKind::LlmInput),
        "gen_ai.system_instructions" => Some(ContentKind::SystemPrompt),
        "gen_ai.completion" | "gen_ai.output.messages" => Some(ContentKind::LlmOutput),
        "gen_ai.tool.call.arguments" => Some(ContentKind::FunctionInput),
        "gen_ai.tool.call.result" => Some(ContentKind::FunctionOutput),
        _ => {
            if let Some(rest) = key.strip_prefix("llm.input_messages.") {
                if !rest.ends_with(".message.role") {
                    let index = rest.split('.').next().unwrap_or("");
                    let role_key = format!("llm.input_messages.{index}.message.role");
                    let role = attributes
                        .iter()
                        .find(|kv| kv.key.as_str() == role_key)
                        .map(|kv| kv.value.as_str());
                    return Some(match role.as_deref() {
                        Some("system") => ContentKind::SystemPrompt,
                        Some("user") => ContentKind::UserInput,
                        _ => ContentKind::LlmInput,
                    });
                }
                return None;
            }
            if key.starts_with("llm.output_messages.") && !key.ends_with(".message.role") {
                return Some(ContentKind::LlmOutput);
            }
            None
        }
    }
}

/// Keys that describe rizk's structure or the infrastructure (a server's address, an HTTP
/// method), not people or content: the redactor leaves them alone, so that `server.address =
/// 10.0.0.5` is not mistaken for personal data. Everything else is redacted.
pub(crate) fn describes_infrastructure(key: &str) -> bool {
    key.starts_with("rizk.")
        || key.starts_with("network.")
        || matches!(
            key,
            "server.address"
                | "server.port"
                | "url.scheme"
                | "http.request.method"
                | "http.response.status_code"
                | "http.route"
                | semconv::OPENINFERENCE_SPAN_KIND
                | semconv::GEN_AI_OPERATION_NAME
                | semconv::LLM_PROVIDER
                | semconv::LLM_MODEL
                | semconv::LLM_MODEL_NAME
                | semconv::GEN_AI_PROVIDER_NAME
                | semconv::GEN_AI_REQUEST_MODEL
        )
}

impl ContentTransform {
    fn redact_value(redactor: &dyn ContentRedactor, value: &mut Value) {
        match value {
            Value::String(s) => {
                if let Cow::Owned(clean) = redactor.redact(s.as_str()) {
                    *s = StringValue::from(clean);
                }
            }
            Value::Array(opentelemetry::Array::String(items)) => {
                for item in items.iter_mut() {
                    if let Cow::Owned(clean) = redactor.redact(item.as_str()) {
                        *item = StringValue::from(clean);
                    }
                }
            }
            _ => {}
        }
    }
}

impl SpanTransform for ContentTransform {
    fn transform(&self, span: &mut SpanData) {
        let policy = ContentPolicy::from_bits(self.policy.load(Ordering::Relaxed));
        let span_kind = span
            .attributes
            .iter()
            .find(|kv| {
                kv.key.as_str() == semconv::SPAN_KIND
                    || kv.key.as_str() == semconv::OPENINFERENCE_SPAN_KIND
            })
            .map(|kv| kv.value.as_str().into_owned());
        let treatments: Vec<Option<Treatment>> = span
            .attributes
            .iter()
            .map(|kv| {
                content_kind(kv.key.as_str(), span_kind.as_deref(), &span.attributes)
                    .map(|k| policy.treatment(k))
            })
            .collect();
        let redactor = self.redactor.load();
        let redactor: Option<&dyn ContentRedactor> = redactor.as_ref().map(|b| b.as_ref().as_ref());
        let redact_all = policy.content_redaction_enabled;
        let mut index = 0;
        span.attributes.retain_mut(|kv| {
            let treatment = treatments[index];
            index += 1;
            match treatment {
                Some(Treatment::Omit) => return false,
                Some(Treatment::Hash) => {
                    kv.value = Value::String(content_hash(&kv.value.as_str()).into());
                    return true;
                }
                // Content to redact without a redactor: never let it out unredacted.
                Some(Treatment::Redact) if redactor.is_none() => return false,
                _ => {}
            }
            if let (true, Some(redactor)) = (redact_all, redactor)
                && !matches!(treatment, Some(Treatment::Record))
                && !describes_infrastructure(kv.key.as_str())
            {
                Self::redact_value(redactor, &mut kv.value);
            }
            true
        });
        if let (true, Some(redactor)) = (redact_all, redactor) {
            for event in span.events.events.iter_mut() {
                for kv in event.attributes.iter_mut() {
                    Self::redact_value(redactor, &mut kv.value);
                }
            }
            if let Status::Error { description } = &mut span.status
                && let Cow::Owned(clean) = redactor.redact(description)
            {
                *description = Cow::Owned(clean);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_map_to_content_kinds() {
        let none: &[KeyValue] = &[];
        assert_eq!(
            content_kind("input.value", Some("workflow"), none),
            Some(ContentKind::UserInput)
        );
        assert_eq!(
            content_kind("input.value", Some("task"), none),
            Some(ContentKind::FunctionInput)
        );
        assert_eq!(
            content_kind("output.value", Some("LLM"), none),
            Some(ContentKind::LlmOutput)
        );
        assert_eq!(
            content_kind("gen_ai.system_instructions", None, none),
            Some(ContentKind::SystemPrompt)
        );
        assert_eq!(content_kind("user.id", None, none), None);
        let messages = [KeyValue::new("llm.input_messages.0.message.role", "system")];
        assert_eq!(
            content_kind(
                "llm.input_messages.0.message.content",
                Some("LLM"),
                &messages
            ),
            Some(ContentKind::SystemPrompt)
        );
        assert_eq!(
            content_kind("llm.input_messages.0.message.role", Some("LLM"), &messages),
            None
        );
    }
}
