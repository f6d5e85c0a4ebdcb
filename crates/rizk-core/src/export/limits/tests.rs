//! Media placeholders (data URIs, JSON, bare runs, look-alikes), truncation at character
//! boundaries, the marker, counters, and fitting one span into a request.

use std::borrow::Cow;
use std::sync::Arc;

use opentelemetry::trace::{Event, Status};
use opentelemetry::{Array, KeyValue, StringValue, Value};

use super::*;
use crate::export::{size, test_span};

/// Standard base64 of `bytes`, for building test media.
fn b64(bytes: &[u8]) -> String {
    const SYMBOLS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(SYMBOLS[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Pseudo-random bytes (a fixed xorshift), starting with `magic`.
fn media_bytes(magic: &[u8], len: usize) -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut out = magic.to_vec();
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.push(state as u8);
    }
    out
}

fn sha16(bytes: &[u8]) -> String {
    hex::encode(&Sha256::digest(bytes)[..8])
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";

fn llm_span(key: &'static str, value: String) -> SpanData {
    test_span(
        "chat",
        &[("openinference.span.kind", "LLM".to_owned()), (key, value)],
    )
}

fn attr<'a>(span: &'a SpanData, key: &str) -> Cow<'a, str> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| kv.value.as_str())
        .unwrap_or_else(|| panic!("no attribute {key}"))
}

fn media() -> (InlineMediaTransform, Arc<LimitStats>) {
    let stats = Arc::new(LimitStats::default());
    (InlineMediaTransform::new(stats.clone()), stats)
}

#[test]
fn a_data_uri_becomes_a_placeholder_with_type_size_and_hash() {
    let image = media_bytes(PNG, 48_213);
    let text = format!("describe data:image/png;base64,{} please", b64(&image));
    let (out, n) = replace_inline_media(&text).unwrap();
    assert_eq!(n, 1);
    assert_eq!(
        out,
        format!(
            "describe [inline image/png, 48213 bytes, sha256:{}] please",
            sha16(&image)
        )
    );
}

#[test]
fn data_uris_inside_json_strings_keep_the_json_valid() {
    let image = media_bytes(b"\xff\xd8\xff\xe0", 5000);
    let messages = serde_json::json!([{
        "role": "user",
        "content": [
            {"type": "text", "text": "What is in this picture?"},
            {"type": "image_url", "image_url": {"url": format!("data:image/jpeg;base64,{}", b64(&image))}},
        ],
    }])
    .to_string();
    let mut span = llm_span("llm.input_messages.0.message.contents", messages.clone());
    let (transform, stats) = media();
    transform.transform(&mut span);
    let out = attr(&span, "llm.input_messages.0.message.contents");
    let parsed: serde_json::Value = serde_json::from_str(&out).expect("still JSON");
    assert_eq!(
        parsed[0]["content"][1]["image_url"]["url"],
        format!("[inline image/jpeg, 5000 bytes, sha256:{}]", sha16(&image))
    );
    assert_eq!(parsed[0]["content"][0]["text"], "What is in this picture?");
    assert_eq!(stats.snapshot().media_replaced, 1);

    // Serializers that escape '/' as "\/" (PHP, some Java ones).
    let escaped = format!(
        "{{\"url\":\"data:image\\/png;base64,{}\"}}",
        b64(&media_bytes(PNG, 300)).replace('/', "\\/")
    );
    let (out, _) = replace_inline_media(&escaped).unwrap();
    let parsed: serde_json::Value = serde_json::from_str(&out).expect("still JSON");
    let url = parsed["url"].as_str().unwrap();
    assert!(url.starts_with("[inline "), "{url}");
    assert!(url.contains("300 bytes"), "{url}");
}

#[test]
fn several_media_in_one_text_are_each_replaced_and_counted() {
    let a = b64(&media_bytes(PNG, 100));
    let b = b64(&media_bytes(b"GIF89a", 200));
    let text = format!("a: data:image/png;base64,{a}\nb: DATA:image/gif;name=x.gif;BASE64,{b}.");
    let (out, n) = replace_inline_media(&text).unwrap();
    assert_eq!(n, 2);
    assert!(
        out.starts_with("a: [inline image/png, 100 bytes, sha256:"),
        "{out}"
    );
    assert!(
        out.contains("\nb: [inline image/gif, 200 bytes, sha256:"),
        "{out}"
    );
    assert!(out.ends_with("]."), "{out}");
}

