//! `params._meta` as a carrier for the configured OpenTelemetry propagators.

use opentelemetry::Context;
use opentelemetry::propagation::{Extractor, Injector};
use rmcp::model::JsonObject;

/// Writes propagation fields into a `_meta` object, unprefixed (`traceparent`, `tracestate`,
/// `baggage`), as SEP-414 and the GenAI MCP conventions say.
struct MetaInjector<'a>(&'a mut JsonObject);

impl Injector for MetaInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        self.0
            .insert(key.to_owned(), serde_json::Value::String(value));
    }
}

/// Reads propagation fields from a `_meta` object; non-string values are ignored.
struct MetaExtractor<'a>(&'a JsonObject);

impl Extractor for MetaExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(serde_json::Value::as_str)
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(String::as_str).collect()
    }
}

/// Injects `cx` into `meta` with the globally installed propagator (rizk installs it at init).
pub(crate) fn inject(cx: &Context, meta: &mut JsonObject) {
    opentelemetry::global::get_text_map_propagator(|p| {
        p.inject_context(cx, &mut MetaInjector(meta));
    });
}

/// The remote context in `meta`, on top of an empty context: a request starts from nothing.
pub(crate) fn extract(meta: &JsonObject) -> Context {
    opentelemetry::global::get_text_map_propagator(|p| {
        p.extract_with_context(&Context::new(), &MetaExtractor(meta))
    })
}

/// Extracts from HTTP headers (the ambient transport context of a streamable HTTP request).
pub(crate) struct HeaderExtractor<'a>(pub(crate) &'a http::HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(http::HeaderName::as_str).collect()
    }
}
