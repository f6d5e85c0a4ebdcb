//! An `async fn`: the span covers the future from its first poll to its completion and is the
//! current span across every `.await`, on whichever worker thread the future resumes.

#![allow(clippy::unwrap_used)] // a test fails loudly on what it did not expect

use std::time::Duration;

use rizk::testing::{attr_str, install_harness, is_child_of, span};
use rizk::{tool, workflow};

const NAP: Duration = Duration::from_millis(40);

#[workflow(name = "async_research")]
async fn research(topic: String) -> usize {
    tokio::time::sleep(NAP).await;
    tokio::task::yield_now().await;
    // Made after the awaits: still a child of the workflow.
    search(&topic).await
}

#[tool]
async fn search(query: &str) -> usize {
    tokio::task::yield_now().await;
    query.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_async_fn_span_covers_its_awaits_and_parents_what_follows_them() {
    let h = install_harness("rizk-macros-tests", |b| b);
    // Created, not yet polled: nothing has started.
    let future = research("rust".into());
    tokio::time::sleep(Duration::from_millis(20)).await;
    let before_poll = std::time::SystemTime::now();
    assert_eq!(future.await, 4);
    let spans = h.trace_of("workflow.async_research");
    let root = span(&spans, "workflow.async_research");
    let tool = span(&spans, "tool.search");
    assert!(is_child_of(tool, root));
    assert!(
        root.start_time >= before_poll,
        "the span starts at the first poll"
    );
    let lasted = root.end_time.duration_since(root.start_time).unwrap();
    assert!(lasted >= NAP, "the span covers the sleep: {lasted:?}");
    assert!(tool.end_time <= root.end_time);
    assert_eq!(
        attr_str(root, "input.value").as_deref(),
        Some(r#"{"topic":"rust"}"#)
    );
    assert_eq!(attr_str(root, "output.value").as_deref(), Some("4"));
}

#[tokio::test]
async fn an_async_fn_future_is_send_and_keeps_its_trace_when_spawned() {
    let h = install_harness("rizk-macros-tests", |b| b);
    let handle = tokio::spawn(spawned_job(3));
    assert_eq!(handle.await.unwrap(), 6);
    let spans = h.trace_of("workflow.spawned_job");
    assert_eq!(spans.len(), 1);
}

#[workflow]
async fn spawned_job(n: u32) -> u32 {
    tokio::task::yield_now().await;
    n * 2
}
