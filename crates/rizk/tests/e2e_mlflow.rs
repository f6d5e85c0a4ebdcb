//! End to end: an agent with a tool and a real OpenAI-client call (against the local
//! OpenAI-compatible server), exported over OTLP/HTTP to MLflow's tracking server, which reads
//! both the GenAI and the OpenInference keys. rizk exports the GenAI keys only
//! (`semconv_families(GenAi)`), so what MLflow reads it reads from them. Read back over MLflow's
//! REST API: MLflow must classify every span (agent, tool, chat model) and read the chat span's
//! token usage as rizk sent it (cached tokens included), and the cost MLflow computes from its
//! own price catalogue must agree with rizk's, per call and for the trace. Needs the peers:
//! `cargo xtask e2e mlflow`.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

mod e2e_support;

use std::time::Duration;

use e2e_support::{get_json_until, peer, unique};
use opentelemetry::trace::TraceContextExt as _;
use rizk::config::KeyFamilies;
use rizk::openai::InstrumentedClient;
use rizk::openai::async_openai;
use rizk::openai::async_openai::types::chat::{
    ChatCompletionRequestUserMessage, CreateChatCompletionRequestArgs,
};
use rizk::{InMemoryExporter, Rizk, agent, tool, workflow};
use rizk_test_support::openai_server::MockServer;
use serde_json::{Value, json};

#[tool(name = "lookup_order")]
async fn lookup_order(id: &str) -> String {
    format!("order {id}: shipped")
}

#[agent(name = "support_agent")]
async fn support_agent(client: &InstrumentedClient, question: &str) -> String {
    let facts = lookup_order("A-17").await;
    let request = CreateChatCompletionRequestArgs::default()
        .model("gpt-4o-mini")
        .messages([ChatCompletionRequestUserMessage::from(format!("{question} ({facts})")).into()])
        .build()
        .unwrap();
    let response = client.chat().create(request).await.unwrap();
    response.choices[0]
        .message
        .content
        .clone()
        .unwrap_or_default()
}

#[workflow(name = "support_ticket")]
async fn support_ticket(client: &InstrumentedClient) -> (String, String) {
    let trace_id = opentelemetry::Context::current()
        .span()
        .span_context()
        .trace_id();
    let answer = support_agent(client, "Where is my order?").await;
    (format!("{trace_id:032x}"), answer)
}

/// Creates an MLflow experiment; returns its id.
fn create_experiment(base: &str, name: &str) -> String {
    let response: Value = reqwest::blocking::Client::new()
        .post(format!("{base}/api/2.0/mlflow/experiments/create"))
        .json(&json!({ "name": name }))
        .send()
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .unwrap();
    response["experiment_id"].as_str().unwrap().to_owned()
}

/// An OTLP-JSON typed value (`{"string_value": ...}`, `{"kvlist_value": ...}`, ...) as plain
/// JSON.
fn plain(value: &Value) -> Value {
    let Some((kind, inner)) = value.as_object().and_then(|o| o.iter().next()) else {
        return Value::Null;
    };
    match kind.as_str() {
        // 64-bit integers may come as strings in JSON.
        "int_value" => match inner {
            Value::String(s) => json!(s.parse::<i64>().unwrap()),
            other => other.clone(),
        },
        "array_value" => Value::Array(
            inner["values"]
                .as_array()
                .map(|v| v.iter().map(plain).collect())
                .unwrap_or_default(),
        ),
        "kvlist_value" => Value::Object(
            inner["values"]
                .as_array()
                .map(|v| {
                    v.iter()
                        .map(|kv| (kv["key"].as_str().unwrap().to_owned(), plain(&kv["value"])))
                        .collect()
                })
                .unwrap_or_default(),
        ),
        _ => inner.clone(),
    }
}

/// An attribute of an MLflow span (OTLP-style JSON), as plain JSON.
fn attribute(span: &Value, key: &str) -> Option<Value> {
    span["attributes"]
        .as_array()?
        .iter()
        .find(|kv| kv["key"] == key)
        .map(|kv| plain(&kv["value"]))
}

