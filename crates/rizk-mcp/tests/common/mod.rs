//! What the MCP tests share: a rizk pipeline exporting to memory, a small tool server, and
//! span look-ups.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use opentelemetry::Value;
use opentelemetry::baggage::BaggageExt as _;
use opentelemetry::trace::{TraceId, Tracer as _};
use opentelemetry_sdk::trace::SpanData;
use rizk_core::export::InMemoryExporter;
use rizk_core::{RizkBuilder, RizkHandle};
use rizk_mcp::{TracedPeer, TracedServer};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, ErrorData,
    InitializeResult, ListToolsResult, PaginatedRequestParams, ServerCapabilities, Tool,
};
use rmcp::service::{RequestContext, RoleServer};
use rmcp::service::{RoleClient, RunningService};
use rmcp::{ServerHandler, ServiceExt as _};

/// The running pipeline and its spans.
pub struct Harness {
    pub handle: RizkHandle,
    pub spans: InMemoryExporter,
}

impl Harness {
    /// A pipeline exporting to memory; `trace_content` decides the content policy.
    pub fn new(app: &str, trace_content: bool) -> Harness {
        let spans = InMemoryExporter::default();
        let handle = RizkBuilder::new()
            .app_name(app)
            .console_exporter(false)
            .ignore_environment()
            .trace_content(trace_content)
            .with_exporter("memory", spans.clone())
            .init()
            .unwrap();
        Harness { handle, spans }
    }

    /// Every span of `trace_id`, after a flush.
    pub fn trace(&self, trace_id: TraceId) -> Vec<SpanData> {
        self.handle.flush().unwrap();
        self.spans.trace(trace_id)
    }
}

/// The span named `name`, or a panic that lists the names there are.
pub fn span<'a>(spans: &'a [SpanData], name: &str) -> &'a SpanData {
    spans.iter().find(|s| s.name == name).unwrap_or_else(|| {
        panic!(
            "no span {name} in {:?}",
            spans.iter().map(|s| &s.name).collect::<Vec<_>>()
        )
    })
}

/// The spans named `name`, in the order they ended.
pub fn spans<'a>(spans: &'a [SpanData], name: &str) -> Vec<&'a SpanData> {
    spans.iter().filter(|s| s.name == name).collect()
}

pub fn attr(span: &SpanData, key: &str) -> Option<Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| kv.value.clone())
}

pub fn attr_str(span: &SpanData, key: &str) -> Option<String> {
    attr(span, key).map(|v| v.as_str().into_owned())
}

/// A tool server: `echo` answers its arguments back (and starts a span of its own inside),
/// `fail` answers `isError`, any other name is a JSON-RPC error (invalid params).
#[derive(Debug, Clone, Default)]
pub struct TestTools;

impl ServerHandler for TestTools {
    fn get_info(&self) -> InitializeResult {
        InitializeResult::new(ServerCapabilities::builder().enable_tools().build())
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let schema = serde_json::json!({ "type": "object" });
        let schema = schema.as_object().cloned().unwrap();
        Ok(ListToolsResult::with_all_items(vec![
            Tool::new("echo", "Answers its arguments back", schema.clone()),
            Tool::new("fail", "Always fails", schema),
        ]))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        match &*request.name {
            "echo" => {
                // Work inside the tool: a span that must nest under the server span.
                let tracer = rizk_core::get_tracer("test-tool");
                let inner = tracer.start("tool.body");
                drop(inner);
                let mut answer = request.arguments.unwrap_or_default();
                // The caller's baggage, as the server's context carries it.
                let cx = opentelemetry::Context::current();
                if let Some(user) = cx.baggage().get("user.id") {
                    answer.insert("baggage.user.id".to_owned(), user.as_str().into());
                }
                let text = serde_json::Value::Object(answer);
                Ok(CallToolResponse::Complete(CallToolResult::success(vec![
                    ContentBlock::text(text.to_string()),
                ])))
            }
            "fail" => Ok(CallToolResponse::Complete(CallToolResult::error(vec![
                ContentBlock::text("the backend is down"),
            ]))),
            other => Err(ErrorData::invalid_params(
                format!("no tool named {other}"),
                None,
            )),
        }
    }
}

/// `echo`'s arguments.
pub fn echo(query: &str) -> CallToolRequestParams {
    CallToolRequestParams::new("echo").with_arguments(
        serde_json::json!({ "query": query })
            .as_object()
            .cloned()
            .unwrap(),
    )
}

/// A client and a traced [`TestTools`] server joined by an in-memory pipe: the byte stream
/// that stdio is, without a child process.
pub async fn pipe() -> (RunningService<RoleClient, ()>, TracedPeer) {
    let (client_end, server_end) = tokio::io::duplex(64 * 1024);
    tokio::spawn(async move {
        let server = TracedServer::new(TestTools)
            .serve(server_end)
            .await
            .unwrap();
        let _ = server.waiting().await;
    });
    let client = ().serve(client_end).await.unwrap();
    let peer = TracedPeer::stdio(client.peer().clone());
    (client, peer)
}

/// The spans in the JSON-lines file `path` (another process's), once one named `name` is there
/// (the writer may still be running or exiting).
pub fn spans_until(path: &Path, name: &str) -> Vec<serde_json::Value> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let spans: Vec<serde_json::Value> = std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect();
        if spans.iter().any(|s| s["name"] == name) {
            return spans;
        }
        assert!(
            Instant::now() < deadline,
            "no span {name} in {path:?} after 20 s; there are {:?}",
            spans.iter().map(|s| &s["name"]).collect::<Vec<_>>()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The JSON span named `name`, or a panic that lists the names there are.
pub fn find<'a>(spans: &'a [serde_json::Value], name: &str) -> &'a serde_json::Value {
    spans.iter().find(|s| s["name"] == name).unwrap_or_else(|| {
        panic!(
            "no span {name} in {:?}",
            spans.iter().map(|s| &s["name"]).collect::<Vec<_>>()
        )
    })
}