#[test]
fn bare_base64_runs_are_replaced_with_a_sniffed_type() {
    for (magic, media_type) in [
        (PNG, "image/png"),
        (b"RIFF\0\0\0\0WAVEfmt ".as_slice(), "audio/wav"),
        (b"ID3\x03".as_slice(), "audio/mpeg"),
        (b"%PDF-1.7".as_slice(), "application/pdf"),
        (b"\0\0\0\0\0\0".as_slice(), "media"),
    ] {
        let data = media_bytes(magic, 3000);
        let text = format!(
            "{{\"input_audio\":{{\"data\":\"{}\",\"format\":\"wav\"}}}}",
            b64(&data)
        );
        let (out, n) = replace_inline_media(&text).unwrap();
        assert_eq!(n, 1);
        assert_eq!(
            out,
            format!(
                "{{\"input_audio\":{{\"data\":\"[inline {media_type}, 3000 bytes, sha256:{}]\",\"format\":\"wav\"}}}}",
                sha16(&data)
            )
        );
    }
}

#[test]
fn look_alikes_are_left_alone() {
    let sha512 = "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e";
    let long_hex = sha512.repeat(40); // 5,120 hex characters, lower case only
    let uuids = (0..60)
        .map(|i| format!("3f2a9c0d-5e6b-4a81-9c{i:02}-0123456789ab"))
        .collect::<Vec<_>>()
        .join(",");
    let looks = [
        "Here is the data: it shows a rise of 5%.".to_owned(),
        "data:text/plain,hello%20world".to_owned(),
        "data:image/png;base64,".to_owned(),
        "metadata:image/png;base64 is a header".to_owned(),
        "x".repeat(5000),
        "ab".repeat(3000),
        long_hex.clone(),
        long_hex.to_ascii_uppercase(),
        uuids,
        // 1,000 base64 characters: below the threshold.
        b64(&media_bytes(PNG, 750)),
        // A path without dots or spaces but few distinct symbols.
        "/usr/local/share/".repeat(100),
        "The quick brown fox jumps over the lazy dog. ".repeat(200),
        "naïve café — 日本語のテキスト ".repeat(100),
    ];
    for text in looks {
        assert!(
            replace_inline_media(&text).is_none(),
            "replaced: {}",
            &text[..text.len().min(80)]
        );
    }
}

#[test]
fn media_next_to_multi_byte_text_keeps_the_text_intact() {
    let data = b64(&media_bytes(PNG, 2000));
    let text = format!("画像→{data}←終わり, and data:image/png;base64,{data}é");
    let (out, n) = replace_inline_media(&text).unwrap();
    assert_eq!(n, 2);
    assert!(
        out.starts_with("画像→[inline image/png, 2000 bytes"),
        "{out}"
    );
    assert!(out.contains("]←終わり, and [inline image/png"), "{out}");
    assert!(out.ends_with("]é"), "{out}");
}

#[test]
fn only_content_events_and_status_are_scanned() {
    let data = format!("data:image/png;base64,{}", b64(&media_bytes(PNG, 64)));
    let mut span = test_span(
        "tool",
        &[
            ("rizk.span.kind", "tool".to_owned()),
            ("input.value", data.clone()),
            ("exception.message", data.clone()),
            ("user.avatar", data.clone()), // not content: left to the other stages
        ],
    );
    span.attributes.push(KeyValue::new(
        "gen_ai.prompt",
        Value::Array(Array::String(vec![StringValue::from(data.clone())])),
    ));
    span.events.events.push(Event::new(
        data.clone(),
        std::time::SystemTime::UNIX_EPOCH,
        vec![KeyValue::new("message", data.clone())],
        0,
    ));
    span.status = Status::error(data.clone());
    let (transform, stats) = media();
    transform.transform(&mut span);
    assert!(attr(&span, "input.value").starts_with("[inline image/png, 64 bytes"));
    assert!(attr(&span, "exception.message").starts_with("[inline image/png"));
    assert_eq!(attr(&span, "user.avatar"), data);
    assert!(attr(&span, "gen_ai.prompt").contains("[inline image/png"));
    let event = &span.events.events[0];
    assert!(event.name.starts_with("[inline image/png"));
    assert!(event.attributes[0].value.as_str().starts_with("[inline"));
    match &span.status {
        Status::Error { description } => assert!(description.starts_with("[inline")),
        other => panic!("{other:?}"),
    }
    assert_eq!(stats.snapshot().media_replaced, 6);
}

#[test]
fn keep_inline_media_turns_the_transform_off() {
    let config = crate::RizkBuilder::new()
        .app_name("svc")
        .keep_inline_media(true)
        .ignore_environment()
        .build_config()
        .unwrap();
    assert!(InlineMediaTransform::from_options(&config.limits, Arc::default()).is_none());
}

fn limits(cap: usize, value_limit: Option<usize>) -> (LimitTransform, Arc<LimitStats>) {
    let stats = Arc::new(LimitStats::default());
    (LimitTransform::new(cap, value_limit, stats.clone()), stats)
}

