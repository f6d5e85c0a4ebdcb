//! Export-side stages that hold, drop or release spans: tail sampling plugs in here.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use opentelemetry_sdk::trace::SpanData;

/// A stage every span passes through once, on the export thread, before the transforms and the
/// fan-out to the exporters' queues (the order is in `export/stages.rs`). Unlike a
/// [`crate::content::SpanTransform`] it may hold spans back and release them later (tail
/// sampling holds a trace until its root ends).
///
/// The pipeline makes one instance from a [`StageFactory`] when it is installed (and a new one
/// when the configuration is updated); decide from the trace id rather than a random number, so
/// that a decision can be repeated and tested.
///
/// ```
/// use std::time::Instant;
/// use opentelemetry_sdk::trace::SpanData;
/// use rizk_core::export::ExportStage;
///
/// /// Drops every span named "healthz".
/// struct NoHealthChecks;
/// impl ExportStage for NoHealthChecks {
///     fn process(&mut self, mut batch: Vec<SpanData>, _now: Instant) -> Vec<SpanData> {
///         batch.retain(|s| s.name != "healthz");
///         batch
///     }
///     fn tick(&mut self, _now: Instant) -> Vec<SpanData> { Vec::new() }
///     fn drain(&mut self) -> Vec<SpanData> { Vec::new() }
/// }
/// ```
pub trait ExportStage: Send + 'static {
    /// Takes ended spans; returns those to export now (any of these or earlier ones).
    fn process(&mut self, batch: Vec<SpanData>, now: Instant) -> Vec<SpanData>;
    /// Called at least once per scheduled delay and on flush: returns spans whose decision
    /// became due (a trace whose root never ended, say).
    fn tick(&mut self, now: Instant) -> Vec<SpanData>;
    /// Shutdown: decides everything still held and returns what is kept.
    fn drain(&mut self) -> Vec<SpanData>;
}

/// Counters a stage shares with `get_tracing_metrics()`.
///
/// ```
/// use rizk_core::export::StageStats;
/// let stats = StageStats::default();
/// stats.record_dropped(3);
/// assert_eq!(stats.snapshot().dropped_by_policy, 3);
/// ```
#[derive(Debug, Default)]
pub struct StageStats {
    buffered_spans: AtomicU64,
    buffered_traces: AtomicU64,
    kept: AtomicU64,
    dropped_by_policy: AtomicU64,
    forced_decisions: AtomicU64,
}

/// A copy of [`StageStats`].
///
/// ```
/// use rizk_core::export::{StageSnapshot, StageStats};
///
/// let stats = StageStats::default();
/// stats.record_kept(4);
/// assert_eq!(stats.snapshot(), StageSnapshot { kept: 4, ..StageSnapshot::default() });
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StageSnapshot {
    /// Spans held now.
    pub buffered_spans: u64,
    /// Traces held now.
    pub buffered_traces: u64,
    /// Spans released for export.
    pub kept: u64,
    /// Spans dropped by the stage's policy.
    pub dropped_by_policy: u64,
    /// Traces decided before their root ended (buffer bound or wait exceeded).
    pub forced_decisions: u64,
}

impl StageStats {
    /// Sets the current buffer occupancy.
    ///
    /// ```
    /// let stats = rizk_core::export::StageStats::default();
    /// stats.set_buffered(12, 3);
    /// let snapshot = stats.snapshot();
    /// assert_eq!((snapshot.buffered_spans, snapshot.buffered_traces), (12, 3));
    /// ```
    pub fn set_buffered(&self, spans: u64, traces: u64) {
        self.buffered_spans.store(spans, Ordering::Relaxed);
        self.buffered_traces.store(traces, Ordering::Relaxed);
    }
    /// Counts spans released for export.
    ///
    /// ```
    /// let stats = rizk_core::export::StageStats::default();
    /// stats.record_kept(2);
    /// stats.record_kept(3);
    /// assert_eq!(stats.snapshot().kept, 5);
    /// ```
    pub fn record_kept(&self, spans: u64) {
        self.kept.fetch_add(spans, Ordering::Relaxed);
    }
    /// Counts spans dropped by policy.
    ///
    /// ```
    /// let stats = rizk_core::export::StageStats::default();
    /// stats.record_dropped(7);
    /// assert_eq!(stats.snapshot().dropped_by_policy, 7);
    /// ```
    pub fn record_dropped(&self, spans: u64) {
        self.dropped_by_policy.fetch_add(spans, Ordering::Relaxed);
    }
    /// Counts a trace decided early.
    ///
    /// ```
    /// let stats = rizk_core::export::StageStats::default();
    /// stats.record_forced();
    /// assert_eq!(stats.snapshot().forced_decisions, 1);
    /// ```
    pub fn record_forced(&self) {
        self.forced_decisions.fetch_add(1, Ordering::Relaxed);
    }
    /// Reads every counter.
    ///
    /// ```
    /// use rizk_core::export::{StageSnapshot, StageStats};
    ///
    /// assert_eq!(StageStats::default().snapshot(), StageSnapshot::default());
    /// ```
    pub fn snapshot(&self) -> StageSnapshot {
        StageSnapshot {
            buffered_spans: self.buffered_spans.load(Ordering::Relaxed),
            buffered_traces: self.buffered_traces.load(Ordering::Relaxed),
            kept: self.kept.load(Ordering::Relaxed),
            dropped_by_policy: self.dropped_by_policy.load(Ordering::Relaxed),
            forced_decisions: self.forced_decisions.load(Ordering::Relaxed),
        }
    }
}

/// Makes the pipeline's [`ExportStage`], given the counters it should fill.
///
/// ```
/// use std::sync::Arc;
/// use std::time::Instant;
/// use opentelemetry_sdk::trace::SpanData;
/// use rizk_core::export::{ExportStage, StageFactory};
///
/// struct KeepAll;
/// impl ExportStage for KeepAll {
///     fn process(&mut self, batch: Vec<SpanData>, _now: Instant) -> Vec<SpanData> { batch }
///     fn tick(&mut self, _now: Instant) -> Vec<SpanData> { Vec::new() }
///     fn drain(&mut self) -> Vec<SpanData> { Vec::new() }
/// }
/// let factory: StageFactory = Arc::new(|_stats| Box::new(KeepAll));
/// let mut stage = factory(Arc::default());
/// assert!(stage.drain().is_empty());
/// ```
pub type StageFactory = Arc<dyn Fn(Arc<StageStats>) -> Box<dyn ExportStage> + Send + Sync>;
