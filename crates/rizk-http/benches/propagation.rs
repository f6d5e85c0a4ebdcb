//! What propagation costs per request, compared in one run with its peers:
//!
//! - `inject_extract`: injecting a context (a span, a tracestate member, three baggage entries)
//!   into an `http::HeaderMap` and extracting it again, with rizk's W3C propagators, with the
//!   OpenTelemetry SDK's, and with every format rizk has at once;
//! - `loopback`: one HTTP request on 127.0.0.1 (reqwest to axum), the same service with and
//!   without `ClientMiddleware` + `ServerLayer` (the rizk pipeline exports to an exporter that
//!   discards, through its real queue).
//!
//! ```text
//! cargo bench -p rizk-http --bench propagation
//! ```
//!
//! After the criterion groups it prints the ratios.

#![allow(missing_docs, clippy::print_stdout, clippy::unwrap_used)]

use rizk_test_support::mean_ns;

use std::hint::black_box;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use criterion::{Criterion, criterion_group};
use opentelemetry::baggage::BaggageExt;
use opentelemetry::propagation::{TextMapCompositePropagator, TextMapPropagator};
use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
use opentelemetry::{Context, KeyValue};
use rizk_http::{HeaderExtractor, HeaderInjector, PropagationBuilderExt as _, Propagator};
use rizk_test_support::Discard;

fn request_context() -> Context {
    Context::new()
        .with_remote_span_context(SpanContext::new(
            TraceId::from(0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736u128),
            SpanId::from(0x00f0_67aa_0ba9_02b7u64),
            TraceFlags::SAMPLED,
            false,
            TraceState::from_key_value([("rojo", "00f067aa0ba902b7")]).unwrap(),
        ))
        .with_baggage([
            KeyValue::new("organization.id", "acme"),
            KeyValue::new("conversation.id", "conv 1/2"),
            KeyValue::new("user.id", "u-42"),
        ])
}

fn round_trip(p: &dyn TextMapPropagator, cx: &Context) -> Context {
    let mut headers = http::HeaderMap::new();
    p.inject_context(cx, &mut HeaderInjector(&mut headers));
    p.extract(&HeaderExtractor(&headers))
}

fn inject_extract(c: &mut Criterion) {
    let cx = request_context();
    let rizk = rizk_http::propagator(&Propagator::DEFAULT);
    let sdk = TextMapCompositePropagator::new(vec![
        Box::new(opentelemetry_sdk::propagation::TraceContextPropagator::new()),
        Box::new(opentelemetry_sdk::propagation::BaggagePropagator::new()),
    ]);
    let all = rizk_http::propagator(&Propagator::ALL);
    // Sanity: both really carry the context.
    assert!(round_trip(&rizk, &cx).span().span_context().is_valid());
    assert_eq!(round_trip(&sdk, &cx).baggage().len(), 3);

    let mut group = c.benchmark_group("inject_extract");
    group.bench_function("rizk_w3c", |b| b.iter(|| round_trip(&rizk, black_box(&cx))));
    group.bench_function("sdk_w3c", |b| b.iter(|| round_trip(&sdk, black_box(&cx))));
    group.bench_function("rizk_all_formats", |b| {
        b.iter(|| round_trip(&all, black_box(&cx)))
    });
    group.finish();
}

async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

fn loopback(c: &mut Criterion) {
    let rizk = rizk_http::register(rizk_core::RizkBuilder::new())
        .app_name("rizk-http-bench")
        .console_exporter(false)
        .ignore_environment()
        .baggage_attributes(["conversation.id"])
        .with_exporter("discard", Discard)
        .init()
        .unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let route = || get(|| async { "ok" });
    let (plain_addr, traced_addr) = runtime.block_on(async {
        (
            serve(Router::new().route("/hello", route())).await,
            serve(
                Router::new()
                    .route("/hello", route())
                    .layer(rizk_http::ServerLayer::new()),
            )
            .await,
        )
    });
    let plain = reqwest_middleware::ClientBuilder::new(reqwest::Client::new()).build();
    let traced = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(rizk_http::ClientMiddleware::new())
        .build();
    let plain_url = format!("http://{plain_addr}/hello");
    let traced_url = format!("http://{traced_addr}/hello");
    let call = |client: &reqwest_middleware::ClientWithMiddleware, url: &str| {
        runtime.block_on(async {
            let response = client.get(url).send().await.unwrap();
            black_box(response.bytes().await.unwrap());
        })
    };

    let mut group = c.benchmark_group("loopback");
    group.bench_function("without_rizk_http", |b| b.iter(|| call(&plain, &plain_url)));
    group.bench_function("with_rizk_http", |b| b.iter(|| call(&traced, &traced_url)));
    group.finish();
    rizk.shutdown();
}

fn print_ratios() {
    let rows = [
        (
            "inject+extract: rizk W3C / SDK W3C",
            ("inject_extract", "rizk_w3c"),
            ("inject_extract", "sdk_w3c"),
        ),
        (
            "inject+extract: all 6 formats / rizk W3C",
            ("inject_extract", "rizk_all_formats"),
            ("inject_extract", "rizk_w3c"),
        ),
        (
            "loopback request: with / without rizk-http",
            ("loopback", "with_rizk_http"),
            ("loopback", "without_rizk_http"),
        ),
    ];
    println!(
        "\n{:<46} {:>12} {:>12} {:>7}",
        "ratio", "ns", "peer ns", "ratio"
    );
    for (label, ours, peer) in rows {
        match (mean_ns(ours.0, ours.1), mean_ns(peer.0, peer.1)) {
            (Some(a), Some(b)) => println!("{label:<46} {a:>12.1} {b:>12.1} {:>7.2}", a / b),
            _ => println!("{label:<46} (not measured in this run)"),
        }
    }
    if let (Some(with), Some(without)) = (
        mean_ns("loopback", "with_rizk_http"),
        mean_ns("loopback", "without_rizk_http"),
    ) {
        println!(
            "{:<46} {:>12}",
            "loopback: added per request (ns)",
            format!("+{:.0}", with - without)
        );
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
    targets = inject_extract, loopback
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    print_ratios();
}
