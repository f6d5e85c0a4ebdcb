//! Options for context propagation across services (propagators, baggage allow-list).
//!
//! This file owns them end to end: the builder methods (an `impl RizkBuilder` block), the
//! `RIZK_*` variables they read ([`ENV_VARS`]), and their validation ([`resolve`]).

use super::{EnvSource, RizkBuilder};
use crate::error::Result;

/// The `RIZK_*` variables these options read.
pub(super) const ENV_VARS: &[&str] = &[];

/// What the builder was given for these options.
#[derive(Debug, Clone, Default)]
pub(crate) struct PropagationInput {}

/// The validated propagation options.
///
/// ```
/// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment().build_config().unwrap();
/// let _ = &config.propagation;
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct PropagationOptions {}

pub(super) fn resolve(input: &PropagationInput, env: &dyn EnvSource) -> Result<PropagationOptions> {
    let _ = (input, env);
    Ok(PropagationOptions {})
}

impl RizkBuilder {}
