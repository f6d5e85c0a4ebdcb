//! Exporters of [rizk](https://docs.rs/rizk), each behind its own feature.
//!
//! [`add_configured`] is the [`rizk_core::install::ExporterFactory`] the facade plugs into core: it adds
//! an exporter for every destination the configuration names and refuses any it cannot serve,
//! so that no option is silently ignored. [`plan`] says what it would add, without building
//! anything.
//!
//! | feature | destinations |
//! |---|---|
//! | `otlp` (default) | OTLP/HTTP (protobuf, gzip, rustls TLS) to `opentelemetry_endpoint`: an OpenTelemetry Collector, Phoenix, New Relic, Grafana; and the Rizk dashboard when `api_key` is set |
//! | `otlp-grpc` | OTLP/gRPC (tonic, rustls TLS): chosen by `otlp_protocol` / `OTEL_EXPORTER_OTLP_PROTOCOL`, or by an endpoint on port 4317 |
//! | `jaeger` | `trace_exporter = jaeger`: OTLP to Jaeger, and [`jaeger_propagator`] |
//! | `zipkin` | Zipkin v2 JSON to `zipkin_endpoint` |
//! | `datadog` | the trace API of a Datadog Agent |
//!
//! Every exporter sits behind a bounded queue of its own (core's `ExportQueue`), so a slow or
//! dead destination never slows the traced application or the other destinations: spans
//! beyond the queue are dropped and counted (`rizk::export_stats()`), and the first failure is
//! reported once, with its reason.
//!
//! rizk opens no connection to anything you did not configure: no telemetry about itself, no
//! call home.

#![cfg_attr(docsrs, feature(doc_cfg))]

use rizk_core::RizkBuilder;
use rizk_core::config::Config;
#[cfg(feature = "_http")]
use rizk_core::config::DEFAULT_MAX_REQUEST_BYTES;
#[cfg(feature = "_http")]
use rizk_core::export::QueueOptions;
use rizk_core::export::{ConsoleExporter, ExporterSet};
use rizk_core::{Result, RizkError};

// Without a network exporter nothing retries.
mod metrics;
mod options;
mod plan;
#[cfg_attr(not(feature = "_http"), allow(dead_code))]
mod retry;
mod settings;
#[cfg(feature = "_http")]
mod transport;

#[cfg(feature = "datadog")]
mod datadog;
#[cfg(feature = "otlp-grpc")]
mod grpc;
#[cfg(feature = "jaeger")]
mod jaeger;
#[cfg(feature = "otlp")]
mod otlp;
#[cfg(feature = "otlp")]
mod otlp_metrics;
#[cfg(feature = "zipkin")]
mod zipkin;

#[cfg(feature = "datadog")]
#[cfg_attr(docsrs, doc(cfg(feature = "datadog")))]
pub use datadog::{DatadogExporter, datadog_exporter};
#[cfg(feature = "jaeger")]
#[cfg_attr(docsrs, doc(cfg(feature = "jaeger")))]
#[allow(deprecated)]
pub use jaeger::jaeger_propagator;
pub use metrics::{
    DEFAULT_METRIC_EXPORT_INTERVAL, MetricsBuilderExt, MetricsExporter, MetricsOptions,
    add_metrics_reader, metrics_destination, metrics_options,
};
pub use options::{
    DEFAULT_DATADOG_AGENT, DEFAULT_DATADOG_AGENT_PORT, ExporterBuilderExt, PlatformOptions,
};
#[cfg(feature = "otlp")]
#[cfg_attr(docsrs, doc(cfg(feature = "otlp")))]
pub use otlp::{OtlpExporter, otlp_exporter, otlp_http_exporter};
pub use retry::RetryPolicy;
pub use settings::{DatadogSettings, OtlpSettings, USER_AGENT, ZipkinSettings};
#[cfg(feature = "zipkin")]
#[cfg_attr(docsrs, doc(cfg(feature = "zipkin")))]
pub use zipkin::{ZipkinExporter, zipkin_exporter};

