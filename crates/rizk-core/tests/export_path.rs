//! The export path's promises, each under the condition where it could break: requests stay
//! under the receiver's limit, network exporters overlap requests, the memory budget bounds
//! what waits and comes back after export, a dead exporter leaves room for the others, and
//! shutdown is bounded and counts what it could not send.

#![allow(clippy::unwrap_used)] // a test fails loudly on what it did not expect

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use opentelemetry::KeyValue;
use opentelemetry::trace::{Span as _, Tracer as _, TracerProvider as _};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanData, SpanExporter};
use rizk_core::config::{ExportSettings, Source, Sourced};
use rizk_core::export::{ExportPipeline, ExporterSet, InMemoryExporter, QueueOptions};

/// Records every request: its span count and the bytes of its strings; optionally slow.
#[derive(Debug, Clone, Default)]
struct Recorder {
    requests: Arc<Mutex<Vec<(usize, usize)>>>,
    in_flight: Arc<AtomicUsize>,
    most_in_flight: Arc<AtomicUsize>,
    delay: Duration,
}

impl SpanExporter for Recorder {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_in_flight.fetch_max(now, Ordering::SeqCst);
        std::thread::sleep(self.delay);
        let bytes = batch
            .iter()
            .flat_map(|s| s.attributes.iter())
            .map(|kv| kv.value.as_str().len())
            .sum();
        self.requests.lock().unwrap().push((batch.len(), bytes));
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        Ok(())
    }
}

impl Recorder {
    fn spans(&self) -> usize {
        self.requests.lock().unwrap().iter().map(|r| r.0).sum()
    }
}

/// Never returns from an export until released (a collector that accepts and never answers).
#[derive(Debug, Clone, Default)]
struct Stalled(Arc<Mutex<()>>);

impl SpanExporter for Stalled {
    async fn export(&self, _batch: Vec<SpanData>) -> OTelSdkResult {
        let _held = self.0.lock().unwrap_or_else(|p| p.into_inner());
        Ok(())
    }
}

fn settings() -> ExportSettings {
    ExportSettings {
        scheduled_delay: Sourced::new(Duration::from_millis(10), Source::Builder),
        shutdown_timeout: Sourced::new(Duration::from_secs(5), Source::Builder),
        ..ExportSettings::default()
    }
}

fn provider(pipeline: ExportPipeline) -> SdkTracerProvider {
    SdkTracerProvider::builder()
        .with_span_processor(pipeline)
        .build()
}

/// Ends `n` spans, each with one string attribute of `size` bytes.
fn spans(provider: &SdkTracerProvider, n: usize, size: usize) {
    let tracer = provider.tracer("export-path");
    let payload = "p".repeat(size);
    for _ in 0..n {
        let mut span = tracer.start("llm.call");
        span.set_attribute(KeyValue::new("input.value", payload.clone()));
        span.end();
    }
}

#[test]
fn requests_are_split_to_stay_under_the_largest_request() {
    let recorder = Recorder::default();
    let mut set = ExporterSet::new(settings());
    set.add_with("otlp", recorder.clone(), QueueOptions::network(1 << 20));
    let provider = provider(set.into_processor());
    // 60 spans of 100 KB: 6 MB, at most 10 per 1 MiB request.
    spans(&provider, 60, 100_000);
    provider.force_flush().unwrap();
    let requests = recorder.requests.lock().unwrap().clone();
    assert_eq!(recorder.spans(), 60, "{requests:?}");
    assert!(requests.len() >= 6, "{requests:?}");
    for (count, bytes) in &requests {
        assert!(
            *bytes < 1 << 20,
            "a request of {count} spans, {bytes} bytes"
        );
    }
}

#[test]
fn a_span_larger_than_any_request_is_cut_to_fit_not_rejected() {
    let spans_out = InMemoryExporter::default();
    let mut set = ExporterSet::new(settings());
    set.add_with("otlp", spans_out.clone(), QueueOptions::network(1 << 20));
    let pipeline = set.into_processor();
    let (_, queues) = pipeline.stats();
    let provider = provider(pipeline);
    spans(&provider, 3, 3_000_000);
    provider.force_flush().unwrap();
    let out = spans_out.spans();
    assert_eq!(out.len(), 3);
    for span in &out {
        let input = span
            .attributes
            .iter()
            .find(|kv| kv.key.as_str() == "input.value")
            .unwrap()
            .value
            .as_str()
            .into_owned();
        assert!(input.len() < 1 << 20, "{}", input.len());
        assert!(
            input.ends_with("of 3000000 bytes kept]"),
            "{}",
            &input[input.len() - 60..]
        );
    }
    assert_eq!(queues[0].1.snapshot().oversized, 3);
}

