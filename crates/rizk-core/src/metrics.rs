//! `get_tracing_metrics()`: what the pipeline did and what it costs the application.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Seconds kept for `spans_per_second`.
const WINDOW_SECONDS: u64 = 10;
const BUCKETS: usize = 16;
/// One macro span in this many has its own cost measured for `overhead_percentage`.
pub(crate) const TIMING_SAMPLE: u64 = 64;

/// Counters the application threads update; read by [`get_tracing_metrics`].
#[derive(Debug, Default)]
pub(crate) struct RuntimeMetrics {
    pub(crate) ended: AtomicU64,
    bucket_second: [AtomicU64; BUCKETS],
    bucket_count: [AtomicU64; BUCKETS],
    pub(crate) macro_spans: AtomicU64,
    pub(crate) timed_spans: AtomicU64,
    pub(crate) timed_ns: AtomicU64,
    pub(crate) roots: AtomicU64,
    pub(crate) timed_roots: AtomicU64,
    pub(crate) timed_root_ns: AtomicU64,
}

impl RuntimeMetrics {
    /// Counts a span that ended at `end` (recording spans only).
    pub(crate) fn span_ended(&self, end: SystemTime) {
        self.ended.fetch_add(1, Ordering::Relaxed);
        let second = end.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        let slot = (second % BUCKETS as u64) as usize;
        // A bucket is reused every 16 s; the first span of a new second resets it. Races only
        // blur a count by a span or two, which a rate over 10 s does not notice.
        if self.bucket_second[slot].swap(second, Ordering::Relaxed) != second {
            self.bucket_count[slot].store(0, Ordering::Relaxed);
        }
        self.bucket_count[slot].fetch_add(1, Ordering::Relaxed);
    }

    /// Spans ended per second over the last complete [`WINDOW_SECONDS`] seconds.
    pub(crate) fn spans_per_second(&self, now: SystemTime) -> f64 {
        let current = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        let mut total = 0;
        for back in 1..=WINDOW_SECONDS {
            let second = current.saturating_sub(back);
            let slot = (second % BUCKETS as u64) as usize;
            if self.bucket_second[slot].load(Ordering::Relaxed) == second {
                total += self.bucket_count[slot].load(Ordering::Relaxed);
            }
        }
        total as f64 / WINDOW_SECONDS as f64
    }

    pub(crate) fn record_timing(&self, spent: Duration) {
        self.timed_spans.fetch_add(1, Ordering::Relaxed);
        self.timed_ns
            .fetch_add(spent.as_nanos() as u64, Ordering::Relaxed);
    }

    /// Counts `n` macro spans: the span path counts them [`TIMING_SAMPLE`] at a time.
    pub(crate) fn count_macro_spans(&self, n: u64) {
        self.macro_spans.fetch_add(n, Ordering::Relaxed);
    }

    /// Counts `n` local roots, like [`RuntimeMetrics::count_macro_spans`].
    pub(crate) fn count_roots(&self, n: u64) {
        self.roots.fetch_add(n, Ordering::Relaxed);
    }

    /// Adds the duration of a timed local root.
    pub(crate) fn record_root(&self, duration: Duration) {
        self.timed_roots.fetch_add(1, Ordering::Relaxed);
        self.timed_root_ns
            .fetch_add(duration.as_nanos() as u64, Ordering::Relaxed);
    }

    /// rizk's estimated time on application threads over the time of the traced operations:
    /// (mean measured cost per span x macro spans) / (mean measured root duration x roots).
    pub(crate) fn overhead_percentage(&self) -> f64 {
        let timed = self.timed_spans.load(Ordering::Relaxed);
        let timed_roots = self.timed_roots.load(Ordering::Relaxed);
        let root_ns = self.timed_root_ns.load(Ordering::Relaxed);
        if timed == 0 || timed_roots == 0 || root_ns == 0 {
            return 0.0;
        }
        let per_span = self.timed_ns.load(Ordering::Relaxed) as f64 / timed as f64;
        let spent = per_span * self.macro_spans.load(Ordering::Relaxed) as f64;
        let per_root = root_ns as f64 / timed_roots as f64;
        let traced = per_root * self.roots.load(Ordering::Relaxed) as f64;
        100.0 * spent / traced
    }
}

