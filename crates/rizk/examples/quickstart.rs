//! The spec's customer-support trace, end to end, with no collector: every finished trace is
//! printed as a tree on stderr.
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! Organization `acme` > project `customer_support` > workflow `customer_chat` > tasks, an agent
//! that calls tools (one of them fails) and a simulated LLM call. Point it at a collector with
//! `OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 cargo run --example quickstart`.

#![allow(clippy::print_stdout)] // an example prints its result

use std::time::Duration;

use rizk::genai::{self, Message, Part};
use rizk::opentelemetry::trace::{FutureExt as _, SpanKind, TraceContextExt as _, Tracer as _};
use rizk::prelude::*;
use rizk::semconv;

#[derive(Debug, serde::Serialize)]
struct Ticket {
    customer: &'static str,
    question: &'static str,
}

#[derive(Debug)]
struct LookupError(&'static str);

impl std::fmt::Display for LookupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "order service unavailable: {}", self.0)
    }
}

impl std::error::Error for LookupError {}

#[workflow(
    name = "customer_chat",
    organization_id = "acme",
    project_id = "customer_support"
)]
async fn handle_customer_query(ticket: Ticket) -> String {
    set_span_context([
        KeyValue::new("conversation.id", "conv_67890"),
        KeyValue::new("user.id", ticket.customer),
    ]);
    let intent = analyse_query(ticket.question).await;
    let draft = support_assistant(ticket.question, intent).await;
    generate_response(&draft).await
}

#[task(name = "query_analysis")]
async fn analyse_query(question: &str) -> &'static str {
    tokio::time::sleep(Duration::from_millis(3)).await;
    if question.contains("password") {
        "account_access"
    } else {
        "general"
    }
}

#[agent(name = "support_assistant")]
async fn support_assistant(question: &str, intent: &str) -> String {
    let articles = knowledge_search(intent).await;
    // A failing tool: its span is marked ERROR, the agent carries on without it.
    let order = lookup_last_order("cust_42").await;
    let context = match order {
        Ok(order) => format!("{articles}; last order {order}"),
        Err(_) => articles,
    };
    call_llm(question, &context).await
}

#[tool(name = "knowledge_search")]
async fn knowledge_search(topic: &str) -> String {
    tokio::time::sleep(Duration::from_millis(8)).await;
    format!("KB-1042 ({topic}): reset via the sign-in page")
}

#[tool(name = "order_lookup")]
async fn lookup_last_order(customer_id: &str) -> Result<String, LookupError> {
    tokio::time::sleep(Duration::from_millis(2)).await;
    let _ = customer_id;
    Err(LookupError("timeout after 2 ms"))
}

/// A simulated model call, as a custom span from the OpenTelemetry tracer API: a CLIENT span
/// that starts with the keys samplers read (operation, provider, model) and records the
/// messages under both conventions, so a backend shows the conversation.
async fn call_llm(question: &str, context: &str) -> String {
    let tracer = get_tracer("quickstart");
    let system = "You are a support assistant. Answer from the knowledge base.";
    let span = tracer
        .span_builder("openai.chat.completions")
        .with_kind(SpanKind::Client)
        .with_attributes([
            KeyValue::new(semconv::OPENINFERENCE_SPAN_KIND, "LLM"),
            KeyValue::new(semconv::GEN_AI_OPERATION_NAME, "chat"),
            KeyValue::new(semconv::LLM_PROVIDER, "openai"),
            KeyValue::new(semconv::GEN_AI_PROVIDER_NAME, "openai"),
            KeyValue::new(semconv::LLM_MODEL, "gpt-4o-mini"),
            KeyValue::new(semconv::LLM_MODEL_NAME, "gpt-4o-mini"),
            KeyValue::new(semconv::GEN_AI_REQUEST_MODEL, "gpt-4o-mini"),
        ])
        .start(&tracer);
    let cx = rizk::opentelemetry::Context::current_with_span(span);
    let prompt = format!("{question}\n\nContext: {context}");
    async {
        tokio::time::sleep(Duration::from_millis(25)).await;
        let answer = format!("Based on {context}: open Settings > Security > Reset password.");
        let cx = rizk::opentelemetry::Context::current();
        let span = cx.span();
        // The conversation: content, so the content policy applies to it on export.
        let input = [Message::new("user", [Part::text(prompt.as_str())])];
        let output = [Message::new("assistant", [Part::text(answer.as_str())]).finished("stop")];
        span.set_attributes([
            KeyValue::new(
                semconv::GEN_AI_SYSTEM_INSTRUCTIONS,
                genai::system_instructions_json(&[Part::text(system)]),
            ),
            KeyValue::new(semconv::GEN_AI_INPUT_MESSAGES, genai::messages_json(&input)),
            KeyValue::new(
                semconv::GEN_AI_OUTPUT_MESSAGES,
                genai::messages_json(&output),
            ),
            KeyValue::new(semconv::INPUT_VALUE, prompt.clone()),
            KeyValue::new(semconv::INPUT_MIME_TYPE, "text/plain"),
            KeyValue::new(semconv::OUTPUT_VALUE, answer.clone()),
            KeyValue::new(semconv::OUTPUT_MIME_TYPE, "text/plain"),
            KeyValue::new("llm.input_messages.0.message.role", "system"),
            KeyValue::new("llm.input_messages.0.message.content", system),
            KeyValue::new("llm.input_messages.1.message.role", "user"),
            KeyValue::new("llm.input_messages.1.message.content", prompt.clone()),
            KeyValue::new("llm.output_messages.0.message.role", "assistant"),
            KeyValue::new("llm.output_messages.0.message.content", answer.clone()),
        ]);
        let (prompt_tokens, completion_tokens) =
            ((prompt.len() / 4) as i64, (answer.len() / 4) as i64);
        span.set_attributes([
            KeyValue::new(semconv::LLM_TOKEN_COUNT_PROMPT, prompt_tokens),
            KeyValue::new(semconv::LLM_TOKEN_COUNT_COMPLETION, completion_tokens),
            KeyValue::new(
                semconv::LLM_TOKEN_COUNT_TOTAL,
                prompt_tokens + completion_tokens,
            ),
            KeyValue::new(semconv::GEN_AI_USAGE_INPUT_TOKENS, prompt_tokens),
            KeyValue::new(semconv::GEN_AI_USAGE_OUTPUT_TOKENS, completion_tokens),
        ]);
        span.end();
        answer
    }
    .with_context(cx)
    .await
}

#[task(name = "response_generation")]
async fn generate_response(draft: &str) -> String {
    tokio::time::sleep(Duration::from_millis(2)).await;
    format!("{draft} Anything else?")
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), rizk::RizkError> {
    // No endpoint or API key configured: rizk prints every finished trace on stderr.
    let rizk = Rizk::init("customer-support-bot")?;

    let answer = handle_customer_query(Ticket {
        customer: "user_abcdef",
        question: "How can I reset my password?",
    })
    .await;
    println!("answer: {answer}");

    // Flushes within a bound. A dead collector never fails the exit: the report says what
    // was lost, and one line on stderr does too.
    rizk.shutdown();
    Ok(())
}
