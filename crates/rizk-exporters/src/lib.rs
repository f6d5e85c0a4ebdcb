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

#[cfg(feature = "_http")]
use rizk_core::config::DEFAULT_MAX_REQUEST_BYTES;
use rizk_core::config::{Config, Source, TraceExporter};
#[cfg(feature = "_http")]
use rizk_core::export::QueueOptions;
use rizk_core::export::{ConsoleExporter, ExporterSet};
use rizk_core::{Result, RizkError};
use url::Url;

// Without a network exporter nothing retries.
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
#[cfg(feature = "zipkin")]
mod zipkin;

#[cfg(feature = "datadog")]
#[cfg_attr(docsrs, doc(cfg(feature = "datadog")))]
pub use datadog::{DatadogExporter, datadog_exporter};
#[cfg(feature = "jaeger")]
#[cfg_attr(docsrs, doc(cfg(feature = "jaeger")))]
#[allow(deprecated)]
pub use jaeger::jaeger_propagator;
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
/// let config = RizkBuilder::new().app_name("svc").trace_exporter(TraceExporter::Zipkin)
///     .ignore_environment().build_config().unwrap();
/// let plan = rizk_exporters::plan(&config).unwrap();
/// assert!(plan[0].description().contains(DEFAULT_ZIPKIN_ENDPOINT));
/// ```
pub const DEFAULT_ZIPKIN_ENDPOINT: &str = "http://localhost:9411/api/v2/spans";
/// Where the Datadog Agent listens when `datadog_agent_endpoint` is not set (core's, which
/// also reads `DD_AGENT_HOST` / `DD_TRACE_AGENT_PORT`).
pub use rizk_core::config::DEFAULT_DATADOG_AGENT;
/// The OTLP/HTTP endpoint used when `trace_exporter` selects OTLP but no endpoint is set (the
/// OpenTelemetry default).
///
/// ```
/// use rizk_core::RizkBuilder;
/// use rizk_core::config::TraceExporter;
/// use rizk_exporters::DEFAULT_OTLP_HTTP_ENDPOINT;
///
/// let config = RizkBuilder::new().app_name("svc").trace_exporter(TraceExporter::Otlp)
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
/// let config = RizkBuilder::new().app_name("svc").trace_exporter(TraceExporter::Otlp)
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
/// let config = RizkBuilder::new()
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
    /// let config = RizkBuilder::new().app_name("svc").trace_exporter(TraceExporter::Datadog)
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
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
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
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
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
    /// let config = RizkBuilder::new()
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
    /// let config = RizkBuilder::new().app_name("svc").opentelemetry_endpoint("http://collector:4318")
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

/// Adds the exporters `config` asks for to `set`: the facade's
/// [`ExporterFactory`](rizk_core::install::ExporterFactory).
///
/// ```
/// use rizk_core::RizkBuilder;
/// use rizk_core::export::ExporterSet;
///
/// let config = RizkBuilder::new().app_name("svc").ignore_environment().build_config().unwrap();
/// let mut set = ExporterSet::new(config.export.clone());
/// rizk_exporters::add_configured(&config, &mut set).unwrap();
/// assert!(set.names().is_empty()); // nothing but the console, which core adds itself
/// ```
pub fn add_configured(config: &Config, set: &mut ExporterSet) -> Result<()> {
    for destination in plan(config)? {
        destination.add_to(set)?;
    }
    Ok(())
}

fn invalid(
    field: &str,
    origin: Source,
    problem: impl Into<String>,
    fix: impl Into<String>,
) -> RizkError {
    RizkError::InvalidConfig {
        field: field.to_owned(),
        origin: origin.to_string(),
        problem: problem.into(),
        fix: fix.into(),
    }
}

/// Set in code or through a `RIZK_*` variable (not an ambient variable of another tool).
fn explicit(source: Source) -> bool {
    match source {
        Source::Builder => true,
        Source::Env(var) => var.starts_with("RIZK_"),
        _ => false,
    }
}

