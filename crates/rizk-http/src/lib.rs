//! Distributed context propagation for [rizk](https://docs.rs/rizk): one trace across services
//! and languages.
//!
//! - **Propagators** built from the configuration (`OTEL_PROPAGATORS`, `RIZK_PROPAGATORS` or
//!   [`PropagationBuilderExt::propagators`]): W3C Trace Context and Baggage by default; B3
//!   (single and multiple headers), Jaeger (`uber-trace-id`) and Datadog (`x-datadog-*`) on
//!   request, several at once. [`register`] is what `rizk::Rizk::builder()` calls: it adds
//!   these options to the builder and installs the [`propagator_factory`].
//! - **Carriers**: [`inject`] / [`extract`] for `http::HeaderMap`, [`inject_map`] /
//!   [`extract_map`] for maps of strings.
//! - **Outgoing HTTP**: [`ClientMiddleware`] for `reqwest-middleware` (feature `reqwest`).
//! - **Incoming HTTP**: [`ServerLayer`], a `tower` layer for axum, hyper and tonic (feature
//!   `tower`; `http.route` from axum with feature `axum`).
//! - **Inherited context as baggage**: the keys listed in `baggage_attributes` travel as W3C
//!   baggage and become inherited attributes again on the receiving side. Opt-in, identifiers
//!   only: content keys are refused.
//! - **Bad input**: malformed headers start a new trace (or are dropped, for `tracestate` and
//!   baggage members) and are counted by [`malformed_headers`]; nothing panics; the W3C
//!   baggage limits are enforced; any trace flags are accepted.
//!
//! ```
//! use opentelemetry::trace::TraceContextExt;
//! use rizk_core::RizkBuilder;
//! use rizk_http::{Propagator, PropagationBuilderExt as _};
//!
//! let rizk = rizk_http::register(RizkBuilder::new())
//!     .app_name("gateway")
//!     .propagators([Propagator::TraceContext, Propagator::Baggage, Propagator::B3])
//!     .console_exporter(false)
//!     .ignore_environment()
//!     .init()
//!     .unwrap();
//!
//! let mut headers = http::HeaderMap::new();
//! headers.insert("b3", "463ac35c9f6413ad48485a3953bb6124-a2fb4a1d1a96d312-1".parse().unwrap());
//! let cx = rizk_http::extract(&headers);
//! assert_eq!(cx.span().span_context().trace_id().to_string(), "463ac35c9f6413ad48485a3953bb6124");
//! rizk.shutdown();
//! ```
//!
//! See `docs/propagation.md` for the header formats and for propagation across languages.

#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod attributes;
mod carrier;
#[cfg(feature = "reqwest")]
mod client;
mod options;
pub mod parse;
mod propagators;
mod redact;
#[cfg(feature = "tower")]
mod server;
mod stats;

pub use carrier::{
    HeaderExtractor, HeaderInjector, baggage_attributes_of, extract, extract_map, inject,
    inject_context, inject_map,
};
#[cfg(feature = "reqwest")]
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest")))]
pub use client::ClientMiddleware;
pub use options::{
    PropagationBuilderExt, PropagationOptions, Propagator, baggage_attribute_problem,
};
pub use propagators::{
    B3Encoding, B3Propagator, BaggagePropagator, DatadogPropagator, JaegerPropagator,
    TraceContextPropagator, propagator, propagator_for,
};
pub use redact::{REDACTED, redact_url};
#[cfg(feature = "tower")]
#[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
pub use server::{ServerFuture, ServerLayer, ServerService};
pub use stats::{MalformedHeaders, malformed_headers};

use rizk_core::RizkBuilder;
use rizk_core::config::{Config, TraceExporter};
use rizk_core::install::PropagatorFactory;

/// Makes `builder` propagate context the way the configuration says: adds the propagation
/// options (`propagators`, `baggage_attributes` and their variables) and installs the
/// [`propagator_factory`]. `rizk::Rizk::builder()` calls it when the `http` feature is on.
///
/// ```
/// use rizk_http::PropagationBuilderExt as _;
///
/// let rizk = rizk_http::register(rizk_core::RizkBuilder::new())
///     .app_name("agent-service")
///     .baggage_attributes(["conversation.id"])
///     .console_exporter(false)
///     .ignore_environment()
///     .init()
///     .unwrap();
/// assert!(rizk_core::get_trace_config().settings.iter().any(|s| s.name == "baggage_attributes"));
/// rizk.shutdown();
/// ```
pub fn register(builder: RizkBuilder) -> RizkBuilder {
    builder
        .register_options::<options::PropagationInput>()
        .propagator_factory(propagator_factory())
}

/// The validated propagation options of `config`, when [`register`] added them.
///
/// ```
/// let config = rizk_http::register(rizk_core::RizkBuilder::new()).app_name("svc")
///     .ignore_environment().build_config().unwrap();
/// assert_eq!(rizk_http::options(&config).unwrap().propagators.value, rizk_http::Propagator::DEFAULT);
/// ```
pub fn options(config: &Config) -> Option<&PropagationOptions> {
    config.group::<PropagationOptions>()
}

/// The propagators a configuration asks for: its `propagators` (the default when [`register`]
/// did not add the options), plus Jaeger's when `trace_exporter` includes `jaeger` and the
/// propagators were left at their default.
///
/// ```
/// use rizk_http::Propagator;
///
/// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment().build_config().unwrap();
/// assert_eq!(rizk_http::configured_propagators(&config), Propagator::DEFAULT);
/// ```
pub fn configured_propagators(config: &Config) -> Vec<Propagator> {
    let options = options(config).cloned().unwrap_or_default();
    let mut kinds = options.propagators.value.clone();
    if options.propagators_are_default()
        && config.exporters.selects(TraceExporter::Jaeger)
        && !kinds.contains(&Propagator::Jaeger)
    {
        kinds.push(Propagator::Jaeger);
    }
    kinds
}

/// The [`PropagatorFactory`] [`register`] installs: at `init` it builds the composite
/// propagator of [`configured_propagators`] (installed globally by rizk) and makes
/// `baggage_attributes` the allow-list of [`ClientMiddleware`], [`ServerLayer`], [`inject`]
/// and [`baggage_attributes_of`].
///
/// ```
/// let rizk = rizk_core::RizkBuilder::new()
///     .app_name("agent-service")
///     .console_exporter(false)
///     .ignore_environment()
///     .propagator_factory(rizk_http::propagator_factory())
///     .init()
///     .unwrap();
/// rizk.shutdown();
/// ```
pub fn propagator_factory() -> PropagatorFactory {
    Box::new(|config: &Config| {
        let allowed = options(config)
            .map(|o| o.baggage_attributes.value.clone())
            .unwrap_or_default();
        carrier::set_allowed(&allowed);
        let propagator: Box<dyn opentelemetry::propagation::TextMapPropagator + Send + Sync> =
            Box::new(propagator(&configured_propagators(config)));
        Ok(propagator)
    })
}

/// Records a response's status code on `span`, and an error (type and status) for a 5xx: what
/// the client middleware and the server layer both write.
fn record_status_code(span: &opentelemetry::trace::SpanRef<'_>, code: u16) {
    use opentelemetry::KeyValue;
    span.set_attribute(KeyValue::new(
        attributes::HTTP_RESPONSE_STATUS_CODE,
        i64::from(code),
    ));
    if code >= 500 {
        span.set_attribute(KeyValue::new(attributes::ERROR_TYPE, code.to_string()));
        span.set_status(opentelemetry::trace::Status::error(format!("HTTP {code}")));
    }
}
