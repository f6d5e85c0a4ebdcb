//! Sustained export throughput into a real receiver: spans per second from the span's end to a
//! loopback OTLP/HTTP receiver that decodes every request (`rizk_test_support::otlp_sink`), for
//! rizk's `ExportPipeline` (default settings) against the OpenTelemetry SDK's
//! `BatchSpanProcessor`, with the same exporter (`rizk_exporters::otlp_exporter`) in one run.
//!
//! ```text
//! cargo bench -p rizk-exporters --all-features --bench export_throughput
//! ```
//!
//! Each iteration ends `SPANS` spans (8 attributes, as a `#[task]` with content carries) as fast
//! as one thread can, flushes, and waits until the receiver has decoded all of them: the time
//! is production plus export of the whole burst. The SDK's queue is raised to twice the burst
//! so that it drops nothing (its default, 2,048, would drop most of it); rizk runs its
//! defaults (256 MiB budget, 2 concurrent requests). Outside the timing, the bench asserts that
//! the receiver got exactly every span of every iteration and that rizk counted no drop. It
//! prints spans/s for both and the ratio rizk / SDK.

#![allow(missing_docs, clippy::print_stdout, clippy::unwrap_used)]

use std::cell::Cell;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, Throughput, criterion_group};
use opentelemetry::KeyValue;
use opentelemetry::trace::{Span as _, Tracer as _, TracerProvider as _};
use opentelemetry_sdk::trace::{BatchConfigBuilder, BatchSpanProcessor, SdkTracerProvider};
use rizk_core::config::{DEFAULT_MAX_REQUEST_BYTES, ExportSettings};
use rizk_core::export::{ExporterSet, QueueOptions};
use rizk_exporters::{OtlpSettings, otlp_exporter};
use rizk_test_support::mean_ns;
use rizk_test_support::otlp_sink::OtlpSink;

/// Spans per iteration: a multiple of the batch size (512), so neither processor waits for its
/// timer on a partial batch.
const SPANS: u64 = 20_480;
/// How long one burst may take to arrive before the bench calls it lost.
const ARRIVAL_LIMIT: Duration = Duration::from_secs(60);
const GROUP: &str = "export_throughput";
const RIZK: &str = "rizk_export_pipeline";
const SDK: &str = "sdk_batch_span_processor";

/// The attributes of a `#[task]` that records its input and output.
fn attributes(i: u64) -> Vec<KeyValue> {
    vec![
        KeyValue::new("rizk.span.kind", "task"),
        KeyValue::new("rizk.entity.name", "lookup_order"),
        KeyValue::new("openinference.span.kind", "CHAIN"),
        KeyValue::new("rizk.organization.id", "acme"),
        KeyValue::new("rizk.project.id", "support-bot"),
        KeyValue::new(
            "traceloop.entity.input",
            format!(r#"{{"order_id":{i},"question":"where is my parcel? it was due on monday"}}"#),
        ),
        KeyValue::new(
            "traceloop.entity.output",
            r#"{"status":"in transit","eta":"2 days","carrier":"DHL"}"#,
        ),
        KeyValue::new("rizk.entity.duration_ms", 3_i64),
    ]
}

/// Ends `n` spans on this thread as fast as it goes.
fn burst(provider: &SdkTracerProvider, n: u64) {
    let tracer = provider.tracer("bench");
    for i in 0..n {
        let mut span = tracer
            .span_builder("task.lookup_order")
            .with_attributes(attributes(i))
            .start(&tracer);
        span.end();
    }
}

fn otlp(sink: &OtlpSink) -> rizk_exporters::OtlpExporter {
    let settings = OtlpSettings::new(&url::Url::parse(&sink.endpoint()).unwrap(), None);
    otlp_exporter(&settings, "otlp").unwrap()
}

/// One case: iterations of a burst, each timed from the first span's end until the receiver
/// decoded the last; returns the iterations run (to check the receiver's total).
fn measure(c: &mut Criterion, sink: &OtlpSink, name: &str, provider: &SdkTracerProvider) -> u64 {
    let iterations = Cell::new(0u64);
    let mut group = c.benchmark_group(GROUP);
    group
        .throughput(Throughput::Elements(SPANS))
        .sampling_mode(SamplingMode::Flat);
    group.bench_function(name, |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let target = sink.spans() + SPANS;
                let start = Instant::now();
                burst(provider, SPANS);
                provider.force_flush().unwrap();
                let arrived = sink.wait_for(target, ARRIVAL_LIMIT);
                total += start.elapsed();
                assert!(
                    arrived,
                    "{name}: the receiver has {} of {target} spans after {ARRIVAL_LIMIT:?}: \
                     spans were dropped",
                    sink.spans()
                );
                iterations.set(iterations.get() + 1);
            }
            total
        });
    });
    group.finish();
    iterations.get()
}

