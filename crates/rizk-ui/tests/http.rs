//! The receiver and the JSON API over real HTTP: a rizk pipeline exporting OTLP/HTTP to the
//! viewer, protobuf and JSON bodies, gzip, bad and oversized bodies, restarts, retention.

#![allow(clippy::unwrap_used)] // a test fails loudly on what it did not expect

mod common;

use std::io::Write as _;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{get, serve};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span, Status};
use prost::Message as _;
use rizk::opentelemetry::trace::TraceContextExt as _;
use rizk::{Rizk, task, tool, workflow};
use rizk_ui::{BackgroundServer, Retention, ServerConfig, Store};
use serde_json::Value;

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::new()
}

fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
}

fn kv(key: &str, v: any_value::Value) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue { value: Some(v) }),
        ..Default::default()
    }
}

/// A request of one trace: a root and `children` spans under it, the last one failed.
fn request(trace: u8, children: u8, start: u64) -> ExportTraceServiceRequest {
    let mut spans = vec![Span {
        trace_id: vec![trace; 16],
        span_id: vec![trace, 0, 0, 0, 0, 0, 0, 1],
        name: format!("root-{trace}"),
        kind: 2,
        start_time_unix_nano: start,
        end_time_unix_nano: start + 10_000_000,
        ..Default::default()
    }];
    for c in 0..children {
        spans.push(Span {
            trace_id: vec![trace; 16],
            span_id: vec![trace, 0, 0, 0, 0, 0, 1, c + 2],
            parent_span_id: vec![trace, 0, 0, 0, 0, 0, 0, 1],
            name: format!("child-{c}"),
            kind: 3,
            start_time_unix_nano: start + 1_000_000,
            end_time_unix_nano: start + 2_000_000,
            attributes: vec![kv(
                "gen_ai.usage.input_tokens",
                any_value::Value::IntValue(10),
            )],
            status: (c + 1 == children).then(|| Status {
                code: 2,
                message: "boom".into(),
            }),
            ..Default::default()
        });
    }
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![kv(
                    "service.name",
                    any_value::Value::StringValue("proto-svc".into()),
                )],
                ..Default::default()
            }),
            scope_spans: vec![ScopeSpans {
                spans,
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

fn post(
    server: &BackgroundServer,
    content_type: &str,
    gzip: bool,
    body: Vec<u8>,
) -> reqwest::blocking::Response {
    let mut req = client()
        .post(format!("{}/v1/traces", server.url()))
        .header("content-type", content_type);
    if gzip {
        req = req.header("content-encoding", "gzip");
    }
    req.body(body).send().unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

// ---- a real rizk pipeline ----

#[derive(Debug)]
struct Unavailable;

impl std::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("order service unavailable")
    }
}

impl std::error::Error for Unavailable {}

#[workflow(name = "support_chat")]
fn support_chat() -> usize {
    let _ = order_lookup();
    llm_call().len()
}

#[tool(name = "order_lookup")]
fn order_lookup() -> Result<String, Unavailable> {
    Err(Unavailable)
}

#[task(name = "llm_call")]
fn llm_call() -> String {
    let cx = rizk::opentelemetry::Context::current();
    cx.span().set_attributes([
        rizk::KeyValue::new("gen_ai.usage.input_tokens", 120i64),
        rizk::KeyValue::new("gen_ai.usage.output_tokens", 30i64),
        rizk::KeyValue::new(
            "gen_ai.input.messages",
            r#"[{"role":"user","parts":[{"type":"text","content":"Where is my order?"}]}]"#,
        ),
    ]);
    "It ships tomorrow.".into()
}

#[test]
fn a_rizk_pipeline_exports_to_the_viewer_and_the_api_reads_it_back() {
    let server = serve(
        Store::in_memory(Retention::default()).unwrap(),
        ServerConfig::default(),
    );
    let handle = Rizk::builder()
        .app_name("ui-pipeline")
        .opentelemetry_endpoint(server.url())
        .console_exporter(false)
        .ignore_environment()
        .init()
        .unwrap();
    support_chat();
    handle.shutdown();

    let list = get(&server, "/api/traces?service=ui-pipeline");
    let traces = list["traces"].as_array().unwrap();
    assert_eq!(traces.len(), 1, "{list}");
    let t = &traces[0];
    assert_eq!(t["name"], "workflow.support_chat");
    assert_eq!(t["span_count"], 3);
    assert_eq!(t["error_count"], 1);
    assert_eq!(t["tokens"], 150);
    assert!(
        list["services"]
            .as_array()
            .unwrap()
            .contains(&"ui-pipeline".into())
    );

    let id = t["trace_id"].as_str().unwrap();
    let trace = get(&server, &format!("/api/traces/{id}"));
    let spans = trace["spans"].as_array().unwrap();
    let by_name = |n: &str| spans.iter().find(|s| s["name"] == n).unwrap();
    let root = by_name("workflow.support_chat");
    assert!(root["parent_id"].is_null());
    let tool = by_name("tool.order_lookup");
    assert_eq!(tool["parent_id"], root["span_id"]);
    assert_eq!(tool["status"], "error");
    let llm = by_name("task.llm_call");
    assert_eq!(llm["tokens"], 150);
    assert!(
        llm["attributes"]["gen_ai.input.messages"]
            .as_str()
            .unwrap()
            .contains("Where is my order?")
    );
    // Filters: status and text.
    let errors = get(&server, "/api/traces?status=error&q=order_lookup");
    assert_eq!(errors["traces"].as_array().unwrap().len(), 1);
    let none = get(&server, "/api/traces?status=ok&service=ui-pipeline");
    assert_eq!(none["traces"].as_array().unwrap().len(), 0);
    // The page is served, with its script inline (no fetch from anywhere else).
    let page = client().get(server.url()).send().unwrap().text().unwrap();
    assert!(page.contains("<script>") && page.contains("api/traces"));
    assert!(
        !page.contains("https://"),
        "nothing fetched from the internet"
    );
}

#[test]
fn protobuf_json_and_gzip_bodies_are_all_accepted() {
    let server = serve(
        Store::in_memory(Retention::default()).unwrap(),
        ServerConfig::default(),
    );
    let start = now_ns();
    let r = post(
        &server,
        "application/x-protobuf",
        false,
        request(1, 2, start).encode_to_vec(),
    );
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/x-protobuf");
    let body = r.bytes().unwrap();
    let answer = ExportTraceServiceResponse::decode(&body[..]).unwrap();
    assert!(answer.partial_success.is_none());

    let r = post(
        &server,
        "application/x-protobuf",
        true,
        gzip(&request(2, 1, start + 1).encode_to_vec()),
    );
    assert_eq!(r.status(), 200);

    // OTLP/JSON as the spec writes it: hex ids, camelCase, 64-bit integers as strings.
    let json = format!(
        r#"{{"resourceSpans":[{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"json-svc"}}}}]}},
        "scopeSpans":[{{"scope":{{"name":"t"}},"spans":[{{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331",
        "parentSpanId":"","name":"json-root","kind":1,"startTimeUnixNano":"{s}","endTimeUnixNano":"{e}",
        "attributes":[{{"key":"llm.token_count.total","value":{{"intValue":"42"}}}},{{"key":"llm.cost.total","value":{{"doubleValue":0.5}}}}],
        "status":{{"code":2,"message":"bad"}}}}]}}]}}]}}"#,
        s = start + 2,
        e = start + 5_000_002
    );
    let r = post(
        &server,
        "application/json",
        false,
        json.clone().into_bytes(),
    );
    assert_eq!(r.status(), 200, "{}", r.text().unwrap());
    let r = post(&server, "application/json", true, gzip(json.as_bytes()));
    assert_eq!(r.status(), 200, "a retried batch is accepted");

    let list = get(&server, "/api/traces");
    let traces = list["traces"].as_array().unwrap();
    assert_eq!(traces.len(), 3, "{list}");
    assert_eq!(traces[0]["name"], "json-root", "newest first");
    assert_eq!(traces[0]["service"], "json-svc");
    assert_eq!(
        traces[0]["span_count"], 1,
        "the duplicate span was not counted twice"
    );
    assert_eq!(traces[0]["tokens"], 42);
    assert_eq!(traces[0]["cost"], 0.5);
    assert_eq!(traces[0]["error_count"], 1);
    assert_eq!(traces[2]["name"], "root-1");
    assert_eq!(traces[2]["span_count"], 3);
    assert_eq!(traces[2]["tokens"], 20);
    let t = get(
        &server,
        &format!("/api/traces/{}", traces[2]["trace_id"].as_str().unwrap()),
    );
    assert_eq!(t["spans"][0]["kind"], "server");
    assert_eq!(t["spans"][1]["parent_id"], t["spans"][0]["span_id"]);
    assert_eq!(t["spans"][1]["offset_ms"], 1.0);

    // A span with a malformed id is rejected alone, and said so.
    let mut bad = request(3, 1, start);
    bad.resource_spans[0].scope_spans[0].spans[1].span_id = vec![1, 2, 3];
    let r = post(
        &server,
        "application/x-protobuf",
        false,
        bad.encode_to_vec(),
    );
    assert_eq!(r.status(), 200);
    let answer = ExportTraceServiceResponse::decode(&r.bytes().unwrap()[..]).unwrap();
    assert_eq!(answer.partial_success.unwrap().rejected_spans, 1);
}

