//! The exporters options of [`RizkBuilder`].

use std::path::PathBuf;

use super::RizkBuilder;
use crate::config::{OtlpCompression, OtlpProtocol, TraceExporter};
use crate::secret::Secret;

/// Exporter selection and per-platform settings. See `docs/exporters.md`.
impl RizkBuilder {
    /// Sends spans to `exporter`; call it again to add more (each gets its own bounded queue).
    /// Replaces `RIZK_TRACE_EXPORTER` / `OTEL_TRACES_EXPORTER` as a whole.
    ///
    /// Without it, spans go over OTLP when an endpoint is set, and to the console when nothing
    /// is configured. The Rizk dashboard receives spans whenever `api_key` is set, whatever is
    /// selected here.
    ///
    /// ```
    /// use rizk_core::RizkBuilder;
    /// use rizk_core::config::TraceExporter;
    ///
    /// let config = RizkBuilder::new()
    ///     .app_name("svc")
    ///     .opentelemetry_endpoint("http://localhost:4318")
    ///     .trace_exporter(TraceExporter::Otlp)
    ///     .trace_exporter(TraceExporter::Console)
    ///     .ignore_environment()
    ///     .build_config()
    ///     .unwrap();
    /// assert!(config.exporters.selects(TraceExporter::Console));
    /// ```
    pub fn trace_exporter(mut self, exporter: TraceExporter) -> Self {
        if !self.input.exporters.trace_exporter.contains(&exporter) {
            self.input.exporters.trace_exporter.push(exporter);
        }
        self
    }

    /// The OTLP protocol. Default: gRPC when the endpoint's port is 4317, else HTTP/protobuf.
    ///
    /// ```
    /// use rizk_core::config::OtlpProtocol;
    /// let b = rizk_core::RizkBuilder::new().otlp_protocol(OtlpProtocol::Grpc);
    /// # let _ = b;
    /// ```
    pub fn otlp_protocol(mut self, protocol: OtlpProtocol) -> Self {
        self.input.exporters.otlp_protocol = Some(protocol);
        self
    }

    /// Compresses OTLP bodies sent to your endpoint (the dashboard's are never compressed).
    ///
    /// ```
    /// use rizk_core::config::OtlpCompression;
    /// let b = rizk_core::RizkBuilder::new().otlp_compression(OtlpCompression::Gzip);
    /// # let _ = b;
    /// ```
    pub fn otlp_compression(mut self, compression: OtlpCompression) -> Self {
        self.input.exporters.otlp_compression = Some(compression);
        self
    }

