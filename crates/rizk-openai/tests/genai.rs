//! The GenAI conventions on the client's spans: what a sampler sees at start, the request keys,
//! and every message shape (system, user text and images, assistant tool calls, tool results).
//!
//! The local server (`rizk_test_support::openai_server::MockServer`) stands in for the real
//! OpenAI API, which is not reachable here.

mod common;

use std::sync::Mutex;

use async_openai::types::chat::{
    ChatCompletionMessageToolCall, ChatCompletionMessageToolCalls,
    ChatCompletionRequestAssistantMessageArgs, ChatCompletionRequestMessageContentPartImage,
    ChatCompletionRequestMessageContentPartText, ChatCompletionRequestSystemMessage,
    ChatCompletionRequestToolMessage, ChatCompletionRequestUserMessage,
    ChatCompletionRequestUserMessageContent, ChatCompletionRequestUserMessageContentPart,
    CreateChatCompletionRequestArgs, FunctionCall, ImageUrl, ResponseFormat, StopConfiguration,
};
use common::{attr_i64, attr_str, attr_strings, harness_with};
use opentelemetry::KeyValue;
use rizk::sampling::{CustomSampler, SamplingContext};
use rizk_openai::InstrumentedClient;
use rizk_test_support::openai_server::MockServer;

/// What the sampler saw of each span it was asked about: its name and attributes.
static SEEN: Mutex<Vec<(String, Vec<KeyValue>)>> = Mutex::new(Vec::new());

struct Recording;

impl CustomSampler for Recording {
    fn should_sample(
        &self,
        _cx: &SamplingContext<'_>,
        operation_name: &str,
        attributes: &[KeyValue],
    ) -> bool {
        if let Ok(mut seen) = SEEN.lock() {
            seen.push((operation_name.to_owned(), attributes.to_vec()));
        }
        true
    }
}

fn client(server: &MockServer) -> InstrumentedClient {
    InstrumentedClient::new(async_openai::Client::with_config(server.config()))
}

fn json_attr(span: &opentelemetry_sdk::trace::SpanData, key: &str) -> serde_json::Value {
    let text = attr_str(span, key).unwrap_or_else(|| panic!("{key} missing"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{key} is not JSON ({e}): {text}"))
}

#[tokio::test]
async fn samplers_see_operation_provider_model_and_server_at_start_and_messages_use_parts() {
    let h = harness_with(|b| b.custom_sampler(Recording));
    let server = MockServer::start().await.expect("server");
    let user = ChatCompletionRequestUserMessage {
        content: ChatCompletionRequestUserMessageContent::Array(vec![
            ChatCompletionRequestUserMessageContentPart::Text(
                ChatCompletionRequestMessageContentPartText {
                    text: "What is on this picture?".into(),
                    prompt_cache_breakpoint: None,
                },
            ),
            ChatCompletionRequestUserMessageContentPart::ImageUrl(
                ChatCompletionRequestMessageContentPartImage {
                    image_url: ImageUrl {
                        url: "https://example.com/cat.png".into(),
                        detail: None,
                    },
                    prompt_cache_breakpoint: None,
                },
            ),
            ChatCompletionRequestUserMessageContentPart::ImageUrl(
                ChatCompletionRequestMessageContentPartImage {
                    image_url: ImageUrl {
                        url: "data:image/png;base64,iVBORw0KGgo=".into(),
                        detail: None,
                    },
                    prompt_cache_breakpoint: None,
                },
            ),
        ]),
        name: None,
    };
    let assistant = ChatCompletionRequestAssistantMessageArgs::default()
        .tool_calls(vec![ChatCompletionMessageToolCalls::Function(
            ChatCompletionMessageToolCall {
                id: "call_7".into(),
                function: FunctionCall {
                    name: "describe".into(),
                    arguments: r#"{"detail":"high"}"#.into(),
                },
            },
        )])
        .build()
        .expect("assistant message");
    let request = CreateChatCompletionRequestArgs::default()
        .model("gpt-4o-sampled")
        .seed(42)
        .stop(StopConfiguration::StringArray(vec![
            "END".into(),
            "STOP".into(),
        ]))
        .response_format(ResponseFormat::JsonObject)
        .messages([
            ChatCompletionRequestSystemMessage::from("Answer in JSON.").into(),
            user.into(),
            assistant.into(),
            ChatCompletionRequestToolMessage {
                content: "a cat".into(),
                tool_call_id: "call_7".to_owned(),
            }
            .into(),
        ])
        .build()
        .expect("request");
    client(&server).chat().create(request).await.expect("chat");

    h.handle.flush().expect("flush");
    let seen = SEEN.lock().expect("seen").clone();
    let (_, start) = seen
        .iter()
        .find(|(name, attrs)| {
            name == "openai.chat.completions"
                && attrs.iter().any(|kv| kv.value.as_str() == "gpt-4o-sampled")
        })
        .expect("the sampler was asked about the LLM span");
    let at_start = |key: &str| {
        start
            .iter()
            .find(|kv| kv.key.as_str() == key)
            .map(|kv| kv.value.to_string())
    };
    assert_eq!(at_start("gen_ai.operation.name").as_deref(), Some("chat"));
    assert_eq!(at_start("gen_ai.provider.name").as_deref(), Some("openai"));
    assert_eq!(
        at_start("gen_ai.request.model").as_deref(),
        Some("gpt-4o-sampled")
    );
    assert_eq!(at_start("server.address").as_deref(), Some("127.0.0.1"));
    assert!(at_start("server.port").is_some());

    let llm = h
        .spans
        .spans()
        .into_iter()
        .find(|s| attr_str(s, "gen_ai.request.model").as_deref() == Some("gpt-4o-sampled"))
        .expect("span");
    assert_eq!(attr_i64(&llm, "gen_ai.request.seed"), Some(42));
    assert_eq!(
        attr_strings(&llm, "gen_ai.request.stop_sequences"),
        Some(vec!["END".to_owned(), "STOP".to_owned()])
    );
    assert_eq!(
        attr_str(&llm, "gen_ai.output.type").as_deref(),
        Some("json")
    );
    assert_eq!(
        json_attr(&llm, "gen_ai.input.messages"),
        serde_json::json!([
            {"role": "system", "parts": [{"type": "text", "content": "Answer in JSON."}]},
            {"role": "user", "parts": [
                {"type": "text", "content": "What is on this picture?"},
                {"type": "uri", "modality": "image", "uri": "https://example.com/cat.png"},
                {"type": "blob", "modality": "image", "mime_type": "image/png", "content": "iVBORw0KGgo="},
            ]},
            {"role": "assistant", "parts": [
                {"type": "tool_call", "id": "call_7", "name": "describe", "arguments": {"detail": "high"}},
            ]},
            {"role": "tool", "parts": [
                {"type": "tool_call_response", "id": "call_7", "response": "a cat"},
            ]},
        ])
    );
}
