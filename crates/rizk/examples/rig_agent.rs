//! A rig agent with a tool, run inside a workflow: rig's agent, model and tool spans nest in
//! the workflow's trace as agent, LLM and tool spans.
//!
//! ```text
//! cargo run -p rizk --example rig_agent --features rig
//! ```
//!
//! With `OPENAI_API_KEY` set it calls the real API; without, a local OpenAI-compatible server
//! (`rizk_test_support::openai_server`, a test double of this workspace) stands in for it (it
//! asks for the tool, then answers with its result). The trace prints as a tree on stderr.
#![allow(clippy::print_stdout)] // an example prints its answer

use rizk::prelude::*;
use rizk::rig::rig_agent::{Agent, AgentBuilder};
use rizk::rig::rig_core::providers::openai::OpenAIConfig;
use rizk::rig::rig_core::tool::{Tool, ToolContext};
use rizk::rig::{AgentBuilderExt as _, RizkHook};

#[derive(serde::Deserialize)]
struct WeatherArgs {
    city: String,
}

#[derive(Debug)]
struct WeatherError;

impl std::fmt::Display for WeatherError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("weather service unavailable")
    }
}

impl std::error::Error for WeatherError {}

struct WeatherTool;

impl Tool for WeatherTool {
    const NAME: &'static str = "get_weather";
    type Args = WeatherArgs;
    type Output = String;
    type Error = WeatherError;

    fn description(&self) -> String {
        "The current weather of a city".to_owned()
    }

    fn parameters(&self) -> serde_json::Value {
        serde_json::json!({
            "type": "object",
            "properties": {"city": {"type": "string", "description": "City name"}},
            "required": ["city"],
        })
    }

    async fn call(
        &self,
        _ctx: &mut ToolContext,
        args: WeatherArgs,
    ) -> Result<String, WeatherError> {
        Ok(forecast(&args.city))
    }
}

/// Your own code inside the rig tool: a rizk `#[tool]` span under rig's `execute_tool`.
#[tool(name = "forecast_lookup")]
fn forecast(city: &str) -> String {
    format!("sunny and 22 °C in {city}")
}

#[workflow(
    name = "travel_planner",
    organization_id = "acme",
    project_id = "travel",
    skip(agent)
)]
async fn plan_trip(agent: &Agent, question: &str) -> String {
    match agent.prompt(question).await {
        Ok(response) => response.output(),
        Err(e) => format!("(the agent failed: {e})"),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rizk = Rizk::init("rig-agent-example")?;
    rizk::rig::init()?; // the bridge as the global tracing subscriber

    let (config, _server) = match std::env::var("OPENAI_API_KEY") {
        Ok(key) => (OpenAIConfig::new(key), None),
        Err(_) => {
            let server = rizk_test_support::openai_server::MockServer::builder()
                .tool_arguments(r#"{"city":"Lisbon"}"#)
                .start()
                .await?;
            let config = OpenAIConfig::new("sk-mock").with_base_url(server.base_url());
            (config, Some(server))
        }
    };
    let agent = AgentBuilder::new(config.client().chat("gpt-4o-mini"))
        .name("travel_agent")
        .preamble("You plan trips. Use the weather tool.")
        .default_max_turns(3)
        .rizk_content_policy()
        .add_hook(RizkHook)
        .tool(WeatherTool)
        .build();

    let answer = plan_trip(&agent, "Should I pack an umbrella for Lisbon?").await;
    println!("answer: {answer}");
    // workflow.travel_planner
    //   agent.travel_agent        (rig's invoke_agent)
    //     openai.chat             (turn 1: the model asks for get_weather)
    //     tool.get_weather        (rig's execute_tool)
    //       tool.forecast_lookup  (your #[tool])
    //     openai.chat             (turn 2: the answer)
    rizk.shutdown();
    Ok(())
}
