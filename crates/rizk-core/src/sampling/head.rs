//! The head decision at span start: the rate, per-operation rules, a custom sampler,
//! parent-based decisions, and "record everything" when tail sampling decides later. Its state
//! is swapped atomically by `update_config`.

use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use arc_swap::ArcSwap;
use opentelemetry::trace::{
    Link, SpanContext, SpanId, SpanKind, TraceContextExt, TraceFlags, TraceId,
};
use opentelemetry::{Context, KeyValue, Value};
use opentelemetry_sdk::trace::{
    IdGenerator, RandomIdGenerator, SamplingDecision, SamplingResult, ShouldSample,
};

use super::rules::{CustomSampler, SamplingContext, matches_operation, trace_id_ratio};
use crate::config::{HeadSampling, IntelligentSampling};
use crate::context;
use crate::semconv;

/// Everything a head decision depends on, swapped whole.
#[derive(Clone)]
pub(crate) struct HeadState {
    pub(crate) head: HeadSampling,
    pub(crate) operation_rates: Vec<(String, f64)>,
    pub(crate) custom: Option<Arc<dyn CustomSampler>>,
    /// Tail sampling decides: record every root, keep nothing out.
    pub(crate) tail: Option<Arc<IntelligentSampling>>,
}

/// What the head decision reads of a new span, besides its attributes.
pub(crate) struct Candidate<'a> {
    /// The parent's span context, when the parent is valid.
    pub(crate) parent: Option<&'a SpanContext>,
    pub(crate) trace_id: TraceId,
    pub(crate) span_name: &'a str,
    /// `rizk.entity.name`: operation rules match it as well as the span name.
    pub(crate) entity_name: Option<&'a str>,
}

impl HeadState {
    /// The decision of a parent-based rule: a valid parent decides for its children, except a
    /// remote one when a custom sampler is set (the sampler then decides for the new service).
    fn parent_decision(&self, parent: Option<&SpanContext>) -> Option<bool> {
        let parent = parent?;
        (self.head.parent_based && (!parent.is_remote() || self.custom.is_none()))
            .then(|| parent.is_sampled())
    }

    /// Whether [`HeadState::decide`] reads the span's attributes under `parent`: only a custom
    /// sampler does. Otherwise the decision can be taken before any attribute is built.
    pub(crate) fn reads_attributes(&self, parent: Option<&SpanContext>) -> bool {
        self.parent_decision(parent).is_none() && self.tail.is_none() && self.custom.is_some()
    }

    /// The head rule, the one place it is written: keep the span or drop it.
    pub(crate) fn decide(&self, candidate: &Candidate<'_>, attributes: &[KeyValue]) -> bool {
        if let Some(sampled) = self.parent_decision(candidate.parent) {
            return sampled;
        }
        if self.tail.is_some() {
            return true;
        }
        if let Some(custom) = &self.custom {
            let cx = SamplingContext {
                trace_id: candidate.trace_id,
                remote_parent: candidate.parent.filter(|p| p.is_remote()),
            };
            return custom.should_sample(&cx, candidate.span_name, attributes);
        }
        let answers_to = |pattern: &str| {
            matches_operation(pattern, candidate.span_name)
                || candidate
                    .entity_name
                    .is_some_and(|name| matches_operation(pattern, name))
        };
        let rate = self
            .operation_rates
            .iter()
            .find(|(pattern, _)| answers_to(pattern))
            .map_or(self.head.rate, |(_, rate)| *rate);
        trace_id_ratio(candidate.trace_id, rate)
    }
}

/// Counts of head decisions, for `get_tracing_metrics()`.
#[derive(Debug, Default)]
pub(crate) struct SamplingCounters {
    pub(crate) started: AtomicU64,
    pub(crate) sampled: AtomicU64,
}

/// rizk's `ShouldSample`: the one sampler installed in the SDK. Besides deciding, it gives a
/// kept span the attributes it inherits (`set_span_context`, organization, workflow, ...):
/// every span, whoever builds it, inherits here and only here, and a custom sampler sees them.
#[derive(Clone)]
pub(crate) struct HeadSampler {
    pub(crate) state: Arc<ArcSwap<HeadState>>,
    pub(crate) counters: Arc<SamplingCounters>,
}

impl std::fmt::Debug for HeadSampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HeadSampler")
            .field("head", &self.state.load().head)
            .finish_non_exhaustive()
    }
}

/// What [`HeadSampler::decide_early`] found before a span is built.
pub(crate) enum Early {
    /// Dropped: the span is this unsampled context, and the SDK need not be asked.
    Dropped(SpanContext),
    /// Kept, or only the span's attributes can tell: build it through the SDK, with its
    /// attributes, as the root of `root_trace` when that is set.
    Build { root_trace: Option<TraceId> },
}

