//! Injecting into and extracting from header carriers: `http::HeaderMap` and maps of strings,
//! and the inherited attributes that travel as baggage.

use std::sync::{Arc, RwLock};

use http::{HeaderMap, HeaderName, HeaderValue};
use opentelemetry::baggage::BaggageExt as _;
use opentelemetry::propagation::{Extractor, Injector};
use opentelemetry::{Context, Key, KeyValue};

/// What a header value that is not UTF-8 reads as: not valid in any propagation format, so it
/// is refused (and counted) like any malformed value.
const NOT_UTF8: &str = "\u{fffd}";

/// Writes propagation headers into an [`http::HeaderMap`], replacing headers of the same name.
/// Names or values that are not valid HTTP are skipped.
///
/// ```
/// use opentelemetry::propagation::Injector;
///
/// let mut headers = http::HeaderMap::new();
/// rizk_http::HeaderInjector(&mut headers).set("traceparent", "00-...".to_owned());
/// assert_eq!(headers["traceparent"], "00-...");
/// ```
#[derive(Debug)]
pub struct HeaderInjector<'a>(pub &'a mut HeaderMap);

impl Injector for HeaderInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(key.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            self.0.insert(name, value);
        }
    }

    fn reserve(&mut self, additional: usize) {
        self.0.reserve(additional);
    }
}

/// Reads propagation headers from an [`http::HeaderMap`] (names are case-insensitive; repeated
/// headers are all visible through `get_all`).
///
/// ```
/// use opentelemetry::propagation::Extractor;
///
/// let mut headers = http::HeaderMap::new();
/// headers.append("baggage", "a=1".parse().unwrap());
/// headers.append("baggage", "b=2".parse().unwrap());
/// let extractor = rizk_http::HeaderExtractor(&headers);
/// assert_eq!(extractor.get("Baggage"), Some("a=1"));
/// assert_eq!(extractor.get_all("baggage"), Some(vec!["a=1", "b=2"]));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct HeaderExtractor<'a>(pub &'a HeaderMap);

fn value_str(value: &HeaderValue) -> &str {
    std::str::from_utf8(value.as_bytes()).unwrap_or(NOT_UTF8)
}

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(value_str)
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(HeaderName::as_str).collect()
    }

    fn get_all(&self, key: &str) -> Option<Vec<&str>> {
        let values: Vec<&str> = self.0.get_all(key).iter().map(value_str).collect();
        (!values.is_empty()).then_some(values)
    }
}

/// An extractor over `(name, value)` pairs whose names match case-insensitively.
struct PairExtractor<'a> {
    pairs: Vec<(String, &'a str)>,
}

impl Extractor for PairExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| *v)
    }

    fn keys(&self) -> Vec<&str> {
        self.pairs.iter().map(|(k, _)| k.as_str()).collect()
    }

    fn get_all(&self, key: &str) -> Option<Vec<&str>> {
        let values: Vec<&str> = self
            .pairs
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| *v)
            .collect();
        (!values.is_empty()).then_some(values)
    }
}

/// Collects what a propagator injects.
#[derive(Default)]
struct PairInjector(Vec<(String, String)>);

impl Injector for PairInjector {
    fn set(&mut self, key: &str, value: String) {
        self.0.push((key.to_owned(), value));
    }
}

/// The inherited attributes allowed to travel as baggage, from the configuration
/// (`baggage_attributes`), set when rizk is initialised with [`crate::propagator_factory`].
static BAGGAGE_ATTRIBUTES: RwLock<Option<Arc<[String]>>> = RwLock::new(None);

pub(crate) fn set_allowed(keys: &[String]) {
    let list: Option<Arc<[String]>> = (!keys.is_empty()).then(|| keys.into());
    *BAGGAGE_ATTRIBUTES
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner()) = list;
}

pub(crate) fn allowed() -> Option<Arc<[String]>> {
    BAGGAGE_ATTRIBUTES
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone()
}

/// `cx` with the allowed inherited attributes of the current span added to its baggage, or
/// `None` when there is nothing to add. Reads the inherited attributes of the *current*
/// context: call it where the caller's span is current.
pub(crate) fn with_inherited_baggage(cx: &Context) -> Option<Context> {
    let allowed = allowed()?;
    let members: Vec<(String, String, String)> = rizk_core::inherited_attributes()
        .into_iter()
        .filter(|kv| allowed.iter().any(|k| k.as_str() == kv.key.as_str()))
        .map(|kv| {
            (
                kv.key.to_string(),
                kv.value.as_str().into_owned(),
                String::new(),
            )
        })
        .collect();
    if members.is_empty() {
        return None;
    }
    Some(crate::propagators::add_members(cx, members).0)
}

/// The entries of `cx`'s baggage whose keys are allowed (`baggage_attributes`), as attributes
/// (string values): what a receiving service turns back into inherited attributes with
/// `rizk_core::set_span_context`. [`crate::ServerLayer`] does this by itself; call it when the
/// context arrives some other way (a message queue, a job table).
///
/// ```
/// use opentelemetry::Context;
///
/// // Before rizk is initialised no key is allowed.
/// assert!(rizk_http::baggage_attributes_of(&Context::new()).is_empty());
/// ```
pub fn baggage_attributes_of(cx: &Context) -> Vec<KeyValue> {
    let Some(allowed) = allowed() else {
        return Vec::new();
    };
    let baggage = cx.baggage();
    allowed
        .iter()
        .filter_map(|key| {
            baggage
                .get(key.as_str())
                .map(|value| KeyValue::new(Key::from(key.clone()), value.as_str().to_owned()))
        })
        .collect()
}

