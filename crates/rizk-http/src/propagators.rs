//! The text-map propagators: W3C Trace Context and Baggage, B3, Jaeger and Datadog, each
//! counting the headers it could not use (see [`crate::malformed_headers`]).

use opentelemetry::baggage::{Baggage, BaggageExt as _};
use opentelemetry::propagation::text_map_propagator::FieldIter;
use opentelemetry::propagation::{
    Extractor, Injector, TextMapCompositePropagator, TextMapPropagator,
};
use opentelemetry::trace::{SpanContext, TraceContextExt as _};
use opentelemetry::{Context, StringValue};

use crate::options::Propagator;
use crate::parse;
use crate::stats::{Bad, count};

/// Every value of `name`, joined with `,` (the way HTTP combines repeated headers).
fn joined<'a>(extractor: &'a dyn Extractor, name: &str) -> Option<std::borrow::Cow<'a, str>> {
    match extractor.get_all(name) {
        Some(values) if values.len() > 1 => Some(values.join(",").into()),
        Some(values) => values.first().map(|v| std::borrow::Cow::Borrowed(*v)),
        None => None,
    }
}

fn with_remote(cx: &Context, sc: SpanContext) -> Context {
    cx.with_remote_span_context(sc)
}

/// W3C Trace Context (`traceparent`, `tracestate`).
///
/// Unlike the SDK's propagator it counts what it cannot use: a malformed `traceparent` (or
/// several) leaves the context without a remote parent, so the next span starts a new trace; a
/// malformed `tracestate` is dropped and the trace continues. Any trace flags are accepted;
/// the sampled and random bits are kept.
///
/// ```
/// use std::collections::HashMap;
/// use opentelemetry::propagation::TextMapPropagator;
/// use opentelemetry::trace::TraceContextExt;
///
/// let headers = HashMap::from([(
///     "traceparent".to_owned(),
///     "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03".to_owned(),
/// )]);
/// let cx = rizk_http::TraceContextPropagator::new().extract(&headers);
/// assert!(cx.span().span_context().is_sampled());
/// ```
#[derive(Debug, Clone, Default)]
pub struct TraceContextPropagator {
    _private: (),
}

const TRACEPARENT: &str = "traceparent";
const TRACESTATE: &str = "tracestate";

fn static_fields(names: &'static [&'static str]) -> Vec<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

impl TraceContextPropagator {
    /// A W3C Trace Context propagator.
    ///
    /// ```
    /// let _ = rizk_http::TraceContextPropagator::new();
    /// ```
    pub fn new() -> Self {
        Self::default()
    }
}

impl TextMapPropagator for TraceContextPropagator {
    fn inject_context(&self, cx: &Context, injector: &mut dyn Injector) {
        let span = cx.span();
        let sc = span.span_context();
        if !sc.is_valid() {
            return;
        }
        injector.set(TRACEPARENT, parse::format_traceparent(sc));
        let state = sc.trace_state().header();
        if !state.is_empty() {
            injector.set(TRACESTATE, state);
        }
    }

    fn extract_with_context(&self, cx: &Context, extractor: &dyn Extractor) -> Context {
        let parents = extractor.get_all(TRACEPARENT).unwrap_or_default();
        if parents.is_empty() {
            return cx.clone();
        }
        if parents.len() > 1 {
            count(Bad::TraceParent);
            return cx.clone();
        }
        let Ok(mut sc) = parse::traceparent(parents[0]) else {
            count(Bad::TraceParent);
            return cx.clone();
        };
        if let Some(state) = joined(extractor, TRACESTATE) {
            match parse::tracestate(&state) {
                Ok(state) => {
                    sc =
                        SpanContext::new(sc.trace_id(), sc.span_id(), sc.trace_flags(), true, state)
                }
                Err(_) => count(Bad::TraceState),
            }
        }
        with_remote(cx, sc)
    }

    fn fields(&self) -> FieldIter<'_> {
        FieldIter::new(fields_of(FieldsOf::TraceContext))
    }
}

#[derive(Clone, Copy)]
enum FieldsOf {
    TraceContext,
    Baggage,
    B3Single,
    B3Multi,
    Jaeger,
    Datadog,
}

