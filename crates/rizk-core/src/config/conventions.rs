//! Options for how spans speak the semantic conventions: which families of keys are exported,
//! whether successful spans get status OK, and which span names LLM spans carry. The
//! `RIZK_*` variables they read ([`ENV_VARS`]) and their validation ([`resolve`]); the export
//! stage that applies them is `export/conventions.rs`.

use std::fmt;
use std::str::FromStr;

use super::parse::parse_bool;
use super::read::option;
use super::{EnvSource, Setting, Source, Sourced};
use crate::error::Result;

/// The `RIZK_*` variables these options read.
pub(super) const ENV_VARS: &[&str] = &["RIZK_SEMCONV_FAMILIES", "RIZK_SPAN_STATUS_OK"];

/// The `OTEL_SEMCONV_STABILITY_OPT_IN` value that switches to the GenAI conventions' span
/// names (the value OpenTelemetry's GenAI instrumentations read).
///
/// ```
/// use rizk_core::config::GEN_AI_LATEST_EXPERIMENTAL;
///
/// let env = std::collections::BTreeMap::from([(
///     "OTEL_SEMCONV_STABILITY_OPT_IN".to_owned(),
///     format!("http,{GEN_AI_LATEST_EXPERIMENTAL}"),
/// )]);
/// let config = rizk_core::RizkBuilder::new().app_name("svc").env(env).build_config().unwrap();
/// assert!(config.conventions.gen_ai_span_names.value);
/// ```
pub const GEN_AI_LATEST_EXPERIMENTAL: &str = "gen_ai_latest_experimental";

/// Which families of semantic-convention keys spans are exported with.
///
/// ```
/// use rizk_core::config::KeyFamilies;
///
/// assert_eq!("gen_ai".parse::<KeyFamilies>().unwrap(), KeyFamilies::GenAi);
/// assert_eq!(KeyFamilies::default(), KeyFamilies::Both);
/// assert!("otel".parse::<KeyFamilies>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyFamilies {
    /// OpenInference keys (`input.value`, `llm.*`, `openinference.span.kind`, ...): what
    /// Phoenix and Arize read. GenAI keys (`gen_ai.*`) are left out.
    OpenInference,
    /// The OpenTelemetry GenAI conventions (`gen_ai.*`): what Datadog LLM Observability,
    /// Grafana, Langfuse and MLflow read. OpenInference keys are left out.
    GenAi,
    /// Both (the default): every backend finds its keys.
    #[default]
    Both,
}

impl KeyFamilies {
    /// The name used in `RIZK_SEMCONV_FAMILIES`.
    ///
    /// ```
    /// assert_eq!(rizk_core::config::KeyFamilies::OpenInference.as_str(), "openinference");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            KeyFamilies::OpenInference => "openinference",
            KeyFamilies::GenAi => "gen_ai",
            KeyFamilies::Both => "both",
        }
    }
}

impl fmt::Display for KeyFamilies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for KeyFamilies {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "openinference" => Ok(KeyFamilies::OpenInference),
            "gen_ai" | "genai" => Ok(KeyFamilies::GenAi),
            "both" => Ok(KeyFamilies::Both),
            other => Err(format!("{other:?} is not a key family")),
        }
    }
}

/// What the builder was given for these options.
#[derive(Debug, Clone, Default)]
pub(crate) struct ConventionInput {
    pub(crate) families: Option<KeyFamilies>,
    pub(crate) status_ok: Option<bool>,
    pub(crate) gen_ai_span_names: Option<bool>,
}

/// The validated convention options.
///
/// ```
/// use rizk_core::config::KeyFamilies;
///
/// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
///     .build_config().unwrap();
/// assert_eq!(config.conventions.families.value, KeyFamilies::Both);
/// assert!(!config.conventions.status_ok.value);
/// assert!(!config.conventions.gen_ai_span_names.value);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ConventionOptions {
    /// The key families exported. `RIZK_SEMCONV_FAMILIES`.
    pub families: Sourced<KeyFamilies>,
    /// Successful spans (status UNSET) are exported with status OK, as Phoenix's own
    /// instrumentations do. Off by default: OpenTelemetry asks instrumentation libraries to
    /// leave UNSET. `RIZK_SPAN_STATUS_OK`.
    pub status_ok: Sourced<bool>,
    /// LLM, agent and tool spans are exported with the GenAI conventions' names (`chat
    /// gpt-4o`, `invoke_agent planner`, `execute_tool search`) instead of the spec's
    /// (`openai.chat.completions`, `agent.planner`, `tool.search`).
    /// `OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental`.
    pub gen_ai_span_names: Sourced<bool>,
}

