//! End to end: the multi-agent trace over OTLP/gRPC to a real Arize Phoenix, read back over its
//! REST API. Needs the peers and the `otlp-grpc` feature: `cargo xtask e2e phoenix`.

#![cfg(feature = "otlp-grpc")]
#![allow(clippy::unwrap_used, clippy::print_stdout)]

mod e2e_support;

use std::time::Instant;

use e2e_support::{check_phoenix, peer, run_trace, unique};
use rizk::Rizk;
use rizk::config::OtlpProtocol;

#[test]
#[ignore = "e2e: needs peers; run with cargo xtask e2e"]
fn e2e_phoenix_grpc() {
    let base = peer("E2E_PHOENIX_URL");
    let grpc = peer("E2E_PHOENIX_GRPC");
    let project = unique("rizk-e2e-grpc");
    let start = Instant::now();
    let rizk = Rizk::builder()
        .app_name(&project)
        .opentelemetry_endpoint(&grpc)
        .otlp_protocol(OtlpProtocol::Grpc) // Phoenix's gRPC port is not 4317
        .console_exporter(false)
        .ignore_environment()
        .init()
        .unwrap();
    let exporters = rizk::get_trace_config().exporters;
    assert!(exporters[0].contains("(grpc"), "{exporters:?}");
    let trace_id = run_trace("phoenix over grpc");
    rizk.shutdown();
    let sent = start.elapsed();
    check_phoenix(&base, &project, &trace_id);
    println!(
        "e2e_phoenix_grpc: sent in {sent:?}, read back and checked in {:?} (project {project}, trace {trace_id})",
        start.elapsed()
    );
}
