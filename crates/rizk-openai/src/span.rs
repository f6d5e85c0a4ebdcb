//! The LLM span of one API call: started before the request, filled from the request, the
//! response or the error, ended when the call (or the stream) ends or is dropped.

use std::borrow::Cow;
use std::time::Instant;

use async_openai::error::OpenAIError;
use async_openai::types::chat::{
    ChatCompletionMessageToolCalls, ChatCompletionTools, CompletionUsage,
    CreateChatCompletionRequest, CreateChatCompletionResponse, FinishReason,
};
use async_openai::types::embeddings::{
    CreateEmbeddingRequest, CreateEmbeddingResponse, EmbeddingInput,
};
use opentelemetry::trace::{SpanBuilder, SpanKind, Status, TraceContextExt as _, Tracer as _};
use opentelemetry::{Array, Context, InstrumentationScope, Key, KeyValue, StringValue, Value};
use rizk_core::content::ContentKind;
use rizk_core::meter::{LlmCall, Usage};
use rizk_core::semconv::{self as core_keys, EntityKind};

use crate::messages;
use crate::semconv as keys;

const SCOPE: &str = "rizk-openai";

/// The LLM span of one call. Ends on [`LlmSpan::end`], or on drop marked `rizk.cancelled`.
pub(crate) struct LlmSpan {
    cx: Context,
    recording: bool,
    /// Prompts may be captured (recorded, or redacted or hashed on the export side).
    inputs: bool,
    /// The whole conversation (`input.value`) may be captured: it holds system prompts and
    /// user messages too.
    conversation: bool,
    /// Completions may be captured.
    outputs: bool,
    started: Instant,
    ended: bool,
    /// What the metrics record at the end; `None` while metrics are off. Filled whether or
    /// not the span is sampled: metrics count every call.
    call: Option<Box<LlmCall>>,
}

impl std::fmt::Debug for LlmSpan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmSpan")
            .field("span", self.cx.span().span_context())
            .field("recording", &self.recording)
            .finish()
    }
}

/// The operation a span describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operation {
    Chat,
    Embeddings,
}

impl Operation {
    fn gen_ai(self) -> &'static str {
        match self {
            Operation::Chat => "chat",
            Operation::Embeddings => "embeddings",
        }
    }

    fn openinference(self) -> &'static str {
        match self {
            Operation::Chat => EntityKind::Llm.openinference_kind(),
            Operation::Embeddings => "EMBEDDING",
        }
    }
}

/// The attributes an LLM span starts with.
fn start_attributes(meta: &ClientMeta, operation: Operation, model: &str) -> Vec<KeyValue> {
    let provider = meta.provider.clone();
    let mut attrs = vec![
        kv(core_keys::SPAN_KIND, EntityKind::Llm.as_str()),
        kv(
            core_keys::OPENINFERENCE_SPAN_KIND,
            operation.openinference(),
        ),
        kv(core_keys::GEN_AI_OPERATION_NAME, operation.gen_ai()),
        kv(core_keys::LLM_PROVIDER, provider.clone()),
        kv(core_keys::GEN_AI_PROVIDER_NAME, provider),
        kv(core_keys::LLM_MODEL, model.to_owned()),
        kv(core_keys::LLM_MODEL_NAME, model.to_owned()),
        kv(core_keys::GEN_AI_REQUEST_MODEL, model.to_owned()),
        kv(core_keys::FRAMEWORK_NAME, "async-openai"),
    ];
    if let Some(host) = &meta.server_address {
        attrs.push(kv(keys::SERVER_ADDRESS, host.clone()));
    }
    if let Some(port) = meta.server_port {
        attrs.push(kv(keys::SERVER_PORT, i64::from(port)));
    }
    attrs
}

fn kv(key: &'static str, value: impl Into<Value>) -> KeyValue {
    KeyValue::new(Key::from_static_str(key), value)
}

/// An `f32` parameter as the `f64` a person wrote (`0.3`, not `0.30000001192092896`).
fn param(value: f32) -> f64 {
    value.to_string().parse().unwrap_or(f64::from(value))
}

