//! Options for sampling beyond the head rate: per-environment rates, per-operation rules,
//! "intelligent" (tail) sampling, and a custom sampler.
//!
//! This file owns them end to end: the builder methods (an `impl RizkBuilder` block), the
//! `RIZK_*` variables they read ([`ENV_VARS`]), and their validation ([`resolve`]).

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::Setting;
use super::{EnvSource, HeadSampling, Source, Sourced};
use crate::error::{Result, RizkError};
use crate::sampling::rules::CustomSampler;

/// The `RIZK_*` variables these options read.
pub(super) const ENV_VARS: &[&str] = &["RIZK_ENVIRONMENT", "RIZK_ENVIRONMENT_SAMPLING_RATES"];

/// What the builder was given for these options.
#[derive(Clone, Default)]
pub(crate) struct SamplingInput {
    pub(crate) environment: Option<String>,
    pub(crate) environment_rates: Option<Vec<(String, f64)>>,
    pub(crate) operation_rates: Vec<(String, f64)>,
    pub(crate) intelligent: Option<IntelligentSampling>,
    pub(crate) custom: Option<Arc<dyn CustomSampler>>,
    /// The custom sampler's type, for `get_trace_config()` (the trait has no name method).
    pub(crate) custom_type: Option<String>,
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
    ///
    /// ```
    /// use rizk_core::config::IntelligentSampling;
    ///
    /// assert!(IntelligentSampling::default().validate().is_ok());
    /// let bad = IntelligentSampling { error_sampling_rate: 1.5, ..IntelligentSampling::default() };
    /// assert!(bad.validate().is_err());
    /// ```
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
/// assert!(config.sampling.environment_rates.is_none());
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct SamplingOptions {
    /// The deployment environment (`RIZK_ENVIRONMENT`, else `ENVIRONMENT`).
    pub environment: Option<Sourced<String>>,
    /// The rate of each environment (`environment_sampling_rates` /
    /// `RIZK_ENVIRONMENT_SAMPLING_RATES`); the one named by `environment` becomes the head rate
    /// unless `trace_sampling_rate` is set explicitly.
    pub environment_rates: Option<Sourced<Vec<(String, f64)>>>,
    /// Head rules: `(operation, rate)` for root spans of these operations (entity or span name,
    /// `*` wildcards), first match wins.
    pub operation_rates: Vec<(String, f64)>,
    /// Tail sampling, when configured.
    pub intelligent: Option<IntelligentSampling>,
    /// Where `intelligent` was set: [`Source::Builder`] at init, [`Source::Runtime`] after
    /// `configure_intelligent_sampling` / `update_config`, [`Source::Default`] when never set.
    pub intelligent_source: Source,
    /// A sampler of your own, consulted for root spans instead of the rate.
    pub custom: Option<Arc<dyn CustomSampler>>,
    /// The custom sampler's type name, for `get_trace_config()`.
    custom_type: Option<String>,
}

impl Default for SamplingOptions {
    fn default() -> Self {
        SamplingOptions {
            environment: None,
            environment_rates: None,
            operation_rates: Vec::new(),
            intelligent: None,
            intelligent_source: Source::Default,
            custom: None,
            custom_type: None,
        }
    }
}

impl std::fmt::Debug for SamplingOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SamplingOptions")
            .field("environment", &self.environment)
            .field("environment_rates", &self.environment_rates)
            .field("operation_rates", &self.operation_rates)
            .field("intelligent", &self.intelligent)
            .field("intelligent_source", &self.intelligent_source)
            .field("custom", &self.custom.as_ref().map(|_| "CustomSampler"))
            .finish()
    }
}

