//! End to end, a burst into a real Arize Phoenix: 25,000 spans made as fast as four threads can,
//! with the default settings. Phoenix writes only about 75 to 200 spans a second on this 2-core
//! machine, so the burst waits in rizk's memory-bounded queues and in Phoenix's own ingestion
//! queue (20,000 spans, beyond which it answers 503, which rizk retries: `faults.rs` in
//! rizk-exporters replays that answer). None is lost: all exported, all read back and counted.
//! A larger burst only makes the test longer; `e2e_burst_otlp_python` sends 100,000 spans to a
//! receiver that keeps up. Needs the peers: `cargo xtask e2e burst`.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

mod e2e_support;

use std::time::{Duration, Instant};

use e2e_support::{peer, run_burst, unique, wait_exported};
use rizk::Rizk;

/// The number of spans Phoenix holds for `project`, through its GraphQL API, once it reaches
/// `expected` or `limit` passes.
fn phoenix_span_count(base: &str, project: &str, expected: u64, limit: Duration) -> u64 {
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let query = serde_json::json!({
        "query": "{ projects { edges { node { name recordCount } } } }"
    });
    let start = Instant::now();
    let mut last = 0;
    while start.elapsed() < limit {
        let answer = client
            .post(format!("{base}/graphql"))
            .header("content-type", "application/json")
            .body(query.to_string())
            .send()
            .and_then(|r| r.text());
        if let Ok(body) = answer {
            let json: serde_json::Value = serde_json::from_str(&body).unwrap();
            last = json["data"]["projects"]["edges"]
                .as_array()
                .unwrap_or_else(|| panic!("unexpected GraphQL answer: {json}"))
                .iter()
                .find(|e| e["node"]["name"] == project)
                .and_then(|e| e["node"]["recordCount"].as_u64())
                .unwrap_or(0);
            if last >= expected {
                return last;
            }
        }
        std::thread::sleep(Duration::from_secs(1));
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

    let (made, made_in) = run_burst(4, 6_250);
    let during = rizk::get_tracing_metrics();
    assert_eq!(during.spans_ended, made, "{during:?}");
    assert_eq!(during.dropped_queue_full, 0, "{during:?}");

    let metrics = wait_exported(made, Duration::from_secs(900));
    let report = rizk.shutdown();
    assert_eq!(report.lost(), 0, "{report}");
    assert_eq!(report.exported, made, "{report} / {metrics:?}");

    let stored = phoenix_span_count(&base, &project, made, Duration::from_secs(900));
    assert_eq!(
        stored, made,
        "Phoenix holds every span of project {project}"
    );
    println!(
        "e2e_burst_phoenix: {made} spans made in {made_in:?}; {} requests; all {stored} read back",
        metrics.export_requests
    );
}
