//! `set_span_context`: attributes stamped on every descendant started after the call.

#![allow(clippy::unwrap_used)] // a test fails loudly on what it did not expect

mod common;

use common::{attr_str, harness, span};
use opentelemetry::KeyValue;
use opentelemetry::trace::Tracer;
use rizk::{set_span_context, task, workflow};

struct Document {
    id: &'static str,
    kind: &'static str,
}

#[workflow(
    name = "document_processing",
    organization_id = "legal",
    project_id = "contracts",
    skip(document)
)]
fn process_legal_document(document: &Document) -> usize {
    let before = summarize("early");
    set_span_context([
        KeyValue::new("document.type", document.kind),
        KeyValue::new("document.id", document.id),
        KeyValue::new("conversation.id", "conv_1"),
    ]);
    let text = extract_text(document.id);
    let custom = rizk::get_tracer("tests").in_span("custom.analysis", |_| 1);
    before + text + custom
}

#[task(name = "text_extraction")]
fn extract_text(id: &str) -> usize {
    set_span_context([KeyValue::new("extraction.method", "ocr")]);
    ocr_page(id)
}

#[task]
fn ocr_page(id: &str) -> usize {
    id.len()
}

#[task]
fn summarize(text: &str) -> usize {
    text.len()
}

#[test]
fn context_reaches_descendants_started_after_the_call() {
    let h = harness();
    process_legal_document(&Document {
        id: "doc-9",
        kind: "contract",
    });
    let spans = h.trace_of("workflow.document_processing");
    let root = span(&spans, "workflow.document_processing");
    let extract = span(&spans, "task.text_extraction");
    let page = span(&spans, "task.ocr_page");
    let custom = span(&spans, "custom.analysis");
    let early = span(&spans, "task.summarize");

    for s in [root, extract, page, custom] {
        assert_eq!(
            attr_str(s, "document.type").as_deref(),
            Some("contract"),
            "{}",
            s.name
        );
        assert_eq!(
            attr_str(s, "document.id").as_deref(),
            Some("doc-9"),
            "{}",
            s.name
        );
        assert_eq!(
            attr_str(s, "organization.id").as_deref(),
            Some("legal"),
            "{}",
            s.name
        );
        // Spec keys also go out under the names backends read.
        assert_eq!(
            attr_str(s, "session.id").as_deref(),
            Some("conv_1"),
            "{}",
            s.name
        );
        assert_eq!(
            attr_str(s, "gen_ai.conversation.id").as_deref(),
            Some("conv_1"),
            "{}",
            s.name
        );
    }
    assert_eq!(
        attr_str(early, "document.type"),
        None,
        "started before the call"
    );
    assert_eq!(attr_str(early, "organization.id").as_deref(), Some("legal"));

    // Context set in a task belongs to that task's subtree only.
    assert_eq!(
        attr_str(extract, "extraction.method").as_deref(),
        Some("ocr")
    );
    assert_eq!(attr_str(page, "extraction.method").as_deref(), Some("ocr"));
    assert_eq!(
        attr_str(custom, "extraction.method"),
        None,
        "a sibling of the task"
    );
    assert_eq!(
        attr_str(root, "extraction.method"),
        None,
        "the parent of the task"
    );
}

#[test]
fn outside_any_span_it_is_a_harmless_no_op() {
    harness();
    set_span_context([KeyValue::new("orphan", true)]);
    let summary = summarize("after orphan");
    assert_eq!(summary, 12);
    let spans = harness().trace_of("task.summarize");
    assert!(spans.iter().all(|s| attr_str(s, "orphan").is_none()));
}
