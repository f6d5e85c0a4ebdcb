//! End to end, the burst of issue 11: 100,000 spans made as fast as four threads can (25,000
//! four-span workflows), with the default settings, into an independent OTLP/HTTP receiver on
//! 127.0.0.1 that decodes every request with the OpenTelemetry project's Python protobuf classes
//! (`tests/peers/otlp_receiver.py`, run with the Python of Phoenix's venv). None may be lost at
//! the queue, every one must be exported, and the receiver must count exactly as many. Needs
//! the peers' Python: `cargo xtask e2e burst`.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

mod e2e_support;

use std::time::Duration;

use e2e_support::{PythonReceiver, run_burst, unique, wait_exported};
use rizk::Rizk;

#[test]
#[ignore = "e2e: needs peers; run with cargo xtask e2e"]
fn e2e_burst_otlp_python_100k_spans_lose_nothing() {
    let receiver = PythonReceiver::start();
    let rizk = Rizk::builder()
        .app_name(unique("rizk-e2e-burst"))
        .opentelemetry_endpoint(format!("http://127.0.0.1:{}", receiver.port))
        .console_exporter(false)
        .ignore_environment()
        .init()
        .unwrap();

    let (made, made_in) = run_burst(4, 25_000);
    assert_eq!(made, 100_000);
    let during = rizk::get_tracing_metrics();
    assert_eq!(during.spans_ended, made, "{during:?}");
    assert_eq!(
        during.dropped_queue_full, 0,
        "the burst fits in the default memory budget: {during:?}"
    );

    let metrics = wait_exported(made, Duration::from_secs(300));
    let report = rizk.shutdown();
    assert_eq!(report.lost(), 0, "{report}");
    assert_eq!(report.exported, made, "{report} / {metrics:?}");

    let count = receiver.count();
    assert_eq!(count["spans"], made, "{count}");
    assert_eq!(count["rejected"], 0, "{count}");
    println!(
        "e2e_burst_otlp_python: {made} spans made in {made_in:?} (queue peaked near {} MiB of \
         {} MiB), exported in {} requests with 0 lost: {report}; receiver: {count}",
        during.queue_bytes / (1024 * 1024),
        during.max_queue_bytes / (1024 * 1024),
        metrics.export_requests,
    );
}
