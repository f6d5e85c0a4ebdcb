//! The content options of [`RizkBuilder`].

use super::RizkBuilder;

impl RizkBuilder {
    /// Whether prompts sent to models may be recorded (default: as `trace_content`).
    pub fn trace_llm_inputs(mut self, enabled: bool) -> Self {
        self.input.content.trace_llm_inputs = Some(enabled);
        self
    }

    /// Whether model completions may be recorded (default: as `trace_content`).
    pub fn trace_llm_outputs(mut self, enabled: bool) -> Self {
        self.input.content.trace_llm_outputs = Some(enabled);
        self
    }

    /// Whether what users send (workflow inputs, user messages) may be recorded (default: as
    /// `trace_content`).
    pub fn trace_user_inputs(mut self, enabled: bool) -> Self {
        self.input.content.trace_user_inputs = Some(enabled);
        self
    }

    /// Whether system prompts may be recorded (default: as `trace_llm_inputs`).
    pub fn trace_system_prompts(mut self, enabled: bool) -> Self {
        self.input.content.trace_system_prompts = Some(enabled);
        self
    }

    /// Records metadata only: no content at all, whatever the other flags say.
    pub fn trace_metadata_only(mut self, enabled: bool) -> Self {
        self.input.content.trace_metadata_only = Some(enabled);
        self
    }

    /// Replaces content that may not be recorded by `sha256:<hex>` of it, so equal prompts can be
    /// matched without being readable.
    pub fn trace_content_hashes(mut self, enabled: bool) -> Self {
        self.input.content.trace_content_hashes = Some(enabled);
        self
    }

    /// Redacts PII, financial data and secrets in recorded content before export (default on).
    pub fn content_redaction_enabled(mut self, enabled: bool) -> Self {
        self.input.content.content_redaction_enabled = Some(enabled);
        self
    }
}
