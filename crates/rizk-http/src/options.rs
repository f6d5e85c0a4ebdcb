//! The propagation options (propagators, baggage allow-list), owned here because this crate
//! builds the propagators and carries the allowed attributes: the builder setters
//! ([`PropagationBuilderExt`]), the variables they read, their validation, and their lines of
//! `get_trace_config()`. [`register`](crate::register) makes them an option group of the builder.

use std::fmt;
use std::str::FromStr;

use rizk_core::config::{Config, EnvSource, OptionGroup, Setting, Source, Sourced, read};
use rizk_core::{Result, RizkBuilder, RizkError};

/// The values `OTEL_PROPAGATORS` / `RIZK_PROPAGATORS` accept, for error messages.
const PROPAGATOR_VALUES: &str = "tracecontext, baggage, b3, b3multi, jaeger, datadog or none";

/// A header format that carries the trace context (and baggage) between services.
///
/// The names are those of the standard `OTEL_PROPAGATORS` variable.
///
/// ```
/// use rizk_http::Propagator;
///
/// assert_eq!("b3multi".parse::<Propagator>().unwrap(), Propagator::B3Multi);
/// assert_eq!(Propagator::TraceContext.to_string(), "tracecontext");
/// assert!("xray".parse::<Propagator>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Propagator {
    /// W3C Trace Context: `traceparent` and `tracestate`.
    TraceContext,
    /// W3C Baggage: `baggage`.
    Baggage,
    /// Zipkin B3, single header: `b3: {trace}-{span}-{sampled}`. Extraction also reads the
    /// multi-header form.
    B3,
    /// Zipkin B3, multiple headers: `X-B3-TraceId`, `X-B3-SpanId`, `X-B3-Sampled`. Extraction
    /// also reads the single-header form.
    B3Multi,
    /// Jaeger: `uber-trace-id`, and `uberctx-{key}` for baggage.
    Jaeger,
    /// Datadog: `x-datadog-trace-id`, `x-datadog-parent-id`, `x-datadog-sampling-priority`,
    /// and the upper half of 128-bit trace ids in `x-datadog-tags` (`_dd.p.tid`).
    Datadog,
}

impl Propagator {
    /// Every propagator, in the order of the documentation.
    ///
    /// ```
    /// assert_eq!(rizk_http::Propagator::ALL.len(), 6);
    /// ```
    pub const ALL: [Propagator; 6] = [
        Propagator::TraceContext,
        Propagator::Baggage,
        Propagator::B3,
        Propagator::B3Multi,
        Propagator::Jaeger,
        Propagator::Datadog,
    ];

    /// The default set: W3C Trace Context and W3C Baggage.
    ///
    /// ```
    /// use rizk_http::Propagator;
    /// assert_eq!(Propagator::DEFAULT, [Propagator::TraceContext, Propagator::Baggage]);
    /// ```
    pub const DEFAULT: [Propagator; 2] = [Propagator::TraceContext, Propagator::Baggage];

    /// The name used in `OTEL_PROPAGATORS`.
    ///
    /// ```
    /// assert_eq!(rizk_http::Propagator::Jaeger.as_str(), "jaeger");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Propagator::TraceContext => "tracecontext",
            Propagator::Baggage => "baggage",
            Propagator::B3 => "b3",
            Propagator::B3Multi => "b3multi",
            Propagator::Jaeger => "jaeger",
            Propagator::Datadog => "datadog",
        }
    }

    /// Whether this format carries baggage (W3C `baggage`, Jaeger `uberctx-*`).
    ///
    /// ```
    /// use rizk_http::Propagator;
    /// assert!(Propagator::Jaeger.carries_baggage());
    /// assert!(!Propagator::B3.carries_baggage());
    /// ```
    pub fn carries_baggage(self) -> bool {
        matches!(self, Propagator::Baggage | Propagator::Jaeger)
    }
}

impl fmt::Display for Propagator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Propagator {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        let name = s.trim().to_ascii_lowercase();
        Propagator::ALL
            .into_iter()
            .find(|p| p.as_str() == name)
            .ok_or_else(|| match name.as_str() {
                "xray" | "ottrace" => {
                    format!("propagator {s:?} is not supported by rizk")
                }
                "w3c" | "traceparent" => {
                    format!("propagator {s:?} is unknown (W3C Trace Context is \"tracecontext\")")
                }
                _ => format!("propagator {s:?} is unknown"),
            })
    }
}

