//! A real rig 0.44 agent with a tool, run inside `#[workflow]`: its agent, LLM and tool spans
//! nest in the workflow's trace.
//!
//! rig's OpenAI provider talks to a local OpenAI-compatible HTTP server on 127.0.0.1
//! (`rizk_test_support::openai_server::MockServer`), which stands in for the real API, not
//! reachable here. The server first asks for the tool, then answers with the tool's result.

mod common;

use common::{attr, attr_i64, attr_str, harness, is_child_of, span};
use opentelemetry::trace::Status;
use rig_agent::AgentBuilder;
use rig_core::providers::openai::OpenAIConfig;
use rig_core::tool::{Tool, ToolContext};
use rizk::{tool, workflow};
use rizk_rig::{AgentBuilderExt as _, RizkHook};
use rizk_test_support::openai_server::MockServer;

#[derive(Debug, serde::Deserialize)]
struct WeatherArgs {
    city: String,
}

#[derive(Debug)]
struct WeatherError;

impl std::fmt::Display for WeatherError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("weather service down")
    }
}

impl std::error::Error for WeatherError {}

/// A rig tool whose body calls a rizk `#[tool]` function.
struct WeatherTool;

impl Tool for WeatherTool {
    const NAME: &'static str = "get_weather";
    type Args = WeatherArgs;
    type Output = String;
    type Error = WeatherError;

    fn description(&self) -> String {
        "The weather of a city".to_owned()
    }

    fn parameters(&self) -> serde_json::Value {
        serde_json::json!({
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        })
    }

    async fn call(
        &self,
        _ctx: &mut ToolContext,
        args: WeatherArgs,
    ) -> Result<String, WeatherError> {
        Ok(lookup_forecast(&args.city))
    }
}

#[tool(name = "lookup_forecast")]
fn lookup_forecast(city: &str) -> String {
    format!("sunny in {city}")
}

fn agent(server: &MockServer, model: &str) -> rig_agent::Agent {
    let model = OpenAIConfig::new("sk-mock")
        .with_base_url(server.base_url())
        .client()
        .chat(model);
    AgentBuilder::new(model)
        .name("weather_agent")
        .preamble("Answer with the weather.")
        .default_max_turns(3)
        .rizk_content_policy()
        .add_hook(RizkHook)
        .tool(WeatherTool)
        .build()
}

#[workflow(name = "rig_weather", organization_id = "acme")]
async fn rig_weather(agent: &rig_agent::Agent) -> String {
    agent
        .prompt("Weather in Paris?")
        .await
        .expect("agent run")
        .output()
}

