//! Sampling: the head decision at span start (`head.rs`), the rules users write ([`CustomSampler`], [`trace_id_ratio`], [`matches_operation`]) and the live policy
//! handed to the tail-sampling stage ([`SamplingPolicy`]).

mod head;
pub(crate) mod rules;

use std::sync::Arc;

use arc_swap::ArcSwap;

pub(crate) use head::{Early, HeadSampler, HeadState, Ids, SamplingCounters, build_root_of};
pub use rules::{CustomSampler, SamplingContext, matches_operation, trace_id_ratio};

use crate::config::{HeadSampling, IntelligentSampling};

/// The tail-sampling policy in force, for export stages: read it on every decision, since
/// `update_config` may change it at any time.
///
/// ```
/// use rizk_core::config::IntelligentSampling;
/// use rizk_core::sampling::SamplingPolicy;
///
/// let policy = SamplingPolicy::fixed(Some(IntelligentSampling::default()), 0.2);
/// let tail = policy.tail().unwrap();
/// assert_eq!(tail.default_rate, 0.2); // no default_rate of its own: trace_sampling_rate
/// assert_eq!(tail.policy.error_sampling_rate, 1.0);
/// ```
#[derive(Debug, Clone)]
pub struct TailPolicy {
    /// The configured policy.
    pub policy: Arc<IntelligentSampling>,
    /// The rate of traces that match no rule: `policy.default_rate`, else `trace_sampling_rate`.
    pub default_rate: f64,
}

/// A live view of the sampling configuration, handed to export stages.
///
/// ```
/// use rizk_core::sampling::SamplingPolicy;
/// fn stage_sees(policy: &SamplingPolicy) -> bool {
///     policy.tail().is_some()
/// }
/// ```
#[derive(Clone)]
pub struct SamplingPolicy {
    pub(crate) state: Arc<ArcSwap<HeadState>>,
}

impl std::fmt::Debug for SamplingPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SamplingPolicy")
            .field("tail", &self.tail())
            .finish()
    }
}

impl SamplingPolicy {
    /// The tail policy now, or `None` when intelligent sampling is off.
    ///
    /// ```
    /// use rizk_core::config::IntelligentSampling;
    /// use rizk_core::sampling::SamplingPolicy;
    ///
    /// assert!(SamplingPolicy::fixed(None, 1.0).tail().is_none());
    /// let policy = IntelligentSampling { default_rate: Some(0.05), ..IntelligentSampling::default() };
    /// assert_eq!(SamplingPolicy::fixed(Some(policy), 1.0).tail().unwrap().default_rate, 0.05);
    /// ```
    pub fn tail(&self) -> Option<TailPolicy> {
        let state = self.state.load();
        state.tail.as_ref().map(|policy| TailPolicy {
            policy: policy.clone(),
            default_rate: policy.default_rate.unwrap_or(state.head.rate),
        })
    }

    /// A policy fixed at `tail`, for testing stages without a pipeline.
    ///
    /// ```
    /// use rizk_core::config::IntelligentSampling;
    /// use rizk_core::sampling::SamplingPolicy;
    ///
    /// let policy = SamplingPolicy::fixed(Some(IntelligentSampling::default()), 0.5);
    /// assert!(policy.tail().is_some());
    /// ```
    pub fn fixed(tail: Option<IntelligentSampling>, base_rate: f64) -> Self {
        SamplingPolicy {
            state: Arc::new(ArcSwap::from_pointee(HeadState {
                head: HeadSampling {
                    rate: base_rate,
                    parent_based: true,
                },
                operation_rates: Vec::new(),
                custom: None,
                tail: tail.map(Arc::new),
            })),
        }
    }
}

/// Builds the tail-sampling stage from the live policy; `rizk-sampling` provides it and the
/// facade installs it.
///
/// ```
/// use std::sync::Arc;
/// # use std::time::Instant;
/// # use opentelemetry_sdk::trace::SpanData;
/// use rizk_core::export::{ExportStage, StageFactory};
/// use rizk_core::sampling::{SamplingPolicy, TailStageMaker};
///
/// # struct KeepAll;
/// # impl ExportStage for KeepAll {
/// #     fn process(&mut self, batch: Vec<SpanData>, _now: Instant) -> Vec<SpanData> { batch }
/// #     fn tick(&mut self, _now: Instant) -> Vec<SpanData> { Vec::new() }
/// #     fn drain(&mut self) -> Vec<SpanData> { Vec::new() }
/// # }
/// let maker: TailStageMaker = |_policy: SamplingPolicy| -> StageFactory { Arc::new(|_stats| Box::new(KeepAll)) };
/// let builder = rizk_core::RizkBuilder::new().app_name("svc").tail_sampling_stage(maker);
/// ```
pub type TailStageMaker = fn(SamplingPolicy) -> crate::export::StageFactory;