/// Where Zipkin receives spans when `zipkin_endpoint` is not set.
///
/// ```
/// use rizk_core::RizkBuilder;
/// use rizk_core::config::TraceExporter;
/// use rizk_exporters::DEFAULT_ZIPKIN_ENDPOINT;
///
/// let config = rizk_exporters::register(RizkBuilder::new()).app_name("svc").trace_exporter(TraceExporter::Zipkin)
///     .ignore_environment().build_config().unwrap();
/// let plan = rizk_exporters::plan(&config).unwrap();
/// assert!(plan[0].description().contains(DEFAULT_ZIPKIN_ENDPOINT));
/// ```
pub const DEFAULT_ZIPKIN_ENDPOINT: &str = "http://localhost:9411/api/v2/spans";
/// The OTLP/HTTP endpoint used when `trace_exporter` selects OTLP but no endpoint is set (the
/// OpenTelemetry default).
///
/// ```
/// use rizk_core::RizkBuilder;
/// use rizk_core::config::TraceExporter;
/// use rizk_exporters::DEFAULT_OTLP_HTTP_ENDPOINT;
///
/// let config = rizk_exporters::register(RizkBuilder::new()).app_name("svc").trace_exporter(TraceExporter::Otlp)
///     .ignore_environment().build_config().unwrap();
/// let plan = rizk_exporters::plan(&config).unwrap();
/// assert!(plan[0].otlp_settings().unwrap().url.as_str().starts_with(DEFAULT_OTLP_HTTP_ENDPOINT));
/// ```
pub const DEFAULT_OTLP_HTTP_ENDPOINT: &str = "http://localhost:4318";
/// The OTLP/gRPC endpoint used when gRPC is selected but no endpoint is set.
///
/// ```
/// use rizk_core::RizkBuilder;
/// use rizk_core::config::{OtlpProtocol, TraceExporter};
/// use rizk_exporters::DEFAULT_OTLP_GRPC_ENDPOINT;
///
/// let config = rizk_exporters::register(RizkBuilder::new()).app_name("svc").trace_exporter(TraceExporter::Otlp)
///     .otlp_protocol(OtlpProtocol::Grpc).ignore_environment().build_config().unwrap();
/// let plan = rizk_exporters::plan(&config).unwrap();
/// assert!(plan[0].otlp_settings().unwrap().url.as_str().starts_with(DEFAULT_OTLP_GRPC_ENDPOINT));
/// ```
pub const DEFAULT_OTLP_GRPC_ENDPOINT: &str = "http://localhost:4317";

/// One destination [`add_configured`] adds: what it is and how it is reached.
///
/// ```
/// use rizk_core::RizkBuilder;
///
/// let config = rizk_exporters::register(RizkBuilder::new())
///     .app_name("svc")
///     .opentelemetry_endpoint("http://collector:4318")
///     .ignore_environment()
///     .build_config()
///     .unwrap();
/// let plan = rizk_exporters::plan(&config).unwrap();
/// assert_eq!(plan[0].kind(), "otlp");
/// assert!(plan[0].description().starts_with("otlp http://collector:4318/v1/traces"));
/// ```
#[derive(Debug, Clone)]
pub struct Destination {
    description: String,
    target: Target,
}

#[derive(Debug, Clone)]
enum Target {
    Otlp {
        name: &'static str,
        settings: OtlpSettings,
    },
    Zipkin(ZipkinSettings),
    Datadog(DatadogSettings),
    Console(rizk_core::config::ConsoleTarget),
}

