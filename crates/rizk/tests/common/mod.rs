//! One pipeline per test binary, exporting to memory; tests tell their spans apart by trace.

#![allow(clippy::unwrap_used)] // a test fails loudly on what it did not expect
#![allow(dead_code, unreachable_pub)]

use std::sync::OnceLock;

use opentelemetry::trace::{SpanId, TraceId};
use opentelemetry::{Key, Value};
use opentelemetry_sdk::trace::SpanData;
use rizk::{InMemoryExporter, Rizk, RizkBuilder, RizkHandle};

pub struct Harness {
    pub handle: RizkHandle,
    pub spans: InMemoryExporter,
}

static HARNESS: OnceLock<Harness> = OnceLock::new();

/// Installs rizk once for this test binary with `configure` applied to the builder.
pub fn harness_with(configure: impl FnOnce(RizkBuilder) -> RizkBuilder) -> &'static Harness {
    HARNESS.get_or_init(|| {
        let spans = InMemoryExporter::default();
        let builder = Rizk::builder()
            .app_name("rizk-tests")
            .console_exporter(false)
            .ignore_environment()
            .with_exporter("memory", spans.clone());
        let handle = configure(builder).init().expect("rizk initialises");
        Harness { handle, spans }
    })
}

pub fn harness() -> &'static Harness {
    harness_with(|b| b)
}

impl Harness {
    /// Flushes, then returns every span of the trace whose span is named `name`.
    pub fn trace_of(&self, name: &str) -> Vec<SpanData> {
        self.handle.flush().expect("flush");
        let root = self
            .spans
            .find(name)
            .unwrap_or_else(|| panic!("no span named {name}; have {:?}", self.names()));
        self.spans.trace(root.span_context.trace_id())
    }

    pub fn trace(&self, trace_id: TraceId) -> Vec<SpanData> {
        self.handle.flush().expect("flush");
        self.spans.trace(trace_id)
    }

    pub fn names(&self) -> Vec<String> {
        self.spans
            .spans()
            .iter()
            .map(|s| s.name.to_string())
            .collect()
    }
}

pub fn span<'a>(spans: &'a [SpanData], name: &str) -> &'a SpanData {
    spans.iter().find(|s| s.name == name).unwrap_or_else(|| {
        panic!(
            "no span {name} in {:?}",
            spans.iter().map(|s| &s.name).collect::<Vec<_>>()
        )
    })
}

pub fn attr(span: &SpanData, key: &str) -> Option<Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key == Key::new(key.to_owned()))
        .map(|kv| kv.value.clone())
}

pub fn attr_str(span: &SpanData, key: &str) -> Option<String> {
    attr(span, key).map(|v| v.as_str().into_owned())
}

pub fn is_child_of(child: &SpanData, parent: &SpanData) -> bool {
    child.parent_span_id == parent.span_context.span_id()
        && child.span_context.trace_id() == parent.span_context.trace_id()
}

pub fn is_root(span: &SpanData) -> bool {
    span.parent_span_id == SpanId::INVALID
}
