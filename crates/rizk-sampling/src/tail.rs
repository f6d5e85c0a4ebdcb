//! The tail-sampling stage: holds traces, decides them, remembers the decisions.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use opentelemetry::trace::TraceId;
use opentelemetry_sdk::trace::SpanData;
use rizk_core::export::{ExportStage, StageStats};
use rizk_core::sampling::{SamplingPolicy, TailPolicy};

use crate::decide::{self, Evidence, Rules};
use crate::hash::TraceHashing;
use crate::memory::Decisions;

/// The spans of one trace waiting for its local root.
struct Held {
    spans: Vec<SpanData>,
    /// Identifies this holding in `arrivals` (a trace id may be held again later).
    seq: u64,
}

/// A trace in the order it was first seen, for "oldest first" and the decision wait.
struct Arrival {
    trace_id: TraceId,
    seq: u64,
    first_seen: Instant,
}

/// Spans and decisions counted locally, published once per call.
#[derive(Default)]
struct Tally {
    kept: u64,
    dropped: u64,
    forced: u64,
}

/// Tail sampling of the spans of one export queue: an [`ExportStage`].
///
/// * With no tail policy ([`SamplingPolicy::tail`] is `None`) spans pass straight through.
/// * Otherwise the spans of each trace are held until its local root ends (a span without a
///   parent, or whose parent is in another process); then the whole trace is kept or dropped
///   (see `docs/sampling.md` for the rule) and the decision is remembered, so that spans of the
///   trace that end later follow it instead of leaking through.
/// * A trace whose root has not ended `decision_wait` after its first span arrived is decided
///   with what is held, in the next [`ExportStage::tick`] or [`ExportStage::process`].
/// * When holding one more span or trace would pass `max_buffered_spans` or
///   `max_buffered_traces`, the oldest trace (first seen earliest) is decided at once with what
///   it has, until the bounds hold again: the bound is never exceeded, even by one call.
/// * Decisions are remembered for `decision_wait`, and at most
///   `max(max_buffered_spans, max_buffered_traces)` of them (the oldest are forgotten first).
///   A span of a forgotten trace starts a new holding and is decided again from what arrives.
///
/// Every probability is decided from the trace id, so every instance (one per export queue)
/// and every service using the trace-id ratio rule decides a trace the same way.
///
/// Counters go to the [`StageStats`] given at construction: spans held (`set_buffered`), spans
/// released (`record_kept`), spans dropped by the policy (`record_dropped`) and traces decided
/// before their root ended (`record_forced`: buffer bound, decision wait or shutdown).
///
/// ```
/// use std::borrow::Cow;
/// use std::sync::Arc;
/// use std::time::{Duration, Instant, SystemTime};
/// use opentelemetry::trace::{SpanContext, SpanId, SpanKind, Status, TraceFlags, TraceId, TraceState};
/// use opentelemetry::InstrumentationScope;
/// use opentelemetry_sdk::trace::{SpanData, SpanEvents, SpanLinks};
/// use rizk_core::config::IntelligentSampling;
/// use rizk_core::export::{ExportStage, StageStats};
/// use rizk_core::sampling::SamplingPolicy;
/// use rizk_sampling::TailSampler;
///
/// fn span(trace: u128, id: u64, parent: u64, status: Status) -> SpanData {
///     let start = SystemTime::UNIX_EPOCH;
///     SpanData {
///         span_context: SpanContext::new(TraceId::from(trace), SpanId::from(id), TraceFlags::SAMPLED, false, TraceState::default()),
///         parent_span_id: SpanId::from(parent),
///         parent_span_is_remote: false,
///         span_kind: SpanKind::Internal,
///         name: Cow::Borrowed("task.lookup"),
///         start_time: start,
///         end_time: start + Duration::from_millis(5),
///         attributes: Vec::new(),
///         dropped_attributes_count: 0,
///         events: SpanEvents::default(),
///         links: SpanLinks::default(),
///         status,
///         instrumentation_scope: InstrumentationScope::default(),
///     }
/// }
///
/// // Keep errors; drop every other trace (default rate 0).
/// let policy = IntelligentSampling { default_rate: Some(0.0), ..IntelligentSampling::default() };
/// let stats = Arc::new(StageStats::default());
/// let mut stage = TailSampler::new(SamplingPolicy::fixed(Some(policy), 0.01), stats.clone());
/// let now = Instant::now();
///
/// // A child fails; the trace is held until its root (parent 0 = none) ends.
/// assert!(stage.process(vec![span(7, 2, 1, Status::error("timeout"))], now).is_empty());
/// assert_eq!(stats.snapshot().buffered_spans, 1);
/// let kept = stage.process(vec![span(7, 1, 0, Status::Unset)], now);
/// assert_eq!(kept.len(), 2);
///
/// // An ordinary trace is dropped whole.
/// assert!(stage.process(vec![span(8, 2, 1, Status::Unset), span(8, 1, 0, Status::Unset)], now).is_empty());
/// assert_eq!(stats.snapshot().dropped_by_policy, 2);
/// ```
pub struct TailSampler {
    policy: SamplingPolicy,
    stats: Arc<StageStats>,
    /// Traces waiting for their root.
    held: HashMap<TraceId, Held, TraceHashing>,
    /// Spans in `held`.
    held_spans: usize,
    /// Traces in the order first seen; entries of traces decided since are skipped (and
    /// compacted away when they outnumber the live ones).
    arrivals: VecDeque<Arrival>,
    /// Recent decisions, by trace.
    decided: Decisions,
    /// The operation patterns of the policy in force, compiled.
    rules: Option<Rules>,
    /// The policy of the last call that had one: decides what is held if tail sampling is
    /// switched off while traces wait.
    last: Option<TailPolicy>,
    next_seq: u64,
    tally: Tally,
}