#[test]
fn network_exporters_overlap_requests_and_local_ones_do_not() {
    let network = Recorder {
        delay: Duration::from_millis(30),
        ..Recorder::default()
    };
    let local = Recorder {
        delay: Duration::from_millis(30),
        ..Recorder::default()
    };
    let mut s = settings();
    s.max_export_batch_size = Sourced::new(10, Source::Builder);
    s.max_concurrent_exports = Sourced::new(3, Source::Builder);
    let mut set = ExporterSet::new(s);
    set.add_with("otlp", network.clone(), QueueOptions::network(1 << 22));
    set.add("console", local.clone());
    let provider = provider(set.into_processor());
    spans(&provider, 200, 10);
    provider.force_flush().unwrap();
    assert_eq!(network.spans(), 200);
    assert_eq!(local.spans(), 200);
    assert_eq!(network.most_in_flight.load(Ordering::SeqCst), 3);
    assert_eq!(local.most_in_flight.load(Ordering::SeqCst), 1);
}

#[test]
fn the_memory_budget_bounds_what_waits_and_comes_back_after_export() {
    let stalled = Stalled::default();
    let gate = stalled.0.lock().unwrap();
    let mut s = settings();
    s.max_queue_bytes = Sourced::new(2 << 20, Source::Builder);
    let mut set = ExporterSet::new(s);
    set.add_with("otlp", stalled.clone(), QueueOptions::network(1 << 22));
    let pipeline = set.into_processor();
    let (intake, queues) = pipeline.stats();
    let provider = provider(pipeline);
    // 100 spans of 100 KB = 10 MB against a 2 MiB budget.
    spans(&provider, 100, 100_000);
    let dropped = intake.snapshot().dropped_queue_full;
    assert!(
        (75..=95).contains(&dropped),
        "about 20 spans of 100 KB fit in 2 MiB; {dropped} dropped"
    );
    drop(gate);
    provider.force_flush().unwrap();
    let exported = queues[0].1.snapshot().exported;
    assert_eq!(exported + dropped, 100);
    // With the budget back, the next burst fits again.
    spans(&provider, 15, 100_000);
    provider.force_flush().unwrap();
    assert_eq!(queues[0].1.snapshot().exported, exported + 15);
    assert_eq!(intake.snapshot().dropped_queue_full, dropped);
}

#[test]
fn a_dead_exporter_leaves_room_for_the_others() {
    let stalled = Stalled::default();
    let _gate = stalled.0.lock().unwrap();
    let alive = InMemoryExporter::default();
    let mut s = settings();
    s.max_queue_bytes = Sourced::new(2 << 20, Source::Builder);
    s.shutdown_timeout = Sourced::new(Duration::from_millis(300), Source::Builder);
    let mut set = ExporterSet::new(s);
    set.add_with("dead", stalled.clone(), QueueOptions::network(1 << 22));
    set.add("alive", alive.clone());
    let provider = provider(set.into_processor());
    // Far more than the budget, in rounds that let the live exporter drain.
    for _ in 0..20 {
        spans(&provider, 10, 50_000);
        std::thread::sleep(Duration::from_millis(30));
    }
    let _ = provider.force_flush();
    assert_eq!(alive.spans().len(), 200, "the live exporter got every span");
}

#[test]
fn shutdown_is_bounded_and_counts_what_it_could_not_send() {
    let stalled = Stalled::default();
    let _gate = stalled.0.lock().unwrap();
    let mut s = settings();
    s.shutdown_timeout = Sourced::new(Duration::from_millis(300), Source::Builder);
    s.max_concurrent_exports = Sourced::new(1, Source::Builder);
    s.max_export_batch_size = Sourced::new(10, Source::Builder);
    let mut set = ExporterSet::new(s);
    set.add_with("otlp", stalled.clone(), QueueOptions::network(1 << 22));
    let pipeline = set.into_processor();
    let (_, queues) = pipeline.stats();
    let provider = provider(pipeline);
    spans(&provider, 100, 10);
    let start = Instant::now();
    let _ = provider.shutdown();
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    let s = queues[0].1.snapshot();
    // One request of 10 is stuck in the exporter; the other 90 were never sent.
    assert_eq!(s.dropped_shutdown_timeout, 90, "{s:?}");
    assert_eq!(s.exported, 0, "{s:?}");
}

#[test]
fn spans_ended_from_many_threads_are_all_counted_and_exported() {
    // The stage thread takes spans while application threads are still counting them: the
    // count must never run below zero (in a debug build that was a panic on the application's
    // thread).
    let recorder = Recorder::default();
    let mut s = settings();
    s.max_export_batch_size = Sourced::new(1, Source::Builder);
    let mut set = ExporterSet::new(s);
    set.add_with("otlp", recorder.clone(), QueueOptions::network(1 << 22));
    let pipeline = set.into_processor();
    let (intake, _) = pipeline.stats();
    let provider = Arc::new(provider(pipeline));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let provider = provider.clone();
            std::thread::spawn(move || spans(&provider, 20_000, 1))
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    provider.force_flush().unwrap();
    assert_eq!(intake.snapshot().enqueued, 80_000);
    assert_eq!(recorder.spans(), 80_000);
}
