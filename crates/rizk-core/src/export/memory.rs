//! An exporter that keeps spans in memory, for tests.

use std::sync::{Arc, Mutex, MutexGuard};

use opentelemetry::trace::TraceId;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

/// Keeps every exported span in memory; clones share the same store.
///
/// Install it with `RizkBuilder::with_exporter`, run the code under test, call `flush()` on the
/// handle, then read the spans back.
///
/// ```
/// use rizk_core::export::InMemoryExporter;
///
/// let exporter = InMemoryExporter::default();
/// assert!(exporter.spans().is_empty());
/// ```
#[derive(Clone, Debug, Default)]
pub struct InMemoryExporter {
    spans: Arc<Mutex<Vec<SpanData>>>,
    resource: Arc<Mutex<Option<Resource>>>,
}

impl InMemoryExporter {
    fn lock(&self) -> MutexGuard<'_, Vec<SpanData>> {
        // A test that panicked while holding the lock leaves the data intact; keep reading it.
        self.spans
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Every span exported so far, in export order.
    pub fn spans(&self) -> Vec<SpanData> {
        self.lock().clone()
    }

    /// The spans of one trace, ordered by start time.
    pub fn trace(&self, trace_id: TraceId) -> Vec<SpanData> {
        let mut spans: Vec<SpanData> = self
            .lock()
            .iter()
            .filter(|s| s.span_context.trace_id() == trace_id)
            .cloned()
            .collect();
        spans.sort_by_key(|s| s.start_time);
        spans
    }

    /// The first span with this name.
    pub fn find(&self, name: &str) -> Option<SpanData> {
        self.lock().iter().find(|s| s.name == name).cloned()
    }

    /// The resource (`service.name`, ...) the pipeline gave this exporter, once it exported.
    pub fn resource(&self) -> Option<Resource> {
        self.resource.lock().ok().and_then(|r| r.clone())
    }

    /// Forgets every span.
    pub fn clear(&self) {
        self.lock().clear();
    }
}

impl SpanExporter for InMemoryExporter {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        self.lock().extend(batch);
        Ok(())
    }

    fn set_resource(&mut self, resource: &Resource) {
        if let Ok(mut slot) = self.resource.lock() {
            *slot = Some(resource.clone());
        }
    }
}
