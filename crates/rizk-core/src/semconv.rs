//! Attribute keys rizk emits, and the span kinds of the spec.
//!
//! rizk keeps the spec's own names (`organization.id`, `llm.model`, ...) and also writes the keys
//! that real backends read: OpenInference for Arize Phoenix (`openinference.span.kind`,
//! `input.value`) and the OpenTelemetry GenAI conventions for Datadog, Langfuse and Grafana
//! (`gen_ai.*`). [`MAPPING`] is the table `docs/semantic-conventions.md` is checked against.
//!
//! ```
//! use rizk_core::semconv::{ENTITY_NAME, EntityKind, SPAN_KIND};
//! use rizk_core::span::{EntitySpan, SpanMeta};
//! # let spans = rizk_core::export::InMemoryExporter::default();
//! # let rizk = rizk_core::RizkBuilder::new().app_name("doc").console_exporter(false)
//! #     .ignore_environment().with_exporter("memory", spans.clone()).init().unwrap();
//! # static META: SpanMeta = SpanMeta { kind: EntityKind::Task, name: "inventory_check",
//! #     span_name: "task.inventory_check", organization_id: None, project_id: None,
//! #     version: None, capture_input: true, capture_output: true };
//!
//! EntitySpan::start(&META).run(|| (), |_, _| {}); // what #[task] does
//! rizk.flush().unwrap();
//! let span = spans.find("task.inventory_check").unwrap();
//! let value = |key: &str| span.attributes.iter().find(|kv| kv.key.as_str() == key).map(|kv| kv.value.to_string());
//! assert_eq!(value(SPAN_KIND).as_deref(), Some("task"));
//! assert_eq!(value(ENTITY_NAME).as_deref(), Some("inventory_check"));
//! ```

use std::fmt;

/// `rizk.span.kind`: `workflow`, `task`, `agent`, `tool` or `llm`.
pub const SPAN_KIND: &str = "rizk.span.kind";
/// `rizk.entity.name`: the name given to the macro (or the function's name).
pub const ENTITY_NAME: &str = "rizk.entity.name";
/// `rizk.entity.version`: the `version` given to the macro.
pub const ENTITY_VERSION: &str = "rizk.entity.version";
/// `rizk.workflow.name`: the enclosing workflow, inherited by every descendant span.
pub const WORKFLOW_NAME: &str = "rizk.workflow.name";
/// `organization.id` (spec), inherited by descendants that set none.
pub const ORGANIZATION_ID: &str = "organization.id";
/// `project.id` (spec), inherited by descendants that set none.
pub const PROJECT_ID: &str = "project.id";
/// `agent.id` (spec): the agent's name, inherited by the tools and LLM calls it makes.
pub const AGENT_ID: &str = "agent.id";
/// `request.id` (spec), set through `set_span_context`.
pub const REQUEST_ID: &str = "request.id";
/// `conversation.id` (spec), set through `set_span_context`.
pub const CONVERSATION_ID: &str = "conversation.id";
/// `user.id` (spec and OpenInference), set through `set_span_context`.
pub const USER_ID: &str = "user.id";
/// `framework.name` (spec): the framework that produced a span.
pub const FRAMEWORK_NAME: &str = "framework.name";
/// `framework.version` (spec).
pub const FRAMEWORK_VERSION: &str = "framework.version";
/// `llm.provider` (spec and OpenInference).
pub const LLM_PROVIDER: &str = "llm.provider";
/// `llm.model` (spec).
pub const LLM_MODEL: &str = "llm.model";

/// OpenTelemetry `error.type`: the class of an error (an exception type, an HTTP status, an API
/// error's type), written by every producer that records a failure.
///
/// ```
/// assert_eq!(rizk_core::semconv::ERROR_TYPE, "error.type");
/// ```
pub const ERROR_TYPE: &str = "error.type";
/// OpenTelemetry `server.address`: the host a client calls, or the one a server is addressed as.
///
/// ```
/// assert_eq!(rizk_core::semconv::SERVER_ADDRESS, "server.address");
/// ```
pub const SERVER_ADDRESS: &str = "server.address";
/// OpenTelemetry `server.port` (an integer).
///
/// ```
/// assert_eq!(rizk_core::semconv::SERVER_PORT, "server.port");
/// ```
pub const SERVER_PORT: &str = "server.port";

