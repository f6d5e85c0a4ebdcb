//! What leaves the process, for every producer under every content policy.
//!
//! One run per policy: a `#[workflow]` that drives every producer with distinctive planted
//! values (`SECRET-...`), each carrying a piece of "personal data" (`PII-4242`) that the test's
//! redactor hides:
//!
//! - the macros: workflow and task inputs, a task output, a task's `Err`, `record_error`, a
//!   tool's arguments and result (`input.value` / `output.value` and
//!   `gen_ai.tool.call.arguments` / `gen_ai.tool.call.result`);
//! - the `tracing` bridge: `#[tracing::instrument]` arguments, event messages and fields, an
//!   `ERROR` event, a GenAI (rig-shaped) span with prompt, system instructions and completion;
//!   events are bridged down to TRACE here, the strictest setting;
//! - the OpenAI client against the local mock server: system, user and tool messages, the
//!   completion, a prompt template and its variables;
//! - a real rig agent with a tool, through the bridge, against the same mock server;
//! - the HTTP layer: a client call that fails in a middleware, and a server span whose request
//!   body must never be recorded.
//!
//! Every exported string (span names, attribute values, event names, event attribute values,
//! status descriptions) is searched. A planted value must be absent when the policy forbids every
//! route it reaches the span by, and present when one route is allowed; with redaction on, the
//! personal data never appears; structural keys are there under every policy.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly on what it did not expect

use std::borrow::Cow;

use axum::Router;
use axum::routing::post;
use opentelemetry::trace::{Status, TraceId};
use opentelemetry_sdk::trace::SpanData;
use rizk::content::{ContentKind, ContentPolicy};
use rizk::http::{ClientMiddleware, ServerLayer};
use rizk::openai::InstrumentedClient;
use rizk::openai::async_openai::types::chat::{
    ChatCompletionRequestSystemMessage, ChatCompletionRequestToolMessage,
    ChatCompletionRequestUserMessage, CreateChatCompletionRequestArgs,
};
use rizk::rig::rig_agent::{Agent, AgentBuilder};
use rizk::rig::rig_core::providers::openai::OpenAIConfig;
use rizk::rig::rig_core::tool::{Tool, ToolContext};
use rizk::rig::{AgentBuilderExt as _, RizkHook};
use rizk::testing::install_harness;
use rizk::{ConfigUpdate, task, tool, workflow};
use rizk_test_support::openai_server::MockServer;
use tracing_subscriber::layer::SubscriberExt as _;

use ContentKind::{
    Conversation, ErrorMessage, FunctionInput, FunctionOutput, LlmInput, LlmOutput, SystemPrompt,
    TracingField, UserInput,
};

/// The personal data inside every planted value; the test's redactor replaces it.
const PII: &str = "PII-4242";

// Macros.
const WF_INPUT: &str = "SECRET-WFINPUT-7701 PII-4242";
const TASK_INPUT: &str = "SECRET-TASKIN-7702 PII-4242";
const TASK_OUTPUT: &str = "SECRET-TASKOUT-7703 PII-4242";
const TASK_ERROR: &str = "SECRET-TASKERR-7704 PII-4242";
const RECORD_ERROR: &str = "SECRET-RECERR-7705 PII-4242";
const TOOL_ARGS: &str = "SECRET-TOOLARGS-7706 PII-4242";
const TOOL_RESULT: &str = "SECRET-TOOLRESULT-7707 PII-4242";
// The tracing bridge.
const INSTRUMENT_ARG: &str = "SECRET-INSTRARG-7711 PII-4242";
const EVENT_MESSAGE: &str = "SECRET-EVMSG-7712 PII-4242";
const EVENT_FIELD: &str = "SECRET-EVFIELD-7713 PII-4242";
const EVENT_ERROR: &str = "SECRET-EVERR-7714 PII-4242";
const GENAI_PROMPT: &str = "SECRET-GENPROMPT-7715 PII-4242";
const GENAI_SYSTEM: &str = "SECRET-GENSYS-7716 PII-4242";
const GENAI_COMPLETION: &str = "SECRET-GENOUT-7717 PII-4242";
// The OpenAI client.
const OPENAI_SYSTEM: &str = "SECRET-OAISYS-7721 PII-4242";
const OPENAI_USER: &str = "SECRET-OAIUSER-7722 PII-4242";
const OPENAI_TOOL: &str = "SECRET-OAITOOL-7723 PII-4242";
const OPENAI_TEMPLATE: &str = "SECRET-OAITEMPLATE-7724 PII-4242 {question}";
const OPENAI_TEMPLATE_VARIABLE: &str = "SECRET-OAIVAR-7725 PII-4242";
// rig.
const RIG_SYSTEM: &str = "SECRET-RIGSYS-7731 PII-4242";
const RIG_PROMPT: &str = "SECRET-RIGPROMPT-7732 PII-4242";
const RIG_TOOL_RESULT: &str = "SECRET-RIGTOOL-7733 PII-4242";
const RIG_TOOL_ARGS: &str = r#"{"city":"SECRET-RIGARGS-7734 PII-4242"}"#;
// HTTP.
const HTTP_ERROR: &str = "SECRET-HTTPERR-7741 PII-4242";
const HTTP_BODY: &str = "SECRET-HTTPBODY-7742 PII-4242";

