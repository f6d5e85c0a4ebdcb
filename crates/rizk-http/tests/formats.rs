//! The header formats: round trips, agreement with the upstream OpenTelemetry propagators
//! (SDK W3C, opentelemetry-zipkin B3, opentelemetry-jaeger-propagator, opentelemetry-datadog),
//! composite behaviour, counted bad input, and no panic on any input.

#![allow(clippy::unwrap_used, deprecated)]

use std::collections::HashMap;

use opentelemetry::baggage::BaggageExt;
use opentelemetry::propagation::{TextMapCompositePropagator, TextMapPropagator};
use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
use opentelemetry::{Context, KeyValue};
use rizk_http::{
    B3Encoding, B3Propagator, BaggagePropagator, DatadogPropagator, JaegerPropagator, Propagator,
    TraceContextPropagator, malformed_headers, propagator,
};

const TRACE: u128 = 0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736;
const SPAN: u64 = 0x00f0_67aa_0ba9_02b7;

fn local(sampled: bool) -> Context {
    let flags = if sampled {
        TraceFlags::SAMPLED
    } else {
        TraceFlags::NOT_SAMPLED
    };
    Context::new().with_remote_span_context(SpanContext::new(
        TraceId::from(TRACE),
        SpanId::from(SPAN),
        flags,
        false,
        TraceState::from_key_value([("rojo", "00f067aa0ba902b7")]).unwrap(),
    ))
}

fn inject(p: &dyn TextMapPropagator, cx: &Context) -> HashMap<String, String> {
    let mut headers = HashMap::new();
    p.inject_context(cx, &mut headers);
    headers
}

