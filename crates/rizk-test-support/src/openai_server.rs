//! A local OpenAI-compatible HTTP server, for tests, examples and benchmarks that cannot (or
//! should not) reach the real API.
//!
//! It listens on `127.0.0.1` on a free port and answers `POST /v1/chat/completions` (plain
//! and streamed as server-sent events, with tool calls) and `POST /v1/embeddings`
//! deterministically:
//!
//! - a chat request that offers tools and holds no tool result yet gets a call of the first
//!   tool (arguments from [`MockServerBuilder::tool_arguments`], default `{}`), finish reason
//!   `tool_calls`;
//! - any other chat request gets the answer `Hello from the mock!` (or `The tool said: <the
//!   last tool result>`), finish reason `stop`, usage 12 prompt (4 of them read from the
//!   cache) + 5 completion tokens (2 of them reasoning);
//! - the response names the dated snapshot of the requested model, as the real API does
//!   (`gpt-4o-mini` is answered by `gpt-4o-mini-2024-07-18`: see [`SNAPSHOT_SUFFIX`]);
//! - model `mock-429` gets a rate-limit error (HTTP 429 with an OpenAI error body), model
//!   `mock-500` a server error;
//! - streamed answers come in several chunks, `chunk_delay` apart, with a final usage chunk
//!   when `stream_options.include_usage` is set;
//! - embeddings are 8-dimensional, one per input, 6 prompt tokens.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! let server = rizk_test_support::openai_server::MockServer::start().await?;
//! let client = async_openai::Client::with_config(server.config());
//! # let _ = client;
//! assert!(server.base_url().starts_with("http://127.0.0.1:"));
//! # Ok(())
//! # }
//! ```

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_openai::config::OpenAIConfig;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Configures a [`MockServer`] before it starts.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// use std::time::Duration;
///
/// let server = rizk_test_support::openai_server::MockServer::builder()
///     .chunk_delay(Duration::from_millis(2))
///     .tool_arguments(r#"{"city":"Paris"}"#)
///     .start()
///     .await?;
/// # let _ = server;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct MockServerBuilder {
    chunk_delay: Duration,
    tool_arguments: String,
}

impl MockServerBuilder {
    /// The pause before each streamed chunk (default 1 ms), so time to first token is
    /// measurable.
    ///
    /// ```
    /// let builder = rizk_test_support::openai_server::MockServer::builder().chunk_delay(std::time::Duration::ZERO);
    /// # let _ = builder;
    /// ```
    pub fn chunk_delay(mut self, delay: Duration) -> Self {
        self.chunk_delay = delay;
        self
    }

    /// The JSON arguments of the tool calls the server makes (default `{}`).
    ///
    /// ```
    /// let builder = rizk_test_support::openai_server::MockServer::builder().tool_arguments(r#"{"x":1}"#);
    /// # let _ = builder;
    /// ```
    pub fn tool_arguments(mut self, arguments: impl Into<String>) -> Self {
        self.tool_arguments = arguments.into();
        self
    }

    /// Binds `127.0.0.1:0` and serves on the current tokio runtime until the server is
    /// dropped.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let server = rizk_test_support::openai_server::MockServer::builder().start().await?;
    /// # let _ = server;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn start(self) -> std::io::Result<MockServer> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            options: self,
            requests: Mutex::new(Vec::new()),
            ids: AtomicU64::new(0),
        });
        let accepting = Arc::clone(&shared);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let _ = stream.set_nodelay(true);
                tokio::spawn(serve_connection(stream, Arc::clone(&accepting)));
            }
        });
        Ok(MockServer { addr, shared, task })
    }
}

/// A running local OpenAI-compatible server; stops when dropped. See the [module](self).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let server = rizk_test_support::openai_server::MockServer::start().await?;
/// println!("OpenAI stand-in at {}", server.base_url());
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct MockServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

#[derive(Debug)]
struct Shared {
    options: MockServerBuilder,
    requests: Mutex<Vec<Value>>,
    ids: AtomicU64,
}

impl MockServer {
    /// A builder with the defaults (1 ms between chunks, tool arguments `{}`).
    ///
    /// ```
    /// let builder = rizk_test_support::openai_server::MockServer::builder();
    /// # let _ = builder;
    /// ```
    pub fn builder() -> MockServerBuilder {
        MockServerBuilder {
            chunk_delay: Duration::from_millis(1),
            tool_arguments: "{}".to_owned(),
        }
    }

