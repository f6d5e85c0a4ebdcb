//! Testing your instrumentation: one in-memory pipeline per test binary, and helpers to read
//! spans back. Tests run in parallel and tell their spans apart by trace.
//!
//! ```
//! use rizk::testing::{attr_str, install_harness, span};
//!
//! #[rizk::task(name = "inventory_check")]
//! fn check(sku: &str) -> bool { !sku.is_empty() }
//!
//! let h = install_harness("my-tests", |builder| builder);
//! check("sku-1");
//! let spans = h.trace_of("task.inventory_check");
//! assert_eq!(attr_str(span(&spans, "task.inventory_check"), "rizk.span.kind").as_deref(), Some("task"));
//! ```

use std::sync::OnceLock;

use opentelemetry::trace::{SpanId, TraceId};
use opentelemetry::{Key, Value};
use opentelemetry_sdk::trace::SpanData;

use crate::{InMemoryExporter, Rizk, RizkBuilder, RizkHandle};

/// The pipeline of a test binary: its handle and the spans it exported.
///
/// ```
/// use rizk::opentelemetry::trace::Tracer;
///
/// let h = rizk::testing::install_harness("my-tests", |builder| builder);
/// rizk::get_tracer("test").in_span("checkout", |_cx| {});
/// h.handle.flush().unwrap();
/// assert!(h.spans.find("checkout").is_some());
/// ```
#[derive(Debug)]
pub struct Harness {
    /// The running pipeline (flush it before reading spans).
    pub handle: RizkHandle,
    /// Every exported span.
    pub spans: InMemoryExporter,
}

static HARNESS: OnceLock<Harness> = OnceLock::new();

/// Installs rizk once for this process (a test binary) with the console off, the environment
/// ignored and an in-memory exporter, `configure` applied to `Rizk::builder()`; later calls
/// return the same harness and ignore their arguments.
///
/// ```
/// use rizk::testing::install_harness;
///
/// let h = install_harness("my-tests", |builder| builder.trace_content(false));
/// assert!(rizk::get_trace_config().enabled);
/// // A second call (another test of the same binary) gets the same pipeline.
/// assert!(std::ptr::eq(h, install_harness("ignored", |builder| builder)));
/// ```
///
/// # Panics
///
/// When `init` fails: a test set-up error, reported with the reason.
pub fn install_harness(
    app_name: &str,
    configure: impl FnOnce(RizkBuilder) -> RizkBuilder,
) -> &'static Harness {
    HARNESS.get_or_init(|| {
        let spans = InMemoryExporter::default();
        let builder = Rizk::builder()
            .app_name(app_name)
            .console_exporter(false)
            .ignore_environment()
            .with_exporter("memory", spans.clone());
        let handle = configure(builder)
            .init()
            .unwrap_or_else(|e| panic!("the test pipeline did not initialise: {e}"));
        Harness { handle, spans }
    })
}

impl Harness {
    /// Flushes, then returns every span of the trace that has a span named `name`.
    ///
    /// ```
    /// use rizk::opentelemetry::trace::Tracer;
    ///
    /// let h = rizk::testing::install_harness("my-tests", |builder| builder);
    /// let tracer = rizk::get_tracer("test");
    /// tracer.in_span("order", |_cx| tracer.in_span("payment", |_cx| {}));
    /// let spans = h.trace_of("payment");
    /// assert_eq!(spans.len(), 2); // the whole trace, "order" first
    /// assert_eq!(spans[0].name, "order");
    /// ```
    ///
    /// # Panics
    ///
    /// When no span has that name (the message lists the names there are).
    pub fn trace_of(&self, name: &str) -> Vec<SpanData> {
        self.flush();
        let root = self
            .spans
            .find(name)
            .unwrap_or_else(|| panic!("no span named {name}; have {:?}", self.names()));
        self.spans.trace(root.span_context.trace_id())
    }

    /// Flushes, then returns the spans of one trace.
    ///
    /// ```
    /// use rizk::opentelemetry::trace::Tracer;
    ///
    /// let h = rizk::testing::install_harness("my-tests", |builder| builder);
    /// let trace_id = rizk::get_tracer("test")
    ///     .in_span("order", |_cx| rizk::current_span().span_context().trace_id());
    /// assert_eq!(h.trace(trace_id)[0].name, "order");
    /// ```
    pub fn trace(&self, trace_id: TraceId) -> Vec<SpanData> {
        self.flush();
        self.spans.trace(trace_id)
    }