fn headers(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn span_context(cx: &Context) -> SpanContext {
    cx.span().span_context().clone()
}

#[test]
fn every_format_round_trips_trace_span_and_sampling() {
    for kind in Propagator::ALL {
        if kind == Propagator::Baggage {
            continue;
        }
        let p = rizk_http::propagator_for(kind);
        for sampled in [true, false] {
            let sent = inject(p.as_ref(), &local(sampled));
            assert!(!sent.is_empty(), "{kind}: nothing injected");
            let got = span_context(&p.extract(&sent));
            assert!(got.is_valid() && got.is_remote(), "{kind}: {sent:?}");
            assert_eq!(got.trace_id(), TraceId::from(TRACE), "{kind}: {sent:?}");
            assert_eq!(got.span_id(), SpanId::from(SPAN), "{kind}");
            assert_eq!(got.is_sampled(), sampled, "{kind}");
        }
    }
}

#[test]
fn w3c_keeps_tracestate_and_the_random_flag() {
    let p = TraceContextPropagator::new();
    let got = span_context(&p.extract(&headers(&[
        (
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03",
        ),
        ("tracestate", "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"),
    ])));
    assert_eq!(got.trace_flags().to_u8(), 0x03);
    assert_eq!(got.trace_state().get("congo"), Some("t61rcWkgMzE"));
    let sent = inject(&p, &Context::new().with_remote_span_context(got));
    assert_eq!(
        sent["traceparent"],
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03"
    );
    assert_eq!(
        sent["tracestate"],
        "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"
    );
}

#[test]
fn w3c_agrees_with_the_sdk_propagators() {
    let ours = TraceContextPropagator::new();
    let sdk = opentelemetry_sdk::propagation::TraceContextPropagator::new();
    let cx = local(true);
    let from_sdk = span_context(&ours.extract(&inject(&sdk, &cx)));
    assert_eq!(from_sdk.trace_id(), TraceId::from(TRACE));
    assert_eq!(from_sdk.trace_state().get("rojo"), Some("00f067aa0ba902b7"));
    let from_ours = span_context(&sdk.extract(&inject(&ours, &cx)));
    assert_eq!(from_ours.span_id(), SpanId::from(SPAN));

    let ours = BaggagePropagator::new();
    let sdk = opentelemetry_sdk::propagation::BaggagePropagator::new();
    let cx = Context::new().with_baggage([
        KeyValue::new("conversation.id", "conv 1/2"),
        KeyValue::new("user.id", "ü;42"),
    ]);
    for (from, to) in [
        (
            &ours as &dyn TextMapPropagator,
            &sdk as &dyn TextMapPropagator,
        ),
        (&sdk, &ours),
    ] {
        let got = to.extract(&inject(from, &cx));
        assert_eq!(
            got.baggage().get("conversation.id").unwrap().as_str(),
            "conv 1/2"
        );
        assert_eq!(got.baggage().get("user.id").unwrap().as_str(), "ü;42");
    }
    // rizk sends a literal '+' escaped, so every receiver reads it back as '+'...
    let plus = Context::new().with_baggage([KeyValue::new("k", "a+b")]);
    assert_eq!(inject(&ours, &plus)["baggage"], "k=a%2Bb");
    assert_eq!(
        sdk.extract(&inject(&ours, &plus))
            .baggage()
            .get("k")
            .unwrap()
            .as_str(),
        "a+b"
    );
    // ...and reads an unescaped '+' as a space, as the Python SDK means it (the Rust SDK and Go
    // send a literal '+' unescaped: documented in docs/propagation.md).
    assert_eq!(
        ours.extract(&inject(&sdk, &plus))
            .baggage()
            .get("k")
            .unwrap()
            .as_str(),
        "a b"
    );
}

#[test]
fn b3_agrees_with_opentelemetry_zipkin_both_ways_and_in_both_encodings() {
    for (ours, theirs) in [
        (
            B3Encoding::SingleHeader,
            opentelemetry_zipkin::B3Encoding::SingleHeader,
        ),
        (
            B3Encoding::MultipleHeaders,
            opentelemetry_zipkin::B3Encoding::MultipleHeader,
        ),
    ] {
        let ours = B3Propagator::new(ours);
        let theirs = opentelemetry_zipkin::Propagator::with_encoding(theirs);
        for sampled in [true, false] {
            let cx = local(sampled);
            let got = span_context(&theirs.extract(&inject(&ours, &cx)));
            assert_eq!(
                (got.trace_id(), got.span_id(), got.is_sampled()),
                (TraceId::from(TRACE), SpanId::from(SPAN), sampled)
            );
            let got = span_context(&ours.extract(&inject(&theirs, &cx)));
            assert_eq!(
                (got.trace_id(), got.span_id(), got.is_sampled()),
                (TraceId::from(TRACE), SpanId::from(SPAN), sampled)
            );
        }
    }
    // Either encoding extracts both forms.
    let single = inject(&B3Propagator::new(B3Encoding::SingleHeader), &local(true));
    assert!(
        span_context(&B3Propagator::new(B3Encoding::MultipleHeaders).extract(&single)).is_valid()
    );
}

#[test]
fn jaeger_agrees_with_opentelemetry_jaeger_propagator_and_carries_baggage() {
    let ours = JaegerPropagator::new();
    let theirs = opentelemetry_jaeger_propagator::Propagator::new();
    for sampled in [true, false] {
        let cx = local(sampled);
        let got = span_context(&theirs.extract(&inject(&ours, &cx)));
        assert_eq!(
            (got.trace_id(), got.span_id(), got.is_sampled()),
            (TraceId::from(TRACE), SpanId::from(SPAN), sampled)
        );
        let got = span_context(&ours.extract(&inject(&theirs, &cx)));
        assert_eq!(
            (got.trace_id(), got.span_id(), got.is_sampled()),
            (TraceId::from(TRACE), SpanId::from(SPAN), sampled)
        );
    }
    let cx = local(true).with_baggage([KeyValue::new("user.id", "u 42")]);
    let sent = inject(&ours, &cx);
    assert_eq!(sent["uberctx-user.id"], "u%2042");
    assert_eq!(
        ours.extract(&sent)
            .baggage()
            .get("user.id")
            .unwrap()
            .as_str(),
        "u 42"
    );
}

#[test]
fn datadog_keeps_128_bit_trace_ids_and_agrees_with_opentelemetry_datadog_on_the_lower_half() {
    let ours = DatadogPropagator::new();
    let theirs = opentelemetry_datadog::DatadogPropagator::new();
    let sent = inject(&ours, &local(true));
    assert_eq!(sent["x-datadog-tags"], "_dd.p.tid=4bf92f3577b34da6");
    assert_eq!(sent["x-datadog-trace-id"], (TRACE as u64).to_string());
    let theirs_got = span_context(&theirs.extract(&sent));
    assert_eq!(
        theirs_got.trace_id(),
        TraceId::from(u128::from(TRACE as u64))
    );
    assert_eq!(theirs_got.span_id(), SpanId::from(SPAN));
    let got = span_context(&ours.extract(&inject(&theirs, &local(false))));
    assert_eq!(got.trace_id(), TraceId::from(u128::from(TRACE as u64)));
    assert!(!got.is_sampled());
}

#[test]
fn composite_injects_every_format_and_the_last_valid_one_wins_on_extraction() {
    let p = propagator(&[
        Propagator::TraceContext,
        Propagator::Baggage,
        Propagator::B3Multi,
        Propagator::Jaeger,
        Propagator::Datadog,
    ]);
    let sent = inject(&p, &local(true).with_baggage([KeyValue::new("k", "v")]));
    for name in [
        "traceparent",
        "tracestate",
        "baggage",
        "x-b3-traceid",
        "uber-trace-id",
        "x-datadog-trace-id",
    ] {
        assert!(sent.contains_key(name), "{name} missing from {sent:?}");
    }
    let other = "00-11111111111111111111111111111111-2222222222222222-01";
    let mut mixed = sent.clone();
    mixed.retain(|k, _| k.starts_with("x-b3"));
    mixed.insert("traceparent".into(), other.into());
    // B3 comes after trace context in the list: it wins.
    assert_eq!(
        span_context(&p.extract(&mixed)).trace_id(),
        TraceId::from(TRACE)
    );
    // A malformed B3 leaves the valid traceparent in place.
    mixed.insert("x-b3-spanid".into(), "nonsense".into());
    assert_eq!(
        span_context(&p.extract(&mixed)).trace_id(),
        TraceId::from(0x1111_1111_1111_1111_1111_1111_1111_1111)
    );
    assert!(propagator(&[]).fields().next().is_none());
}

#[test]
fn malformed_headers_start_a_new_root_and_are_counted() {
    let p = propagator(&Propagator::DEFAULT);
    let before = malformed_headers();
    let cx = p.extract(&headers(&[
        (
            "traceparent",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        ),
        ("baggage", "ok=1,bad key=2"),
    ]));
    assert!(!cx.span().span_context().is_valid());
    assert_eq!(cx.baggage().get("ok").unwrap().as_str(), "1");
    let cx = p.extract(&headers(&[
        (
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        ),
        ("tracestate", "Invalid Key=1"),
    ]));
    // A bad tracestate is dropped; the trace continues (W3C).
    assert!(cx.span().span_context().is_valid());
    assert!(cx.span().span_context().trace_state().header().is_empty());
    let after = malformed_headers();
    assert!(after.traceparent > before.traceparent);
    assert!(after.tracestate > before.tracestate);
    assert!(after.baggage > before.baggage);

    let b3 = rizk_http::propagator_for(Propagator::B3);
    b3.extract(&headers(&[("b3", "garbage")]));
    let jaeger = JaegerPropagator::new();
    jaeger.extract(&headers(&[("uber-trace-id", "1:2:3")]));
    let dd = DatadogPropagator::new();
    dd.extract(&headers(&[("x-datadog-trace-id", "abc")]));
    let last = malformed_headers();
    assert!(last.b3 > after.b3 && last.jaeger > after.jaeger && last.datadog > after.datadog);
}

#[test]
fn baggage_limits_hold_both_ways() {
    let p = BaggagePropagator::new();
    let before = malformed_headers().baggage_over_limit;
    let huge = format!("k={}", "v".repeat(9000));
    assert!(
        p.extract(&headers(&[("baggage", &huge)]))
            .baggage()
            .is_empty()
    );
    let many: Vec<String> = (0..100).map(|i| format!("k{i}=v")).collect();
    // OpenTelemetry's Baggage holds 64 entries: the rest are dropped and counted.
    assert_eq!(
        p.extract(&headers(&[("baggage", &many.join(","))]))
            .baggage()
            .len(),
        64
    );
    assert!(malformed_headers().baggage_over_limit >= before + 2);

    let big: Vec<KeyValue> = (0..60)
        .map(|i| KeyValue::new(format!("k{i}"), "x".repeat(130)))
        .collect();
    let sent = inject(&p, &Context::new().with_baggage(big));
    assert!(sent["baggage"].len() <= 8192, "{}", sent["baggage"].len());
}

/// A small deterministic generator: header-like strings built from the characters that matter.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn string(&mut self) -> String {
        const PIECES: &[&str] = &[
            "00",
            "ff",
            "-",
            ":",
            ",",
            ";",
            "=",
            "%",
            "%2",
            "%zz",
            "+",
            " ",
            "\t",
            "@",
            "0",
            "4bf92f3577b34da6a3ce929d0e0e4736",
            "00f067aa0ba902b7",
            "01",
            "03",
            "d",
            "_dd.p.tid=",
            "ü",
            "\u{0}",
            "key",
            "Value",
            "%3A",
            "1234567890",
            "99999999999999999999",
        ];
        let n = self.next() % 12;
        (0..n)
            .map(|_| PIECES[(self.next() % PIECES.len() as u64) as usize])
            .collect()
    }
}

