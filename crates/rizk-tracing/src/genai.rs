//! How `tracing` fields map onto rizk's span kinds and attribute keys.
//!
//! rig (and other GenAI-instrumented crates) name their spans after the OpenTelemetry GenAI
//! operations (`invoke_agent`, `execute_tool`, `chat`) and put `gen_ai.*` fields on them. This
//! module decides which rizk kind such a span is, what it is called, and which extra keys the
//! backends need (`openinference.span.kind`, `llm.token_count.*`, `input.value`, ...).

use std::borrow::Cow;

use rizk_core::content::ContentKind;
use rizk_core::semconv::{self, EntityKind};

/// `gen_ai.operation.name` values that make a span an LLM call.
const LLM_OPERATIONS: &[&str] = &[
    "chat",
    "text_completion",
    "generate_content",
    "embeddings",
    "completion",
];

/// Field keys this module reacts to.
pub(crate) mod keys {
    pub(crate) const OPERATION: &str = "gen_ai.operation.name";
    pub(crate) const AGENT_NAME: &str = "gen_ai.agent.name";
    pub(crate) const TOOL_NAME: &str = "gen_ai.tool.name";
    pub(crate) const PROVIDER: &str = "gen_ai.provider.name";
    /// The older GenAI key for the provider (`gen_ai.system`), still emitted by some crates.
    pub(crate) const SYSTEM: &str = "gen_ai.system";
    pub(crate) const REQUEST_MODEL: &str = "gen_ai.request.model";
    pub(crate) const INPUT_TOKENS: &str = "gen_ai.usage.input_tokens";
    pub(crate) const OUTPUT_TOKENS: &str = "gen_ai.usage.output_tokens";
    /// The GenAI 1.37+ spellings of token usage, and the older ones other crates still emit
    /// (`gen_ai.usage.prompt_tokens`, `gen_ai.usage.completion_tokens`, rig's
    /// `gen_ai.usage.reasoning_tokens`): the bridge reads both and writes the new one too.
    pub(crate) const PROMPT_TOKENS_OLD: &str = "gen_ai.usage.prompt_tokens";
    pub(crate) const COMPLETION_TOKENS_OLD: &str = "gen_ai.usage.completion_tokens";
    pub(crate) const CACHE_READ_TOKENS: &str = "gen_ai.usage.cache_read.input_tokens";
    pub(crate) const CACHE_CREATION_TOKENS: &str = "gen_ai.usage.cache_creation.input_tokens";
    pub(crate) const REASONING_TOKENS_OLD: &str = "gen_ai.usage.reasoning_tokens";
    pub(crate) const REASONING_TOKENS: &str = "gen_ai.usage.reasoning.output_tokens";
    pub(crate) const INPUT_MESSAGES: &str = "gen_ai.input.messages";
    pub(crate) const TOOL_OUTCOME: &str = "gen_ai.tool.call.outcome";
    pub(crate) const TOOL_ERROR_TYPE: &str = "gen_ai.tool.error.type";
    pub(crate) const OTEL_NAME: &str = "otel.name";
    pub(crate) const OTEL_STATUS_CODE: &str = "otel.status_code";
    pub(crate) const OTEL_STATUS_DESCRIPTION: &str = "otel.status_description";

    pub(crate) const TOKENS_PROMPT: &str = "llm.token_count.prompt";
    pub(crate) const TOKENS_COMPLETION: &str = "llm.token_count.completion";
    pub(crate) const TOKENS_TOTAL: &str = "llm.token_count.total";
    pub(crate) const TOKENS_CACHE_READ: &str = "llm.token_count.prompt_details.cache_read";
    pub(crate) const TOKENS_REASONING: &str = "llm.token_count.completion_details.reasoning";
    pub(crate) const TOKENS_CACHE_WRITE: &str = "llm.token_count.prompt_details.cache_write";
}

