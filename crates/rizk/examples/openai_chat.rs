//! An OpenAI chat completion inside a workflow and an agent: the instrumented async-openai
//! client adds an `openai.chat.completions` LLM span with model, parameters, token usage and
//! (content policy permitting) the prompt and the answer.
//!
//! ```text
//! cargo run -p rizk --example openai_chat --features openai
//! ```
//!
//! With `OPENAI_API_KEY` set it calls the real API; without, a local OpenAI-compatible server
//! (`rizk_test_support::openai_server`, a test double of this workspace) stands in for it. The
//! trace prints as a tree on stderr.
#![allow(clippy::print_stdout)] // an example prints its answer

use rizk::openai::InstrumentedClient;
use rizk::openai::async_openai::types::chat::{
    ChatCompletionRequestSystemMessage, ChatCompletionRequestUserMessage,
    CreateChatCompletionRequestArgs,
};
use rizk::openai::async_openai::{self, config::OpenAIConfig};
use rizk::prelude::*;

#[workflow(
    name = "customer_chat",
    organization_id = "acme",
    project_id = "support",
    skip(client)
)]
async fn customer_chat(client: &InstrumentedClient, question: &str) -> String {
    support_assistant(client, question).await
}

#[agent(name = "support_assistant", skip(client))]
async fn support_assistant(client: &InstrumentedClient, question: &str) -> String {
    let request = CreateChatCompletionRequestArgs::default()
        .model("gpt-4o-mini")
        .temperature(0.3)
        .max_completion_tokens(200u32)
        .messages([
            ChatCompletionRequestSystemMessage::from("You are a concise support assistant.").into(),
            ChatCompletionRequestUserMessage::from(question).into(),
        ])
        .build()
        .expect("a valid request");
    match client.chat().create(request).await {
        Ok(response) => response.choices[0]
            .message
            .content
            .clone()
            .unwrap_or_default(),
        Err(e) => format!("(the model failed: {e})"),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rizk = Rizk::init("openai-chat-example")?;

    // The real API when a key is set, else the local stand-in.
    let (config, _server) = match std::env::var("OPENAI_API_KEY") {
        Ok(_) => (OpenAIConfig::new(), None),
        Err(_) => {
            let server = rizk_test_support::openai_server::MockServer::start().await?;
            (server.config(), Some(server))
        }
    };
    let client = InstrumentedClient::new(async_openai::Client::with_config(config));

    let answer = customer_chat(&client, "How can I reset my password?").await;
    println!("answer: {answer}");
    rizk.shutdown();
    Ok(())
}
