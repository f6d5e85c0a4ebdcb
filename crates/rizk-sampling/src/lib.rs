//! Intelligent (tail) sampling for [rizk](https://docs.rs/rizk): keep every trace with an error,
//! every slow request and the operations you care about, and a small share of everything else.
//!
//! Errors and latency are known only when spans end, so the decision cannot be taken at span
//! start (head sampling). When a tail policy is active the head sampler records every root, and
//! the stage built here, running on the export worker thread (never on the application's
//! thread), holds the spans of each trace until its local root ends, then keeps or drops the
//! whole trace. See `docs/sampling.md` for how this combines with head sampling and with
//! sampling in other services, and for the memory bounds.
//!
//! The facade installs the stage (`rizk::Rizk::builder()` with its `sampling` feature); with
//! `rizk-core` alone, pass [`tail_stage`] to `RizkBuilder::tail_sampling_stage`:
//!
//! ```
//! use std::time::Duration;
//! use rizk_core::config::IntelligentSampling;
//! use rizk_core::export::InMemoryExporter;
//! use rizk_core::RizkBuilder;
//!
//! let spans = InMemoryExporter::default();
//! let rizk = RizkBuilder::new()
//!     .app_name("checkout")
//!     .ignore_environment()
//!     .console_exporter(false)
//!     .trace_sampling_rate(0.01) // the tail keeps 1% of ordinary traces...
//!     .with_exporter("memory", spans.clone())
//!     .tail_sampling_stage(rizk_sampling::tail_stage)
//!     .intelligent_sampling(IntelligentSampling {
//!         error_sampling_rate: 1.0,        // ...and every trace with an error,
//!         slow_request_sampling_rate: 1.0, // every request slower than a second,
//!         slow_request_threshold: Duration::from_secs(1),
//!         high_priority_operations: vec![("financial_*".into(), 1.0)], // every payment,
//!         low_priority_operations: vec![("health_checks".into(), 0.001)], // few health checks.
//!         ..IntelligentSampling::default()
//!     })
//!     .init()
//!     .unwrap();
//! rizk.shutdown();
//! ```

mod decide;
mod hash;
mod memory;
mod tail;

use std::sync::Arc;

use rizk_core::export::{StageFactory, StageStats};
use rizk_core::sampling::SamplingPolicy;

pub use tail::TailSampler;

/// Builds the tail-sampling stage of every export queue from the live sampling policy: the
/// [`rizk_core::sampling::TailStageMaker`] that `RizkBuilder::tail_sampling_stage` takes.
///
/// Each export queue gets its own [`TailSampler`]. Their decisions agree, because every
/// probability is decided from the trace id ([`rizk_core::sampling::trace_id_ratio`]), never
/// from a random number. While no tail policy is configured the stages pass spans through.
///
/// ```
/// use std::sync::Arc;
/// use rizk_core::config::IntelligentSampling;
/// use rizk_core::export::StageStats;
/// use rizk_core::sampling::{SamplingPolicy, TailStageMaker};
///
/// let maker: TailStageMaker = rizk_sampling::tail_stage;
/// let factory = maker(SamplingPolicy::fixed(Some(IntelligentSampling::default()), 0.01));
/// let stats = Arc::new(StageStats::default());
/// let mut stage = factory(stats.clone());
/// assert!(stage.drain().is_empty());
/// assert_eq!(stats.snapshot().buffered_spans, 0);
/// ```
pub fn tail_stage(policy: SamplingPolicy) -> StageFactory {
    Arc::new(move |stats: Arc<StageStats>| Box::new(TailSampler::new(policy.clone(), stats)))
}
