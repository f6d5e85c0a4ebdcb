//! OTLP/HTTP trace requests (protobuf or JSON) into [`SpanRecord`]s.

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use serde_json::{Map, Value as Json, json};

use crate::model::SpanRecord;

/// Decodes a protobuf body.
pub(crate) fn decode_protobuf(body: &[u8]) -> Result<ExportTraceServiceRequest, String> {
    prost::Message::decode(body).map_err(|e| e.to_string())
}

/// Decodes an OTLP/JSON body (hex ids, camelCase, integers as strings or numbers).
pub(crate) fn decode_json(body: &[u8]) -> Result<ExportTraceServiceRequest, String> {
    serde_json::from_slice(body).map_err(|e| e.to_string())
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn any_json(v: &AnyValue) -> Json {
    match &v.value {
        None => Json::Null,
        Some(any_value::Value::StringValue(s)) => json!(s),
        Some(any_value::Value::BoolValue(b)) => json!(b),
        Some(any_value::Value::IntValue(i)) => json!(i),
        Some(any_value::Value::DoubleValue(d)) => json!(d),
        Some(any_value::Value::BytesValue(b)) => json!(hex(b)),
        Some(any_value::Value::ArrayValue(a)) => {
            Json::Array(a.values.iter().map(any_json).collect())
        }
        Some(any_value::Value::KvlistValue(kv)) => Json::Object(attributes(&kv.values)),
        // An index into a profiles string table: meaningless without it, so kept as the number.
        Some(any_value::Value::StringValueStrindex(i)) => json!(i),
    }
}

fn attributes(kvs: &[KeyValue]) -> Map<String, Json> {
    kvs.iter()
        .map(|kv| {
            (
                kv.key.clone(),
                kv.value.as_ref().map_or(Json::Null, any_json),
            )
        })
        .collect()
}

fn kind(k: i32) -> &'static str {
    match k {
        1 => "internal",
        2 => "server",
        3 => "client",
        4 => "producer",
        5 => "consumer",
        _ => "unspecified",
    }
}

fn ns(t: u64) -> i64 {
    i64::try_from(t).unwrap_or(i64::MAX)
}

/// The spans of an OTLP request, how many were rejected (ids of the wrong length), and why
/// (the receiver answers these with `partial_success`).
///
/// ```
/// use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
///
/// let (spans, rejected, _why) = rizk_ui::spans_from_request(ExportTraceServiceRequest::default());
/// assert!(spans.is_empty() && rejected == 0);
/// ```
pub fn spans_from_request(req: ExportTraceServiceRequest) -> (Vec<SpanRecord>, i64, String) {
    let mut out = Vec::new();
    let (mut rejected, mut why) = (0i64, String::new());
    for rs in req.resource_spans {
        let service = rs
            .resource
            .as_ref()
            .and_then(|r| r.attributes.iter().find(|kv| kv.key == "service.name"))
            .and_then(|kv| kv.value.as_ref())
            .map(any_json)
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_else(|| "unknown_service".into());
        for ss in rs.scope_spans {
            for s in ss.spans {
                if s.trace_id.len() != 16 || s.span_id.len() != 8 {
                    rejected += 1;
                    why = format!(
                        "span {:?}: trace id of {} bytes and span id of {} bytes; OTLP wants 16 and 8",
                        s.name,
                        s.trace_id.len(),
                        s.span_id.len()
                    );
                    continue;
                }
                let (status, status_message) = match &s.status {
                    Some(st) if st.code == 2 => ("error", st.message.clone()),
                    Some(st) if st.code == 1 => ("ok", st.message.clone()),
                    _ => ("unset", String::new()),
                };
                out.push(SpanRecord {
                    trace_id: hex(&s.trace_id),
                    span_id: hex(&s.span_id),
                    // An all-zero or empty parent is a root (some SDKs send zeros).
                    parent_id: (s.parent_span_id.len() == 8
                        && s.parent_span_id.iter().any(|b| *b != 0))
                    .then(|| hex(&s.parent_span_id)),
                    name: s.name,
                    kind: kind(s.kind).into(),
                    service: service.clone(),
                    start_ns: ns(s.start_time_unix_nano),
                    end_ns: ns(s.end_time_unix_nano),
                    status: status.into(),
                    status_message,
                    attributes: attributes(&s.attributes),
                    events: s
                        .events
                        .iter()
                        .map(|e| {
                            json!({
                                "name": e.name,
                                "time_unix_nano": e.time_unix_nano.to_string(),
                                "attributes": attributes(&e.attributes),
                            })
                        })
                        .collect(),
                });
            }
        }
    }
    (out, rejected, why)
}
