//! The sampling options of [`RizkBuilder`].

use std::sync::Arc;

use super::RizkBuilder;
use crate::config::IntelligentSampling;
use crate::probe::short_type_name;
use crate::sampling::CustomSampler;

impl RizkBuilder {
    /// The deployment environment whose rate [`RizkBuilder::environment_sampling_rates`] picks
    /// (default: `RIZK_ENVIRONMENT`, else `ENVIRONMENT`).
    pub fn environment(mut self, name: impl Into<String>) -> Self {
        self.input.sampling.environment = Some(name.into());
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
        self.input.sampling.environment_rates = Some(
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
        self.input
            .sampling
            .operation_rates
            .push((operation.into(), rate));
        self
    }

    /// Turns on intelligent (tail) sampling with this policy.
    pub fn intelligent_sampling(mut self, policy: IntelligentSampling) -> Self {
        self.input.sampling.intelligent = Some(policy);
        self
    }

    /// Decides root spans with your own [`CustomSampler`] instead of the rate.
    pub fn custom_sampler(mut self, sampler: impl CustomSampler) -> Self {
        self.input.sampling.custom_type =
            Some(short_type_name(std::any::type_name_of_val(&sampler)).into_owned());
        self.input.sampling.custom = Some(Arc::new(sampler));
        self
    }
}
