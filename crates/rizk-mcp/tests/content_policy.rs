//! The content policy reaches MCP spans on both sides: with `trace_content` off a tool's
//! arguments and result are on neither span, while the rest of the span is; with hashes on
//! they are captured and replaced by their hash on the export side (the export stages classify
//! the two keys as function input and output on MCP spans too).

#![allow(clippy::unwrap_used, unreachable_pub)]

mod common;

use std::sync::OnceLock;

use common::{Harness, attr, attr_str, echo, pipe};
use opentelemetry::trace::SpanKind;
use opentelemetry_sdk::trace::SpanData;
use rizk_core::content::ContentPolicy;

/// One pipeline for this binary; the tests take turns, as each sets the policy.
fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| Harness::new("rizk-mcp-content", false))
}

static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Calls `echo(query)` under `policy`; the client and the server span of the call.
async fn echo_under(policy: ContentPolicy, query: &str) -> [SpanData; 2] {
    let harness = harness();
    rizk_core::update_config(rizk_core::ConfigUpdate::new().content_policy(policy)).unwrap();
    let (client, peer) = pipe().await;
    peer.call_tool(echo(query)).await.unwrap();
    client.cancel().await.unwrap();
    harness.handle.flush().unwrap();
    let spans = harness.spans.spans();
    [SpanKind::Client, SpanKind::Server].map(|kind| {
        spans
            .iter()
            .rev()
            .find(|s| s.name == "tools/call echo" && s.span_kind == kind)
            .unwrap()
            .clone()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arguments_and_results_are_withheld_when_content_is_off() {
    let _serial = SERIAL.lock().await;
    let policy = ContentPolicy {
        trace_content: false,
        ..ContentPolicy::default()
    };
    for span in echo_under(policy, "my secret question").await {
        assert_eq!(attr_str(&span, "gen_ai.tool.name").as_deref(), Some("echo"));
        assert!(attr(&span, "gen_ai.tool.call.arguments").is_none());
        assert!(attr(&span, "gen_ai.tool.call.result").is_none());
        let all = format!("{:?}", span.attributes);
        assert!(!all.contains("my secret question"), "{all}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arguments_and_results_are_hashed_when_the_policy_says_so() {
    let _serial = SERIAL.lock().await;
    let policy = ContentPolicy {
        trace_content: false,
        trace_content_hashes: true,
        ..ContentPolicy::default()
    };
    for span in echo_under(policy, "hash me").await {
        for key in ["gen_ai.tool.call.arguments", "gen_ai.tool.call.result"] {
            let value = attr_str(&span, key).unwrap_or_else(|| panic!("no {key}"));
            assert!(value.starts_with("sha256:"), "{key} = {value}");
        }
        assert!(!format!("{:?}", span.attributes).contains("hash me"));
    }
}
