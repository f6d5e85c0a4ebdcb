//! With `trace_content(false)` the bridge records no content field, nor formats it.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};

use common::{attr, attr_str, harness_with, span};
use rizk::workflow;

static FORMATTED: AtomicUsize = AtomicUsize::new(0);

/// Counts every time it is formatted.
struct Prompt(&'static str);

impl std::fmt::Debug for Prompt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        FORMATTED.fetch_add(1, Ordering::SeqCst);
        f.write_str(self.0)
    }
}

#[workflow(name = "private_agent")]
fn private_agent() {
    let agent = tracing::info_span!(
        "invoke_agent",
        gen_ai.operation.name = "invoke_agent",
        gen_ai.agent.name = "support",
        gen_ai.prompt = ?Prompt("my SSN is 123-45-6789"),
        gen_ai.completion = tracing::field::Empty,
        gen_ai.usage.input_tokens = tracing::field::Empty,
        "llm.input_messages.0.message.content" = "hello",
    );
    agent.record(
        "gen_ai.completion",
        tracing::field::debug(Prompt("secret answer")),
    );
    agent.record("gen_ai.usage.input_tokens", 3_u64);
}

#[test]
fn content_fields_are_neither_recorded_nor_formatted_when_content_is_off() {
    let h = harness_with(|b| b.trace_content(false));
    private_agent();
    let spans = h.trace_of("workflow.private_agent");
    let agent = span(&spans, "agent.support");
    for key in [
        "gen_ai.prompt",
        "gen_ai.completion",
        "input.value",
        "output.value",
        "llm.input_messages.0.message.content",
    ] {
        assert_eq!(attr(agent, key), None, "{key}");
    }
    assert_eq!(FORMATTED.load(Ordering::SeqCst), 0, "nothing was formatted");
    // Everything else is still there.
    assert_eq!(
        attr_str(agent, "gen_ai.agent.name").as_deref(),
        Some("support")
    );
    assert!(attr(agent, "llm.token_count.prompt").is_some());
}