/// A planted value and the routes by which it reaches the exported spans: each route is the
/// set of content kinds that must all be allowed for it to carry the value.
struct Planted {
    value: &'static str,
    routes: &'static [&'static [ContentKind]],
}

const PLANTED: &[Planted] = &[
    // A prompt template is a prompt; its variables fill one, and often hold the user's words.
    Planted {
        value: "SECRET-OAITEMPLATE-7724",
        routes: &[&[LlmInput]],
    },
    Planted {
        value: OPENAI_TEMPLATE_VARIABLE,
        routes: &[&[Conversation]],
    },
    Planted {
        value: WF_INPUT,
        routes: &[&[UserInput]],
    },
    Planted {
        value: TASK_INPUT,
        routes: &[&[FunctionInput]],
    },
    Planted {
        value: TASK_OUTPUT,
        routes: &[&[FunctionOutput]],
    },
    Planted {
        value: TASK_ERROR,
        routes: &[&[ErrorMessage]],
    },
    Planted {
        value: RECORD_ERROR,
        routes: &[&[ErrorMessage]],
    },
    // A `#[tool]`'s arguments and result, under both conventions' keys.
    Planted {
        value: TOOL_ARGS,
        routes: &[&[FunctionInput]],
    },
    Planted {
        value: TOOL_RESULT,
        routes: &[&[FunctionOutput]],
    },
    Planted {
        value: INSTRUMENT_ARG,
        routes: &[&[TracingField]],
    },
    Planted {
        value: EVENT_MESSAGE,
        routes: &[&[TracingField]],
    },
    Planted {
        value: EVENT_FIELD,
        routes: &[&[TracingField]],
    },
    // The event's name, and the span's status description.
    Planted {
        value: EVENT_ERROR,
        routes: &[&[TracingField], &[ErrorMessage]],
    },
    // The bridge captures rig's `gen_ai.prompt` as a user input; the export side sees an LLM
    // input under `gen_ai.prompt` and a function input under the agent's `input.value`.
    Planted {
        value: GENAI_PROMPT,
        routes: &[&[UserInput, LlmInput], &[UserInput, FunctionInput]],
    },
    Planted {
        value: GENAI_SYSTEM,
        routes: &[&[SystemPrompt]],
    },
    Planted {
        value: GENAI_COMPLETION,
        routes: &[&[LlmOutput]],
    },
    // The client captures prompts as LLM inputs; each flattened message is then its role's
    // kind, and `input.value` (all messages) a conversation.
    Planted {
        value: OPENAI_SYSTEM,
        routes: &[&[LlmInput, SystemPrompt]],
    },
    Planted {
        value: OPENAI_USER,
        routes: &[&[LlmInput, UserInput]],
    },
    // The tool message is a prompt; the mock's answer quotes it.
    Planted {
        value: OPENAI_TOOL,
        routes: &[&[LlmInput], &[LlmOutput]],
    },
    Planted {
        value: RIG_SYSTEM,
        routes: &[&[SystemPrompt], &[Conversation], &[TracingField]],
    },
    Planted {
        value: RIG_PROMPT,
        routes: &[
            &[UserInput, LlmInput],
            &[UserInput, FunctionInput],
            &[Conversation],
            &[TracingField],
        ],
    },
    Planted {
        value: RIG_TOOL_RESULT,
        routes: &[
            &[FunctionOutput],
            &[LlmOutput],
            &[Conversation],
            &[TracingField],
        ],
    },
    Planted {
        value: "SECRET-RIGARGS-7734",
        routes: &[
            &[FunctionInput],
            &[LlmOutput],
            &[Conversation],
            &[TracingField],
        ],
    },
    Planted {
        value: HTTP_ERROR,
        routes: &[&[ErrorMessage]],
    },
    // Request bodies are never recorded.
    Planted {
        value: HTTP_BODY,
        routes: &[],
    },
];

