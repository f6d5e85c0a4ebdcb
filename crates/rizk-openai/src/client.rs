//! The instrumented client and its API groups.

use std::sync::Arc;

use async_openai::Client;
use async_openai::config::{Config, OpenAIConfig};
use async_openai::error::OpenAIError;
use async_openai::types::chat::{
    ChatCompletionStreamOptions, CreateChatCompletionRequest, CreateChatCompletionResponse,
};
use async_openai::types::embeddings::{CreateEmbeddingRequest, CreateEmbeddingResponse};
use opentelemetry::trace::FutureExt as _;
use rizk_core::genai::PromptTemplate;

use crate::span::{ClientMeta, LlmSpan, Operation};
use crate::stream::ChatStream;

/// An `async_openai::Client` whose chat completions (plain and streaming) and embeddings
/// produce LLM spans in the current trace.
///
/// Each call is one span, named as the spec names it (`openai.chat.completions`,
/// `openai.embeddings`), a child of the current span (`#[agent]`, `#[task]`, ...), with:
/// provider and model (`llm.provider`, `llm.model`, `gen_ai.provider.name`,
/// `gen_ai.request.model`), request parameters (`gen_ai.request.temperature`, `max_tokens`,
/// `top_p`, ...), the response's id, model and finish reasons, token usage
/// (`llm.token_count.prompt/completion/total` and `gen_ai.usage.input_tokens/output_tokens`),
/// the tools the model called, and errors (status ERROR, `error.type`,
/// `http.response.status_code`). Prompts and completions (`input.value`, `output.value`,
/// `llm.input_messages.*`, `llm.output_messages.*`) only when the content policy allows.
/// Everything else the client offers is on [`InstrumentedClient::inner`], untraced.
///
/// ```no_run
/// use async_openai::types::chat::CreateChatCompletionRequestArgs;
/// use rizk_openai::InstrumentedClient;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = InstrumentedClient::new(async_openai::Client::new());
/// let request = CreateChatCompletionRequestArgs::default()
///     .model("gpt-4o-mini")
///     .messages([async_openai::types::chat::ChatCompletionRequestUserMessage::from("Hi!").into()])
///     .build()?;
/// let response = client.chat().create(request).await?;
/// println!("{:?}", response.choices[0].message.content);
/// # Ok(())
/// # }
/// ```
pub struct InstrumentedClient<C: Config = OpenAIConfig> {
    inner: Client<C>,
    meta: Arc<ClientMeta>,
}

impl<C: Config + Clone> Clone for InstrumentedClient<C> {
    fn clone(&self) -> Self {
        InstrumentedClient {
            inner: self.inner.clone(),
            meta: Arc::clone(&self.meta),
        }
    }
}

impl<C: Config> std::fmt::Debug for InstrumentedClient<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InstrumentedClient")
            .field("provider", &self.meta.provider)
            .field("api_base", &self.inner.config().api_base())
            .finish_non_exhaustive()
    }
}

impl<C: Config> InstrumentedClient<C> {
    /// Wraps `client`. Spans name the provider `openai`; see
    /// [`InstrumentedClient::with_provider`] for OpenAI-compatible servers of other vendors.
    ///
    /// ```
    /// let client = rizk_openai::InstrumentedClient::new(async_openai::Client::new());
    /// # let _ = client;
    /// ```
    pub fn new(client: Client<C>) -> Self {
        let meta = ClientMeta::new("openai".to_owned(), client.config().api_base(), false);
        InstrumentedClient {
            inner: client,
            meta: Arc::new(meta),
        }
    }

    /// Names the provider in spans (`llm.provider`, `gen_ai.provider.name`, the span name's
    /// prefix): `azure`, `ollama`, `vllm`, ... for an OpenAI-compatible server.
    ///
    /// ```
    /// use async_openai::config::OpenAIConfig;
    ///
    /// let config = OpenAIConfig::new().with_api_base("http://localhost:11434/v1");
    /// let client = rizk_openai::InstrumentedClient::new(async_openai::Client::with_config(config))
    ///     .with_provider("ollama"); // spans: `ollama.chat.completions`
    /// # let _ = client;
    /// ```
    pub fn with_provider(self, provider: impl Into<String>) -> Self {
        let meta = ClientMeta::new(
            provider.into(),
            self.inner.config().api_base(),
            self.meta.stream_usage,
        );
        InstrumentedClient {
            inner: self.inner,
            meta: Arc::new(meta),
        }
    }

