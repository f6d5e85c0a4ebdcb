//! End to end: the multi-agent trace over OTLP/HTTP to a real Arize Phoenix, read back over its
//! REST API. Needs the peers: `cargo xtask e2e phoenix`.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

mod e2e_support;

use std::time::Instant;

use e2e_support::{check_phoenix, peer, run_trace, unique};
use rizk::Rizk;

#[test]
#[ignore = "e2e: needs peers; run with cargo xtask e2e"]
fn e2e_phoenix_http() {
    let base = peer("E2E_PHOENIX_URL");
    let project = unique("rizk-e2e-http");
    let start = Instant::now();
    let rizk = Rizk::builder()
        .app_name(&project)
        .opentelemetry_endpoint(&base)
        .console_exporter(false)
        .ignore_environment()
        .init()
        .unwrap();
    let exporters = rizk::get_trace_config().exporters;
    assert!(
        exporters[0].starts_with(&format!("otlp {base}/v1/traces (http/protobuf")),
        "{exporters:?}"
    );
    let trace_id = run_trace("phoenix over http");
    rizk.shutdown();
    let sent = start.elapsed();
    check_phoenix(&base, &project, &trace_id);
    println!(
        "e2e_phoenix_http: sent in {sent:?}, read back and checked in {:?} (project {project}, trace {trace_id})",
        start.elapsed()
    );
}