/// `key=value` pairs that are metadata: there under every policy.
const STRUCTURE: &[&str] = &[
    "rizk.span.kind=workflow",
    "gen_ai.operation.name=invoke_workflow",
    "gen_ai.tool.type=function",
    "gen_ai.tool.call.id=call_matrix_1",
    "rizk.entity.name=remember",
    "exception.type=String",
    "exception.type=io::Error",
    "db.system=postgresql",
    "level=INFO",
    "gen_ai.agent.name=matrix_genai",
    "llm.model=gpt-4o-mini",
    "llm.token_count.prompt=12",
    "llm.provider=openai",
    "rizk.entity.name=matrix_rig",
    "http.request.method=POST",
    "http.response.status_code=200",
];

/// The test's redactor: hides [`PII`].
struct HidePii;

impl rizk::content::ContentRedactor for HidePii {
    fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        if text.contains(PII) {
            Cow::Owned(text.replace(PII, "[PII]"))
        } else {
            Cow::Borrowed(text)
        }
    }
}

fn policies() -> Vec<(&'static str, ContentPolicy)> {
    let on = ContentPolicy::default();
    vec![
        ("default (redaction on)", on),
        (
            "redaction off",
            ContentPolicy {
                content_redaction_enabled: false,
                ..on
            },
        ),
        (
            "trace_content=false",
            ContentPolicy {
                trace_content: false,
                ..on
            },
        ),
        (
            "metadata_only",
            ContentPolicy {
                trace_metadata_only: true,
                ..on
            },
        ),
        (
            "metadata_only+hashes",
            ContentPolicy {
                trace_metadata_only: true,
                trace_content_hashes: true,
                ..on
            },
        ),
        (
            "user inputs off",
            ContentPolicy {
                trace_user_inputs: Some(false),
                ..on
            },
        ),
        (
            "llm inputs off",
            ContentPolicy {
                trace_llm_inputs: Some(false),
                ..on
            },
        ),
        (
            "llm outputs off",
            ContentPolicy {
                trace_llm_outputs: Some(false),
                ..on
            },
        ),
        (
            "system prompts off",
            ContentPolicy {
                trace_system_prompts: Some(false),
                ..on
            },
        ),
        (
            "content off, llm outputs on",
            ContentPolicy {
                trace_content: false,
                trace_llm_outputs: Some(true),
                ..on
            },
        ),
    ]
}

// ---- the producers ----------------------------------------------------------------------

#[task]
fn remember(note: &str) -> String {
    let _ = note;
    TASK_OUTPUT.to_owned()
}

#[tool(description = "Looks an order up")]
fn lookup_order(order: &str) -> String {
    rizk::current_span().set_tool_call_id("call_matrix_1");
    let _ = order;
    TOOL_RESULT.to_owned()
}

#[task]
fn refuse() -> Result<(), String> {
    Err(TASK_ERROR.to_owned())
}

#[task]
fn report() {
    rizk::current_span().record_error(&std::io::Error::other(RECORD_ERROR));
}

#[tracing::instrument(fields(db.system = "postgresql"))]
fn lookup(customer: &str) {
    tracing::info!(note = EVENT_FIELD, "{EVENT_MESSAGE}");
    tracing::error!("{EVENT_ERROR}");
}

