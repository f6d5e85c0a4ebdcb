//! The content options of [`RizkBuilder`].

use super::RizkBuilder;

impl RizkBuilder {
    /// Whether prompts sent to models may be recorded (default: as `trace_content`).
    ///
    /// ```
    /// use rizk_core::content::{ContentKind, ContentPolicy};
    ///
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .trace_llm_inputs(false).build_config().unwrap();
    /// let policy = ContentPolicy::from_config(&config, false);
    /// assert!(!policy.allows(ContentKind::LlmInput));
    /// assert!(policy.allows(ContentKind::LlmOutput));
    /// ```
    pub fn trace_llm_inputs(mut self, enabled: bool) -> Self {
        self.input.content.trace_llm_inputs = Some(enabled);
        self
    }

    /// Whether model completions may be recorded (default: as `trace_content`).
    ///
    /// ```
    /// use rizk_core::content::{ContentKind, ContentPolicy};
    ///
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .trace_llm_outputs(false).build_config().unwrap();
    /// let policy = ContentPolicy::from_config(&config, false);
    /// assert!(!policy.allows(ContentKind::LlmOutput));
    /// assert!(policy.allows(ContentKind::LlmInput));
    /// ```
    pub fn trace_llm_outputs(mut self, enabled: bool) -> Self {
        self.input.content.trace_llm_outputs = Some(enabled);
        self
    }

    /// Whether what users send (workflow inputs, user messages) may be recorded (default: as
    /// `trace_content`).
    ///
    /// ```
    /// use rizk_core::content::{ContentKind, ContentPolicy};
    ///
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .trace_user_inputs(false).build_config().unwrap();
    /// let policy = ContentPolicy::from_config(&config, false);
    /// assert!(!policy.allows(ContentKind::UserInput));
    /// assert!(policy.allows(ContentKind::FunctionInput));
    /// ```
    pub fn trace_user_inputs(mut self, enabled: bool) -> Self {
        self.input.content.trace_user_inputs = Some(enabled);
        self
    }

    /// Whether system prompts may be recorded (default: as `trace_llm_inputs`).
    ///
    /// ```
    /// use rizk_core::content::{ContentKind, ContentPolicy};
    ///
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .trace_system_prompts(false).build_config().unwrap();
    /// let policy = ContentPolicy::from_config(&config, false);
    /// assert!(!policy.allows(ContentKind::SystemPrompt));
    /// assert!(policy.allows(ContentKind::LlmInput));
    /// ```
    pub fn trace_system_prompts(mut self, enabled: bool) -> Self {
        self.input.content.trace_system_prompts = Some(enabled);
        self
    }

    /// Records metadata only: no content at all, whatever the other flags say.
    ///
    /// ```
    /// use rizk_core::content::{ContentKind, ContentPolicy};
    ///
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .trace_content(true).trace_metadata_only(true).build_config().unwrap();
    /// let policy = ContentPolicy::from_config(&config, false);
    /// assert!(ContentKind::ALL.iter().all(|&kind| !policy.allows(kind)));
    /// ```
    pub fn trace_metadata_only(mut self, enabled: bool) -> Self {
        self.input.content.trace_metadata_only = Some(enabled);
        self
    }

    /// Replaces content that may not be recorded by `sha256:<hex>` of it, so equal prompts can be
    /// matched without being readable.
    ///
    /// ```
    /// use rizk_core::content::{ContentKind, ContentPolicy, Treatment};
    ///
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .trace_content(false).trace_content_hashes(true).build_config().unwrap();
    /// let policy = ContentPolicy::from_config(&config, false);
    /// assert_eq!(policy.treatment(ContentKind::FunctionInput), Treatment::Hash);
    /// ```
    pub fn trace_content_hashes(mut self, enabled: bool) -> Self {
        self.input.content.trace_content_hashes = Some(enabled);
        self
    }

    /// Redacts PII, financial data and secrets in recorded content before export (default on).
    ///
    /// ```
    /// use rizk_core::content::{ContentKind, ContentPolicy, Treatment};
    ///
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .content_redaction_enabled(false).build_config().unwrap();
    /// let policy = ContentPolicy::from_config(&config, true);
    /// assert_eq!(policy.treatment(ContentKind::FunctionInput), Treatment::Record);
    /// ```
    pub fn content_redaction_enabled(mut self, enabled: bool) -> Self {
        self.input.content.content_redaction_enabled = Some(enabled);
        self
    }
}
