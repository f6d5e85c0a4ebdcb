//! The receiver is not rizk-specific: the Python OpenTelemetry SDK's OTLP/HTTP exporter (gzip on)
//! sends a trace, and the API reads it back.
//!
//! ```text
//! E2E_PYTHON=/path/to/python-with-opentelemetry-sdk cargo test -p rizk-ui --test python -- --ignored
//! ```
//! (`cargo xtask e2e` sets `E2E_PYTHON` to Phoenix's venv, which has the SDK.)

#![allow(clippy::unwrap_used)] // a test fails loudly on what it did not expect

mod common;

use std::process::Command;

use common::get;

const SCRIPT: &str = r#"
import sys
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.trace import SpanKind, Status, StatusCode

provider = TracerProvider(resource=Resource.create({"service.name": "py-support-bot"}))
provider.add_span_processor(SimpleSpanProcessor(
    OTLPSpanExporter(endpoint=sys.argv[1] + "/v1/traces", compression=Compression.Gzip)))
tracer = provider.get_tracer("python-peer")
with tracer.start_as_current_span("customer_chat"):
    with tracer.start_as_current_span("order_lookup") as span:
        span.record_exception(RuntimeError("order service unavailable"))
        span.set_status(Status(StatusCode.ERROR, "order service unavailable"))
    with tracer.start_as_current_span("chat gpt-4o-mini", kind=SpanKind.CLIENT) as span:
        span.set_attribute("gen_ai.usage.input_tokens", 31)
        span.set_attribute("gen_ai.usage.output_tokens", 19)
provider.shutdown()
"#;

#[test]
#[ignore = "needs a Python with the OpenTelemetry SDK in E2E_PYTHON (cargo xtask e2e sets it)"]
fn e2e_ui_python_sdk() {
    let Some(python) = std::env::var_os("E2E_PYTHON").filter(|p| !p.is_empty()) else {
        eprintln!("e2e_ui_python_sdk skipped: E2E_PYTHON is not set (run `cargo xtask e2e`)");
        return;
    };
    let server = common::serve_in_memory();
    let out = Command::new(python)
        .args(["-c", SCRIPT, &server.url()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list = get(&server, "/api/traces?service=py-support-bot");
    let t = &list["traces"][0];
    assert_eq!(t["name"], "customer_chat", "{list}");
    assert_eq!(t["span_count"], 3);
    assert_eq!(t["error_count"], 1);
    assert_eq!(t["tokens"], 50);
    let trace = get(
        &server,
        &format!("/api/traces/{}", t["trace_id"].as_str().unwrap()),
    );
    let spans = trace["spans"].as_array().unwrap();
    let failed = spans.iter().find(|s| s["name"] == "order_lookup").unwrap();
    assert_eq!(failed["events"][0]["name"], "exception");
    assert_eq!(
        failed["events"][0]["attributes"]["exception.message"],
        "order service unavailable"
    );
    let llm = spans.iter().find(|s| s["kind"] == "client").unwrap();
    assert_eq!(
        llm["parent_id"],
        spans.iter().find(|s| s["name"] == "customer_chat").unwrap()["span_id"]
    );
}
