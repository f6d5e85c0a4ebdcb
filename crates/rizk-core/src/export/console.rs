//! The console view: each finished trace printed as a tree, the embedded default.

use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::Duration;

use opentelemetry::trace::{SpanId, Status, TraceId};
use opentelemetry::{Array, Value};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

use crate::config::ConsoleTarget;
use crate::semconv;

/// Traces waiting for their root span; beyond this the oldest is printed as incomplete.
const MAX_PENDING_TRACES: usize = 1024;
/// Longest attribute value shown; longer ones are cut with `…`.
const MAX_VALUE_CHARS: usize = 90;

/// Attributes the tree shows through the span's name or kind, or that only repeat another.
const HIDDEN: &[&str] = &[
    semconv::SPAN_KIND,
    semconv::ENTITY_NAME,
    semconv::OPENINFERENCE_SPAN_KIND,
    semconv::GEN_AI_OPERATION_NAME,
    semconv::GEN_AI_AGENT_NAME,
    semconv::GEN_AI_TOOL_NAME,
    semconv::AGENT_ID,
    semconv::WORKFLOW_NAME,
    semconv::INPUT_MIME_TYPE,
    semconv::OUTPUT_MIME_TYPE,
    semconv::SESSION_ID,
    semconv::GEN_AI_CONVERSATION_ID,
    semconv::LLM_MODEL_NAME,
    semconv::GEN_AI_REQUEST_MODEL,
    semconv::GEN_AI_PROVIDER_NAME,
    // Shown on the span's own line (`usage_summary`).
    semconv::GEN_AI_USAGE_INPUT_TOKENS,
    semconv::GEN_AI_USAGE_OUTPUT_TOKENS,
    semconv::GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
    semconv::LLM_TOKEN_COUNT_PROMPT,
    semconv::LLM_TOKEN_COUNT_COMPLETION,
    semconv::LLM_TOKEN_COUNT_TOTAL,
    semconv::LLM_TOKEN_COUNT_CACHE_READ,
    semconv::LLM_COST_PROMPT,
    semconv::LLM_COST_COMPLETION,
    semconv::LLM_COST_TOTAL,
    semconv::RIZK_COST_USD,
    semconv::RIZK_USAGE_LLM_CALLS,
    semconv::RIZK_USAGE_INPUT_TOKENS,
    semconv::RIZK_USAGE_OUTPUT_TOKENS,
    semconv::RIZK_USAGE_CACHE_READ_INPUT_TOKENS,
];

/// Tokens and cost of a span: an LLM call's own, an ancestor's subtree totals.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Usage {
    input: i64,
    output: i64,
    cached: i64,
    cost: Option<f64>,
}

impl Usage {
    fn of(span: &SpanData) -> Option<Usage> {
        let int = |keys: &[&str]| {
            keys.iter().find_map(|key| {
                span.attributes
                    .iter()
                    .find(|kv| kv.key.as_str() == *key)
                    .and_then(|kv| match kv.value {
                        Value::I64(n) => Some(n),
                        _ => None,
                    })
            })
        };
        let input = int(&[
            semconv::GEN_AI_USAGE_INPUT_TOKENS,
            semconv::LLM_TOKEN_COUNT_PROMPT,
            semconv::RIZK_USAGE_INPUT_TOKENS,
        ]);
        let output = int(&[
            semconv::GEN_AI_USAGE_OUTPUT_TOKENS,
            semconv::LLM_TOKEN_COUNT_COMPLETION,
            semconv::RIZK_USAGE_OUTPUT_TOKENS,
        ]);
        let cost = span
            .attributes
            .iter()
            .find(|kv| kv.key.as_str() == semconv::RIZK_COST_USD)
            .and_then(|kv| match kv.value {
                Value::F64(f) => Some(f),
                _ => None,
            });
        if input.is_none() && output.is_none() && cost.is_none() {
            return None;
        }
        Some(Usage {
            input: input.unwrap_or(0),
            output: output.unwrap_or(0),
            cached: int(&[
                semconv::GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
                semconv::LLM_TOKEN_COUNT_CACHE_READ,
                semconv::RIZK_USAGE_CACHE_READ_INPUT_TOKENS,
            ])
            .unwrap_or(0),
            cost,
        })
    }