#[test]
fn the_content_cap_cuts_with_a_marker_recording_the_original_length() {
    let (transform, stats) = limits(131_072, None);
    let mut span = llm_span("output.value", "a".repeat(300_000));
    span.attributes
        .push(KeyValue::new("user.id", "u".repeat(300_000)));
    transform.transform(&mut span);
    let out = attr(&span, "output.value");
    assert_eq!(
        &out[131_072..],
        "…[truncated by rizk: 131072 of 300000 bytes kept]"
    );
    assert!(out[..131_072].bytes().all(|b| b == b'a'));
    // Not content, no value limit: untouched.
    assert_eq!(attr(&span, "user.id").len(), 300_000);
    assert_eq!(stats.snapshot().truncated_content, 1);
    assert_eq!(stats.snapshot().truncated_values, 0);
}

#[test]
fn the_content_cap_never_splits_a_character() {
    // "é" is 2 bytes, "日" 3, "😀" 4: every cap position lands inside one of them somewhere.
    let text = "é日😀".repeat(50);
    for cap in 1..40 {
        let (transform, _) = limits(cap, None);
        let mut span = llm_span("input.value", text.clone());
        transform.transform(&mut span);
        let out = attr(&span, "input.value");
        let (kept, marker) = out.split_once('…').unwrap();
        assert!(
            kept.len() <= cap && cap - kept.len() < 4,
            "cap {cap}: {kept:?}"
        );
        assert!(text.starts_with(kept));
        assert_eq!(
            marker,
            format!(
                "[truncated by rizk: {} of {} bytes kept]",
                kept.len(),
                text.len()
            )
        );
    }
}

#[test]
fn the_content_cap_covers_error_text_and_events() {
    let (transform, stats) = limits(10, None);
    let mut span = test_span(
        "task",
        &[
            ("exception.message", "m".repeat(20)),
            ("exception.type", "T".repeat(20)),
        ],
    );
    span.status = Status::error("d".repeat(20));
    span.events.events.push(Event::new(
        "n".repeat(20),
        std::time::SystemTime::UNIX_EPOCH,
        vec![KeyValue::new("exception.message", "e".repeat(20))],
        0,
    ));
    transform.transform(&mut span);
    assert!(attr(&span, "exception.message").starts_with("mmmmmmmmmm…[truncated"));
    assert_eq!(attr(&span, "exception.type"), "T".repeat(20));
    let Status::Error { description } = &span.status else {
        panic!()
    };
    assert!(description.starts_with("dddddddddd…"));
    assert!(span.events.events[0].name.starts_with("nnnnnnnnnn…"));
    assert_eq!(stats.snapshot().truncated_content, 4);
}

#[test]
fn the_value_length_limit_counts_characters_and_adds_no_marker() {
    let (transform, stats) = limits(usize::MAX, Some(3));
    let mut span = test_span(
        "s",
        &[
            ("user.name", "日本語テキスト".to_owned()),
            ("short", "abc".to_owned()),
        ],
    );
    span.attributes.push(KeyValue::new(
        "tags",
        Value::Array(Array::String(vec!["abcdef".into(), "ab".into()])),
    ));
    span.attributes
        .push(KeyValue::new("count", 123_456_789_i64));
    span.events.events.push(Event::new(
        "event name is not an attribute",
        std::time::SystemTime::UNIX_EPOCH,
        vec![KeyValue::new("field", "😀😀😀😀")],
        0,
    ));
    transform.transform(&mut span);
    assert_eq!(attr(&span, "user.name"), "日本語");
    assert_eq!(attr(&span, "short"), "abc");
    assert_eq!(attr(&span, "tags"), "[\"abc\",\"ab\"]");
    assert_eq!(attr(&span, "count"), "123456789");
    assert_eq!(span.events.events[0].name, "event name is not an attribute");
    assert_eq!(span.events.events[0].attributes[0].value.as_str(), "😀😀😀");
    assert_eq!(stats.snapshot().truncated_values, 3);
}

#[test]
fn the_value_limit_applies_before_the_content_cap() {
    let (transform, stats) = limits(5, Some(8));
    let mut span = llm_span("output.value", "0123456789".to_owned());
    transform.transform(&mut span);
    assert_eq!(
        attr(&span, "output.value"),
        "01234…[truncated by rizk: 5 of 8 bytes kept]"
    );
    let s = stats.snapshot();
    assert_eq!((s.truncated_values, s.truncated_content), (1, 1));
}

#[test]
fn options_build_the_transforms_they_ask_for() {
    let config = crate::RizkBuilder::new()
        .app_name("svc")
        .ignore_environment()
        .build_config()
        .unwrap();
    let t = LimitTransform::from_options(&config.limits, Arc::default()).unwrap();
    assert_eq!(t.max_content_length, 131_072);
    assert_eq!(t.value_length_limit, None);
}

