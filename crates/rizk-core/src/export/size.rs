//! What a span weighs: in memory (what the export queues are bounded by) and on the wire (what
//! batches are split by, so that no request exceeds what a receiver takes).
//!
//! Both are estimates computed in one pass over the span's strings, cheap enough for the
//! application thread (no allocation, no encoding). They err on the heavy side: a queue bounded
//! by them holds at most its budget, and a request split by them stays under its maximum.

use std::mem::size_of;

use opentelemetry::{Array, KeyValue, Value};
use opentelemetry_sdk::trace::SpanData;

/// Bytes one span occupies in memory: the struct and everything it owns on the heap.
pub(crate) fn memory_size(span: &SpanData) -> usize {
    let attributes = span.attributes.capacity() * size_of::<KeyValue>()
        + span.attributes.iter().map(kv_heap).sum::<usize>();
    let events: usize = span
        .events
        .iter()
        .map(|e| {
            size_of::<opentelemetry::trace::Event>()
                + e.name.len()
                + e.attributes.capacity() * size_of::<KeyValue>()
                + e.attributes.iter().map(kv_heap).sum::<usize>()
        })
        .sum();
    let links: usize = span
        .links
        .iter()
        .map(|l| {
            size_of::<opentelemetry::trace::Link>()
                + l.attributes.capacity() * size_of::<KeyValue>()
                + l.attributes.iter().map(kv_heap).sum::<usize>()
        })
        .sum();
    size_of::<SpanData>() + span.name.len() + attributes + events + links + status_len(span)
}

/// Bytes one span takes in an OTLP protobuf request, estimated from above: every string, plus
/// a generous allowance per field for tags, lengths and fixed-size values.
pub(crate) fn encoded_len(span: &SpanData) -> usize {
    /// Ids (16 + 8 + 8), two timestamps, kind, flags, counts and their tags.
    const SPAN_FIXED: usize = 96;
    const PER_FIELD: usize = 12;
    let attributes: usize = span
        .attributes
        .iter()
        .map(|kv| PER_FIELD + kv.key.as_str().len() + value_len(&kv.value))
        .sum();
    let events: usize = span
        .events
        .iter()
        .map(|e| {
            PER_FIELD * 2
                + e.name.len()
                + e.attributes
                    .iter()
                    .map(|kv| PER_FIELD + kv.key.as_str().len() + value_len(&kv.value))
                    .sum::<usize>()
        })
        .sum();
    let links: usize = span
        .links
        .iter()
        .map(|l| {
            PER_FIELD * 4
                + l.attributes
                    .iter()
                    .map(|kv| PER_FIELD + kv.key.as_str().len() + value_len(&kv.value))
                    .sum::<usize>()
        })
        .sum();
    SPAN_FIXED + span.name.len() + attributes + events + links + status_len(span)
}

fn status_len(span: &SpanData) -> usize {
    match &span.status {
        opentelemetry::trace::Status::Error { description } => description.len(),
        _ => 0,
    }
}

/// Heap bytes of one attribute (its key and its value's strings; `Static` keys count too, as
/// an estimate from above).
fn kv_heap(kv: &KeyValue) -> usize {
    kv.key.as_str().len() + value_len(&kv.value)
}

/// Bytes of a value's payload: its strings, or 8 per number.
pub(crate) fn value_len(value: &Value) -> usize {
    match value {
        Value::String(s) => s.as_str().len(),
        Value::Array(Array::String(items)) => items.iter().map(|s| s.as_str().len() + 8).sum(),
        Value::Array(Array::Bool(items)) => items.len(),
        Value::Array(Array::I64(items)) => items.len() * 8,
        Value::Array(Array::F64(items)) => items.len() * 8,
        _ => 8,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::test_span as sample_span;

    #[test]
    fn strings_dominate_both_estimates() {
        let small = sample_span("s", &[("k", "v".to_owned())]);
        let big = sample_span("s", &[("k", "v".repeat(100_000))]);
        assert!(memory_size(&big) - memory_size(&small) >= 99_999);
        assert!(encoded_len(&big) - encoded_len(&small) >= 99_999);
    }

    #[test]
    fn an_empty_span_weighs_its_struct() {
        let span = sample_span("", &[]);
        assert!(memory_size(&span) >= size_of::<SpanData>());
        assert!(encoded_len(&span) < 200);
    }
}