    /// `17 tokens (12 in, 4 cached, 5 out) · $0.000005`.
    fn summary(&self) -> String {
        let mut text = format!("{} tokens ({} in, ", self.input + self.output, self.input);
        if self.cached > 0 {
            let _ = write!(text, "{} cached, ", self.cached);
        }
        let _ = write!(text, "{} out)", self.output);
        if let Some(cost) = self.cost {
            let _ = write!(text, " · {}", format_usd(cost));
        }
        text
    }
}

/// Dollars with the digits that matter for LLM calls: `$0.000005`, `$0.0123`, `$12.35`.
fn format_usd(usd: f64) -> String {
    if usd >= 1.0 {
        format!("${usd:.2}")
    } else if usd >= 0.01 {
        format!("${usd:.4}")
    } else {
        format!("${usd:.6}")
    }
}

/// Prints every finished trace as an indented tree: kind, name, duration, status and the
/// attributes worth reading, children under their parents, errors marked.
///
/// ```
/// use rizk_core::config::ConsoleTarget;
/// use rizk_core::export::ConsoleExporter;
///
/// let _stderr = ConsoleExporter::new(ConsoleTarget::Stderr);
/// let _in_memory = ConsoleExporter::to_writer(Vec::new());
/// ```
pub struct ConsoleExporter {
    state: Mutex<ConsoleState>,
}

struct ConsoleState {
    out: Box<dyn Write + Send>,
    color: bool,
    pending: HashMap<TraceId, Vec<SpanData>>,
    order: VecDeque<TraceId>,
}

impl std::fmt::Debug for ConsoleExporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsoleExporter").finish_non_exhaustive()
    }
}

impl ConsoleExporter {
    /// Writes to standard error or standard output, in colour when that is a terminal and
    /// `NO_COLOR` is not set.
    ///
    /// ```
    /// use rizk_core::config::{ConsoleTarget, ExportSettings};
    /// use rizk_core::export::{ConsoleExporter, ExporterSet};
    ///
    /// let mut set = ExporterSet::new(ExportSettings::default());
    /// set.add("console Stdout", ConsoleExporter::new(ConsoleTarget::Stdout));
    /// assert_eq!(set.names(), ["console Stdout"]);
    /// ```
    pub fn new(target: ConsoleTarget) -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let (out, tty): (Box<dyn Write + Send>, bool) = match target {
            ConsoleTarget::Stderr => (Box::new(std::io::stderr()), std::io::stderr().is_terminal()),
            ConsoleTarget::Stdout => (Box::new(std::io::stdout()), std::io::stdout().is_terminal()),
        };
        Self::with_output(out, tty && !no_color)
    }

    /// Writes plain text to `out` (a file, a buffer in tests).
    ///
    /// ```
    /// use std::io::Write;
    /// use std::sync::{Arc, Mutex};
    /// use opentelemetry::trace::Tracer;
    /// use rizk_core::export::ConsoleExporter;
    ///
    /// #[derive(Clone, Default)]
    /// struct Buffer(Arc<Mutex<Vec<u8>>>);
    /// impl Write for Buffer {
    ///     fn write(&mut self, b: &[u8]) -> std::io::Result<usize> { self.0.lock().unwrap().write(b) }
    ///     fn flush(&mut self) -> std::io::Result<()> { Ok(()) }
    /// }
    /// let out = Buffer::default();
    /// let rizk = rizk_core::RizkBuilder::new().app_name("doc").console_exporter(false).ignore_environment()
    ///     .with_exporter("console", ConsoleExporter::to_writer(out.clone())).init().unwrap();
    /// rizk_core::get_tracer("doc").in_span("checkout", |_cx| {});
    /// rizk.flush().unwrap();
    /// assert!(String::from_utf8_lossy(&out.0.lock().unwrap()).contains("checkout"));
    /// ```
    pub fn to_writer(out: impl Write + Send + 'static) -> Self {
        Self::with_output(Box::new(out), false)
    }

    fn with_output(out: Box<dyn Write + Send>, color: bool) -> Self {
        ConsoleExporter {
            state: Mutex::new(ConsoleState {
                out,
                color,
                pending: HashMap::new(),
                order: VecDeque::new(),
            }),
        }
    }
}

