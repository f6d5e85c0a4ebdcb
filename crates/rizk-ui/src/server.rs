//! The HTTP side: `POST /v1/traces` (OTLP/HTTP) and the pages and their JSON API.

use std::io::Read as _;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceResponse,
};
use serde_json::json;

use crate::error::{IngestError, UiError};
use crate::store::{ListFilter, Store};

/// The store, shared by the handlers. SQLite writes are serialized anyway; a mutex says so.
pub type SharedStore = Arc<Mutex<Store>>;

/// Limits of the receiver.
///
/// ```
/// let config = rizk_ui::ServerConfig::default();
/// assert_eq!(config.max_body_bytes, 32 << 20);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct ServerConfig {
    /// The largest request body accepted, before and after gzip (413 above it).
    pub max_body_bytes: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            max_body_bytes: 32 << 20,
        }
    }
}

#[derive(Clone)]
struct AppState {
    store: SharedStore,
    config: ServerConfig,
}

/// `google.rpc.Status`, the body of an OTLP error answer.
#[derive(Clone, PartialEq, prost::Message)]
struct RpcStatus {
    #[prost(int32, tag = "1")]
    code: i32,
    #[prost(string, tag = "2")]
    message: String,
}

/// The routes: the OTLP receiver, the page, and the JSON API.
///
/// ```
/// use std::sync::{Arc, Mutex};
///
/// let store = Arc::new(Mutex::new(rizk_ui::Store::in_memory(Default::default()).unwrap()));
/// let _app = rizk_ui::router(store, rizk_ui::ServerConfig::default());
/// ```
pub fn router(store: SharedStore, config: ServerConfig) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/v1/traces", post(ingest))
        .route("/api/traces", get(list))
        .route("/api/traces/{id}", get(trace))
        // The body limit is checked by the handler itself, to answer with an OTLP status.
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(axum::middleware::from_fn(loopback_host))
        .with_state(AppState { store, config })
}

/// Answers only requests addressed to the loopback by name. Binding 127.0.0.1 keeps other
/// machines out; this keeps out a web page the user visits that points its own host name at
/// 127.0.0.1 (DNS rebinding) to read the prompts stored here.
async fn loopback_host(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if host.is_empty() || is_loopback_host(host) {
        next.run(req).await
    } else {
        api_error(
            StatusCode::FORBIDDEN,
            format!(
                "host {host:?} is not the loopback: open the viewer and send OTLP to http://127.0.0.1:PORT or http://localhost:PORT"
            ),
        )
    }
}

fn is_loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(name, _port)| name),
    };
    matches!(
        name.to_ascii_lowercase().as_str(),
        "127.0.0.1" | "localhost" | "::1"
    )
}

async fn index() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        crate::html::page(None),
    )
}

fn json_response(status: StatusCode, v: &serde_json::Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        v.to_string(),
    )
        .into_response()
}

fn api_error(status: StatusCode, message: String) -> Response {
    json_response(status, &json!({ "error": message }))
}

async fn with_store<T: Send + 'static>(
    store: &SharedStore,
    f: impl FnOnce(&mut Store) -> Result<T, UiError> + Send + 'static,
) -> Result<T, UiError> {
    let store = store.clone();
    // SQLite blocks: keep it off the async workers.
    tokio::task::spawn_blocking(move || {
        let mut guard = store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut guard)
    })
    .await
    .unwrap_or_else(|e| {
        Err(UiError::Io {
            path: "<store task>".into(),
            source: std::io::Error::other(e.to_string()),
        })
    })
}