impl Destination {
    /// `rizk-dashboard`, `otlp`, `jaeger`, `zipkin`, `datadog` or `console`.
    ///
    /// ```
    /// use rizk_core::RizkBuilder;
    /// use rizk_core::config::TraceExporter;
    ///
    /// let config = rizk_exporters::register(RizkBuilder::new()).app_name("svc").trace_exporter(TraceExporter::Datadog)
    ///     .ignore_environment().build_config().unwrap();
    /// let plan = rizk_exporters::plan(&config).unwrap();
    /// assert_eq!(plan[0].kind(), "datadog");
    /// ```
    pub fn kind(&self) -> &'static str {
        match &self.target {
            Target::Otlp { name, .. } => name,
            Target::Zipkin(_) => "zipkin",
            Target::Datadog(_) => "datadog",
            Target::Console(_) => "console",
        }
    }

    /// What `get_trace_config()` shows: the kind, the URL and how it is reached (secrets
    /// masked).
    ///
    /// ```
    /// let config = rizk_exporters::register(rizk_core::RizkBuilder::new()).app_name("svc").ignore_environment()
    ///     .api_key("rk_live_key").build_config().unwrap();
    /// let plan = rizk_exporters::plan(&config).unwrap();
    /// assert!(plan[0].description().starts_with("rizk-dashboard "));
    /// assert!(!plan[0].description().contains("rk_live_key")); // the key is masked
    /// ```
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The OTLP settings, for OTLP destinations (the dashboard, `otlp`, `jaeger`).
    ///
    /// ```
    /// use rizk_core::config::OtlpProtocol;
    ///
    /// let config = rizk_exporters::register(rizk_core::RizkBuilder::new()).app_name("svc").ignore_environment()
    ///     .opentelemetry_endpoint("http://collector:4317").build_config().unwrap();
    /// let plan = rizk_exporters::plan(&config).unwrap();
    /// assert_eq!(plan[0].otlp_settings().unwrap().protocol, OtlpProtocol::Grpc);
    /// ```
    pub fn otlp_settings(&self) -> Option<&OtlpSettings> {
        match &self.target {
            Target::Otlp { settings, .. } => Some(settings),
            _ => None,
        }
    }

    /// The feature of `rizk` this destination needs, and whether this build has it. The one
    /// rule by which [`Destination::add_to`] refuses a destination it cannot serve, so every
    /// exporter without its feature is refused the same way (`jaeger` included, although it
    /// sends OTLP that the `otlp` feature could carry: its propagator would be missing).
    ///
    /// ```
    /// use rizk_core::RizkBuilder;
    /// use rizk_core::config::TraceExporter;
    ///
    /// let config = rizk_exporters::register(RizkBuilder::new())
    ///     .app_name("svc")
    ///     .trace_exporter(TraceExporter::Jaeger)
    ///     .ignore_environment()
    ///     .build_config()
    ///     .unwrap();
    /// let plan = rizk_exporters::plan(&config).unwrap();
    /// assert_eq!(plan[0].required_feature(), ("jaeger", cfg!(feature = "jaeger")));
    /// ```
    pub fn required_feature(&self) -> (&'static str, bool) {
        match &self.target {
            Target::Otlp { name: "jaeger", .. } => ("jaeger", cfg!(feature = "jaeger")),
            Target::Otlp { .. } => ("otlp", cfg!(feature = "otlp")),
            Target::Zipkin(_) => ("zipkin", cfg!(feature = "zipkin")),
            Target::Datadog(_) => ("datadog", cfg!(feature = "datadog")),
            Target::Console(_) => ("", true),
        }
    }

    /// Builds the exporter and adds it to `set`, behind a queue of its own. Refuses, with the
    /// feature to enable, a destination this build has no exporter for
    /// ([`Destination::required_feature`]).
    ///
    /// ```
    /// use rizk_core::RizkBuilder;
    /// use rizk_core::export::ExporterSet;
    ///
    /// let config = rizk_exporters::register(RizkBuilder::new()).app_name("svc").opentelemetry_endpoint("http://collector:4318")
    ///     .ignore_environment().build_config().unwrap();
    /// let mut set = ExporterSet::new(config.export.clone());
    /// for destination in rizk_exporters::plan(&config).unwrap() {
    ///     destination.add_to(&mut set).unwrap(); // builds the exporter; sends nothing yet
    /// }
    /// assert!(set.names()[0].starts_with("otlp http://collector:4318"));
    /// ```
    pub fn add_to(&self, set: &mut ExporterSet) -> Result<()> {
        if !self.required_feature().1 {
            return Err(self.missing_feature());
        }
        match &self.target {
            #[cfg(feature = "otlp")]
            Target::Otlp { name, settings } => {
                set.add_with(
                    self.description.clone(),
                    otlp_exporter(settings, name)?,
                    QueueOptions::network(DEFAULT_MAX_REQUEST_BYTES),
                );
            }
            #[cfg(feature = "zipkin")]
            Target::Zipkin(settings) => {
                set.add_with(
                    self.description.clone(),
                    zipkin_exporter(settings)?,
                    QueueOptions::network(DEFAULT_MAX_REQUEST_BYTES),
                );
            }
            #[cfg(feature = "datadog")]
            Target::Datadog(settings) => {
                set.add_with(
                    self.description.clone(),
                    datadog_exporter(settings)?,
                    QueueOptions::network(DEFAULT_MAX_REQUEST_BYTES),
                );
            }
            Target::Console(target) => {
                set.add(self.description.clone(), ConsoleExporter::new(*target));
            }
            // Only the kinds whose feature is off land here, and they were refused above.
            #[allow(unreachable_patterns)]
            _ => return Err(self.missing_feature()),
        }
        Ok(())
    }

    /// The refusal of a destination whose feature this build lacks.
    fn missing_feature(&self) -> RizkError {
        let (feature, _) = self.required_feature();
        let kind = self.kind();
        let url = match &self.target {
            Target::Otlp { settings, .. } => settings.url.to_string(),
            Target::Zipkin(settings) => settings.endpoint.to_string(),
            Target::Datadog(settings) => settings.agent_endpoint.to_string(),
            Target::Console(target) => format!("the console ({target:?})"),
        };
        RizkError::Exporter {
            exporter: kind.to_owned(),
            reason: format!(
                "spans are configured to go to {url}, but this build has no {kind} exporter; enable the `{feature}` feature of rizk (features = [\"{feature}\"])"
            ),
        }
    }
}

