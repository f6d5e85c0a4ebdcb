//! `#[track_resource_usage]` records the figures on the span of the macro below it, for a sync
//! fn, an `async fn` and an `#[async_trait]` method (measured inside the boxed future, where the
//! span is current).

#![allow(clippy::unwrap_used)] // a test fails loudly on what it did not expect

use std::time::Duration;

use async_trait::async_trait;
use opentelemetry_sdk::trace::SpanData;
use rizk::testing::{attr, attr_f64, attr_i64, attr_str, install_harness, is_child_of, span};
use rizk::{task, tool, track_resource_usage, workflow};

/// Keeps a CPU busy for `for_how_long`.
fn spin(for_how_long: Duration) -> u64 {
    let started = std::time::Instant::now();
    let mut acc = 0u64;
    while started.elapsed() < for_how_long {
        acc = std::hint::black_box(acc.wrapping_mul(31).wrapping_add(1));
    }
    acc
}

#[track_resource_usage]
#[workflow(name = "tracked_sync")]
fn tracked_sync() -> u64 {
    untracked_step() + spin(Duration::from_millis(60))
}

#[task]
fn untracked_step() -> u64 {
    1
}

#[track_resource_usage]
#[task(name = "tracked_async")]
async fn tracked_async() -> u64 {
    tokio::task::yield_now().await;
    spin(Duration::from_millis(60))
}

#[async_trait]
trait Job {
    async fn run(&self) -> u64;
}

struct Crunch;

#[async_trait]
impl Job for Crunch {
    #[track_resource_usage]
    #[tool(name = "tracked_trait_method")]
    async fn run(&self) -> u64 {
        tokio::time::sleep(Duration::from_millis(5)).await;
        // After the await: the measurement (and its span) must still be open here.
        spin(Duration::from_millis(60))
    }
}

#[test]
fn a_sync_fn_gets_the_figures_and_its_children_do_not() {
    let h = install_harness("rizk-macros-tests", |b| b);
    tracked_sync();
    let spans = h.trace_of("workflow.tracked_sync");
    let root = span(&spans, "workflow.tracked_sync");
    check(root);
    let child = span(&spans, "task.untracked_step");
    assert!(is_child_of(child, root));
    assert!(attr(child, "rizk.resource.cpu.user_ms").is_none());
}

#[tokio::test]
async fn an_async_fn_and_an_async_trait_method_get_the_figures() {
    let h = install_harness("rizk-macros-tests", |b| b);
    tracked_async().await;
    Crunch.run().await;
    for name in ["task.tracked_async", "tool.tracked_trait_method"] {
        let spans = h.trace_of(name);
        check(span(&spans, name));
    }
}

/// The figures are on `s`: resident memory, CPU time and the note on what is not measured.
///
/// Their presence is the point: the figures are taken only if the span is current when the
/// measurement starts, and land on it only if it is still open when the measurement ends. (How
/// much CPU the spin shows depends on the machine's load and the 10 ms tick, so it is not
/// asserted beyond being counted.)
fn check(s: &SpanData) {
    assert!(
        attr_i64(s, "rizk.resource.memory.rss_bytes").unwrap() > 0,
        "{}",
        s.name
    );
    let cpu = attr_f64(s, "rizk.resource.cpu.user_ms").unwrap()
        + attr_f64(s, "rizk.resource.cpu.system_ms").unwrap();
    assert!(cpu >= 0.0, "{}: {cpu}", s.name);
    assert!(
        attr_str(s, "rizk.resource.unavailable")
            .unwrap()
            .contains("network"),
        "{}",
        s.name
    );
}