impl fmt::Debug for TailSampler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TailSampler")
            .field("held_traces", &self.held.len())
            .field("held_spans", &self.held_spans)
            .field("remembered_decisions", &self.decided.len())
            .finish_non_exhaustive()
    }
}

impl TailSampler {
    /// A stage reading `policy` on every call and counting into `stats`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use rizk_core::export::StageStats;
    /// use rizk_core::sampling::SamplingPolicy;
    /// use rizk_sampling::TailSampler;
    ///
    /// let stage = TailSampler::new(SamplingPolicy::fixed(None, 1.0), Arc::new(StageStats::default()));
    /// assert_eq!(stage.held_spans(), 0);
    /// ```
    pub fn new(policy: SamplingPolicy, stats: Arc<StageStats>) -> Self {
        TailSampler {
            policy,
            stats,
            held: HashMap::default(),
            held_spans: 0,
            arrivals: VecDeque::new(),
            decided: Decisions::new(),
            rules: None,
            last: None,
            next_seq: 0,
            tally: Tally::default(),
        }
    }

    /// Spans held now, waiting for their traces to be decided.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use rizk_core::export::StageStats;
    /// # use rizk_core::sampling::SamplingPolicy;
    /// # let stage = rizk_sampling::TailSampler::new(SamplingPolicy::fixed(None, 1.0), Arc::new(StageStats::default()));
    /// assert_eq!(stage.held_spans(), 0);
    /// ```
    pub fn held_spans(&self) -> usize {
        self.held_spans
    }

    /// Traces held now.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use rizk_core::export::StageStats;
    /// # use rizk_core::sampling::SamplingPolicy;
    /// # let stage = rizk_sampling::TailSampler::new(SamplingPolicy::fixed(None, 1.0), Arc::new(StageStats::default()));
    /// assert_eq!(stage.held_traces(), 0);
    /// ```
    pub fn held_traces(&self) -> usize {
        self.held.len()
    }

    /// Decisions remembered now (for spans of decided traces that end later).
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use rizk_core::export::StageStats;
    /// # use rizk_core::sampling::SamplingPolicy;
    /// # let stage = rizk_sampling::TailSampler::new(SamplingPolicy::fixed(None, 1.0), Arc::new(StageStats::default()));
    /// assert_eq!(stage.remembered_decisions(), 0);
    /// ```
    pub fn remembered_decisions(&self) -> usize {
        self.decided.len()
    }