fn fields_of(which: FieldsOf) -> &'static [String] {
    use std::sync::OnceLock;
    static ALL: OnceLock<[Vec<String>; 6]> = OnceLock::new();
    let all = ALL.get_or_init(|| {
        [
            static_fields(&[TRACEPARENT, TRACESTATE]),
            static_fields(&[BAGGAGE]),
            static_fields(&[B3]),
            static_fields(&[B3_TRACE_ID, B3_SPAN_ID, B3_SAMPLED, B3_FLAGS]),
            static_fields(&[UBER_TRACE_ID]),
            static_fields(&[DD_TRACE_ID, DD_PARENT_ID, DD_PRIORITY, DD_TAGS]),
        ]
    });
    &all[which as usize]
}

/// W3C Baggage (`baggage`), with the W3C limits (8192 bytes, 180 members, 4096 bytes a member)
/// enforced both ways, `+` and `%20` both read as a space, and what it drops counted.
///
/// OpenTelemetry's `Baggage` holds at most 64 entries and 8192 bytes: members beyond that are
/// dropped (and counted as over the limit) when extracted.
///
/// ```
/// use std::collections::HashMap;
/// use opentelemetry::baggage::BaggageExt;
/// use opentelemetry::propagation::TextMapPropagator;
///
/// let headers = HashMap::from([("baggage".to_owned(), "conversation.id=s+1%2F2".to_owned())]);
/// let cx = rizk_http::BaggagePropagator::new().extract(&headers);
/// assert_eq!(cx.baggage().get("conversation.id").map(|v| v.as_str()), Some("s 1/2"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct BaggagePropagator {
    _private: (),
}

const BAGGAGE: &str = "baggage";

impl BaggagePropagator {
    /// A W3C Baggage propagator.
    ///
    /// ```
    /// let _ = rizk_http::BaggagePropagator::new();
    /// ```
    pub fn new() -> Self {
        Self::default()
    }
}

/// Whether metadata can be written after `;` as it is.
fn metadata_ok(metadata: &str) -> bool {
    metadata
        .bytes()
        .all(|c| (0x20..0x7f).contains(&c) && c != b',' && c != b'"' && c != b'\\')
}

/// Formats `baggage` as a W3C header within the limits; `None` when nothing fits.
pub(crate) fn format_baggage(baggage: &Baggage) -> Option<String> {
    let mut out = String::new();
    let mut members = 0;
    for (key, (value, metadata)) in baggage {
        if !parse::is_token(key.as_str()) {
            continue;
        }
        let mut member = format!("{}={}", key.as_str(), parse::percent_encode(value.as_str()));
        let metadata = metadata.as_str().trim();
        if !metadata.is_empty() && metadata_ok(metadata) {
            member.push(';');
            member.push_str(metadata);
        }
        if member.len() > parse::MAX_BAGGAGE_MEMBER_BYTES {
            continue;
        }
        let added = member.len() + usize::from(!out.is_empty());
        if members == parse::MAX_BAGGAGE_MEMBERS || out.len() + added > parse::MAX_BAGGAGE_BYTES {
            break;
        }
        if !out.is_empty() {
            out.push(',');
        }
        out.push_str(&member);
        members += 1;
    }
    (!out.is_empty()).then_some(out)
}

/// Adds `members` to the baggage of `cx`; counts those OpenTelemetry's limits refuse.
pub(crate) fn add_members(
    cx: &Context,
    members: impl IntoIterator<Item = (String, String, String)>,
) -> (Context, bool) {
    let mut baggage: Baggage = cx
        .baggage()
        .iter()
        .map(|(k, (v, m))| {
            opentelemetry::baggage::KeyValueMetadata::new(k.clone(), v.clone(), m.clone())
        })
        .collect();
    let mut refused = false;
    for (key, value, metadata) in members {
        let before = baggage.len();
        let replaced = baggage.insert_with_metadata(key, StringValue::from(value), metadata);
        if replaced.is_none() && baggage.len() == before {
            refused = true;
        }
    }
    (cx.with_baggage(baggage), refused)
}

impl TextMapPropagator for BaggagePropagator {
    fn inject_context(&self, cx: &Context, injector: &mut dyn Injector) {
        let baggage = cx.baggage();
        if baggage.is_empty() {
            return;
        }
        if let Some(header) = format_baggage(baggage) {
            injector.set(BAGGAGE, header);
        }
    }