impl ConsoleState {
    fn accept(&mut self, batch: Vec<SpanData>) {
        for span in batch {
            let trace_id = span.span_context.trace_id();
            let is_root = span.parent_span_id == SpanId::INVALID || span.parent_span_is_remote;
            let spans = self.pending.entry(trace_id).or_insert_with(|| {
                self.order.push_back(trace_id);
                Vec::new()
            });
            spans.push(span);
            if is_root {
                self.print(trace_id, true);
            }
        }
        while self.order.len() > MAX_PENDING_TRACES {
            if let Some(oldest) = self.order.front().copied() {
                self.print(oldest, false);
            }
        }
    }

    fn print(&mut self, trace_id: TraceId, complete: bool) {
        self.order.retain(|t| *t != trace_id);
        let Some(spans) = self.pending.remove(&trace_id) else {
            return;
        };
        let text = render_trace(&spans, complete, self.color);
        // A console that cannot be written to must not fail the export pipeline.
        let _ = self.out.write_all(text.as_bytes());
        let _ = self.out.flush();
    }

    fn print_all_incomplete(&mut self) {
        while let Some(trace_id) = self.order.front().copied() {
            self.print(trace_id, false);
        }
    }
}

impl SpanExporter for ConsoleExporter {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        if let Ok(mut state) = self.state.lock() {
            state.accept(batch);
        }
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        if let Ok(mut state) = self.state.lock() {
            state.print_all_incomplete();
        }
        Ok(())
    }
}

struct Palette {
    on: bool,
}

impl Palette {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
}

/// Renders one trace as text. `complete` is false when the root never arrived (the process is
/// shutting down, or the trace's root lives in another process).
///
/// ```
/// use rizk_core::export::render_trace;
/// assert_eq!(render_trace(&[], true, false), "");
/// ```
pub fn render_trace(spans: &[SpanData], complete: bool, color: bool) -> String {
    let Some(first) = spans.first() else {
        return String::new();
    };
    let palette = Palette { on: color };
    let ids: std::collections::HashSet<SpanId> =
        spans.iter().map(|s| s.span_context.span_id()).collect();
    let mut children: HashMap<SpanId, Vec<&SpanData>> = HashMap::new();
    let mut roots: Vec<&SpanData> = Vec::new();
    for span in spans {
        if ids.contains(&span.parent_span_id) {
            children.entry(span.parent_span_id).or_default().push(span);
        } else {
            roots.push(span);
        }
    }
    for list in children.values_mut() {
        list.sort_by_key(|s| s.start_time);
    }
    roots.sort_by_key(|s| s.start_time);

    let mut lines: Vec<Line<'_>> = Vec::new();
    for (i, root) in roots.iter().enumerate() {
        let last = i + 1 == roots.len();
        let prefix = if roots.len() == 1 {
            String::new()
        } else if last {
            "└── ".into()
        } else {
            "├── ".into()
        };
        let cont = if roots.len() == 1 {
            String::new()
        } else if last {
            "    ".into()
        } else {
            "│   ".into()
        };
        walk(root, None, prefix, cont, &children, &mut lines);
    }

    let total = roots
        .iter()
        .map(|r| duration_of(r))
        .max()
        .unwrap_or_default();
    let errors = spans
        .iter()
        .filter(|s| matches!(s.status, Status::Error { .. }))
        .count();
    let mut out = String::new();
    let mut header = format!(
        "── trace {} · {} span{} · {}",
        first.span_context.trace_id(),
        spans.len(),
        if spans.len() == 1 { "" } else { "s" },
        format_duration(total)
    );
    // The trace's tokens and cost: its LLM calls' own (ancestors carry their sums).
    let calls: Vec<Usage> = spans
        .iter()
        .filter(|s| {
            !s.attributes
                .iter()
                .any(|kv| kv.key.as_str() == semconv::RIZK_USAGE_LLM_CALLS)
        })
        .filter_map(Usage::of)
        .collect();
    if !calls.is_empty() {
        let total = calls.iter().fold(Usage::default(), |acc, u| Usage {
            input: acc.input + u.input,
            output: acc.output + u.output,
            cached: acc.cached + u.cached,
            cost: match (acc.cost, u.cost) {
                (Some(a), Some(b)) => Some(a + b),
                (a, b) => a.or(b),
            },
        });
        let _ = write!(header, " · {}", total.summary());
    }
    if errors > 0 {
        let _ = write!(
            header,
            " · {}",
            palette.paint(
                "31",
                &format!("{errors} error{}", if errors == 1 { "" } else { "s" })
            )
        );
    }
    if !complete {
        header.push_str(" · incomplete (root span not seen)");
    }
    let _ = writeln!(out, "{}", palette.paint("2", &header));
    let width = lines
        .iter()
        .map(|line| line.label.chars().count())
        .max()
        .unwrap_or(0)
        .min(56);
    for Line {
        label,
        span,
        parent,
        detail,
    } in &lines
    {
        let pad = width.saturating_sub(label.chars().count());
        let duration = format_duration(duration_of(span));
        let status = match &span.status {
            Status::Error { description } => {
                let text = if description.is_empty() {
                    "✗ ERROR".to_owned()
                } else {
                    format!("✗ ERROR: {}", truncate(description))
                };
                format!("  {}", palette.paint("31", &text))
            }
            _ => String::new(),
        };
        let name = if span.parent_span_id == SpanId::INVALID || !ids.contains(&span.parent_span_id)
        {
            palette.paint("1", label)
        } else {
            label.clone()
        };
        let usage = Usage::of(span)
            .map(|u| format!("  {}", palette.paint("36", &u.summary())))
            .unwrap_or_default();
        let _ = writeln!(out, "{name}{:pad$}  {duration:>9}{usage}{status}", "");
        for text in details(span, *parent) {
            let _ = writeln!(out, "{detail}  {}", palette.paint("2", &text));
        }
    }
    out
}

