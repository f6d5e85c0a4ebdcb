//! What each exporter needs, resolved from the configuration: plain data, compiled whatever the
//! features, so that planning (and its errors) does not depend on which exporters are built in.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use rizk_core::Secret;
use rizk_core::config::{DEFAULT_OTLP_TIMEOUT, OtlpCompression, OtlpProtocol};
use url::Url;

/// The `User-Agent` of every request rizk sends.
///
/// ```
/// assert!(rizk_exporters::USER_AGENT.starts_with("rizk-rs/"));
/// ```
pub const USER_AGENT: &str = concat!("rizk-rs/", env!("CARGO_PKG_VERSION"));

/// Everything an OTLP exporter needs.
///
/// ```
/// use rizk_core::config::OtlpProtocol;
/// use rizk_exporters::OtlpSettings;
/// use url::Url;
///
/// let http = OtlpSettings::new(&Url::parse("http://localhost:4318").unwrap(), None);
/// assert_eq!(http.protocol, OtlpProtocol::HttpProtobuf);
/// assert_eq!(http.url.as_str(), "http://localhost:4318/v1/traces");
///
/// let grpc = OtlpSettings::new(&Url::parse("https://otlp.nr-data.net:4317").unwrap(), None);
/// assert_eq!(grpc.protocol, OtlpProtocol::Grpc);
/// assert_eq!(grpc.url.as_str(), "https://otlp.nr-data.net:4317/");
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct OtlpSettings {
    /// For HTTP, the full URL spans are POSTed to (`.../v1/traces`); for gRPC, the server.
    pub url: Url,
    /// gRPC or HTTP/protobuf.
    pub protocol: OtlpProtocol,
    /// Exactly the headers (gRPC metadata) sent with every request; values are secrets.
    /// Nothing from `OTEL_EXPORTER_OTLP_HEADERS` is added behind your back.
    pub headers: Vec<(String, Secret)>,
    /// Body compression.
    pub compression: OtlpCompression,
    /// Bound on one export request: connect, send, answer.
    pub timeout: Duration,
    /// A PEM file of extra CA certificates for `https` endpoints.
    pub ca_certificate: Option<PathBuf>,
    /// Replaces `service.name` in the resource sent to this destination.
    pub service_name: Option<String>,
    /// How a request the receiver answers "busy" (429, 502, 503, 504, a timeout) is retried.
    pub retry: crate::RetryPolicy,
}

impl OtlpSettings {
    /// Settings for a base endpoint, as `OTEL_EXPORTER_OTLP_ENDPOINT` means it: the protocol
    /// follows the port when `protocol` is `None` (4317: gRPC, else HTTP/protobuf), and for
    /// HTTP `/v1/traces` is appended unless the path already ends with it.
    ///
    /// ```
    /// use rizk_core::config::OtlpProtocol;
    /// use rizk_exporters::OtlpSettings;
    ///
    /// let url = url::Url::parse("http://collector:4318").unwrap();
    /// let grpc = OtlpSettings::new(&url, Some(OtlpProtocol::Grpc)); // the protocol wins over the port
    /// assert_eq!(grpc.protocol, OtlpProtocol::Grpc);
    /// assert_eq!(grpc.url.path(), "/"); // no /v1/traces for gRPC
    /// ```
    pub fn new(endpoint: &Url, protocol: Option<OtlpProtocol>) -> Self {
        let protocol = protocol.unwrap_or_else(|| OtlpProtocol::default_for_port(endpoint.port()));
        let url = match protocol {
            OtlpProtocol::HttpProtobuf => with_traces_path(endpoint),
            _ => endpoint.clone(),
        };
        Self::exact(url, protocol)
    }

    /// Settings for a full traces URL (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`), used as it is.
    ///
    /// ```
    /// use rizk_exporters::OtlpSettings;
    /// let s = OtlpSettings::for_traces_url(&url::Url::parse("http://c:4318/otlp/spans").unwrap(), None);
    /// assert_eq!(s.url.as_str(), "http://c:4318/otlp/spans");
    /// ```
    pub fn for_traces_url(url: &Url, protocol: Option<OtlpProtocol>) -> Self {
        let protocol = protocol.unwrap_or_else(|| OtlpProtocol::default_for_port(url.port()));
        Self::exact(url.clone(), protocol)
    }

    /// The Rizk dashboard: OTLP/HTTP to `<base>/v1/traces` with `Authorization: Bearer <key>`
    /// and no other header.
    ///
    /// ```
    /// use rizk_core::Secret;
    /// use rizk_exporters::OtlpSettings;
    ///
    /// let base = url::Url::parse("https://api.rizk.tools").unwrap();
    /// let s = OtlpSettings::dashboard(&base, &Secret::new("rk_live_key"));
    /// assert_eq!(s.url.as_str(), "https://api.rizk.tools/v1/traces");
    /// assert_eq!(s.headers[0].0, "authorization");
    /// assert_eq!(s.headers[0].1.expose(), "Bearer rk_live_key");
    /// ```
    pub fn dashboard(base: &Url, api_key: &Secret) -> Self {
        let mut settings = Self::exact(with_traces_path(base), OtlpProtocol::HttpProtobuf);
        settings.headers = vec![(
            "authorization".to_owned(),
            Secret::new(format!("Bearer {}", api_key.expose())),
        )];
        settings
    }

