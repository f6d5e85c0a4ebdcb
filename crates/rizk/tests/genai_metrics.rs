//! The GenAI metrics read back from the wire: real OpenAI-client calls (against the local
//! OpenAI-compatible server) under a pipeline that exports to a loopback OTLP/HTTP receiver,
//! which decodes every `ExportMetricsServiceRequest` with `opentelemetry-proto` (not rizk's
//! code); names, units, bucket boundaries, attributes and values are asserted on what arrived.
//! Then `OTEL_METRICS_EXPORTER=none`: no meter provider, nothing sent.

#![cfg(all(feature = "openai", feature = "cost"))]
#![allow(clippy::unwrap_used)] // a test fails loudly on what it did not expect

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{KeyValue, any_value};
use opentelemetry_proto::tonic::metrics::v1::{
    AggregationTemporality, HistogramDataPoint, Metric, NumberDataPoint, metric, number_data_point,
};
use prost::Message;
use rizk::Rizk;
use rizk::cost::{Pricer, TokenUsage};
use rizk::meter;
use rizk::openai::InstrumentedClient;
use rizk::openai::async_openai;
use rizk::openai::async_openai::types::chat::{
    ChatCompletionRequestUserMessage, CreateChatCompletionRequest, CreateChatCompletionRequestArgs,
};
use rizk::openai::async_openai::types::embeddings::CreateEmbeddingRequestArgs;
use rizk::prelude::*;
use rizk_test_support::openai_server::MockServer;

/// The requests received: path and body.
type Requests = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

/// A loopback OTLP/HTTP receiver: every request's path and body, answered 200.
#[derive(Clone, Default)]
struct Receiver {
    requests: Requests,
}

impl Receiver {
    fn start() -> (Self, u16) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let receiver = Receiver::default();
        let store = receiver.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let store = store.clone();
                std::thread::spawn(move || store.serve(stream));
            }
        });
        (receiver, port)
    }

    fn serve(&self, stream: TcpStream) {
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut writer = stream;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let path = line.split_whitespace().nth(1).unwrap_or("").to_owned();
            let mut length = 0;
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).unwrap_or(0) == 0 {
                    return;
                }
                let header = header.trim_end();
                if header.is_empty() {
                    break;
                }
                if let Some((name, value)) = header.split_once(':') {
                    if name.eq_ignore_ascii_case("content-length") {
                        length = value.trim().parse().unwrap();
                    }
                    assert!(
                        !(name.eq_ignore_ascii_case("content-encoding") && value.contains("gzip")),
                        "this receiver expects uncompressed bodies"
                    );
                }
            }
            let mut body = vec![0; length];
            if reader.read_exact(&mut body).is_err() {
                return;
            }
            self.requests.lock().unwrap().push((path, body));
            let answer = "HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n";
            if writer.write_all(answer.as_bytes()).is_err() {
                return;
            }
        }
    }

    /// Every metric of every request to `/v1/metrics`, decoded, with its resource's
    /// `service.name`.
    fn metrics(&self) -> Vec<(String, Metric)> {
        let requests = self.requests.lock().unwrap();
        let mut metrics = Vec::new();
        for (path, body) in requests.iter().filter(|(p, _)| p == "/v1/metrics") {
            let request = ExportMetricsServiceRequest::decode(body.as_slice())
                .unwrap_or_else(|e| panic!("{path}: not an ExportMetricsServiceRequest: {e}"));
            for resource in request.resource_metrics {
                let service = resource
                    .resource
                    .as_ref()
                    .and_then(|r| string(&r.attributes, "service.name"))
                    .unwrap_or_default();
                for scope in resource.scope_metrics {
                    for metric in scope.metrics {
                        metrics.push((service.clone(), metric));
                    }
                }
            }
        }
        metrics
    }

    fn count(&self, path: &str) -> usize {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .filter(|(p, _)| p == path)
            .count()
    }
}

fn string(attrs: &[KeyValue], key: &str) -> Option<String> {
    attrs.iter().find(|kv| kv.key == key).and_then(|kv| {
        match kv.value.as_ref()?.value.as_ref()? {
            any_value::Value::StringValue(s) => Some(s.clone()),
            any_value::Value::IntValue(i) => Some(i.to_string()),
            _ => None,
        }
    })
}

/// The one metric named `name` (the last request's: cumulative temporality).
fn metric<'a>(metrics: &'a [(String, Metric)], name: &str) -> &'a Metric {
    metrics
        .iter()
        .rev()
        .map(|(_, m)| m)
        .find(|m| m.name == name)
        .unwrap_or_else(|| {
            let names: Vec<_> = metrics.iter().map(|(_, m)| m.name.as_str()).collect();
            panic!("{name} not received; got {names:?}")
        })
}

