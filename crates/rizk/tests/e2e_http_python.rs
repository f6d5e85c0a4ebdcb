//! End to end: context propagation with a real peer in another language, the Python
//! OpenTelemetry SDK (`crates/rizk-http/tests/peers/otel_peer.py`, run with the Python of
//! Phoenix's venv, `E2E_PYTHON`).
//!
//! 1. Rust client to Python server: the Python server span continues the Rust trace under the
//!    Rust CLIENT span, with the allowed inherited attributes as baggage.
//! 2. Python client to Rust server: the Rust SERVER span continues the Python trace under the
//!    Python CLIENT span (trace flags `03`, baggage encoded with `+`), and the baggage becomes
//!    inherited attributes of the Rust spans.
//!
//! Each is asserted from both sides (the Python script checks what the Rust server saw and
//! exits non-zero otherwise) and from Phoenix, where both languages export.
//! Needs the peers: `cargo xtask e2e http_python`.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

mod e2e_support;

use std::process::{Child, Command};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::get;
use e2e_support::{attribute, get_json_until, peer, python, spawn_python_server, unique};
use opentelemetry::baggage::BaggageExt;
use opentelemetry::trace::{SpanKind, TraceContextExt};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::trace::SpanData;
use rizk::http::{ClientMiddleware, PropagationBuilderExt as _, ServerLayer};
use rizk::{InMemoryExporter, Rizk, task, workflow};
use serde_json::{Value, json};

fn script() -> &'static str {
    concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../rizk-http/tests/peers/otel_peer.py"
    )
}

/// The Python server, killed (by its PID) and reaped when dropped.
struct PythonServer {
    child: Child,
    port: u16,
}

impl PythonServer {
    fn start(otlp: &str, project: &str) -> PythonServer {
        let (child, port) =
            spawn_python_server(&[script(), "server", "--otlp", otlp, "--project", project]);
        PythonServer { child, port }
    }
}

impl Drop for PythonServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[workflow(name = "call_python", organization_id = "acme")]
async fn call_python(url: String) -> Value {
    rizk::set_span_context([
        KeyValue::new("conversation.id", "conv 1/2"),
        KeyValue::new("user.id", "u-rust"),
        KeyValue::new("internal.note", "never leaves"),
    ]);
    let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(ClientMiddleware::new())
        .build();
    let body = client.get(url).send().await.unwrap().text().await.unwrap();
    serde_json::from_str(&body).unwrap()
}

#[task(name = "rust_handler")]
async fn rust_handler(remote_parent: String) -> String {
    let cx = Context::current();
    let sc = cx.span().span_context().clone();
    let baggage: serde_json::Map<String, Value> = cx
        .baggage()
        .iter()
        .map(|(k, (v, _))| (k.to_string(), Value::from(v.as_str())))
        .collect();
    let inherited: serde_json::Map<String, Value> = rizk::inherited_attributes()
        .into_iter()
        .map(|kv| {
            (
                kv.key.to_string(),
                Value::from(kv.value.as_str().into_owned()),
            )
        })
        .collect();
    json!({
        "trace_id": sc.trace_id().to_string(),
        "span_id": sc.span_id().to_string(),
        "parent_span_id": remote_parent,
        "baggage": baggage,
        "inherited": inherited,
    })
    .to_string()
}

fn find<'a>(spans: &'a [SpanData], kind: SpanKind, name: &str) -> &'a SpanData {
    spans
        .iter()
        .find(|s| s.span_kind == kind && s.name == name)
        .unwrap_or_else(|| panic!("no {kind:?} {name}"))
}

/// The spans of `trace_id` in Phoenix once at least `count` have arrived.
fn phoenix_spans(base: &str, project: &str, trace_id: &str, count: usize) -> Vec<Value> {
    let url = format!("{base}/v1/projects/{project}/spans?trace_id={trace_id}&limit=100");
    let json = get_json_until(&url, Duration::from_secs(15), |j| {
        j["data"].as_array().is_some_and(|d| d.len() >= count)
    });
    json["data"].as_array().unwrap().clone()
}

fn by_name<'a>(spans: &'a [Value], name: &str) -> &'a Value {
    spans
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no span {name:?} in {spans:#?}"))
}

