//! Every message shape rizk writes validates against the official JSON schemas of the GenAI
//! conventions (1.41.0, copied with their licence in `tests/data/genai-semconv-1.41.0`): the
//! OpenAI client's input messages (system, text, images by URI and inline, an assistant's tool
//! call, a tool result), its output messages (text and tool calls, plain and streamed), and
//! messages and system instructions written by hand with `rizk::genai`.
//!
//! The local server (`rizk_test_support::openai_server::MockServer`) stands in for the real
//! OpenAI API, which is not reachable here.

mod common;

use std::collections::BTreeSet;

use async_openai::types::chat::{
    ChatCompletionMessageToolCall, ChatCompletionMessageToolCalls,
    ChatCompletionRequestAssistantMessageArgs, ChatCompletionRequestMessage,
    ChatCompletionRequestMessageContentPartImage, ChatCompletionRequestMessageContentPartText,
    ChatCompletionRequestSystemMessage, ChatCompletionRequestToolMessage,
    ChatCompletionRequestUserMessage, ChatCompletionRequestUserMessageContent,
    ChatCompletionRequestUserMessageContentPart, ChatCompletionTool, ChatCompletionTools,
    CreateChatCompletionRequest, CreateChatCompletionRequestArgs, FunctionCall, FunctionObjectArgs,
    ImageUrl,
};
use common::{attr_str, harness};
use opentelemetry::trace::{Span as _, Tracer as _};
use rizk::genai::{self, Message, Part};
use rizk::semconv;
use rizk_openai::InstrumentedClient;
use rizk_test_support::openai_server::MockServer;
use serde_json::Value;

const SCHEMAS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/genai-semconv-1.41.0"
);

fn validator(file: &str) -> jsonschema::Validator {
    let text = std::fs::read_to_string(format!("{SCHEMAS}/{file}")).expect("schema file");
    let schema: Value = serde_json::from_str(&text).expect("schema JSON");
    jsonschema::draft202012::new(&schema).expect("a valid schema")
}

fn image(url: &str) -> ChatCompletionRequestUserMessageContentPart {
    ChatCompletionRequestUserMessageContentPart::ImageUrl(
        ChatCompletionRequestMessageContentPartImage {
            image_url: ImageUrl {
                url: url.into(),
                detail: None,
            },
            prompt_cache_breakpoint: None,
        },
    )
}

/// A conversation with every kind of input message the client converts.
fn conversation() -> Vec<ChatCompletionRequestMessage> {
    let user = ChatCompletionRequestUserMessage {
        content: ChatCompletionRequestUserMessageContent::Array(vec![
            ChatCompletionRequestUserMessageContentPart::Text(
                ChatCompletionRequestMessageContentPartText {
                    text: "Describe these".into(),
                    prompt_cache_breakpoint: None,
                },
            ),
            image("https://example.com/cat.png"),
            image("data:image/jpeg;base64,/9j/4AAQSkZJRg=="),
        ]),
        name: None,
    };
    let assistant = ChatCompletionRequestAssistantMessageArgs::default()
        .content("Let me look.")
        .tool_calls(vec![ChatCompletionMessageToolCalls::Function(
            ChatCompletionMessageToolCall {
                id: "call_1".into(),
                function: FunctionCall {
                    name: "classify".into(),
                    arguments: r#"{"labels":["cat","dog"]}"#.into(),
                },
            },
        )])
        .build()
        .expect("assistant message");
    vec![
        ChatCompletionRequestSystemMessage::from("Be brief.").into(),
        user.into(),
        assistant.into(),
        ChatCompletionRequestToolMessage {
            content: "cat".into(),
            tool_call_id: "call_1".into(),
        }
        .into(),
    ]
}

fn request(
    messages: Vec<ChatCompletionRequestMessage>,
    tools: bool,
) -> CreateChatCompletionRequest {
    let mut request = CreateChatCompletionRequestArgs::default()
        .model("gpt-4o-mini")
        .messages(messages)
        .build()
        .expect("request");
    if tools {
        let function = FunctionObjectArgs::default()
            .name("classify")
            .description("Classify an image")
            .parameters(serde_json::json!({"type": "object", "properties": {}}))
            .build()
            .expect("function");
        request.tools = Some(vec![ChatCompletionTools::Function(ChatCompletionTool {
            function,
        })]);
    }
    request
}