/// OpenInference span kind (`CHAIN`, `AGENT`, `TOOL`, `LLM`): Phoenix's `span_kind`.
pub const OPENINFERENCE_SPAN_KIND: &str = "openinference.span.kind";
/// OpenInference: the function's inputs as text or JSON.
pub const INPUT_VALUE: &str = "input.value";
/// OpenInference: `application/json` or `text/plain`.
pub const INPUT_MIME_TYPE: &str = "input.mime_type";
/// OpenInference: the function's output as text or JSON.
pub const OUTPUT_VALUE: &str = "output.value";
/// OpenInference: `application/json` or `text/plain`.
pub const OUTPUT_MIME_TYPE: &str = "output.mime_type";
/// OpenInference: the model name of an LLM span.
pub const LLM_MODEL_NAME: &str = "llm.model_name";
/// OpenInference: conversation/session id.
pub const SESSION_ID: &str = "session.id";
/// OpenInference resource attribute: the Phoenix project spans land in.
pub const OPENINFERENCE_PROJECT_NAME: &str = "openinference.project.name";

/// GenAI: `invoke_agent`, `execute_tool`, `chat`, ...
pub const GEN_AI_OPERATION_NAME: &str = "gen_ai.operation.name";
/// GenAI: the agent's name.
pub const GEN_AI_AGENT_NAME: &str = "gen_ai.agent.name";
/// GenAI: the tool's name.
pub const GEN_AI_TOOL_NAME: &str = "gen_ai.tool.name";
/// GenAI: the conversation id.
pub const GEN_AI_CONVERSATION_ID: &str = "gen_ai.conversation.id";
/// GenAI: the provider (`openai`, ...).
pub const GEN_AI_PROVIDER_NAME: &str = "gen_ai.provider.name";
/// GenAI: the requested model.
pub const GEN_AI_REQUEST_MODEL: &str = "gen_ai.request.model";

/// GenAI: the agent's unique id (per decorated function: its module path and name, see
/// `#[agent]`), as opposed to its name.
pub const GEN_AI_AGENT_ID: &str = "gen_ai.agent.id";
/// GenAI: the agent's description (the macro's `description`).
pub const GEN_AI_AGENT_DESCRIPTION: &str = "gen_ai.agent.description";
/// GenAI: the workflow's name, on `#[workflow]` spans.
pub const GEN_AI_WORKFLOW_NAME: &str = "gen_ai.workflow.name";
/// GenAI: the agent's version (the macro's `version`).
pub const GEN_AI_AGENT_VERSION: &str = "gen_ai.agent.version";
/// GenAI: the tool's type (`function` for a `#[tool]`).
pub const GEN_AI_TOOL_TYPE: &str = "gen_ai.tool.type";
/// GenAI: the tool's description (the macro's `description`).
pub const GEN_AI_TOOL_DESCRIPTION: &str = "gen_ai.tool.description";
/// GenAI: the id of the model's tool call a tool span executes, when it is known.
pub const GEN_AI_TOOL_CALL_ID: &str = "gen_ai.tool.call.id";
/// GenAI: the arguments of a tool call as JSON (content: a function input).
pub const GEN_AI_TOOL_CALL_ARGUMENTS: &str = "gen_ai.tool.call.arguments";
/// GenAI: the result of a tool call (content: a function output).
pub const GEN_AI_TOOL_CALL_RESULT: &str = "gen_ai.tool.call.result";
/// GenAI: the messages sent to a model, as JSON in the conventions' parts format (content: a
/// whole conversation).
pub const GEN_AI_INPUT_MESSAGES: &str = "gen_ai.input.messages";
/// GenAI: the messages a model answered with (one per choice), as JSON in the parts format
/// (content: LLM output).
pub const GEN_AI_OUTPUT_MESSAGES: &str = "gen_ai.output.messages";
/// GenAI: system instructions given apart from the chat history, as JSON parts (content: a
/// system prompt).
pub const GEN_AI_SYSTEM_INSTRUCTIONS: &str = "gen_ai.system_instructions";
/// GenAI, deprecated since 1.37 for [`GEN_AI_PROVIDER_NAME`]: read by the `tracing` bridge
/// from other crates' spans, never written.
pub const GEN_AI_SYSTEM: &str = "gen_ai.system";
/// OpenInference: a tool span's tool name.
pub const TOOL_NAME: &str = "tool.name";
/// OpenInference: a tool span's description.
pub const TOOL_DESCRIPTION: &str = "tool.description";
/// OpenInference: a tool span's parameters, as a JSON Schema (not content: names and types).
pub const TOOL_PARAMETERS: &str = "tool.parameters";

