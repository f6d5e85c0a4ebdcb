//! A real rmcp client and a real rmcp server, traced on both sides, over a pipe (the byte
//! stream stdio is, in process) and over streamable HTTP on 127.0.0.1: one trace, the server
//! span a child of the client span, attributes, `isError`, JSON-RPC errors. One rizk
//! pipeline for this binary, exporting to memory; tests tell their spans apart by trace id.
//! The child-process stdio case is `tests/stdio_child.rs`.

#![allow(clippy::unwrap_used, unreachable_pub)]

mod common;

use std::sync::{Arc, OnceLock};

use common::{Harness, TestTools, attr, attr_str, echo, pipe, span};
use opentelemetry::trace::{SpanKind, Status, TraceContextExt as _, TraceId, Tracer as _};
use opentelemetry::{Context, Value};
use opentelemetry_sdk::trace::SpanData;
use rizk_mcp::{TracedPeer, TracedServer};
use rmcp::ServiceExt as _;
use rmcp::model::{CallToolRequestParams, ClientRequest};
use rmcp::service::RoleClient;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};

fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| Harness::new("rizk-mcp-tests", true))
}

/// A traced server behind streamable HTTP on 127.0.0.1, and a client of it.
async fn http() -> (rmcp::service::RunningService<RoleClient, ()>, TracedPeer) {
    let service = StreamableHttpService::new(
        || Ok(TracedServer::new(TestTools)),
        Arc::new(LocalSessionManager::default()),
        StreamableHttpServerConfig::default(),
    );
    let app = axum::Router::new().route_service("/mcp", service);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    let client = ().serve(StreamableHttpClientTransport::from_uri(url.clone())).await.unwrap();
    let peer = TracedPeer::http(client.peer().clone(), &url).unwrap();
    (client, peer)
}

/// Runs `body` under a root span `agent.run` and returns its trace id.
async fn under_root<F: std::future::Future<Output = ()>>(body: F) -> TraceId {
    use opentelemetry::trace::FutureExt as _;
    let tracer = rizk_core::get_tracer("test");
    let root = tracer.start("agent.run");
    let cx = Context::current().with_span(root);
    let trace_id = cx.span().span_context().trace_id();
    body.with_context(cx.clone()).await;
    cx.span().end();
    trace_id
}

fn client_and_server<'a>(spans: &'a [SpanData], name: &str) -> (&'a SpanData, &'a SpanData) {
    let client = spans
        .iter()
        .find(|s| s.name == name && s.span_kind == SpanKind::Client)
        .unwrap_or_else(|| panic!("no client span {name}"));
    let server = spans
        .iter()
        .find(|s| s.name == name && s.span_kind == SpanKind::Server)
        .unwrap_or_else(|| panic!("no server span {name}"));
    (client, server)
}