fn string_array(values: Vec<String>) -> Value {
    Value::Array(Array::String(
        values.into_iter().map(StringValue::from).collect(),
    ))
}

impl LlmSpan {
    /// Starts the span of `operation` on `model` as a child of the current context.
    pub(crate) fn start(meta: &ClientMeta, operation: Operation, model: &str) -> LlmSpan {
        let started = Instant::now();
        let name = match operation {
            Operation::Chat => meta.chat_span_name.clone(),
            Operation::Embeddings => meta.embeddings_span_name.clone(),
        };
        let tracer = opentelemetry::global::tracer_with_scope(
            InstrumentationScope::builder(SCOPE)
                .with_version(env!("CARGO_PKG_VERSION"))
                .with_schema_url(core_keys::SCHEMA_URL)
                .build(),
        );
        let parent = Context::current();
        // What samplers decide on is there at start: operation, provider, model, server.
        let span = tracer.build_with_context(
            SpanBuilder::from_name(name)
                .with_kind(SpanKind::Client)
                .with_attributes(start_attributes(meta, operation, model)),
            &parent,
        );
        let recording = opentelemetry::trace::Span::is_recording(&span);
        let cx = parent.with_span(span);
        let policy = recording.then(rizk_core::content_policy).flatten();
        let captures = |kind| policy.is_some_and(|p| p.treatment(kind).captures());
        let inputs = captures(ContentKind::LlmInput);
        let conversation = captures(ContentKind::Conversation);
        let outputs = captures(ContentKind::LlmOutput);
        let call = rizk_core::meter::enabled().then(|| {
            let mut call = LlmCall::new(operation.gen_ai(), meta.provider.clone(), model);
            call.server_address.clone_from(&meta.server_address);
            call.server_port = meta.server_port;
            Box::new(call)
        });
        LlmSpan {
            cx,
            recording,
            inputs,
            conversation,
            outputs,
            started,
            ended: false,
            call,
        }
    }

    /// The context with this span current, for the request future.
    pub(crate) fn context(&self) -> &Context {
        &self.cx
    }

    pub(crate) fn is_recording(&self) -> bool {
        self.recording
    }

    /// Whether completions may be recorded on this span.
    pub(crate) fn wants_outputs(&self) -> bool {
        self.outputs
    }

    pub(crate) fn started(&self) -> Instant {
        self.started
    }

    pub(crate) fn set_attributes(&self, attrs: Vec<KeyValue>) {
        if self.recording && !attrs.is_empty() {
            self.cx.span().set_attributes(attrs);
        }
    }

    pub(crate) fn add_event(&self, name: &'static str, attrs: Vec<KeyValue>) {
        if self.recording {
            self.cx.span().add_event(name, attrs);
        }
    }

