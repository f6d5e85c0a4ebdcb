//! The cost of a second exporter: the same bursts of `#[task]` spans with content (an e-mail
//! address in every input, so redaction has work) exported over OTLP/HTTP to a loopback
//! receiver, with one exporter and with two (OTLP and the JSON-lines trace file, a common
//! pair). The export-side stages (content policy and redaction, limits) run once per span
//! whatever the number of exporters (`crates/rizk-core/src/export/stages.rs`), so the second
//! exporter adds its own encoding and writing, not a second redaction.
//!
//! ```text
//! cargo bench -p rizk --bench fan_out
//! ```
//!
//! Each iteration ends `SPANS` spans on one thread, flushes both exporters and waits until the
//! receiver decoded the last span. Outside the timing the bench checks that every span arrived
//! and that no e-mail address reached the receiver. It prints spans/s for both and the ratio.

#![allow(missing_docs, clippy::print_stdout, clippy::unwrap_used)]

use std::cell::Cell;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, Throughput, criterion_group};
use rizk::{Rizk, RizkHandle};
use rizk_test_support::mean_ns;
use rizk_test_support::otlp_sink::OtlpSink;

/// Spans per iteration.
const SPANS: u64 = 10_240;
const ARRIVAL_LIMIT: Duration = Duration::from_secs(60);
const GROUP: &str = "fan_out";
const ONE: &str = "otlp";
const TWO: &str = "otlp_and_trace_file";
const PLANTED: &str = "jane.doe@example.com";

#[rizk::task(name = "lookup_order")]
fn lookup_order(question: &str) -> usize {
    question.len()
}

fn start(sink: &OtlpSink, trace_file: Option<&std::path::Path>) -> RizkHandle {
    let mut builder = Rizk::builder()
        .app_name("fan-out-bench")
        .ignore_environment()
        .console_exporter(false)
        .opentelemetry_endpoint(sink.endpoint());
    if let Some(path) = trace_file {
        builder = builder.trace_file(path);
    }
    builder.init().unwrap()
}

fn measure(c: &mut Criterion, sink: &OtlpSink, name: &str, rizk: &RizkHandle) -> u64 {
    let iterations = Cell::new(0u64);
    let question = format!("where is my parcel? write to {PLANTED} please, it was due monday");
    let mut group = c.benchmark_group(GROUP);
    group
        .throughput(Throughput::Elements(SPANS))
        .sampling_mode(SamplingMode::Flat);
    group.bench_function(name, |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let target = sink.spans() + SPANS;
                let started = Instant::now();
                for _ in 0..SPANS {
                    lookup_order(&question);
                }
                rizk.flush().unwrap();
                let arrived = sink.wait_for(target, ARRIVAL_LIMIT);
                total += started.elapsed();
                assert!(arrived, "{name}: spans were lost");
                iterations.set(iterations.get() + 1);
            }
            total
        });
    });
    group.finish();
    iterations.get()
}

fn cases(c: &mut Criterion) {
    let sink = OtlpSink::watching(PLANTED).unwrap();
    let dir = std::env::temp_dir().join(format!("rizk-fan-out-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("spans.jsonl");

    let before = sink.spans();
    let rizk = start(&sink, None);
    let one = measure(c, &sink, ONE, &rizk);
    rizk.shutdown();
    assert_eq!(
        sink.spans() - before,
        one * SPANS,
        "one exporter: every span"
    );

    let before = sink.spans();
    let rizk = start(&sink, Some(&file));
    let two = measure(c, &sink, TWO, &rizk);
    rizk.shutdown();
    assert_eq!(
        sink.spans() - before,
        two * SPANS,
        "two exporters: every span"
    );
    let lines = std::fs::read_to_string(&file).unwrap().lines().count() as u64;
    assert_eq!(lines, two * SPANS, "the trace file has every span");
    assert_eq!(
        sink.leaks(),
        0,
        "no planted e-mail address reached the receiver"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn print_ratio() {
    let (Some(one), Some(two)) = (mean_ns(GROUP, ONE), mean_ns(GROUP, TWO)) else {
        println!("\nfan-out: both cases must run for the ratio");
        return;
    };
    let per_second = |ns: f64| SPANS as f64 / (ns / 1e9);
    println!(
        "\nfan-out, {SPANS}-span bursts with content and redaction (mean):\n  \
         OTLP                     {:>10.0} spans/s\n  \
         OTLP + trace file        {:>10.0} spans/s\n  \
         time ratio two / one     {:>10.2}",
        per_second(one),
        per_second(two),
        two / one
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
