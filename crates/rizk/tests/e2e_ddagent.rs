//! End to end: the multi-agent trace through the Datadog exporter to Datadog's own test agent
//! (ddapm-test-agent), read back from its session API and compared with the snapshot kept in
//! `tests/snapshots/` (the agent writes it on the first run and diffs later runs against it,
//! ids and timestamps normalised). Needs the peers and the `datadog` feature:
//! `cargo xtask e2e ddagent`.

#![cfg(feature = "datadog")]
#![allow(clippy::unwrap_used, clippy::print_stdout)]

mod e2e_support;

use std::time::{Duration, Instant};

use e2e_support::{EXPECTED, FACT_CHECK_ERROR, get_json_until, peer, run_trace};
use rizk::Rizk;
use rizk::config::TraceExporter;
use rizk::exporters::ExporterBuilderExt as _;
use serde_json::Value;

/// Fixed: the snapshot file is named after the session token.
const TOKEN: &str = "rizk_e2e_ddagent_multi_agent_trace";
const SERVICE: &str = "rizk-e2e-ddagent";

#[test]
#[ignore = "e2e: needs peers; run with cargo xtask e2e"]
fn e2e_ddagent() {
    let base = peer("E2E_DDAGENT_URL");
    let start = Instant::now();
    let started = reqwest::blocking::get(format!(
        "{base}/test/session/start?test_session_token={TOKEN}"
    ))
    .unwrap();
    assert!(started.status().is_success(), "{:?}", started.text());
    let rizk = Rizk::builder()
        .app_name(SERVICE)
        .trace_exporter(TraceExporter::Datadog)
        // The test agent files traces by session token; a query parameter carries it.
        .datadog_agent_endpoint(format!("{base}/?test_session_token={TOKEN}"))
        .datadog_env("e2e")
        .console_exporter(false)
        .ignore_environment()
        .init()
        .unwrap();
    let exporters = rizk::get_trace_config().exporters;
    assert!(exporters[0].starts_with("datadog "), "{exporters:?}");
    let trace_id = run_trace("datadog");
    rizk.shutdown();
    let sent = start.elapsed();

    let traces = get_json_until(
        &format!("{base}/test/session/traces?test_session_token={TOKEN}"),
        Duration::from_secs(20),
        |j| {
            j.as_array().is_some_and(|t| {
                t.iter()
                    .map(|t| t.as_array().map_or(0, Vec::len))
                    .sum::<usize>()
                    >= EXPECTED.len()
            })
        },
    );
    let spans: Vec<&Value> = traces
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t.as_array().unwrap())
        .collect();
    assert_eq!(spans.len(), EXPECTED.len(), "{traces:#}");
    let low64 = u64::from_str_radix(&trace_id[16..], 16).unwrap();
    let by_resource = |r: &str| {
        *spans
            .iter()
            .find(|s| s["resource"] == r)
            .unwrap_or_else(|| panic!("no span with resource {r} in {traces:#}"))
    };
    for (name, parent, _) in EXPECTED {
        let span = by_resource(name);
        assert_eq!(span["service"], SERVICE, "{span:#}");
        assert_eq!(span["trace_id"].as_u64(), Some(low64), "{span:#}");
        assert_eq!(span["meta"]["env"], "e2e", "{span:#}");
        let operation = match name.split('.').next().unwrap() {
            "openai" => "llm.request".to_owned(),
            kind => format!("rizk.{kind}"),
        };
        assert_eq!(span["name"], operation.as_str(), "{span:#}");
        match parent {
            None => assert_eq!(span["parent_id"].as_u64(), Some(0), "{span:#}"),
            Some(parent) => assert_eq!(span["parent_id"], by_resource(parent)["span_id"], "{name}"),
        }
        let error = i64::from(name == "tool.fact_check");
        assert_eq!(span["error"].as_i64(), Some(error), "{name}: {span:#}");
    }
    let failed = by_resource("tool.fact_check");
    assert_eq!(
        failed["meta"]["error.message"], FACT_CHECK_ERROR,
        "{failed:#}"
    );
    let llm = by_resource("openai.chat.completions");
    assert_eq!(llm["meta"]["llm.token_count.prompt"], "120", "{llm:#}");
    assert_eq!(llm["meta"]["openinference.span.kind"], "LLM", "{llm:#}");

    // Snapshot mode: the first run writes tests/snapshots/<TOKEN>.json, later runs must match.
    // The stack trace is there only when RUST_BACKTRACE is set and names the checkout's paths:
    // it is left out of the snapshot and out of the comparison.
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots");
    std::fs::create_dir_all(dir).unwrap();
    let unstable = "meta.error.stack";
    let url = format!(
        "{base}/test/session/snapshot?test_session_token={TOKEN}&dir={dir}&removes={unstable}&ignores={unstable}"
    );
    let response = reqwest::blocking::get(&url).unwrap();
    let status = response.status();
    let body = response.text().unwrap();
    assert!(status.is_success(), "snapshot differs ({status}): {body}");
    assert!(std::path::Path::new(&format!("{dir}/{TOKEN}.json")).exists());
    println!(
        "e2e_ddagent: sent in {sent:?}, read back, checked and snapshot-compared in {:?}",
        start.elapsed()
    );
}
