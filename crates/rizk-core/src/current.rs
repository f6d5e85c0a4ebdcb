//! The current span, for adding attributes from inside a decorated function.

use std::borrow::Cow;

use opentelemetry::trace::{SpanContext, Status, TraceContextExt};
use opentelemetry::{Context, KeyValue};

/// The span that is current on this thread or task: the spec's `trace.get_current_span()`.
///
/// Writes go to the innermost span (a macro span, or a custom span inside it). Everything is a
/// no-op when the span is not sampled or tracing is off.
///
/// ```
/// use opentelemetry::KeyValue;
///
/// let span = rizk_core::current_span();
/// span.set_attribute(KeyValue::new("portfolio.assets_count", 12));
/// span.set_attribute(KeyValue::new("compliance.required", true));
/// ```
#[derive(Debug, Clone)]
pub struct CurrentSpan {
    cx: Context,
}

/// Returns a handle to the current span.
///
/// ```
/// assert!(!rizk_core::current_span().is_recording()); // no span outside a trace
/// ```
pub fn current_span() -> CurrentSpan {
    CurrentSpan {
        cx: Context::current(),
    }
}

impl CurrentSpan {
    /// Whether writes are recorded (the span exists and is sampled).
    ///
    /// ```
    /// use opentelemetry::trace::Tracer;
    /// # let rizk = rizk_core::RizkBuilder::new().app_name("doc").console_exporter(false)
    /// #     .ignore_environment().init().unwrap();
    ///
    /// assert!(!rizk_core::current_span().is_recording());
    /// rizk_core::get_tracer("doc").in_span("work", |_cx| {
    ///     assert!(rizk_core::current_span().is_recording());
    /// });
    /// ```
    pub fn is_recording(&self) -> bool {
        self.cx.span().is_recording()
    }

    /// Trace id, span id and flags of the span.
    ///
    /// ```
    /// use opentelemetry::trace::Tracer;
    /// # let rizk = rizk_core::RizkBuilder::new().app_name("doc").console_exporter(false)
    /// #     .ignore_environment().init().unwrap();
    ///
    /// rizk_core::get_tracer("doc").in_span("work", |_cx| {
    ///     let cx = rizk_core::current_span().span_context();
    ///     assert!(cx.is_valid() && cx.is_sampled());
    /// });
    /// ```
    pub fn span_context(&self) -> SpanContext {
        self.cx.span().span_context().clone()
    }

    /// Sets one attribute.
    ///
    /// ```
    /// use opentelemetry::KeyValue;
    /// use opentelemetry::trace::Tracer;
    /// # let spans = rizk_core::export::InMemoryExporter::default();
    /// # let rizk = rizk_core::RizkBuilder::new().app_name("doc").console_exporter(false)
    /// #     .ignore_environment().with_exporter("memory", spans.clone()).init().unwrap();
    ///
    /// rizk_core::get_tracer("doc").in_span("checkout", |_cx| {
    ///     rizk_core::current_span().set_attribute(KeyValue::new("cart.items", 3));
    /// });
    /// rizk.flush().unwrap();
    /// let span = spans.find("checkout").unwrap();
    /// assert!(span.attributes.contains(&KeyValue::new("cart.items", 3)));
    /// ```
    pub fn set_attribute(&self, attribute: KeyValue) {
        self.cx.span().set_attribute(attribute);
    }

    /// Sets several attributes.
    ///
    /// ```
    /// use opentelemetry::KeyValue;
    /// use opentelemetry::trace::Tracer;
    /// # let spans = rizk_core::export::InMemoryExporter::default();
    /// # let rizk = rizk_core::RizkBuilder::new().app_name("doc").console_exporter(false)
    /// #     .ignore_environment().with_exporter("memory", spans.clone()).init().unwrap();
    ///
    /// rizk_core::get_tracer("doc").in_span("checkout", |_cx| {
    ///     rizk_core::current_span()
    ///         .set_attributes([KeyValue::new("cart.items", 3), KeyValue::new("cart.express", true)]);
    /// });
    /// rizk.flush().unwrap();
    /// assert!(spans.find("checkout").unwrap().attributes.contains(&KeyValue::new("cart.express", true)));
    /// ```
    pub fn set_attributes(&self, attributes: impl IntoIterator<Item = KeyValue>) {
        self.cx.span().set_attributes(attributes);
    }