    /// Takes one ended span.
    fn accept(&mut self, tail: &TailPolicy, span: SpanData, now: Instant, out: &mut Vec<SpanData>) {
        let trace_id = span.span_context.trace_id();
        let root = decide::is_local_root(&span);
        if let Some(held) = self.held.get_mut(&trace_id) {
            if !root {
                held.spans.push(span);
                self.held_spans += 1;
                self.enforce_bounds(tail, now, out);
                return;
            }
            if let Some(held) = self.held.remove(&trace_id) {
                self.held_spans -= held.spans.len();
                let mut spans = held.spans;
                spans.push(span);
                let root = spans.len() - 1;
                self.decide(tail, trace_id, spans, Evidence::Root(root), now, out);
            }
            return;
        }
        if let Some(keep) = self.decided.get(trace_id) {
            // A span that ended after its trace was decided follows the decision.
            self.pass_or_drop(keep, span, out);
            return;
        }
        if root {
            // A trace whose root ends first (or alone): decided at once, nothing held.
            let keep = decide::keep(
                tail,
                self.rules(tail),
                trace_id,
                std::slice::from_ref(&span),
                Evidence::Root(0),
            );
            self.remember(tail, trace_id, keep, now);
            self.pass_or_drop(keep, span, out);
            return;
        }
        let seq = self.next_seq();
        let mut spans = Vec::with_capacity(4);
        spans.push(span);
        self.held.insert(trace_id, Held { spans, seq });
        self.held_spans += 1;
        self.arrivals.push_back(Arrival {
            trace_id,
            seq,
            first_seen: now,
        });
        self.enforce_bounds(tail, now, out);
    }

    /// Passes one span on when its trace is kept, and counts it either way.
    fn pass_or_drop(&mut self, keep: bool, span: SpanData, out: &mut Vec<SpanData>) {
        if keep {
            self.tally.kept += 1;
            out.push(span);
        } else {
            self.tally.dropped += 1;
        }
    }

    fn next_seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    /// Decides the oldest traces early until the bounds hold.
    fn enforce_bounds(&mut self, tail: &TailPolicy, now: Instant, out: &mut Vec<SpanData>) {
        let max_spans = tail.policy.max_buffered_spans.max(1);
        let max_traces = tail.policy.max_buffered_traces.max(1);
        while self.held_spans > max_spans || self.held.len() > max_traces {
            let Some((trace_id, spans)) = self.pop_oldest(None) else {
                break;
            };
            self.force(tail, trace_id, spans, now, out);
        }
        self.compact_arrivals();
    }

    /// Removes the oldest held trace; with `due`, only if it was first seen at or before it.
    fn pop_oldest(&mut self, due: Option<Instant>) -> Option<(TraceId, Vec<SpanData>)> {
        while let Some(front) = self.arrivals.front() {
            let live = self
                .held
                .get(&front.trace_id)
                .is_some_and(|h| h.seq == front.seq);
            if !live {
                self.arrivals.pop_front();
                continue;
            }
            if due.is_some_and(|due| front.first_seen > due) {
                return None;
            }
            let trace_id = front.trace_id;
            self.arrivals.pop_front();
            let held = self.held.remove(&trace_id)?;
            self.held_spans -= held.spans.len();
            return Some((trace_id, held.spans));
        }
        None
    }

    /// Decides the traces first seen `decision_wait` or longer ago.
    fn decide_overdue(&mut self, tail: &TailPolicy, now: Instant, out: &mut Vec<SpanData>) {
        if let Some(due) = now.checked_sub(tail.policy.decision_wait) {
            while let Some((trace_id, spans)) = self.pop_oldest(Some(due)) {
                self.force(tail, trace_id, spans, now, out);
            }
        }
    }

    /// Drops the arrivals of traces decided since, once they outnumber the live ones.
    fn compact_arrivals(&mut self) {
        if self.arrivals.len() > 2 * self.held.len() + 1024 {
            let held = &self.held;
            self.arrivals
                .retain(|a| held.get(&a.trace_id).is_some_and(|h| h.seq == a.seq));
        }
    }

    /// Decides a trace before its root ended.
    fn force(
        &mut self,
        tail: &TailPolicy,
        trace_id: TraceId,
        spans: Vec<SpanData>,
        now: Instant,
        out: &mut Vec<SpanData>,
    ) {
        self.tally.forced += 1;
        self.decide(tail, trace_id, spans, Evidence::Partial, now, out);
    }

    fn decide(
        &mut self,
        tail: &TailPolicy,
        trace_id: TraceId,
        spans: Vec<SpanData>,
        evidence: Evidence,
        now: Instant,
        out: &mut Vec<SpanData>,
    ) {
        let keep = decide::keep(tail, self.rules(tail), trace_id, &spans, evidence);
        self.remember(tail, trace_id, keep, now);
        if keep {
            self.tally.kept += spans.len() as u64;
            out.extend(spans);
        } else {
            self.tally.dropped += spans.len() as u64;
        }
    }