    /// Records the parameters (and, when allowed, the messages) of a chat request.
    #[allow(deprecated)] // `max_tokens` is deprecated by the API but still sent by many.
    pub(crate) fn record_chat_request(&self, request: &CreateChatCompletionRequest, stream: bool) {
        if !self.recording {
            return;
        }
        let mut attrs = Vec::with_capacity(8);
        if let Some(t) = request.temperature {
            attrs.push(kv(keys::REQUEST_TEMPERATURE, param(t)));
            attrs.push(kv(keys::LLM_TEMPERATURE, param(t)));
        }
        if let Some(max) = request.max_completion_tokens.or(request.max_tokens) {
            attrs.push(kv(keys::REQUEST_MAX_TOKENS, i64::from(max)));
        }
        if let Some(p) = request.top_p {
            attrs.push(kv(keys::REQUEST_TOP_P, param(p)));
        }
        if let Some(p) = request.frequency_penalty {
            attrs.push(kv(keys::REQUEST_FREQUENCY_PENALTY, param(p)));
        }
        if let Some(p) = request.presence_penalty {
            attrs.push(kv(keys::REQUEST_PRESENCE_PENALTY, param(p)));
        }
        if let Some(n) = request.n.filter(|n| *n > 1) {
            attrs.push(kv(keys::REQUEST_CHOICE_COUNT, i64::from(n)));
        }
        attrs.push(kv(keys::REQUEST_STREAM, stream));
        if let Some(seed) = request.seed {
            attrs.push(kv(keys::REQUEST_SEED, seed));
        }
        if let Some(stop) = request
            .stop
            .as_ref()
            .and_then(|s| serde_json::to_value(s).ok())
        {
            let stops = match stop {
                serde_json::Value::String(s) => vec![s],
                serde_json::Value::Array(items) => items
                    .into_iter()
                    .filter_map(|i| i.as_str().map(str::to_owned))
                    .collect(),
                _ => Vec::new(),
            };
            if !stops.is_empty() {
                attrs.push(kv(keys::REQUEST_STOP_SEQUENCES, string_array(stops)));
            }
        }
        if let Some(format) = request
            .response_format
            .as_ref()
            .and_then(|f| serde_json::to_value(f).ok())
        {
            let output_type = match format.get("type").and_then(|t| t.as_str()) {
                Some("json_object" | "json_schema") => "json",
                _ => "text",
            };
            attrs.push(kv(keys::OUTPUT_TYPE, output_type));
        }
        if let Some(tools) = request.tools.as_deref().filter(|t| !t.is_empty()) {
            push_tools(tools, &mut attrs);
        }
        if self.inputs
            && let Ok(messages) = serde_json::to_value(&request.messages)
        {
            push_input_messages(&messages, self.conversation, &mut attrs);
        }
        self.cx.span().set_attributes(attrs);
    }

    /// Records what a chat completion returned.
    pub(crate) fn record_chat_response(&mut self, response: &CreateChatCompletionResponse) {
        if let Some(call) = &mut self.call {
            call.response_model = Some(response.model.clone());
            call.usage = response.usage.as_ref().map(usage_of);
        }
        if !self.recording {
            return;
        }
        let mut attrs = vec![
            kv(keys::RESPONSE_ID, response.id.clone()),
            kv(keys::RESPONSE_MODEL, response.model.clone()),
            kv(keys::LLM_RESPONSE_MODEL_NAME, response.model.clone()),
        ];
        let reasons = response
            .choices
            .iter()
            .filter_map(|c| c.finish_reason.map(finish_reason))
            .map(str::to_owned)
            .collect::<Vec<_>>();
        if !reasons.is_empty() {
            attrs.push(kv(keys::RESPONSE_FINISH_REASONS, string_array(reasons)));
        }
        if let Some(usage) = &response.usage {
            push_usage(usage, &mut attrs);
        }
        let mut tool_names = Vec::new();
        for choice in &response.choices {
            for call in choice.message.tool_calls.iter().flatten() {
                tool_names.push(match call {
                    ChatCompletionMessageToolCalls::Function(f) => f.function.name.clone(),
                    ChatCompletionMessageToolCalls::Custom(c) => c.custom_tool.name.clone(),
                });
            }
        }
        if !tool_names.is_empty() {
            attrs.push(kv(keys::TOOL_CALL_COUNT, tool_names.len() as i64));
            attrs.push(kv(keys::TOOL_CALL_NAMES, string_array(tool_names)));
        }
        if self.outputs {
            let outputs = response
                .choices
                .iter()
                .map(|c| {
                    (
                        serde_json::to_value(&c.message).unwrap_or_default(),
                        c.finish_reason.map(finish_reason),
                    )
                })
                .collect::<Vec<_>>();
            push_output_messages(&outputs, &mut attrs);
        }
        self.cx.span().set_attributes(attrs);
    }

    /// Records the parameters (and, when allowed, the input) of an embeddings request.
    pub(crate) fn record_embeddings_request(&self, request: &CreateEmbeddingRequest) {
        if !self.recording {
            return;
        }
        let mut attrs = Vec::new();
        if let Some(d) = request.dimensions {
            attrs.push(kv(keys::EMBEDDING_DIMENSIONS, i64::from(d)));
        }
        if self.inputs {
            let text = match &request.input {
                EmbeddingInput::String(s) => Some((s.clone(), "text/plain")),
                other => serde_json::to_string(other)
                    .ok()
                    .map(|json| (json, "application/json")),
            };
            if let Some((text, mime)) = text {
                attrs.push(kv(core_keys::INPUT_VALUE, text));
                attrs.push(kv(core_keys::INPUT_MIME_TYPE, mime));
            }
        }
        self.set_attributes(attrs);
    }

