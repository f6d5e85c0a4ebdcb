//! The semantic-convention options on real macro spans: GenAI keys only, status OK for
//! successful spans, the GenAI conventions' span names; errors keep their status.

mod common;

use common::harness_with;
use opentelemetry::trace::Status;
use rizk::config::KeyFamilies;
use rizk::{agent, tool, workflow};

#[tool(name = "search")]
fn search(query: &str) -> String {
    format!("{query}: sunny")
}

#[tool(name = "book")]
fn book(_city: &str) -> Result<String, String> {
    Err("no rooms".into())
}

#[agent(name = "planner")]
fn planner(city: &str) -> String {
    let _ = book(city);
    search(city)
}

#[workflow(name = "plan_trip")]
fn plan_trip(city: &str) -> String {
    planner(city)
}

#[test]
fn gen_ai_only_keys_ok_status_and_conventions_names() {
    let h = harness_with(|b| {
        b.semconv_families(KeyFamilies::GenAi)
            .span_status_ok(true)
            .gen_ai_span_names(true)
    });
    assert_eq!(plan_trip("Lisbon"), "Lisbon: sunny");
    let spans = h.trace_of("workflow.plan_trip");
    let names: Vec<&str> = spans.iter().map(|s| s.name.as_ref()).collect();
    for expected in [
        "workflow.plan_trip",
        "invoke_agent planner",
        "execute_tool search",
        "execute_tool book",
    ] {
        assert!(names.contains(&expected), "{expected} not in {names:?}");
    }
    for span in &spans {
        let keys: Vec<&str> = span.attributes.iter().map(|kv| kv.key.as_str()).collect();
        for openinference in ["input.value", "output.value", "openinference.span.kind"] {
            assert!(!keys.contains(&openinference), "{}: {keys:?}", span.name);
        }
        assert!(keys.contains(&"rizk.span.kind"), "{}: {keys:?}", span.name);
        if span.name == "execute_tool book" {
            assert!(
                matches!(span.status, Status::Error { .. }),
                "{:?}",
                span.status
            );
        } else {
            assert!(
                matches!(span.status, Status::Ok),
                "{}: {:?}",
                span.name,
                span.status
            );
        }
    }
    let agent = spans
        .iter()
        .find(|s| s.name == "invoke_agent planner")
        .unwrap();
    assert!(
        agent
            .attributes
            .iter()
            .any(|kv| kv.key.as_str() == "gen_ai.agent.name" && kv.value.as_str() == "planner")
    );
    let config = rizk::get_trace_config();
    let line = config
        .settings
        .iter()
        .find(|s| s.name == "semconv_families")
        .unwrap();
    assert_eq!(line.value, "gen_ai");
}
