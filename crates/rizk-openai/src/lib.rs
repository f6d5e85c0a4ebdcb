//! An instrumented [`async-openai`](https://docs.rs/async-openai) client for
//! [rizk](https://docs.rs/rizk): every chat completion (plain or streamed) and embeddings call
//! is an LLM span in the current trace, under the `#[agent]` or `#[task]` that made it.
//!
//! ```no_run
//! use async_openai::types::chat::{ChatCompletionRequestUserMessage, CreateChatCompletionRequestArgs};
//! use rizk_openai::OpenAIClientExt as _;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = async_openai::Client::new().instrumented();
//! let request = CreateChatCompletionRequestArgs::default()
//!     .model("gpt-4o-mini")
//!     .temperature(0.3)
//!     .max_completion_tokens(200u32)
//!     .messages([ChatCompletionRequestUserMessage::from("Suggest a name for a cat").into()])
//!     .build()?;
//! // An `openai.chat.completions` span: model, parameters, response id, finish reasons,
//! // token usage; the prompt and the answer too when the content policy allows.
//! let response = client.chat().create(request).await?;
//! # let _ = response;
//! # Ok(())
//! # }
//! ```
//!
//! What each span carries is listed on [`InstrumentedClient`] and [`ChatStream`]; the keys
//! that `rizk_core::semconv` does not define are in [`semconv`].

mod client;
mod messages;
pub mod semconv;
mod span;
mod stream;

pub use client::{Chat, Embeddings, InstrumentedClient, OpenAIClientExt};
pub use stream::ChatStream;

/// The wrapped crate, for its request and response types.
///
/// ```
/// use rizk_openai::async_openai::types::chat::CreateChatCompletionRequestArgs;
/// let _builder = CreateChatCompletionRequestArgs::default();
/// ```
pub use async_openai;