fn cases(c: &mut Criterion) {
    let sink = OtlpSink::start().unwrap();

    // rizk: the export path as `init` builds it for an OTLP endpoint, without the stages.
    let mut set = ExporterSet::new(ExportSettings::default());
    set.add_with(
        "otlp",
        otlp(&sink),
        QueueOptions::network(DEFAULT_MAX_REQUEST_BYTES),
    );
    let pipeline = set.into_processor();
    let (intake, queues) = pipeline.stats();
    let provider = SdkTracerProvider::builder()
        .with_span_processor(pipeline)
        .build();
    let before = sink.spans();
    let rizk_iterations = measure(c, &sink, RIZK, &provider);
    provider.shutdown().unwrap();
    let received = sink.spans() - before;
    let intake = intake.snapshot();
    let queue = queues[0].1.snapshot();
    assert_eq!(
        received,
        rizk_iterations * SPANS,
        "rizk: the receiver got every span, once"
    );
    assert_eq!(
        intake.lost() + queue.lost(),
        0,
        "rizk lost spans: {intake:?} {queue:?}"
    );
    println!(
        "rizk: {received} spans received in {} requests, dropped 0",
        queue.requests
    );

    // The SDK: default batch settings (512 per request, one at a time) but a queue that holds
    // two bursts, so that it drops nothing.
    let processor = BatchSpanProcessor::builder(otlp(&sink))
        .with_batch_config(
            BatchConfigBuilder::default()
                .with_max_queue_size(2 * SPANS as usize)
                .build(),
        )
        .build();
    let provider = SdkTracerProvider::builder()
        .with_span_processor(processor)
        .build();
    let before = sink.spans();
    let sdk_iterations = measure(c, &sink, SDK, &provider);
    provider.shutdown().unwrap();
    let received = sink.spans() - before;
    // The SDK counts its drops only in a log line: every span arriving is the proof.
    assert_eq!(
        received,
        sdk_iterations * SPANS,
        "SDK: the receiver got every span, once"
    );
    println!("SDK: {received} spans received, dropped 0");
    assert_eq!(sink.rejected(), 0, "the receiver decoded every request");
    if let Some((lean, full)) = sink.decode_rates(200) {
        println!(
            "receiver: counts {:.1} M spans/s on one thread ({:.2} M/s decoding every field \
             with opentelemetry-proto)",
            lean / 1e6,
            full / 1e6
        );
    }
}

fn print_ratio() {
    let (Some(rizk), Some(sdk)) = (mean_ns(GROUP, RIZK), mean_ns(GROUP, SDK)) else {
        println!("\nexport throughput: both cases must run for the ratio");
        return;
    };
    let per_second = |ns: f64| SPANS as f64 / (ns / 1e9);
    println!(
        "\nexport throughput, {SPANS}-span bursts into a loopback OTLP/HTTP receiver (mean):\n  \
         rizk ExportPipeline      {:>10.0} spans/s ({:.1} ms per burst)\n  \
         SDK BatchSpanProcessor   {:>10.0} spans/s ({:.1} ms per burst)\n  \
         ratio rizk / SDK         {:>10.2}",
        per_second(rizk),
        rizk / 1e6,
        per_second(sdk),
        sdk / 1e6,
        sdk / rizk
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    targets = cases
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    print_ratio();
}