/// What the builder was given for these options: the option group [`register`](crate::register)
/// adds.
#[derive(Debug, Clone, Default)]
pub(crate) struct PropagationInput {
    propagators: Option<Vec<Propagator>>,
    baggage_attributes: Option<Vec<String>>,
}

impl OptionGroup for PropagationInput {
    type Resolved = PropagationOptions;
    const ENV_VARS: &'static [&'static str] = &["RIZK_PROPAGATORS", "RIZK_BAGGAGE_ATTRIBUTES"];

    fn resolve(&self, _core: &Config, env: &dyn EnvSource) -> Result<PropagationOptions> {
        resolve(self, env)
    }

    fn settings(resolved: &PropagationOptions) -> Vec<Setting> {
        resolved.settings()
    }
}

/// The propagation setters of the builder (`use rizk::prelude::*` brings them in scope).
///
/// ```
/// use rizk_core::RizkBuilder;
/// use rizk_http::{Propagator, PropagationBuilderExt as _};
///
/// let config = rizk_http::register(RizkBuilder::new())
///     .app_name("svc")
///     .propagators([Propagator::TraceContext, Propagator::B3])
///     .ignore_environment()
///     .build_config()
///     .unwrap();
/// let options = rizk_http::options(&config).unwrap();
/// assert_eq!(options.propagators.value, [Propagator::TraceContext, Propagator::B3]);
/// ```
pub trait PropagationBuilderExt: Sized {
    /// The header formats to inject and extract, in order (replaces `OTEL_PROPAGATORS` /
    /// `RIZK_PROPAGATORS`). An empty list propagates nothing.
    ///
    /// ```
    /// use rizk_http::{Propagator, PropagationBuilderExt as _};
    ///
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .propagators([Propagator::TraceContext, Propagator::Jaeger])
    ///     .build_config().unwrap();
    /// assert_eq!(rizk_http::options(&config).unwrap().propagators.value.len(), 2);
    /// ```
    fn propagators(self, propagators: impl IntoIterator<Item = Propagator>) -> Self;

    /// Inherited attributes that travel to other services as baggage (identifiers only:
    /// content keys are refused). Replaces `RIZK_BAGGAGE_ATTRIBUTES`.
    ///
    /// ```
    /// use rizk_http::PropagationBuilderExt as _;
    ///
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .baggage_attributes(["conversation.id"]).build_config().unwrap();
    /// assert_eq!(rizk_http::options(&config).unwrap().baggage_attributes.value, ["conversation.id"]);
    /// let err = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .baggage_attributes(["input.value"]).build_config().unwrap_err();
    /// assert!(err.to_string().contains("content"));
    /// ```
    fn baggage_attributes<I, S>(self, keys: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>;
}

impl PropagationBuilderExt for RizkBuilder {
    fn propagators(mut self, propagators: impl IntoIterator<Item = Propagator>) -> Self {
        self.options_mut::<PropagationInput>().propagators =
            Some(propagators.into_iter().collect());
        self
    }

    fn baggage_attributes<I, S>(mut self, keys: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.options_mut::<PropagationInput>().baggage_attributes =
            Some(keys.into_iter().map(Into::into).collect());
        self
    }
}

/// The validated propagation options.
///
/// ```
/// use rizk_core::config::Source;
/// use rizk_http::Propagator;
///
/// let config = rizk_http::register(rizk_core::RizkBuilder::new()).app_name("svc")
///     .ignore_environment().build_config().unwrap();
/// let options = rizk_http::options(&config).unwrap();
/// assert_eq!(options.propagators.value, Propagator::DEFAULT);
/// assert_eq!(options.propagators.source, Source::Default);
/// assert!(options.baggage_attributes.value.is_empty());
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PropagationOptions {
    /// The header formats injected into and extracted from requests, in order (on extraction a
    /// later format wins when several are present). Empty: `none`, nothing is propagated.
    /// `OTEL_PROPAGATORS`, `RIZK_PROPAGATORS`.
    pub propagators: Sourced<Vec<Propagator>>,
    /// Inherited attributes (`set_span_context`, organization, project, ...) that travel to other
    /// services as baggage, and that a receiving service turns back into inherited attributes.
    /// Only identifiers: content keys (`input.value`, prompts, messages) are refused.
    /// `RIZK_BAGGAGE_ATTRIBUTES`.
    pub baggage_attributes: Sourced<Vec<String>>,
}

impl Default for PropagationOptions {
    fn default() -> Self {
        PropagationOptions {
            propagators: Sourced::new(Propagator::DEFAULT.to_vec(), Source::Default),
            baggage_attributes: Sourced::new(Vec::new(), Source::Default),
        }
    }
}

impl PropagationOptions {
    /// Whether the propagators were left at their default (so other settings, such as
    /// `trace_exporter = jaeger`, may add to them).
    ///
    /// ```
    /// assert!(rizk_http::PropagationOptions::default().propagators_are_default());
    /// ```
    pub fn propagators_are_default(&self) -> bool {
        self.propagators.source == Source::Default
    }

