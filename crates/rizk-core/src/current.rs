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
    pub fn is_recording(&self) -> bool {
        self.cx.span().is_recording()
    }

    /// Trace id, span id and flags of the span.
    pub fn span_context(&self) -> SpanContext {
        self.cx.span().span_context().clone()
    }

    /// Sets one attribute.
    pub fn set_attribute(&self, attribute: KeyValue) {
        self.cx.span().set_attribute(attribute);
    }

    /// Sets several attributes.
    pub fn set_attributes(&self, attributes: impl IntoIterator<Item = KeyValue>) {
        self.cx.span().set_attributes(attributes);
    }

    /// Adds an event with attributes.
    pub fn add_event(&self, name: impl Into<Cow<'static, str>>, attributes: Vec<KeyValue>) {
        self.cx.span().add_event(name, attributes);
    }

    /// Records an error as an `exception` event (type and message) and sets status ERROR.
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
    pub fn set_status(&self, status: Status) {
        self.cx.span().set_status(status);
    }
}
