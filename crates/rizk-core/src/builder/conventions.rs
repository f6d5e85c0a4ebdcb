//! The semantic-convention options of [`RizkBuilder`].

use super::RizkBuilder;
use crate::config::KeyFamilies;

/// Which conventions exported spans speak. See `docs/semantic-conventions.md`.
impl RizkBuilder {
    /// The key families exported: OpenInference, the OpenTelemetry GenAI conventions, or both
    /// (the default). Keys of neither family (`rizk.*`, `server.*`, `error.type`, your own)
    /// are always kept. Replaces `RIZK_SEMCONV_FAMILIES`.
    ///
    /// ```
    /// use rizk_core::config::KeyFamilies;
    ///
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .semconv_families(KeyFamilies::GenAi).build_config().unwrap();
    /// assert_eq!(config.conventions.families.value, KeyFamilies::GenAi);
    /// ```
    pub fn semconv_families(mut self, families: KeyFamilies) -> Self {
        self.input.conventions.families = Some(families);
        self
    }

    /// Exports successful spans (status UNSET) with status OK, as Phoenix's own
    /// instrumentations do, so its UI shows them green. Off by default, as OpenTelemetry asks
    /// of instrumentation libraries. Replaces `RIZK_SPAN_STATUS_OK`.
    ///
    /// ```
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .span_status_ok(true).build_config().unwrap();
    /// assert!(config.conventions.status_ok.value);
    /// ```
    pub fn span_status_ok(mut self, enabled: bool) -> Self {
        self.input.conventions.status_ok = Some(enabled);
        self
    }

    /// Exports LLM, agent and tool spans with the GenAI conventions' names (`chat gpt-4o`,
    /// `invoke_agent planner`, `execute_tool search`) instead of the spec's. Replaces
    /// `OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental`.
    ///
    /// ```
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .gen_ai_span_names(true).build_config().unwrap();
    /// assert!(config.conventions.gen_ai_span_names.value);
    /// ```
    pub fn gen_ai_span_names(mut self, enabled: bool) -> Self {
        self.input.conventions.gen_ai_span_names = Some(enabled);
        self
    }
}
