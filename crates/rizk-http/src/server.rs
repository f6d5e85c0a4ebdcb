//! Incoming HTTP: a `tower` layer for axum, hyper and tonic services.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll, ready};

use opentelemetry::baggage::BaggageExt as _;
use opentelemetry::trace::{SpanKind, Status, TraceContextExt as _, Tracer as _};
use opentelemetry::{Context, KeyValue};
use rizk_core::{PropagateExt as _, Propagated};

use crate::attributes as attr;
use crate::carrier::{HeaderExtractor, baggage_attributes_of};

/// A [`tower`](https://docs.rs/tower) layer that continues the caller's trace: it extracts the
/// context from the request headers with the installed propagators, starts a SERVER span as
/// its child (a new trace when there is none, or when the headers are malformed: those are
/// counted, see [`crate::malformed_headers`]), and runs the inner service's future inside it,
/// so that every span the handler starts (`#[workflow]`, `#[agent]`, outgoing requests through
/// [`crate::ClientMiddleware`]) belongs to the same trace.
///
/// The span records `http.request.method`, `url.path` (never the query), `url.scheme`,
/// `server.address`, `server.port`, `network.protocol.version`, `http.route` (axum's
/// `MatchedPath`, with the `axum` feature) and `http.response.status_code`; a 5xx response or
/// an error of the inner service sets status ERROR. Its name is `{method} {route}`, or the
/// method alone when no route is known. The span ends when the response head is ready.
///
/// Baggage entries whose keys are allowed by `baggage_attributes` become inherited attributes
/// of the server span and of everything under it (`rizk_core::set_span_context`).
///
/// ```
/// use axum::{Router, routing::get};
///
/// let app: Router = Router::new()
///     .route("/agents/{id}", get(|| async { "ok" }))
///     .layer(rizk_http::ServerLayer::new());
/// # let _ = app;
/// ```
#[derive(Debug, Clone)]
pub struct ServerLayer {
    accept_baggage: bool,
}

impl Default for ServerLayer {
    fn default() -> Self {
        ServerLayer {
            accept_baggage: true,
        }
    }
}

impl ServerLayer {
    /// The layer; configuration comes from rizk's (`propagators`, `baggage_attributes`).
    ///
    /// ```
    /// let _ = rizk_http::ServerLayer::new();
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether incoming baggage is accepted (the default). A service that faces untrusted
    /// clients can refuse it: the baggage is then neither passed on nor turned into
    /// attributes, while the trace context is still continued.
    ///
    /// ```
    /// let edge = rizk_http::ServerLayer::new().accept_baggage(false);
    /// # let _ = edge;
    /// ```
    pub fn accept_baggage(mut self, accept: bool) -> Self {
        self.accept_baggage = accept;
        self
    }
}

impl<S> tower_layer::Layer<S> for ServerLayer {
    type Service = ServerService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ServerService {
            inner,
            accept_baggage: self.accept_baggage,
        }
    }
}

/// The service [`ServerLayer`] wraps around an inner service.
///
/// ```
/// use std::convert::Infallible;
/// use tower_layer::Layer;
///
/// let service = rizk_http::ServerLayer::new().layer(tower::service_fn(|_req: http::Request<()>| async {
///     Ok::<_, Infallible>(http::Response::new(()))
/// }));
/// # let _ = service;
/// ```
#[derive(Debug, Clone)]
pub struct ServerService<S> {
    inner: S,
    accept_baggage: bool,
}

/// `host[:port]` of the `Host` header or the URI's authority.
fn authority<B>(req: &http::Request<B>) -> Option<http::uri::Authority> {
    if let Some(authority) = req.uri().authority() {
        return Some(authority.clone());
    }
    req.headers()
        .get(http::header::HOST)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

#[cfg(feature = "axum")]
fn route<B>(req: &http::Request<B>) -> Option<String> {
    req.extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|m| m.as_str().to_owned())
}

#[cfg(not(feature = "axum"))]
fn route<B>(_req: &http::Request<B>) -> Option<String> {
    None
}

