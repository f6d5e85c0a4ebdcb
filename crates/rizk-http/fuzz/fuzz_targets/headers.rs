//! The header parsers and every propagator on arbitrary input: nothing panics, and whatever is
//! accepted survives a round trip (format, then parse again, gives the same thing).
//!
//! Input layout: lines, one per header, in the order of `NAMES`; the first line is also fed to
//! every parser on its own.

#![no_main]

use std::collections::HashMap;

use libfuzzer_sys::fuzz_target;
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::TraceContextExt;
use rizk_http::{Propagator, parse};

const NAMES: [&str; 14] = [
    "traceparent",
    "tracestate",
    "baggage",
    "b3",
    "x-b3-traceid",
    "x-b3-spanid",
    "x-b3-sampled",
    "x-b3-flags",
    "uber-trace-id",
    "uberctx-user.id",
    "x-datadog-trace-id",
    "x-datadog-parent-id",
    "x-datadog-sampling-priority",
    "x-datadog-tags",
];

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let lines: Vec<&str> = input.split('\n').collect();
    let first = lines[0];

    if let Ok(sc) = parse::traceparent(first) {
        let again = parse::traceparent(&parse::format_traceparent(&sc)).expect("a formatted traceparent parses");
        assert_eq!((again.trace_id(), again.span_id()), (sc.trace_id(), sc.span_id()));
    }
    if let Ok(state) = parse::tracestate(first) {
        let again = parse::tracestate(&state.header()).expect("a formatted tracestate parses");
        assert_eq!(again.header(), state.header());
    }
    let parsed = parse::baggage(first);
    for member in &parsed.members {
        let encoded = parse::percent_encode(&member.value);
        assert_eq!(parse::percent_decode(&encoded).as_deref(), Some(member.value.as_str()));
    }
    let _ = parse::b3_single(first);
    let _ = parse::jaeger(first);
    let _ = parse::datadog(first, first, Some(first), Some(first));
    let _ = parse::percent_decode(first);

    let headers: HashMap<String, String> = NAMES
        .iter()
        .zip(lines.iter())
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let all = rizk_http::propagator(&Propagator::ALL);
    let cx = all.extract(&headers);
    // Whatever was extracted can be injected, and the injected headers extract to the same trace.
    let mut out: HashMap<String, String> = HashMap::new();
    all.inject_context(&cx, &mut out);
    let w3c = rizk_http::propagator(&[Propagator::TraceContext]);
    let sc = cx.span().span_context().clone();
    if sc.is_valid() {
        let back = w3c.extract(&out);
        assert_eq!(back.span().span_context().trace_id(), sc.trace_id());
    }
});
