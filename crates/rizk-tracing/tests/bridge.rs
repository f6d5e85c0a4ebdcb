//! `tracing` spans in rizk's traces: nesting both ways, fields, events, links, async and
//! threads, and the GenAI mapping of spans shaped like rig's.

mod common;

use common::{assert_chat_span, attr, attr_i64, attr_str, harness, is_child_of, is_root, span};
use opentelemetry::trace::Status;
use rizk::{task, tool, workflow};
use tracing::Instrument as _;

#[workflow(
    name = "bridge_nesting",
    organization_id = "acme",
    project_id = "support"
)]
fn bridge_nesting() -> u32 {
    load_customer(7)
}

#[task(name = "load_customer")]
fn load_customer(id: u32) -> u32 {
    // A library instrumented with `tracing`, called from a rizk task.
    let span = tracing::info_span!(
        "db.query",
        db.system = "postgresql",
        rows = tracing::field::Empty
    );
    let _entered = span.enter();
    tracing::info!(table = "customers", "query sent");
    let price = price_lookup(id);
    span.record("rows", 1_u64);
    price
}

#[tool(name = "price_lookup")]
fn price_lookup(id: u32) -> u32 {
    id * 3
}

#[test]
fn tracing_spans_nest_under_rizk_spans_and_rizk_spans_under_them() {
    let h = harness();
    assert_eq!(bridge_nesting(), 21);
    let spans = h.trace_of("workflow.bridge_nesting");
    assert_eq!(
        spans.len(),
        4,
        "{:?}",
        spans.iter().map(|s| &s.name).collect::<Vec<_>>()
    );
    let workflow = span(&spans, "workflow.bridge_nesting");
    let task = span(&spans, "task.load_customer");
    let query = span(&spans, "db.query");
    let tool = span(&spans, "tool.price_lookup");
    assert!(is_root(workflow));
    assert!(is_child_of(task, workflow));
    assert!(
        is_child_of(query, task),
        "a tracing span inside #[task] is its child"
    );
    assert!(
        is_child_of(tool, query),
        "a #[tool] inside a tracing span is its child"
    );

    // Fields become attributes, also those recorded later; the bridged span inherits the
    // workflow's organization, project and name like any span of the pipeline.
    assert_eq!(attr_str(query, "db.system").as_deref(), Some("postgresql"));
    assert_eq!(attr_i64(query, "rows"), Some(1));
    assert_eq!(attr_str(query, "organization.id").as_deref(), Some("acme"));
    assert_eq!(attr_str(query, "project.id").as_deref(), Some("support"));
    assert_eq!(
        attr_str(query, "rizk.workflow.name").as_deref(),
        Some("bridge_nesting")
    );
    assert_eq!(
        attr(query, "rizk.span.kind"),
        None,
        "a plain span stays plain"
    );
    // ... and so does the tool inside it, through the task's frame.
    assert_eq!(attr_str(tool, "organization.id").as_deref(), Some("acme"));

    // The event is a span event with its fields.
    let event = query
        .events
        .iter()
        .find(|e| e.name == "query sent")
        .expect("event recorded");
    assert!(
        event
            .attributes
            .iter()
            .any(|kv| kv.key.as_str() == "table" && kv.value.as_str() == "customers")
    );
    assert_eq!(query.status, Status::Unset);
}

#[workflow(name = "bridge_errors")]
fn bridge_errors() {
    let _span = tracing::info_span!("flaky_call", otel.name = "http.request").entered();
    tracing::error!(code = 503, "upstream unavailable");
}

#[test]
fn error_events_fail_the_span_and_otel_name_renames_it() {
    let h = harness();
    bridge_errors();
    let spans = h.trace_of("workflow.bridge_errors");
    let call = span(&spans, "http.request");
    assert_eq!(call.status, Status::error("upstream unavailable"));
    assert!(call.events.iter().any(|e| e.name == "upstream unavailable"));
    assert_eq!(
        attr(call, "otel.name"),
        None,
        "otel.* fields steer, they are not attributes"
    );
}

