//! Cross-language MCP tracing with Python's official `mcp` SDK (2.x, its OpenTelemetry support
//! built in), over stdio, both directions:
//! - a Rust `TracedPeer` client calls the Python server (`peers/mcp_server.py`): the Python
//!   server span has the Rust client span as parent, in the same trace;
//! - the Python client (`peers/mcp_client.py`) calls a Rust `TracedServer` (this test binary
//!   started again): the Rust server span and the tool's own span are in the Python trace,
//!   under the Python client span.
//!
//! The Python side writes its spans as JSON lines (`peers/otel_jsonl.py`), the Rust child with
//! rizk's JSON-lines exporter. Needs the MCP venv: `cargo xtask e2e mcp_python`.

#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)]

mod common;

use std::path::{Path, PathBuf};

use common::{Harness, TestTools, attr_str, find, span, spans_until};
use opentelemetry::Context;
use opentelemetry::trace::{FutureExt as _, SpanKind, TraceContextExt as _, Tracer as _};
use rizk_core::RizkBuilder;
use rizk_core::export::JsonLinesExporter;
use rizk_mcp::{TracedPeer, TracedServer};
use rmcp::ServiceExt as _;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::TokioChildProcess;
use serde_json::Value;

/// Set in the Rust server child: where it writes its spans.
const CHILD_SPANS: &str = "RIZK_MCP_E2E_CHILD_SPANS";

/// The venv's Python with `mcp` 2.x and the OpenTelemetry SDK (`cargo xtask peers install`).
fn python() -> PathBuf {
    let python = std::env::var("E2E_MCP_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../target/peers/mcp-python/bin/python"
            ))
        });
    assert!(
        python.exists(),
        "{} does not exist: run `cargo xtask peers install` (the MCP venv: Python's mcp 2.x SDK and \
         the OpenTelemetry SDK), or set E2E_MCP_PYTHON",
        python.display()
    );
    python
}

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/peers")
        .join(name)
}

