//! What a traced call costs on the application's thread with no collector configured, with a
//! dead one (connection refused) and with a black-holed one (accepts, never answers): the same,
//! because export happens on each exporter's own queue and thread.
//!
//! ```text
//! cargo bench -p rizk-exporters --bench dead_collector
//! ```
//!
//! Criterion measures each case; afterwards the bench prints ns per call (median of 7 rounds of
//! 200,000 calls, measured in this one process) and the ratio to the no-collector case.

#![allow(missing_docs, clippy::print_stdout, clippy::unwrap_used)]

use std::hint::black_box;
use std::net::TcpListener;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};
use rizk_core::config::TraceExporter;
use rizk_core::semconv::EntityKind;
use rizk_core::span::{EntitySpan, SpanMeta};
use rizk_core::{RizkBuilder, RizkHandle};

static META: SpanMeta = SpanMeta {
    kind: EntityKind::Task,
    name: "unit_of_work",
    span_name: "task.unit_of_work",
    organization_id: Some("acme"),
    project_id: None,
    version: None,
    capture_input: false,
    capture_output: false,
};

fn traced(n: u64) -> u64 {
    EntitySpan::start(&META).run(|| black_box(n) + 1, |_, _| {})
}

/// The cases: (name, endpoint). `None`: nothing configured (and the console view off).
fn install(endpoint: Option<&str>) -> RizkHandle {
    let mut builder = rizk_exporters::register(RizkBuilder::new())
        .app_name("bench")
        .console_exporter(false)
        .otlp_timeout(Duration::from_secs(2))
        .shutdown_timeout(Duration::from_millis(200))
        .ignore_environment();
    if let Some(endpoint) = endpoint {
        builder = builder
            .opentelemetry_endpoint(endpoint)
            .trace_exporter(TraceExporter::Otlp);
    }
    rizk_core::install(builder).unwrap()
}

fn ns_per_call() -> f64 {
    let mut rounds: Vec<f64> = (0..7)
        .map(|_| {
            let start = Instant::now();
            for i in 0..200_000 {
                black_box(traced(i));
            }
            start.elapsed().as_nanos() as f64 / 200_000.0
        })
        .collect();
    rounds.sort_by(f64::total_cmp);
    rounds[3]
}

fn cases(c: &mut Criterion) {
    let refused = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    // Accepts connections (the kernel completes the handshake) and never answers.
    let black_hole = TcpListener::bind("127.0.0.1:0").unwrap();
    let black_hole_url = format!("http://{}", black_hole.local_addr().unwrap());

    let mut results = Vec::new();
    let mut group = c.benchmark_group("traced_call");
    for (name, endpoint) in [
        ("no collector", None),
        ("dead collector (refused)", Some(refused.as_str())),
        ("black-holed collector", Some(black_hole_url.as_str())),
    ] {
        let handle = install(endpoint);
        group.bench_function(name, |b| b.iter(|| traced(black_box(7))));
        results.push((name, ns_per_call(), rizk_core::export_stats()));
        handle.shutdown();
    }
    group.finish();

    let base = results[0].1;
    println!("\ntraced call on the application thread (median of 7 x 200k calls):");
    for (name, ns, stats) in &results {
        let dropped: u64 = stats.iter().map(|(_, s)| s.dropped_queue_full).sum();
        let failed: u64 = stats.iter().map(|(_, s)| s.export_failed).sum();
        println!(
            "  {name:<26} {ns:>8.1} ns/call  ratio {:>5.2}  (dropped {dropped}, export failed {failed})",
            ns / base
        );
    }
    drop(black_hole);
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = cases
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
