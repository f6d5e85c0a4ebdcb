//! Async code with spawned tasks and threads, all in one trace.
//!
//! ```text
//! cargo run --example async_tasks
//! ```
//!
//! A workflow fans out to three document summaries on tokio tasks (`rizk::spawn`), a blocking
//! OCR step on an OS thread (`rizk::spawn_thread`) and a `JoinSet` whose futures are bound to
//! the trace with `.in_current_trace()`. Every span lands under the workflow and inherits its
//! `set_span_context` attributes.

#![allow(clippy::print_stdout)] // an example prints its result

use std::time::Duration;

use rizk::prelude::*;

#[workflow(
    name = "batch_summaries",
    organization_id = "legal",
    project_id = "contracts"
)]
async fn summarize_batch(documents: Vec<String>) -> Vec<String> {
    set_span_context([KeyValue::new("batch.size", documents.len() as i64)]);

    // A blocking step on an OS thread, still in the trace.
    let pages = rizk::spawn_thread(|| ocr_pages(3))
        .join()
        .unwrap_or_default();

    // Concurrent tasks on the runtime.
    let handles: Vec<_> = documents
        .into_iter()
        .map(|doc| rizk::spawn(summarize(doc)))
        .collect();
    let mut summaries = Vec::new();
    for handle in handles {
        if let Ok(summary) = handle.await {
            summaries.push(summary);
        }
    }

    // Any executor: bind the future to the current trace yourself.
    let mut set = tokio::task::JoinSet::new();
    set.spawn(index_summaries(summaries.len(), pages).in_current_trace());
    while set.join_next().await.is_some() {}
    summaries
}

#[task]
fn ocr_pages(count: usize) -> usize {
    std::thread::sleep(Duration::from_millis(5));
    count
}

#[agent(name = "summarizer")]
async fn summarize(document: String) -> String {
    tokio::time::sleep(Duration::from_millis(10)).await;
    format!("summary of {document}")
}

#[task]
async fn index_summaries(count: usize, pages: usize) -> usize {
    tokio::time::sleep(Duration::from_millis(2)).await;
    count + pages
}

#[tokio::main]
async fn main() -> Result<(), rizk::RizkError> {
    let rizk = Rizk::init("async-tasks-example")?;
    let docs = vec![
        "nda.pdf".to_owned(),
        "msa.pdf".to_owned(),
        "sow.pdf".to_owned(),
    ];
    let summaries = summarize_batch(docs).await;
    println!("{} summaries", summaries.len());
    rizk.shutdown();
    Ok(())
}