    /// Records what an embeddings call returned.
    pub(crate) fn record_embeddings_response(&mut self, response: &CreateEmbeddingResponse) {
        if let Some(call) = &mut self.call {
            call.response_model = Some(response.model.clone());
            call.usage = Some(Usage {
                input: u64::from(response.usage.prompt_tokens),
                ..Usage::default()
            });
        }
        if !self.recording {
            return;
        }
        let mut attrs = vec![
            kv(keys::RESPONSE_MODEL, response.model.clone()),
            kv(keys::LLM_RESPONSE_MODEL_NAME, response.model.clone()),
            kv(keys::EMBEDDING_COUNT, response.data.len() as i64),
            kv(keys::TOKENS_PROMPT, i64::from(response.usage.prompt_tokens)),
            kv(keys::TOKENS_TOTAL, i64::from(response.usage.total_tokens)),
            kv(
                keys::USAGE_INPUT_TOKENS,
                i64::from(response.usage.prompt_tokens),
            ),
        ];
        if let Some(first) = response.data.first() {
            attrs.push(kv(keys::EMBEDDING_DIMENSIONS, first.embedding.len() as i64));
        }
        self.set_attributes(attrs);
    }

    /// Marks the span as failed: status ERROR, an `exception` event, `error.type` and the HTTP
    /// status when there is one.
    pub(crate) fn record_error(&mut self, error: &OpenAIError) {
        if !self.recording && self.call.is_none() {
            return;
        }
        let described = describe_error(error);
        if let Some(call) = &mut self.call {
            call.error_type = Some(described.error_type.clone());
        }
        if !self.recording {
            return;
        }
        let mut attrs = vec![kv(keys::ERROR_TYPE, described.error_type.clone())];
        if let Some(status) = described.http_status {
            attrs.push(kv(keys::HTTP_STATUS_CODE, i64::from(status)));
        }
        if let Some(code) = described.code {
            attrs.push(kv(keys::ERROR_CODE, code));
        }
        let span = self.cx.span();
        span.set_attributes(attrs);
        span.add_event(
            "exception",
            vec![
                kv(core_keys::EXCEPTION_TYPE, described.error_type),
                kv(core_keys::EXCEPTION_MESSAGE, described.message.clone()),
            ],
        );
        span.set_status(Status::error(described.message));
    }

    /// Whether the call's metrics are being collected.
    pub(crate) fn has_metrics(&self) -> bool {
        self.call.is_some()
    }

    /// What a stream told at its end, for the metrics: the model that answered, the usage of
    /// the final chunk, when the first chunk came.
    pub(crate) fn note_stream(
        &mut self,
        model: Option<&str>,
        usage: Option<&CompletionUsage>,
        first_chunk_at: Option<Instant>,
    ) {
        let started = self.started;
        if let Some(call) = &mut self.call {
            call.response_model = model.map(str::to_owned);
            call.usage = usage.map(usage_of);
            call.time_to_first_chunk = first_chunk_at.map(|at| at.duration_since(started));
        }
    }

    /// Records the call's metrics (once).
    fn record_metrics(&mut self, cancelled: bool) {
        if let Some(mut call) = self.call.take() {
            if cancelled && call.error_type.is_none() {
                call.error_type = Some("cancelled".to_owned());
            }
            call.record(self.started.elapsed());
        }
    }

    /// Ends the span now.
    pub(crate) fn end(mut self) {
        self.ended = true;
        self.cx.span().end();
        self.record_metrics(false);
    }
}

/// Token counts for the metrics and the cost.
fn usage_of(usage: &CompletionUsage) -> Usage {
    Usage {
        input: u64::from(usage.prompt_tokens),
        output: u64::from(usage.completion_tokens),
        cache_read: usage
            .prompt_tokens_details
            .as_ref()
            .and_then(|d| d.cached_tokens)
            .map_or(0, u64::from),
        cache_write: 0,
        reasoning: usage
            .completion_tokens_details
            .as_ref()
            .and_then(|d| d.reasoning_tokens)
            .map_or(0, u64::from),
    }
}

