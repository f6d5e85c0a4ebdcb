//! A JSON-lines file of finished spans, for tooling: one object per span, one span per line.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use opentelemetry::trace::Status;
use opentelemetry::{Array, KeyValue, Value};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use serde_json::{Map, Value as Json, json};

/// Appends every span to a file as one JSON object per line:
/// `{"trace_id", "span_id", "parent_span_id", "name", "kind", "start_unix_nano",
/// "end_unix_nano", "duration_ms", "status", "status_message", "service", "attributes",
/// "events"}`.
///
/// ```
/// use rizk_core::export::JsonLinesExporter;
///
/// let path = std::env::temp_dir().join("rizk-doc-spans.jsonl");
/// let exporter = JsonLinesExporter::create(&path).unwrap();
/// # drop(exporter); std::fs::remove_file(path).ok();
/// ```
#[derive(Debug)]
pub struct JsonLinesExporter {
    out: Mutex<BufWriter<File>>,
    service: Mutex<Option<String>>,
}

impl JsonLinesExporter {
    /// Opens `path` for appending (creating it if needed).
    ///
    /// ```
    /// use rizk_core::export::JsonLinesExporter;
    ///
    /// let path = std::env::temp_dir().join("rizk-doc-create.jsonl");
    /// let exporter = JsonLinesExporter::create(&path).unwrap();
    /// assert!(path.exists());
    /// # drop(exporter); std::fs::remove_file(path).ok();
    /// ```
    pub fn create(path: impl AsRef<Path>) -> std::io::Result<Self> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(JsonLinesExporter {
            out: Mutex::new(BufWriter::new(file)),
            service: Mutex::new(None),
        })
    }
}

fn nanos(t: SystemTime) -> u128 {
    t.duration_since(UNIX_EPOCH).unwrap_or_default().as_nanos()
}

fn json_value(value: &Value) -> Json {
    match value {
        Value::Bool(b) => json!(b),
        Value::I64(n) => json!(n),
        Value::F64(f) => json!(f),
        Value::String(s) => json!(s.as_str()),
        Value::Array(Array::Bool(v)) => json!(v),
        Value::Array(Array::I64(v)) => json!(v),
        Value::Array(Array::F64(v)) => json!(v),
        Value::Array(Array::String(v)) => json!(v.iter().map(|s| s.as_str()).collect::<Vec<_>>()),
        other => json!(other.to_string()),
    }
}

fn attributes(kvs: &[KeyValue]) -> Json {
    Json::Object(
        kvs.iter()
            .map(|kv| (kv.key.to_string(), json_value(&kv.value)))
            .collect::<Map<_, _>>(),
    )
}

/// One span as the JSON object of a line.
pub(crate) fn span_json(span: &SpanData, service: Option<&str>) -> Json {
    let (status, message) = match &span.status {
        Status::Unset => ("unset", String::new()),
        Status::Ok => ("ok", String::new()),
        Status::Error { description } => ("error", description.to_string()),
    };
    let duration = span
        .end_time
        .duration_since(span.start_time)
        .unwrap_or(Duration::ZERO);
    json!({
        "trace_id": span.span_context.trace_id().to_string(),
        "span_id": span.span_context.span_id().to_string(),
        "parent_span_id": (span.parent_span_id != opentelemetry::trace::SpanId::INVALID)
            .then(|| span.parent_span_id.to_string()),
        "name": span.name,
        "kind": format!("{:?}", span.span_kind).to_ascii_lowercase(),
        "start_unix_nano": nanos(span.start_time).to_string(),
        "end_unix_nano": nanos(span.end_time).to_string(),
        "duration_ms": duration.as_secs_f64() * 1000.0,
        "status": status,
        "status_message": message,
        "service": service,
        "attributes": attributes(&span.attributes),
        "events": span.events.iter().map(|e| json!({
            "name": e.name,
            "time_unix_nano": nanos(e.timestamp).to_string(),
            "attributes": attributes(&e.attributes),
        })).collect::<Vec<_>>(),
    })
}

impl SpanExporter for JsonLinesExporter {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let service = self.service.lock().ok().and_then(|s| s.clone());
        let mut out = self
            .out
            .lock()
            .map_err(|_| OTelSdkError::InternalFailure("file lock poisoned".into()))?;
        for span in &batch {
            let line = span_json(span, service.as_deref());
            writeln!(out, "{line}").map_err(|e| {
                OTelSdkError::InternalFailure(format!("writing the trace file: {e}"))
            })?;
        }
        out.flush()
            .map_err(|e| OTelSdkError::InternalFailure(format!("writing the trace file: {e}")))
    }

    fn set_resource(&mut self, resource: &Resource) {
        let name = resource
            .get(&opentelemetry::Key::from_static_str("service.name"))
            .map(|v| v.to_string());
        if let Ok(mut slot) = self.service.lock() {
            *slot = name;
        }
    }
}
