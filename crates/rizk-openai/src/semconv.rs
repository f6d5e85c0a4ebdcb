//! Attribute keys of LLM spans that `rizk_core::semconv` does not define (yet): request
//! parameters, response metadata, token usage, streaming and errors.
//!
//! ```
//! assert_eq!(rizk_openai::semconv::TOKENS_TOTAL, "llm.token_count.total");
//! ```

/// GenAI (1.41): prompt tokens written to the provider's cache (integer;
/// `prompt_tokens_details.cache_write_tokens`, where the server reports it).
pub use rizk_core::semconv::GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS as USAGE_CACHE_CREATION_INPUT_TOKENS;
/// GenAI (1.41): prompt tokens served from the provider's cache (integer; OpenAI's
/// `prompt_tokens_details.cached_tokens`). Included in [`USAGE_INPUT_TOKENS`].
pub use rizk_core::semconv::GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS as USAGE_CACHE_READ_INPUT_TOKENS;
/// GenAI: input tokens (integer).
pub use rizk_core::semconv::GEN_AI_USAGE_INPUT_TOKENS as USAGE_INPUT_TOKENS;
/// GenAI: output tokens (integer).
pub use rizk_core::semconv::GEN_AI_USAGE_OUTPUT_TOKENS as USAGE_OUTPUT_TOKENS;
/// GenAI (1.41): output tokens spent on reasoning (integer). Included in
/// [`USAGE_OUTPUT_TOKENS`].
pub use rizk_core::semconv::GEN_AI_USAGE_REASONING_OUTPUT_TOKENS as USAGE_REASONING_OUTPUT_TOKENS;
/// OpenInference: prompt tokens read from the provider's cache (integer).
pub use rizk_core::semconv::LLM_TOKEN_COUNT_CACHE_READ as TOKENS_CACHE_READ;
/// OpenInference: completion tokens (integer).
pub use rizk_core::semconv::LLM_TOKEN_COUNT_COMPLETION as TOKENS_COMPLETION;
/// OpenInference: prompt tokens (integer).
pub use rizk_core::semconv::LLM_TOKEN_COUNT_PROMPT as TOKENS_PROMPT;
/// OpenInference: reasoning tokens of the completion (integer).
pub use rizk_core::semconv::LLM_TOKEN_COUNT_REASONING as TOKENS_REASONING;
/// OpenInference: prompt plus completion tokens (integer).
pub use rizk_core::semconv::LLM_TOKEN_COUNT_TOTAL as TOKENS_TOTAL;

/// GenAI: `temperature` of the request (double).
pub const REQUEST_TEMPERATURE: &str = "gen_ai.request.temperature";
/// The spec's key for the temperature (double).
pub const LLM_TEMPERATURE: &str = "llm.temperature";
/// GenAI: `max_completion_tokens` (or the older `max_tokens`) of the request (integer).
pub const REQUEST_MAX_TOKENS: &str = "gen_ai.request.max_tokens";
/// GenAI: `top_p` of the request (double).
pub const REQUEST_TOP_P: &str = "gen_ai.request.top_p";
/// GenAI: `frequency_penalty` of the request (double).
pub const REQUEST_FREQUENCY_PENALTY: &str = "gen_ai.request.frequency_penalty";
/// GenAI: `presence_penalty` of the request (double).
pub const REQUEST_PRESENCE_PENALTY: &str = "gen_ai.request.presence_penalty";
/// GenAI: number of choices asked for (`n`, integer), when more than one.
pub const REQUEST_CHOICE_COUNT: &str = "gen_ai.request.choice.count";
/// Whether the response was streamed (boolean), as rig records it too.
pub const REQUEST_STREAM: &str = "gen_ai.request.stream";
/// Names of the tools the request offered the model (string array).
pub const REQUEST_TOOLS: &str = "llm.request.tools";
/// GenAI: `seed` of the request (integer).
pub const REQUEST_SEED: &str = "gen_ai.request.seed";
/// GenAI: `stop` of the request (string array). The OpenAI API has no `top_k`, so
/// `gen_ai.request.top_k` is never written by this client.
pub const REQUEST_STOP_SEQUENCES: &str = "gen_ai.request.stop_sequences";
/// GenAI: the output type asked for through `response_format` (`text` or `json`).
pub const OUTPUT_TYPE: &str = "gen_ai.output.type";
/// GenAI: the tools offered to the model, as a JSON array of `{"type", "name", "description",
/// "parameters"}` objects.
pub const TOOL_DEFINITIONS: &str = "gen_ai.tool.definitions";
/// OpenInference: prefix of the tools offered to the model, one JSON schema per tool
/// (`llm.tools.<i>.tool.json_schema`).
pub const LLM_TOOLS_PREFIX: &str = "llm.tools";

/// GenAI: the response's id (`chatcmpl-...`).
pub const RESPONSE_ID: &str = "gen_ai.response.id";
/// GenAI: the model that answered (may differ from the requested one).
pub use rizk_core::semconv::GEN_AI_RESPONSE_MODEL as RESPONSE_MODEL;
/// OpenInference: the model that answered, the dated snapshot backends price by
/// (`gpt-4o-mini-2024-07-18`).
pub const LLM_RESPONSE_MODEL_NAME: &str = "llm.response.model_name";
/// GenAI: the finish reason of each choice (string array: `stop`, `length`, `tool_calls`, ...).
pub const RESPONSE_FINISH_REASONS: &str = "gen_ai.response.finish_reasons";
/// Number of tool calls the model asked for (integer).
pub const TOOL_CALL_COUNT: &str = "llm.tool_calls.count";
/// Names of the functions the model asked to call, in order (string array). Not content: the
/// arguments are, and go to `output.value` only when the content policy allows.
pub const TOOL_CALL_NAMES: &str = "llm.tool_calls.names";
/// GenAI: the number of vectors an embeddings call returned (integer).
pub const EMBEDDING_COUNT: &str = "llm.embeddings.count";
/// GenAI: the dimension of the returned embeddings (integer).
pub const EMBEDDING_DIMENSIONS: &str = "gen_ai.embeddings.dimension.count";

/// Streaming: milliseconds from sending the request to the first chunk carrying output
/// (double). The span also has a `first_token` event at that moment.
pub const TIME_TO_FIRST_TOKEN_MS: &str = "llm.time_to_first_token_ms";
/// GenAI (1.41): streaming, seconds from sending the request to the first chunk carrying
/// output (double).
pub const RESPONSE_TIME_TO_FIRST_CHUNK: &str = "gen_ai.response.time_to_first_chunk";
/// Streaming: chunks received (integer).
pub const STREAM_CHUNK_COUNT: &str = "llm.stream.chunk_count";

/// OpenTelemetry `error.type`, here: the API's error `type` (`rate_limit_exceeded`,
/// `invalid_request_error`, ...), else its `code`, else the HTTP status, else `timeout`,
/// `connection`, `invalid_response`, `stream` or `invalid_argument`.
pub use rizk_core::semconv::ERROR_TYPE;
/// The API error's `code` (`rate_limit_exceeded`, `context_length_exceeded`, ...).
pub const ERROR_CODE: &str = "llm.error.code";
/// OpenTelemetry: the HTTP status of a failed call (integer).
pub const HTTP_STATUS_CODE: &str = "http.response.status_code";
/// OpenTelemetry: host and port (an integer) of the API the client talks to.
pub use rizk_core::semconv::{SERVER_ADDRESS, SERVER_PORT};