#[test]
fn a_second_cut_keeps_the_first_original_length() {
    let once = truncate_with_marker(&"x".repeat(1000), 500);
    let twice = truncate_with_marker(&once, 100);
    assert_eq!(
        twice,
        format!(
            "{}…[truncated by rizk: 100 of 1000 bytes kept]",
            "x".repeat(100)
        )
    );
}

#[test]
fn an_oversized_span_is_cut_to_fit_largest_values_first() {
    let mut span = test_span(
        "chat",
        &[
            ("input.value", "i".repeat(300_000)),
            ("output.value", "o".repeat(200_000)),
            ("gen_ai.request.model", "gpt-4o".to_owned()),
        ],
    );
    assert!(fit_to_request(&mut span, 400_000));
    assert!(size::encoded_len(&span) <= 400_000);
    // Only the largest value was cut, just enough; the others are whole.
    assert_eq!(attr(&span, "output.value").len(), 200_000);
    assert_eq!(attr(&span, "gen_ai.request.model"), "gpt-4o");
    let input = attr(&span, "input.value");
    assert!(
        input.ends_with("of 300000 bytes kept]"),
        "{}",
        &input[input.len() - 60..]
    );
    assert!(input.len() > 190_000, "{}", input.len());
}

#[test]
fn several_values_are_cut_when_one_is_not_enough() {
    let mut span = test_span(
        "chat",
        &[
            ("a", "a".repeat(50_000)),
            ("b", "b".repeat(40_000)),
            ("c", "c".repeat(30_000)),
        ],
    );
    span.events.events.push(Event::new(
        "😀".repeat(10_000),
        std::time::SystemTime::UNIX_EPOCH,
        vec![],
        0,
    ));
    span.status = Status::error("s".repeat(20_000));
    assert!(fit_to_request(&mut span, 20_000));
    assert!(size::encoded_len(&span) <= 20_000);
    assert!(attr(&span, "a").starts_with("…[truncated by rizk: 0 of 50000"));
    assert!(attr(&span, "c").contains("of 30000 bytes kept]"));
    // Every cut is at a char boundary (the String would not exist otherwise) and marked.
    let name = &span.events.events[0].name;
    assert!(name.len() < 40_000);
}

#[test]
fn a_span_that_fits_is_left_alone_and_tiny_values_are_not_cut() {
    let mut span = test_span("s", &[("k", "v".repeat(1000))]);
    let before = span.attributes.clone();
    assert!(fit_to_request(&mut span, 10_000));
    assert_eq!(span.attributes, before);
    // Thousands of short values: nothing worth cutting, so it cannot fit.
    let mut span = test_span("s", &[]);
    span.attributes = (0..2000)
        .map(|i| KeyValue::new(format!("key.{i}"), "v".repeat(100)))
        .collect();
    assert!(!fit_to_request(&mut span, 10_000));
}

#[test]
fn the_sdk_applies_the_count_limits_rizk_validated() {
    use opentelemetry::trace::{Span, Tracer, TracerProvider};
    let config = crate::RizkBuilder::new()
        .app_name("svc")
        .span_attribute_count_limit(3)
        .span_event_count_limit(1)
        .ignore_environment()
        .build_config()
        .unwrap();
    let exporter = crate::export::InMemoryExporter::default();
    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder()
        .with_span_limits(config.limits.sdk_span_limits())
        .with_simple_exporter(exporter.clone())
        .build();
    let mut span = provider.tracer("t").start("limited");
    for i in 0..10 {
        span.set_attribute(KeyValue::new(format!("k{i}"), i64::from(i)));
    }
    span.add_event("first", vec![]);
    span.add_event("second", vec![]);
    span.end();
    let spans = exporter.spans();
    assert_eq!(spans[0].attributes.len(), 3);
    assert_eq!(spans[0].dropped_attributes_count, 7);
    assert_eq!(spans[0].events.len(), 1);
    assert_eq!(spans[0].events.dropped_count, 1);
}

#[test]
fn adversarial_inputs_take_linear_time() {
    // Near-misses of every kind, 1 MB each: "data:" headers that never reach ";base64,",
    // runs that stop just short of qualifying, and a real 1 MB image.
    let near_misses = [
        "data:image/png;base64".repeat(50_000),
        format!("data:{}", "a;".repeat(500_000)),
        format!("{} ", b64(&media_bytes(PNG, 760))).repeat(1000),
        "data:data:data:".repeat(70_000),
    ];
    let image = format!("data:image/png;base64,{}", b64(&media_bytes(PNG, 1 << 20)));
    let started = std::time::Instant::now();
    for text in &near_misses {
        assert!(replace_inline_media(text).is_none());
    }
    assert_eq!(replace_inline_media(&image).unwrap().1, 1);
    // Generous for a debug build on a busy machine; quadratic behaviour would take minutes.
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}
