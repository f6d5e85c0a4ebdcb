//! Messages in the GenAI conventions' parts format (semantic conventions 1.41), for LLM spans
//! written by hand: the JSON of `gen_ai.input.messages`, `gen_ai.output.messages` and
//! `gen_ai.system_instructions`.
//!
//! These keys are content: the export side applies the content policy to them (omitted,
//! hashed or redacted) like `input.value`.
//!
//! ```
//! use rizk_core::genai::{Message, Part};
//!
//! let input = Message::new("user", [Part::text("How can I reset my password?")]);
//! let output = Message::new("assistant", [Part::text("Open Settings > Security.")]).finished("stop");
//! assert_eq!(
//!     rizk_core::genai::messages_json(&[input]),
//!     r#"[{"role":"user","parts":[{"type":"text","content":"How can I reset my password?"}]}]"#
//! );
//! assert!(rizk_core::genai::messages_json(&[output]).contains(r#""finish_reason":"stop""#));
//! ```

use serde::Serialize;
use serde_json::Value;

/// One part of a message.
///
/// ```
/// use rizk_core::genai::Part;
///
/// let call = Part::ToolCall { id: Some("call_1".into()), name: "get_weather".into(),
///     arguments: serde_json::json!({"city": "Paris"}) };
/// assert_eq!(serde_json::to_value(&call).unwrap()["type"], "tool_call");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Part {
    /// Text.
    Text {
        /// The text.
        content: String,
    },
    /// A tool call the model asked for.
    ToolCall {
        /// The call's id.
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        /// The tool's name.
        name: String,
        /// The call's arguments.
        arguments: Value,
    },
    /// A tool's result, sent back to the model (in a message of role `tool`).
    ToolCallResponse {
        /// The id of the call it answers.
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        /// The result.
        response: Value,
    },
    /// Data referred to by URI (an image URL, say).
    Uri {
        /// `image`, `video`, `audio` or another modality.
        modality: String,
        /// The URI.
        uri: String,
        /// The IANA MIME type, if known.
        #[serde(skip_serializing_if = "Option::is_none")]
        mime_type: Option<String>,
    },
    /// Data inline, base64-encoded.
    Blob {
        /// `image`, `video`, `audio` or another modality.
        modality: String,
        /// The IANA MIME type, if known.
        #[serde(skip_serializing_if = "Option::is_none")]
        mime_type: Option<String>,
        /// The data, base64.
        content: String,
    },
}

impl Part {
    /// A text part.
    ///
    /// ```
    /// assert_eq!(rizk_core::genai::Part::text("hi"), rizk_core::genai::Part::Text { content: "hi".into() });
    /// ```
    pub fn text(content: impl Into<String>) -> Part {
        Part::Text {
            content: content.into(),
        }
    }
}

/// A message: a role and its parts, with the finish reason on a model's output.
///
/// ```
/// use rizk_core::genai::{Message, Part};
///
/// let answer = Message::new("assistant", [Part::text("42")]).finished("stop");
/// assert_eq!(answer.finish_reason.as_deref(), Some("stop"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Message {
    /// `system`, `user`, `assistant`, `tool`.
    pub role: String,
    /// What the message holds.
    pub parts: Vec<Part>,
    /// Why the model stopped (`stop`, `length`, `content_filter`, `tool_call`, `error`): for
    /// output messages, where the conventions require it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finish_reason: Option<String>,
}

impl Message {
    /// A message of `role` made of `parts`.
    ///
    /// ```
    /// let m = rizk_core::genai::Message::new("user", [rizk_core::genai::Part::text("hello")]);
    /// assert_eq!(m.role, "user");
    /// ```
    pub fn new(role: impl Into<String>, parts: impl IntoIterator<Item = Part>) -> Message {
        Message {
            role: role.into(),
            parts: parts.into_iter().collect(),
            finish_reason: None,
        }
    }

    /// The same message with its finish reason: an output message.
    ///
    /// ```
    /// let m = rizk_core::genai::Message::new("assistant", []).finished("length");
    /// assert_eq!(m.finish_reason.as_deref(), Some("length"));
    /// ```
    pub fn finished(mut self, reason: impl Into<String>) -> Message {
        self.finish_reason = Some(reason.into());
        self
    }
}

