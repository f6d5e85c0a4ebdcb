//! Options for the content policy: which inputs, outputs, prompts and completions may be
//! recorded, hashed instead, or redacted before export.
//!
//! This file owns them end to end: the builder methods (an `impl RizkBuilder` block), the
//! `RIZK_*` variables they read ([`ENV_VARS`]), and their validation ([`resolve`]).
//! `trace_content` itself is a core option (`Config::trace_content`); how the flags combine is
//! [`crate::content::ContentPolicy::treatment`].

use super::parse::parse_bool;
use super::{EnvSource, Source, Sourced};
use crate::error::{Result, RizkError};

/// The `RIZK_*` variables these options read.
pub(super) const ENV_VARS: &[&str] = &[
    "RIZK_TRACE_LLM_INPUTS",
    "RIZK_TRACE_LLM_OUTPUTS",
    "RIZK_TRACE_USER_INPUTS",
    "RIZK_TRACE_SYSTEM_PROMPTS",
    "RIZK_TRACE_METADATA_ONLY",
    "RIZK_TRACE_CONTENT_HASHES",
    "RIZK_CONTENT_REDACTION_ENABLED",
];

/// What the builder was given for these options.
#[derive(Debug, Clone, Default)]
pub(crate) struct ContentInput {
    pub(crate) trace_llm_inputs: Option<bool>,
    pub(crate) trace_llm_outputs: Option<bool>,
    pub(crate) trace_user_inputs: Option<bool>,
    pub(crate) trace_system_prompts: Option<bool>,
    pub(crate) trace_metadata_only: Option<bool>,
    pub(crate) trace_content_hashes: Option<bool>,
    pub(crate) content_redaction_enabled: Option<bool>,
}

/// The validated content flags. `None` means "as `trace_content` says".
///
/// ```
/// let config = rizk_core::RizkBuilder::new()
///     .app_name("svc")
///     .trace_user_inputs(false)
///     .ignore_environment()
///     .build_config()
///     .unwrap();
/// assert_eq!(config.content.trace_user_inputs.map(|s| s.value), Some(false));
/// assert!(config.content.content_redaction_enabled.is_none()); // on when a redactor is installed
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ContentOptions {
    /// Prompts sent to models.
    pub trace_llm_inputs: Option<Sourced<bool>>,
    /// Completions received from models.
    pub trace_llm_outputs: Option<Sourced<bool>>,
    /// What the user sent: the inputs of workflows and user messages to models.
    pub trace_user_inputs: Option<Sourced<bool>>,
    /// System prompts (default: as `trace_llm_inputs`).
    pub trace_system_prompts: Option<Sourced<bool>>,
    /// Record no content at all, whatever the other flags say.
    pub trace_metadata_only: Sourced<bool>,
    /// Replace content that may not be recorded by its SHA-256 digest instead of leaving it out.
    pub trace_content_hashes: Sourced<bool>,
    /// Redact PII, financial data and secrets in recorded content before export. `None`: on
    /// when a redactor is installed (the `rizk` facade installs one by default).
    pub content_redaction_enabled: Option<Sourced<bool>>,
}

impl Default for ContentOptions {
    fn default() -> Self {
        ContentOptions {
            trace_llm_inputs: None,
            trace_llm_outputs: None,
            trace_user_inputs: None,
            trace_system_prompts: None,
            trace_metadata_only: Sourced::new(false, Source::Default),
            trace_content_hashes: Sourced::new(false, Source::Default),
            content_redaction_enabled: None,
        }
    }
}

pub(super) fn resolve(input: &ContentInput, env: &dyn EnvSource) -> Result<ContentOptions> {
    let flag = |builder: Option<bool>, var: &'static str| -> Result<Option<Sourced<bool>>> {
        if let Some(value) = builder {
            return Ok(Some(Sourced::new(value, Source::Builder)));
        }
        match env.var(var).filter(|v| !v.trim().is_empty()) {
            Some(raw) => parse_bool(raw.trim())
                .map(|v| Some(Sourced::new(v, Source::Env(var))))
                .map_err(|(problem, fix)| {
                    RizkError::invalid(
                        var.trim_start_matches("RIZK_").to_ascii_lowercase(),
                        Source::Env(var),
                        problem,
                        fix,
                    )
                }),
            None => Ok(None),
        }
    };
    let defaults = ContentOptions::default();
    Ok(ContentOptions {
        trace_llm_inputs: flag(input.trace_llm_inputs, "RIZK_TRACE_LLM_INPUTS")?,
        trace_llm_outputs: flag(input.trace_llm_outputs, "RIZK_TRACE_LLM_OUTPUTS")?,
        trace_user_inputs: flag(input.trace_user_inputs, "RIZK_TRACE_USER_INPUTS")?,
        trace_system_prompts: flag(input.trace_system_prompts, "RIZK_TRACE_SYSTEM_PROMPTS")?,
        trace_metadata_only: flag(input.trace_metadata_only, "RIZK_TRACE_METADATA_ONLY")?
            .unwrap_or(defaults.trace_metadata_only),
        trace_content_hashes: flag(input.trace_content_hashes, "RIZK_TRACE_CONTENT_HASHES")?
            .unwrap_or(defaults.trace_content_hashes),
        content_redaction_enabled: flag(
            input.content_redaction_enabled,
            "RIZK_CONTENT_REDACTION_ENABLED",
        )?,
    })
}