    /// Bound on one export request: connecting, sending and reading the answer (default 10 s).
    /// A collector that never answers holds the export thread at most this long; the traced
    /// application never waits for it.
    ///
    /// ```
    /// let b = rizk_core::RizkBuilder::new().otlp_timeout(std::time::Duration::from_secs(3));
    /// # let _ = b;
    /// ```
    pub fn otlp_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.input.exporters.otlp_timeout = Some(timeout);
        self
    }

    /// A PEM file of CA certificates to trust for `https` OTLP endpoints (a private CA), in
    /// addition to the system's roots.
    ///
    /// ```
    /// let b = rizk_core::RizkBuilder::new().otlp_certificate("/etc/ssl/private-ca.pem");
    /// # let _ = b;
    /// ```
    pub fn otlp_certificate(mut self, path: impl Into<PathBuf>) -> Self {
        self.input.exporters.otlp_certificate = Some(path.into());
        self
    }

    /// Base URL of a self-hosted Rizk dashboard (default `https://api.rizk.tools`); spans go
    /// to `<url>/v1/traces` with `Authorization: Bearer <api_key>`.
    ///
    /// ```
    /// let b = rizk_core::RizkBuilder::new().dashboard_url("https://rizk.internal.example");
    /// # let _ = b;
    /// ```
    pub fn dashboard_url(mut self, url: impl Into<String>) -> Self {
        self.input.exporters.dashboard_url = Some(url.into());
        self
    }

    /// A Jaeger agent's host, from configurations written for the old UDP agent. rizk sends
    /// OTLP instead: this maps to `http://<host>:4318` (Jaeger's OTLP/HTTP receiver). Prefer
    /// `opentelemetry_endpoint`.
    ///
    /// ```
    /// let b = rizk_core::RizkBuilder::new().jaeger_agent_host("localhost");
    /// # let _ = b;
    /// ```
    pub fn jaeger_agent_host(mut self, host: impl Into<String>) -> Self {
        self.input.exporters.jaeger_agent_host = Some(host.into());
        self
    }

    /// A Jaeger agent's port: 6831 or 6832 are accepted (with `jaeger_agent_host`, mapped to
    /// OTLP on 4318); any other port is refused with the setting to use instead.
    ///
    /// ```
    /// let b = rizk_core::RizkBuilder::new().jaeger_agent_host("localhost").jaeger_agent_port(6831);
    /// # let _ = b;
    /// ```
    pub fn jaeger_agent_port(mut self, port: u16) -> Self {
        self.input.exporters.jaeger_agent_port = Some(port);
        self
    }

    /// `service.name` of the spans sent to Jaeger (default: `app_name`).
    ///
    /// ```
    /// let b = rizk_core::RizkBuilder::new().jaeger_service_name("rizk-llm-app");
    /// # let _ = b;
    /// ```
    pub fn jaeger_service_name(mut self, name: impl Into<String>) -> Self {
        self.input.exporters.jaeger_service_name = Some(name.into());
        self
    }

    /// Where Zipkin receives spans: the full URL, such as `http://zipkin:9411/api/v2/spans`
    /// (a URL with no path gets `/api/v2/spans`).
    ///
    /// ```
    /// let b = rizk_core::RizkBuilder::new().zipkin_endpoint("http://zipkin:9411/api/v2/spans");
    /// # let _ = b;
    /// ```
    pub fn zipkin_endpoint(mut self, url: impl Into<String>) -> Self {
        self.input.exporters.zipkin_endpoint = Some(url.into());
        self
    }

    /// The Zipkin service name (`localEndpoint.serviceName`; default: `app_name`).
    ///
    /// ```
    /// let b = rizk_core::RizkBuilder::new().zipkin_service_name("rizk-llm-app");
    /// # let _ = b;
    /// ```
    pub fn zipkin_service_name(mut self, name: impl Into<String>) -> Self {
        self.input.exporters.zipkin_service_name = Some(name.into());
        self
    }

    /// The Datadog Agent spans are sent to (default `http://localhost:8126`; also
    /// `DD_TRACE_AGENT_URL`, or `DD_AGENT_HOST` + `DD_TRACE_AGENT_PORT`).
    ///
    /// ```
    /// let b = rizk_core::RizkBuilder::new().datadog_agent_endpoint("http://datadog-agent:8126");
    /// # let _ = b;
    /// ```
    pub fn datadog_agent_endpoint(mut self, url: impl Into<String>) -> Self {
        self.input.exporters.datadog_agent_endpoint = Some(url.into());
        self
    }

    /// The Datadog `service` (default: `app_name`; also `DD_SERVICE`).
    ///
    /// ```
    /// let b = rizk_core::RizkBuilder::new().datadog_service("rizk-llm-app");
    /// # let _ = b;
    /// ```
    pub fn datadog_service(mut self, service: impl Into<String>) -> Self {
        self.input.exporters.datadog_service = Some(service.into());
        self
    }

    /// The Datadog `env` tag (also `DD_ENV`).
    ///
    /// ```
    /// let b = rizk_core::RizkBuilder::new().datadog_env("production");
    /// # let _ = b;
    /// ```
    pub fn datadog_env(mut self, env: impl Into<String>) -> Self {
        self.input.exporters.datadog_env = Some(env.into());
        self
    }

    /// Refused at `init`, with the fix: the Datadog exporter talks to a Datadog Agent, and the
    /// agent holds the API key. Kept so that configurations ported from the Python SDK fail
    /// with an explanation instead of a missing method.
    ///
    /// ```
    /// let err = rizk_core::RizkBuilder::new()
    ///     .app_name("svc")
    ///     .datadog_api_key("dd-key")
    ///     .ignore_environment()
    ///     .build_config()
    ///     .unwrap_err();
    /// assert!(err.to_string().contains("agent holds the API key"));
    /// assert!(!err.to_string().contains("dd-key"));
    /// ```
    pub fn datadog_api_key(mut self, key: impl Into<Secret>) -> Self {
        self.input.exporters.datadog_api_key = Some(key.into());
        self
    }
}