    /// Asks for token usage on streamed chats: sets `stream_options.include_usage` on every
    /// streaming request that does not set it, so the API sends a last chunk with the usage
    /// (and no choices) that the span records. Off by default, as it adds that chunk to what
    /// your code receives.
    ///
    /// ```
    /// let client = rizk_openai::InstrumentedClient::new(async_openai::Client::new())
    ///     .with_stream_usage(true);
    /// # let _ = client;
    /// ```
    pub fn with_stream_usage(self, enabled: bool) -> Self {
        let meta = ClientMeta::new(
            self.meta.provider.clone(),
            self.inner.config().api_base(),
            enabled,
        );
        InstrumentedClient {
            inner: self.inner,
            meta: Arc::new(meta),
        }
    }

    /// The wrapped client, for the APIs this crate does not trace.
    ///
    /// ```
    /// let client = rizk_openai::InstrumentedClient::new(async_openai::Client::new());
    /// let _models = client.inner(); // e.g. client.inner().models() with async-openai's `model` feature
    /// ```
    pub fn inner(&self) -> &Client<C> {
        &self.inner
    }

    /// Unwraps the client.
    ///
    /// ```
    /// let client = rizk_openai::InstrumentedClient::new(async_openai::Client::new());
    /// let plain: async_openai::Client<_> = client.into_inner();
    /// # let _ = plain;
    /// ```
    pub fn into_inner(self) -> Client<C> {
        self.inner
    }

    /// Traced chat completions: [`Chat::create`] and [`Chat::create_stream`].
    ///
    /// ```
    /// let client = rizk_openai::InstrumentedClient::new(async_openai::Client::new());
    /// let _chat = client.chat();
    /// ```
    pub fn chat(&self) -> Chat<'_, C> {
        Chat {
            client: self,
            template: None,
        }
    }

    /// Traced embeddings: [`Embeddings::create`].
    ///
    /// ```
    /// let client = rizk_openai::InstrumentedClient::new(async_openai::Client::new());
    /// let _embeddings = client.embeddings();
    /// ```
    pub fn embeddings(&self) -> Embeddings<'_, C> {
        Embeddings { client: self }
    }
}

/// Wraps an `async_openai::Client` in one call: `Client::new().instrumented()`.
///
/// ```
/// use rizk_openai::OpenAIClientExt as _;
///
/// let client = async_openai::Client::new().instrumented();
/// # let _ = client;
/// ```
pub trait OpenAIClientExt<C: Config> {
    /// The same client, traced: [`InstrumentedClient::new`].
    fn instrumented(self) -> InstrumentedClient<C>;
}

impl<C: Config> OpenAIClientExt<C> for Client<C> {
    fn instrumented(self) -> InstrumentedClient<C> {
        InstrumentedClient::new(self)
    }
}

/// Traced chat completions of an [`InstrumentedClient`].
///
/// ```no_run
/// # use async_openai::types::chat::CreateChatCompletionRequest;
/// # async fn run(client: rizk_openai::InstrumentedClient, request: CreateChatCompletionRequest)
/// # -> Result<(), async_openai::error::OpenAIError> {
/// let response = client.chat().create(request).await?;
/// # let _ = response;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Chat<'c, C: Config> {
    client: &'c InstrumentedClient<C>,
    template: Option<PromptTemplate>,
}

