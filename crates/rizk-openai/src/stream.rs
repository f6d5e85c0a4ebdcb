//! A streamed chat completion that keeps its LLM span open until the stream ends.

use std::collections::BTreeMap;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};
use std::time::Instant;

use async_openai::error::OpenAIError;
use async_openai::types::chat::{
    ChatCompletionResponseStream, CompletionUsage, CreateChatCompletionStreamResponse,
};
use futures_core::Stream;
use opentelemetry::{Array, Key, KeyValue, StringValue, Value};

use crate::semconv as keys;
use crate::span::{self, LlmSpan};

/// The chunks of a streamed chat completion, as `async_openai` yields them, with the call's
/// LLM span open until the last chunk has been read, an error has ended the stream, or the
/// stream is dropped (then the span carries `rizk.cancelled = true` and what was read so far).
///
/// The span records time to first token (`gen_ai.response.time_to_first_chunk` in seconds,
/// `llm.time_to_first_token_ms` and a `first_token` event), the chunk count (`llm.stream.chunk_count`), the response id and model, the finish
/// reasons, the tools called, the usage of the final chunk and, when the content policy
/// allows, the streamed text.
///
/// ```no_run
/// use futures_util::StreamExt as _;
///
/// # async fn run(mut stream: rizk_openai::ChatStream) -> Result<(), async_openai::error::OpenAIError> {
/// let mut answer = String::new();
/// while let Some(chunk) = stream.next().await {
///     for choice in chunk?.choices {
///         answer.push_str(choice.delta.content.as_deref().unwrap_or(""));
///     }
/// }
/// # Ok(())
/// # }
/// ```
pub struct ChatStream {
    inner: ChatCompletionResponseStream,
    span: Option<LlmSpan>,
    state: StreamState,
    /// An error item was yielded: a drop afterwards is the end, not a cancellation.
    errored: bool,
}

impl std::fmt::Debug for ChatStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChatStream")
            .field("span", &self.span)
            .field("chunks", &self.state.chunks)
            .finish_non_exhaustive()
    }
}

/// A tool call assembled from its deltas.
#[derive(Debug, Default)]
struct ToolCallParts {
    id: Option<String>,
    name: String,
    arguments: String,
}

/// What the span needs from the chunks seen so far.
#[derive(Debug, Default)]
struct StreamState {
    chunks: i64,
    first_token_at: Option<Instant>,
    id: Option<String>,
    model: Option<String>,
    finish_reasons: BTreeMap<u32, &'static str>,
    usage: Option<CompletionUsage>,
    /// Text per choice; only filled when the content policy allows.
    text: BTreeMap<u32, String>,
    /// Tool calls per (choice, call index).
    tool_calls: BTreeMap<(u32, u32), ToolCallParts>,
}

impl ChatStream {
    pub(crate) fn new(inner: ChatCompletionResponseStream, span: LlmSpan) -> Self {
        ChatStream {
            inner,
            span: Some(span),
            state: StreamState::default(),
            errored: false,
        }
    }

    /// The next chunk, `None` after the last: the same as `futures::StreamExt::next`, without
    /// importing it.
    ///
    /// ```no_run
    /// # async fn run(mut stream: rizk_openai::ChatStream) -> Result<(), async_openai::error::OpenAIError> {
    /// while let Some(chunk) = stream.next().await {
    ///     let _chunk = chunk?;
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn next(
        &mut self,
    ) -> Option<Result<CreateChatCompletionStreamResponse, OpenAIError>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    fn observe(&mut self, chunk: &CreateChatCompletionStreamResponse) {
        let Some(span) = self
            .span
            .as_ref()
            .filter(|s| s.is_recording() || s.has_metrics())
        else {
            return;
        };
        let content = span.wants_outputs();
        let state = &mut self.state;
        state.chunks += 1;
        if state.id.is_none() && !chunk.id.is_empty() {
            state.id = Some(chunk.id.clone());
        }
        if state.model.is_none() && !chunk.model.is_empty() {
            state.model = Some(chunk.model.clone());
        }
        if let Some(usage) = &chunk.usage {
            state.usage = Some(usage.clone());
        }
        let mut output = false;
        for choice in &chunk.choices {
            let delta = &choice.delta;
            if let Some(text) = delta.content.as_deref().filter(|t| !t.is_empty()) {
                output = true;
                if content {
                    state.text.entry(choice.index).or_default().push_str(text);
                }
            }
            if delta.refusal.as_deref().is_some_and(|r| !r.is_empty()) {
                output = true;
            }
            for call in delta.tool_calls.iter().flatten() {
                output = true;
                let parts = state
                    .tool_calls
                    .entry((choice.index, call.index))
                    .or_default();
                if let Some(id) = &call.id {
                    parts.id = Some(id.clone());
                }
                if let Some(function) = &call.function {
                    if let Some(name) = &function.name {
                        parts.name.push_str(name);
                    }
                    if content && let Some(arguments) = &function.arguments {
                        parts.arguments.push_str(arguments);
                    }
                }
            }
            if let Some(reason) = choice.finish_reason {
                state
                    .finish_reasons
                    .insert(choice.index, span::finish_reason(reason));
            }
        }
        if output && state.first_token_at.is_none() {
            let now = Instant::now();
            state.first_token_at = Some(now);
            let ttft = now.duration_since(span.started()).as_secs_f64() * 1000.0;
            span.add_event(
                "first_token",
                vec![KeyValue::new(keys::TIME_TO_FIRST_TOKEN_MS, ttft)],
            );
        }
    }

