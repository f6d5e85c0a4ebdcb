//! stdio as users run it: the test binary starts itself again as a child process that serves
//! the traced tool server on its stdin and stdout, and writes its spans to a JSON-lines file.
//! The parent's client span and the child's server span must be one trace, the server span a
//! child of the client span, across the process boundary.
//!
//! No libtest harness (`harness = false`): the child speaks JSON-RPC on stdout, where libtest
//! would print. It prints the plain `N passed, N failed` line itself.

#![allow(clippy::unwrap_used, clippy::print_stdout, unreachable_pub)]

mod common;

use std::path::PathBuf;

use common::{Harness, TestTools, attr_str, echo, span, spans_until};
use opentelemetry::Context;
use opentelemetry::trace::{FutureExt as _, SpanKind, TraceContextExt as _, Tracer as _};
use rizk_core::RizkBuilder;
use rizk_core::export::JsonLinesExporter;
use rizk_mcp::{TracedPeer, TracedServer};
use rmcp::ServiceExt as _;
use rmcp::transport::TokioChildProcess;

/// Set in the child: where it writes its spans.
const CHILD_SPANS: &str = "RIZK_MCP_TEST_CHILD_SPANS";

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    if let Some(path) = std::env::var_os(CHILD_SPANS) {
        runtime.block_on(child(PathBuf::from(path)));
        return;
    }
    runtime.block_on(parent());
    println!("1 passed, 0 failed");
}

/// The tool server, over this process's stdio; its spans go to `path`.
async fn child(path: PathBuf) {
    let handle = RizkBuilder::new()
        .app_name("rizk-mcp-child")
        .console_exporter(false)
        .ignore_environment()
        .with_exporter("jsonl", JsonLinesExporter::create(&path).unwrap())
        .init()
        .unwrap();
    let server = TracedServer::new(TestTools)
        .serve(rmcp::transport::stdio())
        .await
        .unwrap();
    // Returns when the parent closes our stdin.
    let _ = server.waiting().await;
    handle.shutdown();
}

async fn parent() {
    let harness = Harness::new("rizk-mcp-parent", true);
    let path = std::env::temp_dir().join(format!("rizk-mcp-child-{}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let mut command = tokio::process::Command::new(std::env::current_exe().unwrap());
    command.env(CHILD_SPANS, &path);
    let client = ().serve(TokioChildProcess::new(command).unwrap()).await.unwrap();
    let peer = TracedPeer::stdio(client.peer().clone());

    let tracer = rizk_core::get_tracer("test");
    let cx = Context::current().with_span(tracer.start("agent.run"));
    peer.call_tool(echo("over stdio"))
        .with_context(cx.clone())
        .await
        .unwrap();
    cx.span().end();
    let trace_id = cx.span().span_context().trace_id();
    // Closing the client closes the child's stdin: it shuts its pipeline down and exits.
    client.cancel().await.unwrap();

    let spans = harness.trace(trace_id);
    let root = span(&spans, "agent.run");
    let client_span = span(&spans, "tools/call echo");
    assert_eq!(client_span.span_kind, SpanKind::Client);
    assert_eq!(client_span.parent_span_id, root.span_context.span_id());
    assert_eq!(
        attr_str(client_span, "network.transport").as_deref(),
        Some("pipe")
    );

    let child = spans_until(&path, "tools/call echo");
    let server = child
        .iter()
        .find(|s| s["name"] == "tools/call echo")
        .unwrap();
    assert_eq!(server["kind"], "server");
    assert_eq!(server["trace_id"], trace_id.to_string());
    assert_eq!(
        server["parent_span_id"],
        client_span.span_context.span_id().to_string()
    );
    assert_eq!(server["attributes"]["network.transport"], "pipe");
    assert_eq!(server["attributes"]["gen_ai.tool.name"], "echo");
    // The tool's own span, in the child, nests under the server span.
    let body = child.iter().find(|s| s["name"] == "tool.body").unwrap();
    assert_eq!(body["trace_id"], trace_id.to_string());
    assert_eq!(body["parent_span_id"], server["span_id"]);
    let _ = std::fs::remove_file(&path);
}
