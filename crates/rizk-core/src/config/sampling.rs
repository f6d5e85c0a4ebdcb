//! Options for sampling beyond the head rate: per-environment rates, per-operation rules,
//! "intelligent" (tail) sampling, and a custom sampler.
//!
//! This file owns them end to end: the builder methods (an `impl RizkBuilder` block), the
//! `RIZK_*` variables they read ([`ENV_VARS`]), and their validation ([`resolve`]).

use std::sync::Arc;
use std::time::Duration;

use super::{EnvSource, HeadSampling, RizkBuilder, Source, Sourced};
use crate::error::{Result, RizkError};
use crate::sampling::CustomSampler;

/// The `RIZK_*` variables these options read.
pub(super) const ENV_VARS: &[&str] = &["RIZK_ENVIRONMENT", "RIZK_ENVIRONMENT_SAMPLING_RATES"];

/// What the builder was given for these options.
#[derive(Clone, Default)]
pub(crate) struct SamplingInput {
    environment: Option<String>,
    environment_rates: Option<Vec<(String, f64)>>,
    operation_rates: Vec<(String, f64)>,
    intelligent: Option<IntelligentSampling>,
    custom: Option<Arc<dyn CustomSampler>>,
}

impl std::fmt::Debug for SamplingInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SamplingInput").finish_non_exhaustive()
    }
}

/// The spec's `configure_intelligent_sampling` options: keep errors and slow requests, sample
/// operations by priority. Errors and latency are known only when spans end, so this is tail
/// sampling: the spans of a trace are held (on the export side) until its local root ends, then
/// the whole trace is kept or dropped.
///
/// ```
/// use std::time::Duration;
/// use rizk_core::config::IntelligentSampling;
///
/// let policy = IntelligentSampling {
///     error_sampling_rate: 1.0,
///     slow_request_sampling_rate: 1.0,
///     slow_request_threshold: Duration::from_millis(1000),
///     high_priority_operations: vec![("financial_transactions".into(), 1.0)],
///     low_priority_operations: vec![("health_checks".into(), 0.01)],
///     ..IntelligentSampling::default()
/// };
/// assert!(policy.validate().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct IntelligentSampling {
    /// Probability of keeping a trace with an error (a span with status ERROR or an exception
    /// event).
    pub error_sampling_rate: f64,
    /// Probability of keeping a trace whose local root lasted at least the threshold.
    pub slow_request_sampling_rate: f64,
    /// What counts as slow.
    pub slow_request_threshold: Duration,
    /// `(operation, rate)`: traces with a span of this operation are kept at least this often.
    /// An operation matches a span's entity name (`rizk.entity.name`) or its span name; `*`
    /// matches any run of characters (`financial_*`).
    pub high_priority_operations: Vec<(String, f64)>,
    /// `(operation, rate)`: traces of these operations (and no high-priority one) are kept at
    /// most this often.
    pub low_priority_operations: Vec<(String, f64)>,
    /// Rate of every other trace; `None` uses `trace_sampling_rate`.
    pub default_rate: Option<f64>,
    /// Spans held while their traces wait for a decision; beyond it the oldest trace is decided
    /// early with what it has.
    pub max_buffered_spans: usize,
    /// Traces held at once; the same policy applies beyond it.
    pub max_buffered_traces: usize,
    /// A trace whose local root has not ended after this long is decided with what it has.
    pub decision_wait: Duration,
}

impl Default for IntelligentSampling {
    fn default() -> Self {
        IntelligentSampling {
            error_sampling_rate: 1.0,
            slow_request_sampling_rate: 1.0,
            slow_request_threshold: Duration::from_millis(1000),
            high_priority_operations: Vec::new(),
            low_priority_operations: Vec::new(),
            default_rate: None,
            max_buffered_spans: 100_000,
            max_buffered_traces: 10_000,
            decision_wait: Duration::from_secs(30),
        }
    }
}

