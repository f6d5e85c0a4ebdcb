//! Cost through the whole pipeline: real OpenAI-client calls (against the local
//! OpenAI-compatible server, whose answers carry cached and reasoning tokens), priced from the
//! bundled data or the user's prices, streamed and not, rolled up through a workflow with two
//! agents and three LLM calls; and a model with no price.

#![allow(clippy::unwrap_used)] // a test fails loudly on what it did not expect

mod common;

use common::{attr_f64, attr_i64, attr_str, harness_with, span};
use opentelemetry_sdk::trace::SpanData;
use rizk::cost::{CostBuilderExt as _, ModelPrice, Pricer, TokenUsage};
use rizk::openai::InstrumentedClient;
use rizk::openai::async_openai;
use rizk::openai::async_openai::types::chat::{
    ChatCompletionRequestUserMessage, CreateChatCompletionRequest, CreateChatCompletionRequestArgs,
};
use rizk::{agent, workflow};
use rizk_test_support::openai_server::MockServer;

/// The user's price for the fine-tuned model (USD per million tokens).
const FINE_TUNED: &str = "ft:gpt-4o-mini:acme";

fn request(model: &str) -> CreateChatCompletionRequest {
    CreateChatCompletionRequestArgs::default()
        .model(model)
        .messages([ChatCompletionRequestUserMessage::from("Where is my order?").into()])
        .build()
        .unwrap()
}

async fn ask(client: &InstrumentedClient, model: &str) {
    client.chat().create(request(model)).await.unwrap();
}

async fn ask_streamed(client: &InstrumentedClient, model: &str) {
    let mut stream = client.chat().create_stream(request(model)).await.unwrap();
    while let Some(chunk) = stream.next().await {
        chunk.unwrap();
    }
}

#[agent(name = "triage")]
async fn triage(client: &InstrumentedClient) {
    ask(client, "gpt-4o-mini").await;
    ask_streamed(client, "gpt-4o-mini").await;
}

#[agent(name = "answer")]
async fn answer(client: &InstrumentedClient) {
    ask(client, FINE_TUNED).await;
}

#[workflow(name = "support_ticket")]
async fn support_ticket(client: &InstrumentedClient) {
    triage(client).await;
    answer(client).await;
}

#[agent(name = "local")]
async fn local(client: &InstrumentedClient) {
    ask(client, "my-local-llama").await;
}

