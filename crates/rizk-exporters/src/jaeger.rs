//! Jaeger: spans go over OTLP (Jaeger ingests it natively since 1.35; `opentelemetry-jaeger`
//! is dead), and Jaeger's own `uber-trace-id` header format comes from
//! `opentelemetry-jaeger-propagator`.

// The Jaeger propagation format is deprecated upstream in favour of W3C trace context; it is
// offered for services that still speak only `uber-trace-id`.
#![allow(deprecated)]

use opentelemetry::propagation::TextMapPropagator;

/// Jaeger's `uber-trace-id` propagator, to install next to W3C trace context when services
/// that still speak only Jaeger's format call yours (or are called by it).
///
/// It is `opentelemetry-jaeger-propagator`'s, and unnamed on purpose: the one type named
/// `JaegerPropagator` is rizk-http's (`rizk::http::JaegerPropagator`), which `Rizk::builder()`
/// installs from `OTEL_PROPAGATORS` and which also carries `uberctx-` baggage.
///
/// ```
/// use opentelemetry::propagation::TextMapPropagator;
///
/// let propagator = rizk_exporters::jaeger_propagator();
/// assert!(propagator.fields().any(|f| f == "uber-trace-id"));
/// ```
pub fn jaeger_propagator() -> impl TextMapPropagator + Clone + 'static {
    opentelemetry_jaeger_propagator::Propagator::new()
}
