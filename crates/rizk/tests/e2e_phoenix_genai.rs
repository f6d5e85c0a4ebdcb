//! End to end: an agent that calls a model with a tool, runs the tool and calls the model again
//! with its result (the real OpenAI client against the local OpenAI-compatible server), under
//! a workflow with tags, metadata and a named user input; exported over OTLP/HTTP to a real
//! Arize Phoenix and read back over its REST API. Phoenix must show the LLM spans' messages,
//! the tool call and the tool result, token counts including cached tokens, the prompt
//! template, and the tags and metadata. Needs the peers: `cargo xtask e2e phoenix`.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

mod e2e_support;

use std::time::Duration;

use e2e_support::{attribute, get_json_until, peer, unique};
use opentelemetry::trace::TraceContextExt as _;
use rizk::genai::PromptTemplate;
use rizk::openai::InstrumentedClient;
use rizk::openai::async_openai;
use rizk::openai::async_openai::types::chat::{
    ChatCompletionMessageToolCalls, ChatCompletionRequestAssistantMessageArgs,
    ChatCompletionRequestMessage, ChatCompletionRequestSystemMessage,
    ChatCompletionRequestToolMessage, ChatCompletionRequestUserMessage, ChatCompletionTool,
    ChatCompletionTools, CreateChatCompletionRequest, CreateChatCompletionRequestArgs,
    FunctionObjectArgs,
};
use rizk::{Rizk, agent, tool, workflow};
use rizk_test_support::openai_server::MockServer;
use serde_json::Value;

const SYSTEM: &str = "You are a support assistant.";

fn request(messages: Vec<ChatCompletionRequestMessage>) -> CreateChatCompletionRequest {
    let function = FunctionObjectArgs::default()
        .name("order_status")
        .description("The status of an order")
        .parameters(serde_json::json!({
            "type": "object",
            "properties": {"order": {"type": "string"}},
            "required": ["order"],
        }))
        .build()
        .unwrap();
    let mut request = CreateChatCompletionRequestArgs::default()
        .model("gpt-4o-mini")
        .messages(messages)
        .build()
        .unwrap();
    request.tools = Some(vec![ChatCompletionTools::Function(ChatCompletionTool {
        function,
    })]);
    request
}

#[tool(name = "order_status")]
async fn order_status(order: &str) -> String {
    format!("order {order} shipped yesterday")
}

#[agent(name = "support_assistant")]
async fn assistant(client: &InstrumentedClient, question: &str) -> String {
    let template = PromptTemplate::new("Customer asks: {question}")
        .variable("question", question)
        .version("support-v3");
    let mut messages: Vec<ChatCompletionRequestMessage> = vec![
        ChatCompletionRequestSystemMessage::from(SYSTEM).into(),
        ChatCompletionRequestUserMessage::from(format!("Customer asks: {question}")).into(),
    ];
    let first = client
        .chat()
        .with_prompt_template(template)
        .create(request(messages.clone()))
        .await
        .unwrap();
    let calls = first.choices[0].message.tool_calls.clone().unwrap();
    let ChatCompletionMessageToolCalls::Function(call) = &calls[0] else {
        panic!("a function call was expected: {calls:?}");
    };
    let result = order_status("A-17").await;
    messages.push(
        ChatCompletionRequestAssistantMessageArgs::default()
            .tool_calls(calls.clone())
            .build()
            .unwrap()
            .into(),
    );
    messages.push(
        ChatCompletionRequestToolMessage {
            content: result.clone().into(),
            tool_call_id: call.id.clone(),
        }
        .into(),
    );
    let second = client.chat().create(request(messages)).await.unwrap();
    second.choices[0]
        .message
        .content
        .clone()
        .unwrap_or_default()
}

#[workflow(
    name = "support_chat",
    tags("vip", "e2e"),
    metadata(tier = "gold"),
    input = "question"
)]
async fn support_chat(client: &InstrumentedClient, question: &str) -> (String, String) {
    let trace_id = opentelemetry::Context::current()
        .span()
        .span_context()
        .trace_id();
    let answer = assistant(client, question).await;
    (format!("{trace_id:032x}"), answer)
}

