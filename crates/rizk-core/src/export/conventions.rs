//! The semantic-convention choices of `Config::conventions`, applied once per span on the
//! export thread: the GenAI conventions' span names, status OK for successful spans, and the
//! key families exported. Here too is the one rule that says which family a key belongs to.

use std::borrow::Cow;

use opentelemetry::trace::Status;
use opentelemetry_sdk::trace::SpanData;

use crate::config::{ConventionOptions, KeyFamilies};
use crate::content::SpanTransform;
use crate::semconv;

/// The prefixes of OpenInference's keys (its `semconv` attribute names), `session.id` and
/// `user.id` excepted: OpenTelemetry's general conventions use them too.
const OPENINFERENCE_PREFIXES: &[&str] = &[
    "openinference.",
    "input.",
    "output.",
    "llm.",
    "embedding.",
    "retrieval.",
    "reranker.",
    "document.",
    "message.",
    "tool.",
    "tool_call.",
    "prompt.",
    "graph.",
    "agent.name",
    "tag.tags",
    "metadata",
];

/// The family a key belongs to: `gen_ai.*` is the GenAI conventions', OpenInference's keys
/// its own; `None` for every other key (rizk's `rizk.*`, `server.*`, `error.type`, yours).
pub(crate) fn family_of(key: &str) -> Option<KeyFamilies> {
    if key.starts_with("gen_ai.") {
        Some(KeyFamilies::GenAi)
    } else if OPENINFERENCE_PREFIXES.iter().any(|p| key.starts_with(p)) {
        Some(KeyFamilies::OpenInference)
    } else {
        None
    }
}

/// The GenAI conventions' name of a span, from its `gen_ai.operation.name` and the key that
/// names its target: `chat gpt-4o`, `embeddings text-embedding-3-small`, `execute_tool
/// search`, `invoke_agent planner`. `None` for an operation the conventions do not name this
/// way (a workflow keeps its name).
pub(crate) fn gen_ai_name(span: &SpanData) -> Option<String> {
    let attribute = |key: &str| {
        span.attributes
            .iter()
            .find(|kv| kv.key.as_str() == key)
            .map(|kv| kv.value.as_str())
    };
    let operation = attribute(semconv::GEN_AI_OPERATION_NAME)?;
    let target_key = match operation.as_ref() {
        "chat" | "text_completion" | "generate_content" | "embeddings" => {
            semconv::GEN_AI_REQUEST_MODEL
        }
        "execute_tool" => semconv::GEN_AI_TOOL_NAME,
        "invoke_agent" | "create_agent" => semconv::GEN_AI_AGENT_NAME,
        _ => return None,
    };
    Some(match attribute(target_key) {
        Some(target) if !target.is_empty() => format!("{operation} {target}"),
        _ => operation.into_owned(),
    })
}

/// Applies [`ConventionOptions`]: the export stage before the content policy, so keys left
/// out are never scanned.
#[derive(Debug)]
pub(crate) struct ConventionTransform {
    options: ConventionOptions,
}

impl ConventionTransform {
    /// The stage for `options`, or `None` when they change nothing.
    pub(crate) fn from_options(options: &ConventionOptions) -> Option<Self> {
        (!options.is_neutral()).then(|| ConventionTransform {
            options: options.clone(),
        })
    }
}

impl SpanTransform for ConventionTransform {
    fn transform(&self, span: &mut SpanData) {
        // The name first: it reads GenAI keys the family filter may drop.
        if self.options.gen_ai_span_names.value
            && let Some(name) = gen_ai_name(span)
        {
            span.name = Cow::Owned(name);
        }
        if self.options.status_ok.value && matches!(span.status, Status::Unset) {
            span.status = Status::Ok;
        }
        let dropped = match self.options.families.value {
            KeyFamilies::Both => return,
            KeyFamilies::OpenInference => KeyFamilies::GenAi,
            KeyFamilies::GenAi => KeyFamilies::OpenInference,
        };
        span.attributes
            .retain(|kv| family_of(kv.key.as_str()) != Some(dropped));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Source, Sourced};
    use crate::export::test_span;