/// What the tracing pipeline has done since `init`, and what it costs.
///
/// `overhead_percentage` is rizk's time on the application's threads as a percentage of the
/// time of the traced operations: one macro span in 64 has the time spent in rizk's code
/// measured (starting the span, recording, ending and queueing it), the mean is multiplied by
/// the number of macro spans, and the result divided by the summed duration of the local root
/// spans the macros created (the requests). Spans created directly through the OpenTelemetry
/// API are not in it.
///
/// ```
/// let metrics = rizk_core::get_tracing_metrics();
/// println!("Tracing overhead: {:.2}%", metrics.overhead_percentage);
/// println!("Spans per second: {}", metrics.spans_per_second);
/// if metrics.overhead_percentage > 5.0 {
///     rizk_core::update_config(rizk_core::ConfigUpdate::new().trace_sampling_rate(0.05)).ok();
/// }
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct TracingMetrics {
    /// Spans started (sampled or not), as the sampler saw them.
    pub spans_started: u64,
    /// Spans the head sampler decided to record.
    pub spans_sampled: u64,
    /// Recorded spans that ended.
    pub spans_ended: u64,
    /// Spans exporters accepted (summed over exporters).
    pub spans_exported: u64,
    /// Spans not recorded by head sampling.
    pub dropped_sampling: u64,
    /// Spans dropped because an export queue was full.
    pub dropped_queue_full: u64,
    /// Spans in batches an exporter failed to send.
    pub dropped_export_failure: u64,
    /// Spans dropped by the tail-sampling policy.
    pub dropped_tail_policy: u64,
    /// Spans that ended after shutdown.
    pub dropped_after_shutdown: u64,
    /// Spans still waiting when the shutdown bound ran out.
    pub dropped_shutdown_timeout: u64,
    /// Export requests made (summed over exporters).
    pub export_requests: u64,
    /// Spans too large for any request, sent alone with their largest values cut.
    pub oversized_spans: u64,
    /// Spans ended per second over the last 10 complete seconds.
    pub spans_per_second: f64,
    /// Spans waiting now: for the stage thread, in the exporters' queues (summed over
    /// exporters) and in requests under way.
    pub queue_depth: u64,
    /// Bytes of span data the export path holds now (see `max_queue_bytes`).
    pub queue_bytes: u64,
    /// The export path's memory bound, in bytes.
    pub max_queue_bytes: u64,
    /// Spans held by tail sampling now.
    pub tail_buffered_spans: u64,
    /// Traces held by tail sampling now.
    pub tail_buffered_traces: u64,
    /// Traces tail sampling decided before their root ended.
    pub tail_forced_decisions: u64,
    /// Inline media (data URIs, long base64 runs) in content replaced by a placeholder.
    pub media_replaced: u64,
    /// Content values cut to `max_content_length`, with a marker.
    pub truncated_content: u64,
    /// Attribute values cut to the OpenTelemetry attribute value length limit.
    pub truncated_values: u64,
    /// rizk's cost in percent of the traced operations' time (see the type's docs).
    pub overhead_percentage: f64,
    /// The last export error, if any.
    pub last_export_error: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_per_second_averages_the_last_complete_seconds() {
        let metrics = RuntimeMetrics::default();
        let base = UNIX_EPOCH + Duration::from_secs(1_000_000);
        for second in 0..10 {
            for _ in 0..50 {
                metrics.span_ended(base + Duration::from_secs(second));
            }
        }
        // At second 10 the window is seconds 0..=9: 500 spans over 10 s.
        assert_eq!(
            metrics.spans_per_second(base + Duration::from_secs(10)),
            50.0
        );
        // Much later, the window is empty.
        assert_eq!(
            metrics.spans_per_second(base + Duration::from_secs(100)),
            0.0
        );
    }

    #[test]
    fn overhead_is_measured_cost_times_spans_over_root_time() {
        let metrics = RuntimeMetrics::default();
        metrics.macro_spans.store(1000, Ordering::Relaxed);
        metrics.record_timing(Duration::from_nanos(500));
        metrics.record_timing(Duration::from_nanos(1500));
        metrics.count_roots(3);
        metrics.record_root(Duration::from_millis(10));
        metrics.record_root(Duration::from_millis(10));
        // 1000 spans x 1 µs = 1 ms, over 3 roots of 10 ms (two measured, one extrapolated).
        assert!((metrics.overhead_percentage() - 100.0 / 30.0).abs() < 1e-9);
    }
}