impl Drop for LlmSpan {
    fn drop(&mut self) {
        self.record_metrics(true);
        if !self.ended {
            if self.recording {
                self.cx.span().set_attribute(kv(core_keys::CANCELLED, true));
            }
            self.cx.span().end();
        }
    }
}

/// The API's spelling of a finish reason.
pub(crate) fn finish_reason(reason: FinishReason) -> &'static str {
    match reason {
        FinishReason::Stop => "stop",
        FinishReason::Length => "length",
        FinishReason::ToolCalls => "tool_calls",
        FinishReason::ContentFilter => "content_filter",
        FinishReason::FunctionCall => "function_call",
    }
}

/// Token usage under the OpenInference and the GenAI keys.
pub(crate) fn push_usage(usage: &CompletionUsage, attrs: &mut Vec<KeyValue>) {
    let prompt = i64::from(usage.prompt_tokens);
    let completion = i64::from(usage.completion_tokens);
    attrs.push(kv(keys::TOKENS_PROMPT, prompt));
    attrs.push(kv(keys::TOKENS_COMPLETION, completion));
    attrs.push(kv(keys::TOKENS_TOTAL, i64::from(usage.total_tokens)));
    attrs.push(kv(keys::USAGE_INPUT_TOKENS, prompt));
    attrs.push(kv(keys::USAGE_OUTPUT_TOKENS, completion));
    let prompt_details = usage.prompt_tokens_details.as_ref();
    if let Some(cached) = prompt_details.and_then(|d| d.cached_tokens) {
        attrs.push(kv(keys::TOKENS_CACHE_READ, i64::from(cached)));
        attrs.push(kv(keys::USAGE_CACHE_READ_INPUT_TOKENS, i64::from(cached)));
    }
    if let Some(written) = prompt_details.and_then(|d| d.cache_write_tokens) {
        attrs.push(kv(keys::USAGE_CACHE_CREATION_INPUT_TOKENS, written));
    }
    if let Some(reasoning) = usage
        .completion_tokens_details
        .as_ref()
        .and_then(|d| d.reasoning_tokens)
    {
        attrs.push(kv(keys::TOKENS_REASONING, i64::from(reasoning)));
        attrs.push(kv(
            keys::USAGE_REASONING_OUTPUT_TOKENS,
            i64::from(reasoning),
        ));
    }
}

/// The tools a request offers: their names (`llm.request.tools`), their definitions
/// (`gen_ai.tool.definitions`) and OpenInference's `llm.tools.<i>.tool.json_schema`.
fn push_tools(tools: &[ChatCompletionTools], attrs: &mut Vec<KeyValue>) {
    let tools: Vec<serde_json::Value> = tools
        .iter()
        .filter_map(|t| serde_json::to_value(t).ok())
        .collect();
    let names = tools
        .iter()
        .filter_map(|value| {
            let name = value
                .pointer("/function/name")
                .or_else(|| value.pointer("/custom/name"))?;
            name.as_str().map(str::to_owned)
        })
        .collect();
    attrs.push(kv(keys::REQUEST_TOOLS, string_array(names)));
    attrs.push(kv(
        keys::TOOL_DEFINITIONS,
        messages::tool_definitions(&tools).to_string(),
    ));
    for (i, tool) in tools.iter().enumerate() {
        attrs.push(KeyValue::new(
            format!("{}.{i}.tool.json_schema", keys::LLM_TOOLS_PREFIX),
            tool.to_string(),
        ));
    }
}

/// The text of a message's `content`: a string, or the text parts of an array joined.
fn content_text(message: &serde_json::Value) -> Option<String> {
    match message.get("content")? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Array(parts) => {
            let texts: Vec<&str> = parts
                .iter()
                .filter_map(|p| p.get("text").and_then(|t| t.as_str()))
                .collect();
            (!texts.is_empty()).then(|| texts.join("\n"))
        }
        _ => None,
    }
}

