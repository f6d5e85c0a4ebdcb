//! Export side: the bounded queue, the console view and the test exporter.

mod console;
mod jsonl;
mod limits;
mod memory;
mod queue;
mod size;
mod stage;

use std::sync::Arc;

pub use console::{ConsoleExporter, render_trace};
pub use jsonl::JsonLinesExporter;
pub use limits::{InlineMediaTransform, LimitSnapshot, LimitStats, LimitTransform};
pub use memory::InMemoryExporter;
pub use queue::{ExportQueue, QueueSnapshot, QueueStats};
pub use stage::{ExportStage, StageFactory, StageSnapshot, StageStats};

use opentelemetry_sdk::trace::SpanExporter;

use crate::config::ExportSettings;
use crate::content::SpanTransform;

/// The exporters being assembled at init: each gets its own bounded [`ExportQueue`] (so a slow
/// one cannot hold the others back) and the shared export-side transforms.
///
/// ```
/// use rizk_core::config::ExportSettings;
/// use rizk_core::export::{ExporterSet, InMemoryExporter};
///
/// let mut set = ExporterSet::new(ExportSettings::default(), Vec::new());
/// set.add("memory", InMemoryExporter::default());
/// assert_eq!(set.names(), ["memory"]);
/// ```
pub struct ExporterSet {
    settings: ExportSettings,
    transforms: Vec<Arc<dyn SpanTransform>>,
    stages: Vec<StageFactory>,
    pub(crate) queues: Vec<(String, ExportQueue)>,
}

impl std::fmt::Debug for ExporterSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExporterSet")
            .field("exporters", &self.names())
            .finish_non_exhaustive()
    }
}

impl ExporterSet {
    /// An empty set using `settings` for every queue.
    pub fn new(settings: ExportSettings, transforms: Vec<Arc<dyn SpanTransform>>) -> Self {
        ExporterSet {
            settings,
            transforms,
            stages: Vec::new(),
            queues: Vec::new(),
        }
    }

    /// Adds an export stage (tail sampling) to every exporter added after this call.
    pub fn add_stage(&mut self, stage: StageFactory) {
        self.stages.push(stage);
    }

    /// Adds an exporter behind a queue of its own. `description` is what `get_trace_config()`
    /// shows (`otlp http://collector:4318 (http/protobuf)`).
    pub fn add<E: SpanExporter + 'static>(&mut self, description: impl Into<String>, exporter: E) {
        let description = description.into();
        let short = description
            .split_whitespace()
            .next()
            .unwrap_or("exporter")
            .to_owned();
        let queue = ExportQueue::new(
            short,
            exporter,
            &self.settings,
            self.transforms.clone(),
            &self.stages,
        );
        self.queues.push((description, queue));
    }

    /// The descriptions of the exporters added so far.
    pub fn names(&self) -> Vec<&str> {
        self.queues.iter().map(|(name, _)| name.as_str()).collect()
    }
}

/// A finished span named `name` with string attributes, for unit tests of export-side code.
#[cfg(test)]
pub(crate) fn test_span(name: &'static str, attributes: &[(&'static str, String)]) -> opentelemetry_sdk::trace::SpanData {
    use opentelemetry::trace::{SpanContext, SpanId, SpanKind, Status, TraceFlags, TraceId, TraceState};
    opentelemetry_sdk::trace::SpanData {
        span_context: SpanContext::new(
            TraceId::from(1),
            SpanId::from(1),
            TraceFlags::SAMPLED,
            false,
            TraceState::default(),
        ),
        parent_span_id: SpanId::INVALID,
        parent_span_is_remote: false,
        span_kind: SpanKind::Internal,
        name: name.into(),
        start_time: std::time::SystemTime::UNIX_EPOCH,
        end_time: std::time::SystemTime::UNIX_EPOCH,
        attributes: attributes
            .iter()
            .map(|(k, v)| opentelemetry::KeyValue::new(*k, v.clone()))
            .collect(),
        dropped_attributes_count: 0,
        events: opentelemetry_sdk::trace::SpanEvents::default(),
        links: opentelemetry_sdk::trace::SpanLinks::default(),
        status: Status::Unset,
        instrumentation_scope: opentelemetry::InstrumentationScope::default(),
    }
}
