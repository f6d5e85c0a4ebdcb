//! One MCP span (client or server side): its start, its outcome, its metric.

use std::time::Instant;

use opentelemetry::trace::{Link, SpanKind, Status, TraceContextExt as _, Tracer as _};
use opentelemetry::{Context, KeyValue};
use rizk_core::content::ContentKind;

use crate::attributes::{self as attr, Described, Outcome};

/// `mcp.client.operation.duration` (histogram, `s`).
pub(crate) const CLIENT_DURATION: &str = "mcp.client.operation.duration";
/// `mcp.server.operation.duration` (histogram, `s`).
pub(crate) const SERVER_DURATION: &str = "mcp.server.operation.duration";

/// An MCP span in flight; ends when finished, or as cancelled when dropped before.
pub(crate) struct McpSpan {
    cx: Context,
    recording: bool,
    /// Whether the policy lets the tool's result be recorded (the export side still redacts
    /// or hashes it).
    outputs: bool,
    started: Instant,
    kind: SpanKind,
    /// The attributes the duration metric carries (low-cardinality only).
    metric_attributes: Vec<KeyValue>,
    ended: bool,
}

/// Whether the content policy in force lets content of `kind` be captured.
fn captures(kind: ContentKind) -> bool {
    rizk_core::content_policy().is_some_and(|p| p.treatment(kind).captures())
}

impl McpSpan {
    /// Starts the span of `described` under `parent`, with `extra` attributes (transport,
    /// session, request id) and `links`; records the tool's arguments when the policy allows.
    pub(crate) fn start(
        kind: SpanKind,
        described: Described,
        extra: Vec<KeyValue>,
        parent: &Context,
        links: Vec<Link>,
    ) -> McpSpan {
        let Described {
            name,
            mut attributes,
            arguments,
            tool_call,
            ..
        } = described;
        attributes.extend(extra);
        let metric_attributes = attributes
            .iter()
            .filter(|kv| {
                matches!(
                    kv.key.as_str(),
                    attr::MCP_METHOD_NAME
                        | attr::GEN_AI_TOOL_NAME
                        | attr::GEN_AI_PROMPT_NAME
                        | attr::GEN_AI_OPERATION_NAME
                        | attr::NETWORK_TRANSPORT
                        | attr::NETWORK_PROTOCOL_NAME
                        | attr::MCP_PROTOCOL_VERSION
                        | attr::SERVER_ADDRESS
                        | attr::SERVER_PORT
                )
            })
            .cloned()
            .collect();
        let tracer = rizk_core::get_tracer("rizk-mcp");
        let span = tracer
            .span_builder(name)
            .with_kind(kind.clone())
            .with_attributes(attributes)
            .with_links(links)
            .start_with_context(&tracer, parent);
        let recording = opentelemetry::trace::Span::is_recording(&span);
        let cx = parent.with_span(span);
        let inputs = recording && tool_call && captures(ContentKind::FunctionInput);
        if let (true, Some(arguments)) = (inputs, arguments) {
            cx.span().set_attribute(KeyValue::new(
                rizk_core::semconv::GEN_AI_TOOL_CALL_ARGUMENTS,
                serde_json::Value::Object(arguments).to_string(),
            ));
        }
        let outputs = recording && tool_call && captures(ContentKind::FunctionOutput);
        McpSpan {
            cx,
            recording,
            outputs,
            started: Instant::now(),
            kind,
            metric_attributes,
            ended: false,
        }
    }

    /// The context with this span current.
    pub(crate) fn context(&self) -> &Context {
        &self.cx
    }

    /// Adds an attribute learnt after the start (the request id).
    pub(crate) fn set_attribute(&self, kv: KeyValue) {
        if self.recording {
            self.cx.span().set_attribute(kv);
        }
    }

    /// Records the outcome, ends the span and records the duration metric.
    pub(crate) fn finish(mut self, outcome: Outcome) {
        self.ended = true;
        let span = self.cx.span();
        if self.recording {
            if let (true, Some(result)) = (self.outputs, &outcome.tool_result) {
                span.set_attribute(KeyValue::new(
                    rizk_core::semconv::GEN_AI_TOOL_CALL_RESULT,
                    result.to_string(),
                ));
            }
            if let Some(version) = &outcome.protocol_version {
                span.set_attribute(KeyValue::new(attr::MCP_PROTOCOL_VERSION, version.clone()));
            }
            if let Some(code) = outcome.code {
                span.set_attribute(KeyValue::new(
                    attr::RPC_RESPONSE_STATUS_CODE,
                    code.to_string(),
                ));
                span.set_attribute(KeyValue::new(attr::RPC_JSONRPC_ERROR_CODE, i64::from(code)));
            }
            if let Some(error_type) = &outcome.error_type {
                span.set_attribute(KeyValue::new(attr::ERROR_TYPE, error_type.clone()));
                span.set_status(Status::error(
                    outcome
                        .message
                        .clone()
                        .unwrap_or_else(|| error_type.clone()),
                ));
            }
        }
        span.end();
        self.record_metric(outcome.error_type.as_deref(), outcome.code);
    }

    fn record_metric(&self, error_type: Option<&str>, code: Option<i32>) {
        if !rizk_core::meter::enabled() {
            return;
        }
        let name = match self.kind {
            SpanKind::Server => SERVER_DURATION,
            _ => CLIENT_DURATION,
        };
        let mut attributes = self.metric_attributes.clone();
        if let Some(error_type) = error_type {
            attributes.push(KeyValue::new(attr::ERROR_TYPE, error_type.to_owned()));
        }
        if let Some(code) = code {
            attributes.push(KeyValue::new(
                attr::RPC_RESPONSE_STATUS_CODE,
                code.to_string(),
            ));
        }
        // The meter provider is rizk's (set global at init); the SDK returns the instrument it
        // already has for this name, so building it here costs a lookup, not a registration.
        let histogram = opentelemetry::global::meter("rizk-mcp")
            .f64_histogram(name)
            .with_unit("s")
            .with_description("The duration of an MCP request or notification.")
            .with_boundaries(MCP_DURATION_BUCKETS.to_vec())
            .build();
        histogram.record(self.started.elapsed().as_secs_f64(), &attributes);
    }
}

/// The bucket boundaries the MCP conventions advise for both duration metrics.
const MCP_DURATION_BUCKETS: [f64; 14] = [
    0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0,
];

impl Drop for McpSpan {
    fn drop(&mut self) {
        if !self.ended {
            // The caller dropped the request's future (a timeout, a select): the span still
            // ends, marked as cancelled.
            let span = self.cx.span();
            span.set_attribute(KeyValue::new(rizk_core::semconv::CANCELLED, true));
            span.set_attribute(KeyValue::new(attr::ERROR_TYPE, "cancelled"));
            span.end();
            self.record_metric(Some("cancelled"), None);
        }
    }
}