impl Default for ConventionOptions {
    fn default() -> Self {
        ConventionOptions {
            families: Sourced::new(KeyFamilies::Both, Source::Default),
            status_ok: Sourced::new(false, Source::Default),
            gen_ai_span_names: Sourced::new(false, Source::Default),
        }
    }
}

impl ConventionOptions {
    /// Whether the options change nothing (so the export stage is left out).
    ///
    /// ```
    /// assert!(rizk_core::config::ConventionOptions::default().is_neutral());
    /// ```
    pub fn is_neutral(&self) -> bool {
        self.families.value == KeyFamilies::Both
            && !self.status_ok.value
            && !self.gen_ai_span_names.value
    }

    /// These options as lines of `get_trace_config()`.
    ///
    /// ```
    /// let lines = rizk_core::config::ConventionOptions::default().settings();
    /// assert_eq!((lines[0].name, lines[0].value.as_str()), ("semconv_families", "both"));
    /// ```
    pub fn settings(&self) -> Vec<Setting> {
        vec![
            Setting::of("semconv_families", &self.families),
            Setting::of("span_status_ok", &self.status_ok),
            Setting::of("gen_ai_span_names", &self.gen_ai_span_names),
        ]
    }
}

pub(super) fn resolve(input: &ConventionInput, env: &dyn EnvSource) -> Result<ConventionOptions> {
    let defaults = ConventionOptions::default();
    let families = option(
        "semconv_families",
        input.families,
        env,
        &["RIZK_SEMCONV_FAMILIES"],
        |s| {
            s.parse::<KeyFamilies>()
                .map_err(|problem| (problem, "use openinference, gen_ai or both".to_owned()))
        },
    )?
    .unwrap_or(defaults.families);
    let status_ok = option(
        "span_status_ok",
        input.status_ok,
        env,
        &["RIZK_SPAN_STATUS_OK"],
        parse_bool,
    )?
    .unwrap_or(defaults.status_ok);
    // A comma-separated list of opt-ins, of which other conventions (http, database) have
    // their own values: only ours is read, the others are left to their instrumentations.
    let gen_ai_span_names = option(
        "gen_ai_span_names",
        input.gen_ai_span_names,
        env,
        &["OTEL_SEMCONV_STABILITY_OPT_IN"],
        |s| {
            Ok(s.split(',')
                .any(|v| v.trim().eq_ignore_ascii_case(GEN_AI_LATEST_EXPERIMENTAL)))
        },
    )?
    .unwrap_or(defaults.gen_ai_span_names);
    Ok(ConventionOptions {
        families,
        status_ok,
        gen_ai_span_names,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn resolve_env(vars: &[(&str, &str)]) -> Result<ConventionOptions> {
        let env: BTreeMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        resolve(&ConventionInput::default(), &env)
    }

    #[test]
    fn the_opt_in_list_is_read_for_the_gen_ai_value_only() {
        let o = resolve_env(&[(
            "OTEL_SEMCONV_STABILITY_OPT_IN",
            "http, gen_ai_latest_experimental",
        )])
        .unwrap();
        assert!(o.gen_ai_span_names.value);
        assert_eq!(
            o.gen_ai_span_names.source,
            Source::Env("OTEL_SEMCONV_STABILITY_OPT_IN")
        );
        let o = resolve_env(&[("OTEL_SEMCONV_STABILITY_OPT_IN", "http,database")]).unwrap();
        assert!(!o.gen_ai_span_names.value);
    }

    #[test]
    fn families_and_status_are_read_and_bad_values_named() {
        let o = resolve_env(&[
            ("RIZK_SEMCONV_FAMILIES", "openinference"),
            ("RIZK_SPAN_STATUS_OK", "true"),
        ])
        .unwrap();
        assert_eq!(o.families.value, KeyFamilies::OpenInference);
        assert!(o.status_ok.value);
        assert!(!o.is_neutral());
        let err = resolve_env(&[("RIZK_SEMCONV_FAMILIES", "otel")]).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("semconv_families") && msg.contains("gen_ai"),
            "{msg}"
        );
    }
}
