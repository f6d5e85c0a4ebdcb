//! LLM spans of the instrumented client.
//!
//! Every test starts a local OpenAI-compatible HTTP server on 127.0.0.1
//! (`rizk_test_support::openai_server::MockServer`): it stands in for the real API, which is
//! not reachable here. The client talks real HTTP to it (JSON, server-sent events, error
//! bodies), so what is tested is the client as users run it.

mod common;

use async_openai::types::chat::{
    ChatCompletionRequestUserMessage, ChatCompletionTool, ChatCompletionTools,
    CreateChatCompletionRequest, CreateChatCompletionRequestArgs, FunctionObjectArgs,
};
use async_openai::types::embeddings::CreateEmbeddingRequestArgs;
use common::{
    assert_chat_span, attr, attr_f64, attr_i64, attr_str, attr_strings, harness, is_child_of, span,
};
use opentelemetry::trace::{SpanKind, Status};
use rizk::{agent, workflow};
use rizk_openai::InstrumentedClient;
use rizk_test_support::openai_server::MockServer;

fn request(model: &str, prompt: &str) -> CreateChatCompletionRequest {
    CreateChatCompletionRequestArgs::default()
        .model(model)
        .temperature(0.2)
        .top_p(0.9)
        .max_completion_tokens(64u32)
        .messages([ChatCompletionRequestUserMessage::from(prompt).into()])
        .build()
        .expect("request")
}

fn with_weather_tool(mut request: CreateChatCompletionRequest) -> CreateChatCompletionRequest {
    let function = FunctionObjectArgs::default()
        .name("get_weather")
        .description("Weather of a city")
        .parameters(serde_json::json!({
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        }))
        .build()
        .expect("function");
    request.tools = Some(vec![ChatCompletionTools::Function(ChatCompletionTool {
        function,
    })]);
    request
}

