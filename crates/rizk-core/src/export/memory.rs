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
    ///
    /// ```
    /// use opentelemetry::trace::Tracer;
    /// # let spans = rizk_core::export::InMemoryExporter::default();
    /// # let rizk = rizk_core::RizkBuilder::new().app_name("doc").console_exporter(false)
    /// #     .ignore_environment().with_exporter("memory", spans.clone()).init().unwrap();
    ///
    /// rizk_core::get_tracer("doc").in_span("first", |_cx| {});
    /// rizk_core::get_tracer("doc").in_span("second", |_cx| {});
    /// rizk.flush().unwrap();
    /// let names: Vec<_> = spans.spans().iter().map(|s| s.name.to_string()).collect();
    /// assert_eq!(names, ["first", "second"]);
    /// ```
    pub fn spans(&self) -> Vec<SpanData> {
        self.lock().clone()
    }

    /// The spans of one trace, ordered by start time.
    ///
    /// ```
    /// use opentelemetry::trace::Tracer;
    /// # let spans = rizk_core::export::InMemoryExporter::default();
    /// # let rizk = rizk_core::RizkBuilder::new().app_name("doc").console_exporter(false)
    /// #     .ignore_environment().with_exporter("memory", spans.clone()).init().unwrap();
    ///
    /// let tracer = rizk_core::get_tracer("doc");
    /// tracer.in_span("parent", |_cx| tracer.in_span("child", |_cx| {}));
    /// rizk.flush().unwrap();
    /// let trace_id = spans.find("child").unwrap().span_context.trace_id();
    /// let names: Vec<_> = spans.trace(trace_id).iter().map(|s| s.name.to_string()).collect();
    /// assert_eq!(names, ["parent", "child"]);
    /// ```
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
    ///
    /// ```
    /// use opentelemetry::trace::Tracer;
    /// # let spans = rizk_core::export::InMemoryExporter::default();
    /// # let rizk = rizk_core::RizkBuilder::new().app_name("doc").console_exporter(false)
    /// #     .ignore_environment().with_exporter("memory", spans.clone()).init().unwrap();
    ///
    /// rizk_core::get_tracer("doc").in_span("work", |_cx| {});
    /// rizk.flush().unwrap();
    /// assert!(spans.find("work").is_some());
    /// assert!(spans.find("missing").is_none());
    /// ```
    pub fn find(&self, name: &str) -> Option<SpanData> {
        self.lock().iter().find(|s| s.name == name).cloned()
    }

    /// The resource (`service.name`, ...) the pipeline gave this exporter, once it exported.
    ///
    /// ```
    /// use opentelemetry::trace::Tracer;
    /// # let spans = rizk_core::export::InMemoryExporter::default();
    /// # let rizk = rizk_core::RizkBuilder::new().app_name("shop").console_exporter(false)
    /// #     .ignore_environment().with_exporter("memory", spans.clone()).init().unwrap();
    ///
    /// rizk_core::get_tracer("doc").in_span("work", |_cx| {});
    /// rizk.flush().unwrap();
    /// let resource = spans.resource().unwrap();
    /// assert_eq!(resource.get(&"service.name".into()).unwrap().as_str(), "shop");
    /// ```
    pub fn resource(&self) -> Option<Resource> {
        self.resource.lock().ok().and_then(|r| r.clone())
    }

    /// Forgets every span.
    ///
    /// ```
    /// use opentelemetry::trace::Tracer;
    /// # let spans = rizk_core::export::InMemoryExporter::default();
    /// # let rizk = rizk_core::RizkBuilder::new().app_name("doc").console_exporter(false)
    /// #     .ignore_environment().with_exporter("memory", spans.clone()).init().unwrap();
    ///
    /// rizk_core::get_tracer("doc").in_span("work", |_cx| {});
    /// rizk.flush().unwrap();
    /// spans.clear();
    /// assert!(spans.spans().is_empty());
    /// ```
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