    /// The names of every span exported so far.
    ///
    /// ```
    /// use rizk::opentelemetry::trace::Tracer;
    ///
    /// let h = rizk::testing::install_harness("my-tests", |builder| builder);
    /// rizk::get_tracer("test").in_span("order", |_cx| {});
    /// h.trace_of("order"); // flushes
    /// assert!(h.names().contains(&"order".to_owned()));
    /// ```
    pub fn names(&self) -> Vec<String> {
        self.spans
            .spans()
            .iter()
            .map(|s| s.name.to_string())
            .collect()
    }

    fn flush(&self) {
        if let Err(e) = self.handle.flush() {
            panic!("flush failed: {e}");
        }
    }
}

/// The span named `name`.
///
/// ```
/// use rizk::opentelemetry::trace::Tracer;
/// use rizk::testing::{install_harness, is_root, span};
///
/// let h = install_harness("my-tests", |builder| builder);
/// rizk::get_tracer("test").in_span("order", |_cx| {});
/// let spans = h.trace_of("order");
/// assert!(is_root(span(&spans, "order")));
/// ```
///
/// # Panics
///
/// When there is none (the message lists the names there are).
pub fn span<'a>(spans: &'a [SpanData], name: &str) -> &'a SpanData {
    spans.iter().find(|s| s.name == name).unwrap_or_else(|| {
        panic!(
            "no span {name} in {:?}",
            spans.iter().map(|s| &s.name).collect::<Vec<_>>()
        )
    })
}

/// The value of attribute `key`.
///
/// ```
/// use rizk::opentelemetry::Value;
/// use rizk::opentelemetry::trace::Tracer;
/// use rizk::testing::{attr, install_harness, span};
///
/// let h = install_harness("my-tests", |builder| builder);
/// rizk::get_tracer("test").in_span("order", |_cx| {
///     rizk::current_span().set_attribute(rizk::KeyValue::new("order.express", true));
/// });
/// let spans = h.trace_of("order");
/// assert_eq!(attr(span(&spans, "order"), "order.express"), Some(Value::Bool(true)));
/// ```
pub fn attr(span: &SpanData, key: &str) -> Option<Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key == Key::new(key.to_owned()))
        .map(|kv| kv.value.clone())
}

/// The value of attribute `key` as text.
///
/// ```
/// use rizk::opentelemetry::trace::Tracer;
/// use rizk::testing::{attr_str, install_harness, span};
///
/// let h = install_harness("my-tests", |builder| builder);
/// rizk::get_tracer("test").in_span("order", |_cx| {
///     rizk::current_span().set_attribute(rizk::KeyValue::new("order.currency", "EUR"));
/// });
/// let spans = h.trace_of("order");
/// assert_eq!(attr_str(span(&spans, "order"), "order.currency").as_deref(), Some("EUR"));
/// ```
pub fn attr_str(span: &SpanData, key: &str) -> Option<String> {
    attr(span, key).map(|v| v.as_str().into_owned())
}

/// The value of integer attribute `key`.
///
/// ```
/// use rizk::opentelemetry::trace::Tracer;
/// use rizk::testing::{attr_i64, install_harness, span};
///
/// let h = install_harness("my-tests", |builder| builder);
/// rizk::get_tracer("test").in_span("order", |_cx| {
///     rizk::current_span().set_attribute(rizk::KeyValue::new("order.items", 3));
/// });
/// let spans = h.trace_of("order");
/// assert_eq!(attr_i64(span(&spans, "order"), "order.items"), Some(3));
/// ```
///
/// # Panics
///
/// When the attribute is there but not an integer.
pub fn attr_i64(span: &SpanData, key: &str) -> Option<i64> {
    match attr(span, key)? {
        Value::I64(v) => Some(v),
        other => panic!("{key} is not an integer: {other:?}"),
    }
}

