//! The OpenTelemetry HTTP semantic-convention keys the client and server spans carry.
//!
//! ```
//! use rizk_http::attributes::{HTTP_REQUEST_METHOD, HTTP_ROUTE};
//! assert_eq!((HTTP_REQUEST_METHOD, HTTP_ROUTE), ("http.request.method", "http.route"));
//! ```

/// `http.request.method`: `GET`, `POST`, ... (`_OTHER` for a method outside the standard set).
///
/// ```
/// assert_eq!(rizk_http::attributes::HTTP_REQUEST_METHOD, "http.request.method");
/// ```
pub const HTTP_REQUEST_METHOD: &str = "http.request.method";
/// `http.request.method_original`: the method as sent, when it is not a standard one.
///
/// ```
/// assert_eq!(rizk_http::attributes::HTTP_REQUEST_METHOD_ORIGINAL, "http.request.method_original");
/// ```
pub const HTTP_REQUEST_METHOD_ORIGINAL: &str = "http.request.method_original";
/// `http.response.status_code`.
///
/// ```
/// assert_eq!(rizk_http::attributes::HTTP_RESPONSE_STATUS_CODE, "http.response.status_code");
/// ```
pub const HTTP_RESPONSE_STATUS_CODE: &str = "http.response.status_code";
/// `http.route`: the matched route template (`/agents/{id}`), server side.
///
/// ```
/// assert_eq!(rizk_http::attributes::HTTP_ROUTE, "http.route");
/// ```
pub const HTTP_ROUTE: &str = "http.route";
/// `url.full`: the request URL (client side), credentials and query secrets redacted.
///
/// ```
/// assert_eq!(rizk_http::attributes::URL_FULL, "url.full");
/// ```
pub const URL_FULL: &str = "url.full";
/// `url.path`: the request path (server side; the query is never recorded).
///
/// ```
/// assert_eq!(rizk_http::attributes::URL_PATH, "url.path");
/// ```
pub const URL_PATH: &str = "url.path";
/// `url.scheme`: `http` or `https` (server side).
///
/// ```
/// assert_eq!(rizk_http::attributes::URL_SCHEME, "url.scheme");
/// ```
pub const URL_SCHEME: &str = "url.scheme";
/// `server.address` (the host called, or named in `Host` on the server side) and `server.port`:
/// the keys every rizk producer shares, from [`rizk_core::semconv`].
pub use rizk_core::semconv::{SERVER_ADDRESS, SERVER_PORT};
/// `network.protocol.version`: `1.1`, `2`, ...
///
/// ```
/// assert_eq!(rizk_http::attributes::NETWORK_PROTOCOL_VERSION, "network.protocol.version");
/// ```
pub const NETWORK_PROTOCOL_VERSION: &str = "network.protocol.version";
/// `error.type`: here the status code of a 5xx response, or the kind of a transport error.
pub use rizk_core::semconv::ERROR_TYPE;

#[cfg(any(feature = "reqwest", feature = "tower"))]
/// The method as the span records it: the standard methods as they are, others `_OTHER`.
pub(crate) fn method(method: &http::Method) -> (&'static str, Option<String>) {
    let known = [
        ("GET", http::Method::GET),
        ("POST", http::Method::POST),
        ("PUT", http::Method::PUT),
        ("DELETE", http::Method::DELETE),
        ("PATCH", http::Method::PATCH),
        ("HEAD", http::Method::HEAD),
        ("OPTIONS", http::Method::OPTIONS),
        ("CONNECT", http::Method::CONNECT),
        ("TRACE", http::Method::TRACE),
    ];
    match known.iter().find(|(_, m)| m == method) {
        Some((name, _)) => (name, None),
        None => ("_OTHER", Some(method.as_str().to_owned())),
    }
}

#[cfg(feature = "tower")]
/// `HTTP/1.1` as `1.1`, for `network.protocol.version`.
pub(crate) fn protocol(version: http::Version) -> Option<&'static str> {
    match version {
        http::Version::HTTP_09 => Some("0.9"),
        http::Version::HTTP_10 => Some("1.0"),
        http::Version::HTTP_11 => Some("1.1"),
        http::Version::HTTP_2 => Some("2"),
        http::Version::HTTP_3 => Some("3"),
        _ => None,
    }
}