    fn extract_with_context(&self, cx: &Context, extractor: &dyn Extractor) -> Context {
        let Some(header) = joined(extractor, BAGGAGE) else {
            return cx.clone();
        };
        let parsed = parse::baggage(&header);
        if parsed.invalid > 0 {
            count(Bad::Baggage);
        }
        let mut over_limit = parsed.over_limit;
        if parsed.members.is_empty() {
            if over_limit {
                count(Bad::BaggageOverLimit);
            }
            return cx.clone();
        }
        let (cx, refused) = add_members(
            cx,
            parsed
                .members
                .into_iter()
                .map(|m| (m.key, m.value, m.properties)),
        );
        over_limit |= refused;
        if over_limit {
            count(Bad::BaggageOverLimit);
        }
        cx
    }

    fn fields(&self) -> FieldIter<'_> {
        FieldIter::new(fields_of(FieldsOf::Baggage))
    }
}

const B3: &str = "b3";
const B3_TRACE_ID: &str = "x-b3-traceid";
const B3_SPAN_ID: &str = "x-b3-spanid";
const B3_SAMPLED: &str = "x-b3-sampled";
const B3_FLAGS: &str = "x-b3-flags";

/// Which B3 form [`B3Propagator`] injects (it extracts both).
///
/// ```
/// let single = rizk_http::B3Propagator::new(rizk_http::B3Encoding::SingleHeader);
/// # let _ = single;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum B3Encoding {
    /// `b3: {trace}-{span}-{sampled}` (`OTEL_PROPAGATORS=b3`).
    SingleHeader,
    /// `X-B3-TraceId`, `X-B3-SpanId`, `X-B3-Sampled` (`OTEL_PROPAGATORS=b3multi`).
    MultipleHeaders,
}

/// Zipkin's B3 propagation: injects one form, extracts either (the single header first).
///
/// ```
/// use std::collections::HashMap;
/// use opentelemetry::propagation::TextMapPropagator;
/// use opentelemetry::trace::TraceContextExt;
///
/// let headers = HashMap::from([
///     ("x-b3-traceid".to_owned(), "463ac35c9f6413ad48485a3953bb6124".to_owned()),
///     ("x-b3-spanid".to_owned(), "a2fb4a1d1a96d312".to_owned()),
///     ("x-b3-sampled".to_owned(), "1".to_owned()),
/// ]);
/// let b3 = rizk_http::B3Propagator::new(rizk_http::B3Encoding::SingleHeader);
/// let cx = b3.extract(&headers);
/// assert!(cx.span().span_context().is_valid());
/// ```
#[derive(Debug, Clone)]
pub struct B3Propagator {
    encoding: B3Encoding,
}

impl B3Propagator {
    /// A B3 propagator that injects `encoding`.
    ///
    /// ```
    /// let _ = rizk_http::B3Propagator::new(rizk_http::B3Encoding::MultipleHeaders);
    /// ```
    pub fn new(encoding: B3Encoding) -> Self {
        B3Propagator { encoding }
    }
}

impl TextMapPropagator for B3Propagator {
    fn inject_context(&self, cx: &Context, injector: &mut dyn Injector) {
        let span = cx.span();
        let sc = span.span_context();
        if !sc.is_valid() {
            return;
        }
        let sampled = if sc.is_sampled() { "1" } else { "0" };
        match self.encoding {
            B3Encoding::SingleHeader => injector.set(
                B3,
                format!("{:032x}-{:016x}-{sampled}", sc.trace_id(), sc.span_id()),
            ),
            B3Encoding::MultipleHeaders => {
                injector.set(B3_TRACE_ID, format!("{:032x}", sc.trace_id()));
                injector.set(B3_SPAN_ID, format!("{:016x}", sc.span_id()));
                injector.set(B3_SAMPLED, sampled.to_owned());
            }
        }
    }

    fn extract_with_context(&self, cx: &Context, extractor: &dyn Extractor) -> Context {
        if let Some(single) = extractor.get(B3) {
            return match parse::b3_single(single) {
                Ok(Some(sc)) => with_remote(cx, sc),
                Ok(None) => cx.clone(),
                Err(_) => {
                    count(Bad::B3);
                    cx.clone()
                }
            };
        }
        let Some(trace_id) = extractor.get(B3_TRACE_ID) else {
            return cx.clone();
        };
        match parse::b3_multi(
            trace_id,
            extractor.get(B3_SPAN_ID).unwrap_or(""),
            extractor.get(B3_SAMPLED),
            extractor.get(B3_FLAGS),
        ) {
            Ok(sc) => with_remote(cx, sc),
            Err(_) => {
                count(Bad::B3);
                cx.clone()
            }
        }
    }

    fn fields(&self) -> FieldIter<'_> {
        FieldIter::new(fields_of(match self.encoding {
            B3Encoding::SingleHeader => FieldsOf::B3Single,
            B3Encoding::MultipleHeaders => FieldsOf::B3Multi,
        }))
    }
}

