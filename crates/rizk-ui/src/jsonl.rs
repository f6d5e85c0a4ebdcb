//! rizk's JSON-lines trace files (`JsonLinesExporter`) into [`SpanRecord`]s.

use std::path::Path;

use serde_json::Value as Json;

use crate::error::UiError;
use crate::model::{SpanRecord, number};

/// Reads every span of a JSON-lines trace file; blank lines are skipped.
///
/// ```
/// let path = std::env::temp_dir().join("rizk-ui-doc-read.jsonl");
/// std::fs::write(&path, r#"{"trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"b7ad6b7169203331","name":"chat","start_unix_nano":"1","end_unix_nano":"2"}"#).unwrap();
/// let spans = rizk_ui::read_jsonl(&path).unwrap();
/// assert_eq!(spans[0].name, "chat");
/// # std::fs::remove_file(path).ok();
/// ```
pub fn read_jsonl(path: impl AsRef<Path>) -> Result<Vec<SpanRecord>, UiError> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|source| UiError::Io {
        path: path.to_owned(),
        source,
    })?;
    let mut spans = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let fail = |message: String| UiError::JsonLine {
            path: path.to_owned(),
            line: i + 1,
            message,
        };
        let v: Json = serde_json::from_str(line).map_err(|e| fail(e.to_string()))?;
        spans.push(span(&v).map_err(fail)?);
    }
    Ok(spans)
}

fn span(v: &Json) -> Result<SpanRecord, String> {
    let s = |k: &str| v.get(k).and_then(Json::as_str);
    let id = |k: &str| {
        s(k).map(str::to_ascii_lowercase)
            .filter(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| format!("no hex {k}"))
    };
    let time = |k: &str| {
        v.get(k)
            .and_then(number)
            .map(|n| n as i64)
            .ok_or_else(|| format!("no {k}"))
    };
    let mut span = SpanRecord::new(id("trace_id")?, id("span_id")?, s("name").unwrap_or(""));
    span.parent_id = s("parent_span_id")
        .filter(|p| !p.is_empty() && p.bytes().any(|b| b != b'0'))
        .map(str::to_ascii_lowercase);
    if let Some(kind) = s("kind") {
        span.kind = kind.to_ascii_lowercase();
    }
    if let Some(service) = s("service") {
        span.service = service.into();
    }
    // Nanosecond strings: more digits than an f64 keeps, so parse them as integers first.
    let exact = |k: &str| s(k).and_then(|t| t.parse::<i64>().ok());
    span.start_ns = exact("start_unix_nano").map_or_else(|| time("start_unix_nano"), Ok)?;
    span.end_ns = exact("end_unix_nano").map_or_else(|| time("end_unix_nano"), Ok)?;
    if let Some(status) = s("status") {
        span.status = status.to_ascii_lowercase();
    }
    span.status_message = s("status_message").unwrap_or("").into();
    if let Some(Json::Object(attrs)) = v.get("attributes") {
        span.attributes = attrs.clone();
    }
    if let Some(Json::Array(events)) = v.get("events") {
        span.events = events.clone();
    }
    Ok(span)
}