impl IntelligentSampling {
    /// Checks every rate is in `0.0..=1.0` and every bound is positive.
    pub fn validate(&self) -> Result<()> {
        let rate = |field: &str, value: f64| -> Result<()> {
            if value.is_finite() && (0.0..=1.0).contains(&value) {
                Ok(())
            } else {
                Err(RizkError::invalid(
                    field,
                    "intelligent sampling",
                    format!("{value} is not a probability"),
                    "use a number between 0.0 and 1.0",
                ))
            }
        };
        rate("error_sampling_rate", self.error_sampling_rate)?;
        rate(
            "slow_request_sampling_rate",
            self.slow_request_sampling_rate,
        )?;
        if let Some(default) = self.default_rate {
            rate("default_rate", default)?;
        }
        for (list, name) in [
            (&self.high_priority_operations, "high_priority_operations"),
            (&self.low_priority_operations, "low_priority_operations"),
        ] {
            for (operation, value) in list {
                if operation.trim().is_empty() {
                    return Err(RizkError::invalid(
                        name,
                        "intelligent sampling",
                        "an operation name is empty",
                        "name the operation, such as \"financial_transactions\" or \"health_*\"",
                    ));
                }
                rate(&format!("{name}[{operation:?}]"), *value)?;
            }
        }
        if self.max_buffered_spans == 0 || self.max_buffered_traces == 0 {
            return Err(RizkError::invalid(
                "max_buffered_spans",
                "intelligent sampling",
                "a buffer bound is 0",
                "hold at least one trace and one span (defaults: 10000 traces, 100000 spans)",
            ));
        }
        if self.decision_wait.is_zero() {
            return Err(RizkError::invalid(
                "decision_wait",
                "intelligent sampling",
                "it is zero",
                "wait at least as long as your slowest request (default 30 s)",
            ));
        }
        Ok(())
    }
}

/// The validated sampling options beyond the head rate.
///
/// ```
/// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment().build_config().unwrap();
/// assert!(config.sampling.intelligent.is_none());
/// ```
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct SamplingOptions {
    /// The deployment environment (`RIZK_ENVIRONMENT`, else `ENVIRONMENT`).
    pub environment: Option<Sourced<String>>,
    /// Head rules: `(operation, rate)` for root spans of these operations (entity or span name,
    /// `*` wildcards), first match wins.
    pub operation_rates: Vec<(String, f64)>,
    /// Tail sampling, when configured.
    pub intelligent: Option<IntelligentSampling>,
    /// A sampler of your own, consulted for root spans instead of the rate.
    pub custom: Option<Arc<dyn CustomSampler>>,
}

impl std::fmt::Debug for SamplingOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SamplingOptions")
            .field("environment", &self.environment)
            .field("operation_rates", &self.operation_rates)
            .field("intelligent", &self.intelligent)
            .field("custom", &self.custom.as_ref().map(|_| "CustomSampler"))
            .finish()
    }
}

/// Resolves the options; may replace the head rate with the environment's (when the rate was
/// not set explicitly).
pub(super) fn resolve(
    input: &SamplingInput,
    env: &dyn EnvSource,
    head: &mut Sourced<HeadSampling>,
) -> Result<SamplingOptions> {
    let environment = match &input.environment {
        Some(e) => Some(Sourced::new(e.clone(), Source::Builder)),
        None => ["RIZK_ENVIRONMENT", "ENVIRONMENT"]
            .into_iter()
            .find_map(|var| {
                env.var(var)
                    .filter(|v| !v.trim().is_empty())
                    .map(|v| Sourced::new(v.trim().to_owned(), Source::Env(var)))
            }),
    };
    let rates = match &input.environment_rates {
        Some(rates) => Some((rates.clone(), Source::Builder)),
        None => match env
            .var("RIZK_ENVIRONMENT_SAMPLING_RATES")
            .filter(|v| !v.trim().is_empty())
        {
            Some(raw) => Some((
                parse_rates(&raw)?,
                Source::Env("RIZK_ENVIRONMENT_SAMPLING_RATES"),
            )),
            None => None,
        },
    };
    if let Some((rates, origin)) = &rates {
        for (name, rate) in rates {
            super::parse::check_rate(*rate, *origin).map_err(|_| {
                RizkError::invalid(
                    "environment_sampling_rates",
                    origin,
                    format!("the rate of {name:?} ({rate}) is not a probability"),
                    "use numbers between 0.0 and 1.0, such as development=1.0,production=0.01",
                )
            })?;
        }
        // An explicit rate (builder or variable) wins over the environment's.
        if head.source == Source::Default {
            let env_name = environment.as_ref().map(|e| e.value.as_str());
            if let Some((_, rate)) = rates
                .iter()
                .find(|(name, _)| Some(name.as_str()) == env_name)
            {
                *head = Sourced::new(
                    HeadSampling {
                        rate: *rate,
                        parent_based: true,
                    },
                    Source::Derived,
                );
            }
        }
    }
    for (operation, rate) in &input.operation_rates {
        super::parse::check_rate(*rate, Source::Builder).map_err(|_| {
            RizkError::invalid(
                "operation_sampling_rate",
                Source::Builder,
                format!("the rate of {operation:?} ({rate}) is not a probability"),
                "use a number between 0.0 and 1.0",
            )
        })?;
    }
    if let Some(policy) = &input.intelligent {
        policy.validate()?;
    }
    Ok(SamplingOptions {
        environment,
        operation_rates: input.operation_rates.clone(),
        intelligent: input.intelligent.clone(),
        custom: input.custom.clone(),
    })
}

