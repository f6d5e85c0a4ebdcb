//! With `trace_metadata_only(true)` nothing a `tracing` producer recorded as content leaves the
//! process: not the arguments of a `#[tracing::instrument]` function, not event messages or
//! fields, not the text of an error event. Structural keys stay, and debug events are not
//! bridged at the default event level.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};

use common::{attr, attr_str, harness_with, span};
use opentelemetry::trace::Status;
use rizk::workflow;
use rizk_core::content::WITHHELD_ERROR_DESCRIPTION;

static FORMATTED: AtomicUsize = AtomicUsize::new(0);

/// Counts every time it is formatted.
struct Question(&'static str);

impl std::fmt::Debug for Question {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        FORMATTED.fetch_add(1, Ordering::SeqCst);
        f.write_str(self.0)
    }
}

#[tracing::instrument(fields(db.system = "postgresql"))]
fn search_orders(customer: &str, question: &Question, limit: u32) -> usize {
    tracing::info!(query = ?question, "searching for {question:?}");
    tracing::debug!("pool checkout for SECRET-DEBUG-7001");
    tracing::error!("no order matches {customer}");
    0
}

#[workflow(name = "private_search")]
fn private_search() -> usize {
    search_orders("SECRET-CUSTOMER-7002", &Question("SECRET-QUESTION-7003"), 5)
}

#[test]
fn bridged_content_is_withheld_and_structure_kept() {
    let h = harness_with(|b| b.trace_metadata_only(true));
    private_search();
    let spans = h.trace_of("workflow.private_search");
    let search = span(&spans, "search_orders");

    let mut exported = Vec::new();
    for s in &spans {
        exported.push(s.name.to_string());
        exported.extend(
            s.attributes
                .iter()
                .map(|kv| format!("{}={}", kv.key, kv.value)),
        );
        for e in s.events.iter() {
            exported.push(e.name.to_string());
            exported.extend(
                e.attributes
                    .iter()
                    .map(|kv| format!("{}={}", kv.key, kv.value)),
            );
        }
        if let Status::Error { description } = &s.status {
            exported.push(description.to_string());
        }
    }
    let leaked: Vec<&String> = exported.iter().filter(|s| s.contains("SECRET-")).collect();
    assert!(leaked.is_empty(), "content left the process: {leaked:?}");
    assert_eq!(
        FORMATTED.load(Ordering::SeqCst),
        0,
        "withheld content is not even formatted"
    );
    for key in ["customer", "question", "limit"] {
        assert_eq!(attr(search, key), None, "{key}");
    }
    assert!(
        exported.iter().all(|s| !s.starts_with("rizk.content")),
        "markers never leave"
    );
    // Structure stays: the semantic-convention field, the events' level and target, the
    // failure (without its text).
    assert_eq!(attr_str(search, "db.system").as_deref(), Some("postgresql"));
    assert_eq!(search.status, Status::error(WITHHELD_ERROR_DESCRIPTION));
    let levels: Vec<String> = search
        .events
        .iter()
        .filter_map(|e| {
            e.attributes
                .iter()
                .find(|kv| kv.key.as_str() == "level")
                .map(|kv| kv.value.to_string())
        })
        .collect();
    assert_eq!(
        levels,
        ["INFO", "ERROR"],
        "debug events are not bridged by default"
    );
    assert!(
        search.events.iter().all(|e| e.name.starts_with("event ")),
        "withheld messages leave the callsite's name: {:?}",
        search.events.iter().map(|e| &e.name).collect::<Vec<_>>()
    );
}
