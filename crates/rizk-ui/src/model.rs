//! One span as the viewer keeps it, whatever brought it in (OTLP or a JSON-lines file).

use serde_json::{Map, Value as Json};

/// A finished span, in the shape the store keeps and the pages read.
///
/// ```
/// use rizk_ui::SpanRecord;
///
/// let span = SpanRecord::new("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", "chat");
/// assert_eq!(span.status, "unset");
/// assert_eq!(span.tokens(), None);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SpanRecord {
    /// 32 lowercase hex digits.
    pub trace_id: String,
    /// 16 lowercase hex digits.
    pub span_id: String,
    /// The parent's span id; `None` on a root span.
    pub parent_id: Option<String>,
    /// The span name.
    pub name: String,
    /// `internal`, `server`, `client`, `producer`, `consumer` or `unspecified`.
    pub kind: String,
    /// The resource's `service.name`.
    pub service: String,
    /// Start, nanoseconds since the Unix epoch.
    pub start_ns: i64,
    /// End, nanoseconds since the Unix epoch.
    pub end_ns: i64,
    /// `unset`, `ok` or `error`.
    pub status: String,
    /// The status description (errors).
    pub status_message: String,
    /// The span's attributes as a JSON object.
    pub attributes: Map<String, Json>,
    /// Events: `{"name", "time_unix_nano", "attributes"}` each.
    pub events: Vec<Json>,
}

impl SpanRecord {
    /// A span with the given ids and name, everything else empty.
    ///
    /// ```
    /// let span = rizk_ui::SpanRecord::new("01".repeat(16), "02".repeat(8), "tool");
    /// assert_eq!(span.kind, "internal");
    /// ```
    pub fn new(
        trace_id: impl Into<String>,
        span_id: impl Into<String>,
        name: impl Into<String>,
    ) -> Self {
        SpanRecord {
            trace_id: trace_id.into(),
            span_id: span_id.into(),
            parent_id: None,
            name: name.into(),
            kind: "internal".into(),
            service: "unknown_service".into(),
            start_ns: 0,
            end_ns: 0,
            status: "unset".into(),
            status_message: String::new(),
            attributes: Map::new(),
            events: Vec::new(),
        }
    }

    /// The tokens this span itself used (an LLM call), from `llm.token_count.*` or
    /// `gen_ai.usage.*`. Ancestors' subtree totals (`rizk.usage.*`) are not counted, so a trace's
    /// sum counts every call once.
    ///
    /// ```
    /// let mut span = rizk_ui::SpanRecord::new("01".repeat(16), "02".repeat(8), "chat");
    /// span.attributes.insert("gen_ai.usage.input_tokens".into(), 12.into());
    /// span.attributes.insert("gen_ai.usage.output_tokens".into(), 30.into());
    /// assert_eq!(span.tokens(), Some(42));
    /// ```
    pub fn tokens(&self) -> Option<i64> {
        let get = |k: &str| self.attributes.get(k).and_then(number).map(|n| n as i64);
        if let Some(total) =
            get("llm.token_count.total").or_else(|| get("gen_ai.usage.total_tokens"))
        {
            return Some(total);
        }
        let pair = |a: Option<i64>, b: Option<i64>| match (a, b) {
            (None, None) => None,
            // Saturating: the numbers come from whoever sent the span.
            (a, b) => Some(a.unwrap_or(0).saturating_add(b.unwrap_or(0))),
        };
        pair(
            get("gen_ai.usage.input_tokens"),
            get("gen_ai.usage.output_tokens"),
        )
        .or_else(|| {
            pair(
                get("llm.token_count.prompt"),
                get("llm.token_count.completion"),
            )
        })
    }

    /// The cost in USD of this span's own call: `llm.cost.total`, or `rizk.cost.usd` on a span
    /// that is not an ancestor's total (no `rizk.usage.llm_calls`).
    ///
    /// ```
    /// let mut span = rizk_ui::SpanRecord::new("01".repeat(16), "02".repeat(8), "chat");
    /// span.attributes.insert("rizk.cost.usd".into(), 0.25.into());
    /// assert_eq!(span.cost(), Some(0.25));
    /// ```
    pub fn cost(&self) -> Option<f64> {
        let get = |k: &str| self.attributes.get(k).and_then(number);
        get("llm.cost.total").or_else(|| {
            if self.attributes.contains_key("rizk.usage.llm_calls") {
                None
            } else {
                get("rizk.cost.usd")
            }
        })
    }
}

/// A number, or a string holding one (OTLP JSON writes 64-bit integers as strings).
pub(crate) fn number(v: &Json) -> Option<f64> {
    match v {
        Json::Number(n) => n.as_f64(),
        Json::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}
