//! The one error type of rizk: every message names the field at fault and how to fix it.

use std::fmt;
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
/// // `Debug` is the same text, so `fn main() -> Result<(), RizkError>` prints the fix too.
/// assert_eq!(format!("{err:?}"), err.to_string());
/// ```
#[derive(thiserror::Error)]
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
        "unknown environment variable {name}{}: rizk reads only the RIZK_* variables listed in docs/configuration.md; {}",
        did_you_mean(.suggestion),
        unknown_var_fix(.suggestion)
    )]
    UnknownEnvVar {
        /// The variable's name.
        name: String,
        /// The known variable closest to `name`, when one is close.
        suggestion: Option<String>,
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
        "{operation} did not export everything: {reason} (bound: {timeout:?}); the spans concerned are counted in get_tracing_metrics(); check that the destination is reachable, or raise shutdown_timeout (RIZK_SHUTDOWN_TIMEOUT_MS) if it is only slow"
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

/// The same text as `Display`: `fn main() -> Result<(), RizkError>` prints an error with
/// `Debug`, and a struct dump there would hide the fix.
impl fmt::Debug for RizkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

fn did_you_mean(suggestion: &Option<String>) -> String {
    suggestion
        .as_ref()
        .map(|known| format!(" (did you mean {known}?)"))
        .unwrap_or_default()
}

fn unknown_var_fix(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(known) => format!("rename it to {known}, or unset it"),
        None => "fix its name, or unset it".to_owned(),
    }
}

impl RizkError {
    /// Shorthand for [`RizkError::InvalidConfig`]: the option, where its value came from, what
    /// is wrong and how to fix it.
    ///
    /// ```
    /// use rizk_core::RizkError;
    /// use rizk_core::config::Source;
    ///
    /// let err = RizkError::invalid("zipkin_endpoint", Source::Builder, "it has no host", "use http://zipkin:9411");
    /// assert!(err.to_string().contains("zipkin_endpoint"));
    /// ```
    pub fn invalid(
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
///
/// ```
/// fn name(builder: &rizk_core::RizkBuilder) -> rizk_core::Result<String> {
///     Ok(builder.build_config()?.app_name.value)
/// }
/// assert_eq!(name(&rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()).unwrap(), "svc");
/// assert!(name(&rizk_core::RizkBuilder::new().ignore_environment()).is_err());
/// ```
pub type Result<T, E = RizkError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    /// One of each variant, with the text its fix must show.
    fn every_variant() -> Vec<(RizkError, &'static str)> {
        vec![
            (
                RizkError::invalid(
                    "trace_sampling_rate",
                    "builder",
                    "1.5 is not a probability",
                    "use a number between 0.0 and 1.0",
                ),
                "use a number between 0.0 and 1.0",
            ),
            (
                RizkError::MissingConfig {
                    field: "app_name".into(),
                    fix: "call .app_name(..) or set RIZK_APP_NAME".into(),
                },
                "call .app_name(..) or set RIZK_APP_NAME",
            ),
            (
                RizkError::UnknownEnvVar {
                    name: "RIZK_TRACE_CONTNET".into(),
                    suggestion: Some("RIZK_TRACE_CONTENT".into()),
                },
                "rename it to RIZK_TRACE_CONTENT, or unset it",
            ),
            (
                RizkError::UnknownEnvVar {
                    name: "RIZK_WHATEVER".into(),
                    suggestion: None,
                },
                "fix its name, or unset it",
            ),
            (
                RizkError::AlreadyInitialized {
                    app_name: "shop".into(),
                },
                "keep the handle of the first init",
            ),
            (
                RizkError::Exporter {
                    exporter: "zipkin".into(),
                    reason: "this build has no zipkin exporter; enable the `zipkin` feature".into(),
                },
                "enable the `zipkin` feature",
            ),
            (
                RizkError::Flush {
                    operation: "flush",
                    timeout: Duration::from_secs(5),
                    reason: "connection refused".into(),
                },
                "raise shutdown_timeout (RIZK_SHUTDOWN_TIMEOUT_MS)",
            ),
        ]
    }

    #[test]
    fn debug_shows_the_message_and_fix_of_display() {
        for (err, fix) in every_variant() {
            let debug = format!("{err:?}");
            assert_eq!(debug, err.to_string());
            assert!(debug.contains(fix), "{fix:?} missing from {debug}");
            // What `fn main() -> Result<(), RizkError>` prints: no struct dump.
            assert!(!debug.contains(" { "), "{debug}");
        }
    }

    #[test]
    fn the_suggestion_reads_as_a_sentence() {
        let err = RizkError::UnknownEnvVar {
            name: "RIZK_TRACE_CONTNET".into(),
            suggestion: Some("RIZK_TRACE_CONTENT".into()),
        };
        assert_eq!(
            err.to_string(),
            "unknown environment variable RIZK_TRACE_CONTNET (did you mean RIZK_TRACE_CONTENT?): \
             rizk reads only the RIZK_* variables listed in docs/configuration.md; rename it to \
             RIZK_TRACE_CONTENT, or unset it"
        );
        let err = RizkError::UnknownEnvVar {
            name: "RIZK_X".into(),
            suggestion: None,
        };
        let text = err.to_string();
        assert!(
            text.starts_with("unknown environment variable RIZK_X: ")
                && !text.contains("did you mean"),
            "{text}"
        );
    }
}