/// `google.rpc.Status`, as a client reads an OTLP error.
#[derive(Clone, PartialEq, prost::Message)]
struct RpcStatus {
    #[prost(int32, tag = "1")]
    code: i32,
    #[prost(string, tag = "2")]
    message: String,
}

#[test]
fn bad_and_oversized_bodies_get_otlp_error_statuses_and_the_server_lives_on() {
    let server = serve(
        Store::in_memory(Retention::default()).unwrap(),
        ServerConfig {
            max_body_bytes: 4096,
        },
    );
    let r = post(
        &server,
        "application/x-protobuf",
        false,
        b"\xff\xff\xff not protobuf".to_vec(),
    );
    assert_eq!(r.status(), 400);
    let status = RpcStatus::decode(&r.bytes().unwrap()[..]).unwrap();
    assert_eq!(status.code, 3);
    assert!(
        status.message.contains("ExportTraceServiceRequest"),
        "{}",
        status.message
    );

    let r = post(
        &server,
        "application/json",
        false,
        b"{\"resourceSpans\": 7}".to_vec(),
    );
    assert_eq!(r.status(), 400);
    let v: Value = serde_json::from_slice(&r.bytes().unwrap()).unwrap();
    assert_eq!(v["code"], 3);

    let r = post(
        &server,
        "application/json",
        true,
        b"not gzip at all".to_vec(),
    );
    assert_eq!(r.status(), 400);
    let v: Value = serde_json::from_slice(&r.bytes().unwrap()).unwrap();
    assert!(v["message"].as_str().unwrap().contains("gzip"), "{v}");

    let r = post(&server, "application/x-protobuf", false, vec![0u8; 10_000]);
    assert_eq!(r.status(), 413);
    let status = RpcStatus::decode(&r.bytes().unwrap()[..]).unwrap();
    assert_eq!(status.code, 8);
    assert!(
        status.message.contains("--max-body-mb"),
        "{}",
        status.message
    );

    // A small gzip that inflates past the limit.
    let r = post(
        &server,
        "application/x-protobuf",
        true,
        gzip(&vec![0u8; 1 << 20]),
    );
    assert_eq!(r.status(), 413);

    let r = post(&server, "text/plain", false, b"hello".to_vec());
    assert_eq!(r.status(), 415);

    let r = client()
        .get(format!("{}/api/traces/{}", server.url(), "00".repeat(16)))
        .send()
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = client()
        .get(format!("{}/api/traces?limit=lots", server.url()))
        .send()
        .unwrap();
    assert_eq!(r.status(), 400);

    // A page elsewhere that rebinds its name to 127.0.0.1 cannot read the traces.
    let r = client()
        .get(format!("{}/api/traces", server.url()))
        .header("host", "evil.example:4318")
        .send()
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = client()
        .get(format!("{}/api/traces", server.url()))
        .header("host", format!("localhost:{}", server.addr().port()))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);

    // Still serving.
    let r = post(
        &server,
        "application/x-protobuf",
        false,
        request(4, 1, now_ns()).encode_to_vec(),
    );
    assert_eq!(r.status(), 200);
    assert_eq!(
        get(&server, "/api/traces")["traces"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

fn temp_db(name: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("rizk-ui-{name}-{}.sqlite", std::process::id()));
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", path.display()));
    }
    path
}