impl HeadSampler {
    /// The head decision for a span about to be built, taken before its attributes exist when
    /// the rule does not read them: the macros then build nothing for a dropped span. The same
    /// [`HeadState::decide`] runs again in the SDK for a kept span, on the same trace id
    /// ([`build_root_of`]), so it keeps it again.
    pub(crate) fn decide_early(
        &self,
        parent: Option<&SpanContext>,
        span_name: &str,
        entity_name: &str,
    ) -> Early {
        let state = self.state.load();
        if state.reads_attributes(parent) {
            return Early::Build { root_trace: None };
        }
        let trace_id = parent.map_or_else(
            || RandomIdGenerator::default().new_trace_id(),
            SpanContext::trace_id,
        );
        let candidate = Candidate {
            parent,
            trace_id,
            span_name,
            entity_name: Some(entity_name),
        };
        if state.decide(&candidate, &[]) {
            return Early::Build {
                root_trace: parent.is_none().then_some(trace_id),
            };
        }
        self.counters.started.fetch_add(1, Ordering::Relaxed);
        Early::Dropped(SpanContext::new(
            trace_id,
            RandomIdGenerator::default().new_span_id(),
            TraceFlags::default(),
            false,
            parent.map(|p| p.trace_state().clone()).unwrap_or_default(),
        ))
    }
}

impl ShouldSample for HeadSampler {
    fn should_sample(
        &self,
        parent_context: Option<&Context>,
        trace_id: TraceId,
        name: &str,
        _span_kind: &SpanKind,
        attributes: &[KeyValue],
        _links: &[Link],
    ) -> SamplingResult {
        self.counters.started.fetch_add(1, Ordering::Relaxed);
        let parent_span = parent_context
            .filter(|cx| cx.has_active_span())
            .map(|cx| cx.span());
        let parent = parent_span
            .as_ref()
            .map(|s| s.span_context())
            .filter(|p| p.is_valid());
        let state = self.state.load();
        let frame = context::current_frame_for(parent.map_or(TraceId::INVALID, |p| p.trace_id()));
        // Inherited entries the span does not set itself: its own value wins.
        let inherited: Vec<KeyValue> = frame
            .as_ref()
            .map(|f| {
                f.inherited()
                    .iter()
                    .filter(|kv| !attributes.iter().any(|own| own.key == kv.key))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        let entity_name = attributes
            .iter()
            .find(|kv| kv.key.as_str() == semconv::ENTITY_NAME)
            .and_then(|kv| match &kv.value {
                Value::String(s) => Some(s.as_str()),
                _ => None,
            });
        let candidate = Candidate {
            parent,
            trace_id,
            span_name: name,
            entity_name,
        };
        let sampled = if inherited.is_empty() || !state.reads_attributes(parent) {
            state.decide(&candidate, attributes)
        } else {
            let seen: Vec<KeyValue> = attributes.iter().chain(&inherited).cloned().collect();
            state.decide(&candidate, &seen)
        };
        if sampled {
            self.counters.sampled.fetch_add(1, Ordering::Relaxed);
        }
        SamplingResult {
            decision: if sampled {
                SamplingDecision::RecordAndSample
            } else {
                SamplingDecision::Drop
            },
            attributes: if sampled { inherited } else { Vec::new() },
            trace_state: parent.map(|p| p.trace_state().clone()).unwrap_or_default(),
        }
    }
}

thread_local! {
    /// The trace id [`decide_early`](HeadSampler::decide_early) chose for the root it kept.
    static ROOT_TRACE: Cell<Option<TraceId>> = const { Cell::new(None) };
}

/// Runs `build` (which builds one root span through the SDK) so that the root gets `trace_id`.
pub(crate) fn build_root_of<R>(trace_id: Option<TraceId>, build: impl FnOnce() -> R) -> R {
    let Some(trace_id) = trace_id else {
        return build();
    };
    ROOT_TRACE.with(|slot| slot.set(Some(trace_id)));
    let built = build();
    // Taken by the id generator, unless the SDK returned early (telemetry suppressed).
    ROOT_TRACE.with(|slot| slot.set(None));
    built
}

/// The provider's id generator: random ids, except the trace id of a root whose head decision
/// was taken before it was built ([`build_root_of`]).
#[derive(Debug, Default)]
pub(crate) struct Ids;

impl IdGenerator for Ids {
    fn new_trace_id(&self) -> TraceId {
        ROOT_TRACE
            .with(Cell::take)
            .unwrap_or_else(|| RandomIdGenerator::default().new_trace_id())
    }

    fn new_span_id(&self) -> SpanId {
        RandomIdGenerator::default().new_span_id()
    }
}
