//! With `trace_content(false)` no input or output is recorded, or even formatted.

#![allow(clippy::unwrap_used)] // a test fails loudly on what it did not expect

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};

use common::{attr, harness_with, span};
use rizk::{task, workflow};

static FORMATTED: AtomicUsize = AtomicUsize::new(0);

/// Counts every time it is formatted, to prove the macros format nothing when content is off.
struct Prompt(&'static str);

impl std::fmt::Debug for Prompt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        FORMATTED.fetch_add(1, Ordering::SeqCst);
        f.write_str(self.0)
    }
}

#[workflow]
fn private_chat(prompt: Prompt) -> Prompt {
    answer(prompt)
}

#[task]
fn answer(prompt: Prompt) -> Prompt {
    prompt
}

#[test]
fn no_content_is_recorded_or_formatted_when_content_tracing_is_off() {
    let h = harness_with(|b| b.trace_content(false));
    private_chat(Prompt("my SSN is 123-45-6789"));
    let spans = h.trace_of("workflow.private_chat");
    assert_eq!(spans.len(), 2, "spans are still recorded");
    for s in &spans {
        assert_eq!(attr(s, "input.value"), None, "{}", s.name);
        assert_eq!(attr(s, "output.value"), None, "{}", s.name);
    }
    assert_eq!(span(&spans, "task.answer").name, "task.answer");
    assert_eq!(FORMATTED.load(Ordering::SeqCst), 0, "nothing was formatted");
    assert_eq!(
        rizk::get_trace_config()
            .settings
            .iter()
            .find(|s| s.name == "trace_content")
            .unwrap()
            .value,
        "false"
    );
}