    fn exact(url: Url, protocol: OtlpProtocol) -> Self {
        OtlpSettings {
            url,
            protocol,
            headers: Vec::new(),
            compression: OtlpCompression::None,
            timeout: DEFAULT_OTLP_TIMEOUT,
            ca_certificate: None,
            service_name: None,
            retry: crate::RetryPolicy::default(),
        }
    }

    /// One line for `get_trace_config()`: protocol, compression, timeout, header names.
    ///
    /// ```
    /// use rizk_exporters::OtlpSettings;
    ///
    /// let mut s = OtlpSettings::new(&url::Url::parse("http://collector:4318").unwrap(), None);
    /// s.headers.push(("api-key".into(), "nr-license-key".into()));
    /// assert_eq!(s.summary(), "http/protobuf, timeout 10s, headers api-key");
    /// ```
    pub fn summary(&self) -> String {
        let mut parts = vec![self.protocol.to_string()];
        if self.compression != OtlpCompression::None {
            parts.push(self.compression.to_string());
        }
        parts.push(format!("timeout {:?}", self.timeout));
        if !self.headers.is_empty() {
            let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
            parts.push(format!("headers {}", names.join(",")));
        }
        if let Some(name) = &self.service_name {
            parts.push(format!("service.name {name:?}"));
        }
        parts.join(", ")
    }
}

/// `url` with `/v1/traces` appended to its path, unless it already ends with it.
fn with_traces_path(url: &Url) -> Url {
    let mut url = url.clone();
    if !url.path().ends_with("/v1/traces") {
        let base = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{base}/v1/traces"));
    }
    url
}

/// Everything the Zipkin exporter needs.
///
/// ```
/// use rizk_exporters::ZipkinSettings;
/// let s = ZipkinSettings::new(&url::Url::parse("http://zipkin:9411").unwrap(), "shop");
/// assert_eq!(s.endpoint.as_str(), "http://zipkin:9411/api/v2/spans");
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ZipkinSettings {
    /// The URL spans are POSTed to, such as `http://zipkin:9411/api/v2/spans`.
    pub endpoint: Url,
    /// `localEndpoint.serviceName` of every span.
    pub service_name: String,
    /// Bound on one export request.
    pub timeout: Duration,
}

impl ZipkinSettings {
    /// Settings for `endpoint` (a URL without a path gets `/api/v2/spans`).
    ///
    /// ```
    /// use rizk_exporters::ZipkinSettings;
    ///
    /// let s = ZipkinSettings::new(&url::Url::parse("http://zipkin:9411/custom/spans").unwrap(), "shop");
    /// assert_eq!(s.endpoint.path(), "/custom/spans"); // a path is kept
    /// assert_eq!(s.service_name, "shop");
    /// ```
    pub fn new(endpoint: &Url, service_name: impl Into<String>) -> Self {
        let mut endpoint = endpoint.clone();
        if endpoint.path().is_empty() || endpoint.path() == "/" {
            endpoint.set_path("/api/v2/spans");
        }
        ZipkinSettings {
            endpoint,
            service_name: service_name.into(),
            timeout: DEFAULT_OTLP_TIMEOUT,
        }
    }
}

/// Everything the Datadog exporter needs.
///
/// ```
/// use rizk_exporters::DatadogSettings;
/// let s = DatadogSettings::new(&url::Url::parse("http://localhost:8126").unwrap(), "shop");
/// assert_eq!(s.traces_url().as_str(), "http://localhost:8126/v0.5/traces");
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct DatadogSettings {
    /// The Datadog Agent (`http://localhost:8126`).
    pub agent_endpoint: Url,
    /// The Datadog `service`.
    pub service: String,
    /// The Datadog `env` tag.
    pub env: Option<String>,
    /// Bound on one export request.
    pub timeout: Duration,
    /// Extra headers on every request (a proxy's credentials, a test agent's session token).
    pub headers: Vec<(String, Secret)>,
}

impl fmt::Debug for DatadogSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatadogSettings")
            .field("agent_endpoint", &self.agent_endpoint.as_str())
            .field("service", &self.service)
            .field("env", &self.env)
            .field("timeout", &self.timeout)
            .field("headers", &self.headers)
            .finish()
    }
}

impl DatadogSettings {
    /// Settings for the agent at `agent_endpoint`.
    ///
    /// ```
    /// use rizk_exporters::DatadogSettings;
    ///
    /// let s = DatadogSettings::new(&url::Url::parse("http://localhost:8126").unwrap(), "shop");
    /// assert_eq!((s.service.as_str(), s.env.as_deref()), ("shop", None));
    /// ```
    pub fn new(agent_endpoint: &Url, service: impl Into<String>) -> Self {
        DatadogSettings {
            agent_endpoint: agent_endpoint.clone(),
            service: service.into(),
            env: None,
            timeout: DEFAULT_OTLP_TIMEOUT,
            headers: Vec::new(),
        }
    }

    /// Where the traces are sent: `<agent>/v0.5/traces`.
    ///
    /// ```
    /// use rizk_exporters::DatadogSettings;
    ///
    /// let s = DatadogSettings::new(&url::Url::parse("http://proxy:8080/datadog/").unwrap(), "shop");
    /// assert_eq!(s.traces_url().as_str(), "http://proxy:8080/datadog/v0.5/traces");
    /// ```
    pub fn traces_url(&self) -> Url {
        let mut url = self.agent_endpoint.clone();
        let base = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{base}/v0.5/traces"));
        url
    }
}
