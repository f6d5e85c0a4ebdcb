//! Under a parent in another process, a custom sampler decides (the parent-based rule follows
//! only local parents when a custom sampler is set): it must see the span's attributes, also
//! when the remote parent was not sampled, and a span it keeps carries them all. One pipeline
//! per test binary: the custom sampler is global.

#![allow(clippy::unwrap_used)] // a test fails loudly on what it did not expect

mod common;

use common::{attr_str, harness_with};
use rizk::opentelemetry::Context;
use rizk::opentelemetry::trace::{
    SpanContext, SpanId, TraceContextExt as _, TraceFlags, TraceId, TraceState,
};
use rizk::{CustomSampler, KeyValue, SamplingContext, task};

/// Keeps the spans of tasks, and nothing else: it can only keep a span whose attributes it saw.
struct KeepTasks;

impl CustomSampler for KeepTasks {
    fn should_sample(&self, _: &SamplingContext<'_>, _: &str, attributes: &[KeyValue]) -> bool {
        attributes
            .iter()
            .any(|kv| kv.key.as_str() == "rizk.span.kind" && kv.value.as_str() == "task")
    }
}

#[task(name = "remote_child", organization_id = "acme")]
fn remote_child() -> TraceId {
    rizk::current_span().span_context().trace_id()
}

fn remote_parent(trace: u128, flags: TraceFlags) -> Context {
    Context::new().with_remote_span_context(SpanContext::new(
        TraceId::from(trace),
        SpanId::from(0x42u64),
        flags,
        true,
        TraceState::default(),
    ))
}

#[test]
fn a_custom_sampler_under_a_remote_parent_sees_the_attributes_and_its_span_keeps_them() {
    let h = harness_with(|b| b.custom_sampler(KeepTasks));
    for (trace, flags) in [
        (0xa1u128, TraceFlags::default()),
        (0xa2u128, TraceFlags::SAMPLED),
    ] {
        let trace_id = {
            let _entered = remote_parent(trace, flags).attach();
            remote_child()
        };
        assert_eq!(
            trace_id,
            TraceId::from(trace),
            "the task continues the remote trace"
        );
        h.handle.flush().unwrap();
        let spans = h.spans.trace(trace_id);
        assert_eq!(
            spans.len(),
            1,
            "the sampler saw the task's kind and kept it (remote parent flags {flags:?})"
        );
        let span = &spans[0];
        assert_eq!(attr_str(span, "rizk.span.kind").as_deref(), Some("task"));
        assert_eq!(
            attr_str(span, "rizk.entity.name").as_deref(),
            Some("remote_child")
        );
        assert_eq!(attr_str(span, "organization.id").as_deref(), Some("acme"));
    }
}