fn histogram(metric: &Metric) -> &[HistogramDataPoint] {
    match metric.data.as_ref().unwrap() {
        metric::Data::Histogram(h) => {
            assert_eq!(
                h.aggregation_temporality,
                AggregationTemporality::Cumulative as i32,
                "{}",
                metric.name
            );
            &h.data_points
        }
        other => panic!("{} is not a histogram: {other:?}", metric.name),
    }
}

fn sum(metric: &Metric) -> &[NumberDataPoint] {
    match metric.data.as_ref().unwrap() {
        metric::Data::Sum(s) => {
            assert!(s.is_monotonic, "{} is a counter", metric.name);
            &s.data_points
        }
        other => panic!("{} is not a sum: {other:?}", metric.name),
    }
}

fn value(point: &NumberDataPoint) -> f64 {
    match point.value.unwrap() {
        number_data_point::Value::AsDouble(v) => v,
        number_data_point::Value::AsInt(v) => v as f64,
    }
}

/// The points whose attributes include every `(key, value)` of `want`.
fn with<'a, P>(
    points: &'a [P],
    attrs: impl Fn(&P) -> &[KeyValue],
    want: &[(&str, &str)],
) -> Vec<&'a P> {
    points
        .iter()
        .filter(|p| {
            want.iter()
                .all(|(k, v)| string(attrs(p), k).as_deref() == Some(*v))
        })
        .collect()
}

fn request(model: &str) -> CreateChatCompletionRequest {
    CreateChatCompletionRequestArgs::default()
        .model(model)
        .messages([ChatCompletionRequestUserMessage::from("Where is my order?").into()])
        .build()
        .unwrap()
}

async fn calls(client: &InstrumentedClient) {
    client.chat().create(request("gpt-4o-mini")).await.unwrap();
    let mut stream = client
        .chat()
        .create_stream(request("gpt-4o-mini"))
        .await
        .unwrap();
    while let Some(chunk) = stream.next().await {
        chunk.unwrap();
    }
    let embeddings = CreateEmbeddingRequestArgs::default()
        .model("text-embedding-3-small")
        .input("The food was delicious")
        .build()
        .unwrap();
    client.embeddings().create(embeddings).await.unwrap();
    assert!(client.chat().create(request("mock-429")).await.is_err());
}

#[workflow]
async fn pipeline() {
    research().await;
    prepare();
    let _ = parse_quantity("many");
}

#[agent]
async fn research() {
    tokio::time::sleep(Duration::from_millis(5)).await;
}

#[agent]
async fn slow_agent() {
    tokio::time::sleep(Duration::from_secs(5)).await;
}

#[task]
fn prepare() {}

