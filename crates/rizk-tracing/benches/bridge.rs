//! What one `tracing` span costs through the rizk bridge, compared in one run with the same
//! span through `tracing-opentelemetry` into an SDK pipeline of the same shape, and with the
//! bare `tracing` registry.
//!
//! ```text
//! CARGO_TARGET_DIR=target cargo bench -p rizk-tracing --bench bridge
//! ```
//!
//! Both pipelines export through a batch processor into an exporter that discards, so the
//! figures are the application thread's cost. After the criterion group it prints the ratios.

#![allow(missing_docs, clippy::print_stdout, clippy::unwrap_used)]

use rizk_test_support::mean_ns;

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::{BatchSpanProcessor, SdkTracerProvider};
use rizk_test_support::Discard;
use tracing::Dispatch;
use tracing_subscriber::layer::SubscriberExt as _;

/// A span with three fields (string, integer, boolean), entered and closed.
fn one_span(n: u64) {
    let span = tracing::info_span!(
        "db.query",
        db.system = "postgresql",
        rows = n,
        cached = false
    );
    span.in_scope(|| black_box(n));
}

/// A GenAI span as rig opens it, with usage recorded after the call.
fn one_genai_span(n: u64) {
    let span = tracing::info_span!(
        target: "rig::completions",
        "chat",
        gen_ai.operation.name = "chat",
        gen_ai.provider.name = "openai",
        gen_ai.request.model = "gpt-4o-mini",
        gen_ai.usage.input_tokens = tracing::field::Empty,
        gen_ai.usage.output_tokens = tracing::field::Empty,
    );
    span.in_scope(|| black_box(n));
    span.record("gen_ai.usage.input_tokens", 12_u64);
    span.record("gen_ai.usage.output_tokens", n);
}

fn bridge(c: &mut Criterion) {
    let _rizk = rizk::Rizk::builder()
        .app_name("bridge-bench")
        .console_exporter(false)
        .ignore_environment()
        .with_exporter("discard", Discard)
        .init()
        .unwrap();
    let provider = SdkTracerProvider::builder()
        .with_span_processor(BatchSpanProcessor::builder(Discard).build())
        .build();
    let rizk_bridge = Dispatch::new(tracing_subscriber::registry().with(rizk_tracing::layer()));
    let tracing_otel = Dispatch::new(
        tracing_subscriber::registry()
            .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("bench"))),
    );
    let registry_only = Dispatch::new(tracing_subscriber::registry());

    let mut group = c.benchmark_group("bridge");
    for (name, dispatch) in [
        ("rizk_bridge", &rizk_bridge),
        ("tracing_opentelemetry", &tracing_otel),
        ("registry_only", &registry_only),
    ] {
        tracing::dispatcher::with_default(dispatch, || {
            group.bench_function(name, |b| {
                let mut n = 0u64;
                b.iter(|| {
                    n += 1;
                    one_span(n);
                })
            });
            group.bench_function(format!("{name}_genai"), |b| {
                let mut n = 0u64;
                b.iter(|| {
                    n += 1;
                    one_genai_span(n);
                })
            });
        });
    }
    group.finish();

    // Load on a shared machine drifts between criterion's groups; alternating short rounds of
    // each pipeline and taking the median of the per-round ratios cancels most of it.
    let mut rows = Vec::new();
    for (label, span) in [
        ("plain span", one_span as fn(u64)),
        ("GenAI span", one_genai_span as fn(u64)),
    ] {
        let (ours, peer, ratio) = interleaved(&rizk_bridge, &tracing_otel, span);
        rows.push((label, ours, peer, ratio));
    }
    *INTERLEAVED.lock().unwrap() = rows;
    let _ = provider.shutdown();
}

static INTERLEAVED: std::sync::Mutex<Vec<(&str, f64, f64, f64)>> =
    std::sync::Mutex::new(Vec::new());

/// Median ns per span of `a` and `b`, and the median of the per-round ratios a / b.
fn interleaved(a: &Dispatch, b: &Dispatch, span: fn(u64)) -> (f64, f64, f64) {
    const ROUNDS: usize = 31;
    const SPANS: u64 = 20_000;
    let time = |dispatch: &Dispatch| {
        tracing::dispatcher::with_default(dispatch, || {
            let start = std::time::Instant::now();
            for n in 0..SPANS {
                span(n);
            }
            start.elapsed().as_nanos() as f64 / SPANS as f64
        })
    };
    let (mut xs, mut ys, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let x = time(a);
        let y = time(b);
        xs.push(x);
        ys.push(y);
        ratios.push(x / y);
    }
    (median(xs), median(ys), median(ratios))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn print_ratios() {
    println!(
        "\n{:<44} {:>10} {:>10} {:>7}",
        "per span (3 fields)", "rizk ns", "peer ns", "ratio"
    );
    for (label, ours, peer) in [
        (
            "bridge / tracing-opentelemetry",
            "rizk_bridge",
            "tracing_opentelemetry",
        ),
        (
            "bridge / tracing-opentelemetry (GenAI span)",
            "rizk_bridge_genai",
            "tracing_opentelemetry_genai",
        ),
    ] {
        match (mean_ns("bridge", ours), mean_ns("bridge", peer)) {
            (Some(a), Some(b)) => println!("{label:<44} {a:>10.1} {b:>10.1} {:>7.2}", a / b),
            _ => println!("{label:<44} (not measured in this run)"),
        }
    }
    for (label, ours, peer, ratio) in INTERLEAVED.lock().unwrap().iter() {
        println!(
            "{:<44} {ours:>10.1} {peer:>10.1} {ratio:>7.2}",
            format!("interleaved, {label} (median of 31 rounds)")
        );
    }
    if let (Some(ours), Some(peer), Some(base)) = (
        mean_ns("bridge", "rizk_bridge"),
        mean_ns("bridge", "tracing_opentelemetry"),
        mean_ns("bridge", "registry_only"),
    ) {
        println!(
            "{:<44} {:>10.1} {:>10.1} {:>7.2}",
            "  added over the bare registry",
            ours - base,
            peer - base,
            (ours - base) / (peer - base)
        );
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
    targets = bridge
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    print_ratios();
}