/// A JSON-valued attribute, parsed.
fn json_attr(span: &opentelemetry_sdk::trace::SpanData, key: &str) -> serde_json::Value {
    let text = attr_str(span, key).unwrap_or_else(|| panic!("{key} missing"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{key} is not JSON ({e}): {text}"))
}

fn client(server: &MockServer) -> InstrumentedClient {
    InstrumentedClient::new(async_openai::Client::with_config(server.config()))
}

#[workflow(name = "openai_chat")]
async fn chat_workflow(client: &InstrumentedClient) -> String {
    support_agent(client).await
}

#[agent(name = "support_agent")]
async fn support_agent(client: &InstrumentedClient) -> String {
    let response = client
        .chat()
        .create(request("gpt-4o-mini", "Say hello"))
        .await
        .expect("chat");
    response.choices[0]
        .message
        .content
        .clone()
        .unwrap_or_default()
}

#[tokio::test]
async fn chat_completion_is_an_llm_span_under_the_agent_with_request_response_and_usage() {
    let h = harness();
    let server = MockServer::start().await.expect("server");
    let client = client(&server);
    assert_eq!(chat_workflow(&client).await, "Hello from the mock!");

    let spans = h.trace_of("workflow.openai_chat");
    assert_eq!(spans.len(), 3);
    let agent = span(&spans, "agent.support_agent");
    let llm = span(&spans, "openai.chat.completions");
    assert!(is_child_of(llm, agent));

    assert_chat_span(llm, "openai", "gpt-4o-mini");
    assert_eq!(
        attr_str(llm, "gen_ai.request.model").as_deref(),
        Some("gpt-4o-mini")
    );
    assert_eq!(
        attr_str(llm, "server.address").as_deref(),
        Some("127.0.0.1")
    );
    assert!(attr_i64(llm, "server.port").is_some_and(|p| p > 0));
    // Request parameters (f32 on the wire, doubles in the span).
    assert_eq!(
        attr_f64(llm, "gen_ai.request.temperature"),
        Some(0.2),
        "as written, not 0.2000000029"
    );
    assert!((attr_f64(llm, "llm.temperature").expect("llm.temperature") - 0.2).abs() < 1e-6);
    assert!((attr_f64(llm, "gen_ai.request.top_p").expect("top_p") - 0.9).abs() < 1e-6);
    assert_eq!(attr_i64(llm, "gen_ai.request.max_tokens"), Some(64));
    assert_eq!(attr(llm, "gen_ai.request.stream"), Some(false.into()));
    // Response.
    assert!(attr_str(llm, "gen_ai.response.id").is_some_and(|id| id.starts_with("chatcmpl-mock-")));
    assert_eq!(llm.span_kind, SpanKind::Client);
    assert_eq!(
        attr_str(llm, "gen_ai.response.model").as_deref(),
        Some("gpt-4o-mini-2024-07-18"),
        "the dated snapshot the server answered with"
    );
    assert_eq!(
        attr_str(llm, "llm.response.model_name"),
        attr_str(llm, "gen_ai.response.model")
    );
    assert_eq!(
        attr_strings(llm, "gen_ai.response.finish_reasons"),
        Some(vec!["stop".to_owned()])
    );
    // Usage: integers under both conventions.
    assert_eq!(attr_i64(llm, "llm.token_count.prompt"), Some(12));
    assert_eq!(attr_i64(llm, "llm.token_count.completion"), Some(5));
    assert_eq!(attr_i64(llm, "llm.token_count.total"), Some(17));
    assert_eq!(attr_i64(llm, "gen_ai.usage.input_tokens"), Some(12));
    assert_eq!(attr_i64(llm, "gen_ai.usage.output_tokens"), Some(5));
    // Cached and reasoning tokens, under both conventions.
    assert_eq!(
        attr_i64(llm, "gen_ai.usage.cache_read.input_tokens"),
        Some(4)
    );
    assert_eq!(
        attr_i64(llm, "llm.token_count.prompt_details.cache_read"),
        Some(4)
    );
    assert_eq!(
        attr_i64(llm, "gen_ai.usage.reasoning.output_tokens"),
        Some(2)
    );
    // Content (on by default).
    assert!(attr_str(llm, "input.value").is_some_and(|v| v.contains("Say hello")));
    assert_eq!(
        attr_str(llm, "input.mime_type").as_deref(),
        Some("application/json")
    );
    assert_eq!(
        attr_str(llm, "llm.input_messages.0.message.role").as_deref(),
        Some("user")
    );
    assert_eq!(
        attr_str(llm, "llm.input_messages.0.message.content").as_deref(),
        Some("Say hello")
    );
    assert_eq!(
        attr_str(llm, "output.value").as_deref(),
        Some("Hello from the mock!")
    );
    assert_eq!(
        attr_str(llm, "llm.output_messages.0.message.content").as_deref(),
        Some("Hello from the mock!")
    );
    // The GenAI messages, in the conventions' parts format.
    assert_eq!(
        json_attr(llm, "gen_ai.input.messages"),
        serde_json::json!([{"role": "user", "parts": [{"type": "text", "content": "Say hello"}]}])
    );
    assert_eq!(
        json_attr(llm, "gen_ai.output.messages"),
        serde_json::json!([{
            "role": "assistant",
            "parts": [{"type": "text", "content": "Hello from the mock!"}],
            "finish_reason": "stop",
        }])
    );
    // Inherited from the workflow and the agent, like any span of the pipeline.
    assert_eq!(
        attr_str(llm, "rizk.workflow.name").as_deref(),
        Some("openai_chat")
    );
    assert_eq!(attr_str(llm, "agent.id").as_deref(), Some("support_agent"));
    assert_eq!(llm.status, Status::Unset);
}

#[workflow(name = "openai_stream")]
async fn stream_workflow(client: &InstrumentedClient) -> String {
    let mut stream = client
        .chat()
        .create_stream(request("gpt-4o-mini", "Stream please"))
        .await
        .expect("stream");
    let mut text = String::new();
    let mut chunks = 0;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.expect("chunk");
        chunks += 1;
        for choice in chunk.choices {
            text.push_str(choice.delta.content.as_deref().unwrap_or(""));
        }
    }
    assert_eq!(chunks, 7, "role, 4 words, finish, usage");
    text
}

#[tokio::test]
async fn streamed_chat_records_ttft_chunks_and_final_usage_and_ends_with_the_stream() {
    let h = harness();
    let server = MockServer::builder()
        .chunk_delay(std::time::Duration::from_millis(3))
        .start()
        .await
        .expect("server");
    let client = client(&server).with_stream_usage(true);
    assert_eq!(stream_workflow(&client).await, "Hello from the mock!");
    // The client asked for the usage chunk.
    assert_eq!(
        server.requests()[0].pointer("/stream_options/include_usage"),
        Some(&serde_json::Value::Bool(true))
    );

    let spans = h.trace_of("workflow.openai_stream");
    let workflow = span(&spans, "workflow.openai_stream");
    let llm = span(&spans, "openai.chat.completions");
    assert!(is_child_of(llm, workflow));
    assert_eq!(attr(llm, "gen_ai.request.stream"), Some(true.into()));
    assert_eq!(attr_i64(llm, "llm.stream.chunk_count"), Some(7));
    let ttft = attr_f64(llm, "llm.time_to_first_token_ms").expect("ttft");
    assert!(
        ttft >= 3.0,
        "the first content chunk came after two 3 ms pauses: {ttft}"
    );
    let ttfc = attr_f64(llm, "gen_ai.response.time_to_first_chunk").expect("ttfc");
    assert!(
        (ttfc * 1000.0 - ttft).abs() < 1e-6,
        "the same moment in seconds: {ttfc} s, {ttft} ms"
    );
    assert_eq!(llm.span_kind, SpanKind::Client);
    assert_eq!(
        json_attr(llm, "gen_ai.output.messages"),
        serde_json::json!([{
            "role": "assistant",
            "parts": [{"type": "text", "content": "Hello from the mock!"}],
            "finish_reason": "stop",
        }])
    );
    assert_eq!(
        attr_i64(llm, "gen_ai.usage.cache_read.input_tokens"),
        Some(4)
    );
    let first_token = llm
        .events
        .iter()
        .find(|e| e.name == "first_token")
        .expect("first_token event");
    assert!(first_token.timestamp > llm.start_time && first_token.timestamp < llm.end_time);
    assert_eq!(attr_i64(llm, "llm.token_count.total"), Some(17));
    assert_eq!(attr_i64(llm, "gen_ai.usage.output_tokens"), Some(5));
    assert_eq!(
        attr_strings(llm, "gen_ai.response.finish_reasons"),
        Some(vec!["stop".to_owned()])
    );
    assert!(attr_str(llm, "gen_ai.response.id").is_some());
    assert_eq!(
        attr_str(llm, "output.value").as_deref(),
        Some("Hello from the mock!")
    );
    assert_eq!(attr(llm, "rizk.cancelled"), None);
    // The span covers the stream, not just the request: it ends after the workflow's body
    // read the last chunk, so no later than the workflow.
    assert!(llm.end_time <= workflow.end_time);
    assert!(
        llm.end_time
            .duration_since(llm.start_time)
            .expect("duration")
            .as_millis()
            >= 15
    );
}

#[tokio::test]
async fn a_stream_dropped_early_ends_its_span_as_cancelled_with_what_was_read() {
    let h = harness();
    let server = MockServer::start().await.expect("server");
    let client = client(&server);
    let mut stream = client
        .chat()
        .create_stream(request("gpt-4o-dropped", "Start, then stop reading"))
        .await
        .expect("stream");
    let _role = stream.next().await.expect("first chunk").expect("ok");
    let _word = stream.next().await.expect("second chunk").expect("ok");
    drop(stream);
    h.handle.flush().expect("flush");
    let llm = h
        .spans
        .spans()
        .into_iter()
        .find(|s| attr_str(s, "llm.model").as_deref() == Some("gpt-4o-dropped"))
        .expect("span ended on drop");
    assert_eq!(attr(&llm, "rizk.cancelled"), Some(true.into()));
    assert_eq!(attr_i64(&llm, "llm.stream.chunk_count"), Some(2));
    assert_eq!(attr_str(&llm, "output.value").as_deref(), Some("Hello "));
    assert!(attr_f64(&llm, "llm.time_to_first_token_ms").is_some());
}

#[workflow(name = "openai_tools")]
async fn tools_workflow(client: &InstrumentedClient) -> (String, String) {
    let plain = client
        .chat()
        .create(with_weather_tool(request(
            "gpt-4o-mini",
            "Weather in Paris?",
        )))
        .await
        .expect("chat");
    let call = match &plain.choices[0]
        .message
        .tool_calls
        .as_ref()
        .expect("tool calls")[0]
    {
        async_openai::types::chat::ChatCompletionMessageToolCalls::Function(f) => {
            f.function.arguments.clone()
        }
        other => panic!("{other:?}"),
    };
    let mut stream = client
        .chat()
        .create_stream(with_weather_tool(request(
            "gpt-4o-mini",
            "Weather in Rome?",
        )))
        .await
        .expect("stream");
    let mut streamed = String::new();
    while let Some(chunk) = stream.next().await {
        for choice in chunk.expect("chunk").choices {
            for call in choice.delta.tool_calls.unwrap_or_default() {
                streamed.push_str(
                    call.function
                        .and_then(|f| f.arguments)
                        .as_deref()
                        .unwrap_or(""),
                );
            }
        }
    }
    (call, streamed)
}

#[tokio::test]
async fn tool_calls_are_recorded_for_plain_and_streamed_chats() {
    let h = harness();
    let server = MockServer::builder()
        .tool_arguments(r#"{"city":"Paris"}"#)
        .start()
        .await
        .expect("server");
    let client = client(&server);
    let (plain, streamed) = tools_workflow(&client).await;
    assert_eq!(plain, r#"{"city":"Paris"}"#);
    assert_eq!(streamed, r#"{"city":"Paris"}"#);

    let spans = h.trace_of("workflow.openai_tools");
    let llms: Vec<_> = spans
        .iter()
        .filter(|s| s.name == "openai.chat.completions")
        .collect();
    assert_eq!(llms.len(), 2);
    for llm in llms {
        assert_eq!(
            attr_strings(llm, "llm.request.tools"),
            Some(vec!["get_weather".to_owned()])
        );
        assert_eq!(attr_i64(llm, "llm.tool_calls.count"), Some(1));
        assert_eq!(
            attr_strings(llm, "llm.tool_calls.names"),
            Some(vec!["get_weather".to_owned()])
        );
        assert_eq!(
            attr_strings(llm, "gen_ai.response.finish_reasons"),
            Some(vec!["tool_calls".to_owned()])
        );
        assert_eq!(
            attr_str(
                llm,
                "llm.output_messages.0.message.tool_calls.0.tool_call.function.name"
            )
            .as_deref(),
            Some("get_weather")
        );
        assert_eq!(
            attr_str(
                llm,
                "llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments"
            )
            .as_deref(),
            Some(r#"{"city":"Paris"}"#)
        );
        assert_eq!(
            attr_str(llm, "output.mime_type").as_deref(),
            Some("application/json")
        );
        // Definitions: GenAI and OpenInference.
        assert_eq!(
            json_attr(llm, "gen_ai.tool.definitions"),
            serde_json::json!([{
                "type": "function",
                "name": "get_weather",
                "description": "Weather of a city",
                "parameters": {
                    "type": "object",
                    "properties": {"city": {"type": "string"}},
                    "required": ["city"],
                },
            }])
        );
        let schema = json_attr(llm, "llm.tools.0.tool.json_schema");
        assert_eq!(schema["function"]["name"], "get_weather");
        assert_eq!(schema["function"]["description"], "Weather of a city");
        // The call is inside the output message.
        let output = json_attr(llm, "gen_ai.output.messages");
        assert_eq!(output[0]["finish_reason"], "tool_call");
        let call = &output[0]["parts"][0];
        assert_eq!(call["type"], "tool_call");
        assert_eq!(call["name"], "get_weather");
        assert_eq!(call["arguments"], serde_json::json!({"city": "Paris"}));
        assert!(
            call["id"].as_str().is_some_and(|id| !id.is_empty()),
            "{call}"
        );
    }
}

#[workflow(name = "openai_embeddings")]
async fn embeddings_workflow(client: &InstrumentedClient) -> usize {
    let request = CreateEmbeddingRequestArgs::default()
        .model("text-embedding-3-small")
        .input(["first document", "second document"])
        .build()
        .expect("request");
    client
        .embeddings()
        .create(request)
        .await
        .expect("embeddings")
        .data
        .len()
}

#[tokio::test]
async fn embeddings_are_embedding_spans_with_usage_and_vector_shape() {
    let h = harness();
    let server = MockServer::start().await.expect("server");
    assert_eq!(embeddings_workflow(&client(&server)).await, 2);
    let spans = h.trace_of("workflow.openai_embeddings");
    let workflow = span(&spans, "workflow.openai_embeddings");
    let emb = span(&spans, "openai.embeddings");
    assert!(is_child_of(emb, workflow));
    assert_eq!(attr_str(emb, "rizk.span.kind").as_deref(), Some("llm"));
    assert_eq!(
        attr_str(emb, "openinference.span.kind").as_deref(),
        Some("EMBEDDING")
    );
    assert_eq!(
        attr_str(emb, "gen_ai.operation.name").as_deref(),
        Some("embeddings")
    );
    assert_eq!(
        attr_str(emb, "llm.model").as_deref(),
        Some("text-embedding-3-small")
    );
    assert_eq!(attr_i64(emb, "llm.token_count.prompt"), Some(6));
    assert_eq!(attr_i64(emb, "llm.token_count.total"), Some(6));
    assert_eq!(attr_i64(emb, "gen_ai.usage.input_tokens"), Some(6));
    assert_eq!(attr_i64(emb, "llm.embeddings.count"), Some(2));
    assert_eq!(attr_i64(emb, "gen_ai.embeddings.dimension.count"), Some(8));
    assert!(attr_str(emb, "input.value").is_some_and(|v| v.contains("second document")));
}

#[workflow(name = "openai_errors")]
async fn errors_workflow(client: &InstrumentedClient) -> Vec<String> {
    let mut errors = Vec::new();
    for model in ["mock-429", "mock-500"] {
        let error = client
            .chat()
            .create(request(model, "fail please"))
            .await
            .expect_err("the server fails");
        errors.push(error.to_string());
    }
    let error = client
        .chat()
        .create_stream(request("mock-429", "fail the stream"))
        .await
        .expect_err("the stream fails");
    errors.push(error.to_string());
    errors
}

#[tokio::test]
async fn api_errors_set_status_http_status_and_error_type() {
    let h = harness();
    let server = MockServer::start().await.expect("server");
    let errors = errors_workflow(&client(&server)).await;
    assert!(errors[0].contains("Rate limit reached"), "{errors:?}");

    let spans = h.trace_of("workflow.openai_errors");
    let mut llms: Vec<_> = spans
        .iter()
        .filter(|s| s.name == "openai.chat.completions")
        .collect();
    llms.sort_by_key(|s| s.start_time);
    assert_eq!(llms.len(), 3);
    for (llm, status, error_type) in [
        (llms[0], 429, "requests"),
        // A 5xx body is not guaranteed to be JSON: async-openai keeps it as text, so the
        // status is the error type.
        (llms[1], 500, "500"),
        (llms[2], 429, "requests"),
    ] {
        assert_eq!(attr_i64(llm, "http.response.status_code"), Some(status));
        assert_eq!(attr_str(llm, "error.type").as_deref(), Some(error_type));
        assert!(matches!(&llm.status, Status::Error { description } if !description.is_empty()));
        let event = llm
            .events
            .iter()
            .find(|e| e.name == "exception")
            .expect("exception event");
        assert!(
            event
                .attributes
                .iter()
                .any(|kv| kv.key.as_str() == "exception.type" && kv.value.as_str() == error_type)
        );
        assert_eq!(attr(llm, "gen_ai.response.id"), None);
    }
    assert_eq!(
        attr_str(llms[0], "llm.error.code").as_deref(),
        Some("rate_limit_exceeded")
    );
    assert!(
        matches!(&llms[0].status, Status::Error { description } if description.contains("Rate limit reached"))
    );
}

#[workflow(name = "openai_templated")]
async fn templated(client: &InstrumentedClient) {
    let template = rizk_core::genai::PromptTemplate::new("Say {greeting}")
        .variable("greeting", "hello")
        .version("v1");
    client
        .chat()
        .with_prompt_template(template)
        .create(request("gpt-4o-mini", "Say hello"))
        .await
        .expect("chat");
}

#[tokio::test]
async fn the_prompt_template_is_recorded_on_the_llm_span() {
    let h = harness();
    let server = MockServer::start().await.expect("server");
    templated(&client(&server)).await;
    let spans = h.trace_of("workflow.openai_templated");
    let llm = span(&spans, "openai.chat.completions");
    assert_eq!(
        attr_str(llm, "llm.prompt_template.template").as_deref(),
        Some("Say {greeting}")
    );
    assert_eq!(
        attr_str(llm, "llm.prompt_template.variables").as_deref(),
        Some(r#"{"greeting":"hello"}"#)
    );
    assert_eq!(
        attr_str(llm, "llm.prompt_template.version").as_deref(),
        Some("v1")
    );
}
