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
    pub fn tail(&self) -> Option<TailPolicy> {
        let state = self.state.load();
        state.tail.as_ref().map(|policy| TailPolicy {
            policy: policy.clone(),
            default_rate: policy.default_rate.unwrap_or(state.head.rate),
        })
    }

    /// A policy fixed at `tail`, for testing stages without a pipeline.
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
pub type TailStageMaker = fn(SamplingPolicy) -> crate::export::StageFactory;