#[tool]
fn parse_quantity(text: &str) -> Result<u8, std::num::ParseIntError> {
    text.parse()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn genai_metrics_reach_an_otlp_receiver_and_none_turns_them_off() {
    let server = MockServer::start().await.unwrap();
    let base = server.base_url();
    let after_host = base.split("127.0.0.1:").nth(1).unwrap();
    let server_port: String = after_host
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let client = InstrumentedClient::new(async_openai::Client::with_config(server.config()))
        .with_stream_usage(true);
    let (receiver, port) = Receiver::start();

    // 1. Metrics on: they go where the traces go.
    let rizk = Rizk::builder()
        .app_name("metrics-svc")
        .opentelemetry_endpoint(format!("http://127.0.0.1:{port}"))
        .console_exporter(false)
        .metric_export_interval(Duration::from_secs(3600)) // only the collection at shutdown
        .ignore_environment()
        .init()
        .unwrap();
    assert!(meter::enabled());
    assert!(
        rizk.config()
            .metrics_exporters
            .iter()
            .any(|e| e == &format!("otlp http://127.0.0.1:{port}/v1/metrics")),
        "{:?}",
        rizk.config().metrics_exporters
    );
    calls(&client).await;
    rizk.shutdown();
    assert!(!meter::enabled());

    let metrics = receiver.metrics();
    assert!(metrics.iter().all(|(service, _)| service == "metrics-svc"));
    let chat = [
        ("gen_ai.operation.name", "chat"),
        ("gen_ai.provider.name", "openai"),
        ("gen_ai.request.model", "gpt-4o-mini"),
        ("gen_ai.response.model", "gpt-4o-mini-2024-07-18"),
        ("server.address", "127.0.0.1"),
        ("server.port", server_port.as_str()),
    ];

    // gen_ai.client.token.usage: two chat calls of 12 input and 5 output tokens, one
    // embeddings call of 6 input tokens.
    let tokens = metric(&metrics, "gen_ai.client.token.usage");
    assert_eq!(tokens.unit, "{token}");
    let points = histogram(tokens);
    for p in points {
        assert_eq!(p.explicit_bounds, meter::TOKEN_BUCKETS.to_vec());
    }
    let input = with(
        points,
        |p| &p.attributes,
        &[chat.as_slice(), &[("gen_ai.token.type", "input")]].concat(),
    );
    assert_eq!(input.len(), 1, "{points:?}");
    assert_eq!((input[0].count, input[0].sum), (2, Some(24.0)));
    let output = with(
        points,
        |p| &p.attributes,
        &[chat.as_slice(), &[("gen_ai.token.type", "output")]].concat(),
    );
    assert_eq!((output[0].count, output[0].sum), (2, Some(10.0)));
    let embedded = with(
        points,
        |p| &p.attributes,
        &[
            ("gen_ai.operation.name", "embeddings"),
            ("gen_ai.token.type", "input"),
        ],
    );
    assert_eq!((embedded[0].count, embedded[0].sum), (1, Some(6.0)));
    assert!(
        with(
            points,
            |p| &p.attributes,
            &[
                ("gen_ai.operation.name", "embeddings"),
                ("gen_ai.token.type", "output")
            ]
        )
        .is_empty()
    );

    // gen_ai.client.operation.duration: the successful chats, and the failed one with error.type.
    let duration = metric(&metrics, "gen_ai.client.operation.duration");
    assert_eq!(duration.unit, "s");
    let points = histogram(duration);
    for p in points {
        assert_eq!(p.explicit_bounds, meter::DURATION_BUCKETS.to_vec());
        assert_eq!(p.bucket_counts.len(), meter::DURATION_BUCKETS.len() + 1);
        assert_eq!(p.bucket_counts.iter().sum::<u64>(), p.count);
    }
    let ok = with(points, |p| &p.attributes, &chat);
    assert_eq!(ok.len(), 1);
    assert_eq!(ok[0].count, 2);
    assert!(ok[0].sum.unwrap() > 0.0 && string(&ok[0].attributes, "error.type").is_none());
    let failed = with(
        points,
        |p| &p.attributes,
        &[("gen_ai.request.model", "mock-429")],
    );
    assert_eq!(failed.len(), 1);
    let error_type = string(&failed[0].attributes, "error.type").expect("error.type on a failure");
    assert!(!error_type.is_empty());

    // Time to first chunk: the streamed call only.
    let first = metric(&metrics, "gen_ai.client.operation.time_to_first_chunk");
    assert_eq!(first.unit, "s");
    let points = histogram(first);
    assert_eq!(points.len(), 1);
    assert_eq!(points[0].count, 1);
    assert_eq!(points[0].explicit_bounds, meter::DURATION_BUCKETS.to_vec());
    assert!(points[0].sum.unwrap() > 0.0);
    assert!(points[0].sum.unwrap() <= ok[0].max.unwrap());

    // rizk.errors: the one failed call.
    let errors = sum(metric(&metrics, "rizk.errors"));
    let llm = with(
        errors,
        |p| &p.attributes,
        &[
            ("rizk.span.kind", "llm"),
            ("error.type", error_type.as_str()),
        ],
    );
    assert_eq!(llm.len(), 1);
    assert_eq!(value(llm[0]), 1.0);

    // rizk.cost.usd: the two chat calls, priced by rizk-cost's pricer (the server's usage:
    // 12 input of which 4 cached, 5 output of which 2 reasoning).
    let cost = metric(&metrics, "rizk.cost.usd");
    assert_eq!(cost.unit, "USD");
    let points = sum(cost);
    let usage = TokenUsage {
        input: 12,
        output: 5,
        cache_read: 4,
        reasoning: 2,
        ..Default::default()
    };
    let one = Pricer::new(Vec::new())
        .cost(Some("openai"), "gpt-4o-mini-2024-07-18", &usage, None)
        .unwrap()
        .total;
    let chat_cost = with(
        points,
        |p| &p.attributes,
        &[
            ("gen_ai.provider.name", "openai"),
            ("gen_ai.response.model", "gpt-4o-mini-2024-07-18"),
        ],
    );
    assert_eq!(chat_cost.len(), 1);
    assert!(
        (value(chat_cost[0]) - 2.0 * one).abs() < 1e-12,
        "{} vs {}",
        value(chat_cost[0]),
        2.0 * one
    );

    // 1b. Decorated spans: durations of workflows, agents and tools, and their errors, also
    // when no span is sampled (metrics are not sampled).
    let rizk = Rizk::builder()
        .app_name("spans-svc")
        .opentelemetry_endpoint(format!("http://127.0.0.1:{port}"))
        .console_exporter(false)
        .trace_sampling_rate(0.0)
        .metric_export_interval(Duration::from_secs(3600))
        .ignore_environment()
        .init()
        .unwrap();
    pipeline().await;
    pipeline().await;
    let cancelled = tokio::time::timeout(Duration::from_millis(20), slow_agent()).await;
    assert!(cancelled.is_err(), "the slow agent is cut short");
    rizk.shutdown();
    let spans: Vec<_> = receiver
        .metrics()
        .into_iter()
        .filter(|(service, _)| service == "spans-svc")
        .collect();
    let workflows = histogram(metric(&spans, meter::WORKFLOW_DURATION));
    let count = |points: &[HistogramDataPoint], want: &[(&str, &str)]| {
        with(points, |p| &p.attributes, want)
            .iter()
            .map(|p| p.count)
            .sum::<u64>()
    };
    assert_eq!(count(workflows, &[("rizk.span.kind", "workflow")]), 2);
    assert_eq!(count(workflows, &[("rizk.span.kind", "task")]), 2);
    let operations = histogram(metric(&spans, "gen_ai.client.operation.duration"));
    let agents = with(
        operations,
        |p| &p.attributes,
        &[("gen_ai.operation.name", "invoke_agent")],
    );
    let agent_ok: Vec<_> = agents
        .iter()
        .filter(|p| string(&p.attributes, "error.type").is_none())
        .collect();
    assert_eq!(agent_ok.len(), 1, "{agents:?}");
    assert_eq!(agent_ok[0].count, 2);
    assert!(
        agent_ok[0].min.unwrap() >= 0.005,
        "the agent sleeps 5 ms: {agent_ok:?}"
    );
    assert_eq!(
        count(
            operations,
            &[
                ("gen_ai.operation.name", "invoke_agent"),
                ("error.type", "cancelled")
            ]
        ),
        1
    );
    let tools = [("gen_ai.operation.name", "execute_tool")];
    assert_eq!(count(operations, &tools), 2);
    assert_eq!(
        count(operations, &[tools[0], ("error.type", "ParseIntError")]),
        2,
        "the failing tool's error type: {operations:?}"
    );
    let errors = sum(metric(&spans, meter::ERRORS));
    let tool_errors = with(
        errors,
        |p| &p.attributes,
        &[("rizk.span.kind", "tool"), ("error.type", "ParseIntError")],
    );
    assert_eq!(tool_errors.iter().map(|p| value(p)).sum::<f64>(), 2.0);

    // 2. OTEL_METRICS_EXPORTER=none: no meter provider, no request, traces unaffected.
    let before = receiver.count("/v1/metrics");
    let traces_before = receiver.count("/v1/traces");
    let env = BTreeMap::from([("OTEL_METRICS_EXPORTER".to_owned(), "none".to_owned())]);
    let rizk = Rizk::builder()
        .app_name("metrics-svc")
        .opentelemetry_endpoint(format!("http://127.0.0.1:{port}"))
        .console_exporter(false)
        .env(env)
        .init()
        .unwrap();
    assert!(!meter::enabled());
    assert!(
        !rizk
            .config()
            .exporters
            .iter()
            .any(|e| e.starts_with("metrics"))
    );
    calls(&client).await;
    rizk.shutdown();
    assert_eq!(receiver.count("/v1/metrics"), before);
    assert!(receiver.count("/v1/traces") > traces_before);

    // 3. Debug mode with nowhere to send to: no meter provider, but rizk's own summary per
    // model at shutdown (printed on stderr, and in the report).
    let rizk = Rizk::builder()
        .app_name("metrics-svc")
        .trace_debug(true)
        .console_exporter(false)
        .ignore_environment()
        .init()
        .unwrap();
    assert!(meter::enabled());
    assert!(rizk.config().metrics_exporters.is_empty());
    calls(&client).await;
    let summary = rizk.shutdown().llm_calls.expect("a summary in debug mode");
    assert_eq!(summary.calls(), 4);
    let text = summary.to_string();
    let line = |model: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(&format!("{model}:")))
            .unwrap_or_else(|| panic!("no line for {model} in {text}"))
            .to_owned()
    };
    let chat = line("gpt-4o-mini-2024-07-18");
    assert!(
        chat.contains(&format!(
            "2 calls (0 failed), tokens 24 in / 10 out, cost ${:.6}",
            2.0 * one
        )),
        "{chat}"
    );
    assert!(chat.contains("p50 <=") && chat.contains("p95 <="), "{chat}");
    assert!(line("text-embedding-3-small").contains("1 calls (0 failed), tokens 6 in / 0 out"));
    assert!(line("mock-429").contains("1 calls (1 failed)"));
}