    /// Starts a server with the defaults.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let server = rizk_test_support::openai_server::MockServer::start().await?;
    /// # let _ = server;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn start() -> std::io::Result<MockServer> {
        Self::builder().start().await
    }

    /// The API base to give a client: `http://127.0.0.1:<port>/v1`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let server = rizk_test_support::openai_server::MockServer::start().await?;
    /// assert!(server.base_url().ends_with("/v1"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// An `async_openai` configuration pointing at this server, with a dummy key.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let server = rizk_test_support::openai_server::MockServer::start().await?;
    /// let client = async_openai::Client::with_config(server.config());
    /// # let _ = client;
    /// # Ok(())
    /// # }
    /// ```
    pub fn config(&self) -> OpenAIConfig {
        OpenAIConfig::new()
            .with_api_base(self.base_url())
            .with_api_key("sk-mock")
    }

    /// The JSON bodies of the requests received so far, oldest first.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let server = rizk_test_support::openai_server::MockServer::start().await?;
    /// assert!(server.requests().is_empty());
    /// # Ok(())
    /// # }
    /// ```
    pub fn requests(&self) -> Vec<Value> {
        self.shared
            .requests
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default()
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One request as far as the server needs it.
struct Request {
    method: String,
    path: String,
    body: Vec<u8>,
}

async fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut line = String::new();
    if reader.read_line(&mut line).await.ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let mut length = 0usize;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).await.ok()? == 0 {
            return None;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().ok()?;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).await.ok()?;
    Some(Request { method, path, body })
}

async fn serve_connection(stream: TcpStream, shared: Arc<Shared>) {
    let mut reader = BufReader::new(stream);
    while let Some(request) = read_request(&mut reader).await {
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        if let Ok(mut requests) = shared.requests.lock() {
            requests.push(body.clone());
        }
        let stream = reader.get_mut();
        let keep_alive = match (request.method.as_str(), request.path.as_str()) {
            ("POST", p) if p.ends_with("/chat/completions") => chat(stream, &shared, &body).await,
            ("POST", p) if p.ends_with("/embeddings") => {
                respond(stream, 200, &embeddings(&body)).await
            }
            _ => {
                respond(
                    stream,
                    404,
                    &error_body("Unknown path", "invalid_request_error", None),
                )
                .await
            }
        };
        if !keep_alive {
            break;
        }
    }
}

/// Writes a JSON response; `true` when the connection may serve another request.
async fn respond(stream: &mut TcpStream, status: u16, body: &Value) -> bool {
    let body = body.to_string();
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        429 => "Too Many Requests",
        _ => "Internal Server Error",
    };
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.is_ok()
        && stream.write_all(body.as_bytes()).await.is_ok()
}

fn error_body(message: &str, kind: &str, code: Option<&str>) -> Value {
    json!({"error": {"message": message, "type": kind, "param": null, "code": code}})
}

fn model_of(body: &Value) -> &str {
    body.get("model")
        .and_then(Value::as_str)
        .unwrap_or("gpt-4o-mini")
}

/// What the server answers a chat request with.
enum Answer {
    Text(String),
    ToolCall { name: String },
}

fn answer_for(body: &Value) -> Answer {
    let messages = body
        .get("messages")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let tool_result = messages
        .iter()
        .rev()
        .find(|m| m.get("role").and_then(Value::as_str) == Some("tool"))
        .map(|m| match m.get("content") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Array(parts)) => parts
                .iter()
                .filter_map(|p| p.get("text").and_then(Value::as_str))
                .collect::<Vec<_>>()
                .join(""),
            _ => String::new(),
        });
    let first_tool = body
        .get("tools")
        .and_then(Value::as_array)
        .and_then(|tools| tools.first())
        .and_then(|tool| tool.pointer("/function/name"))
        .and_then(Value::as_str);
    match (tool_result, first_tool) {
        (Some(result), _) => Answer::Text(format!("The tool said: {result}")),
        (None, Some(name)) => Answer::ToolCall {
            name: name.to_owned(),
        },
        (None, None) => Answer::Text("Hello from the mock!".to_owned()),
    }
}

const PROMPT_TOKENS: u32 = 12;
const COMPLETION_TOKENS: u32 = 5;
const CACHED_TOKENS: u32 = 4;
const REASONING_TOKENS: u32 = 2;

/// What the mock appends to the requested model to name the model that answered: a dated
/// snapshot, as the real API answers `gpt-4o-mini` with `gpt-4o-mini-2024-07-18`.
///
/// ```
/// assert_eq!(rizk_test_support::openai_server::SNAPSHOT_SUFFIX, "-2024-07-18");
/// ```
pub const SNAPSHOT_SUFFIX: &str = "-2024-07-18";

