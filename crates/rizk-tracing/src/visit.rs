//! Turning `tracing` field values into OpenTelemetry attributes, with the content policy
//! applied before anything is formatted.

use std::fmt;
use std::sync::Arc;

use opentelemetry::{Key, KeyValue, StringValue, Value};
use rizk_core::content::ContentPolicy;
use tracing::field::{Field, Visit};

use crate::genai::{self, keys};

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

impl ContentGate {
    /// Whether a field named `name` may be captured: metadata always, content when the policy
    /// records, redacts or hashes its kind (redaction and hashing happen on the export side).
    fn admits(&mut self, name: &str) -> bool {
        let Some(kind) = genai::content_kind(name) else {
            return true;
        };
        self.0
            .get_or_insert_with(rizk_core::content_policy)
            .is_some_and(|policy| policy.treatment(kind).captures())
    }
}

/// Collects the attributes of a span's fields (at creation or on `record`).
pub(crate) struct FieldVisitor<'a> {
    pub(crate) attrs: &'a mut Vec<KeyValue>,
    pub(crate) captured: Captured,
    content: ContentGate,
}

impl<'a> FieldVisitor<'a> {
    pub(crate) fn new(attrs: &'a mut Vec<KeyValue>) -> Self {
        FieldVisitor {
            attrs,
            captured: Captured::default(),
            content: ContentGate::default(),
        }
    }

    /// `false` for a content field while the policy forbids content: skip it unformatted.
    fn admits(&mut self, name: &str) -> bool {
        self.content.admits(name)
    }

    fn push(&mut self, name: &'static str, value: Value) {
        self.attrs
            .push(KeyValue::new(Key::from_static_str(name), value));
    }

    fn text(&mut self, name: &'static str, value: String) {
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
                self.push(name, Value::String(StringValue::from(shared)));
                return;
            } else if let Some(alias) = genai::openinference_alias(name) {
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

    fn int(&mut self, name: &'static str, value: i64) {
        match name {
            keys::INPUT_TOKENS => {
                self.captured.input_tokens = Some(value);
                self.push(keys::TOKENS_PROMPT, Value::I64(value));
            }
            keys::OUTPUT_TOKENS => {
                self.captured.output_tokens = Some(value);
                self.push(keys::TOKENS_COMPLETION, Value::I64(value));
            }
            keys::CACHE_READ_TOKENS => self.push(keys::TOKENS_CACHE_READ, Value::I64(value)),
            keys::REASONING_TOKENS => self.push(keys::TOKENS_REASONING, Value::I64(value)),
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
        self.int(field.name(), value);
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        match i64::try_from(value) {
            Ok(v) => self.int(field.name(), v),
            Err(_) => self.push(field.name(), Value::String(value.to_string().into())),
        }
    }

    fn record_i128(&mut self, field: &Field, value: i128) {
        match i64::try_from(value) {
            Ok(v) => self.int(field.name(), v),
            Err(_) => self.push(field.name(), Value::String(value.to_string().into())),
        }
    }

    fn record_u128(&mut self, field: &Field, value: u128) {
        match i64::try_from(value) {
            Ok(v) => self.int(field.name(), v),
            Err(_) => self.push(field.name(), Value::String(value.to_string().into())),
        }
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.push(field.name(), Value::F64(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.push(field.name(), Value::Bool(value));
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

/// Formats an event's fields: its `message` becomes the event name, the rest attributes.
pub(crate) struct EventVisitor<'a> {
    pub(crate) message: Option<String>,
    pub(crate) attrs: &'a mut Vec<KeyValue>,
    content: ContentGate,
}

impl<'a> EventVisitor<'a> {
    pub(crate) fn new(attrs: &'a mut Vec<KeyValue>) -> Self {
        EventVisitor {
            message: None,
            attrs,
            content: ContentGate::default(),
        }
    }

    fn admits(&mut self, name: &str) -> bool {
        self.content.admits(name)
    }
}

impl Visit for EventVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        let name = field.name();
        if name == "message" {
            self.message = Some(value.to_owned());
        } else if self.admits(name) {
            self.attrs.push(KeyValue::new(
                Key::from_static_str(name),
                Value::String(value.to_owned().into()),
            ));
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.attrs
            .push(KeyValue::new(Key::from_static_str(field.name()), value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        let value =
            i64::try_from(value).map_or_else(|_| Value::from(value.to_string()), Value::I64);
        self.attrs
            .push(KeyValue::new(Key::from_static_str(field.name()), value));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.attrs
            .push(KeyValue::new(Key::from_static_str(field.name()), value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.attrs
            .push(KeyValue::new(Key::from_static_str(field.name()), value));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let name = field.name();
        if name == "message" {
            self.message = Some(format!("{value:?}"));
        } else if self.admits(name) {
            self.attrs.push(KeyValue::new(
                Key::from_static_str(name),
                Value::String(format!("{value:?}").into()),
            ));
        }
    }
}