/// `gen_ai.input.messages` as the conventions shape it: tool results (`tool_call_response`
/// parts) travel in messages of role `tool`. rig (0.44) sends them as parts of a `user`
/// message; such a message is split into a `tool` message with the results and, if anything
/// else is left, a `user` message with the rest. Anything that is not a list of messages is
/// returned as it is; `None` when nothing had to change.
pub(crate) fn tool_results_in_tool_messages(json: &str) -> Option<String> {
    use serde_json::Value;
    if !json.contains("tool_call_response") {
        return None;
    }
    let Ok(Value::Array(messages)) = serde_json::from_str::<Value>(json) else {
        return None;
    };
    let is_result =
        |part: &Value| part.get("type").and_then(Value::as_str) == Some("tool_call_response");
    let mut changed = false;
    let mut out = Vec::with_capacity(messages.len());
    for message in messages {
        let role = message.get("role").and_then(Value::as_str);
        let parts = message.get("parts").and_then(Value::as_array);
        match (role, parts) {
            (Some(role), Some(parts)) if role != "tool" && parts.iter().any(is_result) => {
                changed = true;
                let (results, rest): (Vec<Value>, Vec<Value>) =
                    parts.iter().cloned().partition(|p| is_result(p));
                out.push(serde_json::json!({"role": "tool", "parts": results}));
                if !rest.is_empty() {
                    let mut message = message.clone();
                    message["parts"] = Value::Array(rest);
                    out.push(message);
                }
            }
            _ => out.push(message),
        }
    }
    changed.then(|| Value::Array(out).to_string())
}

/// Keys that carry content (prompts, completions, tool arguments and results, instructions):
/// recorded only while the content policy allows (`trace_content`), and then also under the
/// OpenInference keys `input.value` / `output.value`. Keys starting with one of
/// [`CONTENT_KEY_PREFIXES`] are content too.
///
/// ```
/// assert!(rizk_tracing::CONTENT_KEYS.contains(&"gen_ai.input.messages"));
/// ```
pub const CONTENT_KEYS: &[&str] = &[
    "input.value",
    "output.value",
    "gen_ai.prompt",
    "gen_ai.completion",
    "gen_ai.input.messages",
    "gen_ai.output.messages",
    "gen_ai.system_instructions",
    "gen_ai.tool.call.arguments",
    "gen_ai.tool.call.result",
];

/// Prefixes of flattened content keys (`gen_ai.prompt.0.content`,
/// `llm.input_messages.0.message.content`, ...); see [`CONTENT_KEYS`].
///
/// ```
/// assert!(rizk_tracing::CONTENT_KEY_PREFIXES.iter().any(|p| "gen_ai.prompt.0.content".starts_with(p)));
/// ```
pub const CONTENT_KEY_PREFIXES: &[&str] = &[
    "gen_ai.prompt.",
    "gen_ai.completion.",
    "llm.input_messages.",
    "llm.output_messages.",
];

/// Whether `key` holds content that the content policy governs.
#[cfg(test)]
pub(crate) fn is_content(key: &str) -> bool {
    content_kind(key).is_some()
}

/// The kind of content `key` holds, for the content policy; `None` for metadata.
pub(crate) fn content_kind(key: &str) -> Option<ContentKind> {
    // Cheap first test: every content key starts with `g`, `i`, `o` or `l`.
    match key.as_bytes().first() {
        Some(b'g' | b'i' | b'o' | b'l') => {}
        _ => return None,
    }
    let kind = match key {
        // rig's `gen_ai.prompt` is the run's prompt: what the user asked the agent.
        "gen_ai.prompt" => ContentKind::UserInput,
        "gen_ai.system_instructions" => ContentKind::SystemPrompt,
        "gen_ai.tool.call.arguments" => ContentKind::FunctionInput,
        "gen_ai.tool.call.result" => ContentKind::FunctionOutput,
        // A whole conversation: system prompt and user messages included.
        "input.value" | "gen_ai.input.messages" => ContentKind::Conversation,
        "output.value" | "gen_ai.completion" | "gen_ai.output.messages" => ContentKind::LlmOutput,
        _ if key.starts_with("gen_ai.prompt.") || key.starts_with("llm.input_messages.") => {
            ContentKind::LlmInput
        }
        _ if key.starts_with("gen_ai.completion.") || key.starts_with("llm.output_messages.") => {
            ContentKind::LlmOutput
        }
        _ => return None,
    };
    Some(kind)
}

/// What the bridge does with a field of a bridged span or event, by its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldClass {
    /// A structural key the bridge maps or that describes the infrastructure (model, provider,
    /// token counts, `db.system`, ...): always recorded.
    Structural,
    /// Content under a key the export-side transform recognises by itself (`gen_ai.prompt`,
    /// `input.value`, ...), or the status description.
    Known(ContentKind),
    /// Anything else (a `#[tracing::instrument]` argument, a custom field): content of kind
    /// [`ContentKind::TracingField`], marked for the export side.
    Other,
}

