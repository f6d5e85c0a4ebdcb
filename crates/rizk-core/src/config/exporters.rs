//! Options for exporter selection and per-platform settings (OTLP protocol, Jaeger, Zipkin, Datadog, the Rizk dashboard).
//!
//! This file owns them end to end: the builder methods (an `impl RizkBuilder` block), the
//! `RIZK_*` variables they read ([`ENV_VARS`]), and their validation ([`resolve`]).

use super::{EnvSource, RizkBuilder};
use crate::error::Result;

/// The `RIZK_*` variables these options read.
pub(super) const ENV_VARS: &[&str] = &[];

/// What the builder was given for these options.
#[derive(Debug, Clone, Default)]
pub(crate) struct ExporterInput {}

/// The validated exporters options.
///
/// ```
/// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment().build_config().unwrap();
/// let _ = &config.exporters;
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ExporterOptions {}

pub(super) fn resolve(input: &ExporterInput, env: &dyn EnvSource) -> Result<ExporterOptions> {
    let _ = (input, env);
    Ok(ExporterOptions {})
}

impl RizkBuilder {}
