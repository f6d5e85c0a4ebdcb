//! The one error type of rizk: every message names the field at fault and how to fix it.

use std::time::Duration;

/// Everything that can go wrong while configuring or running rizk.
///
/// Each variant names the option (builder method or environment variable) that was at fault and
/// says what to do instead, so the message alone is enough to fix the problem.
///
/// ```
/// use rizk_core::{RizkBuilder, RizkError};
///
/// let err = RizkBuilder::new().app_name("shop").trace_sampling_rate(1.5).build_config().unwrap_err();
/// assert!(matches!(err, RizkError::InvalidConfig { ref field, .. } if field == "trace_sampling_rate"));
/// assert!(err.to_string().contains("between 0.0 and 1.0"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RizkError {
    /// A configuration value is out of range or malformed.
    #[error("invalid {field} ({origin}): {problem}; {fix}")]
    InvalidConfig {
        /// The option at fault, as the builder names it (`trace_sampling_rate`).
        field: String,
        /// Where the value came from (`builder`, `environment variable RIZK_...`).
        origin: String,
        /// What is wrong with the value. Never contains a secret.
        problem: String,
        /// What to do instead.
        fix: String,
    },
    /// A required option was not given anywhere.
    #[error("missing {field}: {fix}")]
    MissingConfig {
        /// The option that is missing.
        field: String,
        /// Where it can be given.
        fix: String,
    },
    /// An environment variable with the `RIZK_` prefix that rizk does not know.
    #[error(
        "unknown environment variable {name}{suggestion}; rizk reads only the RIZK_* variables listed in docs/configuration.md (unset it, or fix its name)"
    )]
    UnknownEnvVar {
        /// The variable's name.
        name: String,
        /// ", did you mean RIZK_...?" when a known name is close, else empty.
        suggestion: String,
    },
    /// `Rizk::init` was called while a pipeline is installed.
    #[error(
        "rizk is already initialised in this process (app_name {app_name:?}); keep the handle of the first init, or call shutdown() on it before initialising again"
    )]
    AlreadyInitialized {
        /// The app name of the pipeline that is running.
        app_name: String,
    },
    /// An exporter could not be built from the configuration.
    #[error("cannot build the {exporter} exporter: {reason}")]
    Exporter {
        /// Which exporter (`otlp`, `console`, ...).
        exporter: String,
        /// Why, with the fix where one is known.
        reason: String,
    },
    /// A flush did not export everything: an exporter failed or the bound ran out.
    #[error(
        "{operation} did not export everything: {reason} (bound: {timeout:?}); the spans concerned are counted in get_tracing_metrics()"
    )]
    Flush {
        /// `flush`.
        operation: &'static str,
        /// The bound that applied.
        timeout: Duration,
        /// What the export pipeline reported.
        reason: String,
    },
}

impl RizkError {
    /// Shorthand for [`RizkError::InvalidConfig`].
    pub(crate) fn invalid(
        field: impl Into<String>,
        origin: impl ToString,
        problem: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        RizkError::InvalidConfig {
            field: field.into(),
            origin: origin.to_string(),
            problem: problem.into(),
            fix: fix.into(),
        }
    }
}

/// `Result` with [`RizkError`].
pub type Result<T, E = RizkError> = std::result::Result<T, E>;