/// Keys outside `gen_ai.*` and `llm.*` that describe the program or the infrastructure rather
/// than what people sent: OpenTelemetry's semantic-convention keys for them.
const STRUCTURAL_KEYS: &[&str] = &[
    "error.type",
    "exception.type",
    "framework.name",
    "openinference.span.kind",
    "input.mime_type",
    "output.mime_type",
    "server.address",
    "server.port",
    "url.scheme",
    "http.request.method",
    "http.response.status_code",
    "http.route",
    "db.system",
    "db.system.name",
    "db.operation.name",
    "db.collection.name",
    "rpc.system",
    "rpc.service",
    "rpc.method",
    "messaging.system",
    "messaging.operation.name",
];

/// Prefixes of structural keys: the bridge's steering fields, rizk's own keys, source
/// locations and network details.
const STRUCTURAL_PREFIXES: &[&str] = &["otel.", "rizk.", "code.", "network."];

/// How the content policy sees the field `key` (see [`FieldClass`]).
pub(crate) fn field_class(key: &str) -> FieldClass {
    if let Some(kind) = content_kind(key) {
        return FieldClass::Known(kind);
    }
    if key == keys::OTEL_STATUS_DESCRIPTION {
        return FieldClass::Known(ContentKind::ErrorMessage);
    }
    // What is left of the GenAI and OpenInference keys is metadata: model, provider, token
    // counts, response id, finish reasons, parameters.
    if key.starts_with("gen_ai.")
        || key.starts_with("llm.")
        || STRUCTURAL_PREFIXES.iter().any(|p| key.starts_with(p))
        || STRUCTURAL_KEYS.contains(&key)
    {
        return FieldClass::Structural;
    }
    FieldClass::Other
}

/// Where a content field also goes, for OpenInference backends.
pub(crate) fn openinference_alias(key: &str) -> Option<&'static str> {
    match key {
        "gen_ai.prompt" | "gen_ai.input.messages" | "gen_ai.tool.call.arguments" => {
            Some(semconv::INPUT_VALUE)
        }
        "gen_ai.completion" | "gen_ai.output.messages" | "gen_ai.tool.call.result" => {
            Some(semconv::OUTPUT_VALUE)
        }
        _ => None,
    }
}

/// The MIME type key that goes with an `input.value` / `output.value` alias.
pub(crate) fn mime_key(alias: &str) -> &'static str {
    if alias == semconv::INPUT_VALUE {
        semconv::INPUT_MIME_TYPE
    } else {
        semconv::OUTPUT_MIME_TYPE
    }
}

/// `application/json` for text that looks like a JSON object or array, else `text/plain`.
pub(crate) fn mime_of(text: &str) -> &'static str {
    match text.trim_start().as_bytes().first() {
        Some(b'{' | b'[') => "application/json",
        _ => "text/plain",
    }
}

/// The rizk kind of a span with GenAI operation `operation` (from its `gen_ai.operation.name`
/// field), its `tracing` name and its target.
pub(crate) fn classify(operation: Option<&str>, name: &str, target: &str) -> Option<EntityKind> {
    match operation {
        Some("invoke_agent" | "create_agent") => Some(EntityKind::Agent),
        Some("execute_tool") => Some(EntityKind::Tool),
        Some(op) if LLM_OPERATIONS.contains(&op) => Some(EntityKind::Llm),
        Some(_) => None,
        None => {
            // Spans that name the operation but do not declare the field.
            if target.starts_with("rig::completions") {
                Some(EntityKind::Llm)
            } else {
                match name {
                    "invoke_agent" => Some(EntityKind::Agent),
                    "execute_tool" => Some(EntityKind::Tool),
                    _ => None,
                }
            }
        }
    }
}

/// The framework that produced a span, from its target: `rig::completions` and
/// `rig_agent::agent` are `rig`; otherwise the target's first path segment.
pub(crate) fn framework_of(target: &str) -> &str {
    let first = target.split("::").next().unwrap_or(target);
    if first == "rig" || first.starts_with("rig_") {
        "rig"
    } else {
        first
    }
}