fn parse_const(url: &str) -> Url {
    Url::parse(url).expect("a default endpoint constant is a valid URL")
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
/// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
///     .opentelemetry_endpoint("http://collector:4318").api_key("rk_live_key")
///     .build_config().unwrap();
/// let kinds: Vec<_> = rizk_exporters::plan(&config).unwrap().iter().map(|d| d.kind()).collect();
/// assert_eq!(kinds, ["rizk-dashboard", "otlp"]);
/// ```
pub fn plan(config: &Config) -> Result<Vec<Destination>> {
    let options = &config.exporters;
    let timeout = options.otlp_timeout.value;
    let mut out = Vec::new();

    if let Some(key) = &config.api_key {
        let mut settings = OtlpSettings::dashboard(&options.dashboard_url.value, &key.value);
        settings.timeout = timeout;
        out.push(Destination {
            description: format!(
                "rizk-dashboard {} (OTLP http/protobuf, authorization: Bearer {})",
                settings.url,
                key.value.masked()
            ),
            target: Target::Otlp {
                name: "rizk-dashboard",
                settings,
            },
        });
    }

    // The user's OTLP endpoint: the per-signal URL as it is, else the base URL.
    let otlp_endpoint = options
        .otlp_traces_endpoint
        .as_ref()
        .map(|e| (e.value.clone(), e.source, true))
        .or_else(|| {
            config
                .opentelemetry_endpoint
                .as_ref()
                .map(|e| (e.value.clone(), e.source, false))
        });

    let (list, list_source) = match &options.trace_exporter {
        Some(list) => (list.value.clone(), list.source),
        None if otlp_endpoint.is_some() => (vec![TraceExporter::Otlp], Source::Derived),
        None => (Vec::new(), Source::Default),
    };
    check_unselected(config, &list)?;

    let otlp_kinds = list.iter().filter(|k| k.is_otlp()).count();
    if otlp_kinds > 1 && otlp_endpoint.is_some() && options.jaeger_agent_host.is_none() {
        return Err(invalid(
            "trace_exporter",
            list_source,
            "otlp and jaeger would both send OTLP to the same endpoint",
            "select one of them (jaeger = otlp plus Jaeger's propagation)",
        ));
    }
    let mut endpoint_used = false;

    for kind in &list {
        match kind {
            TraceExporter::Otlp | TraceExporter::Jaeger => {
                let jaeger = *kind == TraceExporter::Jaeger;
                let (mut settings, note) = if jaeger {
                    let resolved = jaeger_endpoint(config, otlp_endpoint.as_ref())?;
                    endpoint_used |= resolved.2;
                    (resolved.0, resolved.1)
                } else {
                    endpoint_used = true;
                    let settings = match &otlp_endpoint {
                        Some((url, _, true)) => OtlpSettings::for_traces_url(
                            url,
                            options.otlp_protocol.as_ref().map(|p| p.value),
                        ),
                        Some((url, _, false)) => {
                            OtlpSettings::new(url, options.otlp_protocol.as_ref().map(|p| p.value))
                        }
                        None => default_otlp(config),
                    };
                    let note = otlp_endpoint
                        .is_none()
                        .then(|| "default endpoint".to_owned());
                    (settings, note)
                };
                settings.headers = user_headers(config);
                settings.compression = options.otlp_compression.value;
                settings.timeout = timeout;
                settings.ca_certificate =
                    options.otlp_certificate.as_ref().map(|p| p.value.clone());
                if jaeger {
                    settings.service_name = options
                        .jaeger_service_name
                        .as_ref()
                        .map(|s| s.value.clone());
                }
                let name = if jaeger { "jaeger" } else { "otlp" };
                let mut description = format!("{name} {} ({}", settings.url, settings.summary());
                if let Some(note) = note {
                    description.push_str("; ");
                    description.push_str(&note);
                }
                description.push(')');
                out.push(Destination {
                    description,
                    target: Target::Otlp { name, settings },
                });
            }
            TraceExporter::Zipkin => {
                let (url, used) = platform_endpoint(
                    options.zipkin_endpoint.as_ref().map(|u| &u.value),
                    otlp_endpoint.as_ref(),
                    otlp_kinds == 0,
                    DEFAULT_ZIPKIN_ENDPOINT,
                );
                endpoint_used |= used;
                let service = options
                    .zipkin_service_name
                    .as_ref()
                    .map_or_else(|| config.app_name.value.clone(), |s| s.value.clone());
                let mut settings = ZipkinSettings::new(&url, service);
                settings.timeout = timeout;
                out.push(Destination {
                    description: format!(
                        "zipkin {} (JSON v2, service {:?}, timeout {:?})",
                        settings.endpoint, settings.service_name, settings.timeout
                    ),
                    target: Target::Zipkin(settings),
                });
            }
            TraceExporter::Datadog => {
                let (url, used) = platform_endpoint(
                    options.datadog_agent_endpoint.as_ref().map(|u| &u.value),
                    otlp_endpoint.as_ref(),
                    otlp_kinds == 0,
                    DEFAULT_DATADOG_AGENT,
                );
                endpoint_used |= used;
                check_datadog_agent(&url, config)?;
                let service = options
                    .datadog_service
                    .as_ref()
                    .map_or_else(|| config.app_name.value.clone(), |s| s.value.clone());
                let mut settings = DatadogSettings::new(&url, service);
                settings.env = options.datadog_env.as_ref().map(|e| e.value.clone());
                settings.timeout = timeout;
                let env = settings
                    .env
                    .as_ref()
                    .map(|e| format!(", env {e:?}"))
                    .unwrap_or_default();
                out.push(Destination {
                    description: format!(
                        "datadog {} (agent API v0.5, service {:?}{env}, timeout {:?})",
                        settings.traces_url(),
                        settings.service,
                        settings.timeout
                    ),
                    target: Target::Datadog(settings),
                });
            }
            TraceExporter::Console if !config.console_exporter.value => {
                if explicit(config.console_exporter.source) {
                    return Err(invalid(
                        "console_exporter",
                        config.console_exporter.source,
                        "it is false, but trace_exporter selects console",
                        "remove console from trace_exporter, or turn console_exporter on",
                    ));
                }
                let target = config.console_target.value;
                out.push(Destination {
                    description: format!("console {target:?} (trace_exporter)"),
                    target: Target::Console(target),
                });
            }
            // `None` and any kind a later core adds: nothing to build here.
            _ => {}
        }
    }

    if let Some((url, source, _)) = &otlp_endpoint
        && !endpoint_used
        && !list.contains(&TraceExporter::None)
        && explicit(*source)
    {
        let selected: Vec<&str> = list.iter().map(|k| k.as_str()).collect();
        return Err(invalid(
            "opentelemetry_endpoint",
            *source,
            format!(
                "{url} is not used by trace_exporter {}",
                if selected.is_empty() {
                    "(none selected)".to_owned()
                } else {
                    selected.join(",")
                }
            ),
            "add otlp to trace_exporter to also send OTLP there, or remove opentelemetry_endpoint",
        ));
    }
    Ok(out)
}

/// The user's OTLP headers: the builder's or `RIZK_OTLP_HEADERS` first, then
/// `OTEL_EXPORTER_OTLP_TRACES_HEADERS`, then `OTEL_EXPORTER_OTLP_HEADERS`.
fn user_headers(config: &Config) -> Vec<(String, rizk_core::Secret)> {
    let general = &config.otlp_headers;
    match &config.exporters.otlp_traces_headers {
        Some(traces) if !explicit(general.source) => traces.value.clone(),
        _ => general.value.clone(),
    }
}

fn default_otlp(config: &Config) -> OtlpSettings {
    let protocol = config.exporters.otlp_protocol.as_ref().map(|p| p.value);
    let url = match protocol {
        Some(rizk_core::config::OtlpProtocol::Grpc) => parse_const(DEFAULT_OTLP_GRPC_ENDPOINT),
        _ => parse_const(DEFAULT_OTLP_HTTP_ENDPOINT),
    };
    OtlpSettings::new(&url, protocol)
}

/// A platform's own endpoint, else the OTLP endpoint when nothing OTLP uses it (the spec's
/// examples put the Zipkin URL in `opentelemetry_endpoint`), else the default.
fn platform_endpoint(
    own: Option<&Url>,
    otlp_endpoint: Option<&(Url, Source, bool)>,
    endpoint_free: bool,
    default: &str,
) -> (Url, bool) {
    if let Some(url) = own {
        let used = otlp_endpoint.is_some_and(|(e, _, _)| e == url);
        return (url.clone(), used);
    }
    match otlp_endpoint {
        Some((url, _, _)) if endpoint_free => (url.clone(), true),
        _ => (parse_const(default), false),
    }
}

/// Jaeger over OTLP: where, and how the old settings were mapped. Returns (settings, note,
/// whether the OTLP endpoint was used).
fn jaeger_endpoint(
    config: &Config,
    otlp_endpoint: Option<&(Url, Source, bool)>,
) -> Result<(OtlpSettings, Option<String>, bool)> {
    let options = &config.exporters;
    let protocol = options.otlp_protocol.as_ref().map(|p| p.value);
    if let Some((url, source, as_is)) = otlp_endpoint {
        if let Some(host) = &options.jaeger_agent_host {
            return Err(invalid(
                "jaeger_agent_host",
                host.source,
                format!(
                    "it is set together with an OTLP endpoint ({url}, {source}); rizk sends to Jaeger over OTLP only, so there is no agent to talk to"
                ),
                "remove jaeger_agent_host and jaeger_agent_port (spans go to the endpoint)",
            ));
        }
        let thrift = url.port() == Some(14268) || url.path().ends_with("/api/traces");
        if thrift {
            let mut mapped = url.clone();
            let _ = mapped.set_port(Some(4318));
            mapped.set_path("/v1/traces");
            return Ok((
                OtlpSettings::for_traces_url(
                    &mapped,
                    Some(rizk_core::config::OtlpProtocol::HttpProtobuf),
                ),
                Some(format!(
                    "mapped from Jaeger's Thrift endpoint {url}: Jaeger receives OTLP/HTTP on port 4318"
                )),
                true,
            ));
        }
        if url.port() == Some(14250) {
            let mut mapped = url.clone();
            let _ = mapped.set_port(Some(4317));
            mapped.set_path("/");
            return Ok((
                OtlpSettings::new(&mapped, Some(rizk_core::config::OtlpProtocol::Grpc)),
                Some(format!(
                    "mapped from Jaeger's model.proto gRPC endpoint {url}: Jaeger receives OTLP/gRPC on port 4317"
                )),
                true,
            ));
        }
        let settings = if *as_is {
            OtlpSettings::for_traces_url(url, protocol)
        } else {
            OtlpSettings::new(url, protocol)
        };
        return Ok((settings, None, true));
    }
    if let Some(host) = &options.jaeger_agent_host {
        let port = options.jaeger_agent_port.as_ref().map_or(6831, |p| p.value);
        let url = Url::parse(&format!("http://{}:4318", host.value)).map_err(|e| {
            invalid(
                "jaeger_agent_host",
                host.source,
                format!("{:?} does not make a URL: {e}", host.value),
                "give a host name such as jaeger-agent",
            )
        })?;
        return Ok((
            OtlpSettings::new(&url, Some(rizk_core::config::OtlpProtocol::HttpProtobuf)),
            Some(format!(
                "mapped from jaeger_agent_host {}:{port}: Jaeger receives OTLP/HTTP on port 4318",
                host.value
            )),
            false,
        ));
    }
    Ok((
        default_otlp(config),
        Some("default endpoint".to_owned()),
        false,
    ))
}

/// Refuses Datadog's intake (it needs an API key and a different API): the exporter talks to
/// an agent.
fn check_datadog_agent(url: &Url, config: &Config) -> Result<()> {
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    let intake = [
        "datadoghq.com",
        "datadoghq.eu",
        "ddog-gov.com",
        "datad0g.com",
    ]
    .iter()
    .any(|d| host == *d || host.ends_with(&format!(".{d}")));
    if intake {
        let source = config
            .exporters
            .datadog_agent_endpoint
            .as_ref()
            .map(|e| e.source)
            .or_else(|| config.opentelemetry_endpoint.as_ref().map(|e| e.source))
            .unwrap_or(Source::Default);
        return Err(invalid(
            "datadog_agent_endpoint",
            source,
            format!(
                "{url} is Datadog's intake, not a Datadog Agent; the Datadog exporter sends to an agent, which holds the API key"
            ),
            "run a Datadog Agent and set datadog_agent_endpoint to it (default http://localhost:8126); or send OTLP straight to Datadog with trace_exporter otlp, its OTLP intake URL and otlp_header(\"dd-api-key\", ...)",
        ));
    }
    Ok(())
}

/// Platform options set explicitly for an exporter that is not selected would be ignored:
/// refuse them with the fix.
fn check_unselected(config: &Config, list: &[TraceExporter]) -> Result<()> {
    let o = &config.exporters;
    // Each option: where it was set (`None` when it was not), and the exporter it belongs to.
    fn row<T>(
        name: &'static str,
        option: &Option<rizk_core::config::Sourced<T>>,
        exporter: TraceExporter,
    ) -> (&'static str, Option<Source>, TraceExporter) {
        (name, option.as_ref().map(|s| s.source), exporter)
    }
    use TraceExporter::{Datadog, Jaeger, Zipkin};
    let checks = [
        row("zipkin_endpoint", &o.zipkin_endpoint, Zipkin),
        row("zipkin_service_name", &o.zipkin_service_name, Zipkin),
        row("datadog_agent_endpoint", &o.datadog_agent_endpoint, Datadog),
        row("datadog_service", &o.datadog_service, Datadog),
        row("datadog_env", &o.datadog_env, Datadog),
        row("jaeger_agent_host", &o.jaeger_agent_host, Jaeger),
        row("jaeger_agent_port", &o.jaeger_agent_port, Jaeger),
        row("jaeger_service_name", &o.jaeger_service_name, Jaeger),
    ];
    for (field, source, needs) in checks {
        let Some(source) = source else { continue };
        if explicit(source) && !list.contains(&needs) {
            return Err(invalid(
                field,
                source,
                format!("it is set, but trace_exporter does not include {needs}"),
                format!(
                    "add {needs} to trace_exporter (.trace_exporter(TraceExporter::{needs:?}) or RIZK_TRACE_EXPORTER={needs}), or remove {field}"
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
