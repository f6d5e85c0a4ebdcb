//! End to end: the `distributed_gateway` example (two Rust services on 127.0.0.1, one calling
//! the other) exports over OTLP/HTTP to a real Arize Phoenix; read back over its REST API, the
//! six spans form one trace with the right parent ids across the service boundary. Needs the
//! peers: `cargo xtask e2e http_phoenix`.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

#[allow(dead_code, unreachable_pub, missing_docs)]
#[path = "../examples/distributed_gateway.rs"]
mod example;

mod e2e_support;

use std::time::{Duration, Instant};

use e2e_support::{attribute, get_json_until, peer, unique};
use rizk::InMemoryExporter;

/// (span name, parent span name) of the example's trace, as Phoenix should return it.
const EXPECTED: [(&str, Option<&str>); 6] = [
    ("POST /chat", None),
    ("workflow.handle_chat", Some("POST /chat")),
    ("POST", Some("workflow.handle_chat")),
    ("POST /agent", Some("POST")),
    ("agent.support_agent", Some("POST /agent")),
    ("tool.lookup_order", Some("agent.support_agent")),
];

#[test]
#[ignore = "e2e: needs peers; run with cargo xtask e2e"]
fn e2e_http_phoenix_two_services_one_trace() {
    let base = peer("E2E_PHOENIX_URL");
    let project = unique("rizk-e2e-propagation");
    let start = Instant::now();
    let memory = InMemoryExporter::default();
    let rizk = example::rizk_builder(&project)
        .opentelemetry_endpoint(&base)
        .console_exporter(false)
        .ignore_environment()
        .with_exporter("memory", memory.clone())
        .init()
        .unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let answer = runtime.block_on(async {
        let services = example::start_services().await.unwrap();
        example::ask(services.gateway, "u-7", "Where is my order?")
            .await
            .unwrap()
    });
    assert!(answer.contains("on its way"), "{answer}");
    rizk.flush().unwrap();
    let trace_id = format!(
        "{}",
        memory.find("POST /chat").unwrap().span_context.trace_id()
    );
    rizk.shutdown();

    let url = format!("{base}/v1/projects/{project}/spans?trace_id={trace_id}&limit=100");
    let json = get_json_until(&url, Duration::from_secs(15), |j| {
        j["data"]
            .as_array()
            .is_some_and(|d| d.len() >= EXPECTED.len())
    });
    let spans = json["data"].as_array().unwrap();
    assert_eq!(spans.len(), EXPECTED.len(), "{json:#}");
    let by_name = |name: &str| {
        spans
            .iter()
            .find(|s| s["name"] == name)
            .unwrap_or_else(|| panic!("no span {name:?} in {json:#}"))
    };
    for (name, parent) in EXPECTED {
        let span = by_name(name);
        assert_eq!(span["context"]["trace_id"], trace_id.as_str(), "{span:#}");
        match parent {
            None => assert!(span["parent_id"].is_null(), "{name} is the root: {span:#}"),
            Some(parent) => assert_eq!(
                span["parent_id"],
                by_name(parent)["context"]["span_id"],
                "{name} should be a child of {parent}: {json:#}"
            ),
        }
    }
    // The agent service's spans carry the gateway's identifiers, received as baggage.
    for name in ["POST /agent", "agent.support_agent", "tool.lookup_order"] {
        let attributes = &by_name(name)["attributes"];
        assert_eq!(
            attribute(attributes, "conversation.id").unwrap(),
            "conv-42",
            "{name}: {attributes:#}"
        );
        assert_eq!(attribute(attributes, "user.id").unwrap(), "u-7", "{name}");
        assert_eq!(
            attribute(attributes, "organization.id").unwrap(),
            "acme",
            "{name}"
        );
    }
    assert_eq!(by_name("agent.support_agent")["span_kind"], "AGENT");
    println!(
        "e2e_http_phoenix_two_services_one_trace: checked in {:?} (project {project}, trace {trace_id})",
        start.elapsed()
    );
}
