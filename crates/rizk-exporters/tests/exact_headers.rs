//! The dashboard exporter sends exactly its own headers, even with `OTEL_EXPORTER_OTLP_HEADERS`
//! (a New Relic key, say) in the process environment, which `opentelemetry-otlp` would merge
//! into every exporter it builds. The user's endpoint gets the configured headers, and a
//! compression variable does not compress what was configured uncompressed.
//!
//! One test in this binary: it sets process environment variables.

#![allow(unsafe_code, clippy::unwrap_used)]

mod support;

use opentelemetry::trace::{Span as _, Tracer as _, TracerProvider as _};
use opentelemetry_sdk::trace::SdkTracerProvider;
use rizk_core::RizkBuilder;
use rizk_exporters::{otlp_exporter, plan};
use std::time::Duration;
use support::{Behaviour, Listener};

fn send_one(exporter: rizk_exporters::OtlpExporter) {
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter)
        .build();
    let mut span = provider.tracer("t").start("workflow.check");
    span.set_attribute(opentelemetry::KeyValue::new("k", "v"));
    span.end();
    provider.shutdown().unwrap();
}

#[test]
fn each_exporter_sends_exactly_its_own_headers() {
    // SAFETY: the only test of this binary; nothing else reads the environment concurrently.
    unsafe {
        std::env::set_var(
            "OTEL_EXPORTER_OTLP_HEADERS",
            "api-key=NEWRELIC-LICENSE-FROM-ENV,x-env=1",
        );
        std::env::set_var("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "x-traces-env=2");
        std::env::set_var("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip");
    }
    let dashboard = Listener::start(Behaviour::Status(200, Vec::new()));
    let collector = Listener::start(Behaviour::Status(200, Vec::new()));

    let config = rizk_exporters::register(RizkBuilder::new())
        .app_name("headers")
        .api_key("rk_test_0123456789abcdef")
        .dashboard_url(dashboard.url())
        .opentelemetry_endpoint(collector.url())
        .otlp_header("api-key", "from-the-builder")
        .ignore_environment()
        .build_config()
        .unwrap();
    let destinations = plan(&config).unwrap();
    assert_eq!(destinations.len(), 2);
    for d in &destinations {
        send_one(otlp_exporter(d.otlp_settings().unwrap(), d.kind()).unwrap());
    }

    let got = dashboard.wait_for(1, Duration::from_secs(5));
    assert_eq!(got.len(), 1);
    let request = &got[0];
    assert_eq!(request.path, "/v1/traces");
    assert_eq!(
        request.header("authorization"),
        Some("Bearer rk_test_0123456789abcdef")
    );
    assert_eq!(
        request.header("content-type"),
        Some("application/x-protobuf")
    );
    assert!(
        request
            .header("user-agent")
            .unwrap()
            .starts_with("rizk-rs/")
    );
    // Nothing from the environment, no compression it did not ask for.
    assert_eq!(
        request.header_names(),
        [
            "accept",
            "authorization",
            "content-length",
            "content-type",
            "host",
            "user-agent"
        ],
        "{:?}",
        request.headers
    );
    assert_eq!(
        request.body[0], 0x0a,
        "an uncompressed ExportTraceServiceRequest"
    );

    let got = collector.wait_for(1, Duration::from_secs(5));
    let request = &got[0];
    assert_eq!(request.header("api-key"), Some("from-the-builder"));
    assert!(request.header("x-env").is_none() && request.header("x-traces-env").is_none());
    assert!(
        request.header("authorization").is_none(),
        "the dashboard key stays with the dashboard"
    );
    assert!(request.header("content-encoding").is_none());
}
