//! The multi-agent trace the end-to-end tests send to real backends, and what they expect back.
//!
//! ```text
//! workflow.research_pipeline            CHAIN
//! ├── task.plan_research                CHAIN
//! ├── agent.researcher                  AGENT
//! │   ├── tool.web_search               TOOL
//! │   └── openai.chat.completions       LLM   (token counts 120 / 48 / 168)
//! ├── agent.writer                      AGENT
//! │   └── tool.fact_check               TOOL  ERROR
//! └── task.publish                      CHAIN
//! ```

#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::print_stdout)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use opentelemetry::trace::{
    FutureExt as _, Span as _, SpanKind, TraceContextExt as _, TraceId, Tracer as _,
};
use rizk::prelude::*;
use rizk::semconv;

/// The spans of the trace: (name, parent name, Phoenix span kind).
pub const EXPECTED: [(&str, Option<&str>, &str); 8] = [
    ("workflow.research_pipeline", None, "CHAIN"),
    (
        "task.plan_research",
        Some("workflow.research_pipeline"),
        "CHAIN",
    ),
    (
        "agent.researcher",
        Some("workflow.research_pipeline"),
        "AGENT",
    ),
    ("tool.web_search", Some("agent.researcher"), "TOOL"),
    ("openai.chat.completions", Some("agent.researcher"), "LLM"),
    ("agent.writer", Some("workflow.research_pipeline"), "AGENT"),
    ("tool.fact_check", Some("agent.writer"), "TOOL"),
    ("task.publish", Some("workflow.research_pipeline"), "CHAIN"),
];

pub const PROMPT_TOKENS: i64 = 120;
pub const COMPLETION_TOKENS: i64 = 48;
pub const FACT_CHECK_ERROR: &str = "source unreachable: archive.example timed out";

#[derive(Debug)]
pub struct FactCheckError;

impl std::fmt::Display for FactCheckError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(FACT_CHECK_ERROR)
    }
}

impl std::error::Error for FactCheckError {}

/// The trace id of the last run, kept out of the workflow's output (which is recorded).
static LAST_TRACE: std::sync::Mutex<Option<TraceId>> = std::sync::Mutex::new(None);

#[workflow(
    name = "research_pipeline",
    organization_id = "acme",
    project_id = "e2e"
)]
async fn research_pipeline(topic: &str) -> String {
    let trace_id = opentelemetry::Context::current()
        .span()
        .span_context()
        .trace_id();
    *LAST_TRACE.lock().unwrap() = Some(trace_id);
    let plan = plan_research(topic).await;
    let notes = researcher(&plan).await;
    let article = writer(&notes).await;
    publish(&article).await
}

#[task(name = "plan_research")]
async fn plan_research(topic: &str) -> String {
    tokio::time::sleep(Duration::from_millis(2)).await;
    format!("find three sources on {topic}")
}

#[agent(name = "researcher")]
async fn researcher(plan: &str) -> String {
    let results = web_search(plan).await;
    summarise(&results).await
}

#[tool(name = "web_search")]
async fn web_search(query: &str) -> String {
    tokio::time::sleep(Duration::from_millis(3)).await;
    format!("3 results for {query}")
}

/// A model call as a custom span: OpenInference LLM kind, integer token counts.
async fn summarise(text: &str) -> String {
    let tracer = get_tracer("e2e");
    let mut span = tracer
        .span_builder("openai.chat.completions")
        .with_kind(SpanKind::Client)
        .start(&tracer);
    span.set_attributes([
        KeyValue::new(semconv::OPENINFERENCE_SPAN_KIND, "LLM"),
        KeyValue::new(semconv::LLM_PROVIDER, "openai"),
        KeyValue::new(semconv::LLM_MODEL_NAME, "gpt-4o-mini"),
        KeyValue::new(semconv::GEN_AI_REQUEST_MODEL, "gpt-4o-mini"),
        KeyValue::new(semconv::INPUT_VALUE, format!("Summarise: {text}")),
    ]);
    let cx = opentelemetry::Context::current_with_span(span);
    async {
        tokio::time::sleep(Duration::from_millis(5)).await;
        let summary = "Three sources agree.".to_owned();
        let cx = opentelemetry::Context::current();
        let span = cx.span();
        span.set_attribute(KeyValue::new(semconv::OUTPUT_VALUE, summary.clone()));
        span.set_attribute(KeyValue::new("llm.token_count.prompt", PROMPT_TOKENS));
        span.set_attribute(KeyValue::new(
            "llm.token_count.completion",
            COMPLETION_TOKENS,
        ));
        span.set_attribute(KeyValue::new(
            "llm.token_count.total",
            PROMPT_TOKENS + COMPLETION_TOKENS,
        ));
        span.end();
        summary
    }
    .with_context(cx)
    .await
}