#[test]
#[ignore = "e2e: needs peers; run with cargo xtask e2e"]
fn e2e_mlflow() {
    let base = peer("E2E_MLFLOW_URL");
    let name = unique("rizk-e2e-mlflow");
    let experiment = create_experiment(&base, &name);
    let spans = InMemoryExporter::default();
    let rizk = Rizk::builder()
        .app_name(&name)
        .opentelemetry_endpoint(&base)
        .otlp_header("x-mlflow-experiment-id", experiment.as_str())
        .semconv_families(KeyFamilies::GenAi)
        .with_exporter("memory", spans.clone())
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
        support_ticket(&client).await
    });
    assert!(!answer.is_empty());
    rizk.shutdown();

    // What rizk sent: the chat span's token counts.
    let sent = spans.spans();
    let chat = sent
        .iter()
        .find(|s| s.name == "openai.chat.completions")
        .unwrap();
    let tokens = |key: &str| {
        chat.attributes
            .iter()
            .find(|kv| kv.key.as_str() == key)
            .and_then(|kv| match kv.value {
                opentelemetry::Value::I64(n) => Some(n),
                _ => None,
            })
            .unwrap_or_else(|| panic!("the chat span has no integer {key}"))
    };
    let (input, output) = (
        tokens("gen_ai.usage.input_tokens"),
        tokens("gen_ai.usage.output_tokens"),
    );

    // What MLflow read.
    let url = format!("{base}/api/3.0/mlflow/traces/get?trace_id=tr-{trace_id}");
    let json = get_json_until(&url, Duration::from_secs(30), |j| {
        j.pointer("/trace/spans")
            .and_then(Value::as_array)
            .is_some_and(|s| s.len() >= 4)
    });
    let read = json.pointer("/trace/spans").unwrap().as_array().unwrap();
    let by_name = |name: &str| {
        read.iter()
            .find(|s| s["name"] == name)
            .unwrap_or_else(|| panic!("MLflow has no span {name}: {json:#}"))
    };
    for (name, kind) in [
        ("agent.support_agent", "AGENT"),
        ("tool.lookup_order", "TOOL"),
        ("openai.chat.completions", "CHAT_MODEL"),
    ] {
        let span = by_name(name);
        assert_eq!(
            attribute(span, "mlflow.spanType"),
            Some(json!(kind)),
            "{name}: {span:#}"
        );
    }
    let chat_read = by_name("openai.chat.completions");
    assert_eq!(
        attribute(chat_read, "openinference.span.kind"),
        None,
        "only GenAI keys were sent"
    );
    let usage = attribute(chat_read, "mlflow.chat.tokenUsage")
        .unwrap_or_else(|| panic!("MLflow read no token usage: {json:#}"));
    assert_eq!(usage["input_tokens"], json!(input), "{usage}");
    assert_eq!(usage["output_tokens"], json!(output), "{usage}");
    assert_eq!(usage["total_tokens"], json!(input + output), "{usage}");
    assert_eq!(
        usage["cache_read_input_tokens"],
        json!(tokens("gen_ai.usage.cache_read.input_tokens")),
        "{usage}"
    );

    // Cost: rizk's (genai-prices' data) and MLflow's own (its bundled catalogue), on the chat
    // span and for the whole trace, agree.
    let rizk_call = chat
        .attributes
        .iter()
        .find(|kv| kv.key.as_str() == "rizk.cost.usd")
        .and_then(|kv| match kv.value {
            opentelemetry::Value::F64(f) => Some(f),
            _ => None,
        })
        .expect("rizk priced the call");
    let mlflow_call = attribute(chat_read, "mlflow.llm.cost")
        .and_then(|c| c["total_cost"].as_f64())
        .unwrap_or_else(|| panic!("MLflow priced no call: {json:#}"));
    let mlflow_trace: Value = serde_json::from_str(
        json.pointer("/trace/trace_info/trace_metadata/mlflow.trace.cost")
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("MLflow has no trace cost: {json:#}")),
    )
    .unwrap();
    let root = sent
        .iter()
        .find(|s| s.name == "workflow.support_ticket")
        .unwrap();
    let rizk_trace = root
        .attributes
        .iter()
        .find(|kv| kv.key.as_str() == "rizk.cost.usd")
        .and_then(|kv| match kv.value {
            opentelemetry::Value::F64(f) => Some(f),
            _ => None,
        })
        .expect("the workflow carries its subtree's cost");
    let agree = |a: f64, b: f64| (a - b).abs() <= 1e-9 + 0.01 * a.abs().max(b.abs());
    assert!(
        agree(rizk_call, mlflow_call),
        "call: rizk {rizk_call} vs MLflow {mlflow_call}"
    );
    assert!(
        agree(rizk_trace, mlflow_trace["total_cost"].as_f64().unwrap()),
        "trace: rizk {rizk_trace} vs MLflow {mlflow_trace}"
    );
    println!(
        "e2e_mlflow: trace {trace_id} read back; usage {usage}; cost rizk {rizk_call:e} / MLflow {mlflow_call:e} USD"
    );
}