impl SamplingOptions {
    /// These options as lines of `get_trace_config()`, each with its source: the environment,
    /// the environment rates (and whether one applied to `head`), the per-operation rates, the
    /// custom sampler, the intelligent (tail) sampling policy, and `root_sampling`, which says
    /// what actually decides a new trace. An option that is set but not consulted says so.
    ///
    /// `head` is the effective `trace_sampling_rate` (an environment rate applies only when
    /// that rate was not set explicitly).
    ///
    /// ```
    /// let config = rizk_core::RizkBuilder::new()
    ///     .app_name("svc")
    ///     .environment("production")
    ///     .environment_sampling_rates([("production", 0.01)])
    ///     .operation_sampling_rate("health_*", 0.0)
    ///     .ignore_environment()
    ///     .build_config()
    ///     .unwrap();
    /// let lines = config.sampling.settings(&config.trace_sampling_rate);
    /// let line = |name: &str| lines.iter().find(|s| s.name == name).unwrap().clone();
    /// assert_eq!(line("environment").value, "production");
    /// assert!(line("environment_sampling_rates").value.starts_with("production=0.01"));
    /// assert_eq!(line("operation_sampling_rate").value, "health_*=0");
    /// assert_eq!(line("intelligent_sampling").value, "off");
    /// ```
    pub fn settings(&self, head: &Sourced<HeadSampling>) -> Vec<Setting> {
        let line = Setting::new;
        let tail_on = self.intelligent.is_some();
        let mut out = Vec::new();
        out.push(match &self.environment {
            Some(e) => line("environment", e.value.clone(), e.source),
            None => line("environment", "unset".into(), Source::Default),
        });
        out.push(match &self.environment_rates {
            Some(rates) => {
                let mut value = join_rates(&rates.value);
                let env = self.environment.as_ref().map(|e| e.value.as_str());
                let matched = rates.value.iter().find(|(n, _)| Some(n.as_str()) == env);
                match (env, matched) {
                    (Some(env), Some(_)) if head.source == Source::Derived => {
                        let _ = write!(value, "; applied: {env} sets trace_sampling_rate");
                    }
                    (Some(_), Some(_)) => {
                        let _ = write!(
                            value,
                            "; not applied: trace_sampling_rate is set ({})",
                            head.source
                        );
                    }
                    (Some(env), None) => {
                        let _ = write!(value, "; not applied: no rate for environment {env:?}");
                    }
                    (None, _) => value.push_str("; not applied: no environment is set"),
                }
                line("environment_sampling_rates", value, rates.source)
            }
            None => line(
                "environment_sampling_rates",
                "unset".into(),
                Source::Default,
            ),
        });
        out.push(if self.operation_rates.is_empty() {
            line("operation_sampling_rate", "none".into(), Source::Default)
        } else {
            let mut value = join_rates(&self.operation_rates);
            if tail_on {
                value.push_str(" (not consulted: intelligent_sampling decides)");
            } else if self.custom.is_some() {
                value.push_str(" (not consulted: custom_sampler decides)");
            }
            // Only the builder sets them.
            line("operation_sampling_rate", value, Source::Builder)
        });
        out.push(match (&self.custom, &self.custom_type) {
            (Some(_), name) => {
                let mut value = name.as_deref().unwrap_or("a CustomSampler").to_owned();
                if tail_on {
                    value.push_str(" (not consulted: intelligent_sampling decides)");
                }
                line("custom_sampler", value, Source::Builder)
            }
            (None, _) => line("custom_sampler", "none".into(), Source::Default),
        });
        out.push(match &self.intelligent {
            Some(policy) => line(
                "intelligent_sampling",
                describe_policy(policy),
                self.intelligent_source,
            ),
            None => line(
                "intelligent_sampling",
                "off".into(),
                self.intelligent_source,
            ),
        });
        let root = if tail_on {
            "intelligent_sampling: every trace is recorded, then kept or dropped when its root \
             ends"
                .to_owned()
        } else if self.custom.is_some() {
            format!(
                "custom_sampler {}",
                self.custom_type.as_deref().unwrap_or("(a CustomSampler)")
            )
        } else if !self.operation_rates.is_empty() {
            format!(
                "operation_sampling_rate rules, else trace_sampling_rate {}",
                head.value
            )
        } else {
            format!("trace_sampling_rate {}", head.value)
        };
        out.push(line("root_sampling", root, Source::Derived));
        out
    }
}

