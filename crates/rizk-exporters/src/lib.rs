//! Exporters of [rizk](https://docs.rs/rizk), each behind its own feature.
//!
//! [`install`] is the [`rizk_core::config::ExporterFactory`] the facade plugs into core: it adds
//! an exporter for every destination the configuration names and refuses any it cannot serve,
//! so that no option is silently ignored.
//!
//! - `otlp`: OTLP over HTTP/protobuf to `opentelemetry_endpoint` (`OTEL_EXPORTER_OTLP_ENDPOINT`),
//!   with `otlp_headers` (`OTEL_EXPORTER_OTLP_HEADERS`), for any OpenTelemetry Collector, Jaeger,
//!   Phoenix, New Relic or Grafana endpoint.

use rizk_core::config::Config;
use rizk_core::export::ExporterSet;
use rizk_core::{Result, RizkError};

#[cfg(feature = "otlp")]
mod otlp;

#[cfg(feature = "otlp")]
pub use otlp::{OtlpSettings, otlp_http_exporter};

/// Adds the exporters `config` asks for to `set`.
///
/// ```
/// use rizk_core::RizkBuilder;
/// use rizk_core::export::ExporterSet;
///
/// let config = RizkBuilder::new().app_name("svc").ignore_environment().build_config().unwrap();
/// let mut set = ExporterSet::new(config.export.clone(), Vec::new());
/// rizk_exporters::install(&config, &mut set).unwrap();
/// assert!(set.names().is_empty()); // nothing but the console, which core adds itself
/// ```
pub fn install(config: &Config, set: &mut ExporterSet) -> Result<()> {
    if config.api_key.is_some() {
        return Err(RizkError::Exporter {
            exporter: "rizk dashboard".into(),
            reason: "export to the Rizk dashboard with api_key is not available in this version yet; unset api_key (RIZK_API_KEY) and send to your own OTLP endpoint with opentelemetry_endpoint".into(),
        });
    }
    if let Some(endpoint) = &config.opentelemetry_endpoint {
        #[cfg(feature = "otlp")]
        {
            let settings = OtlpSettings::from_config(config, &endpoint.value);
            let description = format!("otlp {} (http/protobuf)", settings.traces_url);
            set.add(description, otlp_http_exporter(&settings)?);
        }
        #[cfg(not(feature = "otlp"))]
        {
            return Err(RizkError::Exporter {
                exporter: "otlp".into(),
                reason: format!(
                    "opentelemetry_endpoint is set to {} but this build has no OTLP exporter; enable the `otlp` feature of rizk",
                    endpoint.value
                ),
            });
        }
    }
    Ok(())
}
