//! With `trace_content(false)` LLM spans carry no prompt or completion.
//!
//! The local server (`rizk_test_support::openai_server::MockServer`) stands in for the real
//! OpenAI API, which is not reachable here.

mod common;

use async_openai::types::chat::{
    ChatCompletionRequestUserMessage, CreateChatCompletionRequestArgs,
};
use common::{attr_i64, attr_str, harness_with, span};
use rizk::workflow;
use rizk_core::genai::PromptTemplate;
use rizk_openai::InstrumentedClient;
use rizk_test_support::openai_server::MockServer;

#[workflow(name = "private_chat")]
async fn private_chat(client: &InstrumentedClient) {
    for stream in [false, true] {
        let request = CreateChatCompletionRequestArgs::default()
            .model("gpt-4o-mini")
            .messages([ChatCompletionRequestUserMessage::from("my SSN is 123-45-6789").into()])
            .build()
            .expect("request");
        let template = PromptTemplate::new("Answer: {question}")
            .variable("question", "my SSN is 123-45-6789")
            .version("v7");
        let chat = client.chat().with_prompt_template(template);
        if stream {
            let mut chunks = chat.create_stream(request).await.expect("stream");
            while chunks.next().await.is_some() {}
        } else {
            chat.create(request).await.expect("chat");
        }
    }
}

#[tokio::test]
async fn no_prompt_or_completion_is_recorded_when_content_is_off() {
    let h = harness_with(|b| b.trace_content(false));
    let server = MockServer::start().await.expect("server");
    let client = InstrumentedClient::new(async_openai::Client::with_config(server.config()));
    private_chat(&client).await;
    let spans = h.trace_of("workflow.private_chat");
    let llms: Vec<_> = spans
        .iter()
        .filter(|s| s.name == "openai.chat.completions")
        .collect();
    assert_eq!(llms.len(), 2);
    for llm in llms {
        for kv in &llm.attributes {
            let key = kv.key.as_str();
            assert!(
                !key.starts_with("input.")
                    && !key.starts_with("output.")
                    && !key.starts_with("llm.input_messages")
                    && !key.starts_with("llm.output_messages")
                    && !key.starts_with("gen_ai.input.")
                    && !key.starts_with("gen_ai.output.messages")
                    && !key.starts_with("gen_ai.system_instructions")
                    && !key.starts_with("gen_ai.tool.call.")
                    && key != "llm.prompt_template.template"
                    && key != "llm.prompt_template.variables",
                "content key {key} recorded"
            );
            assert!(!kv.value.as_str().contains("123-45-6789"), "{key}");
        }
        // Metadata is still there, the template's version included.
        assert_eq!(
            attr_str(llm, "llm.prompt_template.version").as_deref(),
            Some("v7")
        );
        assert_eq!(attr_str(llm, "llm.model").as_deref(), Some("gpt-4o-mini"));
        assert!(attr_str(llm, "gen_ai.response.id").is_some());
        assert!(attr_str(llm, "gen_ai.response.model").is_some());
    }
    let plain = span(&spans, "openai.chat.completions");
    assert_eq!(attr_i64(plain, "llm.token_count.total"), Some(17));
}