/// `input.value` (the messages as JSON) and OpenInference's flattened
/// `llm.input_messages.<i>.message.{role,content}`. Content: call only when allowed.
fn push_input_messages(
    messages: &serde_json::Value,
    conversation: bool,
    attrs: &mut Vec<KeyValue>,
) {
    if conversation {
        attrs.push(kv(core_keys::INPUT_VALUE, messages.to_string()));
        attrs.push(kv(core_keys::INPUT_MIME_TYPE, "application/json"));
        attrs.push(kv(
            core_keys::GEN_AI_INPUT_MESSAGES,
            messages::input_messages(messages).to_string(),
        ));
    }
    for (i, message) in messages.as_array().into_iter().flatten().enumerate() {
        if let Some(role) = message.get("role").and_then(|r| r.as_str()) {
            attrs.push(KeyValue::new(
                format!("llm.input_messages.{i}.message.role"),
                role.to_owned(),
            ));
        }
        if let Some(text) = content_text(message) {
            attrs.push(KeyValue::new(
                format!("llm.input_messages.{i}.message.content"),
                text,
            ));
        }
    }
}

/// `output.value` (the first choice's text, or its message as JSON when it calls tools), the
/// flattened `llm.output_messages.<i>.message.*` and `gen_ai.output.messages`, tool calls
/// included. `outputs`: each choice's message and finish reason. Content: call only when
/// allowed.
pub(crate) fn push_output_messages(
    outputs: &[(serde_json::Value, Option<&str>)],
    attrs: &mut Vec<KeyValue>,
) {
    if outputs.is_empty() {
        return;
    }
    let genai: Vec<serde_json::Value> = outputs
        .iter()
        .map(|(message, reason)| messages::output_message(message, *reason))
        .collect();
    attrs.push(kv(
        core_keys::GEN_AI_OUTPUT_MESSAGES,
        serde_json::Value::Array(genai).to_string(),
    ));
    let outputs: Vec<&serde_json::Value> = outputs.iter().map(|(m, _)| m).collect();
    if let Some(first) = outputs.first() {
        let has_tools = first
            .get("tool_calls")
            .and_then(|t| t.as_array())
            .is_some_and(|t| !t.is_empty());
        match content_text(first) {
            Some(text) if !has_tools => {
                attrs.push(kv(core_keys::OUTPUT_VALUE, text));
                attrs.push(kv(core_keys::OUTPUT_MIME_TYPE, "text/plain"));
            }
            _ => {
                attrs.push(kv(core_keys::OUTPUT_VALUE, first.to_string()));
                attrs.push(kv(core_keys::OUTPUT_MIME_TYPE, "application/json"));
            }
        }
    }
    for (i, message) in outputs.iter().enumerate() {
        attrs.push(KeyValue::new(
            format!("llm.output_messages.{i}.message.role"),
            message
                .get("role")
                .and_then(|r| r.as_str())
                .unwrap_or("assistant")
                .to_owned(),
        ));
        if let Some(text) = content_text(message) {
            attrs.push(KeyValue::new(
                format!("llm.output_messages.{i}.message.content"),
                text,
            ));
        }
        let calls = message.get("tool_calls").and_then(|t| t.as_array());
        for (j, call) in calls.into_iter().flatten().enumerate() {
            let prefix = format!("llm.output_messages.{i}.message.tool_calls.{j}.tool_call");
            if let Some(id) = call.get("id").and_then(|v| v.as_str()) {
                attrs.push(KeyValue::new(format!("{prefix}.id"), id.to_owned()));
            }
            let function = call.get("function");
            if let Some(name) = function
                .and_then(|f| f.get("name"))
                .and_then(|v| v.as_str())
            {
                attrs.push(KeyValue::new(
                    format!("{prefix}.function.name"),
                    name.to_owned(),
                ));
            }
            if let Some(arguments) = function
                .and_then(|f| f.get("arguments"))
                .and_then(|v| v.as_str())
            {
                attrs.push(KeyValue::new(
                    format!("{prefix}.function.arguments"),
                    arguments.to_owned(),
                ));
            }
        }
    }
}

