//! What the Zipkin exporter POSTs, captured by a loopback listener, validates against the
//! official Zipkin v2 API definition (`ListOfSpans`, JSON Schema draft 4), for every span kind,
//! events, an error, and every attribute type; and it carries the service name and a root
//! span without `parentId`.

#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use opentelemetry::trace::{
    Span as _, SpanKind, Status, TraceContextExt as _, Tracer as _, TracerProvider as _,
};
use opentelemetry::{Array, KeyValue, StringValue, Value};
use opentelemetry_sdk::trace::SdkTracerProvider;
use rizk_exporters::{ZipkinSettings, zipkin_exporter};
use serde_json::Value as Json;
use support::{Behaviour, Listener};

fn list_of_spans_schema() -> Json {
    let yaml = include_str!("fixtures/zipkin2-api.yaml");
    let api: Json = serde_yaml::from_str(yaml).unwrap();
    serde_json::json!({
        "$schema": "http://json-schema.org/draft-04/schema#",
        "definitions": api["definitions"].clone(),
        "$ref": "#/definitions/ListOfSpans",
    })
}

#[test]
fn every_span_kind_validates_against_list_of_spans() {
    let listener = Listener::start(Behaviour::Status(202, Vec::new()));
    let mut settings = ZipkinSettings::new(
        &url::Url::parse(&format!("{}/api/v2/spans", listener.url())).unwrap(),
        "rizk-llm-app",
    );
    settings.timeout = Duration::from_secs(5);
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(zipkin_exporter(&settings).unwrap())
        .build();
    let tracer = provider.tracer("rizk");

    let kinds = [
        SpanKind::Internal,
        SpanKind::Server,
        SpanKind::Client,
        SpanKind::Producer,
        SpanKind::Consumer,
    ];
    let root = tracer
        .span_builder("workflow.research_pipeline")
        .with_kind(SpanKind::Internal)
        .start(&tracer);
    let cx = opentelemetry::Context::current_with_span(root);
    for kind in &kinds {
        let mut span = tracer
            .span_builder(format!("span.{kind:?}").to_lowercase())
            .with_kind(kind.clone())
            .start_with_context(&tracer, &cx);
        span.set_attributes([
            KeyValue::new("rizk.span.kind", "tool"),
            KeyValue::new("llm.token_count.prompt", 42_i64),
            KeyValue::new("score", 0.5),
            KeyValue::new("cached", true),
            KeyValue::new(
                "tags",
                Value::Array(Array::String(vec![
                    StringValue::from("a"),
                    StringValue::from("b"),
                ])),
            ),
        ]);
        span.add_event(
            "exception",
            vec![
                KeyValue::new("exception.type", "LookupError"),
                KeyValue::new("exception.message", "order service unavailable"),
            ],
        );
        span.set_status(Status::error("order service unavailable"));
        span.end();
    }
    cx.span().end();
    provider.shutdown().unwrap();

    let requests = listener.wait_for(kinds.len() + 1, Duration::from_secs(5));
    assert_eq!(requests.len(), kinds.len() + 1);
    let schema = list_of_spans_schema();
    let validator = jsonschema::draft4::new(&schema).unwrap();
    let mut seen_kinds = Vec::new();
    for request in &requests {
        assert_eq!(request.path, "/api/v2/spans");
        assert_eq!(request.header("content-type"), Some("application/json"));
        let body: Json = serde_json::from_slice(&request.body).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&body)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{errors:?} in {body:#}");
        for span in body.as_array().unwrap() {
            assert_eq!(
                span["localEndpoint"]["serviceName"], "rizk-llm-app",
                "{span:#}"
            );
            seen_kinds.push(span.get("kind").cloned());
            if span["name"] == "workflow.research_pipeline" {
                assert!(span.get("parentId").is_none(), "root: {span:#}");
                assert!(span.get("kind").is_none(), "INTERNAL has no kind: {span:#}");
            } else {
                assert_eq!(span["tags"]["otel.status_code"], "ERROR", "{span:#}");
                assert_eq!(span["tags"]["llm.token_count.prompt"], "42");
                assert_eq!(span["annotations"].as_array().unwrap().len(), 1);
            }
        }
    }
    for kind in ["SERVER", "CLIENT", "PRODUCER", "CONSUMER"] {
        assert!(
            seen_kinds.contains(&Some(Json::String(kind.into()))),
            "{kind} in {seen_kinds:?}"
        );
    }
}
