//! An agent that calls a tool of an MCP server running as a child process over stdio, in one
//! trace: the agent's `#[tool]` → the MCP client span `tools/call get_forecast` → the
//! server's span of the same name, in the other process → the server's `#[task]`.
//!
//! ```text
//! cargo run -p rizk --example mcp_agent --features mcp
//! ```
//!
//! The example starts itself again with `--server` as the MCP server. Each process has its own
//! rizk pipeline; in production both would export to the same collector, which assembles the
//! trace. Here, to show it on the console with no collector, the server writes its spans to a
//! JSON-lines file, and the agent prints its own spans and the server's together as one tree.

#![allow(clippy::print_stdout)] // an example prints its answer

use std::path::{Path, PathBuf};

use opentelemetry_sdk::trace::{SpanData, SpanEvents, SpanExporter as _, SpanLinks};
use rizk::mcp::rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, ErrorData,
    InitializeResult, ListToolsResult, PaginatedRequestParams, ServerCapabilities, Tool,
};
use rizk::mcp::rmcp::service::{RequestContext, RoleServer};
use rizk::mcp::rmcp::transport::TokioChildProcess;
use rizk::mcp::rmcp::{ServerHandler, ServiceExt as _};
use rizk::mcp::{TracedPeer, TracedServer};
use rizk::opentelemetry::trace::{
    SpanContext, SpanId, SpanKind, Status, TraceFlags, TraceId, TraceState,
};
use rizk::prelude::*;
use rizk::{ConsoleTarget, InMemoryExporter};

// ---- The MCP server (the child process) ----

/// A weather tool server: `get_forecast(city)`.
#[derive(Debug, Clone)]
struct WeatherTools;

#[task(name = "forecast_lookup")]
async fn forecast_lookup(city: &str) -> String {
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    format!("{city}: 18°C, light rain in the afternoon")
}

impl ServerHandler for WeatherTools {
    fn get_info(&self) -> InitializeResult {
        InitializeResult::new(ServerCapabilities::builder().enable_tools().build())
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let schema = serde_json::json!({
            "type": "object",
            "properties": { "city": { "type": "string" } },
            "required": ["city"]
        });
        Ok(ListToolsResult::with_all_items(vec![Tool::new(
            "get_forecast",
            "Today's forecast for a city",
            schema.as_object().cloned().unwrap_or_default(),
        )]))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        if request.name != "get_forecast" {
            return Err(ErrorData::invalid_params(
                format!("no tool named {}", request.name),
                None,
            ));
        }
        let city = request
            .arguments
            .as_ref()
            .and_then(|a| a.get("city"))
            .and_then(|c| c.as_str())
            .unwrap_or("Paris");
        // Runs inside the server span: this task nests under it, in the caller's trace.
        let forecast = forecast_lookup(city).await;
        Ok(CallToolResponse::Complete(CallToolResult::success(vec![
            ContentBlock::text(forecast),
        ])))
    }
}

async fn serve(spans_file: &Path) -> Result<(), Box<dyn std::error::Error>> {
    // stdout is the JSON-RPC stream: no console output here, spans go to the file.
    let rizk = Rizk::builder()
        .app_name("weather-mcp-server")
        .console_exporter(false)
        .with_exporter(
            "jsonl",
            rizk::export::JsonLinesExporter::create(spans_file)?,
        )
        .init()?;
    let server = TracedServer::new(WeatherTools)
        .serve(rizk::mcp::rmcp::transport::stdio())
        .await?;
    server.waiting().await?;
    rizk.shutdown();
    Ok(())
}

// ---- The agent (this process) ----

#[agent(name = "travel_assistant", skip(mcp))]
async fn travel_assistant(mcp: &TracedPeer, city: &str) -> String {
    match weather(mcp, city).await {
        Ok(forecast) => format!("Pack an umbrella. {forecast}"),
        Err(error) => format!("(no forecast: {error})"),
    }
}