const UBER_TRACE_ID: &str = "uber-trace-id";
const UBERCTX: &str = "uberctx-";

/// Jaeger's propagation: `uber-trace-id: {trace}:{span}:0:{flags}`, and baggage as
/// `uberctx-{key}` headers (read into, and written from, OpenTelemetry baggage).
///
/// ```
/// use std::collections::HashMap;
/// use opentelemetry::baggage::BaggageExt;
/// use opentelemetry::propagation::TextMapPropagator;
/// use opentelemetry::trace::TraceContextExt;
///
/// let headers = HashMap::from([
///     ("uber-trace-id".to_owned(), "4d0000000000000016:17c29:0:1".to_owned()),
///     ("uberctx-user.id".to_owned(), "u%2042".to_owned()),
/// ]);
/// let cx = rizk_http::JaegerPropagator::new().extract(&headers);
/// assert!(cx.span().span_context().is_sampled());
/// assert_eq!(cx.baggage().get("user.id").map(|v| v.as_str()), Some("u 42"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct JaegerPropagator {
    _private: (),
}

impl JaegerPropagator {
    /// A Jaeger propagator.
    ///
    /// ```
    /// let _ = rizk_http::JaegerPropagator::new();
    /// ```
    pub fn new() -> Self {
        Self::default()
    }
}

impl TextMapPropagator for JaegerPropagator {
    fn inject_context(&self, cx: &Context, injector: &mut dyn Injector) {
        let span = cx.span();
        let sc = span.span_context();
        if sc.is_valid() {
            injector.set(
                UBER_TRACE_ID,
                format!(
                    "{:032x}:{:016x}:0:{}",
                    sc.trace_id(),
                    sc.span_id(),
                    u8::from(sc.is_sampled())
                ),
            );
        }
        let mut bytes = 0;
        for (key, (value, _)) in cx.baggage() {
            if !parse::is_token(key.as_str()) {
                continue;
            }
            let value = parse::percent_encode(value.as_str());
            bytes += key.as_str().len() + value.len();
            if bytes > parse::MAX_BAGGAGE_BYTES {
                break;
            }
            injector.set(&format!("{UBERCTX}{}", key.as_str()), value);
        }
    }

    fn extract_with_context(&self, cx: &Context, extractor: &dyn Extractor) -> Context {
        let mut cx = match extractor.get(UBER_TRACE_ID) {
            Some(value) => match parse::jaeger(value) {
                Ok(sc) => with_remote(cx, sc),
                Err(_) => {
                    count(Bad::Jaeger);
                    cx.clone()
                }
            },
            None => cx.clone(),
        };
        let mut members = Vec::new();
        let mut bad = false;
        for key in extractor.keys() {
            let Some(name) = key
                .get(..UBERCTX.len())
                .filter(|p| p.eq_ignore_ascii_case(UBERCTX))
                .map(|_| &key[UBERCTX.len()..])
            else {
                continue;
            };
            let value = extractor.get(key).and_then(parse::percent_decode);
            match value {
                Some(value) if parse::is_token(name) => {
                    if members.len() == parse::MAX_BAGGAGE_MEMBERS {
                        count(Bad::BaggageOverLimit);
                        break;
                    }
                    members.push((name.to_owned(), value, String::new()));
                }
                _ => bad = true,
            }
        }
        if bad {
            count(Bad::Jaeger);
        }
        if !members.is_empty() {
            let (with, refused) = add_members(&cx, members);
            if refused {
                count(Bad::BaggageOverLimit);
            }
            cx = with;
        }
        cx
    }

    fn fields(&self) -> FieldIter<'_> {
        FieldIter::new(fields_of(FieldsOf::Jaeger))
    }
}

const DD_TRACE_ID: &str = "x-datadog-trace-id";
const DD_PARENT_ID: &str = "x-datadog-parent-id";
const DD_PRIORITY: &str = "x-datadog-sampling-priority";
const DD_TAGS: &str = "x-datadog-tags";