fn global_inject(cx: &Context, injector: &mut dyn Injector) {
    opentelemetry::global::get_text_map_propagator(|p| p.inject_context(cx, injector));
}

fn global_extract(extractor: &dyn Extractor) -> Context {
    opentelemetry::global::get_text_map_propagator(|p| p.extract(extractor))
}

/// Injects `cx` (as it is) into any carrier with the installed propagator.
///
/// ```
/// let mut headers = http::HeaderMap::new();
/// rizk_http::inject_context(&opentelemetry::Context::new(), &mut rizk_http::HeaderInjector(&mut headers));
/// assert!(headers.is_empty()); // no span, no baggage: nothing to send
/// ```
pub fn inject_context(cx: &Context, injector: &mut dyn Injector) {
    global_inject(cx, injector);
}

/// The current context as it should leave this service: with the allowed inherited
/// attributes (`baggage_attributes`) in its baggage.
fn outgoing() -> Context {
    let cx = Context::current();
    with_inherited_baggage(&cx).unwrap_or(cx)
}

/// Injects the current trace context into request headers with the installed propagator
/// (W3C `traceparent`/`tracestate`/`baggage` by default), adding the allowed inherited
/// attributes (`baggage_attributes`) to the baggage.
///
/// ```
/// let mut headers = http::HeaderMap::new();
/// rizk_http::inject(&mut headers); // outside any span this adds nothing
/// assert!(headers.get("traceparent").is_none());
/// ```
pub fn inject(headers: &mut HeaderMap) {
    global_inject(&outgoing(), &mut HeaderInjector(headers));
}

/// Extracts the remote context from request headers with the installed propagator, on top of
/// the current context. Malformed headers are counted ([`crate::malformed_headers`]) and leave
/// no remote parent: the next span starts a new trace.
///
/// ```
/// use opentelemetry::trace::TraceContextExt;
///
/// let headers = http::HeaderMap::new();
/// let cx = rizk_http::extract(&headers);
/// assert!(!cx.span().span_context().is_valid());
/// ```
pub fn extract(headers: &HeaderMap) -> Context {
    global_extract(&HeaderExtractor(headers))
}

/// Injects the current trace context (with the allowed inherited attributes as baggage) into
/// any map of strings, or anything else that can be extended with `(name, value)` pairs:
/// message-queue headers, job metadata.
///
/// ```
/// use std::collections::HashMap;
///
/// let mut headers: HashMap<String, String> = HashMap::new();
/// rizk_http::inject_map(&mut headers);
/// let mut pairs: Vec<(String, String)> = Vec::new();
/// rizk_http::inject_map(&mut pairs);
/// ```
pub fn inject_map<M: Extend<(String, String)>>(map: &mut M) {
    let mut injector = PairInjector::default();
    global_inject(&outgoing(), &mut injector);
    map.extend(injector.0);
}

/// Extracts the remote context from `(name, value)` pairs (a `HashMap<String, String>`, a
/// `BTreeMap`, a slice of tuples), names matched case-insensitively, with the installed
/// propagator, on top of the current context.
///
/// ```
/// use std::collections::HashMap;
/// use opentelemetry::trace::TraceContextExt;
///
/// let headers: HashMap<String, String> = HashMap::new();
/// let cx = rizk_http::extract_map(&headers);
/// assert!(!cx.span().span_context().is_valid());
/// let cx = rizk_http::extract_map([("Traceparent", "garbage")]);
/// assert!(!cx.span().span_context().is_valid());
/// ```
pub fn extract_map<I, K, V>(pairs: I) -> Context
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: AsRef<str>,
{
    let owned: Vec<(String, V)> = pairs
        .into_iter()
        .map(|(k, v)| (k.as_ref().to_owned(), v))
        .collect();
    let extractor = PairExtractor {
        pairs: owned.iter().map(|(k, v)| (k.clone(), v.as_ref())).collect(),
    };
    global_extract(&extractor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_extractor_reads_non_utf8_values_as_invalid() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "traceparent",
            HeaderValue::from_bytes(b"00-\xff\xfe").unwrap_or(HeaderValue::from_static("x")),
        );
        let extractor = HeaderExtractor(&headers);
        assert!(extractor.get("traceparent").is_some());
        assert_eq!(extractor.keys(), ["traceparent"]);
        assert_eq!(extractor.get_all("missing"), None);
    }

    #[test]
    fn header_injector_skips_invalid_names_and_values() {
        let mut headers = HeaderMap::new();
        let mut injector = HeaderInjector(&mut headers);
        injector.set("bad name", "v".into());
        injector.set("good", "line\nbreak".into());
        injector.set("Good", "ok".into());
        assert_eq!(headers.len(), 1);
        assert_eq!(headers["good"], "ok");
    }

    #[test]
    fn pair_extractor_matches_names_case_insensitively() {
        let pairs = [("Baggage".to_owned(), "a=1"), ("BAGGAGE".to_owned(), "b=2")];
        let extractor = PairExtractor {
            pairs: pairs.iter().map(|(k, v)| (k.clone(), *v)).collect(),
        };
        assert_eq!(extractor.get("baggage"), Some("a=1"));
        assert_eq!(extractor.get_all("baggage"), Some(vec!["a=1", "b=2"]));
    }
}
