//! Model Context Protocol tracing for rizk, over [rmcp](https://docs.rs/rmcp), the official
//! Rust SDK: one trace across an agent and the MCP tool servers it calls, in this process or
//! another, in Rust or another language.
//!
//! - **Client:** [`TracedPeer`] wraps an rmcp client [`rmcp::Peer`]. Every request it sends
//!   (`tools/call`, `tools/list`, `resources/read`, `prompts/get`, ...) is a CLIENT span
//!   `{mcp.method.name} {target}` under the current span (a `#[tool]`, an `#[agent]`), and
//!   its context is injected into `params._meta` with the propagator rizk installs.
//! - **Server:** [`TracedServer`] wraps any rmcp server. Every request is a SERVER span that
//!   continues the trace found in `params._meta`, current while the handler runs.
//!
//! Attributes follow the OpenTelemetry GenAI conventions for MCP
//! (`semantic-conventions-genai`, `docs/gen-ai/mcp.md`, status Development); see
//! `docs/integrations/mcp.md` for the table.
//!
//! # Why a peer wrapper on the client side
//!
//! A client span must start in the caller's task, where the caller's span is current. rmcp
//! 3.x offers no hook that runs there: [`rmcp::ClientHandler`] sees only what the server sends
//! to the client; a wrapping `Transport` or `Service` runs in the task rmcp spawns for the
//! connection, where the caller's span is not current (so every client span would start a
//! new trace); and the request id provider cannot be replaced. [`TracedPeer`] is the
//! smallest layer that runs in the caller's task: it has the methods of rmcp's peer for the
//! requests it traces and dereferences to the peer for the rest. On the server side no such
//! problem exists: rmcp hands each request to the handler with its `_meta`, so
//! [`TracedServer`] is a [`rmcp::ServerHandler`] around yours (a handler, not a `Service`,
//! because rmcp's streamable HTTP server takes only handlers) that traces each request method
//! and forwards it, with no change to your handler.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use rmcp::ServiceExt as _;
//! use rmcp::model::CallToolRequestParams;
//! use rmcp::transport::TokioChildProcess;
//!
//! let transport = TokioChildProcess::new(tokio::process::Command::new("my-mcp-server"))?;
//! let client = ().serve(transport).await?;
//! let mcp = rizk_mcp::TracedPeer::stdio(client.peer().clone());
//! let tools = mcp.list_tools(None).await?;
//! let result = mcp.call_tool(CallToolRequestParams::new("get_time")).await?;
//! # let _ = (tools, result);
//! # Ok(())
//! # }
//! ```
//!
//! Durations are recorded as `mcp.client.operation.duration` and
//! `mcp.server.operation.duration` (seconds) when rizk has metrics enabled.

#![cfg_attr(docsrs, feature(doc_cfg))]

mod attributes;
mod carrier;
mod client;
mod error;
mod server;
mod span;

/// The rmcp this crate is built on (3.x), so that your client and server use the very
/// version the wrappers take; the `stdio` and `http` features turn on its transports.
///
/// ```
/// use rizk_mcp::rmcp::model::CallToolRequestParams;
/// let params = CallToolRequestParams::new("get_time");
/// # let _ = params;
/// ```
pub use rmcp;

pub use client::TracedPeer;
pub use error::Error;
pub use server::TracedServer;
