//! Turning `tracing` field values into OpenTelemetry attributes, with the content policy
//! applied before anything is formatted.

use std::fmt;
use std::sync::Arc;

use opentelemetry::{Array, Key, KeyValue, StringValue, Value};
use rizk_core::content::{
    CONTENT_FIELDS_KEY, ContentKind, ContentPolicy, WITHHELD_ERROR_DESCRIPTION,
};
use rizk_core::semconv;
use tracing::field::{Field, Visit};

use crate::genai::{self, FieldClass, keys};

/// Values of the fields the bridge reacts to, besides recording them as attributes.
#[derive(Debug, Default)]
pub(crate) struct Captured {
    pub(crate) operation: Option<Arc<str>>,
    pub(crate) agent: Option<Arc<str>>,
    pub(crate) tool: Option<Arc<str>>,
    pub(crate) provider: Option<Arc<str>>,
    pub(crate) model: Option<Arc<str>>,
    pub(crate) input_tokens: Option<i64>,
    pub(crate) output_tokens: Option<i64>,
    pub(crate) otel_name: Option<String>,
    pub(crate) status_code: Option<String>,
    pub(crate) status_description: Option<String>,
    pub(crate) tool_outcome: Option<Arc<str>>,
    pub(crate) tool_error: Option<Arc<str>>,
}

/// The content policy, read at most once per visit.
#[derive(Debug, Default)]
struct ContentGate(Option<Option<ContentPolicy>>);

/// Whether a field is captured, and whether the export side must be told it is content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Admission {
    /// Not captured, not formatted.
    Skip,
    /// Captured; its key tells the export side what it is.
    Record,
    /// Captured content that only the marker ([`CONTENT_FIELDS_KEY`]) identifies.
    RecordMarked,
}

impl ContentGate {
    /// Whether content of `kind` may be captured: when the policy records, redacts or hashes
    /// it (redaction and hashing happen on the export side). Nothing without rizk running.
    fn captures(&mut self, kind: ContentKind) -> bool {
        self.0
            .get_or_insert_with(rizk_core::content_policy)
            .is_some_and(|policy| policy.treatment(kind).captures())
    }

    /// What happens to a span field named `name`: metadata always, content as the policy says.
    fn admits(&mut self, name: &str) -> Admission {
        match genai::field_class(name) {
            FieldClass::Structural => Admission::Record,
            FieldClass::Known(kind) if self.captures(kind) => Admission::Record,
            FieldClass::Other if self.captures(ContentKind::TracingField) => {
                Admission::RecordMarked
            }
            FieldClass::Known(_) | FieldClass::Other => Admission::Skip,
        }
    }

    /// What happens to an event field named `name`. The export side knows no keys of event
    /// fields, so every captured content field is marked.
    fn admits_event_field(&mut self, name: &str) -> Admission {
        match genai::field_class(name) {
            FieldClass::Structural => Admission::Record,
            FieldClass::Known(kind) if !self.captures(kind) => Admission::Skip,
            // Admitted known content and other fields: both as tracing fields.
            FieldClass::Known(_) | FieldClass::Other => {
                if self.captures(ContentKind::TracingField) {
                    Admission::RecordMarked
                } else {
                    Admission::Skip
                }
            }
        }
    }
}

/// The marker attribute naming the content fields in `marked`.
fn marker(marked: &[&'static str]) -> KeyValue {
    KeyValue::new(
        CONTENT_FIELDS_KEY,
        Value::Array(Array::String(
            marked.iter().map(|k| StringValue::from(*k)).collect(),
        )),
    )
}

/// Collects the attributes of a span's fields (at creation or on `record`).
pub(crate) struct FieldVisitor<'a> {
    pub(crate) attrs: &'a mut Vec<KeyValue>,
    pub(crate) captured: Captured,
    content: ContentGate,
    /// Captured fields that are content only the marker identifies.
    marked: Vec<&'static str>,
}

impl<'a> FieldVisitor<'a> {
    pub(crate) fn new(attrs: &'a mut Vec<KeyValue>) -> Self {
        FieldVisitor {
            attrs,
            captured: Captured::default(),
            content: ContentGate::default(),
            marked: Vec::new(),
        }
    }

    /// Ends the visit: adds the content marker when content fields were captured, and returns
    /// what the mapping reacts to.
    pub(crate) fn finish(self) -> Captured {
        if !self.marked.is_empty() {
            self.attrs.push(marker(&self.marked));
        }
        self.captured
    }

