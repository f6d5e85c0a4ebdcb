//! A `Result` return: `Ok` is the output, `Err` marks the span as failed (status ERROR and an
//! `exception` event) and reaches the caller unchanged, `?` converts errors as it did without the
//! macro; a panic is an error too and keeps unwinding.

#![allow(clippy::unwrap_used)] // a test fails loudly on what it did not expect

use rizk::opentelemetry::trace::Status;
use rizk::testing::{attr_str, install_harness, is_child_of, span};
use rizk::{task, tool, workflow};

#[derive(Debug)]
struct QuotaError(u32);

impl std::fmt::Display for QuotaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "quota exceeded by {}", self.0)
    }
}

impl std::error::Error for QuotaError {}

#[derive(Debug)]
struct AppError(String);

impl From<QuotaError> for AppError {
    fn from(e: QuotaError) -> Self {
        AppError(e.to_string())
    }
}

#[workflow(name = "sync_errors")]
fn sync_errors(over: u32) -> Result<u32, AppError> {
    let ok = quota(0)?;
    // `?` converts QuotaError into AppError, as without the macro.
    let failed = quota(over)?;
    Ok(ok + failed)
}

#[task]
fn quota(over: u32) -> Result<u32, QuotaError> {
    if over > 0 {
        Err(QuotaError(over))
    } else {
        Ok(10)
    }
}

#[workflow(name = "async_errors")]
async fn async_errors() -> std::io::Result<u32> {
    tokio::task::yield_now().await;
    let n = io_step(false).await?;
    io_step(true).await?;
    Ok(n)
}

#[tool]
async fn io_step(fail: bool) -> std::io::Result<u32> {
    tokio::task::yield_now().await;
    if fail {
        return Err(std::io::Error::other("disk full"));
    }
    Ok(1)
}

#[workflow(name = "panicking")]
fn panicking() -> Result<(), AppError> {
    panic!("boom");
}

fn exception_type(s: &opentelemetry_sdk::trace::SpanData) -> String {
    let event = s.events.iter().find(|e| e.name == "exception").unwrap();
    event
        .attributes
        .iter()
        .find(|kv| kv.key.as_str() == "exception.type")
        .map(|kv| kv.value.to_string())
        .unwrap()
}

#[test]
fn err_marks_the_span_failed_and_ok_is_the_output() {
    let h = install_harness("rizk-macros-tests", |b| b);
    let error = sync_errors(3).unwrap_err();
    assert_eq!(error.0, "quota exceeded by 3");
    let spans = h.trace_of("workflow.sync_errors");
    let root = span(&spans, "workflow.sync_errors");
    let quotas: Vec<_> = spans.iter().filter(|s| s.name == "task.quota").collect();
    assert_eq!(quotas.len(), 2);
    let ok = quotas.iter().find(|s| s.status == Status::Unset).unwrap();
    assert!(is_child_of(ok, root));
    assert_eq!(attr_str(ok, "output.value").as_deref(), Some("10"));
    let failed = quotas
        .iter()
        .find(|s| s.status == Status::error("quota exceeded by 3"))
        .unwrap();
    assert!(exception_type(failed).ends_with("QuotaError"));
    assert_eq!(
        attr_str(failed, "output.value"),
        None,
        "an Err is not an output"
    );
    // The workflow failed with the converted error, described by its Debug text (AppError
    // has no Display).
    assert!(matches!(root.status, Status::Error { .. }));
    assert!(exception_type(root).ends_with("AppError"));
}

#[tokio::test]
async fn err_of_an_async_fn_under_a_result_alias_marks_the_span_failed() {
    let h = install_harness("rizk-macros-tests", |b| b);
    let error = async_errors().await.unwrap_err();
    assert_eq!(error.to_string(), "disk full");
    let spans = h.trace_of("workflow.async_errors");
    let root = span(&spans, "workflow.async_errors");
    assert_eq!(root.status, Status::error("disk full"));
    let steps: Vec<_> = spans.iter().filter(|s| s.name == "tool.io_step").collect();
    assert_eq!(steps.len(), 2);
    assert!(steps.iter().any(|s| s.status == Status::error("disk full")));
    assert!(steps.iter().any(|s| s.status == Status::Unset));
}

#[test]
fn a_panic_is_an_error_and_keeps_unwinding() {
    let h = install_harness("rizk-macros-tests", |b| b);
    assert!(std::panic::catch_unwind(panicking).is_err());
    let spans = h.trace_of("workflow.panicking");
    let root = span(&spans, "workflow.panicking");
    assert_eq!(root.status, Status::error("boom"));
    assert_eq!(exception_type(root), "panic");
}