#[rizk::workflow(name = "schema_shapes")]
async fn produce(client: &InstrumentedClient) {
    let user = || vec![ChatCompletionRequestUserMessage::from("Hello").into()];
    // Input shapes, and a text answer (the mock answers a tool result with text).
    client
        .chat()
        .create(request(conversation(), false))
        .await
        .expect("chat");
    // A tool call answer, plain and streamed; a streamed text answer.
    client
        .chat()
        .create(request(user(), true))
        .await
        .expect("chat");
    for tools in [true, false] {
        let mut stream = client
            .chat()
            .create_stream(request(user(), tools))
            .await
            .expect("stream");
        while stream.next().await.is_some() {}
    }
    // By hand: system instructions and every part type of rizk::genai.
    let tracer = rizk::get_tracer("schemas");
    let mut span = tracer.start("hand_written_llm");
    span.set_attribute(rizk::KeyValue::new(
        semconv::GEN_AI_SYSTEM_INSTRUCTIONS,
        genai::system_instructions_json(&[
            Part::text("Be brief."),
            Part::text("Answer in French."),
        ]),
    ));
    let call = Part::ToolCall {
        id: Some("call_2".into()),
        name: "lookup".into(),
        arguments: serde_json::json!({"q": "x"}),
    };
    span.set_attribute(rizk::KeyValue::new(
        semconv::GEN_AI_INPUT_MESSAGES,
        genai::messages_json(&[
            Message::new(
                "user",
                [
                    Part::text("Look"),
                    Part::Uri {
                        modality: "image".into(),
                        uri: "https://example.com/a.png".into(),
                        mime_type: Some("image/png".into()),
                    },
                    Part::Blob {
                        modality: "audio".into(),
                        mime_type: Some("audio/wav".into()),
                        content: "UklGRg==".into(),
                    },
                ],
            ),
            Message::new("assistant", [call.clone()]),
            Message::new(
                "tool",
                [Part::ToolCallResponse {
                    id: Some("call_2".into()),
                    response: serde_json::json!({"found": true}),
                }],
            ),
        ]),
    ));
    span.set_attribute(rizk::KeyValue::new(
        semconv::GEN_AI_OUTPUT_MESSAGES,
        genai::messages_json(&[
            Message::new("assistant", [Part::text("Voilà"), call]).finished("tool_call")
        ]),
    ));
    span.end();
}

/// The `type`s of the parts of `messages` (a list of messages, or of parts).
fn part_types(value: &Value, out: &mut BTreeSet<String>) {
    for item in value.as_array().into_iter().flatten() {
        let parts = item.get("parts").and_then(Value::as_array);
        match parts {
            Some(parts) => out.extend(
                parts
                    .iter()
                    .filter_map(|p| p["type"].as_str().map(str::to_owned)),
            ),
            None => out.extend(item["type"].as_str().map(str::to_owned)),
        }
    }
}

#[tokio::test]
async fn every_message_shape_validates_against_the_conventions_schemas() {
    let h = harness();
    let server = MockServer::builder()
        .tool_arguments(r#"{"labels":["cat"]}"#)
        .start()
        .await
        .expect("server");
    let client = InstrumentedClient::new(async_openai::Client::with_config(server.config()));
    produce(&client).await;
    let spans = h.trace_of("workflow.schema_shapes");

    let checks = [
        (
            semconv::GEN_AI_INPUT_MESSAGES,
            validator("gen-ai-input-messages.json"),
        ),
        (
            semconv::GEN_AI_OUTPUT_MESSAGES,
            validator("gen-ai-output-messages.json"),
        ),
        (
            semconv::GEN_AI_SYSTEM_INSTRUCTIONS,
            validator("gen-ai-system-instructions.json"),
        ),
    ];
    // The schemas do reject what breaks them: an output message needs a finish reason.
    let unfinished = serde_json::json!([{"role": "assistant", "parts": []}]);
    assert!(!checks[1].1.is_valid(&unfinished));
    let mut seen: Vec<(&str, BTreeSet<String>)> = Vec::new();
    for (key, validator) in &checks {
        let mut types = BTreeSet::new();
        let mut validated = 0;
        for span in &spans {
            let Some(text) = attr_str(span, key) else {
                continue;
            };
            let value: Value = serde_json::from_str(&text).expect("JSON");
            let errors: Vec<String> = validator
                .iter_errors(&value)
                .map(|e| e.to_string())
                .collect();
            assert!(
                errors.is_empty(),
                "{key} of {}: {errors:?} in {value:#}",
                span.name
            );
            part_types(&value, &mut types);
            validated += 1;
        }
        assert!(validated > 0, "no span carried {key}");
        seen.push((key, types));
    }
    // Every shape was there to validate.
    let expect = |key: &str, types: &[&str]| {
        let (_, found) = seen.iter().find(|(k, _)| *k == key).expect("checked");
        for t in types {
            assert!(found.contains(*t), "{key}: no {t} part among {found:?}");
        }
    };
    expect(
        semconv::GEN_AI_INPUT_MESSAGES,
        &["text", "uri", "blob", "tool_call", "tool_call_response"],
    );
    expect(semconv::GEN_AI_OUTPUT_MESSAGES, &["text", "tool_call"]);
    expect(semconv::GEN_AI_SYSTEM_INSTRUCTIONS, &["text"]);
    // The streamed answers are there too (a text and a tool call, read from the stream).
    let streamed = spans
        .iter()
        .filter(|s| attr_str(s, "gen_ai.request.stream").as_deref() == Some("true"))
        .filter(|s| attr_str(s, semconv::GEN_AI_OUTPUT_MESSAGES).is_some())
        .count();
    assert_eq!(streamed, 2);
}