/// An error in the terms of the span.
#[derive(Debug, PartialEq)]
pub(crate) struct DescribedError {
    pub(crate) error_type: String,
    pub(crate) code: Option<String>,
    pub(crate) http_status: Option<u16>,
    pub(crate) message: String,
}

pub(crate) fn describe_error(error: &OpenAIError) -> DescribedError {
    let message = error.to_string();
    match error {
        OpenAIError::ApiError(response) => {
            let status = response.status_code.as_u16();
            let api = &response.api_error;
            DescribedError {
                error_type: api
                    .r#type
                    .clone()
                    .or_else(|| api.code.clone())
                    .unwrap_or_else(|| status.to_string()),
                code: api.code.clone(),
                http_status: Some(status),
                message,
            }
        }
        OpenAIError::Reqwest(e) => DescribedError {
            error_type: if e.is_timeout() {
                "timeout".into()
            } else if e.is_connect() {
                "connection".into()
            } else if let Some(status) = e.status() {
                status.as_u16().to_string()
            } else {
                "http".into()
            },
            code: None,
            http_status: e.status().map(|s| s.as_u16()),
            message,
        },
        OpenAIError::JSONDeserialize(..) => simple("invalid_response", message),
        OpenAIError::StreamError(..) => simple("stream", message),
        OpenAIError::InvalidArgument(..) => simple("invalid_argument", message),
        _ => simple("error", message),
    }
}

fn simple(error_type: &str, message: String) -> DescribedError {
    DescribedError {
        error_type: error_type.to_owned(),
        code: None,
        http_status: None,
        message,
    }
}

/// The span name for `operation` of `provider`: `openai.chat.completions`,
/// `openai.embeddings` (the spec's `openai.chat.completions`).
pub(crate) fn span_name(provider: &str, operation: Operation) -> Cow<'static, str> {
    match (provider, operation) {
        ("openai", Operation::Chat) => Cow::Borrowed("openai.chat.completions"),
        ("openai", Operation::Embeddings) => Cow::Borrowed("openai.embeddings"),
        (p, Operation::Chat) => Cow::Owned(format!("{p}.chat.completions")),
        (p, Operation::Embeddings) => Cow::Owned(format!("{p}.embeddings")),
    }
}

/// What every span of a client carries, computed once.
#[derive(Debug)]
pub(crate) struct ClientMeta {
    pub(crate) provider: String,
    pub(crate) chat_span_name: Cow<'static, str>,
    pub(crate) embeddings_span_name: Cow<'static, str>,
    pub(crate) server_address: Option<String>,
    pub(crate) server_port: Option<u16>,
    pub(crate) stream_usage: bool,
}

impl ClientMeta {
    pub(crate) fn new(provider: String, api_base: &str, stream_usage: bool) -> Self {
        let url = url::Url::parse(api_base).ok();
        ClientMeta {
            chat_span_name: span_name(&provider, Operation::Chat),
            embeddings_span_name: span_name(&provider, Operation::Embeddings),
            provider,
            server_address: url.as_ref().and_then(|u| u.host_str().map(str::to_owned)),
            server_port: url.as_ref().and_then(url::Url::port_or_known_default),
            stream_usage,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_side_errors_have_their_own_types() {
        let d = describe_error(&OpenAIError::InvalidArgument("stream must be true".into()));
        assert_eq!(d.error_type, "invalid_argument");
        assert_eq!(d.http_status, None);
        assert!(d.message.contains("stream must be true"));
    }

    #[test]
    fn content_text_reads_strings_and_text_parts() {
        let m = serde_json::json!({"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "image_url"}, {"type": "text", "text": "b"}]});
        assert_eq!(content_text(&m).as_deref(), Some("a\nb"));
        let m = serde_json::json!({"role": "user", "content": "hi"});
        assert_eq!(content_text(&m).as_deref(), Some("hi"));
    }

    #[test]
    fn span_names_follow_the_spec() {
        assert_eq!(
            span_name("openai", Operation::Chat),
            "openai.chat.completions"
        );
        assert_eq!(
            span_name("ollama", Operation::Embeddings),
            "ollama.embeddings"
        );
    }
}
