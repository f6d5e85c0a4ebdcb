//! Options for sampling beyond the head rate (per environment, per operation, tail sampling).
//!
//! This file owns them end to end: the builder methods (an `impl RizkBuilder` block), the
//! `RIZK_*` variables they read ([`ENV_VARS`]), and their validation ([`resolve`]).

use super::{EnvSource, RizkBuilder};
use crate::error::Result;

/// The `RIZK_*` variables these options read.
pub(super) const ENV_VARS: &[&str] = &[];

/// What the builder was given for these options.
#[derive(Debug, Clone, Default)]
pub(crate) struct SamplingInput {}

/// The validated sampling options.
///
/// ```
/// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment().build_config().unwrap();
/// let _ = &config.sampling;
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct SamplingOptions {}

pub(super) fn resolve(input: &SamplingInput, env: &dyn EnvSource) -> Result<SamplingOptions> {
    let _ = (input, env);
    Ok(SamplingOptions {})
}

impl RizkBuilder {}
