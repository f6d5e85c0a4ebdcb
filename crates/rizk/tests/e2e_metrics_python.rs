//! End to end, the GenAI metrics read by a decoder that is not rizk's: a workflow with a tool
//! that fails and an OpenAI-client call (against the local OpenAI-compatible server) under a
//! pipeline that exports metrics over OTLP/HTTP to `tests/peers/otlp_receiver.py`, which decodes
//! every `ExportMetricsServiceRequest` with the OpenTelemetry project's Python protobuf classes
//! (`opentelemetry-proto`, in Phoenix's venv) and hands them back as the protobuf JSON mapping.
//! Names, units, temporality, bucket boundaries, attributes and values are asserted on that.
//! (`tests/genai_metrics.rs` covers more cases with the Rust decoder.) Needs the peers' Python:
//! `cargo xtask e2e metrics_python`.

#![cfg(all(feature = "openai", feature = "cost"))]
#![allow(clippy::unwrap_used, clippy::print_stdout)]

mod e2e_support;

use std::time::Duration;

use e2e_support::{PythonReceiver, unique};
use rizk::Rizk;
use rizk::meter;
use rizk::openai::InstrumentedClient;
use rizk::openai::async_openai;
use rizk::openai::async_openai::types::chat::{
    ChatCompletionRequestUserMessage, CreateChatCompletionRequestArgs,
};
use rizk::prelude::*;
use rizk_test_support::openai_server::MockServer;
use serde_json::Value;

#[workflow]
async fn answer(client: &InstrumentedClient) {
    let _ = lookup_order("not a number");
    let request = CreateChatCompletionRequestArgs::default()
        .model("gpt-4o-mini")
        .messages([ChatCompletionRequestUserMessage::from("Where is my order?").into()])
        .build()
        .unwrap();
    client.chat().create(request).await.unwrap();
}

#[tool]
fn lookup_order(order: &str) -> Result<u32, std::num::ParseIntError> {
    order.parse()
}

/// A number of the JSON mapping: 64-bit integers are strings there, doubles numbers.
fn num(v: &Value) -> f64 {
    match v {
        Value::String(s) => s.parse().unwrap(),
        other => other
            .as_f64()
            .unwrap_or_else(|| panic!("not a number: {other}")),
    }
}

/// The string (or integer) value of attribute `key` in a JSON-mapped attribute list.
fn attr(attributes: &Value, key: &str) -> Option<String> {
    let kv = attributes.as_array()?.iter().find(|kv| kv["key"] == key)?;
    let value = &kv["value"];
    value["stringValue"]
        .as_str()
        .map(str::to_owned)
        .or_else(|| value["intValue"].as_str().map(str::to_owned))
}

/// The last metric named `name` sent by `service` (cumulative: the last holds every call).
fn metric<'a>(requests: &'a Value, service: &str, name: &str) -> &'a Value {
    let mut found = None;
    for request in requests.as_array().unwrap() {
        for resource in request["resourceMetrics"].as_array().into_iter().flatten() {
            if attr(&resource["resource"]["attributes"], "service.name").as_deref() != Some(service)
            {
                continue;
            }
            for scope in resource["scopeMetrics"].as_array().into_iter().flatten() {
                for m in scope["metrics"].as_array().into_iter().flatten() {
                    if m["name"] == name {
                        found = Some(m);
                    }
                }
            }
        }
    }
    found.unwrap_or_else(|| panic!("{name} not received from {service}: {requests:#}"))
}

/// The data points of `m` whose attributes include every `(key, value)` of `want`.
fn points<'a>(m: &'a Value, kind: &str, want: &[(&str, &str)]) -> Vec<&'a Value> {
    m[kind]["dataPoints"]
        .as_array()
        .unwrap_or_else(|| panic!("{} is not a {kind}: {m:#}", m["name"]))
        .iter()
        .filter(|p| {
            want.iter()
                .all(|(k, v)| attr(&p["attributes"], k).as_deref() == Some(*v))
        })
        .collect()
}

