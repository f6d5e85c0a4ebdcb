//! Ingest throughput (spans/s into the SQLite store, directly and over OTLP/HTTP) and the
//! list page's response time with 100,000 spans stored.
//!
//! ```text
//! cargo bench -p rizk-ui --bench ingest
//! ```

#![allow(missing_docs, clippy::unwrap_used, clippy::print_stdout)] // a bench prints its figures

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
use prost::Message as _;
use rizk_ui::{BackgroundServer, Retention, Store};

const BATCH: usize = 512;
const SPANS_PER_TRACE: usize = 8;

fn kv(key: &str, v: any_value::Value) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue { value: Some(v) }),
        ..Default::default()
    }
}

/// A batch of `BATCH` spans in traces of `SPANS_PER_TRACE`, LLM-like attributes on each;
/// `seed` makes the ids unique.
fn batch(seed: u64) -> ExportTraceServiceRequest {
    let base = 1_700_000_000_000_000_000u64 + seed * 1_000_000_000;
    let spans = (0..BATCH)
        .map(|i| {
            let trace = seed * BATCH as u64 + (i / SPANS_PER_TRACE) as u64;
            let idx = (i % SPANS_PER_TRACE) as u64;
            let start = base + i as u64 * 1000;
            Span {
                trace_id: [trace.to_be_bytes(), 7u64.to_be_bytes()].concat(),
                span_id: ((trace << 8) | (idx + 1)).to_be_bytes().to_vec(),
                parent_span_id: if idx == 0 {
                    Vec::new()
                } else {
                    ((trace << 8) | 1).to_be_bytes().to_vec()
                },
                name: if idx == 0 {
                    "workflow.chat".into()
                } else {
                    format!("task.step_{idx}")
                },
                kind: 1,
                start_time_unix_nano: start,
                end_time_unix_nano: start + 5_000_000,
                attributes: vec![
                    kv(
                        "gen_ai.request.model",
                        any_value::Value::StringValue("gpt-4o-mini".into()),
                    ),
                    kv("gen_ai.usage.input_tokens", any_value::Value::IntValue(120)),
                    kv("gen_ai.usage.output_tokens", any_value::Value::IntValue(40)),
                    kv(
                        "input.value",
                        any_value::Value::StringValue("How can I reset my password? ".repeat(4)),
                    ),
                ],
                ..Default::default()
            }
        })
        .collect();
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            scope_spans: vec![ScopeSpans {
                spans,
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

fn temp_db(name: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!(
        "rizk-ui-bench-{name}-{}.sqlite",
        std::process::id()
    ));
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", path.display()));
    }
    path
}

fn ingest(c: &mut Criterion) {
    let mut group = c.benchmark_group("ingest");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(BATCH as u64));

    let path = temp_db("store");
    let mut store = Store::open(&path, Retention::default()).unwrap();
    let mut seed = 0;
    group.bench_function("store_insert_512_spans", |b| {
        b.iter_batched(
            || {
                seed += 1;
                rizk_ui::spans_from_request(batch(seed)).0
            },
            |spans| store.insert(&spans).unwrap(),
            criterion::BatchSize::SmallInput,
        )
    });
    drop(store);

    let http_path = temp_db("http");
    let server = BackgroundServer::start(
        Store::open(&http_path, Retention::default()).unwrap(),
        "127.0.0.1:0".parse().unwrap(),
        Default::default(),
    )
    .unwrap();
    let client = reqwest::blocking::Client::new();
    let url = format!("{}/v1/traces", server.url());
    let mut seed = 1_000_000;
    group.bench_function("otlp_http_protobuf_512_spans", |b| {
        b.iter_batched(
            || {
                seed += 1;
                batch(seed).encode_to_vec()
            },
            |body| {
                let r = client
                    .post(&url)
                    .header("content-type", "application/x-protobuf")
                    .body(body)
                    .send()
                    .unwrap();
                assert!(r.status().is_success());
            },
            criterion::BatchSize::SmallInput,
        )
    });
    group.finish();
    drop(server);
    for p in [path, http_path] {
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", p.display()));
        }
    }
}

fn list_at_100k(c: &mut Criterion) {
    let path = temp_db("list");
    {
        let mut store = Store::open(&path, Retention::default()).unwrap();
        let fill = Instant::now();
        for seed in 0..(100_000 / BATCH as u64 + 1) {
            store
                .insert(&rizk_ui::spans_from_request(batch(seed)).0)
                .unwrap();
        }
        println!(
            "filled {} spans in {:.2?} ({:.0} spans/s)",
            store.span_count(),
            fill.elapsed(),
            store.span_count() as f64 / fill.elapsed().as_secs_f64()
        );
    }
    // Start-up with that store: opening the file and counting its spans.
    let open = Instant::now();
    let store = Store::open(&path, Retention::default()).unwrap();
    println!(
        "opened a store of {} spans in {:.2?}",
        store.span_count(),
        open.elapsed()
    );
    let server =
        BackgroundServer::start(store, "127.0.0.1:0".parse().unwrap(), Default::default()).unwrap();
    let client = reqwest::blocking::Client::new();

    let mut group = c.benchmark_group("list_100k_spans");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(5));
    let page = format!("{}/api/traces", server.url());
    group.bench_function("api_traces_newest_200", |b| {
        b.iter(|| client.get(&page).send().unwrap().bytes().unwrap())
    });
    let filtered = format!("{}/api/traces?status=ok&q=step_3", server.url());
    group.bench_function("api_traces_text_filter", |b| {
        b.iter(|| client.get(&filtered).send().unwrap().bytes().unwrap())
    });
    group.finish();
    drop(server);
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", path.display()));
    }
}

criterion_group!(benches, ingest, list_at_100k);
criterion_main!(benches);