fn genai_span() {
    let span = tracing::info_span!(
        "invoke_agent",
        gen_ai.operation.name = "invoke_agent",
        gen_ai.agent.name = "matrix_genai",
        gen_ai.prompt = GENAI_PROMPT,
        gen_ai.system_instructions = GENAI_SYSTEM,
        gen_ai.completion = tracing::field::Empty,
    );
    span.record("gen_ai.completion", GENAI_COMPLETION);
}

async fn openai_call(server: &MockServer) {
    let client = InstrumentedClient::new(rizk::openai::async_openai::Client::with_config(
        server.config(),
    ));
    let request = CreateChatCompletionRequestArgs::default()
        .model("gpt-4o-mini")
        .messages([
            ChatCompletionRequestSystemMessage::from(OPENAI_SYSTEM).into(),
            ChatCompletionRequestUserMessage::from(OPENAI_USER).into(),
            ChatCompletionRequestToolMessage {
                content: OPENAI_TOOL.into(),
                tool_call_id: "call_1".to_owned(),
            }
            .into(),
        ])
        .build()
        .unwrap();
    client
        .chat()
        .with_prompt_template(
            rizk::genai::PromptTemplate::new(OPENAI_TEMPLATE)
                .variable("question", OPENAI_TEMPLATE_VARIABLE)
                .version("matrix-v1"),
        )
        .create(request)
        .await
        .expect("chat");
}

#[derive(Debug, serde::Deserialize)]
struct LookupArgs {
    #[allow(dead_code)] // only deserialised
    city: String,
}

#[derive(Debug)]
struct Never;

impl std::fmt::Display for Never {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("never")
    }
}

impl std::error::Error for Never {}

/// A rig tool that answers with a planted value.
struct PlantedTool;

impl Tool for PlantedTool {
    const NAME: &'static str = "lookup_city";
    type Args = LookupArgs;
    type Output = String;
    type Error = Never;

    fn description(&self) -> String {
        "Looks a city up".to_owned()
    }

    fn parameters(&self) -> serde_json::Value {
        serde_json::json!({
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        })
    }

    async fn call(&self, _ctx: &mut ToolContext, _args: LookupArgs) -> Result<String, Never> {
        Ok(RIG_TOOL_RESULT.to_owned())
    }
}

/// Built per policy: `rizk_content_policy` reads the policy when the agent is built.
fn rig_agent(server: &MockServer) -> Agent {
    let model = OpenAIConfig::new("sk-mock")
        .with_base_url(server.base_url())
        .client()
        .chat("gpt-4o-mini");
    AgentBuilder::new(model)
        .name("matrix_rig")
        .preamble(RIG_SYSTEM)
        .default_max_turns(3)
        .rizk_content_policy()
        .add_hook(RizkHook)
        .tool(PlantedTool)
        .build()
}

/// A middleware that fails the call with a planted message, inside the client span.
struct Refuse;

#[async_trait::async_trait]
impl reqwest_middleware::Middleware for Refuse {
    async fn handle(
        &self,
        _req: reqwest::Request,
        _extensions: &mut axum::http::Extensions,
        _next: reqwest_middleware::Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        Err(reqwest_middleware::Error::middleware(
            std::io::Error::other(HTTP_ERROR),
        ))
    }
}

async fn http_calls(server: std::net::SocketAddr) {
    let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(ClientMiddleware::new())
        .build();
    let answer = client
        .post(format!("http://{server}/ask"))
        .body(HTTP_BODY)
        .send()
        .await
        .expect("server reachable");
    assert!(answer.status().is_success());
    let failing = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(ClientMiddleware::new())
        .with(Refuse)
        .build();
    assert!(
        failing
            .post(format!("http://{server}/ask"))
            .send()
            .await
            .is_err()
    );
}

#[workflow(name = "content_matrix", skip(openai, agent, http))]
async fn run_all(
    question: &str,
    openai: &MockServer,
    agent: &Agent,
    http: std::net::SocketAddr,
) -> TraceId {
    remember(TASK_INPUT);
    lookup_order(TOOL_ARGS);
    let _ = refuse();
    report();
    lookup(INSTRUMENT_ARG);
    genai_span();
    openai_call(openai).await;
    let _ = agent.prompt(RIG_PROMPT).await.expect("agent run");
    http_calls(http).await;
    let _ = question;
    rizk::current_span().span_context().trace_id()
}