#[tool(name = "weather", skip(mcp))]
async fn weather(mcp: &TracedPeer, city: &str) -> Result<String, rizk::mcp::rmcp::ServiceError> {
    let arguments = serde_json::json!({ "city": city });
    let result = mcp
        .call_tool(
            CallToolRequestParams::new("get_forecast")
                .with_arguments(arguments.as_object().cloned().unwrap_or_default()),
        )
        .await?;
    Ok(result
        .content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect::<Vec<_>>()
        .join(" "))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if let [_, flag, file] = args.as_slice()
        && flag == "--server"
    {
        return serve(Path::new(file)).await;
    }

    let spans = InMemoryExporter::default();
    let rizk = Rizk::builder()
        .app_name("mcp-agent")
        .console_exporter(false)
        .with_exporter("memory", spans.clone())
        .init()?;
    let server_spans = std::env::temp_dir().join(format!("mcp-agent-{}.jsonl", std::process::id()));
    let mut command = tokio::process::Command::new(std::env::current_exe()?);
    command.arg("--server").arg(&server_spans);
    let client = ().serve(TokioChildProcess::new(command)?).await?;
    let mcp = TracedPeer::stdio(client.peer().clone());

    let answer = travel_assistant(&mcp, "Lyon").await;
    println!("answer: {answer}");

    // Closing the client ends the server: it flushes its spans and exits.
    client.cancel().await?;
    rizk.flush()?;
    let mut all = read_spans(&server_spans)?;
    let _ = std::fs::remove_file(&server_spans);
    all.extend(spans.spans());
    rizk::export::ConsoleExporter::new(ConsoleTarget::Stderr)
        .export(all)
        .await?;
    rizk.shutdown();
    Ok(())
}

/// The server's spans, back from its JSON-lines file: what a collector would receive from it.
fn read_spans(path: &PathBuf) -> Result<Vec<SpanData>, Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut spans = Vec::new();
    for line in text.lines() {
        let json: serde_json::Value = serde_json::from_str(line)?;
        let id = |key: &str| json[key].as_str().unwrap_or_default().to_owned();
        let time = |key: &str| {
            let nanos: u64 = json[key].as_str().and_then(|n| n.parse().ok()).unwrap_or(0);
            std::time::UNIX_EPOCH + std::time::Duration::from_nanos(nanos)
        };
        let attributes = json["attributes"]
            .as_object()
            .map(|map| {
                map.iter()
                    .map(|(k, v)| match v {
                        serde_json::Value::String(s) => KeyValue::new(k.clone(), s.clone()),
                        serde_json::Value::Number(n) if n.is_i64() => {
                            KeyValue::new(k.clone(), n.as_i64().unwrap_or_default())
                        }
                        other => KeyValue::new(k.clone(), other.to_string()),
                    })
                    .collect()
            })
            .unwrap_or_default();
        spans.push(SpanData {
            span_context: SpanContext::new(
                TraceId::from_hex(&id("trace_id"))?,
                SpanId::from_hex(&id("span_id"))?,
                TraceFlags::SAMPLED,
                false,
                TraceState::NONE,
            ),
            parent_span_id: SpanId::from_hex(&id("parent_span_id")).unwrap_or(SpanId::INVALID),
            // In the assembled trace the server span's parent is local: the agent's client span.
            parent_span_is_remote: false,
            span_kind: match json["kind"].as_str() {
                Some("server") => SpanKind::Server,
                Some("client") => SpanKind::Client,
                _ => SpanKind::Internal,
            },
            name: json["name"].as_str().unwrap_or_default().to_owned().into(),
            start_time: time("start_unix_nano"),
            end_time: time("end_unix_nano"),
            attributes,
            dropped_attributes_count: 0,
            events: SpanEvents::default(),
            links: SpanLinks::default(),
            status: match json["status"].as_str() {
                Some("error") => Status::error(id("status_message")),
                _ => Status::Unset,
            },
            instrumentation_scope: Default::default(),
        });
    }
    Ok(spans)
}