/// `name=rate,name=rate`.
fn join_rates(rates: &[(String, f64)]) -> String {
    rates
        .iter()
        .map(|(name, rate)| format!("{name}={rate}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// The whole tail policy on one line, defaults included (they are in effect too).
fn describe_policy(p: &IntelligentSampling) -> String {
    let list = |ops: &[(String, f64)]| {
        if ops.is_empty() {
            "none".to_owned()
        } else {
            join_rates(ops)
        }
    };
    format!(
        "errors {}, slow (>= {:?}) {}, high priority {}, low priority {}, others {}, \
         buffers {} spans / {} traces, decision wait {:?}",
        p.error_sampling_rate,
        p.slow_request_threshold,
        p.slow_request_sampling_rate,
        list(&p.high_priority_operations),
        list(&p.low_priority_operations),
        p.default_rate
            .map_or_else(|| "as trace_sampling_rate".to_owned(), |r| r.to_string()),
        p.max_buffered_spans,
        p.max_buffered_traces,
        p.decision_wait,
    )
}

/// The warnings already given, so that each mismatch is reported once per process however
/// often the configuration is resolved.
static WARNED: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

fn warn_once(message: String) {
    let mut warned = WARNED.lock().unwrap_or_else(|p| p.into_inner());
    if warned.insert(message.clone()) {
        drop(warned);
        crate::diagnostics::alert(&message);
    }
}

/// Why no environment rate applies although rates are configured, if that is so: the
/// environment names none of them, or no environment is set. Rates that silently match
/// nothing would sample everything at the default rate.
fn environment_mismatch(
    environment: Option<&Sourced<String>>,
    rates: &[(String, f64)],
    rates_origin: Source,
) -> Option<String> {
    let names = rates
        .iter()
        .map(|(name, _)| format!("{name:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    match environment {
        Some(env) if rates.iter().any(|(name, _)| *name == env.value) => None,
        Some(env) => Some(format!(
            "environment {:?} ({}) has no rate in environment_sampling_rates ({rates_origin}), \
             which names {names}; trace_sampling_rate applies instead. Fix the environment's \
             name or add a rate for it (names match exactly)",
            env.value, env.source
        )),
        None => Some(format!(
            "environment_sampling_rates ({rates_origin}) is set, but no environment is; \
             trace_sampling_rate applies instead. Set RIZK_ENVIRONMENT (or ENVIRONMENT, or \
             .environment(..)) to one of {names}"
        )),
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
        if let Some(message) = environment_mismatch(environment.as_ref(), rates, *origin) {
            warn_once(message);
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
        environment_rates: rates.map(|(rates, origin)| Sourced::new(rates, origin)),
        operation_rates: input.operation_rates.clone(),
        intelligent_source: if input.intelligent.is_some() {
            Source::Builder
        } else {
            Source::Default
        },
        intelligent: input.intelligent.clone(),
        custom: input.custom.clone(),
        custom_type: input.custom_type.clone(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RizkBuilder;

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

    struct KeepAll;
    impl CustomSampler for KeepAll {
        fn should_sample(
            &self,
            _: &crate::sampling::rules::SamplingContext<'_>,
            _: &str,
            _: &[opentelemetry::KeyValue],
        ) -> bool {
            true
        }
    }

    fn lines_of(config: &super::super::Config) -> Vec<Setting> {
        config.sampling.settings(&config.trace_sampling_rate)
    }

    fn line(lines: &[Setting], name: &str) -> Setting {
        lines
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("no {name} in {lines:?}"))
            .clone()
    }

    #[test]
    fn settings_show_every_policy_with_its_source() {
        let env = std::collections::BTreeMap::from([
            ("RIZK_ENVIRONMENT".to_owned(), "production".to_owned()),
            (
                "RIZK_ENVIRONMENT_SAMPLING_RATES".to_owned(),
                "development=1.0,production=0.25".to_owned(),
            ),
        ]);
        let config = RizkBuilder::new()
            .app_name("svc")
            .env(env)
            .operation_sampling_rate("health_*", 0.01)
            .custom_sampler(KeepAll)
            .intelligent_sampling(IntelligentSampling {
                high_priority_operations: vec![("pay".into(), 1.0)],
                default_rate: Some(0.1),
                ..IntelligentSampling::default()
            })
            .build_config()
            .unwrap();
        let lines = lines_of(&config);

        let environment = line(&lines, "environment");
        assert_eq!(environment.value, "production");
        assert_eq!(environment.source, Source::Env("RIZK_ENVIRONMENT"));

        let rates = line(&lines, "environment_sampling_rates");
        assert_eq!(
            rates.value,
            "development=1,production=0.25; applied: production sets trace_sampling_rate"
        );
        assert_eq!(rates.source, Source::Env("RIZK_ENVIRONMENT_SAMPLING_RATES"));

        let operations = line(&lines, "operation_sampling_rate");
        assert!(
            operations.value.starts_with("health_*=0.01"),
            "{operations:?}"
        );
        assert!(operations.value.contains("not consulted"), "{operations:?}");
        assert_eq!(operations.source, Source::Builder);

        let custom = line(&lines, "custom_sampler");
        assert!(custom.value.starts_with("KeepAll"), "{custom:?}");
        assert!(custom.value.contains("not consulted"), "{custom:?}");
        assert_eq!(custom.source, Source::Builder);

        let tail = line(&lines, "intelligent_sampling");
        for part in [
            "errors 1",
            "slow (>= 1s) 1",
            "high priority pay=1",
            "others 0.1",
        ] {
            assert!(tail.value.contains(part), "{part} in {tail:?}");
        }
        assert_eq!(tail.source, Source::Builder);

        let root = line(&lines, "root_sampling");
        assert!(root.value.starts_with("intelligent_sampling"), "{root:?}");
        assert_eq!(root.source, Source::Derived);
    }

    #[test]
    fn settings_say_what_decides_without_tail_sampling() {
        let config = RizkBuilder::new()
            .app_name("svc")
            .custom_sampler(KeepAll)
            .ignore_environment()
            .build_config()
            .unwrap();
        let lines = lines_of(&config);
        assert_eq!(
            line(&lines, "root_sampling").value,
            "custom_sampler KeepAll"
        );
        assert_eq!(line(&lines, "custom_sampler").value, "KeepAll");
        let tail = line(&lines, "intelligent_sampling");
        assert_eq!((tail.value.as_str(), tail.source), ("off", Source::Default));

        let config = RizkBuilder::new()
            .app_name("svc")
            .trace_sampling_rate(0.5)
            .environment("staging")
            .environment_sampling_rates([("staging", 0.1)])
            .operation_sampling_rate("checkout", 1.0)
            .ignore_environment()
            .build_config()
            .unwrap();
        let lines = lines_of(&config);
        assert_eq!(
            line(&lines, "environment_sampling_rates").value,
            "staging=0.1; not applied: trace_sampling_rate is set (builder)"
        );
        assert_eq!(
            line(&lines, "root_sampling").value,
            "operation_sampling_rate rules, else trace_sampling_rate parentbased_traceidratio(0.5)"
        );
    }

    /// Captures the messages of `rizk` warnings.
    #[derive(Default)]
    struct Capture(Mutex<Vec<String>>);

    impl tracing::Subscriber for Capture {
        fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
            tracing::span::Id::from_u64(1)
        }
        fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
        fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
        fn event(&self, event: &tracing::Event<'_>) {
            struct Message<'a>(&'a mut String);
            impl tracing::field::Visit for Message<'_> {
                fn record_debug(
                    &mut self,
                    field: &tracing::field::Field,
                    value: &dyn std::fmt::Debug,
                ) {
                    if field.name() == "message" {
                        *self.0 = format!("{value:?}");
                    }
                }
            }
            if event.metadata().target() == "rizk"
                && *event.metadata().level() == tracing::Level::WARN
            {
                let mut message = String::new();
                event.record(&mut Message(&mut message));
                self.0.lock().unwrap().push(message);
            }
        }
        fn enter(&self, _: &tracing::span::Id) {}
        fn exit(&self, _: &tracing::span::Id) {}
    }

    /// The warnings `build` gives, captured.
    fn warnings_of(build: impl Fn()) -> Vec<String> {
        let capture = Arc::new(Capture::default());
        tracing::subscriber::with_default(capture.clone(), build);
        capture.0.lock().unwrap().clone()
    }

    #[test]
    fn an_environment_without_a_rate_warns_once_naming_the_configured_ones() {
        // A name no other test uses: the warning is given once per process.
        let env = std::collections::BTreeMap::from([
            (
                "RIZK_ENVIRONMENT".to_owned(),
                "prod-mismatch-test".to_owned(),
            ),
            (
                "RIZK_ENVIRONMENT_SAMPLING_RATES".to_owned(),
                "development=1.0,production=0.01".to_owned(),
            ),
        ]);
        let build = || {
            let config = RizkBuilder::new()
                .app_name("svc")
                .env(env.clone())
                .build_config()
                .unwrap();
            assert_eq!(config.trace_sampling_rate.source, Source::Default);
            assert!(
                line(&lines_of(&config), "environment_sampling_rates")
                    .value
                    .ends_with("not applied: no rate for environment \"prod-mismatch-test\"")
            );
        };
        let warnings = warnings_of(build);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        let warning = &warnings[0];
        for part in [
            "\"prod-mismatch-test\"",
            "environment variable RIZK_ENVIRONMENT",
            "\"development\", \"production\"",
            "environment variable RIZK_ENVIRONMENT_SAMPLING_RATES",
            "trace_sampling_rate applies",
        ] {
            assert!(warning.contains(part), "{part} in {warning}");
        }
        // Once: resolving the same configuration again stays quiet.
        assert!(warnings_of(build).is_empty());
    }

    #[test]
    fn rates_without_any_environment_warn_and_a_match_does_not() {
        let warnings = warnings_of(|| {
            RizkBuilder::new()
                .app_name("svc")
                .environment_sampling_rates([("no-env-test", 0.5)])
                .ignore_environment()
                .build_config()
                .unwrap();
        });
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].contains("no environment is") && warnings[0].contains("\"no-env-test\""),
            "{warnings:?}"
        );

        let warnings = warnings_of(|| {
            let config = RizkBuilder::new()
                .app_name("svc")
                .environment("matching-test")
                .environment_sampling_rates([("matching-test", 0.5)])
                .ignore_environment()
                .build_config()
                .unwrap();
            assert_eq!(config.trace_sampling_rate.value.rate, 0.5);
        });
        assert!(warnings.is_empty(), "{warnings:?}");
    }
}