#[agent(name = "writer")]
async fn writer(notes: &str) -> String {
    match fact_check(notes).await {
        Ok(()) => format!("Article: {notes}"),
        Err(_) => format!("Article (unchecked): {notes}"),
    }
}

#[tool(name = "fact_check")]
async fn fact_check(claims: &str) -> Result<(), FactCheckError> {
    tokio::time::sleep(Duration::from_millis(1)).await;
    let _ = claims;
    Err(FactCheckError)
}

#[task(name = "publish")]
async fn publish(article: &str) -> String {
    format!("published: {article}")
}

/// Runs the workflow once on a fresh tokio runtime; returns its trace id (hex).
pub fn run_trace(topic: &str) -> String {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let answer = runtime.block_on(research_pipeline(topic));
    assert!(answer.starts_with("published: Article (unchecked)"));
    let trace_id = LAST_TRACE.lock().unwrap().take().unwrap();
    format!("{trace_id:032x}")
}

/// A name no other run uses (Phoenix project, Datadog session).
pub fn unique(prefix: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{prefix}-{}-{nanos}", std::process::id())
}

/// The value of a peer's `E2E_*` variable, with how to get it when it is missing.
pub fn peer(var: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| {
        panic!("{var} is not set: run `cargo xtask e2e` (or `cargo xtask peers start` and export the E2E_* values it prints)")
    })
}

/// GETs `url` and parses JSON, retrying until `ready` accepts it or `limit` passes.
///
/// A request may take all the time that is left: a backend that reads slowly (Phoenix flattens
/// every attribute of every span it returns, character by character for long strings: about
/// 6 to 16 s for 81 spans of 128 KB here) must not be handed a new request while it still works
/// on one the client gave up on, or the requests pile up and it never answers again.
pub fn get_json_until(
    url: &str,
    limit: Duration,
    ready: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let client = reqwest::blocking::Client::new();
    let start = std::time::Instant::now();
    let mut last = String::new();
    while start.elapsed() < limit {
        let left = limit
            .saturating_sub(start.elapsed())
            .max(Duration::from_secs(1));
        match client.get(url).timeout(left).send() {
            Ok(response) => {
                let status = response.status();
                let body = response.text().unwrap_or_default();
                if status.is_success()
                    && let Ok(json) = serde_json::from_str::<serde_json::Value>(&body)
                    && ready(&json)
                {
                    return json;
                }
                last = format!("{status}: {}", body.chars().take(500).collect::<String>());
            }
            Err(e) => last = e.to_string(),
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    panic!("{url} did not give the expected answer within {limit:?}; last: {last}");
}

/// Looks an attribute up in Phoenix's attributes, flat (`a.b`) or nested (`{a:{b:..}}`).
pub fn attribute<'a>(
    attributes: &'a serde_json::Value,
    key: &str,
) -> Option<&'a serde_json::Value> {
    if let Some(v) = attributes.get(key) {
        return Some(v);
    }
    let mut current = attributes;
    for part in key.split('.') {
        current = current.get(part)?;
    }
    Some(current)
}