    /// Records what was seen and ends the span (`cancelled`: the stream was dropped early).
    fn finish(&mut self, cancelled: bool) {
        let Some(mut span) = self.span.take() else {
            return;
        };
        span.note_stream(
            self.state.model.as_deref(),
            self.state.usage.as_ref(),
            self.state.first_token_at,
        );
        if span.is_recording() {
            let state = std::mem::take(&mut self.state);
            let mut attrs = vec![KeyValue::new(keys::STREAM_CHUNK_COUNT, state.chunks)];
            if let Some(at) = state.first_token_at {
                let ttft = at.duration_since(span.started()).as_secs_f64();
                attrs.push(KeyValue::new(keys::TIME_TO_FIRST_TOKEN_MS, ttft * 1000.0));
                attrs.push(KeyValue::new(keys::RESPONSE_TIME_TO_FIRST_CHUNK, ttft));
            }
            if let Some(id) = state.id {
                attrs.push(KeyValue::new(keys::RESPONSE_ID, id));
            }
            if let Some(model) = state.model {
                attrs.push(KeyValue::new(keys::RESPONSE_MODEL, model.clone()));
                attrs.push(KeyValue::new(keys::LLM_RESPONSE_MODEL_NAME, model));
            }
            if !state.finish_reasons.is_empty() {
                attrs.push(KeyValue::new(
                    Key::from_static_str(keys::RESPONSE_FINISH_REASONS),
                    Value::Array(Array::String(
                        state
                            .finish_reasons
                            .values()
                            .map(|r| StringValue::from(*r))
                            .collect(),
                    )),
                ));
            }
            if let Some(usage) = &state.usage {
                span::push_usage(usage, &mut attrs);
            }
            if !state.tool_calls.is_empty() {
                attrs.push(KeyValue::new(
                    keys::TOOL_CALL_COUNT,
                    state.tool_calls.len() as i64,
                ));
                attrs.push(KeyValue::new(
                    Key::from_static_str(keys::TOOL_CALL_NAMES),
                    Value::Array(Array::String(
                        state
                            .tool_calls
                            .values()
                            .map(|c| StringValue::from(c.name.clone()))
                            .collect(),
                    )),
                ));
            }
            if span.wants_outputs() {
                let outputs: Vec<_> = assemble_messages(&state.text, &state.tool_calls)
                    .into_iter()
                    .enumerate()
                    .map(|(i, message)| {
                        let reason = u32::try_from(i)
                            .ok()
                            .and_then(|i| state.finish_reasons.get(&i).copied());
                        (message, reason)
                    })
                    .collect();
                span::push_output_messages(&outputs, &mut attrs);
            }
            if cancelled {
                attrs.push(KeyValue::new(rizk_core::semconv::CANCELLED, true));
            }
            span.set_attributes(attrs);
        }
        span.end();
    }
}

/// The streamed choices as the messages a non-streamed response would have held.
fn assemble_messages(
    text: &BTreeMap<u32, String>,
    tool_calls: &BTreeMap<(u32, u32), ToolCallParts>,
) -> Vec<serde_json::Value> {
    let last = text
        .keys()
        .chain(tool_calls.keys().map(|(choice, _)| choice))
        .max();
    let Some(&last) = last else {
        return Vec::new();
    };
    (0..=last)
        .map(|index| {
            let calls: Vec<serde_json::Value> = tool_calls
                .range((index, 0)..=(index, u32::MAX))
                .map(|(_, call)| {
                    serde_json::json!({
                        "id": call.id,
                        "type": "function",
                        "function": {"name": call.name, "arguments": call.arguments},
                    })
                })
                .collect();
            let mut message = serde_json::json!({"role": "assistant"});
            if let Some(text) = text.get(&index) {
                message["content"] = serde_json::Value::String(text.clone());
            }
            if !calls.is_empty() {
                message["tool_calls"] = serde_json::Value::Array(calls);
            }
            message
        })
        .collect()
}

impl Stream for ChatStream {
    type Item = Result<CreateChatCompletionStreamResponse, OpenAIError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<Self::Item>> {
        let polled = self.inner.as_mut().poll_next(cx);
        match &polled {
            Poll::Ready(Some(Ok(chunk))) => self.observe(chunk),
            Poll::Ready(Some(Err(error))) => {
                if let Some(span) = &mut self.span {
                    span.record_error(error);
                }
                self.errored = true;
            }
            Poll::Ready(None) => self.finish(false),
            Poll::Pending => {}
        }
        polled
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl Drop for ChatStream {
    fn drop(&mut self) {
        let cancelled = !self.errored;
        self.finish(cancelled);
    }
}
