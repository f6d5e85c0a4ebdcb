//! Outgoing HTTP: a `reqwest-middleware` middleware.

use http::Extensions;
use opentelemetry::trace::{FutureExt as _, SpanKind, Status, TraceContextExt as _, Tracer as _};
use opentelemetry::{Context, KeyValue};
use reqwest_middleware::reqwest::{Request, Response};
use reqwest_middleware::{Middleware, Next};

use crate::attributes as attr;
use crate::carrier::{HeaderInjector, inject_context, with_inherited_baggage};
use crate::redact::redact_url;

/// A [`reqwest_middleware`] middleware that continues the current trace in the called
/// service: it starts a CLIENT span under the current span (`http.request.method`, `url.full`
/// with credentials and query secrets redacted, `server.address`, `server.port`,
/// `http.response.status_code`; status ERROR on a 5xx response or a transport error), injects
/// its context with the installed propagators, and adds the allowed inherited attributes
/// (`baggage_attributes`) to the baggage.
///
/// Add it first, so that retries made by later middleware are children of its span.
///
/// ```
/// let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
///     .with(rizk_http::ClientMiddleware::new())
///     .build();
/// # let _ = client;
/// ```
#[derive(Debug, Clone, Default)]
pub struct ClientMiddleware {
    _private: (),
}

impl ClientMiddleware {
    /// The middleware; configuration comes from rizk's (`propagators`, `baggage_attributes`).
    ///
    /// ```
    /// let _ = rizk_http::ClientMiddleware::new();
    /// ```
    pub fn new() -> Self {
        Self::default()
    }
}

/// Starts the CLIENT span for `req` under the current context and injects it.
fn start(req: &mut Request) -> Context {
    let current = Context::current();
    let parent = with_inherited_baggage(&current).unwrap_or(current);
    let (method, original) = attr::method(req.method());
    let url = req.url();
    let mut attributes = Vec::with_capacity(6);
    attributes.push(KeyValue::new(attr::HTTP_REQUEST_METHOD, method));
    if let Some(original) = original {
        attributes.push(KeyValue::new(attr::HTTP_REQUEST_METHOD_ORIGINAL, original));
    }
    attributes.push(KeyValue::new(attr::URL_FULL, redact_url(url)));
    if let Some(host) = url.host_str() {
        attributes.push(KeyValue::new(attr::SERVER_ADDRESS, host.to_owned()));
    }
    if let Some(port) = url.port_or_known_default() {
        attributes.push(KeyValue::new(attr::SERVER_PORT, i64::from(port)));
    }
    let tracer = rizk_core::get_tracer("rizk-http");
    let span = tracer
        .span_builder(method)
        .with_kind(SpanKind::Client)
        .with_attributes(attributes)
        .start_with_context(&tracer, &parent);
    let cx = parent.with_span(span);
    inject_context(&cx, &mut HeaderInjector(req.headers_mut()));
    cx
}

/// Records the outcome on the span of `cx` and ends it.
fn finish(cx: &Context, result: &reqwest_middleware::Result<Response>) {
    let span = cx.span();
    match result {
        Ok(response) => crate::record_status_code(&span, response.status().as_u16()),
        Err(error) => {
            let kind = match error {
                reqwest_middleware::Error::Middleware(_) => "middleware",
                reqwest_middleware::Error::Reqwest(e) if e.is_timeout() => "timeout",
                reqwest_middleware::Error::Reqwest(e) if e.is_connect() => "connect",
                reqwest_middleware::Error::Reqwest(_) => "request",
            };
            span.set_attribute(KeyValue::new(attr::ERROR_TYPE, kind));
            // The error's text names the URL: keep its secrets out of the span.
            let mut message = error.to_string();
            if let Some(url) = error.url() {
                message = message.replace(url.as_str(), &redact_url(url));
            }
            span.set_status(Status::error(message));
        }
    }
    span.end();
}

#[async_trait::async_trait]
impl Middleware for ClientMiddleware {
    async fn handle(
        &self,
        mut req: Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<Response> {
        // Runs in the caller's first poll: its span and inherited attributes are current here.
        let cx = start(&mut req);
        let result = next.run(req, extensions).with_context(cx.clone()).await;
        finish(&cx, &result);
        result
    }
}