/// Reads the trace back from Phoenix and checks everything the issue asks for.
pub fn check_phoenix(base: &str, project: &str, trace_id: &str) {
    let url = format!("{base}/v1/projects/{project}/spans?trace_id={trace_id}&limit=100");
    let json = get_json_until(&url, Duration::from_secs(30), |j| {
        j["data"]
            .as_array()
            .is_some_and(|d| d.len() >= EXPECTED.len())
    });
    let spans = json["data"].as_array().unwrap();
    assert_eq!(spans.len(), EXPECTED.len(), "{json:#}");
    let by_name = |name: &str| {
        spans
            .iter()
            .find(|s| s["name"] == name)
            .unwrap_or_else(|| panic!("no span {name} in {json:#}"))
    };
    for (name, parent, kind) in EXPECTED {
        let span = by_name(name);
        assert_eq!(span["context"]["trace_id"], trace_id, "{span:#}");
        assert_eq!(span["span_kind"], kind, "{name}: {span:#}");
        match parent {
            None => assert!(span["parent_id"].is_null(), "{name} is the root: {span:#}"),
            Some(parent) => assert_eq!(
                span["parent_id"],
                by_name(parent)["context"]["span_id"],
                "{name} is a child of {parent}"
            ),
        }
    }
    // Content of a tool and of the LLM call.
    let search = &by_name("tool.web_search")["attributes"];
    let input = attribute(search, "input.value").unwrap().as_str().unwrap();
    assert!(input.contains("find three sources"), "{search:#}");
    let output = attribute(search, "output.value").unwrap().as_str().unwrap();
    assert!(output.contains("3 results"), "{search:#}");

    let llm = &by_name("openai.chat.completions")["attributes"];
    assert_eq!(
        attribute(llm, "llm.token_count.prompt").unwrap(),
        PROMPT_TOKENS,
        "{llm:#}"
    );
    assert_eq!(
        attribute(llm, "llm.token_count.completion").unwrap(),
        COMPLETION_TOKENS
    );
    assert_eq!(
        attribute(llm, "llm.token_count.total").unwrap(),
        PROMPT_TOKENS + COMPLETION_TOKENS
    );
    assert_eq!(attribute(llm, "llm.model_name").unwrap(), "gpt-4o-mini");
    assert!(attribute(llm, "output.value").is_some());

    // The one error.
    for (name, _, _) in EXPECTED {
        let span = by_name(name);
        if name == "tool.fact_check" {
            assert_eq!(span["status_code"], "ERROR", "{span:#}");
            assert!(
                span["status_message"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("source unreachable"),
                "{span:#}"
            );
        } else {
            assert_ne!(span["status_code"], "ERROR", "{name}: {span:#}");
        }
    }
}

#[workflow(name = "burst")]
fn burst(i: usize) -> usize {
    burst_step(i) + burst_helper(i)
}

#[task(name = "step")]
fn burst_step(i: usize) -> usize {
    i % 7
}

#[agent(name = "helper")]
fn burst_helper(i: usize) -> usize {
    burst_lookup(i) + 1
}

#[tool(name = "lookup")]
fn burst_lookup(i: usize) -> usize {
    i % 3
}

/// Spans per workflow of [`run_burst`].
pub const BURST_SPANS_PER_WORKFLOW: u64 = 4;

/// Runs `workflows` four-span workflows as fast as `threads` threads can; returns the spans
/// made and how long it took.
pub fn run_burst(threads: usize, workflows: usize) -> (u64, Duration) {
    let start = std::time::Instant::now();
    let per_thread = workflows / threads;
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            std::thread::spawn(move || {
                (0..per_thread)
                    .map(|i| burst(t * per_thread + i))
                    .sum::<usize>()
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
    (
        (threads * per_thread) as u64 * BURST_SPANS_PER_WORKFLOW,
        start.elapsed(),
    )
}

/// Waits until every span that ended has been exported or lost, or `limit` passes; returns
/// the metrics then.
pub fn wait_exported(expected: u64, limit: Duration) -> rizk::TracingMetrics {
    let start = std::time::Instant::now();
    loop {
        let m = rizk::get_tracing_metrics();
        let settled = m.spans_exported
            + m.dropped_queue_full
            + m.dropped_export_failure
            + m.dropped_after_shutdown;
        if settled >= expected || start.elapsed() > limit {
            return m;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The independent OTLP/HTTP receiver (`tests/peers/otlp_receiver.py`, run with the peers'
/// Python, `E2E_PYTHON`), killed by its PID when dropped.
pub struct PythonReceiver {
    child: Child,
    pub port: u16,
}

impl PythonReceiver {
    pub fn start() -> PythonReceiver {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/peers/otlp_receiver.py");
        let (child, port) = spawn_python_server(&[script]);
        PythonReceiver { child, port }
    }

    /// What it counted: `{"spans", "requests", "largest_request", "rejected"}`.
    pub fn count(&self) -> serde_json::Value {
        self.get("count")
    }

    /// Every metrics request it received, decoded by Python's protobuf classes into the
    /// protobuf JSON mapping.
    pub fn metrics(&self) -> serde_json::Value {
        self.get("metrics")
    }

    fn get(&self, path: &str) -> serde_json::Value {
        let body = reqwest::blocking::get(format!("http://127.0.0.1:{}/{path}", self.port))
            .unwrap()
            .text()
            .unwrap();
        serde_json::from_str(&body).unwrap()
    }
}

impl Drop for PythonReceiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The peers' Python (`E2E_PYTHON`, set by `cargo xtask e2e`; else Phoenix's venv): a Python
/// with the OpenTelemetry SDK and its protobuf classes.
pub fn python() -> PathBuf {
    let python = std::env::var("E2E_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../target/peers/phoenix/bin/python"
            ))
        });
    assert!(
        python.exists(),
        "{} does not exist: run `cargo xtask peers install` (Phoenix's venv has the OpenTelemetry SDK), or set E2E_PYTHON",
        python.display()
    );
    python
}

/// Starts `python ARGS..`, a server that prints `{"port": N}` on its first line; returns it
/// (the caller kills it by its PID) and the port.
pub fn spawn_python_server(args: &[&str]) -> (Child, u16) {
    let mut child = Command::new(python())
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = serde_json::from_str::<serde_json::Value>(&line)
        .ok()
        .and_then(|v| v["port"].as_u64())
        .and_then(|p| u16::try_from(p).ok())
        .unwrap_or_else(|| panic!("the Python server {args:?} did not start: {line:?}"));
    (child, port)
}