/// One tool call: the chain root → client → server → the tool's own span, and the
/// attributes on both sides.
async fn check_tool_call(peer: &TracedPeer, transport: &str) {
    let trace_id = under_root(async {
        let result = peer.call_tool(echo("rust")).await.unwrap();
        assert_ne!(result.is_error, Some(true));
    })
    .await;
    let spans = harness().trace(trace_id);
    let root = span(&spans, "agent.run");
    let (client, server) = client_and_server(&spans, "tools/call echo");
    let body = span(&spans, "tool.body");
    assert_eq!(client.parent_span_id, root.span_context.span_id());
    assert_eq!(server.parent_span_id, client.span_context.span_id());
    assert_eq!(body.parent_span_id, server.span_context.span_id());
    assert!(spans.iter().all(|s| s.span_context.trace_id() == trace_id));
    for side in [client, server] {
        assert_eq!(
            attr_str(side, "mcp.method.name").as_deref(),
            Some("tools/call")
        );
        assert_eq!(attr_str(side, "gen_ai.tool.name").as_deref(), Some("echo"));
        assert_eq!(
            attr_str(side, "gen_ai.operation.name").as_deref(),
            Some("execute_tool")
        );
        assert_eq!(
            attr_str(side, "network.transport").as_deref(),
            Some(transport)
        );
        assert!(attr_str(side, "jsonrpc.request.id").is_some());
        assert!(attr_str(side, "mcp.protocol.version").is_some());
        assert_eq!(
            attr_str(side, "gen_ai.tool.call.arguments").as_deref(),
            Some(r#"{"query":"rust"}"#)
        );
        let result = attr_str(side, "gen_ai.tool.call.result").unwrap();
        assert!(result.contains("rust"), "{result}");
        assert_eq!(side.status, Status::Unset);
        assert!(attr(side, "error.type").is_none());
    }
    assert_eq!(
        attr_str(client, "jsonrpc.request.id"),
        attr_str(server, "jsonrpc.request.id")
    );
}

async fn check_errors(peer: &TracedPeer) {
    // A tool result with isError: returned to the caller, the spans say tool_error.
    let trace_id = under_root(async {
        let result = peer
            .call_tool(CallToolRequestParams::new("fail"))
            .await
            .unwrap();
        assert_eq!(result.is_error, Some(true));
    })
    .await;
    let spans = harness().trace(trace_id);
    let (client, server) = client_and_server(&spans, "tools/call fail");
    for side in [client, server] {
        assert_eq!(attr_str(side, "error.type").as_deref(), Some("tool_error"));
        assert!(matches!(side.status, Status::Error { .. }));
    }

    // A JSON-RPC error: the caller gets rmcp's error, the spans the code.
    let trace_id = under_root(async {
        let error = peer
            .call_tool(CallToolRequestParams::new("missing"))
            .await
            .unwrap_err();
        assert!(matches!(error, rmcp::ServiceError::McpError(_)), "{error}");
    })
    .await;
    let spans = harness().trace(trace_id);
    let (client, server) = client_and_server(&spans, "tools/call missing");
    for side in [client, server] {
        assert_eq!(attr_str(side, "error.type").as_deref(), Some("-32602"));
        assert_eq!(
            attr_str(side, "rpc.response.status_code").as_deref(),
            Some("-32602")
        );
        assert_eq!(
            attr(side, "rpc.jsonrpc.error_code"),
            Some(Value::I64(-32602))
        );
        match &side.status {
            Status::Error { description } => {
                assert!(
                    description.contains("no tool named missing"),
                    "{description}"
                )
            }
            other => panic!("status {other:?}"),
        }
    }
}

async fn check_list_and_generic(peer: &TracedPeer) {
    let trace_id = under_root(async {
        let tools = peer.list_tools(None).await.unwrap();
        assert_eq!(tools.tools.len(), 2);
        peer.send_request(ClientRequest::PingRequest(Default::default()))
            .await
            .unwrap();
    })
    .await;
    let spans = harness().trace(trace_id);
    let (client, server) = client_and_server(&spans, "tools/list");
    assert_eq!(server.parent_span_id, client.span_context.span_id());
    assert!(attr(client, "gen_ai.operation.name").is_none());
    assert!(attr(client, "gen_ai.tool.call.arguments").is_none());
    let (client, server) = client_and_server(&spans, "ping");
    assert_eq!(server.parent_span_id, client.span_context.span_id());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipe_one_trace_across_client_and_server() {
    harness();
    let (client, peer) = pipe().await;
    check_tool_call(&peer, "pipe").await;
    // The server's `initialize` span (a trace of its own: rmcp sends `initialize` inside
    // `serve`, before any TracedPeer) has the version the handshake agreed on.
    let agreed = peer
        .peer_info()
        .unwrap()
        .protocol_version
        .as_str()
        .to_owned();
    harness().handle.flush().unwrap();
    let initialize = harness()
        .spans
        .spans()
        .into_iter()
        .find(|s| s.name == "initialize" && s.span_kind == SpanKind::Server)
        .unwrap();
    assert_eq!(attr_str(&initialize, "mcp.protocol.version"), Some(agreed));
    check_errors(&peer).await;
    check_list_and_generic(&peer).await;
    client.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streamable_http_one_trace_across_client_and_server() {
    harness();
    let (client, peer) = http().await;
    check_tool_call(&peer, "tcp").await;
    check_errors(&peer).await;
    check_list_and_generic(&peer).await;

    let trace_id = under_root(async {
        peer.call_tool(echo("http")).await.unwrap();
    })
    .await;
    let spans = harness().trace(trace_id);
    let (client_span, server) = client_and_server(&spans, "tools/call echo");
    assert_eq!(
        attr_str(client_span, "server.address").as_deref(),
        Some("127.0.0.1")
    );
    assert!(matches!(attr(client_span, "server.port"), Some(Value::I64(p)) if p > 0));
    assert_eq!(
        attr_str(client_span, "network.protocol.name").as_deref(),
        Some("http")
    );
    // The server reads the session from the HTTP request.
    assert!(attr_str(server, "mcp.session.id").is_some_and(|s| !s.is_empty()));
    client.cancel().await.unwrap();
}

/// The caller's baggage crosses in `_meta` with the trace context, on both transports.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn baggage_crosses_with_the_trace_context() {
    use opentelemetry::baggage::BaggageExt as _;
    use opentelemetry::trace::FutureExt as _;
    harness();
    for (client, peer) in [pipe().await, http().await] {
        let cx = Context::current().with_baggage([opentelemetry::KeyValue::new("user.id", "u-42")]);
        let result = peer.call_tool(echo("who")).with_context(cx).await.unwrap();
        let text = result.content[0].as_text().unwrap().text.clone();
        assert!(text.contains(r#""baggage.user.id":"u-42""#), "{text}");
        client.cancel().await.unwrap();
    }
}

/// A request with no caller span: the client span is a root, the server still its child.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_caller_span_the_client_span_is_the_root() {
    harness();
    let (client, peer) = pipe().await;
    // The other tests of this binary call `echo` at the same time, under caller spans: this
    // call's span is the one with its own arguments.
    peer.call_tool(echo("no caller span")).await.unwrap();
    harness().handle.flush().unwrap();
    let all = harness().spans.spans();
    let client_span = all
        .iter()
        .find(|s| {
            s.name == "tools/call echo"
                && s.span_kind == SpanKind::Client
                && attr_str(s, "gen_ai.tool.call.arguments").as_deref()
                    == Some(r#"{"query":"no caller span"}"#)
        })
        .expect("this test's client span");
    let spans = harness().trace(client_span.span_context.trace_id());
    let (client_span, server) = client_and_server(&spans, "tools/call echo");
    assert_eq!(
        client_span.parent_span_id,
        opentelemetry::trace::SpanId::INVALID
    );
    assert_eq!(server.parent_span_id, client_span.span_context.span_id());
    client.cancel().await.unwrap();
}