    fn remember(&mut self, tail: &TailPolicy, trace_id: TraceId, keep: bool, now: Instant) {
        self.decided
            .insert(trace_id, keep, now, decision_capacity(tail));
    }

    /// The compiled rules of `tail`, compiled again when the policy changed.
    fn rules(&mut self, tail: &TailPolicy) -> &Rules {
        if !self
            .rules
            .as_ref()
            .is_some_and(|r| r.compiled_from(&tail.policy))
        {
            self.rules = None;
        }
        self.rules.get_or_insert_with(|| Rules::new(&tail.policy))
    }

    /// Forgets decisions older than the decision wait, and beyond the capacity.
    fn expire_decisions(&mut self, tail: &TailPolicy, now: Instant) {
        self.decided
            .expire(now, tail.policy.decision_wait, decision_capacity(tail));
    }

    /// Decides everything held with `tail`; returns the kept spans.
    fn decide_all(&mut self, tail: &TailPolicy, now: Instant) -> Vec<SpanData> {
        let mut out = Vec::new();
        while let Some((trace_id, spans)) = self.pop_oldest(None) {
            self.force(tail, trace_id, spans, now, &mut out);
        }
        self.arrivals.clear();
        out
    }

    /// No tail policy now: pass spans through (following remembered decisions while any are
    /// left, and deciding what was held under the previous policy).
    fn pass_through(&mut self, mut batch: Vec<SpanData>, now: Instant) -> Vec<SpanData> {
        if self.held.is_empty() && self.decided.is_empty() {
            if !batch.is_empty() {
                self.stats.record_kept(batch.len() as u64);
            }
            return batch;
        }
        let mut out = match self.last.clone() {
            Some(last) => {
                let out = self.decide_all(&last, now);
                self.expire_decisions(&last, now);
                out
            }
            None => Vec::new(),
        };
        let before = batch.len();
        let decided = &self.decided;
        batch.retain(|span| decided.get(span.span_context.trace_id()).unwrap_or(true));
        self.tally.dropped += (before - batch.len()) as u64;
        self.tally.kept += batch.len() as u64;
        out.append(&mut batch);
        self.publish();
        out
    }

    /// Publishes the counters of this call.
    fn publish(&mut self) {
        let tally = std::mem::take(&mut self.tally);
        if tally.kept > 0 {
            self.stats.record_kept(tally.kept);
        }
        if tally.dropped > 0 {
            self.stats.record_dropped(tally.dropped);
        }
        for _ in 0..tally.forced {
            self.stats.record_forced();
        }
        self.stats
            .set_buffered(self.held_spans as u64, self.held.len() as u64);
    }
}

/// How many decisions are remembered at most.
fn decision_capacity(tail: &TailPolicy) -> usize {
    tail.policy
        .max_buffered_spans
        .max(tail.policy.max_buffered_traces)
        .max(1)
}

impl ExportStage for TailSampler {
    fn process(&mut self, batch: Vec<SpanData>, now: Instant) -> Vec<SpanData> {
        let Some(tail) = self.policy.tail() else {
            return self.pass_through(batch, now);
        };
        self.expire_decisions(&tail, now);
        let mut out = Vec::with_capacity(batch.len());
        for span in batch {
            self.accept(&tail, span, now, &mut out);
        }
        // Here too, not only in `tick`: a worker kept busy by full batches may tick late.
        self.decide_overdue(&tail, now, &mut out);
        self.last = Some(tail);
        self.publish();
        out
    }

    fn tick(&mut self, now: Instant) -> Vec<SpanData> {
        let Some(tail) = self.policy.tail() else {
            return self.pass_through(Vec::new(), now);
        };
        let mut out = Vec::new();
        self.decide_overdue(&tail, now, &mut out);
        // The bounds may have been lowered by `update_config`.
        self.enforce_bounds(&tail, now, &mut out);
        self.expire_decisions(&tail, now);
        self.last = Some(tail);
        self.publish();
        out
    }

    fn drain(&mut self) -> Vec<SpanData> {
        let now = Instant::now();
        let out = match self.policy.tail().or_else(|| self.last.clone()) {
            Some(tail) => self.decide_all(&tail, now),
            None => Vec::new(),
        };
        self.publish();
        out
    }
}