/// The version of the OpenTelemetry semantic conventions (GenAI included) rizk follows.
///
/// ```
/// assert_eq!(rizk_core::semconv::SEMCONV_VERSION, "1.41.0");
/// ```
pub const SEMCONV_VERSION: &str = "1.41.0";
/// The schema URL of [`SEMCONV_VERSION`], written on the instrumentation scope of rizk's
/// integrations.
///
/// ```
/// assert!(rizk_core::semconv::SCHEMA_URL.ends_with(rizk_core::semconv::SEMCONV_VERSION));
/// ```
pub const SCHEMA_URL: &str = "https://opentelemetry.io/schemas/1.41.0";

/// OpenInference: prompt tokens of an LLM call (integer).
pub const LLM_TOKEN_COUNT_PROMPT: &str = "llm.token_count.prompt";
/// OpenInference: completion tokens of an LLM call (integer).
pub const LLM_TOKEN_COUNT_COMPLETION: &str = "llm.token_count.completion";
/// OpenInference: total tokens of an LLM call (integer).
pub const LLM_TOKEN_COUNT_TOTAL: &str = "llm.token_count.total";
/// GenAI: input (prompt) tokens.
pub const GEN_AI_USAGE_INPUT_TOKENS: &str = "gen_ai.usage.input_tokens";
/// GenAI: output (completion) tokens.
pub const GEN_AI_USAGE_OUTPUT_TOKENS: &str = "gen_ai.usage.output_tokens";
/// GenAI: input tokens read from the provider's prompt cache (part of the input tokens).
pub const GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS: &str = "gen_ai.usage.cache_read.input_tokens";
/// GenAI: input tokens written to the provider's prompt cache (part of the input tokens).
pub const GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS: &str =
    "gen_ai.usage.cache_creation.input_tokens";
/// GenAI: reasoning tokens (part of the output tokens).
pub const GEN_AI_USAGE_REASONING_OUTPUT_TOKENS: &str = "gen_ai.usage.reasoning.output_tokens";
/// GenAI: the model that answered (a dated snapshot, such as `gpt-4o-mini-2024-07-18`).
pub const GEN_AI_RESPONSE_MODEL: &str = "gen_ai.response.model";
/// OpenInference: prompt tokens read from the cache.
pub const LLM_TOKEN_COUNT_CACHE_READ: &str = "llm.token_count.prompt_details.cache_read";
/// OpenInference: prompt tokens written to the cache.
pub const LLM_TOKEN_COUNT_CACHE_WRITE: &str = "llm.token_count.prompt_details.cache_write";
/// OpenInference: reasoning tokens of the completion.
pub const LLM_TOKEN_COUNT_REASONING: &str = "llm.token_count.completion_details.reasoning";
/// OpenInference: a trace's tags (list of strings), inherited by every descendant.
pub const TAG_TAGS: &str = "tag.tags";
/// Langfuse: the trace's tags (the same list as `tag.tags`).
pub const LANGFUSE_TRACE_TAGS: &str = "langfuse.trace.tags";
/// OpenInference: free-form metadata (a JSON object), inherited by every descendant.
pub const METADATA: &str = "metadata";
/// OpenInference: the prompt template behind an LLM call.
pub const LLM_PROMPT_TEMPLATE: &str = "llm.prompt_template.template";
/// OpenInference: the template's variables (a JSON object).
pub const LLM_PROMPT_TEMPLATE_VARIABLES: &str = "llm.prompt_template.variables";
/// OpenInference: the template's version.
pub const LLM_PROMPT_TEMPLATE_VERSION: &str = "llm.prompt_template.version";
/// OpenInference: the cost of the prompt (input tokens, cache included), in USD.
pub const LLM_COST_PROMPT: &str = "llm.cost.prompt";
/// OpenInference: the cost of the completion (output tokens), in USD.
pub const LLM_COST_COMPLETION: &str = "llm.cost.completion";
/// OpenInference: the total cost of an LLM call, in USD.
pub const LLM_COST_TOTAL: &str = "llm.cost.total";
/// rizk: cost in USD, on an LLM span its own, on an ancestor (workflow, agent, task) the total
/// of its subtree (until the GenAI conventions name a cost key).
pub const RIZK_COST_USD: &str = "rizk.cost.usd";
/// rizk: on an ancestor, the LLM calls in its subtree that got no cost (no price known for
/// their model): its `rizk.cost.usd` leaves them out.
pub const RIZK_COST_UNPRICED_CALLS: &str = "rizk.cost.unpriced_calls";
/// rizk: on an ancestor, the LLM calls in its subtree.
pub const RIZK_USAGE_LLM_CALLS: &str = "rizk.usage.llm_calls";
/// rizk: on an ancestor, the input tokens of its subtree.
pub const RIZK_USAGE_INPUT_TOKENS: &str = "rizk.usage.input_tokens";
/// rizk: on an ancestor, the output tokens of its subtree.
pub const RIZK_USAGE_OUTPUT_TOKENS: &str = "rizk.usage.output_tokens";
/// rizk: on an ancestor, the input tokens of its subtree read from a cache.
pub const RIZK_USAGE_CACHE_READ_INPUT_TOKENS: &str = "rizk.usage.cache_read.input_tokens";
/// rizk: on an ancestor, the input tokens of its subtree written to a cache.
pub const RIZK_USAGE_CACHE_CREATION_INPUT_TOKENS: &str = "rizk.usage.cache_creation.input_tokens";
/// rizk: on an ancestor, the reasoning tokens of its subtree.
pub const RIZK_USAGE_REASONING_OUTPUT_TOKENS: &str = "rizk.usage.reasoning.output_tokens";