#[test]
fn a_restart_on_the_same_file_keeps_the_traces() {
    let path = temp_db("restart");
    {
        let server = serve(
            Store::open(&path, Retention::default()).unwrap(),
            ServerConfig::default(),
        );
        let r = post(
            &server,
            "application/x-protobuf",
            false,
            request(5, 3, now_ns()).encode_to_vec(),
        );
        assert_eq!(r.status(), 200);
    }
    let server = serve(
        Store::open(&path, Retention::default()).unwrap(),
        ServerConfig::default(),
    );
    let list = get(&server, "/api/traces");
    assert_eq!(list["traces"][0]["name"], "root-5");
    assert_eq!(list["traces"][0]["span_count"], 4);
    assert_eq!(list["span_total"], 4);
    drop(server);
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn retention_drops_the_oldest_traces_by_count_and_by_age() {
    let mut store = Store::in_memory(Retention {
        max_spans: Some(10),
        max_age: None,
    })
    .unwrap();
    let start = now_ns();
    for t in 1..=5u8 {
        let req = request(t, 2, start + u64::from(t) * 1000);
        let (spans, _, _) = rizk_ui_spans(req);
        store.insert(&spans).unwrap();
    }
    assert!(store.span_count() <= 10, "{}", store.span_count());
    let list = store.list(&Default::default()).unwrap();
    let names: Vec<&str> = list["traces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["root-5", "root-4", "root-3"]);

    // By age: a trace that ended two hours ago is gone when the store opens with 1h.
    let path = temp_db("age");
    let two_hours = Duration::from_secs(7200).as_nanos() as u64;
    {
        let mut store = Store::open(&path, Retention::default()).unwrap();
        store
            .insert(&rizk_ui_spans(request(6, 1, now_ns() - two_hours)).0)
            .unwrap();
        store
            .insert(&rizk_ui_spans(request(7, 1, now_ns())).0)
            .unwrap();
        assert_eq!(store.span_count(), 4);
    }
    let store = Store::open(
        &path,
        Retention {
            max_spans: None,
            max_age: Some(rizk_ui::parse_duration("1h").unwrap()),
        },
    )
    .unwrap();
    assert_eq!(store.span_count(), 2);
    drop(store);
    std::fs::remove_file(&path).unwrap();
}

/// The spans of a request, through the receiver's own decoding (a round trip over HTTP would
/// test the same code; this keeps retention's test free of a server).
fn rizk_ui_spans(req: ExportTraceServiceRequest) -> (Vec<rizk_ui::SpanRecord>, i64, String) {
    rizk_ui::spans_from_request(req)
}

#[test]
fn extreme_numbers_from_a_sender_do_not_break_the_store_or_the_api() {
    let server = serve(
        Store::in_memory(Retention::default()).unwrap(),
        ServerConfig::default(),
    );
    let mut req = request(8, 1, u64::MAX - 20_000_000); // past i64::MAX: stored saturated
    let child = &mut req.resource_spans[0].scope_spans[0].spans[1];
    child.end_time_unix_nano = 0; // ends before it starts
    child.attributes = vec![
        kv(
            "gen_ai.usage.input_tokens",
            any_value::Value::IntValue(i64::MAX),
        ),
        kv(
            "gen_ai.usage.output_tokens",
            any_value::Value::IntValue(i64::MAX),
        ),
    ];
    let r = post(
        &server,
        "application/x-protobuf",
        false,
        req.encode_to_vec(),
    );
    assert_eq!(r.status(), 200);
    let list = get(&server, "/api/traces");
    let id = list["traces"][0]["trace_id"].as_str().unwrap().to_owned();
    let trace = get(&server, &format!("/api/traces/{id}"));
    assert_eq!(trace["spans"].as_array().unwrap().len(), 2);
    assert_eq!(trace["spans"][1]["tokens"], i64::MAX);
}
