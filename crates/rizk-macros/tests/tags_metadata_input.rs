//! Tags and metadata (macro arguments and functions) add up through the span tree, and
//! `input = "param"` records one argument, as text, as the span's input.

#![allow(clippy::unwrap_used)] // a test fails loudly on what it did not expect

use opentelemetry_sdk::trace::SpanData;
use rizk::opentelemetry::{Array, Value};
use rizk::testing::{attr_str, install_harness, span};
use rizk::{agent, task, workflow};

struct Customer {
    id: u32,
}

#[workflow(
    name = "tagged_chat",
    tags("vip"),
    metadata(tier = "gold"),
    input = "question",
    skip(customer)
)]
fn chat(customer: &Customer, question: &str) -> String {
    let _ = customer.id;
    answer(question)
}

#[agent(
    name = "answerer",
    tags("beta", "vip"),
    metadata(region = "eu", tier = "platinum")
)]
fn answer(question: &str) -> String {
    lookup(question)
}

#[task(name = "lookup")]
fn lookup(question: &str) -> String {
    rizk::add_tags(["kb"]);
    rizk::add_metadata([("source", "kb")]);
    format!("answer to {question}")
}

fn tags(span: &SpanData, key: &str) -> Vec<String> {
    match span
        .attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| &kv.value)
    {
        Some(Value::Array(Array::String(tags))) => tags.iter().map(|t| t.to_string()).collect(),
        other => panic!("{} has no {key} list: {other:?}", span.name),
    }
}

fn metadata(span: &SpanData) -> serde_json::Value {
    serde_json::from_str(&attr_str(span, "metadata").unwrap()).unwrap()
}

#[test]
fn tags_add_up_metadata_merges_and_the_named_input_is_recorded_as_text() {
    let h = install_harness("tags-tests", |b| b);
    chat(&Customer { id: 7 }, "Where is my parcel?");
    let spans = h.trace_of("workflow.tagged_chat");
    let workflow = span(&spans, "workflow.tagged_chat");
    let agent = span(&spans, "agent.answerer");
    let task = span(&spans, "task.lookup");

    assert_eq!(tags(workflow, "tag.tags"), ["vip"]);
    assert_eq!(
        tags(agent, "tag.tags"),
        ["vip", "beta"],
        "added up, no repeat"
    );
    assert_eq!(tags(agent, "langfuse.trace.tags"), ["vip", "beta"]);
    assert_eq!(tags(task, "tag.tags"), ["vip", "beta", "kb"]);
    assert_eq!(tags(task, "langfuse.trace.tags"), ["vip", "beta", "kb"]);

    assert_eq!(metadata(workflow), serde_json::json!({"tier": "gold"}));
    assert_eq!(
        metadata(agent),
        serde_json::json!({"tier": "platinum", "region": "eu"}),
        "the agent's entry wins"
    );
    assert_eq!(
        metadata(task),
        serde_json::json!({"tier": "platinum", "region": "eu", "source": "kb"})
    );

    // The user's turn, as text: not {"question": ...}, and without the skipped customer.
    assert_eq!(
        attr_str(workflow, "input.value").as_deref(),
        Some("Where is my parcel?")
    );
    assert_eq!(
        attr_str(workflow, "input.mime_type").as_deref(),
        Some("text/plain")
    );
    // Without `input`, every argument, as before.
    assert_eq!(
        attr_str(agent, "input.value").as_deref(),
        Some(r#"{"question":"Where is my parcel?"}"#)
    );
}
