//! The `distributed_gateway` example (an axum gateway calling an agent service with reqwest,
//! both on 127.0.0.1) produces one trace with correct parent ids across the boundary, and the
//! allowed inherited attributes arrive on the other side. In-memory exporter.

#![allow(clippy::unwrap_used)]

#[allow(dead_code, unreachable_pub, missing_docs)]
#[path = "../examples/distributed_gateway.rs"]
mod example;

mod common;

use common::{attr_str, harness_with, is_root, span};
use opentelemetry::trace::{SpanKind, TraceId};
use opentelemetry_sdk::trace::SpanData;
use rizk::http::PropagationBuilderExt as _;

fn by_kind<'a>(spans: &'a [SpanData], kind: SpanKind, name: &str) -> &'a SpanData {
    spans
        .iter()
        .find(|s| s.span_kind == kind && s.name == name)
        .unwrap_or_else(|| panic!("no {kind:?} span {name} in {:?}", names(spans)))
}

fn names(spans: &[SpanData]) -> Vec<String> {
    spans
        .iter()
        .map(|s| format!("{:?} {}", s.span_kind, s.name))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_two_services_produce_one_trace_with_parents_across_the_boundary() {
    // Redaction stays on (the default): loopback addresses are not personal data.
    let h = harness_with(|b| b.baggage_attributes(example::BAGGAGE_ATTRIBUTES));
    let services = example::start_services().await.unwrap();
    let answer = example::ask(services.gateway, "u-7", "Where is my order?")
        .await
        .unwrap();
    assert_eq!(
        answer,
        "About \"Where is my order?\": order A-1 is on its way."
    );

    let gateway_server = h.trace_of("POST /chat");
    let trace_id: TraceId = gateway_server[0].span_context.trace_id();
    let spans = h.trace(trace_id);
    assert_eq!(spans.len(), 6, "{:?}", names(&spans));

    let gateway = by_kind(&spans, SpanKind::Server, "POST /chat");
    let workflow = span(&spans, "workflow.handle_chat");
    let client = by_kind(&spans, SpanKind::Client, "POST");
    let agent_server = by_kind(&spans, SpanKind::Server, "POST /agent");
    let agent = span(&spans, "agent.support_agent");
    let tool = span(&spans, "tool.lookup_order");

    assert!(is_root(gateway), "the user's request carried no trace");
    for (child, parent) in [
        (workflow, gateway),
        (client, workflow),
        (agent_server, client),
        (agent, agent_server),
        (tool, agent),
    ] {
        assert_eq!(
            child.parent_span_id,
            parent.span_context.span_id(),
            "{} should be a child of {}",
            child.name,
            parent.name
        );
        assert_eq!(child.span_context.trace_id(), trace_id);
    }
    assert!(agent_server.parent_span_is_remote, "the boundary");
    assert!(!agent.parent_span_is_remote);

    assert_eq!(
        attr_str(client, "url.full"),
        Some(format!("http://{}/agent", services.agent))
    );
    assert_eq!(
        attr_str(agent_server, "http.route").as_deref(),
        Some("/agent")
    );

    // The gateway's identifiers crossed the boundary as baggage and are inherited there.
    for s in [agent_server, agent, tool] {
        assert_eq!(
            attr_str(s, "conversation.id").as_deref(),
            Some("conv-42"),
            "{}",
            s.name
        );
        assert_eq!(attr_str(s, "user.id").as_deref(), Some("u-7"), "{}", s.name);
        assert_eq!(
            attr_str(s, "organization.id").as_deref(),
            Some("acme"),
            "{}",
            s.name
        );
    }
    // Content never does: the question is an input of the workflow, not baggage.
    assert!(attr_str(agent_server, "input.value").is_none());
}