    /// Adds an event with attributes.
    ///
    /// ```
    /// use opentelemetry::KeyValue;
    /// use opentelemetry::trace::Tracer;
    /// # let spans = rizk_core::export::InMemoryExporter::default();
    /// # let rizk = rizk_core::RizkBuilder::new().app_name("doc").console_exporter(false)
    /// #     .ignore_environment().with_exporter("memory", spans.clone()).init().unwrap();
    ///
    /// rizk_core::get_tracer("doc").in_span("checkout", |_cx| {
    ///     rizk_core::current_span().add_event("cache.miss", vec![KeyValue::new("key", "cart:42")]);
    /// });
    /// rizk.flush().unwrap();
    /// assert_eq!(spans.find("checkout").unwrap().events[0].name, "cache.miss");
    /// ```
    pub fn add_event(&self, name: impl Into<Cow<'static, str>>, attributes: Vec<KeyValue>) {
        self.cx.span().add_event(name, attributes);
    }

    /// Sets `gen_ai.tool.call.id` on the current span: from inside a `#[tool]`, the id of the
    /// model's tool call it executes, so that backends link the call to its result.
    ///
    /// ```
    /// use rizk_core::semconv::GEN_AI_TOOL_CALL_ID;
    /// use opentelemetry::trace::Tracer;
    /// # let spans = rizk_core::export::InMemoryExporter::default();
    /// # let rizk = rizk_core::RizkBuilder::new().app_name("doc").console_exporter(false)
    /// #     .ignore_environment().with_exporter("memory", spans.clone()).init().unwrap();
    ///
    /// rizk_core::get_tracer("doc").in_span("tool.get_weather", |_cx| {
    ///     rizk_core::current_span().set_tool_call_id("call_mszuSIzqtI65i1wAUOE8w5H4");
    /// });
    /// rizk.flush().unwrap();
    /// let span = spans.find("tool.get_weather").unwrap();
    /// assert!(span.attributes.iter().any(|kv| kv.key.as_str() == GEN_AI_TOOL_CALL_ID));
    /// ```
    pub fn set_tool_call_id(&self, id: impl Into<String>) {
        if self.is_recording() {
            self.cx.span().set_attribute(KeyValue::new(
                crate::semconv::GEN_AI_TOOL_CALL_ID,
                id.into(),
            ));
        }
    }

    /// Records the prompt template behind this span's LLM call (OpenInference
    /// `llm.prompt_template.*`; the template and its variables are content, under the content
    /// policy). For LLM spans you write yourself; the OpenAI client takes one with
    /// `Chat::with_prompt_template`.
    ///
    /// ```
    /// use opentelemetry::trace::Tracer as _;
    /// use rizk_core::genai::PromptTemplate;
    /// # let spans = rizk_core::export::InMemoryExporter::default();
    /// # let rizk = rizk_core::RizkBuilder::new().app_name("doc").console_exporter(false)
    /// #     .ignore_environment().with_exporter("memory", spans.clone()).init().unwrap();
    ///
    /// rizk_core::get_tracer("doc").in_span("llm.call", |_cx| {
    ///     rizk_core::current_span().set_prompt_template(
    ///         &PromptTemplate::new("Answer {question}").variable("question", "Why?").version("v2"),
    ///     );
    /// });
    /// rizk.flush().unwrap();
    /// let span = spans.find("llm.call").unwrap();
    /// assert!(span.attributes.iter().any(|kv| kv.key.as_str() == "llm.prompt_template.version"));
    /// ```
    pub fn set_prompt_template(&self, template: &crate::genai::PromptTemplate) {
        if self.is_recording() {
            self.cx.span().set_attributes(template.attributes());
        }
    }

    /// Records an error as an `exception` event (type and message) and sets status ERROR.
    /// When backtraces are enabled (`RUST_BACKTRACE` / `RUST_LIB_BACKTRACE`) and the content
    /// policy captures error text, the event also carries `exception.stacktrace`.
    ///
    /// ```
    /// let err = "abc".parse::<i32>().unwrap_err();
    /// rizk_core::current_span().record_error(&err);
    /// ```
    pub fn record_error<E: std::error::Error + ?Sized>(&self, error: &E) {
        if !self.is_recording() {
            return;
        }
        // Not even formatted when the content policy withholds error messages.
        let message = crate::span::error_messages_captured().then(|| error.to_string());
        crate::span::record_exception(&self.cx, std::any::type_name::<E>(), message);
    }

    /// Sets the status (`Status::Ok`, `Status::error("...")`).
    ///
    /// ```
    /// use opentelemetry::trace::{Status, Tracer};
    /// # let spans = rizk_core::export::InMemoryExporter::default();
    /// # let rizk = rizk_core::RizkBuilder::new().app_name("doc").console_exporter(false)
    /// #     .ignore_environment().with_exporter("memory", spans.clone()).init().unwrap();
    ///
    /// rizk_core::get_tracer("doc").in_span("checkout", |_cx| {
    ///     rizk_core::current_span().set_status(Status::error("card declined"));
    /// });
    /// rizk.flush().unwrap();
    /// assert!(matches!(spans.find("checkout").unwrap().status, Status::Error { .. }));
    /// ```
    pub fn set_status(&self, status: Status) {
        self.cx.span().set_status(status);
    }
}