#[workflow(name = "bridge_async")]
async fn bridge_async() -> usize {
    // A span created here and instrumenting a future that another task polls.
    let fetch = tracing::info_span!("fetch_documents");
    let handle = tokio::spawn(
        async {
            tokio::task::yield_now().await;
            rank_documents(3).await
        }
        .instrument(fetch),
    );
    handle.await.expect("task")
}

#[tool(name = "rank_documents")]
async fn rank_documents(n: usize) -> usize {
    tokio::task::yield_now().await;
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instrumented_futures_keep_the_trace_across_tasks_and_awaits() {
    let h = harness();
    assert_eq!(bridge_async().await, 3);
    let spans = h.trace_of("workflow.bridge_async");
    let workflow = span(&spans, "workflow.bridge_async");
    let fetch = span(&spans, "fetch_documents");
    let rank = span(&spans, "tool.rank_documents");
    assert!(is_child_of(fetch, workflow));
    assert!(
        is_child_of(rank, fetch),
        "the tool polled inside the instrumented future"
    );
}

#[test]
fn follows_from_becomes_a_link_and_explicit_roots_under_tracing_start_a_trace() {
    let h = harness();
    let first = tracing::info_span!("bridge_first_step");
    let second = tracing::info_span!("bridge_second_step");
    second.follows_from(&first);
    {
        let _in_second = second.enter();
        // `parent: None` inside a bridged span: tracing says root, so it is a new trace.
        let _root = tracing::info_span!(parent: None, "bridge_detached").entered();
    }
    drop((first, second));
    h.handle.flush().expect("flush");
    let first = h.spans.find("bridge_first_step").expect("first");
    let second = h.spans.find("bridge_second_step").expect("second");
    assert_eq!(second.links.links.len(), 1);
    assert_eq!(
        second.links.links[0].span_context.span_id(),
        first.span_context.span_id()
    );
    let detached = h.spans.find("bridge_detached").expect("detached");
    assert!(is_root(&detached));
    assert_ne!(
        detached.span_context.trace_id(),
        second.span_context.trace_id()
    );
}

/// What rig 0.44 emits for an agent run with one tool call, in the same shape: an
/// `invoke_agent` root span (`parent: None`, since no `tracing` span is current), a completion
/// span on `rig::completions`, an `execute_tool` span whose tool name and result are recorded
/// once known. `crates/rizk-rig/tests` runs the real rig.
#[workflow(name = "bridge_genai")]
async fn bridge_genai() {
    let agent = tracing::info_span!(
        parent: None,
        "invoke_agent",
        gen_ai.operation.name = "invoke_agent",
        gen_ai.agent.name = "weather_agent",
        gen_ai.prompt = tracing::field::Empty,
        gen_ai.completion = tracing::field::Empty,
        gen_ai.usage.input_tokens = tracing::field::Empty,
        gen_ai.usage.output_tokens = tracing::field::Empty,
    );
    agent.record("gen_ai.prompt", "Weather in Paris?");
    async {
        let chat = tracing::info_span!(
            target: "rig::completions",
            "chat",
            gen_ai.operation.name = "chat",
            gen_ai.provider.name = "openai",
            gen_ai.request.model = "gpt-4o-mini",
            gen_ai.response.id = tracing::field::Empty,
            gen_ai.usage.input_tokens = tracing::field::Empty,
            gen_ai.usage.output_tokens = tracing::field::Empty,
            gen_ai.input.messages = tracing::field::Empty,
        );
        chat.record("gen_ai.input.messages", r#"[{"role":"user","parts":[]}]"#);
        chat.record("gen_ai.response.id", "chatcmpl-1");
        chat.record("gen_ai.usage.input_tokens", 12_u64);
        chat.record("gen_ai.usage.output_tokens", 5_u64);
        async {}.instrument(chat).await;

        let tool = tracing::info_span!(
            "execute_tool",
            gen_ai.operation.name = "execute_tool",
            gen_ai.tool.type = "function",
            gen_ai.tool.name = tracing::field::Empty,
            gen_ai.tool.call.arguments = tracing::field::Empty,
            gen_ai.tool.call.result = tracing::field::Empty,
            gen_ai.tool.call.outcome = tracing::field::Empty,
            gen_ai.tool.error.type = tracing::field::Empty,
        );
        async {
            let current = tracing::Span::current();
            current.record("gen_ai.tool.name", "get_weather");
            current.record("gen_ai.tool.call.arguments", r#"{"city":"Paris"}"#);
            let forecast = forecast("Paris");
            current.record("gen_ai.tool.call.result", forecast.as_str());
            current.record("gen_ai.tool.call.outcome", "error");
            current.record("gen_ai.tool.error.type", "timeout");
        }
        .instrument(tool)
        .await;
        tracing::Span::current().record("gen_ai.completion", "Sunny.");
    }
    .instrument(agent)
    .await;
}

#[tool(name = "forecast")]
fn forecast(city: &str) -> String {
    format!("sunny in {city}")
}

#[tokio::test]
async fn genai_spans_become_agent_tool_and_llm_spans_in_the_workflow_trace() {
    let h = harness();
    bridge_genai().await;
    let spans = h.trace_of("workflow.bridge_genai");
    let names: Vec<_> = spans.iter().map(|s| s.name.to_string()).collect();
    assert_eq!(spans.len(), 5, "{names:?}");
    let workflow = span(&spans, "workflow.bridge_genai");
    let agent = span(&spans, "agent.weather_agent");
    let llm = span(&spans, "openai.chat");
    let tool = span(&spans, "tool.get_weather");
    let inner = span(&spans, "tool.forecast");
    assert!(
        is_child_of(agent, workflow),
        "rig's parent-less invoke_agent joins the workflow's trace"
    );
    assert!(is_child_of(llm, agent));
    assert!(is_child_of(tool, agent));
    assert!(
        is_child_of(inner, tool),
        "a #[tool] inside rig's execute_tool"
    );

    assert_eq!(attr_str(agent, "rizk.span.kind").as_deref(), Some("agent"));
    assert_eq!(
        attr_str(agent, "openinference.span.kind").as_deref(),
        Some("AGENT")
    );
    assert_eq!(
        attr_str(agent, "rizk.entity.name").as_deref(),
        Some("weather_agent")
    );
    assert_eq!(
        attr_str(agent, "framework.name").as_deref(),
        Some(module_path!())
    );
    assert_eq!(
        attr_str(agent, "input.value").as_deref(),
        Some("Weather in Paris?")
    );
    assert_eq!(attr_str(agent, "output.value").as_deref(), Some("Sunny."));
    assert_eq!(
        attr_str(agent, "gen_ai.prompt").as_deref(),
        Some("Weather in Paris?")
    );

    assert_chat_span(llm, "openai", "gpt-4o-mini");
    assert_eq!(attr_str(llm, "framework.name").as_deref(), Some("rig"));
    assert_eq!(
        attr_str(llm, "gen_ai.response.id").as_deref(),
        Some("chatcmpl-1")
    );
    assert_eq!(attr_i64(llm, "gen_ai.usage.input_tokens"), Some(12));
    assert_eq!(attr_i64(llm, "gen_ai.usage.output_tokens"), Some(5));
    assert_eq!(attr_i64(llm, "llm.token_count.prompt"), Some(12));
    assert_eq!(attr_i64(llm, "llm.token_count.completion"), Some(5));
    assert_eq!(attr_i64(llm, "llm.token_count.total"), Some(17));
    assert_eq!(
        attr_str(llm, "input.mime_type").as_deref(),
        Some("application/json")
    );
    assert!(attr_str(llm, "input.value").is_some_and(|v| v.contains("user")));
    // The LLM span inherits the workflow's name; the agent is not a rizk frame.
    assert_eq!(
        attr_str(llm, "rizk.workflow.name").as_deref(),
        Some("bridge_genai")
    );

    assert_eq!(attr_str(tool, "rizk.span.kind").as_deref(), Some("tool"));
    assert_eq!(
        attr_str(tool, "openinference.span.kind").as_deref(),
        Some("TOOL")
    );
    assert_eq!(
        attr_str(tool, "gen_ai.tool.name").as_deref(),
        Some("get_weather")
    );
    assert_eq!(
        attr_str(tool, "rizk.entity.name").as_deref(),
        Some("get_weather")
    );
    assert_eq!(
        attr_str(tool, "input.value").as_deref(),
        Some(r#"{"city":"Paris"}"#)
    );
    assert_eq!(
        attr_str(tool, "output.value").as_deref(),
        Some("sunny in Paris")
    );
    assert_eq!(tool.status, Status::error("timeout"));
}

#[workflow(name = "bridge_spellings")]
fn bridge_spellings() {
    // Older spellings, as crates written against GenAI conventions before 1.37 emit them.
    let old = tracing::info_span!(
        target: "legacy_llm",
        "chat",
        gen_ai.operation.name = "chat",
        gen_ai.system = "anthropic",
        gen_ai.request.model = "claude-old",
        gen_ai.usage.prompt_tokens = 30_u64,
        gen_ai.usage.completion_tokens = 7_u64,
        gen_ai.usage.reasoning_tokens = 3_u64,
    );
    drop(old.enter());
    // Today's spellings, and rig's tool results sent as a user message.
    let new = tracing::info_span!(
        target: "rig::completions",
        "chat",
        gen_ai.operation.name = "chat",
        gen_ai.provider.name = "openai",
        gen_ai.request.model = "gpt-new",
        gen_ai.usage.input_tokens = 40_u64,
        gen_ai.usage.output_tokens = 9_u64,
        gen_ai.usage.reasoning.output_tokens = 4_u64,
        gen_ai.usage.cache_read.input_tokens = 16_u64,
        gen_ai.usage.cache_creation.input_tokens = 8_u64,
        gen_ai.input.messages = tracing::field::Empty,
    );
    new.record(
        "gen_ai.input.messages",
        r#"[{"role":"user","parts":[{"type":"text","content":"Weather?"}]},{"role":"assistant","parts":[{"type":"tool_call","id":"c1","name":"get_weather","arguments":{}}]},{"role":"user","parts":[{"type":"tool_call_response","id":"c1","response":"sunny"}]}]"#,
    );
    drop(new.enter());
}

#[test]
fn old_and_new_genai_spellings_are_both_read() {
    let h = harness();
    bridge_spellings();
    let spans = h.trace_of("workflow.bridge_spellings");
    let find = |model: &str| {
        spans
            .iter()
            .find(|s| attr_str(s, "gen_ai.request.model").as_deref() == Some(model))
            .unwrap_or_else(|| panic!("no span of {model}"))
    };
    let old = find("claude-old");
    assert_eq!(
        attr_str(old, "gen_ai.provider.name").as_deref(),
        Some("anthropic")
    );
    assert_eq!(attr_str(old, "llm.provider").as_deref(), Some("anthropic"));
    assert_eq!(attr_i64(old, "gen_ai.usage.input_tokens"), Some(30));
    assert_eq!(attr_i64(old, "gen_ai.usage.output_tokens"), Some(7));
    assert_eq!(attr_i64(old, "llm.token_count.prompt"), Some(30));
    assert_eq!(attr_i64(old, "llm.token_count.completion"), Some(7));
    assert_eq!(attr_i64(old, "llm.token_count.total"), Some(37));
    assert_eq!(
        attr_i64(old, "gen_ai.usage.reasoning.output_tokens"),
        Some(3)
    );
    assert_eq!(
        attr_i64(old, "llm.token_count.completion_details.reasoning"),
        Some(3)
    );

    let new = find("gpt-new");
    assert_eq!(attr_str(new, "llm.provider").as_deref(), Some("openai"));
    assert_eq!(attr_i64(new, "llm.token_count.total"), Some(49));
    assert_eq!(
        attr_i64(new, "llm.token_count.completion_details.reasoning"),
        Some(4)
    );
    assert_eq!(
        attr_i64(new, "llm.token_count.prompt_details.cache_read"),
        Some(16)
    );
    assert_eq!(
        attr_i64(new, "llm.token_count.prompt_details.cache_write"),
        Some(8)
    );
    // The tool result travels in a message of role `tool`, under both keys.
    for key in ["gen_ai.input.messages", "input.value"] {
        let messages: serde_json::Value =
            serde_json::from_str(&attr_str(new, key).expect("messages")).expect("JSON");
        assert_eq!(messages[2]["role"], "tool", "{key}: {messages}");
        assert_eq!(messages[2]["parts"][0]["type"], "tool_call_response");
        assert_eq!(messages[0]["role"], "user");
    }
}
