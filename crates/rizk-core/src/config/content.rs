//! Options for the content policy (which inputs and outputs may be recorded, hashing) and redaction settings.
//!
//! This file owns them end to end: the builder methods (an `impl RizkBuilder` block), the
//! `RIZK_*` variables they read ([`ENV_VARS`]), and their validation ([`resolve`]).

use super::{EnvSource, RizkBuilder};
use crate::error::Result;

/// The `RIZK_*` variables these options read.
pub(super) const ENV_VARS: &[&str] = &[];

/// What the builder was given for these options.
#[derive(Debug, Clone, Default)]
pub(crate) struct ContentInput {}

/// The validated content options.
///
/// ```
/// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment().build_config().unwrap();
/// let _ = &config.content;
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ContentOptions {}

pub(super) fn resolve(input: &ContentInput, env: &dyn EnvSource) -> Result<ContentOptions> {
    let _ = (input, env);
    Ok(ContentOptions {})
}

impl RizkBuilder {}