/// The span name rizk gives a GenAI span: `agent.<name>`, `tool.<name>`,
/// `<provider>.<operation>` (`openai.chat`, as `openai.chat.completions` from rizk-openai), or
/// `None` to keep the `tracing` name until the deciding field is known.
pub(crate) fn span_name(
    kind: EntityKind,
    entity: Option<&str>,
    provider: Option<&str>,
    operation: Option<&str>,
) -> Option<Cow<'static, str>> {
    match kind {
        EntityKind::Agent | EntityKind::Tool => {
            entity.map(|name| Cow::Owned(format!("{}.{name}", kind.as_str())))
        }
        EntityKind::Llm => provider
            .map(|provider| Cow::Owned(format!("{provider}.{}", operation.unwrap_or("chat")))),
        EntityKind::Workflow | EntityKind::Task => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_rig_and_genai_spans() {
        assert_eq!(
            classify(Some("invoke_agent"), "invoke_agent", "rig_agent::agent"),
            Some(EntityKind::Agent)
        );
        assert_eq!(
            classify(Some("execute_tool"), "execute_tool", "x"),
            Some(EntityKind::Tool)
        );
        assert_eq!(
            classify(Some("chat"), "chat", "rig::completions"),
            Some(EntityKind::Llm)
        );
        assert_eq!(
            classify(Some("embeddings"), "embeddings", "rig::modalities"),
            Some(EntityKind::Llm)
        );
        assert_eq!(
            classify(None, "chat", "rig::completions"),
            Some(EntityKind::Llm)
        );
        assert_eq!(classify(None, "load_user", "my_app::db"), None);
        assert_eq!(classify(Some("rerank_later"), "x", "y"), None);
    }

    #[test]
    fn content_keys_are_recognised_and_others_are_not() {
        for key in [
            "gen_ai.prompt",
            "gen_ai.output.messages",
            "gen_ai.prompt.0.content",
            "llm.input_messages.1.message.content",
            "input.value",
        ] {
            assert!(is_content(key), "{key}");
        }
        for key in [
            "gen_ai.request.model",
            "gen_ai.usage.input_tokens",
            "user.id",
            "llm.model",
            "input.mime_type",
        ] {
            assert!(!is_content(key), "{key}");
        }
    }

    #[test]
    fn fields_are_content_unless_structural() {
        for key in [
            "gen_ai.request.model",
            "gen_ai.usage.input_tokens",
            "gen_ai.response.id",
            "llm.model",
            "otel.name",
            "db.system",
            "code.lineno",
            "server.address",
        ] {
            assert_eq!(field_class(key), FieldClass::Structural, "{key}");
        }
        for key in [
            "user_id",
            "query",
            "user.id",
            "url.full",
            "db.query.text",
            "message",
        ] {
            assert_eq!(field_class(key), FieldClass::Other, "{key}");
        }
        assert_eq!(
            field_class("gen_ai.input.messages"),
            FieldClass::Known(ContentKind::Conversation)
        );
        assert_eq!(
            field_class("otel.status_description"),
            FieldClass::Known(ContentKind::ErrorMessage)
        );
    }

    #[test]
    fn tool_results_move_to_tool_messages() {
        let rig = r#"[{"role":"user","parts":[{"type":"text","content":"hi"}]},{"role":"assistant","parts":[{"type":"tool_call","id":"c1","name":"f","arguments":{}}]},{"role":"user","parts":[{"type":"tool_call_response","id":"c1","response":"sunny"},{"type":"text","content":"and?"}]}]"#;
        let fixed: serde_json::Value =
            serde_json::from_str(&tool_results_in_tool_messages(rig).unwrap()).unwrap();
        assert_eq!(fixed[0]["role"], "user");
        assert_eq!(fixed[2]["role"], "tool");
        assert_eq!(fixed[2]["parts"][0]["type"], "tool_call_response");
        assert_eq!(fixed[3]["role"], "user");
        assert_eq!(fixed[3]["parts"][0]["content"], "and?");
        assert_eq!(
            tool_results_in_tool_messages(r#"[{"role":"user","parts":[]}]"#),
            None
        );
        let already = r#"[{"role":"tool","parts":[{"type":"tool_call_response","response":1}]}]"#;
        assert_eq!(tool_results_in_tool_messages(already), None);
    }

    #[test]
    fn names_and_frameworks() {
        assert_eq!(
            span_name(EntityKind::Tool, Some("add"), None, None).as_deref(),
            Some("tool.add")
        );
        assert_eq!(
            span_name(EntityKind::Llm, None, Some("openai"), Some("chat")).as_deref(),
            Some("openai.chat")
        );
        assert_eq!(span_name(EntityKind::Llm, None, None, Some("chat")), None);
        assert_eq!(framework_of("rig::completions"), "rig");
        assert_eq!(framework_of("rig_agent::agent::telemetry"), "rig");
        assert_eq!(framework_of("genai::chat"), "genai");
        assert_eq!(mime_of(" [{\"role\":\"user\"}]"), "application/json");
        assert_eq!(mime_of("hello"), "text/plain");
    }
}
