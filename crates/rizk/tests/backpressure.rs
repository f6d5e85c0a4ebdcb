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
    let stats = rizk::export_stats();
    assert_eq!(stats.len(), 1);
    let started = std::time::Instant::now();
    handle.shutdown().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "shutdown is bounded"
    );
    let m = rizk::get_tracing_metrics();
    assert_eq!(
        m,
        rizk::TracingMetrics::default(),
        "after shutdown there is no pipeline"
    );
    let s = &stats[0].1;
    assert!(s.enqueued + s.dropped_queue_full == 20_000, "{s:?}");
}
