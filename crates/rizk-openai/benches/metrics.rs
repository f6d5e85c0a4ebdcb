//! What recording the GenAI metrics adds to a traced OpenAI call: the same instrumented call
//! with metrics on (a meter provider whose periodic reader exports into a discarding exporter)
//! and off, in one run, against the local OpenAI-compatible server on 127.0.0.1.
//!
//! ```text
//! CARGO_TARGET_DIR=target cargo bench -p rizk-openai --bench metrics
//! ```
//!
//! Spans go to a discarding exporter in both cases. After the criterion group it prints the
//! median of interleaved rounds (metrics on, then off, re-initialised each round) and the ratio.
//! A second group times `LlmCall::record` alone: what the caller's thread pays per call (with
//! metrics on, handing the call to rizk's recording thread).

#![allow(missing_docs, clippy::print_stdout, clippy::unwrap_used)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use async_openai::types::chat::{
    ChatCompletionRequestUserMessage, CreateChatCompletionRequest, CreateChatCompletionRequestArgs,
};
use criterion::{Criterion, criterion_group};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::metrics::Temporality;
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use rizk_openai::InstrumentedClient;
use rizk_test_support::Discard;
use rizk_test_support::openai_server::MockServer;

/// A metrics exporter that drops what it is given.
#[derive(Debug)]
struct DiscardMetrics;

impl PushMetricExporter for DiscardMetrics {
    async fn export(&self, metrics: &ResourceMetrics) -> OTelSdkResult {
        black_box(metrics);
        Ok(())
    }
    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }
    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }
    fn temporality(&self) -> Temporality {
        Temporality::Cumulative
    }
}

fn init(metrics: bool) -> rizk::RizkHandle {
    let mut builder = rizk::Rizk::builder()
        .app_name("metrics-bench")
        .console_exporter(false)
        .ignore_environment()
        .with_exporter("discard", Discard);
    if metrics {
        builder = builder.meter_factory(Box::new(|_config, setup| {
            setup.add_periodic("discard", DiscardMetrics, Duration::from_secs(60));
            Ok(())
        }));
    }
    let handle = builder.init().unwrap();
    assert_eq!(rizk::meter::enabled(), metrics);
    handle
}

fn request() -> CreateChatCompletionRequest {
    CreateChatCompletionRequestArgs::default()
        .model("gpt-4o-mini")
        .max_completion_tokens(64u32)
        .messages([ChatCompletionRequestUserMessage::from("Say hello to the benchmark").into()])
        .build()
        .unwrap()
}

static INTERLEAVED: std::sync::Mutex<Option<(f64, f64, f64)>> = std::sync::Mutex::new(None);

fn metrics(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let server = rt
        .block_on(MockServer::builder().chunk_delay(Duration::ZERO).start())
        .unwrap();
    let client = InstrumentedClient::new(async_openai::Client::with_config(server.config()));
    let request = request();

    let mut group = c.benchmark_group("openai_metrics");
    for (name, on) in [("chat_metrics_on", true), ("chat_metrics_off", false)] {
        let rizk = init(on);
        group.bench_function(name, |b| {
            b.to_async(&rt)
                .iter(|| async { black_box(client.chat().create(request.clone()).await.unwrap()) })
        });
        rizk.shutdown();
    }
    group.finish();

    // What the caller's thread pays to record one call (the call's record handed to rizk's
    // recording thread), apart from the HTTP round trip that dominates the group above.
    let mut group = c.benchmark_group("llm_call_record");
    for (name, on) in [("metrics_on", true), ("metrics_off", false)] {
        let rizk = init(on);
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut call = rizk::meter::LlmCall::new("chat", "openai", "gpt-4o-mini");
                call.response_model = Some("gpt-4o-mini-2024-07-18".to_owned());
                call.server_address = Some("127.0.0.1".to_owned());
                call.server_port = Some(8080);
                call.usage = Some(rizk::meter::Usage {
                    input: 12,
                    output: 5,
                    ..Default::default()
                });
                call.record(black_box(Duration::from_millis(250)));
            })
        });
        let report = rizk.shutdown();
        println!(
            "llm_call_record/{name}: {} calls left out of the metrics (queue full)",
            report.metrics_dropped_calls
        );
    }
    group.finish();

    // Load on a shared machine drifts; alternating rounds and taking medians cancels most of it.
    const ROUNDS: usize = 11;
    const CALLS: u32 = 200;
    let mut rounds = Vec::new();
    for _ in 0..ROUNDS {
        let mut per_call = [0.0; 2];
        for (i, on) in [true, false].into_iter().enumerate() {
            let rizk = init(on);
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..CALLS {
                    black_box(client.chat().create(request.clone()).await.unwrap());
                }
                per_call[i] = start.elapsed().as_secs_f64() * 1e6 / f64::from(CALLS);
            });
            rizk.shutdown();
        }
        rounds.push((per_call[0], per_call[1]));
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let on = median(rounds.iter().map(|r| r.0).collect());
    let off = median(rounds.iter().map(|r| r.1).collect());
    let ratio = median(rounds.iter().map(|r| r.0 / r.1).collect());
    *INTERLEAVED.lock().unwrap() = Some((on, off, ratio));
    drop(server);
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    targets = metrics
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    if let Some((on, off, ratio)) = *INTERLEAVED.lock().unwrap() {
        println!(
            "\ntraced chat, interleaved (median, 11x200): metrics on {on:.1} us, off {off:.1} us, added {:.1} us, ratio {ratio:.3}",
            on - off
        );
    }
}
