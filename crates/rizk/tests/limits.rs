//! Attribute and payload limits through the whole pipeline: inline media placeholders before
//! redaction, the content cap after it, and the OpenTelemetry count limits in the SDK.

#![allow(clippy::unwrap_used)] // a test fails loudly on what it did not expect

mod common;

use common::{attr_str, harness_with, span};
use opentelemetry::KeyValue;
use opentelemetry::trace::{Span, Tracer};
use rizk::workflow;

fn harness() -> &'static common::Harness {
    harness_with(|b| b.max_content_length(1000).span_attribute_count_limit(64))
}

/// Standard base64 of `len` bytes of a PNG-looking file.
fn png_base64(len: usize) -> String {
    const SYMBOLS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    while bytes.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        bytes.push(state as u8);
    }
    bytes
        .chunks(3)
        .flat_map(|c| {
            let n = c
                .iter()
                .enumerate()
                .fold(0u32, |acc, (i, &b)| acc | u32::from(b) << (16 - 8 * i));
            (0..4).map(move |i| {
                if i <= c.len() {
                    SYMBOLS[(n >> (18 - 6 * i) & 63) as usize] as char
                } else {
                    '='
                }
            })
        })
        .collect()
}

#[workflow(name = "describe_image")]
fn describe_image(prompt: &str) -> String {
    let _ = prompt;
    "a long description. ".repeat(100)
}

#[test]
fn media_becomes_a_placeholder_and_long_content_is_capped_with_a_marker() {
    let h = harness();
    let prompt = format!("What is this? data:image/png;base64,{}", png_base64(90_000));
    let _ = describe_image(&prompt);
    let spans = h.trace_of("workflow.describe_image");
    let root = span(&spans, "workflow.describe_image");

    let input = attr_str(root, "input.value").unwrap();
    assert!(
        input.starts_with(r#"{"prompt":"What is this? [inline image/png, 90000 bytes, sha256:"#),
        "{input}"
    );
    assert!(input.len() < 200, "{input}");

    let output = attr_str(root, "output.value").unwrap();
    let (kept, marker) = output.split_once('…').unwrap();
    assert!(kept.len() <= 1000, "{}", kept.len());
    assert!(
        marker.starts_with("[truncated by rizk: ") && marker.ends_with(" bytes kept]"),
        "{marker}"
    );
}

#[test]
fn spans_keep_at_most_the_attribute_count_limit() {
    let h = harness();
    let tracer = rizk::get_tracer("limits-test");
    let mut span_ = tracer.start("many_attributes");
    for i in 0..100 {
        span_.set_attribute(KeyValue::new(format!("attr.{i}"), i64::from(i)));
    }
    span_.end();
    let spans = h.trace_of("many_attributes");
    let exported = span(&spans, "many_attributes");
    assert_eq!(exported.attributes.len(), 64);
    assert_eq!(exported.dropped_attributes_count, 36);
}

#[test]
fn the_limits_are_reported_with_their_sources() {
    let _ = harness();
    let config = rizk::get_trace_config();
    let setting = |name: &str| {
        config
            .settings
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("no setting {name}"))
            .clone()
    };
    assert_eq!(setting("max_content_length").value, "1000 bytes");
    assert_eq!(
        setting("max_content_length").source,
        rizk::config::Source::Builder
    );
    assert_eq!(setting("span_attribute_count_limit").value, "64");
    assert_eq!(setting("keep_inline_media").value, "false");
    assert_eq!(setting("attribute_value_length_limit").value, "unlimited");
}
