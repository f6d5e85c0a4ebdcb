//! The exporter selection and OTLP options of [`RizkBuilder`] (a platform's own settings are
//! set through the extension trait of the crate that exports there).

use std::path::PathBuf;

use super::RizkBuilder;
use crate::config::{OtlpCompression, OtlpProtocol, TraceExporter};

/// Exporter selection and the shared OTLP settings. See `docs/exporters.md`.
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
}
