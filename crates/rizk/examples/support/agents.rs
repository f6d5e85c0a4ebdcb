//! A small multi-agent request shared by the exporter examples: a workflow, a task, an agent
//! that calls a tool and a model, and a second agent whose tool fails.

use std::time::Duration;

use rizk::opentelemetry::trace::{
    FutureExt as _, Span as _, SpanKind, TraceContextExt as _, Tracer as _,
};
use rizk::prelude::*;
use rizk::semconv;

#[derive(Debug)]
pub(crate) struct SourceDown;

impl std::fmt::Display for SourceDown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("source unreachable: archive timed out")
    }
}

impl std::error::Error for SourceDown {}

#[workflow(
    name = "research_pipeline",
    organization_id = "acme",
    project_id = "examples"
)]
pub(crate) async fn research_pipeline(topic: &str) -> String {
    let plan = plan_research(topic).await;
    let notes = researcher(&plan).await;
    writer(&notes).await
}

#[task(name = "plan_research")]
async fn plan_research(topic: &str) -> String {
    format!("find three sources on {topic}")
}

#[agent(name = "researcher")]
async fn researcher(plan: &str) -> String {
    let results = web_search(plan).await;
    call_model(&results).await
}

#[tool(name = "web_search")]
async fn web_search(query: &str) -> String {
    tokio::time::sleep(Duration::from_millis(3)).await;
    format!("3 results for {query}")
}

/// A simulated model call as an OpenInference LLM span with token counts.
async fn call_model(prompt: &str) -> String {
    let tracer = get_tracer("examples");
    let mut span = tracer
        .span_builder("openai.chat.completions")
        .with_kind(SpanKind::Client)
        .start(&tracer);
    span.set_attributes([
        KeyValue::new(semconv::OPENINFERENCE_SPAN_KIND, "LLM"),
        KeyValue::new(semconv::LLM_PROVIDER, "openai"),
        KeyValue::new(semconv::LLM_MODEL_NAME, "gpt-4o-mini"),
        KeyValue::new(semconv::INPUT_VALUE, prompt.to_owned()),
    ]);
    let cx = rizk::opentelemetry::Context::current_with_span(span);
    async {
        tokio::time::sleep(Duration::from_millis(10)).await;
        let answer = "Three sources agree.".to_owned();
        let cx = rizk::opentelemetry::Context::current();
        let span = cx.span();
        span.set_attribute(KeyValue::new(semconv::OUTPUT_VALUE, answer.clone()));
        span.set_attribute(KeyValue::new("llm.token_count.prompt", 120_i64));
        span.set_attribute(KeyValue::new("llm.token_count.completion", 48_i64));
        span.set_attribute(KeyValue::new("llm.token_count.total", 168_i64));
        span.end();
        answer
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
async fn fact_check(_claims: &str) -> Result<(), SourceDown> {
    Err(SourceDown)
}

/// Prints where spans went and what the export queues counted.
pub(crate) fn report() {
    eprintln!("{}", rizk::get_trace_config());
    for (exporter, stats) in rizk::export_stats() {
        eprintln!(
            "{exporter}: {} exported, {} dropped, {} failed{}",
            stats.exported,
            stats.dropped_queue_full,
            stats.export_failed,
            stats
                .last_error
                .map(|e| format!(" ({e})"))
                .unwrap_or_default()
        );
    }
}