    fn options(families: KeyFamilies, status_ok: bool, names: bool) -> ConventionOptions {
        ConventionOptions {
            families: Sourced::new(families, Source::Builder),
            status_ok: Sourced::new(status_ok, Source::Builder),
            gen_ai_span_names: Sourced::new(names, Source::Builder),
        }
    }

    fn keys(span: &SpanData) -> Vec<&str> {
        span.attributes.iter().map(|kv| kv.key.as_str()).collect()
    }

    fn llm_span() -> SpanData {
        test_span(
            "openai.chat.completions",
            &[
                ("gen_ai.operation.name", "chat".into()),
                ("gen_ai.request.model", "gpt-4o".into()),
                ("llm.model_name", "gpt-4o".into()),
                ("input.value", "hi".into()),
                ("openinference.span.kind", "LLM".into()),
                ("session.id", "s-1".into()),
                ("rizk.span.kind", "llm".into()),
                ("server.address", "api.openai.com".into()),
            ],
        )
    }

    #[test]
    fn neutral_options_install_no_stage() {
        assert!(ConventionTransform::from_options(&ConventionOptions::default()).is_none());
    }

    #[test]
    fn each_family_keeps_its_keys_and_every_key_of_no_family() {
        let t =
            ConventionTransform::from_options(&options(KeyFamilies::GenAi, false, false)).unwrap();
        let mut span = llm_span();
        t.transform(&mut span);
        assert_eq!(
            keys(&span),
            [
                "gen_ai.operation.name",
                "gen_ai.request.model",
                "session.id",
                "rizk.span.kind",
                "server.address"
            ]
        );
        let t =
            ConventionTransform::from_options(&options(KeyFamilies::OpenInference, false, false))
                .unwrap();
        let mut span = llm_span();
        t.transform(&mut span);
        assert_eq!(
            keys(&span),
            [
                "llm.model_name",
                "input.value",
                "openinference.span.kind",
                "session.id",
                "rizk.span.kind",
                "server.address"
            ]
        );
        assert_eq!(span.name, "openai.chat.completions");
        assert!(matches!(span.status, Status::Unset));
    }

    #[test]
    fn gen_ai_names_come_from_the_operation_and_its_target() {
        let t = ConventionTransform::from_options(&options(KeyFamilies::OpenInference, true, true))
            .unwrap();
        let mut span = llm_span();
        t.transform(&mut span);
        assert_eq!(
            span.name, "chat gpt-4o",
            "named before gen_ai keys are dropped"
        );
        assert!(matches!(span.status, Status::Ok));

        for (attributes, expected) in [
            (
                vec![
                    ("gen_ai.operation.name", "execute_tool".to_owned()),
                    ("gen_ai.tool.name", "search".to_owned()),
                ],
                "execute_tool search",
            ),
            (
                vec![
                    ("gen_ai.operation.name", "invoke_agent".to_owned()),
                    ("gen_ai.agent.name", "planner".to_owned()),
                ],
                "invoke_agent planner",
            ),
            (
                vec![("gen_ai.operation.name", "invoke_agent".to_owned())],
                "invoke_agent",
            ),
            (
                vec![("gen_ai.operation.name", "invoke_workflow".to_owned())],
                "workflow.x",
            ),
            (vec![], "workflow.x"),
        ] {
            let mut span = test_span("workflow.x", &attributes);
            t.transform(&mut span);
            assert_eq!(span.name, expected, "{attributes:?}");
        }
    }

    #[test]
    fn errors_keep_their_status() {
        let t =
            ConventionTransform::from_options(&options(KeyFamilies::Both, true, false)).unwrap();
        let mut span = llm_span();
        span.status = Status::error("boom");
        t.transform(&mut span);
        assert!(matches!(span.status, Status::Error { .. }));
    }
}
