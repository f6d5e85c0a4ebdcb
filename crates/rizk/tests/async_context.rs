//! The current span across `.await`, spawned tasks, threads and many concurrent tasks.

#![allow(clippy::unwrap_used)] // a test fails loudly on what it did not expect

mod common;

use std::time::Duration;

use common::{attr, attr_str, harness, is_child_of, is_root, span};
use opentelemetry::trace::TraceId;
use rizk::{PropagateExt, agent, task, tool, workflow};

#[workflow(name = "async_chat")]
async fn async_chat(question: String) -> Result<String, std::io::Error> {
    let first = research(&question).await?;
    tokio::task::yield_now().await;
    let second = research("follow-up").await?;
    Ok(format!("{first}+{second}"))
}

#[agent]
async fn research(topic: &str) -> Result<String, std::io::Error> {
    tokio::time::sleep(Duration::from_millis(2)).await;
    let hits = search(topic).await;
    tokio::task::yield_now().await;
    Ok(format!("{topic}:{hits}"))
}

#[tool]
async fn search(query: &str) -> usize {
    tokio::time::sleep(Duration::from_millis(1)).await;
    query.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_stay_current_across_awaits_on_a_multi_threaded_runtime() {
    let h = harness();
    let answer = async_chat("refund".into()).await.unwrap();
    assert_eq!(answer, "refund:6+follow-up:9");
    let spans = h.trace_of("workflow.async_chat");
    assert_eq!(spans.len(), 5);
    let root = span(&spans, "workflow.async_chat");
    let agents: Vec<_> = spans
        .iter()
        .filter(|s| s.name == "agent.research")
        .collect();
    let tools: Vec<_> = spans.iter().filter(|s| s.name == "tool.search").collect();
    assert_eq!((agents.len(), tools.len()), (2, 2));
    for agent in &agents {
        assert!(is_child_of(agent, root));
        assert!(
            tools.iter().any(|t| is_child_of(t, agent)),
            "each agent has its tool as child"
        );
    }
    // The workflow lasted across its awaits: it starts before and ends after its children.
    for s in &spans {
        assert!(
            root.start_time <= s.start_time && s.end_time <= root.end_time,
            "{}",
            s.name
        );
    }
    assert_eq!(
        attr_str(root, "input.value").as_deref(),
        Some(r#"{"question":"refund"}"#)
    );
}

#[workflow(name = "fan_out")]
async fn fan_out() -> usize {
    let spawned = rizk::spawn(child_job(1));
    let manual = tokio::spawn(child_job(2).in_current_trace());
    let thread = rizk::spawn_thread(|| blocking_job(3));
    let job = rizk::ensure_context_propagation(|| blocking_job(4));
    let plain_thread = std::thread::spawn(job);
    spawned.await.unwrap()
        + manual.await.unwrap()
        + thread.join().unwrap()
        + plain_thread.join().unwrap()
}

#[task]
async fn child_job(n: usize) -> usize {
    tokio::time::sleep(Duration::from_millis(1)).await;
    n
}

#[task]
fn blocking_job(n: usize) -> usize {
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spawned_tasks_and_threads_stay_in_the_trace() {
    let h = harness();
    assert_eq!(fan_out().await, 10);
    let spans = h.trace_of("workflow.fan_out");
    let root = span(&spans, "workflow.fan_out");
    let children: Vec<_> = spans
        .iter()
        .filter(|s| s.name != "workflow.fan_out")
        .collect();
    assert_eq!(
        children.len(),
        4,
        "{:?}",
        spans.iter().map(|s| &s.name).collect::<Vec<_>>()
    );
    for child in children {
        assert!(
            is_child_of(child, root),
            "{} is a child of the workflow",
            child.name
        );
        assert_eq!(
            attr_str(child, "rizk.workflow.name").as_deref(),
            Some("fan_out"),
            "inherits across spawn"
        );
    }
}

#[task]
async fn unspawned_job() -> u8 {
    1
}

#[workflow(name = "lost_context")]
async fn lost_context() -> TraceId {
    // Without propagation a spawned task starts a trace of its own: what the helpers prevent.
    tokio::spawn(unspawned_job()).await.unwrap();
    rizk::current_span().span_context().trace_id()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_spawn_does_not_carry_the_context() {
    let h = harness();
    let trace_id = lost_context().await;
    let spans = h.trace(trace_id);
    assert_eq!(
        spans.len(),
        1,
        "the spawned task is not in the workflow's trace"
    );
    let orphan = h
        .spans
        .spans()
        .into_iter()
        .find(|s| s.name == "task.unspawned_job")
        .unwrap();
    assert!(is_root(&orphan));
}

#[workflow(name = "concurrent_request")]
async fn concurrent_request(id: usize) -> TraceId {
    tokio::time::sleep(Duration::from_millis((id % 5) as u64)).await;
    step(id).await;
    rizk::current_span().span_context().trace_id()
}

#[task]
async fn step(id: usize) -> usize {
    tokio::task::yield_now().await;
    id * 2
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_concurrent_requests_are_sixty_four_separate_traces() {
    let h = harness();
    let tasks: Vec<_> = (0..64)
        .map(|id| tokio::spawn(concurrent_request(id)))
        .collect();
    let mut traces = Vec::new();
    for t in tasks {
        traces.push(t.await.unwrap());
    }
    let distinct: std::collections::HashSet<TraceId> = traces.iter().copied().collect();
    assert_eq!(distinct.len(), 64, "every request got its own trace");
    for (i, trace_id) in traces.iter().enumerate() {
        let spans = h.trace(*trace_id);
        assert_eq!(spans.len(), 2, "trace {i}");
        let root = span(&spans, "workflow.concurrent_request");
        let child = span(&spans, "task.step");
        assert!(is_child_of(child, root));
        // Inputs did not cross between concurrent requests.
        assert_eq!(
            attr_str(root, "input.value"),
            attr_str(child, "input.value"),
            "the child saw its own request's id"
        );
    }
}

#[workflow(name = "cancelled_work")]
async fn cancelled_work() {
    tokio::time::sleep(Duration::from_secs(3600)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_future_dropped_before_completion_ends_its_span_as_cancelled() {
    let h = harness();
    let outcome = tokio::time::timeout(Duration::from_millis(5), cancelled_work()).await;
    assert!(outcome.is_err());
    let spans = h.trace_of("workflow.cancelled_work");
    assert_eq!(
        attr(&spans[0], "rizk.cancelled"),
        Some(opentelemetry::Value::Bool(true))
    );
}
