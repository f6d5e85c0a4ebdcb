//! What the instrumentation adds to an OpenAI call: the same async-openai client with and
//! without it, against the local OpenAI-compatible server on 127.0.0.1 (the real API is not
//! reachable here, and a loopback server keeps the network out of the figure).
//!
//! ```text
//! CARGO_TARGET_DIR=target cargo bench -p rizk-openai --bench client
//! ```
//!
//! rizk exports through its batch queue into an exporter that discards; content tracing is
//! on (the default), so prompts and completions are captured: the worst case. After the
//! criterion group it prints the added cost per call and the ratios.

#![allow(missing_docs, clippy::print_stdout, clippy::unwrap_used)]

use rizk_test_support::mean_ns;

use std::hint::black_box;
use std::time::Duration;

use async_openai::types::chat::{
    ChatCompletionRequestUserMessage, CreateChatCompletionRequest, CreateChatCompletionRequestArgs,
};
use criterion::{Criterion, criterion_group};
use futures_util::StreamExt as _;
use rizk_openai::InstrumentedClient;
use rizk_test_support::Discard;
use rizk_test_support::openai_server::MockServer;

fn request() -> CreateChatCompletionRequest {
    CreateChatCompletionRequestArgs::default()
        .model("gpt-4o-mini")
        .temperature(0.2)
        .max_completion_tokens(64u32)
        .messages([ChatCompletionRequestUserMessage::from("Say hello to the benchmark").into()])
        .build()
        .unwrap()
}

fn client(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let _rizk = rizk::Rizk::builder()
        .app_name("client-bench")
        .console_exporter(false)
        .ignore_environment()
        .with_exporter("discard", Discard)
        .init()
        .unwrap();
    let server = rt
        .block_on(MockServer::builder().chunk_delay(Duration::ZERO).start())
        .unwrap();
    let plain = async_openai::Client::with_config(server.config());
    let instrumented = InstrumentedClient::new(plain.clone());
    let request = request();

    let mut group = c.benchmark_group("openai_client");
    group.bench_function("plain_chat", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(plain.chat().create(request.clone()).await.unwrap()) })
    });
    group.bench_function("instrumented_chat", |b| {
        b.to_async(&rt).iter(|| async {
            black_box(instrumented.chat().create(request.clone()).await.unwrap())
        })
    });
    group.bench_function("plain_stream", |b| {
        b.to_async(&rt).iter(|| async {
            let mut stream = plain.chat().create_stream(request.clone()).await.unwrap();
            while let Some(chunk) = stream.next().await {
                black_box(chunk.unwrap());
            }
        })
    });
    group.bench_function("instrumented_stream", |b| {
        b.to_async(&rt).iter(|| async {
            let mut stream = instrumented
                .chat()
                .create_stream(request.clone())
                .await
                .unwrap();
            while let Some(chunk) = stream.next().await {
                black_box(chunk.unwrap());
            }
        })
    });
    group.finish();

    // Load on a shared machine drifts between criterion's benchmarks; alternating short
    // rounds of each client and taking the median of the per-round ratios cancels most of it.
    const ROUNDS: usize = 21;
    const CALLS: u32 = 100;
    let mut rounds = Vec::new();
    rt.block_on(async {
        for _ in 0..ROUNDS {
            let start = std::time::Instant::now();
            for _ in 0..CALLS {
                black_box(instrumented.chat().create(request.clone()).await.unwrap());
            }
            let traced = start.elapsed().as_secs_f64() * 1e6 / f64::from(CALLS);
            let start = std::time::Instant::now();
            for _ in 0..CALLS {
                black_box(plain.chat().create(request.clone()).await.unwrap());
            }
            let untraced = start.elapsed().as_secs_f64() * 1e6 / f64::from(CALLS);
            rounds.push((traced, untraced));
        }
    });
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let traced = median(rounds.iter().map(|r| r.0).collect());
    let untraced = median(rounds.iter().map(|r| r.1).collect());
    let ratio = median(rounds.iter().map(|r| r.0 / r.1).collect());
    let added = median(rounds.iter().map(|r| r.0 - r.1).collect());
    *INTERLEAVED.lock().unwrap() = Some((traced, untraced, added, ratio));
    drop(server);
}

static INTERLEAVED: std::sync::Mutex<Option<(f64, f64, f64, f64)>> = std::sync::Mutex::new(None);

fn print_ratios() {
    println!(
        "\n{:<34} {:>12} {:>12} {:>10} {:>7}",
        "per call (loopback server)", "traced us", "plain us", "added us", "ratio"
    );
    for (label, ours, peer) in [
        ("chat completion", "instrumented_chat", "plain_chat"),
        (
            "streamed chat (7 chunks)",
            "instrumented_stream",
            "plain_stream",
        ),
    ] {
        match (
            mean_ns("openai_client", ours),
            mean_ns("openai_client", peer),
        ) {
            (Some(a), Some(b)) => println!(
                "{label:<34} {:>12.1} {:>12.1} {:>10.1} {:>7.3}",
                a / 1e3,
                b / 1e3,
                (a - b) / 1e3,
                a / b
            ),
            _ => println!("{label:<34} (not measured in this run)"),
        }
    }
    if let Some((traced, untraced, added, ratio)) = *INTERLEAVED.lock().unwrap() {
        println!(
            "{:<34} {traced:>12.1} {untraced:>12.1} {added:>10.1} {ratio:>7.3}",
            "chat, interleaved (median, 21x100)"
        );
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    targets = client
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    print_ratios();
}