#[tokio::test]
async fn a_rig_agent_with_a_tool_yields_agent_llm_and_tool_spans_in_the_workflow_trace() {
    let h = harness();
    let server = MockServer::builder()
        .tool_arguments(r#"{"city":"Paris"}"#)
        .start()
        .await
        .expect("server");
    let agent = agent(&server, "gpt-4o-mini");
    assert_eq!(rig_weather(&agent).await, "The tool said: sunny in Paris");

    let spans = h.trace_of("workflow.rig_weather");
    let names: Vec<String> = spans.iter().map(|s| s.name.to_string()).collect();
    let workflow = span(&spans, "workflow.rig_weather");
    let agent_span = span(&spans, "agent.weather_agent");
    let tool_span = span(&spans, "tool.get_weather");
    let inner = span(&spans, "tool.lookup_forecast");
    let mut llms: Vec<_> = spans.iter().filter(|s| s.name == "openai.chat").collect();
    llms.sort_by_key(|s| s.start_time);
    assert_eq!(llms.len(), 2, "two model turns: {names:?}");

    assert!(is_child_of(agent_span, workflow), "{names:?}");
    for llm in &llms {
        assert!(is_child_of(llm, agent_span), "{names:?}");
    }
    assert!(is_child_of(tool_span, agent_span), "{names:?}");
    assert!(
        is_child_of(inner, tool_span),
        "a #[tool] inside the rig tool"
    );
    assert!(llms[0].end_time <= tool_span.start_time && tool_span.end_time <= llms[1].start_time);

    // Agent.
    assert_eq!(
        attr_str(agent_span, "rizk.span.kind").as_deref(),
        Some("agent")
    );
    assert_eq!(
        attr_str(agent_span, "openinference.span.kind").as_deref(),
        Some("AGENT")
    );
    assert_eq!(
        attr_str(agent_span, "gen_ai.agent.name").as_deref(),
        Some("weather_agent")
    );
    assert_eq!(
        attr_str(agent_span, "framework.name").as_deref(),
        Some("rig")
    );
    assert_eq!(
        attr_str(agent_span, "input.value").as_deref(),
        Some("Weather in Paris?"),
        "content policy on: rig records the prompt"
    );
    assert_eq!(
        attr_str(agent_span, "organization.id").as_deref(),
        Some("acme")
    );

    // LLM calls.
    for llm in &llms {
        assert_eq!(attr_str(llm, "rizk.span.kind").as_deref(), Some("llm"));
        assert_eq!(
            attr_str(llm, "openinference.span.kind").as_deref(),
            Some("LLM")
        );
        assert_eq!(attr_str(llm, "llm.provider").as_deref(), Some("openai"));
        assert_eq!(attr_str(llm, "llm.model").as_deref(), Some("gpt-4o-mini"));
        assert_eq!(attr_i64(llm, "llm.token_count.prompt"), Some(12));
        assert_eq!(attr_i64(llm, "llm.token_count.completion"), Some(5));
        assert_eq!(attr_i64(llm, "llm.token_count.total"), Some(17));
        assert!(attr_str(llm, "gen_ai.response.id").is_some());
        assert_eq!(
            attr_str(llm, "rizk.workflow.name").as_deref(),
            Some("rig_weather")
        );
        assert!(attr_str(llm, "input.value").is_some());
        // Cached tokens the server reported, under both conventions.
        assert_eq!(
            attr_i64(llm, "gen_ai.usage.cache_read.input_tokens"),
            Some(4)
        );
        assert_eq!(
            attr_i64(llm, "llm.token_count.prompt_details.cache_read"),
            Some(4)
        );
    }
    // The second turn sends the tool's result back: a message of role `tool` with a
    // `tool_call_response` part, as the GenAI conventions shape it (rig writes role `user`).
    let second: serde_json::Value = serde_json::from_str(
        &attr_str(llms[1], "gen_ai.input.messages").expect("second turn's messages"),
    )
    .expect("JSON");
    let results: Vec<&serde_json::Value> = second
        .as_array()
        .expect("a list")
        .iter()
        .filter(|m| {
            m["parts"]
                .as_array()
                .is_some_and(|p| p.iter().any(|p| p["type"] == "tool_call_response"))
        })
        .collect();
    assert_eq!(results.len(), 1, "{second}");
    assert_eq!(results[0]["role"], "tool", "{second}");

    // Tool.
    assert_eq!(
        attr_str(tool_span, "rizk.span.kind").as_deref(),
        Some("tool")
    );
    assert_eq!(
        attr_str(tool_span, "openinference.span.kind").as_deref(),
        Some("TOOL")
    );
    assert_eq!(
        attr_str(tool_span, "gen_ai.tool.name").as_deref(),
        Some("get_weather")
    );
    assert_eq!(
        attr_str(tool_span, "input.value").as_deref(),
        Some(r#"{"city":"Paris"}"#)
    );
    assert!(attr_str(tool_span, "output.value").is_some_and(|v| v.contains("sunny in Paris")));
    assert_eq!(tool_span.status, Status::Unset);
    assert_eq!(agent_span.status, Status::Unset);
}

#[workflow(name = "rig_failing")]
async fn rig_failing(agent: &rig_agent::Agent) -> bool {
    agent.prompt("Weather in Paris?").await.is_err()
}

#[tokio::test]
async fn a_failed_run_marks_the_agent_span_through_the_hook() {
    let h = harness();
    let server = MockServer::start().await.expect("server");
    let agent = agent(&server, "mock-429");
    assert!(rig_failing(&agent).await, "the rate limit fails the run");
    let spans = h.trace_of("workflow.rig_failing");
    let names: Vec<String> = spans.iter().map(|s| s.name.to_string()).collect();
    let agent_span = span(&spans, "agent.weather_agent");
    assert!(
        matches!(&agent_span.status, Status::Error { description } if !description.is_empty()),
        "{:?} {names:?}",
        agent_span.status
    );
    assert!(agent_span.events.iter().any(|e| e.name == "exception"));
    assert_eq!(attr(agent_span, "rizk.cancelled"), None);
}