/// Parses `development=1.0,staging=0.5,production=0.01`.
fn parse_rates(raw: &str) -> Result<Vec<(String, f64)>> {
    let origin = Source::Env("RIZK_ENVIRONMENT_SAMPLING_RATES");
    let mut rates = Vec::new();
    for member in raw.split(',').map(str::trim).filter(|m| !m.is_empty()) {
        let parsed = member.split_once('=').and_then(|(name, rate)| {
            Some((name.trim().to_owned(), rate.trim().parse::<f64>().ok()?))
        });
        match parsed {
            Some((name, rate)) if !name.is_empty() => rates.push((name, rate)),
            _ => {
                return Err(RizkError::invalid(
                    "environment_sampling_rates",
                    origin,
                    format!("{member:?} is not environment=rate"),
                    "write development=1.0,staging=0.5,production=0.01",
                ));
            }
        }
    }
    Ok(rates)
}

impl RizkBuilder {
    /// The deployment environment whose rate [`RizkBuilder::environment_sampling_rates`] picks
    /// (default: `RIZK_ENVIRONMENT`, else `ENVIRONMENT`).
    pub fn environment(mut self, name: impl Into<String>) -> Self {
        self.sampling_input.environment = Some(name.into());
        self
    }

    /// A sampling rate per environment, the spec's `{"development": 1.0, "production": 0.01}`.
    /// Applies when `trace_sampling_rate` is not set explicitly.
    ///
    /// ```
    /// let config = rizk_core::RizkBuilder::new()
    ///     .app_name("svc")
    ///     .environment("production")
    ///     .environment_sampling_rates([("development", 1.0), ("staging", 0.5), ("production", 0.01)])
    ///     .ignore_environment()
    ///     .build_config()
    ///     .unwrap();
    /// assert_eq!(config.trace_sampling_rate.value.rate, 0.01);
    /// ```
    pub fn environment_sampling_rates<I, S>(mut self, rates: I) -> Self
    where
        I: IntoIterator<Item = (S, f64)>,
        S: Into<String>,
    {
        self.sampling_input.environment_rates = Some(
            rates
                .into_iter()
                .map(|(name, rate)| (name.into(), rate))
                .collect(),
        );
        self
    }

    /// A head rate for root spans of one operation (entity or span name; `*` wildcards). First
    /// matching rule wins; other roots use `trace_sampling_rate`.
    pub fn operation_sampling_rate(mut self, operation: impl Into<String>, rate: f64) -> Self {
        self.sampling_input
            .operation_rates
            .push((operation.into(), rate));
        self
    }

    /// Turns on intelligent (tail) sampling with this policy.
    pub fn intelligent_sampling(mut self, policy: IntelligentSampling) -> Self {
        self.sampling_input.intelligent = Some(policy);
        self
    }

    /// Decides root spans with your own [`CustomSampler`] instead of the rate.
    pub fn custom_sampler(mut self, sampler: impl CustomSampler) -> Self {
        self.sampling_input.custom = Some(Arc::new(sampler));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_rates_parse_and_refuse_bad_members() {
        assert_eq!(
            parse_rates("development=1.0, production=0.01").unwrap(),
            vec![("development".into(), 1.0), ("production".into(), 0.01)]
        );
        let err = parse_rates("production").unwrap_err().to_string();
        assert!(
            err.contains("RIZK_ENVIRONMENT_SAMPLING_RATES") && err.contains("environment=rate"),
            "{err}"
        );
    }

    #[test]
    fn intelligent_sampling_refuses_bad_rates_and_bounds() {
        let bad = IntelligentSampling {
            error_sampling_rate: 2.0,
            ..Default::default()
        };
        assert!(
            bad.validate()
                .unwrap_err()
                .to_string()
                .contains("error_sampling_rate")
        );
        let bad = IntelligentSampling {
            high_priority_operations: vec![("pay".into(), f64::NAN)],
            ..Default::default()
        };
        assert!(
            bad.validate()
                .unwrap_err()
                .to_string()
                .contains("high_priority_operations")
        );
        let bad = IntelligentSampling {
            max_buffered_spans: 0,
            ..Default::default()
        };
        assert!(bad.validate().is_err());
    }
}
