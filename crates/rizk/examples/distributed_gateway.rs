//! Two Rust services, one trace: an axum gateway calls an agent service with reqwest. Both run
//! in this process, on ports of 127.0.0.1.
//!
//! ```text
//! cargo run -p rizk --example distributed_gateway --features http
//! ```
//!
//! ```text
//! gateway (axum + rizk_http::ServerLayer)       agent service (axum + rizk_http::ServerLayer)
//! SERVER  POST /chat                             SERVER  POST /agent   (parent: the CLIENT span)
//! └─ workflow.handle_chat                        └─ agent.support_agent
//!    └─ CLIENT POST ──── traceparent, baggage ──▶   └─ tool.lookup_order
//! ```
//!
//! The gateway's `conversation.id`, `user.id` and `organization.id` (set with
//! `set_span_context` and `#[workflow(organization_id = ...)]`) travel as W3C baggage because
//! they are listed in `baggage_attributes`; the agent service's spans inherit them. The trace
//! prints as one tree on stderr; set `OTEL_EXPORTER_OTLP_ENDPOINT` to send it to a collector or
//! Phoenix instead. `OTEL_PROPAGATORS=tracecontext,baggage,b3` adds B3 headers, and so on.

#![allow(clippy::print_stdout)]

use std::net::SocketAddr;

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use rizk::RizkBuilder;
use rizk::http::{ClientMiddleware, ServerLayer};
use rizk::prelude::*;

/// The inherited attributes that cross service boundaries (identifiers only, never content).
pub const BAGGAGE_ATTRIBUTES: [&str; 3] = ["organization.id", "conversation.id", "user.id"];

/// The configuration both services share (they run in one process, so they share one
/// pipeline; in production each service has its own `app_name`).
pub fn rizk_builder(app_name: &str) -> RizkBuilder {
    Rizk::builder()
        .app_name(app_name)
        .baggage_attributes(BAGGAGE_ATTRIBUTES)
}

#[derive(Clone)]
struct Gateway {
    client: reqwest_middleware::ClientWithMiddleware,
    agent_url: String,
}

/// The gateway's route: the user's question goes to the agent service.
async fn chat(State(gateway): State<Gateway>, headers: HeaderMap, question: String) -> String {
    let user = headers
        .get("x-user-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("anonymous")
        .to_owned();
    handle_chat(&gateway, &user, question)
        .await
        .unwrap_or_else(|e| format!("the agent is unavailable: {e}"))
}

#[workflow(name = "handle_chat", organization_id = "acme")]
async fn handle_chat(
    gateway: &Gateway,
    user: &str,
    question: String,
) -> Result<String, reqwest_middleware::Error> {
    set_span_context([
        KeyValue::new("conversation.id", "conv-42"),
        KeyValue::new("user.id", user.to_owned()),
    ]);
    // ClientMiddleware: a CLIENT span, and traceparent + baggage on the request.
    let response = gateway
        .client
        .post(&gateway.agent_url)
        .body(question)
        .send()
        .await?;
    Ok(response.text().await?)
}

/// The agent service's route.
async fn agent_route(question: String) -> String {
    support_agent(question).await
}

#[agent(name = "support_agent")]
async fn support_agent(question: String) -> String {
    let order = lookup_order("A-1").await;
    format!("About {question:?}: order A-1 is {order}.")
}

#[tool(name = "lookup_order")]
async fn lookup_order(order_id: &str) -> String {
    let _ = order_id;
    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    "on its way".to_owned()
}

/// Where the two services listen.
#[derive(Debug, Clone, Copy)]
pub struct Services {
    /// The gateway (`POST /chat`).
    pub gateway: SocketAddr,
    /// The agent service (`POST /agent`).
    pub agent: SocketAddr,
}

/// Starts the agent service and the gateway on free ports of 127.0.0.1, as tokio tasks.
pub async fn start_services() -> std::io::Result<Services> {
    let agent_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let agent = agent_listener.local_addr()?;
    let agent_app = Router::new()
        .route("/agent", post(agent_route))
        .layer(ServerLayer::new());
    tokio::spawn(async move { axum::serve(agent_listener, agent_app).await });

    let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(ClientMiddleware::new())
        .build();
    let gateway_state = Gateway {
        client,
        agent_url: format!("http://{agent}/agent"),
    };
    let gateway_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let gateway = gateway_listener.local_addr()?;
    let gateway_app = Router::new()
        .route("/chat", post(chat))
        .with_state(gateway_state)
        .layer(ServerLayer::new());
    tokio::spawn(async move { axum::serve(gateway_listener, gateway_app).await });
    Ok(Services { gateway, agent })
}

/// What a user (outside any trace) sends to the gateway.
pub async fn ask(gateway: SocketAddr, user: &str, question: &str) -> reqwest::Result<String> {
    reqwest::Client::new()
        .post(format!("http://{gateway}/chat"))
        .header("x-user-id", user)
        .body(question.to_owned())
        .send()
        .await?
        .text()
        .await
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rizk = rizk_builder("distributed-gateway").init()?;
    let services = start_services().await?;
    let answer = ask(services.gateway, "u-7", "Where is my order?").await?;
    println!("{answer}");
    rizk.shutdown();
    Ok(())
}
