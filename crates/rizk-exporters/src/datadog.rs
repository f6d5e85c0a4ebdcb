//! Datadog: the trace API (v0.5, msgpack) of a Datadog Agent, through `opentelemetry-datadog`.
//!
//! The agent holds the API key; nothing here sends one. Span mapping:
//! - `service`: `datadog_service` (default `app_name`); `env` from `datadog_env`;
//! - `name` (the operation): `rizk.workflow`, `rizk.task`, `rizk.agent`, `rizk.tool`,
//!   `rizk.llm` for rizk's spans, `llm.request` for other LLM spans (OpenInference kind LLM),
//!   else the OpenTelemetry span kind (`internal`, `client.request`, `server.request`, ...);
//! - `resource`: the span name (`workflow.order_processing`);
//! - `error`: 1 for an ERROR status, with `error.message` (and `error.type` from the
//!   exception event) added to `meta`, where Datadog's error tracking reads them.

// `opentelemetry-datadog` is deprecated upstream (in favour of dd-trace-rs, which is not an
// OpenTelemetry exporter); it is isolated in this module behind the `datadog` feature.
#![allow(deprecated)]

use std::time::Duration;

use opentelemetry::trace::{SpanKind, Status};
use opentelemetry::{KeyValue, Value};
use opentelemetry_datadog::{ApiVersion, ModelConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use rizk_core::{Result, RizkError};

use crate::settings::DatadogSettings;
use crate::transport::{Diagnosed, HttpTransport, Keep, TransportConfig};

/// A Datadog span exporter built by [`datadog_exporter`].
///
/// ```
/// use rizk_core::config::ExportSettings;
/// use rizk_core::export::{ExporterSet, QueueOptions};
/// use rizk_exporters::{DatadogExporter, DatadogSettings, datadog_exporter};
///
/// let settings = DatadogSettings::new(&url::Url::parse("http://localhost:8126").unwrap(), "shop");
/// let exporter: DatadogExporter = datadog_exporter(&settings).unwrap();
/// let mut set = ExporterSet::new(ExportSettings::default());
/// set.add_with("datadog localhost", exporter, QueueOptions::network(4 << 20));
/// assert_eq!(set.names(), ["datadog localhost"]);
/// ```
#[derive(Debug)]
pub struct DatadogExporter(Diagnosed<opentelemetry_datadog::DatadogExporter>);

impl SpanExporter for DatadogExporter {
    async fn export(&self, mut batch: Vec<SpanData>) -> OTelSdkResult {
        for span in &mut batch {
            add_error_meta(span);
        }
        self.0.export(batch).await
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.0.shutdown_with_timeout(timeout)
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.0.set_resource(resource);
    }
}

/// Builds a Datadog exporter that sends to the agent at `settings.agent_endpoint`.
///
/// ```
/// use rizk_exporters::{DatadogSettings, datadog_exporter};
/// let mut settings = DatadogSettings::new(&url::Url::parse("http://localhost:8126").unwrap(), "shop");
/// settings.env = Some("staging".into());
/// let _exporter = datadog_exporter(&settings).unwrap();
/// ```
pub fn datadog_exporter(settings: &DatadogSettings) -> Result<DatadogExporter> {
    let (transport, failure) = HttpTransport::new(TransportConfig {
        exporter: "datadog",
        timeout: settings.timeout,
        headers: &settings.headers,
        keep: Keep::All,
        allow_gzip: false,
        ca_certificate: None,
        retry: crate::RetryPolicy::default(),
    })?;
    let mut pipeline = opentelemetry_datadog::new_pipeline()
        .with_service_name(settings.service.clone())
        .with_agent_endpoint(settings.agent_endpoint.as_str())
        .with_api_version(ApiVersion::Version05)
        .with_http_client(transport)
        .with_name_mapping(operation_name);
    if let Some(env) = &settings.env {
        pipeline = pipeline.with_env(env.clone());
    }
    let inner = pipeline.build_exporter().map_err(|e| RizkError::Exporter {
        exporter: "datadog".into(),
        reason: e.to_string(),
    })?;
    Ok(DatadogExporter(Diagnosed {
        inner,
        failure: Some(failure),
        destination: format!("the Datadog Agent at {}", settings.traces_url()),
        service_name: None,
    }))
}

fn attribute<'a>(span: &'a SpanData, key: &str) -> Option<&'a Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| &kv.value)
}

fn string_attribute<'a>(span: &'a SpanData, key: &str) -> Option<&'a str> {
    match attribute(span, key) {
        Some(Value::String(s)) => Some(s.as_str()),
        _ => None,
    }
}

/// The Datadog operation name of a span (see the module docs).
pub(crate) fn operation_name<'a>(span: &'a SpanData, _config: &'a ModelConfig) -> &'a str {
    match string_attribute(span, "rizk.span.kind") {
        Some("workflow") => return "rizk.workflow",
        Some("task") => return "rizk.task",
        Some("agent") => return "rizk.agent",
        Some("tool") => return "rizk.tool",
        Some("llm") => return "rizk.llm",
        Some(_) => return "rizk.span",
        None => {}
    }
    if string_attribute(span, "openinference.span.kind") == Some("LLM") {
        return "llm.request";
    }
    match span.span_kind {
        SpanKind::Client => "client.request",
        SpanKind::Server => "server.request",
        SpanKind::Producer => "producer",
        SpanKind::Consumer => "consumer",
        SpanKind::Internal => "internal",
    }
}

/// Adds `error.message` / `error.type` / `error.stack` for an ERROR span, from its status and
/// exception event, unless the span already has them.
pub(crate) fn add_error_meta(span: &mut SpanData) {
    let Status::Error { description } = &span.status else {
        return;
    };
    let mut extra = Vec::new();
    let exception = span
        .events
        .iter()
        .find(|e| e.name == "exception")
        .map(|e| e.attributes.clone())
        .unwrap_or_default();
    let from_event = |key: &str| {
        exception
            .iter()
            .find(|kv| kv.key.as_str() == key)
            .map(|kv| kv.value.to_string())
    };
    if attribute(span, "error.message").is_none() {
        let message = if description.is_empty() {
            from_event("exception.message")
        } else {
            Some(description.to_string())
        };
        if let Some(message) = message {
            extra.push(KeyValue::new("error.message", message));
        }
    }
    if let (None, Some(kind)) = (attribute(span, "error.type"), from_event("exception.type")) {
        extra.push(KeyValue::new("error.type", kind));
    }
    if let (None, Some(stack)) = (
        attribute(span, "error.stack"),
        from_event("exception.stacktrace"),
    ) {
        extra.push(KeyValue::new("error.stack", stack));
    }
    span.attributes.extend(extra);
}
