//! Hand-made spans for driving `TailSampler` directly.

#![allow(dead_code, unreachable_pub)]

use std::borrow::Cow;
use std::time::{Duration, SystemTime};

use opentelemetry::trace::{
    Event, SpanContext, SpanId, SpanKind, Status, TraceFlags, TraceId, TraceState,
};
use opentelemetry::{InstrumentationScope, KeyValue};
use opentelemetry_sdk::trace::{SpanData, SpanEvents, SpanLinks};

/// A well-mixed 128-bit trace id for trace number `n` (sequential ids would all fall on the
/// same side of the trace-id ratio).
pub fn trace_id(n: u64) -> TraceId {
    let mix = |mut z: u64| {
        z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let high = mix(n.wrapping_mul(2));
    let low = mix(n.wrapping_mul(2).wrapping_add(1));
    TraceId::from((u128::from(high) << 64) | u128::from(low))
}

/// The base of every span's times.
pub fn epoch() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

/// A span `id` of `trace`, child of `parent` (0: a root), lasting 10 ms.
pub fn span(trace: TraceId, id: u64, parent: u64) -> SpanData {
    SpanData {
        span_context: SpanContext::new(
            trace,
            SpanId::from(id),
            TraceFlags::SAMPLED,
            false,
            TraceState::default(),
        ),
        parent_span_id: if parent == 0 {
            SpanId::INVALID
        } else {
            SpanId::from(parent)
        },
        parent_span_is_remote: false,
        span_kind: SpanKind::Internal,
        name: Cow::Borrowed("task.step"),
        start_time: epoch(),
        end_time: epoch() + Duration::from_millis(10),
        attributes: Vec::new(),
        dropped_attributes_count: 0,
        events: SpanEvents::default(),
        links: SpanLinks::default(),
        status: Status::Unset,
        instrumentation_scope: InstrumentationScope::default(),
    }
}

/// Status ERROR.
pub fn failed(mut span: SpanData) -> SpanData {
    span.status = Status::error("boom");
    span
}

/// An `exception` event (status left unset).
pub fn with_exception(mut span: SpanData) -> SpanData {
    span.events.events.push(Event::new(
        "exception",
        epoch(),
        vec![KeyValue::new("exception.message", "boom")],
        0,
    ));
    span
}

/// Starts at `start_ms` after the epoch and lasts `ms`.
pub fn timed(mut span: SpanData, start_ms: u64, ms: u64) -> SpanData {
    span.start_time = epoch() + Duration::from_millis(start_ms);
    span.end_time = span.start_time + Duration::from_millis(ms);
    span
}

/// With this span name.
pub fn named(mut span: SpanData, name: &'static str) -> SpanData {
    span.name = Cow::Borrowed(name);
    span
}

/// With this `rizk.entity.name`.
pub fn entity(mut span: SpanData, name: &'static str) -> SpanData {
    span.attributes
        .push(KeyValue::new("rizk.entity.name", name));
    span
}

/// Its parent is in another process.
pub fn remote_parent(mut span: SpanData, parent: u64) -> SpanData {
    span.parent_span_id = SpanId::from(parent);
    span.parent_span_is_remote = true;
    span
}

/// `mean ± z·sd` of Binomial(n, p), clamped to `0..=n`.
pub fn binomial_bounds(n: u64, p: f64, z: f64) -> (u64, u64) {
    let mean = n as f64 * p;
    let sd = (n as f64 * p * (1.0 - p)).sqrt();
    let low = (mean - z * sd).floor().max(0.0) as u64;
    let high = ((mean + z * sd).ceil() as u64).min(n);
    (low, high)
}