fn usage(span: &SpanData) -> TokenUsage {
    let get = |key| attr_i64(span, key).map_or(0, |n| u64::try_from(n).unwrap());
    TokenUsage {
        input: get("gen_ai.usage.input_tokens"),
        output: get("gen_ai.usage.output_tokens"),
        cache_read: get("gen_ai.usage.cache_read.input_tokens"),
        cache_write: get("gen_ai.usage.cache_creation.input_tokens"),
        reasoning: get("gen_ai.usage.reasoning.output_tokens"),
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * a.abs().max(1.0)
}

#[tokio::test]
async fn costs_are_priced_per_call_and_rolled_up_through_agents_and_the_workflow() {
    let user_price = ModelPrice::new(0.30, 1.20).with_cache_read(0.15);
    let h = harness_with(|b| b.model_price(FINE_TUNED, user_price));
    let server = MockServer::start().await.unwrap();
    let client = InstrumentedClient::new(async_openai::Client::with_config(server.config()))
        .with_stream_usage(true);
    support_ticket(&client).await;

    let spans = h.trace_of("workflow.support_ticket");
    let calls: Vec<&SpanData> = spans
        .iter()
        .filter(|s| s.name == "openai.chat.completions")
        .collect();
    assert_eq!(calls.len(), 3);
    let pricer = Pricer::new(vec![(FINE_TUNED.to_owned(), user_price)]);
    let mut expected_total = 0.0;
    for call in &calls {
        let u = usage(call);
        assert!(u.cache_read > 0 && u.reasoning > 0, "{u:?}");
        let requested = attr_str(call, "gen_ai.request.model").unwrap();
        let answered = attr_str(call, "gen_ai.response.model").unwrap();
        // The user's price for the fine-tuned model (requested name); the bundled price of the
        // snapshot that answered for the others.
        let priced_as = if requested == FINE_TUNED {
            requested
        } else {
            answered
        };
        let expected = pricer
            .cost(Some("openai"), &priced_as, &u, None)
            .unwrap_or_else(|| panic!("no price for {priced_as}"));
        let total = attr_f64(call, "llm.cost.total").expect("llm.cost.total");
        assert!(
            close(total, expected.total),
            "{priced_as}: {total} vs {expected:?}"
        );
        assert!(close(
            attr_f64(call, "llm.cost.prompt").unwrap(),
            expected.input
        ));
        assert!(close(
            attr_f64(call, "llm.cost.completion").unwrap(),
            expected.output
        ));
        assert!(close(attr_f64(call, "rizk.cost.usd").unwrap(), total));
        expected_total += total;
    }
    // The fine-tuned call at the user's price: uncached input, cached input, output.
    let ft = calls
        .iter()
        .find(|s| attr_str(s, "gen_ai.request.model").as_deref() == Some(FINE_TUNED))
        .unwrap();
    let u = usage(ft);
    let by_hand = ((u.input - u.cache_read) as f64 * 0.30
        + u.cache_read as f64 * 0.15
        + u.output as f64 * 1.20)
        / 1e6;
    assert!(close(attr_f64(ft, "llm.cost.total").unwrap(), by_hand));

    // Roll-up: each agent its calls, the workflow all three.
    let sum = |names: &[&SpanData]| -> (f64, i64, i64, i64, i64) {
        names.iter().fold((0.0, 0, 0, 0, 0), |acc, s| {
            let u = usage(s);
            (
                acc.0 + attr_f64(s, "llm.cost.total").unwrap(),
                acc.1 + 1,
                acc.2 + u.input as i64,
                acc.3 + u.output as i64,
                acc.4 + u.cache_read as i64,
            )
        })
    };
    let triage = span(&spans, "agent.triage");
    let answer = span(&spans, "agent.answer");
    let workflow = span(&spans, "workflow.support_ticket");
    let children_of = |parent: &SpanData| -> Vec<&SpanData> {
        calls
            .iter()
            .copied()
            .filter(|c| c.parent_span_id == parent.span_context.span_id())
            .collect()
    };
    for (ancestor, below) in [
        (triage, children_of(triage)),
        (answer, children_of(answer)),
        (workflow, calls.clone()),
    ] {
        let (cost, n, input, output, cached) = sum(&below);
        assert!(
            close(attr_f64(ancestor, "rizk.cost.usd").unwrap(), cost),
            "{}",
            ancestor.name
        );
        assert_eq!(attr_i64(ancestor, "rizk.usage.llm_calls"), Some(n));
        assert_eq!(attr_i64(ancestor, "rizk.usage.input_tokens"), Some(input));
        assert_eq!(attr_i64(ancestor, "rizk.usage.output_tokens"), Some(output));
        assert_eq!(
            attr_i64(ancestor, "rizk.usage.cache_read.input_tokens"),
            Some(cached)
        );
        assert!(attr_i64(ancestor, "rizk.usage.reasoning.output_tokens").is_some());
        assert_eq!(
            attr_f64(ancestor, "llm.cost.total"),
            None,
            "own keys are the calls'"
        );
    }
    assert_eq!(children_of(triage).len(), 2);
    assert!(close(
        attr_f64(workflow, "rizk.cost.usd").unwrap(),
        expected_total
    ));

    // A model with no price: no cost, counted, and the ancestor says so.
    let before = rizk::cost::unpriced_calls();
    local(&client).await;
    let spans = h.trace_of("agent.local");
    let call = span(&spans, "openai.chat.completions");
    assert_eq!(attr_f64(call, "llm.cost.total"), None);
    assert_eq!(attr_f64(call, "rizk.cost.usd"), None);
    let agent = span(&spans, "agent.local");
    assert_eq!(attr_i64(agent, "rizk.cost.unpriced_calls"), Some(1));
    assert_eq!(attr_f64(agent, "rizk.cost.usd"), None);
    assert!(rizk::cost::unpriced_calls() > before);
}
