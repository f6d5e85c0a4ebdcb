//! A method of an `#[async_trait]` impl: async-trait turns it into a plain `fn` returning
//! `Box::pin(async move { .. })`, and the span must cover that future, not the creation of the
//! box. Before the fix the span ended as the box was returned: a child made after an `.await`
//! in the method had no parent, and the span lasted microseconds.

#![allow(clippy::unwrap_used)] // a test fails loudly on what it did not expect

use std::time::Duration;

use async_trait::async_trait;
use rizk::opentelemetry::trace::Status;
use rizk::opentelemetry::trace::TraceId;
use rizk::testing::{Harness, attr_str, install_harness, is_child_of, is_root, span};
use rizk::{agent, task, tool, workflow};

const NAP: Duration = Duration::from_millis(40);

#[async_trait]
trait Assistant {
    async fn answer(&self, question: &str) -> String;
    async fn check(&self, fail: bool) -> Result<u32, String>;
    fn describe(&self) -> String;
}

struct Bot {
    greeting: &'static str,
}

#[async_trait]
impl Assistant for Bot {
    #[agent(name = "bot")]
    async fn answer(&self, question: &str) -> String {
        tokio::time::sleep(NAP).await;
        // Made after the await: must be a child of `agent.bot`.
        let hits = lookup(question);
        format!("{} {question}: {hits}", self.greeting)
    }

    #[task(name = "bot_check")]
    async fn check(&self, fail: bool) -> Result<u32, String> {
        tokio::task::yield_now().await;
        if fail {
            return Err("check failed".to_owned());
        }
        Ok(7)
    }

    // A sync method of the same impl stays an ordinary sync span.
    #[tool(name = "bot_describe")]
    fn describe(&self) -> String {
        self.greeting.to_owned()
    }
}

#[tool]
fn lookup(question: &str) -> usize {
    question.len()
}

/// The trace of the span `name` whose `input.value` is `input` (two tests call the same method,
/// in parallel, so the name alone is ambiguous).
fn trace_with(h: &Harness, name: &str, input: &str) -> TraceId {
    h.handle.flush().unwrap();
    h.spans
        .spans()
        .iter()
        .find(|s| s.name == name && attr_str(s, "input.value").as_deref() == Some(input))
        .map_or(TraceId::INVALID, |s| s.span_context.trace_id())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_method_span_covers_the_whole_future() {
    let h = install_harness("rizk-macros-tests", |b| b);
    let bot = Bot { greeting: "hi" };
    // Created, not yet polled: the span starts at the first poll, like an `async fn`'s.
    let future = bot.answer("refund");
    tokio::time::sleep(Duration::from_millis(20)).await;
    let before_poll = std::time::SystemTime::now();
    assert_eq!(future.await, "hi refund: 6");
    let spans = h.trace(trace_with(h, "agent.bot", r#"{"question":"refund"}"#));
    assert_eq!(spans.len(), 2, "{spans:?}");
    let method = span(&spans, "agent.bot");
    let child = span(&spans, "tool.lookup");
    assert!(is_root(method));
    assert!(
        method.start_time >= before_poll,
        "the span starts at the first poll"
    );
    assert!(
        is_child_of(child, method),
        "the child after .await has the method as parent"
    );
    let lasted = method.end_time.duration_since(method.start_time).unwrap();
    assert!(
        lasted >= NAP,
        "the method span covers the sleep: {lasted:?}"
    );
    assert!(method.start_time <= child.start_time && child.end_time <= method.end_time);
    // Arguments are recorded, `self` is not; the output is the future's output.
    assert_eq!(
        attr_str(method, "input.value").as_deref(),
        Some(r#"{"question":"refund"}"#)
    );
    assert_eq!(
        attr_str(method, "output.value").as_deref(),
        Some("hi refund: 6")
    );
    assert_eq!(attr_str(method, "rizk.span.kind").as_deref(), Some("agent"));
}

#[workflow(name = "trait_caller")]
async fn trait_caller(assistant: &(dyn Assistant + Sync)) -> u32 {
    let checked = assistant.check(false).await.unwrap();
    let _ = assistant.check(true).await;
    let _ = assistant.describe();
    checked
}

#[tokio::test]
async fn the_method_nests_under_its_caller_and_records_err_as_an_error() {
    let h = install_harness("rizk-macros-tests", |b| b);
    let bot = Bot { greeting: "hello" };
    assert_eq!(trait_caller(&bot).await, 7);
    let spans = h.trace_of("workflow.trait_caller");
    let root = span(&spans, "workflow.trait_caller");
    let checks: Vec<_> = spans
        .iter()
        .filter(|s| s.name == "task.bot_check")
        .collect();
    assert_eq!(checks.len(), 2);
    for check in &checks {
        assert!(is_child_of(check, root));
    }
    let ok = checks.iter().find(|s| s.status == Status::Unset).unwrap();
    assert_eq!(attr_str(ok, "output.value").as_deref(), Some("7"));
    let failed = checks
        .iter()
        .find(|s| s.status == Status::error("check failed"))
        .unwrap();
    assert!(failed.events.iter().any(|e| e.name == "exception"));
    assert_eq!(attr_str(failed, "output.value"), None);
    let describe = span(&spans, "tool.bot_describe");
    assert!(is_child_of(describe, root));
    assert_eq!(attr_str(describe, "output.value").as_deref(), Some("hello"));
}

#[tokio::test]
async fn the_boxed_future_is_send_and_keeps_its_span_when_spawned() {
    let h = install_harness("rizk-macros-tests", |b| b);
    let bot = std::sync::Arc::new(Bot { greeting: "yo" });
    let future = {
        let bot = bot.clone();
        async move { bot.answer("spawned").await }
    };
    // `tokio::spawn` requires the boxed future to be `Send`.
    let answer = tokio::spawn(future).await.unwrap();
    assert_eq!(answer, "yo spawned: 7");
    let spans = h.trace(trace_with(h, "agent.bot", r#"{"question":"spawned"}"#));
    assert!(is_child_of(
        span(&spans, "tool.lookup"),
        span(&spans, "agent.bot")
    ));
}