    /// `false` for a content field the policy does not capture: skip it unformatted.
    fn admits(&mut self, name: &'static str) -> bool {
        match self.content.admits(name) {
            Admission::Skip => {
                if name == keys::OTEL_STATUS_DESCRIPTION {
                    // The span still fails; the text says why its message is missing.
                    self.captured.status_description = Some(WITHHELD_ERROR_DESCRIPTION.to_owned());
                }
                false
            }
            Admission::Record => true,
            Admission::RecordMarked => {
                self.marked.push(name);
                true
            }
        }
    }

    fn push(&mut self, name: &'static str, value: Value) {
        self.attrs
            .push(KeyValue::new(Key::from_static_str(name), value));
    }

    fn text(&mut self, name: &'static str, mut value: String) {
        if name.starts_with("otel.") {
            match name {
                keys::OTEL_NAME => self.captured.otel_name = Some(value),
                keys::OTEL_STATUS_CODE => self.captured.status_code = Some(value),
                keys::OTEL_STATUS_DESCRIPTION => self.captured.status_description = Some(value),
                _ => {}
            }
            return;
        }
        if name.starts_with("gen_ai.") {
            let slot = match name {
                keys::OPERATION => Some(&mut self.captured.operation),
                keys::AGENT_NAME => Some(&mut self.captured.agent),
                keys::TOOL_NAME => Some(&mut self.captured.tool),
                keys::PROVIDER | keys::SYSTEM => Some(&mut self.captured.provider),
                keys::REQUEST_MODEL => Some(&mut self.captured.model),
                keys::TOOL_OUTCOME => Some(&mut self.captured.tool_outcome),
                keys::TOOL_ERROR_TYPE => Some(&mut self.captured.tool_error),
                _ => None,
            };
            if let Some(slot) = slot {
                // One allocation shared by the attribute and what the mapping keeps.
                let shared: Arc<str> = Arc::from(value);
                *slot = Some(Arc::clone(&shared));
                if name == keys::SYSTEM {
                    // The deprecated spelling, also under the key that replaced it.
                    self.push(
                        semconv::GEN_AI_PROVIDER_NAME,
                        Value::String(StringValue::from(Arc::clone(&shared))),
                    );
                }
                self.push(name, Value::String(StringValue::from(shared)));
                return;
            }
            if name == keys::INPUT_MESSAGES
                && let Some(fixed) = genai::tool_results_in_tool_messages(&value)
            {
                value = fixed;
            }
            if let Some(alias) = genai::openinference_alias(name) {
                // Content (already admitted): also under the OpenInference key.
                self.attrs.push(KeyValue::new(
                    Key::from_static_str(genai::mime_key(alias)),
                    genai::mime_of(&value),
                ));
                self.attrs.push(KeyValue::new(
                    Key::from_static_str(alias),
                    Value::String(StringValue::from(value.clone())),
                ));
            }
        }
        self.push(name, Value::String(StringValue::from(value)));
    }

    /// An unsigned or 128-bit integer: as an `i64` where it fits, else as its decimal text
    /// (OpenTelemetry attributes have no wider integer).
    fn wide_int<T: TryInto<i64> + ToString + Copy>(&mut self, name: &'static str, value: T) {
        if !self.admits(name) {
            return;
        }
        match value.try_into() {
            Ok(v) => self.int(name, v),
            Err(_) => self.push(name, Value::String(value.to_string().into())),
        }
    }

    fn int(&mut self, name: &'static str, value: i64) {
        match name {
            keys::INPUT_TOKENS | keys::PROMPT_TOKENS_OLD => {
                self.captured.input_tokens = Some(value);
                self.push(keys::TOKENS_PROMPT, Value::I64(value));
                if name == keys::PROMPT_TOKENS_OLD {
                    self.push(keys::INPUT_TOKENS, Value::I64(value));
                }
            }
            keys::OUTPUT_TOKENS | keys::COMPLETION_TOKENS_OLD => {
                self.captured.output_tokens = Some(value);
                self.push(keys::TOKENS_COMPLETION, Value::I64(value));
                if name == keys::COMPLETION_TOKENS_OLD {
                    self.push(keys::OUTPUT_TOKENS, Value::I64(value));
                }
            }
            keys::CACHE_READ_TOKENS => self.push(keys::TOKENS_CACHE_READ, Value::I64(value)),
            keys::CACHE_CREATION_TOKENS => self.push(keys::TOKENS_CACHE_WRITE, Value::I64(value)),
            keys::REASONING_TOKENS => self.push(keys::TOKENS_REASONING, Value::I64(value)),
            keys::REASONING_TOKENS_OLD => {
                self.push(keys::TOKENS_REASONING, Value::I64(value));
                self.push(keys::REASONING_TOKENS, Value::I64(value));
            }
            _ => {}
        }
        self.push(name, Value::I64(value));
    }
}