/// The value of floating-point attribute `key`.
///
/// ```
/// use rizk::opentelemetry::trace::Tracer;
/// use rizk::testing::{attr_f64, install_harness, span};
///
/// let h = install_harness("my-tests", |builder| builder);
/// rizk::get_tracer("test").in_span("order", |_cx| {
///     rizk::current_span().set_attribute(rizk::KeyValue::new("order.total", 12.5));
/// });
/// let spans = h.trace_of("order");
/// assert_eq!(attr_f64(span(&spans, "order"), "order.total"), Some(12.5));
/// ```
///
/// # Panics
///
/// When the attribute is there but not a double.
pub fn attr_f64(span: &SpanData, key: &str) -> Option<f64> {
    match attr(span, key)? {
        Value::F64(v) => Some(v),
        other => panic!("{key} is not a double: {other:?}"),
    }
}

/// The value of string-array attribute `key`.
///
/// ```
/// use rizk::opentelemetry::trace::Tracer;
/// use rizk::opentelemetry::{Array, Value};
/// use rizk::testing::{attr_strings, install_harness, span};
///
/// let h = install_harness("my-tests", |builder| builder);
/// rizk::get_tracer("test").in_span("order", |_cx| {
///     let tags = Value::Array(Array::String(vec!["gift".into(), "express".into()]));
///     rizk::current_span().set_attribute(rizk::KeyValue::new("order.tags", tags));
/// });
/// let spans = h.trace_of("order");
/// assert_eq!(attr_strings(span(&spans, "order"), "order.tags").unwrap(), ["gift", "express"]);
/// ```
///
/// # Panics
///
/// When the attribute is there but not an array of strings.
pub fn attr_strings(span: &SpanData, key: &str) -> Option<Vec<String>> {
    match attr(span, key)? {
        Value::Array(opentelemetry::Array::String(v)) => {
            Some(v.into_iter().map(|s| s.as_str().to_owned()).collect())
        }
        other => panic!("{key} is not a string array: {other:?}"),
    }
}

/// Asserts what every chat-completion span carries, under rizk's, OpenInference's and OTel
/// GenAI's names: kind `llm` / `LLM`, operation `chat`, the provider and the model.
///
/// ```no_run
/// use opentelemetry_sdk::trace::SpanData;
///
/// fn check(llm: &SpanData) {
///     rizk::testing::assert_chat_span(llm, "openai", "gpt-4o-mini");
/// }
/// ```
///
/// # Panics
///
/// When one of those attributes is missing or different (the message names it).
pub fn assert_chat_span(span: &SpanData, provider: &str, model: &str) {
    let expected = [
        ("rizk.span.kind", "llm"),
        ("openinference.span.kind", "LLM"),
        ("gen_ai.operation.name", "chat"),
        ("llm.provider", provider),
        ("gen_ai.provider.name", provider),
        ("llm.model", model),
        ("llm.model_name", model),
    ];
    for (key, value) in expected {
        assert_eq!(
            attr_str(span, key).as_deref(),
            Some(value),
            "{key} of {}",
            span.name
        );
    }
}

/// Whether `child`'s parent is `parent`, in the same trace.
///
/// ```
/// use rizk::opentelemetry::trace::Tracer;
/// use rizk::testing::{install_harness, is_child_of, span};
///
/// let h = install_harness("my-tests", |builder| builder);
/// let tracer = rizk::get_tracer("test");
/// tracer.in_span("order", |_cx| tracer.in_span("payment", |_cx| {}));
/// let spans = h.trace_of("order");
/// assert!(is_child_of(span(&spans, "payment"), span(&spans, "order")));
/// ```
pub fn is_child_of(child: &SpanData, parent: &SpanData) -> bool {
    child.parent_span_id == parent.span_context.span_id()
        && child.span_context.trace_id() == parent.span_context.trace_id()
}

/// Whether `span` has no parent.
///
/// ```
/// use rizk::opentelemetry::trace::Tracer;
/// use rizk::testing::{install_harness, is_root, span};
///
/// let h = install_harness("my-tests", |builder| builder);
/// let tracer = rizk::get_tracer("test");
/// tracer.in_span("order", |_cx| tracer.in_span("payment", |_cx| {}));
/// let spans = h.trace_of("order");
/// assert!(is_root(span(&spans, "order")) && !is_root(span(&spans, "payment")));
/// ```
pub fn is_root(span: &SpanData) -> bool {
    span.parent_span_id == SpanId::INVALID
}