    /// These options as lines of `get_trace_config()`.
    ///
    /// ```
    /// let lines = rizk_http::PropagationOptions::default().settings();
    /// assert_eq!(lines[0].name, "propagators");
    /// assert_eq!(lines[0].value, "tracecontext,baggage");
    /// ```
    pub fn settings(&self) -> Vec<Setting> {
        let propagators = if self.propagators.value.is_empty() {
            "none".to_owned()
        } else {
            join(self.propagators.value.iter().map(|p| p.as_str()))
        };
        let attributes = if self.baggage_attributes.value.is_empty() {
            "none".to_owned()
        } else {
            join(self.baggage_attributes.value.iter().map(String::as_str))
        };
        vec![
            Setting::new("propagators", propagators, self.propagators.source),
            Setting::new(
                "baggage_attributes",
                attributes,
                self.baggage_attributes.source,
            ),
        ]
    }
}

fn join<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items.collect::<Vec<_>>().join(",")
}

/// Why `key` may not travel as baggage, if it may not: content, or not a valid baggage key.
///
/// ```
/// use rizk_http::baggage_attribute_problem;
///
/// assert!(baggage_attribute_problem("conversation.id").is_none());
/// assert!(baggage_attribute_problem("input.value").is_some());
/// assert!(baggage_attribute_problem("llm.input_messages.0.message.content").is_some());
/// assert!(baggage_attribute_problem("bad key").is_some());
/// ```
pub fn baggage_attribute_problem(key: &str) -> Option<String> {
    if key.is_empty() {
        return Some("an attribute name is empty".to_owned());
    }
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if !key.chars().all(token) {
        return Some(format!(
            "{key:?} is not a valid baggage key (letters, digits and !#$%&'*+-.^_`|~ only)"
        ));
    }
    if key.contains('*') {
        return Some(format!("{key:?} is a pattern; list exact attribute names"));
    }
    let lower = key.to_ascii_lowercase();
    const CONTENT_PREFIXES: &[&str] = &[
        "input.",
        "output.",
        "llm.input_messages",
        "llm.output_messages",
        "llm.prompt",
        "llm.tools",
        "gen_ai.prompt",
        "gen_ai.completion",
        "gen_ai.input.",
        "gen_ai.output.",
        "gen_ai.system_instructions",
        "gen_ai.tool.call.",
        "gen_ai.tool.definitions",
        "retrieval.documents",
        "reranker.",
        "embedding.embeddings",
        "tool.parameters",
        "exception.",
    ];
    const CONTENT_SEGMENTS: &[&str] = &[
        "content",
        "contents",
        "prompt",
        "prompts",
        "completion",
        "completions",
        "messages",
        "message",
        "arguments",
        "text",
        "body",
    ];
    let is_content = CONTENT_PREFIXES.iter().any(|p| lower.starts_with(p))
        || lower == "input"
        || lower == "output"
        || lower
            .split('.')
            .any(|segment| CONTENT_SEGMENTS.contains(&segment));
    is_content.then(|| {
        format!(
            "{key:?} is content (inputs, outputs, prompts or messages), which never travels as baggage"
        )
    })
}

fn parse_propagators(raw: &str) -> std::result::Result<Vec<Propagator>, (String, String)> {
    let names: Vec<&str> = raw
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let fix = format!(
        "use a comma-separated list of {PROPAGATOR_VALUES}, such as tracecontext,baggage,b3"
    );
    if names.iter().any(|n| n.eq_ignore_ascii_case("none")) {
        if names.len() > 1 {
            return Err((
                format!("{raw:?} combines \"none\" with other propagators"),
                "use \"none\" alone to propagate nothing, or list the propagators without it"
                    .to_owned(),
            ));
        }
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for name in names {
        let propagator = name.parse::<Propagator>().map_err(|problem| {
            (
                problem,
                format!("{fix}; other formats need a propagator of your own (RizkBuilder::propagator_factory)"),
            )
        })?;
        if !out.contains(&propagator) {
            out.push(propagator);
        }
    }
    Ok(out)
}

fn parse_attributes(raw: &str) -> std::result::Result<Vec<String>, (String, String)> {
    Ok(raw
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect())
}

fn attributes_fix() -> &'static str {
    "list identifiers such as organization.id,project.id,conversation.id,user.id; content never travels as baggage"
}