#[test]
#[ignore = "e2e: needs peers; run with cargo xtask e2e"]
fn e2e_http_python_interop_both_ways() {
    let base = peer("E2E_PHOENIX_URL");
    let otlp = format!("{base}/v1/traces");
    let project = unique("rizk-e2e-python");
    let start = Instant::now();
    let memory = InMemoryExporter::default();
    let rizk = Rizk::builder()
        .app_name(&project)
        .opentelemetry_endpoint(&base)
        .baggage_attributes(["organization.id", "conversation.id", "user.id"])
        .console_exporter(false)
        .ignore_environment()
        .with_exporter("memory", memory.clone())
        .init()
        .unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();

    // 1. Rust client -> Python server.
    let server = PythonServer::start(&otlp, &project);
    let python_saw = runtime.block_on(call_python(format!(
        "http://127.0.0.1:{}/python",
        server.port
    )));
    rizk.flush().unwrap();
    let workflow = memory.find("workflow.call_python").unwrap();
    let trace_1 = workflow.span_context.trace_id();
    let rust_spans = memory.trace(trace_1);
    let rust_client = find(&rust_spans, SpanKind::Client, "GET");
    assert_eq!(rust_client.parent_span_id, workflow.span_context.span_id());
    // What the Python side saw: our trace, our CLIENT span as its parent, the baggage intact.
    assert_eq!(
        python_saw["trace_id"],
        trace_1.to_string(),
        "{python_saw:#}"
    );
    assert_eq!(
        python_saw["parent_span_id"],
        rust_client.span_context.span_id().to_string(),
        "{python_saw:#}"
    );
    assert_eq!(python_saw["parent_is_remote"], true);
    assert_eq!(python_saw["sampled"], true);
    assert_eq!(
        python_saw["baggage"]["conversation.id"], "conv 1/2",
        "{python_saw:#}"
    );
    assert_eq!(python_saw["baggage"]["user.id"], "u-rust");
    assert_eq!(python_saw["baggage"]["organization.id"], "acme");
    assert!(
        python_saw["baggage"].get("internal.note").is_none(),
        "{python_saw:#}"
    );
    drop(server);

    // 2. Python client -> Rust server.
    let app = Router::new()
        .route(
            "/rust",
            get(|headers: axum::http::HeaderMap| async move {
                // The remote parent as rizk's propagators read it from the request.
                let remote = rizk::http::extract(&headers);
                rust_handler(remote.span().span_context().span_id().to_string()).await
            }),
        )
        .layer(ServerLayer::new());
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    runtime.spawn(async move { axum::serve(listener, app).await });
    let output = Command::new(python())
        .args([script(), "client", "--url", &format!("http://{addr}/rust")])
        .args([
            "--baggage",
            "conversation.id=s 1/2",
            "--baggage",
            "user.id=u-python",
        ])
        .args(["--otlp", &otlp, "--project", &project])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let python_client: Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("{e}: {stdout} {}", String::from_utf8_lossy(&output.stderr)));
    // The Python side's own checks (same trace, its span the parent, baggage intact).
    assert!(
        output.status.success(),
        "the Python client's checks failed: {python_client:#}"
    );
    let sent = python_client["sent_headers"]["traceparent"]
        .as_str()
        .unwrap();
    assert!(
        sent.ends_with("-03"),
        "the Python SDK sends flags 03: {sent}"
    );
    let trace_2 = python_client["trace_id"].as_str().unwrap().to_owned();
    let python_span = python_client["span_id"].as_str().unwrap().to_owned();
    let rust_saw = &python_client["response"];
    // Our side: the SERVER span is the Python CLIENT span's child; the baggage is inherited.
    rizk.flush().unwrap();
    let server_span = memory
        .spans()
        .into_iter()
        .find(|s| {
            s.span_kind == SpanKind::Server && s.span_context.trace_id().to_string() == trace_2
        })
        .unwrap_or_else(|| panic!("no Rust SERVER span in trace {trace_2}"));
    assert_eq!(server_span.parent_span_id.to_string(), python_span);
    assert!(server_span.parent_span_is_remote);
    let handler = memory.find("task.rust_handler").unwrap();
    assert_eq!(handler.parent_span_id, server_span.span_context.span_id());
    assert_eq!(
        rust_saw["inherited"]["conversation.id"], "s 1/2",
        "{rust_saw:#}"
    );
    assert_eq!(rust_saw["inherited"]["user.id"], "u-python");
    assert_eq!(rust_saw["baggage"]["conversation.id"], "s 1/2");
    rizk.shutdown();

    // 3. Phoenix holds both languages' spans in each trace, with the right parents.
    let spans_1 = phoenix_spans(&base, &project, &trace_1.to_string(), 3);
    let python_server = by_name(&spans_1, "python.server");
    assert_eq!(
        python_server["parent_id"],
        by_name(&spans_1, "GET")["context"]["span_id"],
        "{spans_1:#?}"
    );
    assert_eq!(
        by_name(&spans_1, "GET")["parent_id"],
        by_name(&spans_1, "workflow.call_python")["context"]["span_id"]
    );
    assert_eq!(
        attribute(&python_server["attributes"], "peer.language").unwrap(),
        "python"
    );

    let spans_2 = phoenix_spans(&base, &project, &trace_2, 3);
    let python_client_span = by_name(&spans_2, "python.client");
    assert!(python_client_span["parent_id"].is_null(), "{spans_2:#?}");
    assert_eq!(
        python_client_span["context"]["span_id"],
        python_span.as_str()
    );
    let rust_server = by_name(&spans_2, "GET /rust");
    assert_eq!(
        rust_server["parent_id"],
        python_span.as_str(),
        "{spans_2:#?}"
    );
    let rust_task = by_name(&spans_2, "task.rust_handler");
    assert_eq!(rust_task["parent_id"], rust_server["context"]["span_id"]);
    assert_eq!(
        attribute(&rust_task["attributes"], "conversation.id").unwrap(),
        "s 1/2"
    );
    println!(
        "e2e_http_python_interop_both_ways: checked in {:?} (project {project}, traces {trace_1} and {trace_2})",
        start.elapsed()
    );
}
