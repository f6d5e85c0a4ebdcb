//! OTLP over HTTP/protobuf.

use std::collections::HashMap;
use std::time::Duration;

use opentelemetry_otlp::{Protocol, WithExportConfig, WithHttpConfig};
use rizk_core::config::Config;
use rizk_core::{Result, RizkError, Secret};
use url::Url;

/// Everything the OTLP/HTTP exporter needs, resolved from the configuration.
///
/// ```
/// use rizk_core::RizkBuilder;
/// use rizk_exporters::OtlpSettings;
///
/// let config = RizkBuilder::new()
///     .app_name("svc")
///     .opentelemetry_endpoint("http://localhost:4318")
///     .ignore_environment()
///     .build_config()
///     .unwrap();
/// let endpoint = config.opentelemetry_endpoint.as_ref().unwrap().value.clone();
/// let settings = OtlpSettings::from_config(&config, &endpoint);
/// assert_eq!(settings.traces_url.as_str(), "http://localhost:4318/v1/traces");
/// ```
#[derive(Debug, Clone)]
pub struct OtlpSettings {
    /// The full URL spans are POSTed to (`.../v1/traces`).
    pub traces_url: Url,
    /// Headers sent with every request; values are secrets.
    pub headers: Vec<(String, Secret)>,
    /// Bound on one export request (connect plus response).
    pub timeout: Duration,
}

impl OtlpSettings {
    /// Settings for `endpoint`: a base URL gets `/v1/traces` appended, as the OTLP
    /// specification says for `OTEL_EXPORTER_OTLP_ENDPOINT`; a URL that already ends in
    /// `/v1/traces` is used as it is.
    pub fn from_config(config: &Config, endpoint: &Url) -> Self {
        let mut traces_url = endpoint.clone();
        if !traces_url.path().ends_with("/v1/traces") {
            let base = traces_url.path().trim_end_matches('/').to_owned();
            traces_url.set_path(&format!("{base}/v1/traces"));
        }
        OtlpSettings {
            traces_url,
            headers: config.otlp_headers.value.clone(),
            timeout: Duration::from_secs(10),
        }
    }
}

/// Builds an OTLP/HTTP span exporter whose requests time out after `settings.timeout`, so a
/// collector that never answers cannot hold the export thread longer than that.
pub fn otlp_http_exporter(settings: &OtlpSettings) -> Result<opentelemetry_otlp::SpanExporter> {
    let headers: HashMap<String, String> = settings
        .headers
        .iter()
        .map(|(name, value)| (name.clone(), value.expose().to_owned()))
        .collect();
    opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(settings.traces_url.as_str())
        .with_timeout(settings.timeout)
        .with_headers(headers)
        .build()
        .map_err(|e| RizkError::Exporter {
            exporter: "otlp".into(),
            reason: e.to_string(),
        })
}
