//! The content policy on the export side: hashes, redaction of every string, omission.

#![allow(clippy::unwrap_used)] // a test fails loudly on what it did not expect

mod common;

use std::borrow::Cow;

use common::{attr_str, harness_with, span};
use opentelemetry::KeyValue;
use opentelemetry::trace::Status;
use rizk::{set_span_context, task, workflow};

/// A user-written redactor: hides the word "hunter2" (rizk-redaction is the built-in one).
struct HidePassword;

impl rizk::content::ContentRedactor for HidePassword {
    fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        if text.contains("hunter2") {
            Cow::Owned(text.replace("hunter2", "[REDACTED]"))
        } else {
            Cow::Borrowed(text)
        }
    }
}

#[workflow(name = "login_help")]
fn login_help(question: &str) -> Result<String, String> {
    set_span_context([KeyValue::new("customer.note", "says password is hunter2")]);
    lookup(question)
}

#[task]
fn lookup(question: &str) -> Result<String, String> {
    Err(format!("could not parse {question}"))
}

#[test]
fn user_inputs_are_hashed_and_everything_else_redacted_before_export() {
    let h = harness_with(|b| {
        b.trace_user_inputs(false)
            .trace_content_hashes(true)
            .content_redactor(HidePassword)
    });
    let _ = login_help("my password is hunter2");
    let spans = h.trace_of("workflow.login_help");
    let root = span(&spans, "workflow.login_help");
    let task = span(&spans, "task.lookup");

    // The workflow's input is a user input: not allowed, so hashed.
    let expected = rizk::content::content_hash(r#"{"question":"my password is hunter2"}"#);
    assert_eq!(
        attr_str(root, "input.value").as_deref(),
        Some(expected.as_str())
    );
    // The task's input is allowed and redacted; so are inherited values, status and events.
    assert_eq!(
        attr_str(task, "input.value").as_deref(),
        Some(r#"{"question":"my password is [REDACTED]"}"#)
    );
    assert_eq!(
        attr_str(task, "customer.note").as_deref(),
        Some("says password is [REDACTED]")
    );
    assert_eq!(
        task.status,
        Status::error("could not parse my password is [REDACTED]")
    );
    let event = task.events.iter().find(|e| e.name == "exception").unwrap();
    assert!(
        event
            .attributes
            .iter()
            .all(|kv| !kv.value.as_str().contains("hunter2"))
    );
    for s in &spans {
        for kv in &s.attributes {
            assert!(
                !kv.value.as_str().contains("hunter2"),
                "{} leaked in {}",
                kv.key,
                s.name
            );
        }
    }
    let redaction = rizk::get_trace_config()
        .settings
        .into_iter()
        .find(|s| s.name == "content_redaction_enabled")
        .unwrap();
    assert_eq!(redaction.value, "on when a redactor is installed");
}