/// Starts the SERVER span of `req` under `parent`.
fn start<B>(req: &http::Request<B>, parent: &Context) -> Context {
    let (method, original) = attr::method(req.method());
    let route = route(req);
    let mut attributes = Vec::with_capacity(8);
    attributes.push(KeyValue::new(attr::HTTP_REQUEST_METHOD, method));
    if let Some(original) = original {
        attributes.push(KeyValue::new(attr::HTTP_REQUEST_METHOD_ORIGINAL, original));
    }
    attributes.push(KeyValue::new(attr::URL_PATH, req.uri().path().to_owned()));
    if let Some(scheme) = req.uri().scheme_str() {
        attributes.push(KeyValue::new(attr::URL_SCHEME, scheme.to_owned()));
    }
    if let Some(authority) = authority(req) {
        attributes.push(KeyValue::new(
            attr::SERVER_ADDRESS,
            authority.host().to_owned(),
        ));
        if let Some(port) = authority.port_u16() {
            attributes.push(KeyValue::new(attr::SERVER_PORT, i64::from(port)));
        }
    }
    if let Some(version) = attr::protocol(req.version()) {
        attributes.push(KeyValue::new(attr::NETWORK_PROTOCOL_VERSION, version));
    }
    let name = match &route {
        Some(route) => format!("{method} {route}"),
        None => method.to_owned(),
    };
    if let Some(route) = route {
        attributes.push(KeyValue::new(attr::HTTP_ROUTE, route));
    }
    let tracer = rizk_core::get_tracer("rizk-http");
    let span = tracer
        .span_builder(name)
        .with_kind(SpanKind::Server)
        .with_attributes(attributes)
        .start_with_context(&tracer, parent);
    parent.with_span(span)
}

impl<S, B, ResBody> tower_service::Service<http::Request<B>> for ServerService<S>
where
    S: tower_service::Service<http::Request<B>, Response = http::Response<ResBody>>,
    S::Error: fmt::Display,
{
    type Response = http::Response<ResBody>;
    type Error = S::Error;
    type Future = ServerFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        // A request starts from nothing: whatever the serving task had current is not its parent.
        let mut parent = opentelemetry::global::get_text_map_propagator(|p| {
            p.extract_with_context(&Context::new(), &HeaderExtractor(req.headers()))
        });
        if !self.accept_baggage && !parent.baggage().is_empty() {
            parent = parent.with_cleared_baggage();
        }
        let cx = start(&req, &parent);
        let inherited = if self.accept_baggage {
            baggage_attributes_of(&cx)
        } else {
            Vec::new()
        };
        let inner = {
            let _current = cx.clone().attach();
            Inherit {
                inner: self.inner.call(req),
                attributes: (!inherited.is_empty()).then_some(inherited),
            }
            // Binds the server span's context and a frame of inherited attributes for its
            // trace: both are entered on every poll of the handler.
            .in_current_trace()
        };
        ServerFuture {
            inner,
            cx: Some(cx),
        }
    }
}

pin_project_lite::pin_project! {
    /// Turns the allowed baggage into inherited attributes on the first poll, inside the
    /// server span and its frame.
    struct Inherit<F> {
        #[pin]
        inner: F,
        attributes: Option<Vec<KeyValue>>,
    }
}

impl<F: Future> Future for Inherit<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<F::Output> {
        let this = self.project();
        if let Some(attributes) = this.attributes.take() {
            rizk_core::set_span_context(attributes);
        }
        this.inner.poll(cx)
    }
}

pin_project_lite::pin_project! {
    /// The future of [`ServerService`]: the inner service's future, run inside the SERVER
    /// span, which it ends with the response's status (or when dropped before completing,
    /// marked `rizk.cancelled`).
    ///
    /// ```
    /// fn assert_future<F: std::future::Future>() {}
    /// assert_future::<rizk_http::ServerFuture<std::future::Ready<Result<http::Response<()>, std::convert::Infallible>>>>();
    /// ```
    pub struct ServerFuture<F> {
        #[pin]
        inner: Propagated<Inherit<F>>,
        cx: Option<Context>,
    }

    impl<F> PinnedDrop for ServerFuture<F> {
        fn drop(this: Pin<&mut Self>) {
            if let Some(cx) = this.project().cx.take() {
                let span = cx.span();
                span.set_attribute(KeyValue::new(rizk_core::semconv::CANCELLED, true));
                span.end();
            }
        }
    }
}

impl<F, ResBody, E> Future for ServerFuture<F>
where
    F: Future<Output = Result<http::Response<ResBody>, E>>,
    E: fmt::Display,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, task: &mut TaskContext<'_>) -> Poll<F::Output> {
        let this = self.project();
        let output = ready!(this.inner.poll(task));
        if let Some(cx) = this.cx.take() {
            let span = cx.span();
            match &output {
                Ok(response) => crate::record_status_code(&span, response.status().as_u16()),
                Err(error) => {
                    span.set_attribute(KeyValue::new(
                        attr::ERROR_TYPE,
                        rizk_core::probe::short_type_name(std::any::type_name::<E>()).into_owned(),
                    ));
                    span.set_status(Status::error(error.to_string()));
                }
            }
            span.end();
        }
        Poll::Ready(output)
    }
}
