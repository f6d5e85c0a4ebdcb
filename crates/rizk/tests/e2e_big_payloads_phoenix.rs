//! End to end, huge payloads: LLM spans carrying 300 KB prompts, into a real Arize Phoenix over
//! OTLP/HTTP and over OTLP/gRPC (whose receiver takes at most 4 MiB a message): every span
//! arrives, capped with rizk's marker, and no request is rejected. Needs the peers:
//! `cargo xtask e2e payloads`.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

mod e2e_support;

use std::time::Duration;

use e2e_support::{get_json_until, peer, unique, wait_exported};
use rizk::Rizk;
use rizk::prelude::*;

/// One pipeline per process: the tests of this file take turns.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A 300 KB prompt, different per call so no layer can deduplicate it.
fn big_prompt(i: usize) -> String {
    let line = format!("call {i}: summarise the attached quarterly report, section by section. ");
    line.repeat(300_000 / line.len() + 1)
}

#[tool(name = "summarise_report")]
fn summarise_report(prompt: &str) -> usize {
    let tracer = rizk::get_tracer("e2e");
    use rizk::opentelemetry::trace::{Span as _, Tracer as _};
    let mut span = tracer.start("openai.chat.completions");
    span.set_attribute(rizk::KeyValue::new("openinference.span.kind", "LLM"));
    span.set_attribute(rizk::KeyValue::new("llm.model_name", "gpt-4o-mini"));
    span.set_attribute(rizk::KeyValue::new("input.value", prompt.to_owned()));
    span.end();
    prompt.len()
}

#[workflow(name = "reports")]
fn reports(count: usize) -> usize {
    (0..count).map(|i| summarise_report(&big_prompt(i))).sum()
}

/// Sends `CALLS` tool + LLM spans with 300 KB each to `endpoint`; checks they all arrive.
fn huge_payloads(endpoint: &str, project: &str, grpc: bool) {
    const CALLS: usize = 40;
    let _turn = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let mut builder = Rizk::builder()
        .app_name(project)
        .opentelemetry_endpoint(endpoint)
        .console_exporter(false)
        .ignore_environment();
    if grpc {
        builder = builder.otlp_protocol(rizk::config::OtlpProtocol::Grpc);
    }
    let rizk = builder.init().unwrap();
    let total = reports(CALLS);
    assert!(total >= CALLS * 300_000);
    let made = 1 + 2 * CALLS as u64;
    let metrics = wait_exported(made, Duration::from_secs(60));
    let report = rizk.shutdown();
    assert_eq!(report.lost(), 0, "{report} / {metrics:?}");
    assert_eq!(report.exported, made, "{report}");
    assert!(
        metrics.export_requests > 1,
        "{made} spans of 300 KB do not fit in one 4 MiB request: {metrics:?}"
    );

    let base = peer("E2E_PHOENIX_URL");
    let url = format!("{base}/v1/projects/{project}/spans?limit=1000");
    // Each read of these spans costs Phoenix seconds (see `get_json_until`), and a `#[tool]`
    // span now carries its argument twice (`input.value`, `gen_ai.tool.call.arguments`).
    let json = get_json_until(&url, Duration::from_secs(180), |j| {
        j["data"].as_array().is_some_and(|d| d.len() as u64 >= made)
    });
    let spans = json["data"].as_array().unwrap();
    assert_eq!(spans.len() as u64, made);
    let llm: Vec<_> = spans
        .iter()
        .filter(|s| s["name"] == "openai.chat.completions")
        .collect();
    assert_eq!(llm.len(), CALLS);
    for span in llm {
        let input = e2e_support::attribute(&span["attributes"], "input.value")
            .and_then(|v| v.as_str())
            .unwrap_or_default();
        assert!(
            input.starts_with("call "),
            "the prompt arrived: {}",
            &input[..input.len().min(80)]
        );
    }
    println!(
        "e2e huge payloads ({}): {made} spans in {} requests, all read back",
        if grpc { "grpc" } else { "http" },
        metrics.export_requests
    );
}

#[test]
#[ignore = "e2e: needs peers; run with cargo xtask e2e"]
fn e2e_payloads_phoenix_over_http() {
    huge_payloads(
        &peer("E2E_PHOENIX_URL"),
        &unique("rizk-e2e-huge-http"),
        false,
    );
}

#[test]
#[ignore = "e2e: needs peers; run with cargo xtask e2e"]
fn e2e_payloads_phoenix_over_grpc() {
    huge_payloads(
        &peer("E2E_PHOENIX_GRPC"),
        &unique("rizk-e2e-huge-grpc"),
        true,
    );
}