#[test]
#[ignore = "e2e: needs peers; run with cargo xtask e2e"]
fn e2e_metrics_python() {
    let receiver = PythonReceiver::start();
    let service = unique("rizk-e2e-metrics");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let server = runtime.block_on(MockServer::start()).unwrap();
    let client = InstrumentedClient::new(async_openai::Client::with_config(server.config()));
    let rizk = Rizk::builder()
        .app_name(&service)
        .opentelemetry_endpoint(format!("http://127.0.0.1:{}", receiver.port))
        .console_exporter(false)
        .metric_export_interval(Duration::from_secs(3600)) // only the collection at shutdown
        .ignore_environment()
        .init()
        .unwrap();
    runtime.block_on(answer(&client));
    rizk.shutdown();

    let requests = receiver.metrics();
    assert_eq!(receiver.count()["rejected"], 0);

    // Token usage: the chat call's 12 input and 5 output tokens, with the conventions' buckets.
    let tokens = metric(&requests, &service, "gen_ai.client.token.usage");
    assert_eq!(tokens["unit"], "{token}");
    assert_eq!(
        tokens["histogram"]["aggregationTemporality"],
        "AGGREGATION_TEMPORALITY_CUMULATIVE"
    );
    let chat = [
        ("gen_ai.operation.name", "chat"),
        ("gen_ai.provider.name", "openai"),
        ("gen_ai.request.model", "gpt-4o-mini"),
    ];
    let input = points(
        tokens,
        "histogram",
        &[chat.as_slice(), &[("gen_ai.token.type", "input")]].concat(),
    );
    assert_eq!(input.len(), 1, "{tokens:#}");
    assert_eq!(
        (num(&input[0]["count"]), num(&input[0]["sum"])),
        (1.0, 12.0)
    );
    let bounds: Vec<f64> = input[0]["explicitBounds"]
        .as_array()
        .unwrap()
        .iter()
        .map(num)
        .collect();
    assert_eq!(bounds, meter::TOKEN_BUCKETS.to_vec());

    // Durations: the chat call, and the tool with its error's type.
    let durations = metric(&requests, &service, "gen_ai.client.operation.duration");
    assert_eq!(durations["unit"], "s");
    assert_eq!(num(&points(durations, "histogram", &chat)[0]["count"]), 1.0);
    let tool = points(
        durations,
        "histogram",
        &[
            ("gen_ai.operation.name", "execute_tool"),
            ("error.type", "ParseIntError"),
        ],
    );
    assert_eq!(tool.len(), 1, "{durations:#}");
    assert_eq!(num(&tool[0]["count"]), 1.0);
    let workflows = metric(&requests, &service, meter::WORKFLOW_DURATION);
    let workflow = points(workflows, "histogram", &[("rizk.span.kind", "workflow")]);
    assert_eq!(num(&workflow[0]["count"]), 1.0);
    assert!(num(&workflow[0]["sum"]) >= num(&tool[0]["sum"]));

    // Counters: the tool's error, and the chat call's cost.
    let errors = metric(&requests, &service, meter::ERRORS);
    assert_eq!(errors["sum"]["isMonotonic"], true);
    let failed = points(
        errors,
        "sum",
        &[("rizk.span.kind", "tool"), ("error.type", "ParseIntError")],
    );
    assert_eq!(num(&failed[0]["asInt"]), 1.0);
    let cost = metric(&requests, &service, meter::COST);
    assert_eq!(cost["unit"], "USD");
    let spent = points(cost, "sum", &[("gen_ai.provider.name", "openai")]);
    assert!(num(&spent[0]["asDouble"]) > 0.0, "{cost:#}");
    println!(
        "e2e_metrics_python: {} requests decoded by Python's opentelemetry-proto",
        requests.as_array().unwrap().len()
    );
}