#[test]
#[ignore = "e2e: needs peers; run with cargo xtask e2e"]
fn e2e_phoenix_genai() {
    let base = peer("E2E_PHOENIX_URL");
    let project = unique("rizk-e2e-genai");
    let rizk = Rizk::builder()
        .app_name(&project)
        .opentelemetry_endpoint(&base)
        .console_exporter(false)
        .ignore_environment()
        .init()
        .unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let (trace_id, answer) = runtime.block_on(async {
        let server = MockServer::start().await.unwrap();
        let client = InstrumentedClient::new(async_openai::Client::with_config(server.config()));
        support_chat(&client, "Where is order A-17?").await
    });
    assert!(answer.contains("shipped"), "{answer}");
    rizk.shutdown();

    let url = format!("{base}/v1/projects/{project}/spans?trace_id={trace_id}&limit=100");
    let json = get_json_until(&url, Duration::from_secs(30), |j| {
        j["data"].as_array().is_some_and(|d| d.len() >= 5)
    });
    let spans = json["data"].as_array().unwrap();
    let named =
        |name: &str| -> Vec<&Value> { spans.iter().filter(|s| s["name"] == name).collect() };
    let attr = |span: &Value, key: &str| attribute(&span["attributes"], key).cloned();

    // The workflow: the user's turn as text, tags and metadata.
    let workflow = named("workflow.support_chat")[0];
    assert_eq!(
        attr(workflow, "input.value"),
        Some(Value::from("Where is order A-17?"))
    );
    let tags = attr(workflow, "tag.tags").unwrap_or_else(|| panic!("no tags: {workflow:#}"));
    assert_eq!(tags, serde_json::json!(["vip", "e2e"]));
    // Phoenix parses the metadata object into its entries.
    assert_eq!(attr(workflow, "metadata.tier"), Some(Value::from("gold")));

    // The LLM spans: kind, messages, the tool call and its result, tokens with cached ones.
    let llms = named("openai.chat.completions");
    assert_eq!(llms.len(), 2, "{json:#}");
    for llm in &llms {
        assert_eq!(llm["span_kind"], "LLM", "{llm:#}");
        assert_eq!(
            attr(llm, "llm.input_messages.0.message.role"),
            Some(Value::from("system"))
        );
        assert_eq!(
            attr(llm, "llm.input_messages.0.message.content"),
            Some(Value::from(SYSTEM))
        );
        assert!(attr(llm, "llm.token_count.prompt").is_some_and(|n| n.as_i64() > Some(0)));
        assert!(
            attr(llm, "llm.token_count.prompt_details.cache_read")
                .is_some_and(|n| n.as_i64() > Some(0)),
            "cached tokens: {llm:#}"
        );
        // Inherited from the workflow.
        assert_eq!(
            attr(llm, "tag.tags"),
            Some(serde_json::json!(["vip", "e2e"]))
        );
    }
    let (first, second) = if attr(llms[0], "llm.prompt_template.template").is_some() {
        (llms[0], llms[1])
    } else {
        (llms[1], llms[0])
    };
    assert_eq!(
        attr(
            first,
            "llm.output_messages.0.message.tool_calls.0.tool_call.function.name"
        ),
        Some(Value::from("order_status")),
        "{first:#}"
    );
    assert_eq!(
        attr(first, "llm.prompt_template.template"),
        Some(Value::from("Customer asks: {question}"))
    );
    assert_eq!(
        attr(first, "llm.prompt_template.version"),
        Some(Value::from("support-v3"))
    );
    // Phoenix parses the variables object into its entries.
    assert_eq!(
        attr(first, "llm.prompt_template.variables.question"),
        Some(Value::from("Where is order A-17?")),
        "{first:#}"
    );
    // The second call carries the tool's result as a tool message.
    assert_eq!(
        attr(second, "llm.input_messages.3.message.role"),
        Some(Value::from("tool"))
    );
    assert!(
        attr(second, "llm.input_messages.3.message.content")
            .is_some_and(|c| c.to_string().contains("shipped yesterday")),
        "{second:#}"
    );
    let tool = named("tool.order_status")[0];
    assert_eq!(tool["span_kind"], "TOOL");
    println!(
        "e2e_phoenix_genai: project {project}, trace {trace_id}: {} spans checked",
        spans.len()
    );
}
