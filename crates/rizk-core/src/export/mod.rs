//! Export side: the bounded queue, the console view and the test exporter.

mod budget;
mod console;
mod conventions;
mod hold;
mod jsonl;
mod limits;
mod memory;
mod pipeline;
mod queue;
mod size;
mod stages;

use std::sync::Arc;

pub use console::{ConsoleExporter, render_trace};
pub use hold::{ExportStage, StageFactory, StageSnapshot, StageStats};
pub use jsonl::JsonLinesExporter;
pub use limits::{InlineMediaTransform, LimitSnapshot, LimitStats, LimitTransform};
pub use memory::InMemoryExporter;
pub use pipeline::ExportPipeline;
pub use queue::{ExportQueue, QueueOptions, QueueSnapshot, QueueStats};

pub(crate) use conventions::ConventionTransform;
pub(crate) use stages::{StageParts, Stages};

use opentelemetry_sdk::trace::SpanExporter;

use crate::config::ExportSettings;
pub(crate) use budget::MemoryBudget;
use queue::QueueLimits;

/// The exporters being assembled at init, each behind a bounded queue of its own (so a slow
/// one cannot hold the others back), all within one memory budget.
///
/// ```
/// use rizk_core::config::ExportSettings;
/// use rizk_core::export::{ExporterSet, InMemoryExporter, QueueOptions};
///
/// let mut set = ExporterSet::new(ExportSettings::default());
/// set.add("memory", InMemoryExporter::default());
/// set.add_with("remote", InMemoryExporter::default(), QueueOptions::network(4 << 20));
/// assert_eq!(set.names(), ["memory", "remote"]);
/// ```
pub struct ExporterSet {
    settings: ExportSettings,
    budget: Arc<MemoryBudget>,
    queues: Vec<(String, ExportQueue)>,
}

impl std::fmt::Debug for ExporterSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExporterSet")
            .field("exporters", &self.names())
            .finish_non_exhaustive()
    }
}

impl ExporterSet {
    /// An empty set using `settings` (queue budget, batch size, delay, workers) for every
    /// queue.
    ///
    /// ```
    /// use rizk_core::config::ExportSettings;
    /// use rizk_core::export::ExporterSet;
    ///
    /// let set = ExporterSet::new(ExportSettings::default());
    /// assert!(set.names().is_empty());
    /// ```
    pub fn new(settings: ExportSettings) -> Self {
        let budget = Arc::new(MemoryBudget::new(
            settings.max_queue_bytes.value,
            settings.max_queue_size.as_ref().map(|s| s.value),
        ));
        ExporterSet {
            settings,
            budget,
            queues: Vec::new(),
        }
    }

    /// Adds a local exporter (one worker, requests of any size). `description` is what
    /// `get_trace_config()` shows (`console Stderr`).
    ///
    /// ```
    /// use rizk_core::config::ExportSettings;
    /// use rizk_core::export::{ExporterSet, InMemoryExporter};
    ///
    /// let mut set = ExporterSet::new(ExportSettings::default());
    /// set.add("memory", InMemoryExporter::default());
    /// assert_eq!(set.names(), ["memory"]);
    /// ```
    pub fn add<E: SpanExporter + 'static>(&mut self, description: impl Into<String>, exporter: E) {
        self.add_with(description, exporter, QueueOptions::local());
    }

    /// Adds an exporter whose queue behaves as `options` says: network exporters send
    /// concurrent requests, each under the receiver's largest (`max_export_request_bytes`
    /// when configured, else `options.max_request_bytes`).
    ///
    /// ```
    /// use rizk_core::config::ExportSettings;
    /// use rizk_core::export::{ExporterSet, InMemoryExporter, QueueOptions};
    ///
    /// let mut set = ExporterSet::new(ExportSettings::default());
    /// set.add_with("collector", InMemoryExporter::default(), QueueOptions::network(4 << 20));
    /// assert_eq!(set.names(), ["collector"]);
    /// ```
    pub fn add_with<E: SpanExporter + 'static>(
        &mut self,
        description: impl Into<String>,
        exporter: E,
        mut options: QueueOptions,
    ) {
        let description = description.into();
        let short = description
            .split_whitespace()
            .next()
            .unwrap_or("exporter")
            .to_owned();
        if let (Some(max), Some(configured)) = (
            options.max_request_bytes,
            self.settings.max_export_request_bytes.as_ref(),
        ) {
            // The user's setting wins over the exporter's default, either way.
            let _ = max;
            options.max_request_bytes = Some(configured.value);
        }
        let limits = QueueLimits {
            batch_size: self.settings.max_export_batch_size.value.max(1),
            delay: self.settings.scheduled_delay.value,
            workers: self.settings.max_concurrent_exports.value.max(1),
        };
        let queue = ExportQueue::start(short, exporter, options, limits, self.budget.clone());
        self.queues.push((description, queue));
    }

    /// The descriptions of the exporters added so far.
    ///
    /// ```
    /// use rizk_core::config::{ConsoleTarget, ExportSettings};
    /// use rizk_core::export::{ConsoleExporter, ExporterSet, InMemoryExporter};
    ///
    /// let mut set = ExporterSet::new(ExportSettings::default());
    /// set.add("console Stderr", ConsoleExporter::new(ConsoleTarget::Stderr));
    /// set.add("memory", InMemoryExporter::default());
    /// assert_eq!(set.names(), ["console Stderr", "memory"]);
    /// ```
    pub fn names(&self) -> Vec<&str> {
        self.queues.iter().map(|(name, _)| name.as_str()).collect()
    }

    /// The span processor that feeds these exporters, with no export-side stage (for
    /// embedding rizk's queues in a provider of one's own; `init` adds the stages).
    ///
    /// ```
    /// use opentelemetry::trace::{Tracer, TracerProvider};
    /// use opentelemetry_sdk::trace::SdkTracerProvider;
    /// use rizk_core::config::ExportSettings;
    /// use rizk_core::export::{ExporterSet, InMemoryExporter};
    ///
    /// let spans = InMemoryExporter::default();
    /// let mut set = ExporterSet::new(ExportSettings::default());
    /// set.add("memory", spans.clone());
    /// let provider = SdkTracerProvider::builder().with_span_processor(set.into_processor()).build();
    /// provider.tracer("doc").in_span("work", |_cx| {});
    /// provider.force_flush().unwrap();
    /// assert!(spans.find("work").is_some());
    /// ```
    pub fn into_processor(self) -> ExportPipeline {
        ExportPipeline::start(self, Stages::default(), Vec::new(), Arc::default())
    }
}

/// A finished span named `name` with string attributes, for unit tests of export-side code.
#[cfg(test)]
pub(crate) fn test_span(
    name: &'static str,
    attributes: &[(&'static str, String)],
) -> opentelemetry_sdk::trace::SpanData {
    use opentelemetry::trace::{
        SpanContext, SpanId, SpanKind, Status, TraceFlags, TraceId, TraceState,
    };
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