fn resolve(input: &PropagationInput, env: &dyn EnvSource) -> Result<PropagationOptions> {
    let propagators = match &input.propagators {
        Some(list) => {
            let mut out: Vec<Propagator> = Vec::with_capacity(list.len());
            for p in list {
                if !out.contains(p) {
                    out.push(*p);
                }
            }
            Sourced::new(out, Source::Builder)
        }
        None => match read::option(
            "propagators",
            None,
            env,
            &["RIZK_PROPAGATORS", "OTEL_PROPAGATORS"],
            read::text,
        )? {
            Some(raw) => match parse_propagators(&raw.value) {
                Ok(list) => Sourced::new(list, raw.source),
                Err((problem, fix)) => {
                    return Err(RizkError::invalid("propagators", raw.source, problem, fix));
                }
            },
            None => Sourced::new(Propagator::DEFAULT.to_vec(), Source::Default),
        },
    };

    let baggage_attributes = match read::option(
        "baggage_attributes",
        input.baggage_attributes.clone(),
        env,
        &["RIZK_BAGGAGE_ATTRIBUTES"],
        parse_attributes,
    )? {
        Some(list) => list,
        None => Sourced::new(Vec::new(), Source::Default),
    };
    let mut unique: Vec<String> = Vec::with_capacity(baggage_attributes.value.len());
    for key in &baggage_attributes.value {
        let key = key.trim();
        if let Some(problem) = baggage_attribute_problem(key) {
            return Err(RizkError::invalid(
                "baggage_attributes",
                baggage_attributes.source,
                problem,
                attributes_fix(),
            ));
        }
        if !unique.iter().any(|k| k == key) {
            unique.push(key.to_owned());
        }
    }
    let baggage_attributes = Sourced::new(unique, baggage_attributes.source);

    if !baggage_attributes.value.is_empty()
        && !propagators.value.iter().any(|p| p.carries_baggage())
    {
        let names = if propagators.value.is_empty() {
            "none".to_owned()
        } else {
            join(propagators.value.iter().map(|p| p.as_str()))
        };
        return Err(RizkError::invalid(
            "baggage_attributes",
            baggage_attributes.source,
            format!(
                "attributes are to travel as baggage, but no configured propagator carries baggage (propagators: {names}, from {})",
                propagators.source
            ),
            "add baggage (or jaeger) to the propagators, such as OTEL_PROPAGATORS=tracecontext,baggage",
        ));
    }

    Ok(PropagationOptions {
        propagators,
        baggage_attributes,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn config(
        env: &[(&str, &str)],
        builder: impl FnOnce(RizkBuilder) -> RizkBuilder,
    ) -> Result<PropagationOptions> {
        let env: BTreeMap<String, String> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        builder(crate::register(RizkBuilder::new()).app_name("svc").env(env))
            .build_config()
            .map(|c| crate::options(&c).unwrap().clone())
    }

    fn field_and_message(err: RizkError) -> (String, String) {
        let message = err.to_string();
        match err {
            RizkError::InvalidConfig { field, .. } => (field, message),
            other => panic!("expected InvalidConfig, got {other:?}"),
        }
    }

    #[test]
    fn default_is_w3c_trace_context_and_baggage() {
        let p = config(&[], |b| b).unwrap();
        assert_eq!(p.propagators.value, Propagator::DEFAULT);
        assert_eq!(p.propagators.source, Source::Default);
        assert!(p.propagators_are_default());
    }

    #[test]
    fn otel_propagators_is_read_and_deduplicated() {
        let p = config(
            &[(
                "OTEL_PROPAGATORS",
                " TraceContext, b3multi ,b3multi,jaeger,datadog",
            )],
            |b| b,
        )
        .unwrap();
        assert_eq!(
            p.propagators.value,
            [
                Propagator::TraceContext,
                Propagator::B3Multi,
                Propagator::Jaeger,
                Propagator::Datadog
            ]
        );
        assert_eq!(p.propagators.source, Source::Env("OTEL_PROPAGATORS"));
    }

    #[test]
    fn rizk_variable_wins_over_otel_and_builder_wins_over_both() {
        let env = [("OTEL_PROPAGATORS", "b3"), ("RIZK_PROPAGATORS", "jaeger")];
        let p = config(&env, |b| b).unwrap();
        assert_eq!(p.propagators.value, [Propagator::Jaeger]);
        let p = config(&env, |b| b.propagators([Propagator::Datadog])).unwrap();
        assert_eq!(p.propagators.value, [Propagator::Datadog]);
        assert_eq!(p.propagators.source, Source::Builder);
    }

    #[test]
    fn none_propagates_nothing_and_cannot_be_combined() {
        let p = config(&[("OTEL_PROPAGATORS", "none")], |b| b).unwrap();
        assert!(p.propagators.value.is_empty());
        let (field, message) =
            field_and_message(config(&[("OTEL_PROPAGATORS", "none,b3")], |b| b).unwrap_err());
        assert_eq!(field, "propagators");
        assert!(message.contains("\"none\" alone"), "{message}");
    }

    #[test]
    fn unknown_propagator_names_the_value_and_the_fix() {
        let (field, message) = field_and_message(
            config(&[("OTEL_PROPAGATORS", "tracecontext,xray")], |b| b).unwrap_err(),
        );
        assert_eq!(field, "propagators");
        assert!(message.contains("\"xray\""), "{message}");
        assert!(message.contains("OTEL_PROPAGATORS"), "{message}");
        assert!(
            message.contains("tracecontext, baggage, b3, b3multi, jaeger, datadog"),
            "{message}"
        );
        let (_, message) =
            field_and_message(config(&[("RIZK_PROPAGATORS", "w3c")], |b| b).unwrap_err());
        assert!(message.contains("\"tracecontext\""), "{message}");
    }

    #[test]
    fn baggage_attributes_from_builder_and_environment() {
        let p = config(
            &[(
                "RIZK_BAGGAGE_ATTRIBUTES",
                "organization.id, user.id,user.id",
            )],
            |b| b,
        )
        .unwrap();
        assert_eq!(p.baggage_attributes.value, ["organization.id", "user.id"]);
        assert_eq!(
            p.baggage_attributes.source,
            Source::Env("RIZK_BAGGAGE_ATTRIBUTES")
        );
        let p = config(&[("RIZK_BAGGAGE_ATTRIBUTES", "user.id")], |b| {
            b.baggage_attributes(["conversation.id"])
        })
        .unwrap();
        assert_eq!(p.baggage_attributes.value, ["conversation.id"]);
    }

    #[test]
    fn content_keys_are_refused() {
        for key in [
            "input.value",
            "output.value",
            "llm.input_messages.0.message.content",
            "gen_ai.prompt",
            "gen_ai.input.messages",
            "app.prompt",
            "input",
        ] {
            let (field, message) =
                field_and_message(config(&[], |b| b.baggage_attributes([key])).unwrap_err());
            assert_eq!(field, "baggage_attributes");
            assert!(message.contains("content"), "{key}: {message}");
        }
        let (_, message) = field_and_message(
            config(
                &[("RIZK_BAGGAGE_ATTRIBUTES", "user.id,output.value")],
                |b| b,
            )
            .unwrap_err(),
        );
        assert!(message.contains("RIZK_BAGGAGE_ATTRIBUTES"), "{message}");
        for key in ["bad key", "a,b=c", "", "app.*"] {
            assert!(baggage_attribute_problem(key).is_some(), "{key:?}");
        }
        for key in [
            "organization.id",
            "project.id",
            "conversation.id",
            "user.id",
            "tenant",
            "request.id",
        ] {
            assert!(baggage_attribute_problem(key).is_none(), "{key:?}");
        }
    }

    #[test]
    fn baggage_attributes_need_a_propagator_that_carries_baggage() {
        let (field, message) = field_and_message(
            config(&[("OTEL_PROPAGATORS", "tracecontext,b3")], |b| {
                b.baggage_attributes(["user.id"])
            })
            .unwrap_err(),
        );
        assert_eq!(field, "baggage_attributes");
        assert!(message.contains("tracecontext,b3"), "{message}");
        assert!(
            config(&[("OTEL_PROPAGATORS", "jaeger")], |b| b
                .baggage_attributes(["user.id"]))
            .is_ok()
        );
    }

    #[test]
    fn settings_show_values_and_sources() {
        let p = config(&[("OTEL_PROPAGATORS", "none")], |b| b).unwrap();
        let lines = p.settings();
        assert_eq!(lines[0].value, "none");
        assert_eq!(lines[0].source, Source::Env("OTEL_PROPAGATORS"));
        assert_eq!(lines[1].value, "none");
    }
}
