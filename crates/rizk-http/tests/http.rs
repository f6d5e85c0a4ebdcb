//! Client middleware and server layer over real HTTP on 127.0.0.1: one trace across the hop,
//! inherited attributes as baggage, bad headers, errors. One rizk pipeline for this binary,
//! exporting to memory; tests tell their spans apart by trace id.

#![allow(clippy::unwrap_used, unreachable_pub)]

use std::sync::OnceLock;

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use opentelemetry::baggage::BaggageExt;
use opentelemetry::trace::{SpanId, SpanKind, Status, TraceContextExt, TraceId};
use opentelemetry::{Context, KeyValue, Value};
use opentelemetry_sdk::trace::SpanData;
use rizk_core::export::InMemoryExporter;
use rizk_core::semconv::EntityKind;
use rizk_core::span::{EntitySpan, SpanMeta};
use rizk_core::{RizkBuilder, RizkHandle};
use rizk_http::PropagationBuilderExt as _;
use serde_json::{Value as Json, json};

struct Harness {
    handle: RizkHandle,
    spans: InMemoryExporter,
}

fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| {
        let spans = InMemoryExporter::default();
        let handle = rizk_http::register(RizkBuilder::new())
            .app_name("rizk-http-tests")
            .console_exporter(false)
            .ignore_environment()
            .baggage_attributes(["organization.id", "conversation.id", "user.id"])
            .with_exporter("memory", spans.clone())
            .init()
            .unwrap();
        Harness { handle, spans }
    })
}

impl Harness {
    fn trace(&self, trace_id: TraceId) -> Vec<SpanData> {
        self.handle.flush().unwrap();
        self.spans.trace(trace_id)
    }
}

fn span<'a>(spans: &'a [SpanData], name: &str) -> &'a SpanData {
    spans.iter().find(|s| s.name == name).unwrap_or_else(|| {
        panic!(
            "no span {name} in {:?}",
            spans.iter().map(|s| &s.name).collect::<Vec<_>>()
        )
    })
}

fn attr(span: &SpanData, key: &str) -> Option<Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| kv.value.clone())
}

fn attr_str(span: &SpanData, key: &str) -> Option<String> {
    attr(span, key).map(|v| v.as_str().into_owned())
}

static WORKFLOW: SpanMeta = SpanMeta {
    kind: EntityKind::Workflow,
    name: "gateway",
    span_name: "workflow.gateway",
    organization_id: Some("acme"),
    project_id: None,
    version: None,
    capture_input: false,
    capture_output: false,
};

static HANDLER: SpanMeta = SpanMeta {
    kind: EntityKind::Task,
    name: "handle",
    span_name: "task.handle",
    organization_id: None,
    project_id: None,
    version: None,
    capture_input: false,
    capture_output: false,
};

/// What the handler saw, as JSON: the current span, the baggage, the inherited attributes.
async fn echo(headers: HeaderMap) -> String {
    EntitySpan::start(&HANDLER)
        .run_async(
            async move {
                let cx = Context::current();
                let sc = cx.span().span_context().clone();
                let baggage: serde_json::Map<String, Json> = cx
                    .baggage()
                    .iter()
                    .map(|(k, (v, _))| (k.to_string(), Json::from(v.as_str())))
                    .collect();
                let inherited: serde_json::Map<String, Json> = rizk_core::inherited_attributes()
                    .into_iter()
                    .map(|kv| {
                        (
                            kv.key.to_string(),
                            Json::from(kv.value.as_str().into_owned()),
                        )
                    })
                    .collect();
                let header = |name: &str| {
                    headers
                        .get(name)
                        .map(|v| v.to_str().unwrap_or("").to_owned())
                };
                json!({
                    "trace_id": sc.trace_id().to_string(),
                    "span_id": sc.span_id().to_string(),
                    "sampled": sc.is_sampled(),
                    "baggage": baggage,
                    "inherited": inherited,
                    "baggage_header": header("baggage"),
                    "traceparent_header": header("traceparent"),
                })
                .to_string()
            },
            |_, _| {},
        )
        .await
}

fn app(layer: rizk_http::ServerLayer) -> Router {
    Router::new()
        .route("/echo", get(echo))
        .route(
            "/fail",
            get(|| async { (StatusCode::BAD_GATEWAY, "upstream down") }),
        )
        .layer(layer)
}

/// Serves `app` on a free port of 127.0.0.1; returns its base URL.
async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

fn client() -> reqwest_middleware::ClientWithMiddleware {
    reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(rizk_http::ClientMiddleware::new())
        .build()
}

