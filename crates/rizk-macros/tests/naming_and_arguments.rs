//! Span names and the macro arguments: the default and explicit names of each kind, the
//! identity attributes, what `skip`, `skip_all` and `capture_*` leave out, and `crate`.

#![allow(clippy::unwrap_used)] // a test fails loudly on what it did not expect

use std::fmt::Debug;

use rizk::testing::{attr_str, install_harness, is_child_of, span};
use rizk::{agent, task, tool, workflow};

#[workflow(
    name = "named_flow",
    organization_id = "acme",
    project_id = "support",
    version = "3"
)]
fn flow() {
    default_named(1);
    named_agent("q".into(), vec![1, 2]);
    secret_tool("key", 2);
    quiet_task(5);
    generic_task(vec![1u8, 2]);
    Counter { total: 1 }.add(2);
    renamed_crate(9);
}

#[task]
fn default_named(n: u8) -> u8 {
    n
}

#[agent(name = "named_agent", project_id = "sales", skip(history))]
fn named_agent(query: String, history: Vec<u8>) -> usize {
    query.len() + history.len()
}

#[tool(skip_all)]
fn secret_tool(api_key: &str, units: u32) -> u32 {
    api_key.len() as u32 * units
}

#[task(capture_input = false, capture_output = false)]
fn quiet_task(n: u32) -> u32 {
    n + 1
}

#[task]
fn generic_task<T: Debug + Clone>(items: Vec<T>) -> usize {
    items.len()
}

struct Counter {
    total: u32,
}

impl Counter {
    #[tool(name = "counter_add")]
    fn add(mut self, n: u32) -> u32 {
        self.total += n;
        self.total
    }
}

mod renamed {
    // `crate = "..."` points the expansion at the facade under another name.
    pub(crate) use rizk as observability;
}

#[task(crate = "renamed::observability")]
fn renamed_crate(n: u32) -> u32 {
    n
}

#[test]
fn names_identity_and_what_is_recorded_follow_the_arguments() {
    let h = install_harness("rizk-macros-tests", |b| b);
    flow();
    let spans = h.trace_of("workflow.named_flow");
    let root = span(&spans, "workflow.named_flow");
    let get = |name: &str, key: &str| attr_str(span(&spans, name), key);

    // Names: `<kind>.<name>`, the function's name by default.
    for (name, kind, entity) in [
        ("workflow.named_flow", "workflow", "named_flow"),
        ("task.default_named", "task", "default_named"),
        ("agent.named_agent", "agent", "named_agent"),
        ("tool.secret_tool", "tool", "secret_tool"),
        ("task.quiet_task", "task", "quiet_task"),
        ("task.generic_task", "task", "generic_task"),
        ("tool.counter_add", "tool", "counter_add"),
        ("task.renamed_crate", "task", "renamed_crate"),
    ] {
        assert!(is_child_of(span(&spans, name), root) || name == "workflow.named_flow");
        assert_eq!(get(name, "rizk.span.kind").as_deref(), Some(kind), "{name}");
        assert_eq!(
            get(name, "rizk.entity.name").as_deref(),
            Some(entity),
            "{name}"
        );
    }
    assert_eq!(spans.len(), 8);

    // Identity: set on the workflow, inherited where a span sets none.
    assert_eq!(
        get("workflow.named_flow", "rizk.entity.version").as_deref(),
        Some("3")
    );
    assert_eq!(
        get("task.default_named", "organization.id").as_deref(),
        Some("acme")
    );
    assert_eq!(
        get("task.default_named", "project.id").as_deref(),
        Some("support")
    );
    assert_eq!(
        get("agent.named_agent", "project.id").as_deref(),
        Some("sales")
    );
    assert_eq!(
        get("task.default_named", "rizk.workflow.name").as_deref(),
        Some("named_flow")
    );

    // What is recorded.
    assert_eq!(
        get("task.default_named", "input.value").as_deref(),
        Some(r#"{"n":1}"#)
    );
    assert_eq!(
        get("task.default_named", "output.value").as_deref(),
        Some("1")
    );
    assert_eq!(
        get("agent.named_agent", "input.value").as_deref(),
        Some(r#"{"query":"q"}"#),
        "skip(history) leaves history out"
    );
    assert_eq!(get("tool.secret_tool", "input.value"), None, "skip_all");
    assert_eq!(
        get("tool.secret_tool", "output.value").as_deref(),
        Some("6")
    );
    assert_eq!(get("task.quiet_task", "input.value"), None);
    assert_eq!(get("task.quiet_task", "output.value"), None);
    // A generic argument is recorded as its bounds allow (`Debug` here).
    assert_eq!(
        get("task.generic_task", "input.value").as_deref(),
        Some(r#"{"items":"[1, 2]"}"#)
    );
    // `self` is never recorded.
    assert_eq!(
        get("tool.counter_add", "input.value").as_deref(),
        Some(r#"{"n":2}"#)
    );
    assert_eq!(
        get("tool.counter_add", "output.value").as_deref(),
        Some("3")
    );
    assert_eq!(
        get("task.renamed_crate", "output.value").as_deref(),
        Some("9")
    );
}