impl<C: Config> Chat<'_, C> {
    /// The prompt template behind the request, recorded on its LLM span
    /// (`llm.prompt_template.*`, under the content policy).
    ///
    /// ```
    /// use rizk_core::genai::PromptTemplate;
    ///
    /// let client = rizk_openai::InstrumentedClient::new(async_openai::Client::new());
    /// let chat = client.chat().with_prompt_template(
    ///     PromptTemplate::new("Answer {question}").variable("question", "Why?").version("v3"),
    /// );
    /// # drop(chat);
    /// ```
    pub fn with_prompt_template(mut self, template: PromptTemplate) -> Self {
        self.template = Some(template);
        self
    }

    fn record_template(&self, span: &LlmSpan) {
        if let Some(template) = &self.template {
            span.set_attributes(template.attributes());
        }
    }

    /// `POST /chat/completions`, in an LLM span that ends with the response or the error.
    ///
    /// ```no_run
    /// use async_openai::types::chat::{ChatCompletionRequestUserMessage, CreateChatCompletionRequestArgs};
    ///
    /// # async fn run(client: rizk_openai::InstrumentedClient) -> Result<(), Box<dyn std::error::Error>> {
    /// let request = CreateChatCompletionRequestArgs::default()
    ///     .model("gpt-4o-mini")
    ///     .temperature(0.2)
    ///     .messages([ChatCompletionRequestUserMessage::from("Hello").into()])
    ///     .build()?;
    /// let response = client.chat().create(request).await?;
    /// # let _ = response;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create(
        &self,
        request: CreateChatCompletionRequest,
    ) -> Result<CreateChatCompletionResponse, OpenAIError> {
        let mut span = LlmSpan::start(&self.client.meta, Operation::Chat, &request.model);
        span.record_chat_request(&request, false);
        self.record_template(&span);
        let result = self
            .client
            .inner
            .chat()
            .create(request)
            .with_context(span.context().clone())
            .await;
        match &result {
            Ok(response) => span.record_chat_response(response),
            Err(error) => span.record_error(error),
        }
        span.end();
        result
    }

    /// `POST /chat/completions` with `stream: true`. The span stays open while the stream is
    /// read and records time to first token, chunk count, finish reasons, the usage of the
    /// final chunk (see [`InstrumentedClient::with_stream_usage`]) and, when allowed, the
    /// streamed text; it ends when the stream ends or is dropped.
    ///
    /// ```no_run
    /// use futures_util::StreamExt as _;
    /// # use async_openai::types::chat::CreateChatCompletionRequest;
    ///
    /// # async fn run(client: rizk_openai::InstrumentedClient, request: CreateChatCompletionRequest)
    /// # -> Result<(), async_openai::error::OpenAIError> {
    /// let mut stream = client.chat().create_stream(request).await?;
    /// while let Some(chunk) = stream.next().await {
    ///     let chunk = chunk?;
    ///     print!("{}", chunk.choices[0].delta.content.as_deref().unwrap_or(""));
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create_stream(
        &self,
        mut request: CreateChatCompletionRequest,
    ) -> Result<ChatStream, OpenAIError> {
        if self.client.meta.stream_usage {
            let options = request
                .stream_options
                .get_or_insert_with(ChatCompletionStreamOptions::default);
            options.include_usage.get_or_insert(true);
        }
        let mut span = LlmSpan::start(&self.client.meta, Operation::Chat, &request.model);
        span.record_chat_request(&request, true);
        self.record_template(&span);
        let result = self
            .client
            .inner
            .chat()
            .create_stream(request)
            .with_context(span.context().clone())
            .await;
        match result {
            Ok(stream) => Ok(ChatStream::new(stream, span)),
            Err(error) => {
                span.record_error(&error);
                span.end();
                Err(error)
            }
        }
    }
}

/// Traced embeddings of an [`InstrumentedClient`].
///
/// ```no_run
/// use async_openai::types::embeddings::CreateEmbeddingRequestArgs;
///
/// # async fn run(client: rizk_openai::InstrumentedClient) -> Result<(), Box<dyn std::error::Error>> {
/// let request = CreateEmbeddingRequestArgs::default()
///     .model("text-embedding-3-small")
///     .input("The food was delicious")
///     .build()?;
/// let vectors = client.embeddings().create(request).await?;
/// # let _ = vectors;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Embeddings<'c, C: Config> {
    client: &'c InstrumentedClient<C>,
}

impl<C: Config> Embeddings<'_, C> {
    /// `POST /embeddings`, in an LLM span (`openinference.span.kind = EMBEDDING`,
    /// `gen_ai.operation.name = embeddings`) with model, prompt tokens and vector count.
    ///
    /// ```no_run
    /// # use async_openai::types::embeddings::CreateEmbeddingRequest;
    /// # async fn run(client: rizk_openai::InstrumentedClient, request: CreateEmbeddingRequest)
    /// # -> Result<(), async_openai::error::OpenAIError> {
    /// let response = client.embeddings().create(request).await?;
    /// println!("{} vectors", response.data.len());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create(
        &self,
        request: CreateEmbeddingRequest,
    ) -> Result<CreateEmbeddingResponse, OpenAIError> {
        let mut span = LlmSpan::start(&self.client.meta, Operation::Embeddings, &request.model);
        span.record_embeddings_request(&request);
        let result = self
            .client
            .inner
            .embeddings()
            .create(request)
            .with_context(span.context().clone())
            .await;
        match &result {
            Ok(response) => span.record_embeddings_response(response),
            Err(error) => span.record_error(error),
        }
        span.end();
        result
    }
}