fn kind_of(spans: &[SpanData], kind: SpanKind) -> &SpanData {
    spans
        .iter()
        .find(|s| s.span_kind == kind)
        .unwrap_or_else(|| {
            panic!(
                "no {kind:?} span in {:?}",
                spans.iter().map(|s| &s.name).collect::<Vec<_>>()
            )
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_and_server_spans_form_one_trace_with_allowed_baggage() {
    let h = harness();
    let base = serve(app(rizk_http::ServerLayer::new())).await;
    let client = client();
    let url = format!("{base}/echo?page=1&api_key=s3cr3t");
    let (trace_id, seen) = EntitySpan::start(&WORKFLOW)
        .run_async(
            async move {
                rizk_core::set_span_context([
                    KeyValue::new("conversation.id", "conv 1/2"),
                    KeyValue::new("user.id", "u-7"),
                    KeyValue::new("internal.note", "stays home"),
                ]);
                let trace_id = Context::current().span().span_context().trace_id();
                let seen: Json = serde_json::from_str(
                    &client.get(&url).send().await.unwrap().text().await.unwrap(),
                )
                .unwrap();
                (trace_id, seen)
            },
            |_, _| {},
        )
        .await;

    // The handler ran in the same trace, under the server span.
    assert_eq!(seen["trace_id"], trace_id.to_string());
    let spans = h.trace(trace_id);
    assert_eq!(
        spans.len(),
        4,
        "{:?}",
        spans.iter().map(|s| &s.name).collect::<Vec<_>>()
    );
    let workflow = span(&spans, "workflow.gateway");
    let client_span = kind_of(&spans, SpanKind::Client);
    let server = kind_of(&spans, SpanKind::Server);
    let handler = span(&spans, "task.handle");
    assert_eq!(workflow.parent_span_id, SpanId::INVALID);
    assert_eq!(client_span.parent_span_id, workflow.span_context.span_id());
    assert_eq!(server.parent_span_id, client_span.span_context.span_id());
    assert!(server.parent_span_is_remote);
    assert_eq!(handler.parent_span_id, server.span_context.span_id());
    assert_eq!(seen["span_id"], handler.span_context.span_id().to_string());

    // Client span: method, redacted URL, peer, status.
    assert_eq!(client_span.name, "GET");
    assert_eq!(
        attr_str(client_span, "http.request.method").as_deref(),
        Some("GET")
    );
    assert_eq!(
        attr_str(client_span, "url.full"),
        Some(format!("{base}/echo?page=1&api_key=REDACTED"))
    );
    assert_eq!(
        attr_str(client_span, "server.address").as_deref(),
        Some("127.0.0.1")
    );
    assert_eq!(
        attr(client_span, "http.response.status_code"),
        Some(Value::I64(200))
    );
    assert_eq!(client_span.status, Status::Unset);
    // The client span inherits the caller's attributes like any span.
    assert_eq!(
        attr_str(client_span, "conversation.id").as_deref(),
        Some("conv 1/2")
    );

    // Server span: route, path without the query, status.
    assert_eq!(server.name, "GET /echo");
    assert_eq!(attr_str(server, "http.route").as_deref(), Some("/echo"));
    assert_eq!(attr_str(server, "url.path").as_deref(), Some("/echo"));
    assert_eq!(
        attr(server, "http.response.status_code"),
        Some(Value::I64(200))
    );
    assert!(
        !server
            .attributes
            .iter()
            .any(|kv| kv.value.as_str().contains("s3cr3t"))
    );

    // Only the allowed inherited attributes left the process...
    let header = seen["baggage_header"].as_str().unwrap();
    assert!(header.contains("conversation.id=conv%201/2"), "{header}");
    assert!(header.contains("user.id=u-7"), "{header}");
    assert!(header.contains("organization.id=acme"), "{header}");
    assert!(!header.contains("internal.note"), "{header}");
    // ...and came back as inherited attributes of the server span and everything under it.
    for s in [server, handler] {
        assert_eq!(
            attr_str(s, "conversation.id").as_deref(),
            Some("conv 1/2"),
            "{}",
            s.name
        );
        assert_eq!(
            attr_str(s, "session.id").as_deref(),
            Some("conv 1/2"),
            "{}",
            s.name
        );
        assert_eq!(attr_str(s, "user.id").as_deref(), Some("u-7"), "{}", s.name);
        assert_eq!(
            attr_str(s, "organization.id").as_deref(),
            Some("acme"),
            "{}",
            s.name
        );
        assert_eq!(attr(s, "internal.note"), None, "{}", s.name);
    }
    assert_eq!(seen["inherited"]["user.id"], "u-7");
}

async fn raw_get(url: &str, headers: &[(&str, &str)]) -> Json {
    let mut request = reqwest::Client::new().get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    serde_json::from_str(&request.send().await.unwrap().text().await.unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_traceparent_starts_a_new_root_and_is_counted() {
    let h = harness();
    let base = serve(app(rizk_http::ServerLayer::new())).await;
    let before = rizk_http::malformed_headers();
    let seen = raw_get(
        &format!("{base}/echo"),
        &[
            (
                "traceparent",
                "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            ),
            ("baggage", "user.id=u-9,bad member"),
        ],
    )
    .await;
    let after = rizk_http::malformed_headers();
    assert!(after.traceparent > before.traceparent);
    assert!(after.baggage > before.baggage);
    let trace_id = TraceId::from_hex(seen["trace_id"].as_str().unwrap()).unwrap();
    assert_ne!(trace_id, TraceId::INVALID);
    let spans = h.trace(trace_id);
    let server = kind_of(&spans, SpanKind::Server);
    assert_eq!(server.parent_span_id, SpanId::INVALID, "a new root");
    // The valid baggage member still arrived.
    assert_eq!(seen["inherited"]["user.id"], "u-9");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_style_flags_and_plus_encoded_baggage_are_understood() {
    let h = harness();
    let base = serve(app(rizk_http::ServerLayer::new())).await;
    let seen = raw_get(
        &format!("{base}/echo"),
        &[
            (
                "traceparent",
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-03",
            ),
            ("tracestate", "congo=t61rcWkgMzE"),
            (
                "baggage",
                "conversation.id=s+1%2F2,user.id=u-1;prop=1,other=kept",
            ),
        ],
    )
    .await;
    assert_eq!(seen["trace_id"], "0af7651916cd43dd8448eb211c80319c");
    assert_eq!(seen["inherited"]["conversation.id"], "s 1/2");
    assert_eq!(seen["baggage"]["other"], "kept");
    assert!(
        seen["inherited"].get("other").is_none(),
        "not allowed: stays baggage only"
    );
    let spans = h.trace(TraceId::from_hex("0af7651916cd43dd8448eb211c80319c").unwrap());
    let server = kind_of(&spans, SpanKind::Server);
    assert_eq!(
        server.parent_span_id,
        SpanId::from_hex("b7ad6b7169203331").unwrap()
    );
    assert_eq!(
        server.span_context.trace_state().get("congo"),
        Some("t61rcWkgMzE")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_and_transport_errors_mark_the_spans() {
    let h = harness();
    let base = serve(app(rizk_http::ServerLayer::new())).await;
    let client = client();
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let trace_id = EntitySpan::start(&WORKFLOW)
        .run_async(
            async move {
                let response = client.get(format!("{base}/fail")).send().await.unwrap();
                assert_eq!(response.status(), 502);
                let failed = client
                    .get(format!("http://user:pw@{closed}/x?token=t0k3n"))
                    .send()
                    .await;
                assert!(failed.is_err());
                Context::current().span().span_context().trace_id()
            },
            |_, _| {},
        )
        .await;
    let spans = h.trace(trace_id);
    let clients: Vec<&SpanData> = spans
        .iter()
        .filter(|s| s.span_kind == SpanKind::Client)
        .collect();
    assert_eq!(clients.len(), 2);
    let server = kind_of(&spans, SpanKind::Server);
    assert_eq!(
        attr(server, "http.response.status_code"),
        Some(Value::I64(502))
    );
    assert!(matches!(server.status, Status::Error { .. }));
    let to_server = clients
        .iter()
        .find(|s| attr(s, "http.response.status_code").is_some())
        .unwrap();
    assert!(matches!(to_server.status, Status::Error { .. }));
    assert_eq!(attr_str(to_server, "error.type").as_deref(), Some("502"));
    let refused = clients
        .iter()
        .find(|s| attr(s, "http.response.status_code").is_none())
        .unwrap();
    assert_eq!(attr_str(refused, "error.type").as_deref(), Some("connect"));
    let Status::Error { description } = &refused.status else {
        panic!("{:?}", refused.status)
    };
    assert!(
        !description.contains("t0k3n") && !description.contains("pw"),
        "{description}"
    );
    // reqwest moves credentials from the URL into an Authorization header, which is never
    // recorded; redact_url covers URLs that keep them.
    assert_eq!(
        attr_str(refused, "url.full"),
        Some(format!("http://{closed}/x?token=REDACTED"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edge_that_refuses_baggage_still_continues_the_trace() {
    let h = harness();
    let base = serve(app(rizk_http::ServerLayer::new().accept_baggage(false))).await;
    let seen = raw_get(
        &format!("{base}/echo"),
        &[
            (
                "traceparent",
                "00-1af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            ),
            ("baggage", "user.id=admin"),
        ],
    )
    .await;
    assert_eq!(seen["trace_id"], "1af7651916cd43dd8448eb211c80319c");
    assert!(seen["baggage"].as_object().unwrap().is_empty());
    assert!(seen["inherited"].get("user.id").is_none());
    let spans = h.trace(TraceId::from_hex("1af7651916cd43dd8448eb211c80319c").unwrap());
    assert_eq!(
        kind_of(&spans, SpanKind::Server).parent_span_id,
        SpanId::from_hex("b7ad6b7169203331").unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unsampled_caller_is_followed() {
    let h = harness();
    let base = serve(app(rizk_http::ServerLayer::new())).await;
    let seen = raw_get(
        &format!("{base}/echo"),
        &[(
            "traceparent",
            "00-2af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00",
        )],
    )
    .await;
    assert_eq!(seen["trace_id"], "2af7651916cd43dd8448eb211c80319c");
    assert_eq!(seen["sampled"], false);
    assert!(
        h.trace(TraceId::from_hex("2af7651916cd43dd8448eb211c80319c").unwrap())
            .is_empty()
    );
}