/// Makes `builder` export where the configuration says: adds the platform options (Jaeger,
/// Zipkin, Datadog and their variables, validated with the rest of the configuration) and
/// installs [`add_configured`] as the exporter factory. `rizk::Rizk::builder()` calls it.
///
/// ```
/// use rizk_core::config::TraceExporter;
///
/// let config = rizk_exporters::register(rizk_core::RizkBuilder::new())
///     .app_name("svc")
///     .trace_exporter(TraceExporter::Zipkin)
///     .ignore_environment()
///     .build_config()
///     .unwrap();
/// assert_eq!(rizk_exporters::plan(&config).unwrap()[0].kind(), "zipkin");
/// ```
pub fn register(builder: RizkBuilder) -> RizkBuilder {
    builder
        .register_options::<options::PlatformInput>()
        .register_options::<metrics::MetricsInput>()
        .exporter_factory(Box::new(add_configured))
        .meter_factory(Box::new(add_metrics_reader))
}

/// The validated platform options of `config`, when [`register`] (or one of the
/// [`ExporterBuilderExt`] setters) added them.
///
/// ```
/// let config = rizk_exporters::register(rizk_core::RizkBuilder::new()).app_name("svc")
///     .ignore_environment().build_config().unwrap();
/// assert!(rizk_exporters::options(&config).unwrap().zipkin_endpoint.is_none());
/// ```
pub fn options(config: &Config) -> Option<&PlatformOptions> {
    config.group::<PlatformOptions>()
}

/// Adds the exporters `config` asks for to `set`: the facade's
/// [`ExporterFactory`](rizk_core::install::ExporterFactory).
///
/// ```
/// use rizk_core::RizkBuilder;
/// use rizk_core::export::ExporterSet;
///
/// let config = rizk_exporters::register(RizkBuilder::new()).app_name("svc").ignore_environment().build_config().unwrap();
/// let mut set = ExporterSet::new(config.export.clone());
/// rizk_exporters::add_configured(&config, &mut set).unwrap();
/// assert!(set.names().is_empty()); // nothing but the console, which core adds itself
/// ```
pub fn add_configured(config: &Config, set: &mut ExporterSet) -> Result<()> {
    for destination in &plan(config)? {
        destination.add_to(set)?;
    }
    Ok(())
}

/// The destinations `config` selects, in the order [`add_configured`] adds them, with every check
/// that needs several options at once. Builds nothing and opens no connection.
///
/// - `api_key` set: the Rizk dashboard (OTLP/HTTP to `dashboard_url` + `/v1/traces`,
///   `Authorization: Bearer <key>`), in addition to everything else.
/// - `trace_exporter` unset: OTLP when `opentelemetry_endpoint` (or
///   `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set; the console is core's default otherwise.
/// - `trace_exporter` set: exactly those (`console` is added here unless core already shows
///   it).
///
/// ```
/// let config = rizk_exporters::register(rizk_core::RizkBuilder::new()).app_name("svc").ignore_environment()
///     .opentelemetry_endpoint("http://collector:4318").api_key("rk_live_key")
///     .build_config().unwrap();
/// let kinds: Vec<_> = rizk_exporters::plan(&config).unwrap().iter().map(|d| d.kind()).collect();
/// assert_eq!(kinds, ["rizk-dashboard", "otlp"]);
/// ```
///
/// The plan is made once, when the configuration is validated (so `build_config` reports its
/// errors); this returns it. Without the platform options registered ([`register`]) it is an
/// error saying so.
pub fn plan(config: &Config) -> Result<Vec<Destination>> {
    options(config)
        .map(|o| o.destinations.clone())
        .ok_or_else(|| RizkError::Exporter {
            exporter: "rizk-exporters".into(),
            reason: "the exporter options are not registered with this builder; start from rizk::Rizk::builder() or call rizk_exporters::register(builder)".into(),
        })
}

#[cfg(test)]
mod tests;