impl Visit for FieldVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        let name = field.name();
        if self.admits(name) {
            self.text(name, value.to_owned());
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        if self.admits(field.name()) {
            self.int(field.name(), value);
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.wide_int(field.name(), value);
    }

    fn record_i128(&mut self, field: &Field, value: i128) {
        self.wide_int(field.name(), value);
    }

    fn record_u128(&mut self, field: &Field, value: u128) {
        self.wide_int(field.name(), value);
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        if self.admits(field.name()) {
            self.push(field.name(), Value::F64(value));
        }
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        if self.admits(field.name()) {
            self.push(field.name(), Value::Bool(value));
        }
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        let name = field.name();
        if self.admits(name) {
            self.text(name, value.to_string());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let name = field.name();
        if self.admits(name) {
            self.text(name, format!("{value:?}"));
        }
    }
}

/// Formats an event's fields: its `message` becomes the event name, the rest attributes. Both
/// are content ([`ContentKind::TracingField`]), captured only as the policy allows.
pub(crate) struct EventVisitor<'a> {
    pub(crate) message: Option<String>,
    pub(crate) attrs: &'a mut Vec<KeyValue>,
    content: ContentGate,
    /// Whether the message is wanted: as the event's name, or as the status of an `ERROR`
    /// event when the policy captures error messages.
    wants_message: bool,
    marked: Vec<&'static str>,
}

impl<'a> EventVisitor<'a> {
    /// A visitor for an event; `is_error` for an `ERROR` event, whose message is also the
    /// span's status description.
    pub(crate) fn new(attrs: &'a mut Vec<KeyValue>, is_error: bool) -> Self {
        let mut content = ContentGate::default();
        let wants_message = content.captures(ContentKind::TracingField)
            || (is_error && content.captures(ContentKind::ErrorMessage));
        EventVisitor {
            message: None,
            attrs,
            content,
            wants_message,
            marked: Vec::new(),
        }
    }

    /// Whether the message may name the event (else it only serves as the status).
    pub(crate) fn message_is_recorded(&mut self) -> bool {
        self.content.captures(ContentKind::TracingField)
    }

    /// Ends the visit: adds the content marker when content fields were captured.
    pub(crate) fn finish(&mut self) {
        if !self.marked.is_empty() {
            let marker = marker(&self.marked);
            self.attrs.push(marker);
        }
    }

    fn admits(&mut self, name: &'static str) -> bool {
        match self.content.admits_event_field(name) {
            Admission::Skip => false,
            Admission::Record => true,
            Admission::RecordMarked => {
                self.marked.push(name);
                true
            }
        }
    }

    fn push(&mut self, name: &'static str, value: Value) {
        if self.admits(name) {
            self.attrs
                .push(KeyValue::new(Key::from_static_str(name), value));
        }
    }
}

impl Visit for EventVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        let name = field.name();
        if name == "message" {
            if self.wants_message {
                self.message = Some(value.to_owned());
            }
        } else if self.admits(name) {
            self.attrs.push(KeyValue::new(
                Key::from_static_str(name),
                Value::String(value.to_owned().into()),
            ));
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.push(field.name(), Value::I64(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        let value =
            i64::try_from(value).map_or_else(|_| Value::from(value.to_string()), Value::I64);
        self.push(field.name(), value);
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.push(field.name(), Value::F64(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.push(field.name(), Value::Bool(value));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let name = field.name();
        if name == "message" {
            if self.wants_message {
                self.message = Some(format!("{value:?}"));
            }
        } else if self.admits(name) {
            self.attrs.push(KeyValue::new(
                Key::from_static_str(name),
                Value::String(format!("{value:?}").into()),
            ));
        }
    }
}