/// One span's line in the tree: its label (tree prefix and name), and the prefix of the detail
/// lines printed under it (the tree's vertical bars continue through them).
struct Line<'a> {
    label: String,
    span: &'a SpanData,
    parent: Option<&'a SpanData>,
    detail: String,
}

fn walk<'a>(
    span: &'a SpanData,
    parent: Option<&'a SpanData>,
    prefix: String,
    cont: String,
    children: &HashMap<SpanId, Vec<&'a SpanData>>,
    lines: &mut Vec<Line<'a>>,
) {
    let kids = children.get(&span.span_context.span_id());
    let detail = format!("{cont}{}", if kids.is_some() { "│" } else { " " });
    lines.push(Line {
        label: format!("{prefix}{}", span.name),
        span,
        parent,
        detail,
    });
    let Some(kids) = kids else { return };
    for (i, kid) in kids.iter().enumerate() {
        let last = i + 1 == kids.len();
        let branch = if last { "└── " } else { "├── " };
        let next = if last { "    " } else { "│   " };
        walk(
            kid,
            Some(span),
            format!("{cont}{branch}"),
            format!("{cont}{next}"),
            children,
            lines,
        );
    }
}

fn duration_of(span: &SpanData) -> Duration {
    span.end_time
        .duration_since(span.start_time)
        .unwrap_or_default()
}