#[test]
fn no_input_makes_any_propagator_panic() {
    let p = propagator(&Propagator::ALL);
    let names = [
        "traceparent",
        "tracestate",
        "baggage",
        "b3",
        "x-b3-traceid",
        "x-b3-spanid",
        "x-b3-sampled",
        "x-b3-flags",
        "uber-trace-id",
        "uberctx-k",
        "x-datadog-trace-id",
        "x-datadog-parent-id",
        "x-datadog-sampling-priority",
        "x-datadog-tags",
    ];
    let mut g = Gen(0x9e37_79b9_7f4a_7c15);
    for _ in 0..20_000 {
        let mut map = HashMap::new();
        for name in names {
            if g.next().is_multiple_of(2) {
                map.insert(name.to_owned(), g.string());
            }
        }
        let cx = p.extract(&map);
        // Whatever was extracted can be injected again.
        let _ = inject(&p, &cx);
        let s = g.string();
        let _ = rizk_http::parse::traceparent(&s);
        let _ = rizk_http::parse::tracestate(&s);
        let _ = rizk_http::parse::baggage(&s);
        let _ = rizk_http::parse::b3_single(&s);
        let _ = rizk_http::parse::jaeger(&s);
        let _ = rizk_http::parse::datadog(&s, &s, Some(&s), Some(&s));
    }
}

#[test]
fn composite_of_the_sdk_type_is_what_propagator_returns() {
    let p: TextMapCompositePropagator = propagator(&[Propagator::TraceContext]);
    let mut fields: Vec<&str> = p.fields().collect();
    fields.sort_unstable();
    assert_eq!(fields, ["traceparent", "tracestate"]);
}