async fn list(State(app): State<AppState>, Query(filter): Query<ListFilter>) -> Response {
    match with_store(&app.store, move |s| s.list(&filter)).await {
        Ok(v) => json_response(StatusCode::OK, &v),
        Err(e) => api_error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

async fn trace(State(app): State<AppState>, Path(id): Path<String>) -> Response {
    let id = id.to_ascii_lowercase();
    match with_store(&app.store, move |s| s.trace(&id)).await {
        Ok(Some(v)) => json_response(StatusCode::OK, &v),
        Ok(None) => api_error(
            StatusCode::NOT_FOUND,
            "no such trace (retention may have dropped it)".into(),
        ),
        Err(e) => api_error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Encoding {
    Protobuf,
    Json,
}

fn encoding(headers: &HeaderMap) -> Result<Encoding, IngestError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if ct.starts_with("application/x-protobuf") || ct.starts_with("application/protobuf") {
        Ok(Encoding::Protobuf)
    } else if ct.starts_with("application/json") {
        Ok(Encoding::Json)
    } else {
        Err(IngestError::UnsupportedType(ct))
    }
}

fn answer(enc: Encoding, status: StatusCode, body: Vec<u8>) -> Response {
    let ct = match enc {
        Encoding::Protobuf => "application/x-protobuf",
        Encoding::Json => "application/json",
    };
    (status, [(header::CONTENT_TYPE, ct)], body).into_response()
}

fn error_answer(enc: Encoding, err: &IngestError) -> Response {
    // gRPC codes in the Status: INVALID_ARGUMENT, RESOURCE_EXHAUSTED, INTERNAL.
    let (status, code) = match err {
        IngestError::TooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, 8),
        IngestError::UnsupportedType(_) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, 3),
        IngestError::Gzip(_) | IngestError::Decode(_) => (StatusCode::BAD_REQUEST, 3),
        IngestError::Store(_) => (StatusCode::INTERNAL_SERVER_ERROR, 13),
    };
    let rpc = RpcStatus {
        code,
        message: err.to_string(),
    };
    let body = match enc {
        Encoding::Protobuf => prost::Message::encode_to_vec(&rpc),
        Encoding::Json => json!({ "code": rpc.code, "message": rpc.message })
            .to_string()
            .into_bytes(),
    };
    answer(enc, status, body)
}

async fn ingest(State(app): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let enc = match encoding(&headers) {
        Ok(enc) => enc,
        Err(e) => return error_answer(Encoding::Json, &e),
    };
    match ingest_body(&app, &headers, enc, body).await {
        Ok(response) => {
            let body = match enc {
                Encoding::Protobuf => prost::Message::encode_to_vec(&response),
                Encoding::Json => serde_json::to_vec(&response).unwrap_or_else(|_| b"{}".to_vec()),
            };
            answer(enc, StatusCode::OK, body)
        }
        Err(e) => error_answer(enc, &e),
    }
}

async fn ingest_body(
    app: &AppState,
    headers: &HeaderMap,
    enc: Encoding,
    body: Body,
) -> Result<ExportTraceServiceResponse, IngestError> {
    let limit = app.config.max_body_bytes;
    let too_large = IngestError::TooLarge { limit };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large);
    }
    let raw: Bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| IngestError::TooLarge { limit })?;
    let gzip = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("gzip"));
    let bytes = if gzip {
        // Bounded inflate: a small bomb must not fill the memory.
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&raw[..])
            .take((limit as u64).saturating_add(1))
            .read_to_end(&mut out)
            .map_err(|e| IngestError::Gzip(e.to_string()))?;
        if out.len() > limit {
            return Err(too_large);
        }
        Bytes::from(out)
    } else {
        raw
    };
    let request = match enc {
        Encoding::Protobuf => crate::otlp::decode_protobuf(&bytes),
        Encoding::Json => crate::otlp::decode_json(&bytes),
    }
    .map_err(IngestError::Decode)?;
    let (spans, rejected, why) = crate::otlp::spans_from_request(request);
    with_store(&app.store, move |s| s.insert(&spans)).await?;
    Ok(ExportTraceServiceResponse {
        partial_success: (rejected > 0).then_some(ExportTracePartialSuccess {
            rejected_spans: rejected,
            error_message: why,
        }),
    })
}

/// A viewer serving on its own thread and runtime (tests, benches, embedding in a program).
///
/// ```no_run
/// let store = rizk_ui::Store::in_memory(Default::default()).unwrap();
/// let server = rizk_ui::BackgroundServer::start(store, "127.0.0.1:0".parse().unwrap(), Default::default()).unwrap();
/// println!("OTLP endpoint: {}", server.url());
/// ```
#[derive(Debug)]
pub struct BackgroundServer {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl BackgroundServer {
    /// Binds `addr` and serves until dropped.
    ///
    /// ```no_run
    /// let store = rizk_ui::Store::in_memory(Default::default()).unwrap();
    /// let server = rizk_ui::BackgroundServer::start(store, "127.0.0.1:0".parse().unwrap(), Default::default()).unwrap();
    /// assert!(server.addr().port() > 0);
    /// ```
    pub fn start(store: Store, addr: SocketAddr, config: ServerConfig) -> Result<Self, UiError> {
        let bind = |source| UiError::Bind {
            addr: addr.to_string(),
            source,
        };
        let listener = std::net::TcpListener::bind(addr).map_err(bind)?;
        listener.set_nonblocking(true).map_err(bind)?;
        let addr = listener.local_addr().map_err(bind)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(bind)?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let app = router(Arc::new(Mutex::new(store)), config);
        let thread = std::thread::spawn(move || {
            runtime.block_on(async move {
                let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                    return;
                };
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stopped.await;
                    })
                    .await;
            });
        });
        Ok(BackgroundServer {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The bound address.
    ///
    /// ```no_run
    /// # let server = rizk_ui::BackgroundServer::start(rizk_ui::Store::in_memory(Default::default()).unwrap(), "127.0.0.1:0".parse().unwrap(), Default::default()).unwrap();
    /// let port = server.addr().port();
    /// ```
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`: the page, and the OTLP endpoint to configure.
    ///
    /// ```no_run
    /// # let server = rizk_ui::BackgroundServer::start(rizk_ui::Store::in_memory(Default::default()).unwrap(), "127.0.0.1:0".parse().unwrap(), Default::default()).unwrap();
    /// assert!(server.url().starts_with("http://"));
    /// ```
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for BackgroundServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