fn format_duration(d: Duration) -> String {
    let micros = d.as_micros();
    if micros < 1000 {
        format!("{micros} µs")
    } else if micros < 1_000_000 {
        format!("{:.1} ms", micros as f64 / 1000.0)
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}

/// The detail lines of a span: attributes worth a reader's attention (not shown by the name,
/// not inherited unchanged from the parent), then input and output on lines of their own.
fn details(span: &SpanData, parent: Option<&SpanData>) -> Vec<String> {
    let mut attrs = Vec::new();
    let (mut input, mut output) = (None, None);
    for kv in &span.attributes {
        let key = kv.key.as_str();
        if HIDDEN.contains(&key) {
            continue;
        }
        let content = key == semconv::INPUT_VALUE || key == semconv::OUTPUT_VALUE;
        let inherited = !content
            && parent.is_some_and(|p| {
                p.attributes
                    .iter()
                    .any(|pk| pk.key == kv.key && pk.value == kv.value)
            });
        if inherited {
            continue;
        }
        let text = truncate(&value_text(&kv.value));
        match key {
            semconv::INPUT_VALUE => input = Some(format!("in:  {text}")),
            semconv::OUTPUT_VALUE => output = Some(format!("out: {text}")),
            _ => attrs.push(format!("{key}={text}")),
        }
    }
    for event in span.events.iter() {
        if event.name == "exception"
            && let Some(kind) = event
                .attributes
                .iter()
                .find(|kv| kv.key.as_str() == semconv::EXCEPTION_TYPE)
        {
            attrs.push(format!(
                "exception.type={}",
                truncate(&value_text(&kv_value(kind)))
            ));
        }
    }
    let mut lines = Vec::new();
    let mut current = String::new();
    for attr in attrs {
        if !current.is_empty() && current.chars().count() + attr.chars().count() > 96 {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(&attr);
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines.extend(input);
    lines.extend(output);
    lines
}

fn kv_value(kv: &opentelemetry::KeyValue) -> Value {
    kv.value.clone()
}

fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.as_str().to_owned(),
        Value::Array(Array::String(items)) => format!(
            "[{}]",
            items
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.to_string(),
    }
}

fn truncate(text: &str) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if one_line.chars().count() <= MAX_VALUE_CHARS {
        one_line
    } else {
        let cut: String = one_line.chars().take(MAX_VALUE_CHARS - 1).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use opentelemetry::KeyValue;
    use opentelemetry::trace::{SpanContext, TraceFlags, TraceState};

    use super::*;
    use crate::export::test_span;

    fn with_ids(mut span: SpanData, id: u64, parent: u64) -> SpanData {
        span.span_context = SpanContext::new(
            TraceId::from(7),
            SpanId::from(id),
            TraceFlags::SAMPLED,
            false,
            TraceState::default(),
        );
        span.parent_span_id = SpanId::from(parent);
        span
    }

    #[test]
    fn llm_calls_and_the_trace_header_show_tokens_and_cost() {
        let mut call = with_ids(test_span("openai.chat.completions", &[]), 2, 1);
        call.attributes.extend([
            KeyValue::new(semconv::GEN_AI_USAGE_INPUT_TOKENS, 12_i64),
            KeyValue::new(semconv::GEN_AI_USAGE_OUTPUT_TOKENS, 5_i64),
            KeyValue::new(semconv::GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS, 4_i64),
            KeyValue::new(semconv::LLM_COST_TOTAL, 0.0000042),
            KeyValue::new(semconv::RIZK_COST_USD, 0.0000042),
        ]);
        let mut agent = with_ids(test_span("agent.triage", &[]), 1, 0);
        agent.attributes.extend([
            KeyValue::new(semconv::RIZK_USAGE_LLM_CALLS, 1_i64),
            KeyValue::new(semconv::RIZK_USAGE_INPUT_TOKENS, 12_i64),
            KeyValue::new(semconv::RIZK_USAGE_OUTPUT_TOKENS, 5_i64),
            KeyValue::new(semconv::RIZK_COST_USD, 0.0000042),
        ]);
        let text = render_trace(&[call, agent], true, false);
        let lines: Vec<&str> = text.lines().collect();
        // The header counts the call once, not again through its ancestor.
        assert!(
            lines[0].ends_with("· 2 spans · 0 µs · 17 tokens (12 in, 4 cached, 5 out) · $0.000004"),
            "{text}"
        );
        let call_line = lines
            .iter()
            .find(|l| l.contains("openai.chat.completions"))
            .unwrap();
        assert!(
            call_line.contains("17 tokens (12 in, 4 cached, 5 out) · $0.000004"),
            "{text}"
        );
        assert!(
            !text.contains("llm.cost.total="),
            "shown once, on the line: {text}"
        );
        assert_eq!(format_usd(12.345), "$12.35");
        assert_eq!(format_usd(0.0123), "$0.0123");
    }
}
