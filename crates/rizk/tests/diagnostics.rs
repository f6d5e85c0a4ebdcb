//! rizk reports its own problems as `tracing` events, once per failure, with the reason.

#![allow(clippy::unwrap_used)] // a test fails loudly on what it did not expect

use std::sync::{Arc, Mutex};

use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use rizk::{Rizk, task};
use tracing_subscriber::layer::{Context, SubscriberExt};

/// A collector that refuses every batch, like one answering 503.
#[derive(Debug)]
struct Refusing;

impl SpanExporter for Refusing {
    async fn export(&self, _batch: Vec<SpanData>) -> OTelSdkResult {
        Err(OTelSdkError::InternalFailure(
            "collector answered 503 Service Unavailable".into(),
        ))
    }
}

/// Keeps the (target, level, message) of every event.
#[derive(Clone, Default)]
struct Events(Arc<Mutex<Vec<(String, tracing::Level, String)>>>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Events {
    fn on_event(&self, event: &tracing::Event<'_>, _cx: Context<'_, S>) {
        struct Message(String);
        impl tracing::field::Visit for Message {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                if field.name() == "message" {
                    self.0 = format!("{value:?}");
                }
            }
        }
        let mut message = Message(String::new());
        event.record(&mut message);
        let meta = event.metadata();
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push((meta.target().to_owned(), *meta.level(), message.0));
    }
}

#[task]
fn unit() -> u8 {
    1
}

#[test]
fn a_failing_exporter_is_reported_once_with_its_reason_and_counted() {
    let events = Events::default();
    // Global: the report comes from the export worker's thread.
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(events.clone()))
        .unwrap();
    let handle = Rizk::builder()
        .app_name("diagnostics")
        .console_exporter(false)
        .ignore_environment()
        .with_exporter("refusing", Refusing)
        .init()
        .unwrap();
    for _ in 0..5 {
        unit();
        let _ = handle.flush(); // each flush is a failed export
    }
    let warnings: Vec<_> = events
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|(target, level, _)| target == "rizk" && *level == tracing::Level::WARN)
        .cloned()
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].2.contains("503 Service Unavailable"),
        "{warnings:?}"
    );
    let m = rizk::get_tracing_metrics();
    assert_eq!(m.dropped_export_failure, 5);
    assert!(m.last_export_error.unwrap().contains("503"));
    drop(handle);
}
