//! The content policy reaches MCP spans: with `trace_content` off, a tool's arguments and
//! result are on neither side, while the rest of the span is.

#![allow(clippy::unwrap_used, unreachable_pub)]

mod common;

use common::{Harness, attr, attr_str, echo, pipe};
use opentelemetry::trace::SpanKind;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arguments_and_results_are_withheld_when_content_is_off() {
    let harness = Harness::new("rizk-mcp-content", false);
    let (client, peer) = pipe().await;
    peer.call_tool(echo("my secret question")).await.unwrap();
    harness.handle.flush().unwrap();
    let spans = harness.spans.spans();
    for kind in [SpanKind::Client, SpanKind::Server] {
        let span = spans
            .iter()
            .find(|s| s.name == "tools/call echo" && s.span_kind == kind)
            .unwrap();
        assert_eq!(attr_str(span, "gen_ai.tool.name").as_deref(), Some("echo"));
        assert!(attr(span, "gen_ai.tool.call.arguments").is_none());
        assert!(attr(span, "gen_ai.tool.call.result").is_none());
        assert!(
            !format!("{:?}", span.attributes).contains("my secret question"),
            "{:?}",
            span.attributes
        );
    }
    client.cancel().await.unwrap();
}
