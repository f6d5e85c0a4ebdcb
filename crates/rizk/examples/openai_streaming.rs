//! A streamed OpenAI chat: the LLM span stays open while the stream is read and records the
//! time to first token, the chunk count and the token usage of the final chunk.
//!
//! ```text
//! cargo run -p rizk --example openai_streaming --features openai
//! ```
//!
//! With `OPENAI_API_KEY` set it calls the real API; without, a local OpenAI-compatible server
//! (`rizk_test_support::openai_server`, a test double of this workspace) stands in for it. The
//! trace prints as a tree on stderr.
#![allow(clippy::print_stdout)] // an example prints the streamed text

use std::io::Write as _;

use rizk::openai::InstrumentedClient;
use rizk::openai::async_openai::types::chat::{
    ChatCompletionRequestUserMessage, CreateChatCompletionRequestArgs,
};
use rizk::openai::async_openai::{self, config::OpenAIConfig};
use rizk::prelude::*;

#[workflow(name = "streaming_answer", skip(client))]
async fn streaming_answer(
    client: &InstrumentedClient,
    question: &str,
) -> Result<String, async_openai::error::OpenAIError> {
    let request = CreateChatCompletionRequestArgs::default()
        .model("gpt-4o-mini")
        .messages([ChatCompletionRequestUserMessage::from(question).into()])
        .build()?;
    let mut stream = client.chat().create_stream(request).await?;
    let mut answer = String::new();
    while let Some(chunk) = stream.next().await {
        for choice in chunk?.choices {
            if let Some(text) = choice.delta.content {
                print!("{text}");
                let _ = std::io::stdout().flush();
                answer.push_str(&text);
            }
        }
    }
    println!();
    Ok(answer)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rizk = Rizk::init("openai-streaming-example")?;
    let (config, _server) = match std::env::var("OPENAI_API_KEY") {
        Ok(_) => (OpenAIConfig::new(), None),
        Err(_) => {
            let server = rizk_test_support::openai_server::MockServer::builder()
                .chunk_delay(std::time::Duration::from_millis(40))
                .start()
                .await?;
            (server.config(), Some(server))
        }
    };
    // `with_stream_usage`: ask the API for the usage chunk, so the span has token counts.
    let client =
        InstrumentedClient::new(async_openai::Client::with_config(config)).with_stream_usage(true);
    streaming_answer(&client, "Tell me a short story.").await?;
    rizk.shutdown();
    Ok(())
}
