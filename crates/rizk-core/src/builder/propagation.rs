//! The propagation options of [`RizkBuilder`].

use super::RizkBuilder;
use crate::config::Propagator;

impl RizkBuilder {
    /// The header formats that carry the trace context to and from other services, in order
    /// (`OTEL_PROPAGATORS`, `RIZK_PROPAGATORS`). Default: W3C Trace Context and Baggage. An
    /// empty list propagates nothing (`none`). Needs the facade's `http` feature (which builds
    /// the propagators); without it only the default is available.
    ///
    /// ```
    /// use rizk_core::RizkBuilder;
    /// use rizk_core::config::Propagator;
    ///
    /// let config = RizkBuilder::new()
    ///     .app_name("gateway")
    ///     .propagators([Propagator::TraceContext, Propagator::Baggage, Propagator::B3])
    ///     .ignore_environment()
    ///     .build_config()
    ///     .unwrap();
    /// assert_eq!(config.propagation.propagators.value.len(), 3);
    /// ```
    pub fn propagators(mut self, propagators: impl IntoIterator<Item = Propagator>) -> Self {
        self.input.propagation.propagators = Some(propagators.into_iter().collect());
        self
    }

    /// Inherited attributes that travel to other services as W3C baggage
    /// (`RIZK_BAGGAGE_ATTRIBUTES`, comma-separated). Opt-in: by default none does. Outgoing
    /// requests carry the listed keys of the current span's inherited attributes
    /// (`set_span_context`, organization, project, ...); an incoming request's baggage entries
    /// with these keys become inherited attributes of the server span and everything under it.
    /// Only identifiers: content keys such as `input.value` are refused at `init`.
    ///
    /// ```
    /// use rizk_core::RizkBuilder;
    ///
    /// let config = RizkBuilder::new()
    ///     .app_name("gateway")
    ///     .baggage_attributes(["organization.id", "conversation.id"])
    ///     .ignore_environment()
    ///     .build_config()
    ///     .unwrap();
    /// assert_eq!(config.propagation.baggage_attributes.value, ["organization.id", "conversation.id"]);
    ///
    /// let refused = RizkBuilder::new().app_name("gateway").baggage_attributes(["input.value"])
    ///     .ignore_environment().build_config();
    /// assert!(refused.is_err());
    /// ```
    pub fn baggage_attributes<I, S>(mut self, keys: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.input.propagation.baggage_attributes =
            Some(keys.into_iter().map(Into::into).collect());
        self
    }
}