/// Datadog's propagation: `x-datadog-trace-id` (lower 64 bits, decimal),
/// `x-datadog-parent-id`, `x-datadog-sampling-priority`, and the upper 64 bits of the trace id
/// as `_dd.p.tid` in `x-datadog-tags`, so that a 128-bit OpenTelemetry trace id survives the
/// round trip (the upstream `opentelemetry-datadog` propagator keeps only the lower half).
///
/// ```
/// use std::collections::HashMap;
/// use opentelemetry::propagation::TextMapPropagator;
/// use opentelemetry::trace::TraceContextExt;
///
/// let headers = HashMap::from([
///     ("x-datadog-trace-id".to_owned(), "1234".to_owned()),
///     ("x-datadog-parent-id".to_owned(), "5678".to_owned()),
///     ("x-datadog-sampling-priority".to_owned(), "1".to_owned()),
/// ]);
/// let cx = rizk_http::DatadogPropagator::new().extract(&headers);
/// assert_eq!(format!("{}", cx.span().span_context().trace_id()), format!("{:032x}", 1234));
/// ```
#[derive(Debug, Clone, Default)]
pub struct DatadogPropagator {
    _private: (),
}

impl DatadogPropagator {
    /// A Datadog propagator.
    ///
    /// ```
    /// let _ = rizk_http::DatadogPropagator::new();
    /// ```
    pub fn new() -> Self {
        Self::default()
    }
}

impl TextMapPropagator for DatadogPropagator {
    fn inject_context(&self, cx: &Context, injector: &mut dyn Injector) {
        let span = cx.span();
        let sc = span.span_context();
        if !sc.is_valid() {
            return;
        }
        let trace = u128::from_be_bytes(sc.trace_id().to_bytes());
        let high = (trace >> 64) as u64;
        let low = trace as u64;
        if low == 0 {
            // Datadog cannot carry a trace id whose lower half is zero.
            return;
        }
        injector.set(DD_TRACE_ID, low.to_string());
        injector.set(
            DD_PARENT_ID,
            u64::from_be_bytes(sc.span_id().to_bytes()).to_string(),
        );
        injector.set(
            DD_PRIORITY,
            if sc.is_sampled() { "1" } else { "0" }.to_owned(),
        );
        if high != 0 {
            injector.set(DD_TAGS, format!("_dd.p.tid={high:016x}"));
        }
    }

    fn extract_with_context(&self, cx: &Context, extractor: &dyn Extractor) -> Context {
        let Some(trace_id) = extractor.get(DD_TRACE_ID) else {
            return cx.clone();
        };
        match parse::datadog(
            trace_id,
            extractor.get(DD_PARENT_ID).unwrap_or(""),
            extractor.get(DD_PRIORITY),
            extractor.get(DD_TAGS),
        ) {
            Ok(sc) => with_remote(cx, sc),
            Err(_) => {
                count(Bad::Datadog);
                cx.clone()
            }
        }
    }

    fn fields(&self) -> FieldIter<'_> {
        FieldIter::new(fields_of(FieldsOf::Datadog))
    }
}

/// The propagator of one configured format.
///
/// ```
/// use opentelemetry::propagation::TextMapPropagator;
/// use rizk_http::Propagator;
///
/// let b3 = rizk_http::propagator_for(Propagator::B3);
/// assert_eq!(b3.fields().collect::<Vec<_>>(), ["b3"]);
/// ```
pub fn propagator_for(kind: Propagator) -> Box<dyn TextMapPropagator + Send + Sync> {
    match kind {
        Propagator::TraceContext => Box::new(TraceContextPropagator::new()),
        Propagator::Baggage => Box::new(BaggagePropagator::new()),
        Propagator::B3 => Box::new(B3Propagator::new(B3Encoding::SingleHeader)),
        Propagator::B3Multi => Box::new(B3Propagator::new(B3Encoding::MultipleHeaders)),
        Propagator::Jaeger => Box::new(JaegerPropagator::new()),
        Propagator::Datadog => Box::new(DatadogPropagator::new()),
    }
}

/// One propagator for several formats, in order: all inject; on extraction each reads its
/// headers and a later one wins where several carry a trace. An empty list propagates nothing.
///
/// ```
/// use opentelemetry::propagation::TextMapPropagator;
/// use rizk_http::Propagator;
///
/// let p = rizk_http::propagator(&[Propagator::TraceContext, Propagator::Baggage, Propagator::B3Multi]);
/// let fields: Vec<&str> = p.fields().collect();
/// assert!(fields.contains(&"traceparent") && fields.contains(&"baggage") && fields.contains(&"x-b3-traceid"));
/// ```
pub fn propagator(kinds: &[Propagator]) -> TextMapCompositePropagator {
    TextMapCompositePropagator::new(kinds.iter().map(|k| propagator_for(*k)).collect())
}
