//! The sampling options of [`RizkBuilder`].

use std::sync::Arc;

use super::RizkBuilder;
use crate::config::IntelligentSampling;
use crate::probe::short_type_name;
use crate::sampling::CustomSampler;

impl RizkBuilder {
    /// The deployment environment whose rate [`RizkBuilder::environment_sampling_rates`] picks
    /// (default: `RIZK_ENVIRONMENT`, else `ENVIRONMENT`).
    ///
    /// ```
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .environment("staging").build_config().unwrap();
    /// assert_eq!(config.sampling.environment.unwrap().value, "staging");
    /// ```
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
    ///
    /// ```
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .operation_sampling_rate("health_*", 0.0)
    ///     .operation_sampling_rate("checkout", 1.0)
    ///     .build_config().unwrap();
    /// assert_eq!(config.sampling.operation_rates[0], ("health_*".to_owned(), 0.0));
    /// ```
    pub fn operation_sampling_rate(mut self, operation: impl Into<String>, rate: f64) -> Self {
        self.input
            .sampling
            .operation_rates
            .push((operation.into(), rate));
        self
    }

    /// Turns on intelligent (tail) sampling with this policy.
    ///
    /// ```
    /// use rizk_core::config::IntelligentSampling;
    ///
    /// let policy = IntelligentSampling { error_sampling_rate: 1.0, ..IntelligentSampling::default() };
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .intelligent_sampling(policy.clone()).build_config().unwrap();
    /// assert_eq!(config.sampling.intelligent, Some(policy));
    /// ```
    pub fn intelligent_sampling(mut self, policy: IntelligentSampling) -> Self {
        self.input.sampling.intelligent = Some(policy);
        self
    }

    /// Decides root spans with your own [`CustomSampler`] instead of the rate.
    ///
    /// ```
    /// use opentelemetry::KeyValue;
    /// use rizk_core::sampling::{CustomSampler, SamplingContext};
    ///
    /// struct Tenth;
    /// impl CustomSampler for Tenth {
    ///     fn should_sample(&self, cx: &SamplingContext<'_>, _: &str, _: &[KeyValue]) -> bool {
    ///         cx.trace_id_ratio(0.1)
    ///     }
    /// }
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .custom_sampler(Tenth).build_config().unwrap();
    /// assert!(config.sampling.custom.is_some());
    /// ```
    pub fn custom_sampler(mut self, sampler: impl CustomSampler) -> Self {
        self.input.sampling.custom_type =
            Some(short_type_name(std::any::type_name_of_val(&sampler)).into_owned());
        self.input.sampling.custom = Some(Arc::new(sampler));
        self
    }
}