/// OpenTelemetry: `service.name` resource attribute (the app name).
pub const SERVICE_NAME: &str = "service.name";
/// OpenTelemetry: the exception event's type.
pub const EXCEPTION_TYPE: &str = "exception.type";
/// OpenTelemetry: the exception event's message.
pub const EXCEPTION_MESSAGE: &str = "exception.message";
/// OpenTelemetry: the exception event's stack trace.
pub const EXCEPTION_STACKTRACE: &str = "exception.stacktrace";
/// Set to `true` on a span whose future was dropped before it completed.
pub const CANCELLED: &str = "rizk.cancelled";

/// The kinds of span the spec's hierarchy is made of.
///
/// ```
/// use rizk_core::semconv::EntityKind;
/// assert_eq!(EntityKind::Tool.as_str(), "tool");
/// assert_eq!(EntityKind::Task.openinference_kind(), "CHAIN");
/// assert_eq!(EntityKind::Agent.gen_ai_operation(), Some("invoke_agent"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntityKind {
    /// A whole piece of work (`#[workflow]`): the root of a request's tree.
    Workflow,
    /// A step inside a workflow (`#[task]`).
    Task,
    /// An agent that decides and calls tools and models (`#[agent]`).
    Agent,
    /// A tool an agent calls (`#[tool]`).
    Tool,
    /// A call to a language model.
    Llm,
}

impl EntityKind {
    /// Every kind, in hierarchy order.
    pub const ALL: [EntityKind; 5] = [
        EntityKind::Workflow,
        EntityKind::Task,
        EntityKind::Agent,
        EntityKind::Tool,
        EntityKind::Llm,
    ];