/// The JSON of `gen_ai.input.messages` or `gen_ai.output.messages`.
///
/// ```
/// use rizk_core::genai::{Message, Part, messages_json};
///
/// let json = messages_json(&[Message::new("user", [Part::text("hi")])]);
/// assert!(json.starts_with(r#"[{"role":"user""#));
/// ```
pub fn messages_json(messages: &[Message]) -> String {
    serde_json::to_string(messages).unwrap_or_default()
}

/// The JSON of `gen_ai.system_instructions`: a list of parts.
///
/// ```
/// use rizk_core::genai::{Part, system_instructions_json};
///
/// assert_eq!(
///     system_instructions_json(&[Part::text("Answer briefly.")]),
///     r#"[{"type":"text","content":"Answer briefly."}]"#
/// );
/// ```
pub fn system_instructions_json(parts: &[Part]) -> String {
    serde_json::to_string(parts).unwrap_or_default()
}

/// The prompt template behind an LLM call: its text, the variables filled in and its version
/// (OpenInference `llm.prompt_template.template`, `.variables`, `.version`). The template and
/// the variables are content: the content policy applies to them like to `input.value`.
///
/// ```
/// use rizk_core::genai::PromptTemplate;
///
/// let template = PromptTemplate::new("Answer {question} from {context}.")
///     .variable("question", "How do I reset my password?")
///     .variable("context", "KB-1042")
///     .version("v3");
/// let keys: Vec<String> = template.attributes().iter().map(|kv| kv.key.to_string()).collect();
/// assert_eq!(keys, ["llm.prompt_template.template", "llm.prompt_template.variables", "llm.prompt_template.version"]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PromptTemplate {
    template: String,
    variables: serde_json::Map<String, Value>,
    version: Option<String>,
}

impl PromptTemplate {
    /// A template, such as `"Answer {question} from {context}."`.
    ///
    /// ```
    /// let template = rizk_core::genai::PromptTemplate::new("Summarise {text}");
    /// assert_eq!(template.attributes().len(), 1);
    /// ```
    pub fn new(template: impl Into<String>) -> Self {
        PromptTemplate {
            template: template.into(),
            variables: serde_json::Map::new(),
            version: None,
        }
    }

    /// A variable filled in (any JSON value).
    ///
    /// ```
    /// let template = rizk_core::genai::PromptTemplate::new("Hi {name}").variable("name", "Ada");
    /// assert!(template.attributes()[1].value.to_string().contains("Ada"));
    /// ```
    pub fn variable(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.variables.insert(name.into(), value.into());
        self
    }

    /// The template's version (from your prompt registry).
    ///
    /// ```
    /// let template = rizk_core::genai::PromptTemplate::new("Hi").version("2024-06-01");
    /// assert_eq!(template.attributes()[1].value.to_string(), "2024-06-01");
    /// ```
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = Some(version.into());
        self
    }

    /// The template as span attributes (variables only when there are some).
    ///
    /// ```
    /// let template = rizk_core::genai::PromptTemplate::new("Hi {name}").variable("name", "Ada");
    /// assert_eq!(template.attributes()[1].value.to_string(), r#"{"name":"Ada"}"#);
    /// ```
    pub fn attributes(&self) -> Vec<opentelemetry::KeyValue> {
        use crate::semconv;
        use opentelemetry::KeyValue;
        let mut out = vec![KeyValue::new(
            semconv::LLM_PROMPT_TEMPLATE,
            self.template.clone(),
        )];
        if !self.variables.is_empty() {
            out.push(KeyValue::new(
                semconv::LLM_PROMPT_TEMPLATE_VARIABLES,
                Value::Object(self.variables.clone()).to_string(),
            ));
        }
        if let Some(version) = &self.version {
            out.push(KeyValue::new(
                semconv::LLM_PROMPT_TEMPLATE_VERSION,
                version.clone(),
            ));
        }
        out
    }
}