// ---- the walk ---------------------------------------------------------------------------

/// Every string of `spans` that leaves the process, with where it was found.
fn exported(spans: &[SpanData]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for s in spans {
        let at = |what: &str| format!("{} / {what}", s.name);
        out.push((at("name"), s.name.to_string()));
        for kv in &s.attributes {
            out.push((at("attribute"), format!("{}={}", kv.key, kv.value)));
        }
        for e in s.events.iter() {
            out.push((at("event name"), e.name.to_string()));
            for kv in &e.attributes {
                out.push((
                    at(&format!("event {}", e.name)),
                    format!("{}={}", kv.key, kv.value),
                ));
            }
        }
        if let Status::Error { description } = &s.status {
            out.push((at("status"), description.to_string()));
        }
    }
    out
}

/// The marker of a planted value: its `SECRET-...-77xx` part.
fn marker(value: &str) -> &str {
    let start = value.find("SECRET-").unwrap_or(0);
    let rest = &value[start..];
    rest.split([' ', '"']).next().unwrap_or(rest)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_producer_under_every_policy() {
    let h = install_harness("rizk-content-matrix", |b| b.content_redactor(HidePii));
    // Events down to TRACE: rig's trace events repeat whole requests, the hardest case.
    tracing::subscriber::set_global_default(
        tracing_subscriber::registry()
            .with(rizk::tracing_bridge::layer().with_event_level(tracing::Level::TRACE)),
    )
    .expect("no other subscriber");

    let openai = MockServer::builder()
        .tool_arguments(RIG_TOOL_ARGS)
        .start()
        .await
        .expect("mock server");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let http = listener.local_addr().unwrap();
    let app = Router::new()
        .route(
            "/ask",
            post(|body: String| async move { format!("{} bytes", body.len()) }),
        )
        .layer(ServerLayer::new());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let mut failures = Vec::new();
    for (name, policy) in policies() {
        rizk::update_config(ConfigUpdate::new().content_policy(policy)).unwrap();
        let agent = rig_agent(&openai);
        let trace_id = run_all(WF_INPUT, &openai, &agent, http).await;
        // Flushes, so the export side applies this policy before the next is set.
        let spans = h.trace(trace_id);
        let strings = exported(&spans);
        // MATRIX_DUMP=1 (with --nocapture) prints what left the process under each policy.
        if std::env::var_os("MATRIX_DUMP").is_some() {
            eprintln!("==== {name}: {} spans", spans.len());
            for (at, s) in &strings {
                eprintln!("  {at}: {}", s.chars().take(160).collect::<String>());
            }
        }
        let find = |needle: &str| strings.iter().find(|(_, s)| s.contains(needle));

        for planted in PLANTED {
            let allowed = planted
                .routes
                .iter()
                .any(|route| route.iter().all(|kind| policy.allows(*kind)));
            let marker = marker(planted.value);
            match (allowed, find(marker)) {
                (false, Some((at, s))) => {
                    failures.push(format!("[{name}] {marker} leaked at {at}: {s}"));
                }
                (true, None) => failures.push(format!("[{name}] allowed {marker} is missing")),
                _ => {}
            }
        }
        if policy.content_redaction_enabled {
            if let Some((at, s)) = find(PII) {
                failures.push(format!("[{name}] personal data unredacted at {at}: {s}"));
            }
        } else if find(PII).is_none() {
            failures.push(format!("[{name}] recorded content lost its text"));
        }
        if policy.trace_content_hashes && find("sha256:").is_none() {
            failures.push(format!("[{name}] no hash of the withheld content"));
        }
        if let Some((at, s)) = find("rizk.content.") {
            failures.push(format!(
                "[{name}] a content marker left the process at {at}: {s}"
            ));
        }
        for pair in STRUCTURE {
            if !strings.iter().any(|(_, s)| s == pair) {
                failures.push(format!("[{name}] metadata {pair} is missing"));
            }
        }
        assert!(
            spans.iter().any(|s| s.name == "POST /ask"),
            "[{name}] the server span is in the trace: {:?}",
            spans.iter().map(|s| &s.name).collect::<Vec<_>>()
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