    /// The lower-case name, also the span-name prefix (`task.inventory_check`).
    pub const fn as_str(self) -> &'static str {
        match self {
            EntityKind::Workflow => "workflow",
            EntityKind::Task => "task",
            EntityKind::Agent => "agent",
            EntityKind::Tool => "tool",
            EntityKind::Llm => "llm",
        }
    }

    /// The kind a span attribute names: rizk's `rizk.span.kind` (`task`) or OpenInference's
    /// `openinference.span.kind` (`LLM`). OpenInference's `CHAIN` covers workflows and tasks
    /// alike, and reads as a task.
    ///
    /// ```
    /// use rizk_core::semconv::EntityKind;
    /// assert_eq!(EntityKind::from_attribute("workflow"), Some(EntityKind::Workflow));
    /// assert_eq!(EntityKind::from_attribute("LLM"), Some(EntityKind::Llm));
    /// assert_eq!(EntityKind::from_attribute("CHAIN"), Some(EntityKind::Task));
    /// assert_eq!(EntityKind::from_attribute("RETRIEVER"), None);
    /// ```
    pub fn from_attribute(value: &str) -> Option<EntityKind> {
        if value == "CHAIN" {
            return Some(EntityKind::Task);
        }
        EntityKind::ALL
            .into_iter()
            .find(|kind| kind.as_str().eq_ignore_ascii_case(value))
    }

    /// The OpenInference span kind Phoenix shows.
    pub const fn openinference_kind(self) -> &'static str {
        match self {
            EntityKind::Workflow | EntityKind::Task => "CHAIN",
            EntityKind::Agent => "AGENT",
            EntityKind::Tool => "TOOL",
            EntityKind::Llm => "LLM",
        }
    }

    /// The GenAI `gen_ai.operation.name`, where the conventions define one: a workflow is
    /// `invoke_workflow` (semantic conventions 1.41); a task, a step inside one, has none.
    ///
    /// ```
    /// use rizk_core::semconv::EntityKind;
    /// assert_eq!(EntityKind::Workflow.gen_ai_operation(), Some("invoke_workflow"));
    /// assert_eq!(EntityKind::Task.gen_ai_operation(), None);
    /// ```
    pub const fn gen_ai_operation(self) -> Option<&'static str> {
        match self {
            EntityKind::Workflow => Some("invoke_workflow"),
            EntityKind::Agent => Some("invoke_agent"),
            EntityKind::Tool => Some("execute_tool"),
            EntityKind::Llm => Some("chat"),
            EntityKind::Task => None,
        }
    }
}

impl fmt::Display for EntityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The mapping table of `docs/semantic-conventions.md`: (spec concept, rizk/spec key,
/// OpenInference key, GenAI key). An empty cell means the convention has no such key.
pub const MAPPING: &[(&str, &str, &str, &str)] = &[
    (
        "span kind",
        SPAN_KIND,
        OPENINFERENCE_SPAN_KIND,
        GEN_AI_OPERATION_NAME,
    ),
    ("entity name", ENTITY_NAME, "", ""),
    ("agent name", AGENT_ID, "", GEN_AI_AGENT_NAME),
    ("tool name", ENTITY_NAME, "", GEN_AI_TOOL_NAME),
    ("workflow name", WORKFLOW_NAME, "", ""),
    ("organization", ORGANIZATION_ID, "", ""),
    ("project", PROJECT_ID, OPENINFERENCE_PROJECT_NAME, ""),
    (
        "conversation",
        CONVERSATION_ID,
        SESSION_ID,
        GEN_AI_CONVERSATION_ID,
    ),
    ("user", USER_ID, USER_ID, ""),
    ("inputs", INPUT_VALUE, INPUT_VALUE, ""),
    ("outputs", OUTPUT_VALUE, OUTPUT_VALUE, ""),
    (
        "LLM provider",
        LLM_PROVIDER,
        LLM_PROVIDER,
        GEN_AI_PROVIDER_NAME,
    ),
    ("LLM model", LLM_MODEL, LLM_MODEL_NAME, GEN_AI_REQUEST_MODEL),
    (
        "prompt tokens",
        LLM_TOKEN_COUNT_PROMPT,
        LLM_TOKEN_COUNT_PROMPT,
        GEN_AI_USAGE_INPUT_TOKENS,
    ),
    (
        "completion tokens",
        LLM_TOKEN_COUNT_COMPLETION,
        LLM_TOKEN_COUNT_COMPLETION,
        GEN_AI_USAGE_OUTPUT_TOKENS,
    ),
    (
        "total tokens",
        LLM_TOKEN_COUNT_TOTAL,
        LLM_TOKEN_COUNT_TOTAL,
        "",
    ),
    ("service", SERVICE_NAME, "", ""),
];

/// Extra keys written alongside a `set_span_context` key so that backends find it under their
/// own name (`conversation.id` is also `session.id` and `gen_ai.conversation.id`).
pub fn aliases(key: &str) -> &'static [&'static str] {
    match key {
        CONVERSATION_ID => &[SESSION_ID, GEN_AI_CONVERSATION_ID],
        TAG_TAGS => &[LANGFUSE_TRACE_TAGS],
        _ => &[],
    }
}