/// A fresh spans file in the temp directory.
fn spans_file(tag: &str) -> PathBuf {
    let path =
        std::env::temp_dir().join(format!("rizk-mcp-e2e-{tag}-{}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "e2e: needs peers; run with cargo xtask e2e"]
async fn e2e_mcp_python_rust_client_python_server() {
    let harness = Harness::new("rizk-mcp-e2e-client", true);
    let path = spans_file("py-server");
    let mut command = tokio::process::Command::new(python());
    // -B: no __pycache__ written into the source tree.
    command.arg("-B").arg(script("mcp_server.py")).arg(&path);
    let client = ().serve(TokioChildProcess::new(command).unwrap()).await.unwrap();
    let peer = TracedPeer::stdio(client.peer().clone());

    let tracer = rizk_core::get_tracer("test");
    let cx = Context::current().with_span(tracer.start("agent.run"));
    let args = serde_json::json!({ "a": 2, "b": 3 });
    let result = peer
        .call_tool(
            CallToolRequestParams::new("add").with_arguments(args.as_object().cloned().unwrap()),
        )
        .with_context(cx.clone())
        .await
        .unwrap();
    cx.span().end();
    assert_ne!(result.is_error, Some(true), "{result:?}");
    assert!(format!("{result:?}").contains('5'), "{result:?}");
    let trace_id = cx.span().span_context().trace_id();
    // Closing the client closes the server's stdin: it exits and closes its spans file.
    client.cancel().await.unwrap();

    let spans = harness.trace(trace_id);
    let root = span(&spans, "agent.run");
    let client_span = span(&spans, "tools/call add");
    assert_eq!(client_span.span_kind, SpanKind::Client);
    assert_eq!(client_span.parent_span_id, root.span_context.span_id());

    let python = spans_until(&path, "tools/call add");
    let server = find(&python, "tools/call add");
    assert_eq!(server["kind"], "server", "{server}");
    assert_eq!(server["trace_id"], trace_id.to_string(), "{server}");
    assert_eq!(
        server["parent_span_id"],
        client_span.span_context.span_id().to_string(),
        "the Python server span's parent is the Rust client span: {server}"
    );
    assert_eq!(server["attributes"]["gen_ai.tool.name"], "add");
    assert_eq!(server["attributes"]["mcp.method.name"], "tools/call");
    // Both sides name the request alike.
    assert_eq!(
        server["attributes"]["jsonrpc.request.id"].as_str(),
        attr_str(client_span, "jsonrpc.request.id").as_deref()
    );
    assert_eq!(
        server["attributes"]["mcp.protocol.version"].as_str(),
        attr_str(client_span, "mcp.protocol.version").as_deref()
    );
    // The Python tool's own span nests under the Python server span.
    let body = find(&python, "py.add");
    assert_eq!(body["trace_id"], trace_id.to_string());
    assert_eq!(body["parent_span_id"], server["span_id"]);
    let _ = std::fs::remove_file(&path);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "e2e: needs peers; run with cargo xtask e2e"]
async fn e2e_mcp_python_python_client_rust_server() {
    let python_spans = spans_file("py-client");
    let rust_spans = spans_file("rust-server");
    let exe = std::env::current_exe().unwrap();
    // The server is this test binary running `mcp_server_child`. libtest prints its own lines
    // on stdout before any test runs, so the child's stdout goes to stderr and the JSON-RPC
    // pipe to the Python client is moved to fd 3, where the child writes its answers.
    let output = tokio::process::Command::new(python())
        .arg("-B")
        .arg(script("mcp_client.py"))
        .arg(&python_spans)
        .arg("echo")
        .arg(r#"{"query": "from python"}"#)
        .arg(format!("{CHILD_SPANS}={}", rust_spans.display()))
        .args(["--", "sh", "-c", r#"exec "$0" "$@" 3>&1 1>&2"#])
        .arg(&exe)
        .args(["--exact", "mcp_server_child", "--ignored", "--nocapture"])
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the Python client failed ({}): {stderr}",
        output.status
    );
    let answer: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("the Python client printed no JSON ({e}); stderr: {stderr}"));
    assert_eq!(answer["is_error"], false, "{answer}");
    assert!(
        answer["content"][0]["text"]
            .as_str()
            .unwrap_or_default()
            .contains("from python"),
        "{answer}"
    );
    let trace_id = answer["trace_id"].as_str().unwrap();

    let python = spans_until(&python_spans, "py.agent");
    let client_span = find(&python, "MCP send tools/call echo");
    assert_eq!(client_span["kind"], "client");
    assert_eq!(client_span["trace_id"], trace_id);
    assert_eq!(client_span["parent_span_id"], answer["span_id"]);

    let rust = spans_until(&rust_spans, "tools/call echo");
    let server = find(&rust, "tools/call echo");
    assert_eq!(server["kind"], "server", "{server}");
    assert_eq!(server["trace_id"], trace_id, "{server}");
    assert_eq!(
        server["parent_span_id"], client_span["span_id"],
        "the Rust server span's parent is the Python client span: {server}"
    );
    assert_eq!(server["attributes"]["network.transport"], "pipe");
    assert_eq!(server["attributes"]["gen_ai.tool.name"], "echo");
    assert_eq!(
        server["attributes"]["jsonrpc.request.id"],
        client_span["attributes"]["jsonrpc.request.id"]
    );
    // Python's mcp 2.x speaks the 2026-07-28 revision (`server/discover`, no `initialize`);
    // the Rust server reads it from the request.
    assert_eq!(server["attributes"]["mcp.protocol.version"], "2026-07-28");
    // The tool's own span, in the Rust server, nests under the server span.
    let body = find(&rust, "tool.body");
    assert_eq!(body["trace_id"], trace_id);
    assert_eq!(body["parent_span_id"], server["span_id"]);
    let _ = std::fs::remove_file(&python_spans);
    let _ = std::fs::remove_file(&rust_spans);
}

/// Not a test: the Rust MCP server that `e2e_mcp_python_python_client_rust_server` starts,
/// reading JSON-RPC on stdin and answering on fd 3. Does nothing unless started so.
#[test]
#[ignore = "the server child of e2e_mcp_python_python_client_rust_server"]
fn mcp_server_child() {
    let Some(path) = std::env::var_os(CHILD_SPANS) else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let handle = RizkBuilder::new()
            .app_name("rizk-mcp-e2e-server")
            .console_exporter(false)
            .ignore_environment()
            .with_exporter("jsonl", JsonLinesExporter::create(&path).unwrap())
            .init()
            .unwrap();
        // /dev/fd/3 reopens the pipe the parent's `sh` moved there: no unsafe fd handling.
        let out = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/fd/3")
            .expect("fd 3: the JSON-RPC pipe to the client");
        let transport = (tokio::io::stdin(), tokio::fs::File::from_std(out));
        let server = TracedServer::new(TestTools).serve(transport).await.unwrap();
        // Returns when the client closes our stdin.
        let _ = server.waiting().await;
        handle.shutdown();
    });
}