fn usage() -> Value {
    json!({
        "prompt_tokens": PROMPT_TOKENS,
        "completion_tokens": COMPLETION_TOKENS,
        "total_tokens": PROMPT_TOKENS + COMPLETION_TOKENS,
        "prompt_tokens_details": {"cached_tokens": CACHED_TOKENS, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": REASONING_TOKENS, "audio_tokens": 0},
    })
}

async fn chat(stream: &mut TcpStream, shared: &Shared, body: &Value) -> bool {
    let model = model_of(body);
    match model {
        "mock-429" => {
            return respond(
                stream,
                429,
                &error_body(
                    "Rate limit reached for requests",
                    "requests",
                    Some("rate_limit_exceeded"),
                ),
            )
            .await;
        }
        "mock-500" => {
            return respond(
                stream,
                500,
                &error_body("The server had an error", "server_error", None),
            )
            .await;
        }
        _ => {}
    }
    let id = format!(
        "chatcmpl-mock-{}",
        shared.ids.fetch_add(1, Ordering::Relaxed)
    );
    let response_model = format!("{model}{SNAPSHOT_SUFFIX}");
    let answer = answer_for(body);
    let tool_arguments = shared.options.tool_arguments.as_str();
    if body.get("stream").and_then(Value::as_bool) == Some(true) {
        let include_usage = body
            .pointer("/stream_options/include_usage")
            .and_then(Value::as_bool)
            == Some(true);
        stream_chat(
            stream,
            shared.options.chunk_delay,
            &id,
            &response_model,
            &answer,
            tool_arguments,
            include_usage,
        )
        .await;
        return false;
    }
    let (message, finish) = match &answer {
        Answer::Text(text) => (json!({"role": "assistant", "content": text}), "stop"),
        Answer::ToolCall { name } => (
            json!({
                "role": "assistant",
                "content": null,
                "tool_calls": [{
                    "id": "call_mock_1",
                    "type": "function",
                    "function": {"name": name, "arguments": tool_arguments},
                }],
            }),
            "tool_calls",
        ),
    };
    let response = json!({
        "id": id,
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": response_model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": usage(),
    });
    respond(stream, 200, &response).await
}

async fn stream_chat(
    stream: &mut TcpStream,
    delay: Duration,
    id: &str,
    model: &str,
    answer: &Answer,
    tool_arguments: &str,
    include_usage: bool,
) {
    let head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\nconnection: close\r\n\r\n";
    if stream.write_all(head.as_bytes()).await.is_err() {
        return;
    }
    let chunk = |choices: Value, usage: Value| {
        json!({
            "id": id,
            "object": "chat.completion.chunk",
            "created": 1_700_000_000,
            "model": model,
            "choices": choices,
            "usage": usage,
        })
    };
    let mut events = vec![chunk(
        json!([{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": null}]),
        Value::Null,
    )];
    let finish = match answer {
        Answer::Text(text) => {
            for piece in text.split_inclusive(' ') {
                events.push(chunk(
                    json!([{"index": 0, "delta": {"content": piece}, "finish_reason": null}]),
                    Value::Null,
                ));
            }
            "stop"
        }
        Answer::ToolCall { name } => {
            events.push(chunk(
                json!([{"index": 0, "delta": {"tool_calls": [{
                    "index": 0, "id": "call_mock_1", "type": "function",
                    "function": {"name": name, "arguments": ""},
                }]}, "finish_reason": null}]),
                Value::Null,
            ));
            let (a, b) = tool_arguments.split_at(tool_arguments.len() / 2);
            for part in [a, b] {
                events.push(chunk(
                    json!([{"index": 0, "delta": {"tool_calls": [{
                        "index": 0, "function": {"arguments": part},
                    }]}, "finish_reason": null}]),
                    Value::Null,
                ));
            }
            "tool_calls"
        }
    };
    events.push(chunk(
        json!([{"index": 0, "delta": {}, "finish_reason": finish}]),
        Value::Null,
    ));
    if include_usage {
        events.push(chunk(json!([]), usage()));
    }
    for event in events {
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        let frame = format!("data: {event}\n\n");
        if stream.write_all(frame.as_bytes()).await.is_err() {
            return;
        }
    }
    let _ = stream.write_all(b"data: [DONE]\n\n").await;
    let _ = stream.shutdown().await;
}

fn embeddings(body: &Value) -> Value {
    let count = match body.get("input") {
        Some(Value::Array(items)) if items.first().is_some_and(|i| !i.is_number()) => items.len(),
        _ => 1,
    };
    let data: Vec<Value> = (0..count)
        .map(|i| {
            json!({
                "object": "embedding",
                "index": i,
                "embedding": [0.1, -0.2, 0.3, -0.4, 0.5, -0.6, 0.7, -0.8],
            })
        })
        .collect();
    json!({
        "object": "list",
        "model": model_of(body),
        "data": data,
        "usage": {"prompt_tokens": 6, "total_tokens": 6},
    })
}
