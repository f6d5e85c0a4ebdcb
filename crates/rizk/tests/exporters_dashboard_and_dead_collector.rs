//! Through the facade: with `api_key` the dashboard (here a loopback listener standing in for
//! it via `dashboard_url`) receives the spans with `Authorization: Bearer <key>`, a dead
//! custom endpoint next to it fails on its own queue without slowing the application, and
//! `export_stats()` / `get_trace_config()` say what happened, key masked.
//! One test: one pipeline per process.

#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rizk::{Rizk, task, workflow};

#[task(name = "step")]
fn step(i: u32) -> u32 {
    i + 1
}

#[workflow(name = "dashboard_check")]
fn run(n: u32) -> u32 {
    (0..n).map(step).sum()
}

/// The headers of every request a listener received, lower-case names.
type SeenHeaders = Arc<Mutex<Vec<Vec<(String, String)>>>>;

/// Accepts OTLP/HTTP requests on 127.0.0.1 and records their headers (lower-case names).
fn dashboard() -> (String, SeenHeaders) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let record = record.clone();
            std::thread::spawn(move || {
                let mut writer = stream.try_clone().unwrap();
                let mut reader = BufReader::new(stream);
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let mut headers = Vec::new();
                    loop {
                        let mut h = String::new();
                        reader.read_line(&mut h).unwrap();
                        let h = h.trim_end().to_owned();
                        if h.is_empty() {
                            break;
                        }
                        let (n, v) = h.split_once(':').unwrap();
                        headers.push((n.trim().to_ascii_lowercase(), v.trim().to_owned()));
                    }
                    let len: usize = headers
                        .iter()
                        .find(|(n, _)| n == "content-length")
                        .map_or(0, |(_, v)| v.parse().unwrap());
                    let mut body = vec![0; len];
                    reader.read_exact(&mut body).unwrap();
                    record.lock().unwrap().push(headers);
                    writer
                        .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                        .unwrap();
                }
            });
        }
    });
    (url, seen)
}

#[test]
fn the_dashboard_gets_the_key_a_dead_endpoint_is_counted_and_nothing_leaks() {
    let (dashboard_url, seen) = dashboard();
    let dead = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let handle = Rizk::builder()
        .app_name("dashboard-check")
        .api_key("rk_test_0123456789abcdef")
        .dashboard_url(&dashboard_url)
        .opentelemetry_endpoint(&dead)
        .console_exporter(false)
        .ignore_environment()
        .init()
        .unwrap();

    let config = rizk::get_trace_config();
    assert_eq!(config.exporters.len(), 2, "{:?}", config.exporters);
    assert!(config.exporters[0].starts_with(&format!("rizk-dashboard {dashboard_url}/v1/traces")));
    assert!(config.exporters[1].starts_with(&format!("otlp {dead}/v1/traces")));
    let printed = config.to_string();
    assert!(!printed.contains("0123456789"), "{printed}");

    let start = Instant::now();
    for _ in 0..200 {
        run(5);
    }
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    let _ = handle.flush(); // the dead endpoint's flush fails; the dashboard's succeeds

    let stats = rizk::export_stats();
    let dashboard_stats = &stats
        .iter()
        .find(|(n, _)| n.starts_with("rizk-dashboard"))
        .unwrap()
        .1;
    let otlp_stats = &stats.iter().find(|(n, _)| n.starts_with("otlp")).unwrap().1;
    assert_eq!(dashboard_stats.exported, 1200, "{dashboard_stats:?}");
    assert_eq!(dashboard_stats.export_failed, 0);
    assert!(otlp_stats.export_failed > 0, "{otlp_stats:?}");
    let reason = otlp_stats.last_error.clone().unwrap();
    assert!(
        reason.contains(&dead) && reason.to_lowercase().contains("refused"),
        "{reason}"
    );

    let requests = seen.lock().unwrap().clone();
    assert!(!requests.is_empty());
    for headers in &requests {
        let auth = headers.iter().find(|(n, _)| n == "authorization").unwrap();
        assert_eq!(auth.1, "Bearer rk_test_0123456789abcdef");
    }
    let start = Instant::now();
    handle.shutdown();
    assert!(
        start.elapsed() < Duration::from_secs(7),
        "bounded by shutdown_timeout"
    );
}
