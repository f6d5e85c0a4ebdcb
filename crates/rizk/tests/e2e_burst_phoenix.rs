//! End to end, under load: 100,000 spans made as fast as four threads can (25,000 four-span
//! workflows) with the default settings, into a real Arize Phoenix: none lost at the queue, all
//! exported (Phoenix answers 503 while its ingestion queue is full: rizk retries), all read back
//! and counted. Needs the peers: `cargo xtask e2e burst`.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

mod e2e_support;

use std::time::{Duration, Instant};

use e2e_support::{peer, unique};
use rizk::Rizk;
use rizk::prelude::*;

const THREADS: usize = 4;
const WORKFLOWS_PER_THREAD: usize = 6_250;
const SPANS_PER_WORKFLOW: u64 = 4;

#[workflow(name = "burst")]
fn burst(i: usize) -> usize {
    step(i) + helper(i)
}

#[task(name = "step")]
fn step(i: usize) -> usize {
    i % 7
}

#[agent(name = "helper")]
fn helper(i: usize) -> usize {
    lookup(i) + 1
}

#[tool(name = "lookup")]
fn lookup(i: usize) -> usize {
    i % 3
}

/// Waits until every span that ended has been exported or lost, or `limit` passes.
fn wait_exported(expected: u64, limit: Duration) -> rizk::TracingMetrics {
    let start = Instant::now();
    loop {
        let m = rizk::get_tracing_metrics();
        let settled = m.spans_exported
            + m.dropped_queue_full
            + m.dropped_export_failure
            + m.dropped_after_shutdown;
        if settled >= expected || start.elapsed() > limit {
            return m;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The number of spans Phoenix holds for `project`, through its GraphQL API.
fn phoenix_span_count(base: &str, project: &str, expected: u64) -> u64 {
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let query = serde_json::json!({
        "query": "{ projects { edges { node { name recordCount } } } }"
    });
    let start = Instant::now();
    let mut last = 0;
    while start.elapsed() < Duration::from_secs(600) {
        let body = client
            .post(format!("{base}/graphql"))
            .header("content-type", "application/json")
            .body(query.to_string())
            .send()
            .unwrap()
            .text()
            .unwrap();
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        let edges = json["data"]["projects"]["edges"]
            .as_array()
            .unwrap_or_else(|| panic!("unexpected GraphQL answer: {json}"));
        last = edges
            .iter()
            .find(|e| e["node"]["name"] == project)
            .and_then(|e| e["node"]["recordCount"].as_u64())
            .unwrap_or(0);
        if last >= expected {
            return last;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    last
}

#[test]
#[ignore = "e2e: needs peers; run with cargo xtask e2e"]
fn e2e_burst_phoenix_loses_nothing() {
    let base = peer("E2E_PHOENIX_URL");
    let project = unique("rizk-e2e-burst");
    let rizk = Rizk::builder()
        .app_name(&project)
        .opentelemetry_endpoint(&base)
        .console_exporter(false)
        .ignore_environment()
        .init()
        .unwrap();

    let start = Instant::now();
    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            std::thread::spawn(move || {
                (0..WORKFLOWS_PER_THREAD)
                    .map(|i| burst(t * WORKFLOWS_PER_THREAD + i))
                    .sum::<usize>()
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let made_in = start.elapsed();
    let made = (THREADS * WORKFLOWS_PER_THREAD) as u64 * SPANS_PER_WORKFLOW;
    let during = rizk::get_tracing_metrics();
    assert_eq!(during.spans_ended, made, "{during:?}");
    assert_eq!(
        during.dropped_queue_full, 0,
        "the burst fits in the default memory budget: {during:?}"
    );

    let metrics = wait_exported(made, Duration::from_secs(300));
    let drained_in = start.elapsed();
    let report = rizk.shutdown();
    assert_eq!(report.lost(), 0, "{report}");
    assert_eq!(report.exported, made, "{report} / {metrics:?}");

    let stored = phoenix_span_count(&base, &project, made);
    assert_eq!(
        stored, made,
        "Phoenix holds every span of project {project}"
    );
    println!(
        "e2e_burst_phoenix: {made} spans made in {made_in:?}, exported in {drained_in:?} \
         ({} requests, peak queue {} MiB of {} MiB), all {stored} read back from Phoenix",
        metrics.export_requests,
        during.queue_bytes / (1024 * 1024),
        during.max_queue_bytes / (1024 * 1024),
    );
}
