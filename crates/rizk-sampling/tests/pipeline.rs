//! The tail stage in the real pipeline: head sampler, export queue, worker thread, exporter.
//! One test function, since a process holds one pipeline at a time.

use opentelemetry::trace::{Span as _, Status, TraceContextExt as _, Tracer as _};
use opentelemetry::{Context, KeyValue};
use rizk_core::config::IntelligentSampling;
use rizk_core::export::InMemoryExporter;
use rizk_core::{ConfigUpdate, RizkBuilder};

/// Runs a request: a root with a child, the child failing or not, and a background span that
/// ends after the root. Returns the trace id.
fn request(name: &'static str, fail: bool) -> opentelemetry::trace::TraceId {
    let tracer = rizk_core::get_tracer("pipeline-test");
    let root = tracer.start(name);
    let cx = Context::current_with_span(root);
    let trace_id = cx.span().span_context().trace_id();
    let mut child = tracer.start_with_context("task.lookup", &cx);
    if fail {
        child.set_status(Status::error("lookup failed"));
    }
    child.end();
    let mut late = tracer.start_with_context("task.background", &cx);
    late.set_attribute(KeyValue::new("late", true));
    cx.span().end();
    // The background span ends after its root: it must follow the trace's decision.
    late.end();
    trace_id
}

#[test]
fn the_tail_stage_keeps_failing_requests_whole_and_drops_the_rest() {
    let spans = InMemoryExporter::default();
    let rizk = RizkBuilder::new()
        .app_name("tail-pipeline")
        .ignore_environment()
        .console_exporter(false)
        .trace_sampling_rate(0.0) // ordinary traces: none kept
        .with_exporter("memory", spans.clone())
        .tail_sampling_stage(rizk_sampling::tail_stage)
        .intelligent_sampling(IntelligentSampling::default())
        .init()
        .expect("init");

    let failing: Vec<_> = (0..20)
        .map(|_| request("workflow.checkout", true))
        .collect();
    let ordinary: Vec<_> = (0..20).map(|_| request("workflow.browse", false)).collect();
    rizk.flush().expect("flush");

    for id in &failing {
        let names: Vec<_> = spans
            .trace(*id)
            .iter()
            .map(|s| s.name.to_string())
            .collect();
        assert_eq!(
            names.len(),
            3,
            "failing trace kept whole, late span included: {names:?}"
        );
    }
    for id in &ordinary {
        assert!(
            spans.trace(*id).is_empty(),
            "ordinary trace leaked: {:?}",
            spans.trace(*id)
        );
    }
    let metrics = rizk_core::get_tracing_metrics();
    assert_eq!(metrics.dropped_tail_policy, 60);
    assert_eq!(metrics.spans_exported, 60);
    assert_eq!(
        (metrics.tail_buffered_spans, metrics.tail_buffered_traces),
        (0, 0)
    );

    // Switched off at run time: later traces pass through, at the head rate.
    rizk_core::update_config(
        ConfigUpdate::new()
            .intelligent_sampling(None)
            .trace_sampling_rate(1.0),
    )
    .expect("update");
    let after = request("workflow.browse", false);
    rizk.flush().expect("flush");
    assert_eq!(spans.trace(after).len(), 3);

    // And on again, with a policy that keeps this operation.
    rizk_core::configure_intelligent_sampling(IntelligentSampling {
        high_priority_operations: vec![("workflow.pay*".into(), 1.0)],
        default_rate: Some(0.0),
        ..IntelligentSampling::default()
    })
    .expect("configure");
    let paid = request("workflow.payment", false);
    let browsed = request("workflow.browse", false);
    rizk.shutdown();
    assert_eq!(spans.trace(paid).len(), 3);
    assert!(spans.trace(browsed).is_empty());
}
