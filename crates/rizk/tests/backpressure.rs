//! A slow exporter never slows the application: the bounded queue drops and counts instead.

#![allow(clippy::unwrap_used)] // a test fails loudly on what it did not expect

use std::time::Duration;

use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use rizk::{Rizk, task};

/// An exporter that takes 20 ms per batch, like a congested collector.
#[derive(Debug)]
struct Slow;

impl SpanExporter for Slow {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        std::thread::sleep(Duration::from_millis(20));
        drop(batch);
        Ok(())
    }
}

#[task]
fn busy(n: u32) -> u32 {
    n
}

#[test]
fn a_full_queue_drops_and_counts_spans_and_shutdown_stays_within_its_bound() {
    let handle = Rizk::builder()
        .app_name("backpressure")
        .console_exporter(false)
        .ignore_environment()
        .max_queue_size(16)
        .shutdown_timeout(Duration::from_secs(2))
        .with_exporter("slow", Slow)
        .init()
        .unwrap();
    for n in 0..20_000 {
        busy(n);
    }
    let m = rizk::get_tracing_metrics();
    assert_eq!(m.spans_ended, 20_000);
    assert!(m.dropped_queue_full > 0, "{m:?}");
    assert_eq!(rizk::export_stats().len(), 1);
    let started = std::time::Instant::now();
    let handle_report = handle.shutdown();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "shutdown is bounded"
    );
    let report = handle_report;
    let m = rizk::get_tracing_metrics();
    assert_eq!(
        m.spans_ended, 20_000,
        "the final totals outlive the pipeline: {m:?}"
    );
    assert_eq!(
        m.spans_exported + m.dropped_queue_full + m.dropped_shutdown_timeout,
        20_000,
        "every span is exported or counted as dropped: {m:?}"
    );
    assert_eq!(report.exported, m.spans_exported, "{report}");
    assert_eq!(report.dropped_queue_full, m.dropped_queue_full, "{report}");
    assert!(report.lost() > 0, "{report}");
}
