//! The GenAI keys of macro spans: a workflow's operation, an agent's unique id and version, a
//! tool's type, description, call id, arguments and result; and `exception.stacktrace` on
//! errors and panics when backtraces are enabled.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly on what it did not expect

use opentelemetry_sdk::trace::SpanData;
use rizk::testing::{attr_str, install_harness, span};
use rizk::{agent, tool, workflow};

#[workflow(name = "genai_flow")]
fn flow(city: &str) -> String {
    planner(city)
}

#[agent(
    name = "planner",
    version = "2.1",
    description = "Plans a trip from the weather"
)]
fn planner(city: &str) -> String {
    let forecast = get_weather(city);
    let _ = pinned();
    format!("Pack for {forecast}")
}

#[agent(name = "pinned", id = "asst_pinned_42")]
fn pinned() -> u8 {
    1
}

#[tool(description = "The weather of a city")]
fn get_weather(city: &str) -> String {
    rizk::current_span().set_tool_call_id("call_abc");
    format!("sun in {city}")
}

#[tool]
fn failing_tool(n: u32) -> Result<u32, std::num::ParseIntError> {
    "x".parse::<u32>().map(|x| x + n)
}

#[tool]
fn panicking_tool() {
    panic!("the tool broke");
}

fn exception(span: &SpanData, key: &str) -> Option<String> {
    span.events
        .iter()
        .find(|e| e.name == "exception")
        .and_then(|e| e.attributes.iter().find(|kv| kv.key.as_str() == key))
        .map(|kv| kv.value.to_string())
}

#[test]
fn agents_tools_and_workflows_carry_the_genai_keys() {
    let h = install_harness("rizk-macros-genai", |b| b);
    assert_eq!(flow("Paris"), "Pack for sun in Paris");
    let spans = h.trace_of("workflow.genai_flow");
    let get = |name: &str, key: &str| attr_str(span(&spans, name), key);

    assert_eq!(
        get("workflow.genai_flow", "gen_ai.operation.name").as_deref(),
        Some("invoke_workflow")
    );
    assert_eq!(
        get("workflow.genai_flow", "gen_ai.workflow.name").as_deref(),
        Some("genai_flow")
    );

    // The agent: its name, a unique id that is not the name, its version and description.
    assert_eq!(
        get("agent.planner", "gen_ai.agent.name").as_deref(),
        Some("planner")
    );
    let id = get("agent.planner", "gen_ai.agent.id").expect("gen_ai.agent.id");
    assert_ne!(id, "planner");
    assert!(
        id.ends_with("::planner") && id.contains("genai_keys"),
        "{id}"
    );
    assert_eq!(
        get("agent.pinned", "gen_ai.agent.id").as_deref(),
        Some("asst_pinned_42")
    );
    assert_eq!(
        get("agent.planner", "gen_ai.agent.version").as_deref(),
        Some("2.1")
    );
    assert_eq!(
        get("agent.planner", "gen_ai.agent.description").as_deref(),
        Some("Plans a trip from the weather")
    );

    // The tool.
    let tool = "tool.get_weather";
    assert_eq!(
        get(tool, "gen_ai.operation.name").as_deref(),
        Some("execute_tool")
    );
    assert_eq!(get(tool, "gen_ai.tool.type").as_deref(), Some("function"));
    assert_eq!(
        get(tool, "gen_ai.tool.description").as_deref(),
        Some("The weather of a city")
    );
    assert_eq!(
        get(tool, "tool.description").as_deref(),
        Some("The weather of a city")
    );
    assert_eq!(get(tool, "tool.name").as_deref(), Some("get_weather"));
    let parameters: serde_json::Value =
        serde_json::from_str(&get(tool, "tool.parameters").unwrap()).unwrap();
    assert_eq!(
        parameters,
        serde_json::json!({
            "type": "object",
            "properties": { "city": { "type": "string" } },
            "required": ["city"],
        })
    );
    assert_eq!(
        get(tool, "gen_ai.tool.call.id").as_deref(),
        Some("call_abc")
    );
    assert_eq!(
        get(tool, "gen_ai.tool.call.arguments").as_deref(),
        Some(r#"{"city":"Paris"}"#)
    );
    assert_eq!(
        get(tool, "gen_ai.tool.call.arguments"),
        get(tool, "input.value")
    );
    assert_eq!(
        get(tool, "gen_ai.tool.call.result").as_deref(),
        Some("sun in Paris")
    );
    assert_eq!(
        get(tool, "gen_ai.tool.call.result"),
        get(tool, "output.value")
    );
}

/// Runs `test` of this binary in a child process, backtraces enabled or not: the environment
/// decides whether rizk takes backtraces, and it is read once per process.
fn in_child(test: &str, backtraces: bool) {
    let mut child = std::process::Command::new(std::env::current_exe().unwrap());
    child
        .args(["--exact", test, "--nocapture"])
        .env("RIZK_STACKTRACE_CHILD", "1")
        .env_remove("RUST_LIB_BACKTRACE");
    if backtraces {
        child.env("RUST_BACKTRACE", "1");
    } else {
        child.env_remove("RUST_BACKTRACE");
    }
    let status = child.status().unwrap();
    assert!(status.success(), "the child's checks failed: {status}");
}

fn is_child() -> bool {
    std::env::var_os("RIZK_STACKTRACE_CHILD").is_some()
}

#[test]
fn errors_and_panics_carry_a_stacktrace_when_backtraces_are_enabled() {
    if !is_child() {
        return in_child(
            "errors_and_panics_carry_a_stacktrace_when_backtraces_are_enabled",
            true,
        );
    }
    let h = install_harness("rizk-macros-stacktrace", |b| b);
    assert!(failing_tool(1).is_err());
    assert!(std::panic::catch_unwind(panicking_tool).is_err());
    h.handle.flush().unwrap();
    let spans = h.spans.spans();
    let failed = spans
        .iter()
        .find(|s| s.name == "tool.failing_tool")
        .unwrap();
    let trace = exception(failed, "exception.stacktrace").expect("an error's stack trace");
    // Resolved into text at export (frames, not the marker that stood for them).
    assert!(trace.contains("failing_tool"), "{trace}");
    let panicked = spans
        .iter()
        .find(|s| s.name == "tool.panicking_tool")
        .unwrap();
    assert_eq!(
        exception(panicked, "exception.message").as_deref(),
        Some("the tool broke")
    );
    let trace = exception(panicked, "exception.stacktrace").expect("a panic's stack trace");
    // Taken where the panic was raised, so the panicking function is on it.
    assert!(trace.contains("panicking_tool"), "{trace}");
}

#[test]
fn without_backtraces_there_is_no_stacktrace() {
    if !is_child() {
        return in_child("without_backtraces_there_is_no_stacktrace", false);
    }
    let h = install_harness("rizk-macros-no-stacktrace", |b| b);
    assert!(failing_tool(2).is_err());
    assert!(std::panic::catch_unwind(panicking_tool).is_err());
    h.handle.flush().unwrap();
    let spans = h.spans.spans();
    for name in ["tool.failing_tool", "tool.panicking_tool"] {
        let span = spans.iter().find(|s| s.name == name).expect("span");
        assert!(exception(span, "exception.message").is_some(), "{name}");
        assert_eq!(exception(span, "exception.stacktrace"), None, "{name}");
    }
}
