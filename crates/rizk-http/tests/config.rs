//! Propagators chosen by configuration: `OTEL_PROPAGATORS`, typed errors for unknown values,
//! the Jaeger propagator that `trace_exporter = jaeger` implies, and "none".

#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, HashMap};

use opentelemetry::Context;
use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
use rizk_core::config::TraceExporter;
use rizk_core::{RizkBuilder, RizkError};
use rizk_http::{PropagationBuilderExt as _, Propagator, configured_propagators};

fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn builder(pairs: &[(&str, &str)]) -> RizkBuilder {
    rizk_http::register(RizkBuilder::new())
        .app_name("rizk-http-config")
        .console_exporter(false)
        .env(env(pairs))
}

fn injected_names() -> Vec<String> {
    let cx = Context::new().with_remote_span_context(SpanContext::new(
        TraceId::from(7u128),
        SpanId::from(9u64),
        TraceFlags::SAMPLED,
        false,
        TraceState::NONE,
    ));
    let mut headers: HashMap<String, String> = HashMap::new();
    rizk_http::inject_context(&cx, &mut headers);
    let mut names: Vec<String> = headers.into_keys().collect();
    names.sort();
    names
}

/// One test: the propagator is process-global, so the steps run in order.
#[test]
fn the_installed_propagator_follows_the_configuration() {
    // An unknown name fails init with the value and the fix, and installs nothing.
    let err = builder(&[("OTEL_PROPAGATORS", "tracecontext,xray")])
        .init()
        .unwrap_err();
    let message = err.to_string();
    assert!(
        matches!(err, RizkError::InvalidConfig { ref field, .. } if field == "propagators"),
        "{message}"
    );
    assert!(
        message.contains("\"xray\"") && message.contains("OTEL_PROPAGATORS"),
        "{message}"
    );
    assert!(message.contains("b3multi"), "{message}");

    let rizk = builder(&[("OTEL_PROPAGATORS", "b3multi,jaeger,datadog")])
        .init()
        .unwrap();
    assert_eq!(
        injected_names(),
        [
            "uber-trace-id",
            "x-b3-sampled",
            "x-b3-spanid",
            "x-b3-traceid",
            "x-datadog-parent-id",
            "x-datadog-sampling-priority",
            "x-datadog-trace-id"
        ]
    );
    rizk.shutdown();

    let rizk = builder(&[("OTEL_PROPAGATORS", "none")]).init().unwrap();
    assert!(injected_names().is_empty());
    rizk.shutdown();

    let rizk = builder(&[]).init().unwrap();
    assert_eq!(injected_names(), ["traceparent"]);
    rizk.shutdown();
}

#[test]
fn jaeger_export_adds_the_jaeger_propagator_unless_propagators_are_set() {
    let config = RizkBuilder::new()
        .app_name("svc")
        .ignore_environment()
        .trace_exporter(TraceExporter::Jaeger)
        .build_config()
        .unwrap();
    assert_eq!(
        configured_propagators(&config),
        [
            Propagator::TraceContext,
            Propagator::Baggage,
            Propagator::Jaeger
        ]
    );
    let config = RizkBuilder::new()
        .app_name("svc")
        .ignore_environment()
        .trace_exporter(TraceExporter::Jaeger)
        .propagators([Propagator::TraceContext])
        .build_config()
        .unwrap();
    assert_eq!(configured_propagators(&config), [Propagator::TraceContext]);
}
