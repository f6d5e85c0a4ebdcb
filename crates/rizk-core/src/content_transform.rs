//! The export-side half of the content policy: hashing, redaction and removal of content, in
//! the export thread, before any exporter sees a span.

use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use arc_swap::ArcSwapOption;
use opentelemetry::trace::Status;
use opentelemetry::{KeyValue, StringValue, Value};
use opentelemetry_sdk::trace::SpanData;

use crate::content::{
    CONTENT_EVENT_NAME_KEY, CONTENT_FIELDS_KEY, ContentKind, ContentPolicy, ContentRedactor,
    SpanTransform, Treatment, WITHHELD_ERROR_DESCRIPTION, content_hash,
};
use crate::semconv::{self, EntityKind};

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

/// The content kind of an attribute, from its key (and the span's kind and sibling role keys
/// for flattened OpenInference messages); `None` for attributes that are not content.
pub(crate) fn content_kind(
    key: &str,
    span_kind: Option<EntityKind>,
    attributes: &[KeyValue],
) -> Option<ContentKind> {
    match key {
        semconv::INPUT_VALUE => Some(ContentKind::of_input(span_kind)),
        semconv::OUTPUT_VALUE => Some(ContentKind::of_output(span_kind)),
        "gen_ai.prompt" | semconv::LLM_PROMPT_TEMPLATE => Some(ContentKind::LlmInput),
        // The variables fill a prompt, and often hold what the user wrote.
        semconv::LLM_PROMPT_TEMPLATE_VARIABLES => Some(ContentKind::Conversation),
        semconv::GEN_AI_INPUT_MESSAGES | "llm.prompts" => Some(ContentKind::Conversation),
        semconv::GEN_AI_SYSTEM_INSTRUCTIONS => Some(ContentKind::SystemPrompt),
        "gen_ai.completion" | semconv::GEN_AI_OUTPUT_MESSAGES => Some(ContentKind::LlmOutput),
        // A tool's arguments and result are its input and output, whatever span carries them.
        semconv::GEN_AI_TOOL_CALL_ARGUMENTS => Some(ContentKind::FunctionInput),
        semconv::GEN_AI_TOOL_CALL_RESULT => Some(ContentKind::FunctionOutput),
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

/// The span's kind as rizk or OpenInference wrote it (`task`, `LLM`), which decides what some
/// content keys hold.
pub(crate) fn span_kind(span: &SpanData) -> Option<EntityKind> {
    span.attributes
        .iter()
        .find(|kv| {
            kv.key.as_str() == semconv::SPAN_KIND
                || kv.key.as_str() == semconv::OPENINFERENCE_SPAN_KIND
        })
        .and_then(|kv| EntityKind::from_attribute(&kv.value.as_str()))
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

/// The content kind of an event attribute: error text in `exception` events, and what a
/// producer marked (`marked`, from [`crate::content::CONTENT_FIELDS_KEY`]).
fn event_content_kind(key: &str, marked: &[String]) -> Option<ContentKind> {
    match key {
        semconv::EXCEPTION_MESSAGE | semconv::EXCEPTION_STACKTRACE => {
            Some(ContentKind::ErrorMessage)
        }
        _ if marked.iter().any(|m| m == key) => Some(ContentKind::TracingField),
        _ => None,
    }
}

/// Takes the content markers out of `attributes`: the keys they name, and the fallback name
/// of an event whose name is content.
fn take_markers(attributes: &mut Vec<KeyValue>) -> (Vec<String>, Option<String>) {
    let mut marked = Vec::new();
    let mut fallback_name = None;
    if !attributes.iter().any(|kv| is_marker(kv.key.as_str())) {
        return (marked, fallback_name);
    }
    attributes.retain(|kv| match kv.key.as_str() {
        CONTENT_FIELDS_KEY => {
            match &kv.value {
                Value::Array(opentelemetry::Array::String(keys)) => {
                    marked.extend(keys.iter().map(|k| k.as_str().to_owned()));
                }
                other => marked.push(other.as_str().into_owned()),
            }
            false
        }
        CONTENT_EVENT_NAME_KEY => {
            fallback_name = Some(kv.value.as_str().into_owned());
            false
        }
        _ => true,
    });
    (marked, fallback_name)
}

fn is_marker(key: &str) -> bool {
    key == CONTENT_FIELDS_KEY || key == CONTENT_EVENT_NAME_KEY
}

/// What the policy does to one string on the export side.
enum Applied {
    /// Keep the value (rewritten in place if it was hashed or redacted).
    Keep,
    /// The value may not leave.
    Withhold,
}

/// The state one span's transform shares between its attributes, events and status.
struct Pass<'a> {
    policy: ContentPolicy,
    redactor: Option<&'a dyn ContentRedactor>,
}

impl Pass<'_> {
    /// Applies the treatment of `kind` (`None`: not content) to `value`. `redactable` is false
    /// for the keys that describe the infrastructure, which the redactor leaves alone.
    fn apply(&self, kind: Option<ContentKind>, value: &mut Value, redactable: bool) -> Applied {
        let treatment = kind.map(|k| self.policy.treatment(k));
        match treatment {
            Some(Treatment::Omit) => return Applied::Withhold,
            Some(Treatment::Hash) => {
                *value = Value::String(content_hash(&value.as_str()).into());
                return Applied::Keep;
            }
            // Content to redact without a redactor: never let it out unredacted.
            Some(Treatment::Redact) if self.redactor.is_none() => return Applied::Withhold,
            _ => {}
        }
        if let (true, Some(redactor)) = (self.policy.content_redaction_enabled, self.redactor)
            && treatment != Some(Treatment::Record)
            && redactable
        {
            redact_value(redactor, value);
        }
        Applied::Keep
    }

    /// [`Pass::apply`] for text that is not an attribute value (an event name, a status
    /// description).
    fn apply_text(&self, kind: Option<ContentKind>, text: &mut Cow<'static, str>) -> Applied {
        if kind.is_none() && (self.redactor.is_none() || !self.policy.content_redaction_enabled) {
            // Not content and nothing to redact: no copy.
            return Applied::Keep;
        }
        let mut value = Value::String(StringValue::from(std::mem::take(text).into_owned()));
        let applied = self.apply(kind, &mut value, true);
        if let Value::String(s) = value {
            *text = Cow::Owned(s.as_str().to_owned());
        }
        applied
    }
}

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

impl SpanTransform for ContentTransform {
    fn transform(&self, span: &mut SpanData) {
        let policy = ContentPolicy::from_bits(self.policy.load(Ordering::Relaxed));
        let redactor = self.redactor.load();
        let pass = Pass {
            policy,
            redactor: redactor.as_ref().map(|b| b.as_ref().as_ref()),
        };

        let (marked, _) = take_markers(&mut span.attributes);
        let span_kind = span_kind(span);
        let kinds: Vec<Option<ContentKind>> = span
            .attributes
            .iter()
            .map(|kv| {
                let key = kv.key.as_str();
                content_kind(key, span_kind, &span.attributes).or_else(|| {
                    marked
                        .iter()
                        .any(|m| m == key)
                        .then_some(ContentKind::TracingField)
                })
            })
            .collect();
        let mut index = 0;
        span.attributes.retain_mut(|kv| {
            let kind = kinds[index];
            index += 1;
            let redactable = !describes_infrastructure(kv.key.as_str());
            matches!(pass.apply(kind, &mut kv.value, redactable), Applied::Keep)
        });

        for event in span.events.events.iter_mut() {
            let (marked, fallback_name) = take_markers(&mut event.attributes);
            event.attributes.retain_mut(|kv| {
                let kind = event_content_kind(kv.key.as_str(), &marked);
                matches!(pass.apply(kind, &mut kv.value, true), Applied::Keep)
            });
            let name_kind = fallback_name.is_some().then_some(ContentKind::TracingField);
            if let Applied::Withhold = pass.apply_text(name_kind, &mut event.name) {
                event.name = Cow::Owned(fallback_name.unwrap_or_default());
            }
        }

        if let Status::Error { description } = &mut span.status
            && !description.is_empty()
            && let Applied::Withhold = pass.apply_text(Some(ContentKind::ErrorMessage), description)
        {
            *description = Cow::Borrowed(WITHHELD_ERROR_DESCRIPTION);
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
            content_kind("input.value", Some(EntityKind::Workflow), none),
            Some(ContentKind::UserInput)
        );
        assert_eq!(
            content_kind("input.value", Some(EntityKind::Task), none),
            Some(ContentKind::FunctionInput)
        );
        assert_eq!(
            content_kind("output.value", Some(EntityKind::Llm), none),
            Some(ContentKind::LlmOutput)
        );
        assert_eq!(
            content_kind("gen_ai.system_instructions", None, none),
            Some(ContentKind::SystemPrompt)
        );
        // The GenAI content keys the client, the macros and the bridge write.
        for (key, kind) in [
            (semconv::LLM_PROMPT_TEMPLATE, ContentKind::LlmInput),
            (
                semconv::LLM_PROMPT_TEMPLATE_VARIABLES,
                ContentKind::Conversation,
            ),
            (semconv::GEN_AI_INPUT_MESSAGES, ContentKind::Conversation),
            (semconv::GEN_AI_OUTPUT_MESSAGES, ContentKind::LlmOutput),
            (
                semconv::GEN_AI_SYSTEM_INSTRUCTIONS,
                ContentKind::SystemPrompt,
            ),
            (
                semconv::GEN_AI_TOOL_CALL_ARGUMENTS,
                ContentKind::FunctionInput,
            ),
            (
                semconv::GEN_AI_TOOL_CALL_RESULT,
                ContentKind::FunctionOutput,
            ),
        ] {
            assert_eq!(content_kind(key, Some(EntityKind::Tool), none), Some(kind));
            assert_eq!(content_kind(key, Some(EntityKind::Llm), none), Some(kind));
        }
        // Metadata of tools and agents is not content.
        for key in [
            semconv::GEN_AI_TOOL_CALL_ID,
            semconv::GEN_AI_TOOL_TYPE,
            semconv::GEN_AI_TOOL_DESCRIPTION,
            semconv::GEN_AI_AGENT_ID,
        ] {
            assert_eq!(content_kind(key, Some(EntityKind::Tool), none), None);
        }
        assert_eq!(content_kind("user.id", None, none), None);
        let messages = [KeyValue::new("llm.input_messages.0.message.role", "system")];
        assert_eq!(
            content_kind(
                "llm.input_messages.0.message.content",
                Some(EntityKind::Llm),
                &messages
            ),
            Some(ContentKind::SystemPrompt)
        );
        assert_eq!(
            content_kind(
                "llm.input_messages.0.message.role",
                Some(EntityKind::Llm),
                &messages
            ),
            None
        );
    }

    /// Hides the word "secret", as a redactor would hide an e-mail address.
    struct HideSecret;

    impl ContentRedactor for HideSecret {
        fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
            if text.contains("secret") {
                Cow::Owned(text.replace("secret", "[R]"))
            } else {
                Cow::Borrowed(text)
            }
        }
    }

    fn transform(policy: ContentPolicy, redactor: bool) -> ContentTransform {
        let slot: RedactorSlot = Arc::default();
        if redactor {
            slot.store(Some(Arc::new(
                Box::new(HideSecret) as Box<dyn ContentRedactor>
            )));
        }
        ContentTransform {
            policy: Arc::new(AtomicU32::new(policy.to_bits())),
            redactor: slot,
        }
    }

    /// A failed bridged span: a marked field, a marked event, an exception event.
    fn failed_span() -> SpanData {
        use opentelemetry::trace::{Event, SpanContext, SpanKind};
        let mut events = opentelemetry_sdk::trace::SpanEvents::default();
        events.events.push(Event::new(
            "user said secret words",
            std::time::SystemTime::UNIX_EPOCH,
            vec![
                KeyValue::new("level", "INFO"),
                KeyValue::new("query", "secret query"),
                KeyValue::new(
                    CONTENT_FIELDS_KEY,
                    Value::Array(vec![StringValue::from("query")].into()),
                ),
                KeyValue::new(CONTENT_EVENT_NAME_KEY, "event src/lib.rs:1"),
            ],
            0,
        ));
        events.events.push(Event::new(
            "exception",
            std::time::SystemTime::UNIX_EPOCH,
            vec![
                KeyValue::new(semconv::EXCEPTION_TYPE, "ParseIntError"),
                KeyValue::new(semconv::EXCEPTION_MESSAGE, "bad secret input"),
                KeyValue::new(semconv::EXCEPTION_STACKTRACE, "at secret.rs:1"),
            ],
            0,
        ));
        SpanData {
            span_context: SpanContext::empty_context(),
            parent_span_id: opentelemetry::trace::SpanId::INVALID,
            parent_span_is_remote: false,
            span_kind: SpanKind::Internal,
            name: Cow::Borrowed("lookup"),
            start_time: std::time::SystemTime::UNIX_EPOCH,
            end_time: std::time::SystemTime::UNIX_EPOCH,
            attributes: vec![
                KeyValue::new("user_id", "secret-user"),
                KeyValue::new("db.system", "postgresql"),
                KeyValue::new(
                    CONTENT_FIELDS_KEY,
                    Value::Array(vec![StringValue::from("user_id")].into()),
                ),
            ],
            dropped_attributes_count: 0,
            events,
            links: opentelemetry_sdk::trace::SpanLinks::default(),
            status: Status::error("bad secret input"),
            instrumentation_scope: opentelemetry::InstrumentationScope::default(),
        }
    }

    fn exported_strings(span: &SpanData) -> Vec<String> {
        let mut out = vec![span.name.to_string()];
        out.extend(
            span.attributes
                .iter()
                .map(|kv| format!("{}={}", kv.key, kv.value)),
        );
        for event in &span.events.events {
            out.push(event.name.to_string());
            out.extend(
                event
                    .attributes
                    .iter()
                    .map(|kv| format!("{}={}", kv.key, kv.value)),
            );
        }
        if let Status::Error { description } = &span.status {
            out.push(description.to_string());
        }
        out
    }

    #[test]
    fn metadata_only_withholds_error_text_and_marked_fields_and_keeps_the_rest() {
        let policy = ContentPolicy {
            trace_metadata_only: true,
            ..ContentPolicy::default()
        };
        let mut span = failed_span();
        transform(policy, true).transform(&mut span);
        let all = exported_strings(&span);
        assert!(all.iter().all(|s| !s.contains("secret")), "{all:?}");
        assert!(
            all.iter().all(|s| !s.starts_with("rizk.content")),
            "{all:?}"
        );
        assert_eq!(span.status, Status::error(WITHHELD_ERROR_DESCRIPTION));
        assert!(all.contains(&"db.system=postgresql".to_owned()), "{all:?}");
        assert!(
            all.contains(&"exception.type=ParseIntError".to_owned()),
            "{all:?}"
        );
        assert!(all.contains(&"event src/lib.rs:1".to_owned()), "{all:?}");
        assert!(all.contains(&"level=INFO".to_owned()), "{all:?}");
    }

    #[test]
    fn hashes_replace_error_text_and_marked_fields() {
        let policy = ContentPolicy {
            trace_metadata_only: true,
            trace_content_hashes: true,
            ..ContentPolicy::default()
        };
        let mut span = failed_span();
        transform(policy, false).transform(&mut span);
        assert_eq!(span.status, Status::error(content_hash("bad secret input")));
        assert_eq!(
            span.events.events[0].name,
            content_hash("user said secret words")
        );
        let all = exported_strings(&span);
        assert!(all.iter().all(|s| !s.contains("secret")), "{all:?}");
        assert!(all.contains(&format!("user_id={}", content_hash("secret-user"))));
    }

    #[test]
    fn allowed_content_is_redacted_or_kept_and_markers_never_leave() {
        let mut span = failed_span();
        transform(ContentPolicy::default(), true).transform(&mut span);
        let all = exported_strings(&span);
        assert!(all.iter().all(|s| !s.contains("secret")), "{all:?}");
        assert_eq!(span.status, Status::error("bad [R] input"));
        assert_eq!(span.events.events[0].name, "user said [R] words");
        let recorded = ContentPolicy {
            content_redaction_enabled: false,
            ..ContentPolicy::default()
        };
        let mut span = failed_span();
        transform(recorded, false).transform(&mut span);
        let all = exported_strings(&span);
        assert!(all.contains(&"user_id=secret-user".to_owned()), "{all:?}");
        assert!(
            all.contains(&"user said secret words".to_owned()),
            "{all:?}"
        );
        assert!(
            all.iter().all(|s| !s.starts_with("rizk.content")),
            "{all:?}"
        );
        assert_eq!(span.status, Status::error("bad secret input"));
        // Redaction asked for without a redactor: content is withheld, not sent as it is.
        let mut span = failed_span();
        transform(ContentPolicy::default(), false).transform(&mut span);
        let all = exported_strings(&span);
        assert!(all.iter().all(|s| !s.contains("secret")), "{all:?}");
    }
}
