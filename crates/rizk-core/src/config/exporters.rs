//! Options for exporter selection and the OTLP settings every OTLP destination shares (the
//! Rizk dashboard included): the `RIZK_*` variables they read ([`ENV_VARS`]) and their
//! validation ([`resolve`]).
//!
//! The settings of one platform (Jaeger, Zipkin, Datadog) are not here: they belong to the
//! crate that exports there (`rizk-exporters`), which registers them as an
//! [`OptionGroup`](super::OptionGroup) and checks them against these.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use url::Url;

use super::Setting;
use super::parse::parse_headers;
use super::read::{option, text, url_option};
use super::{EnvSource, Source, Sourced};
use crate::error::{Result, RizkError};
use crate::secret::Secret;

/// The `RIZK_*` variables these options read.
pub(super) const ENV_VARS: &[&str] = &[
    "RIZK_TRACE_EXPORTER",
    "RIZK_OTLP_PROTOCOL",
    "RIZK_OTLP_COMPRESSION",
    "RIZK_OTLP_TIMEOUT_MS",
    "RIZK_OTLP_CERTIFICATE",
    "RIZK_DASHBOARD_URL",
];

/// Where the Rizk dashboard receives spans when `api_key` is set (OTLP/HTTP, `/v1/traces` is
/// appended). Override it with `dashboard_url` / `RIZK_DASHBOARD_URL` for a self-hosted
/// dashboard.
///
/// ```
/// use rizk_core::config::DEFAULT_DASHBOARD_URL;
///
/// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
///     .build_config().unwrap();
/// assert_eq!(config.exporters.dashboard_url.value.as_str().trim_end_matches('/'), DEFAULT_DASHBOARD_URL);
/// ```
pub const DEFAULT_DASHBOARD_URL: &str = "https://api.rizk.tools";

/// The export timeout when none is configured (the OpenTelemetry default).
///
/// ```
/// use rizk_core::config::DEFAULT_OTLP_TIMEOUT;
///
/// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
///     .build_config().unwrap();
/// assert_eq!(config.exporters.otlp_timeout.value, DEFAULT_OTLP_TIMEOUT);
/// ```
pub const DEFAULT_OTLP_TIMEOUT: Duration = Duration::from_secs(10);

/// A destination `trace_exporter` can select (`OTEL_TRACES_EXPORTER` uses the same names).
///
/// ```
/// use rizk_core::config::TraceExporter;
///
/// assert_eq!("zipkin".parse::<TraceExporter>().unwrap(), TraceExporter::Zipkin);
/// assert_eq!(TraceExporter::parse_list("console, otlp").unwrap(),
///            [TraceExporter::Console, TraceExporter::Otlp]);
/// assert!("jaegr".parse::<TraceExporter>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TraceExporter {
    /// OTLP (gRPC or HTTP/protobuf) to `opentelemetry_endpoint`: any OpenTelemetry Collector,
    /// Phoenix, New Relic, Grafana, Honeycomb, Datadog's OTLP intake.
    Otlp,
    /// OTLP to Jaeger (which ingests OTLP natively), with Jaeger's `uber-trace-id` propagation
    /// available. The old agent settings map to an OTLP endpoint or are refused.
    Jaeger,
    /// Zipkin v2 JSON to `zipkin_endpoint`.
    Zipkin,
    /// Datadog's trace API (v0.5) to a Datadog Agent.
    Datadog,
    /// The console trace view.
    Console,
    /// No exporter from the selection (the dashboard still receives spans when `api_key` is
    /// set). Cannot be combined with the others.
    None,
}

impl TraceExporter {
    /// Every value, in the order the docs list them.
    ///
    /// ```
    /// use rizk_core::config::TraceExporter;
    ///
    /// let names: Vec<_> = TraceExporter::ALL.iter().map(|e| e.as_str()).collect();
    /// assert_eq!(names, ["otlp", "jaeger", "zipkin", "datadog", "console", "none"]);
    /// ```
    pub const ALL: [TraceExporter; 6] = [
        TraceExporter::Otlp,
        TraceExporter::Jaeger,
        TraceExporter::Zipkin,
        TraceExporter::Datadog,
        TraceExporter::Console,
        TraceExporter::None,
    ];

    /// The name used in configuration (`otlp`, `jaeger`, ...).
    ///
    /// ```
    /// use rizk_core::config::TraceExporter;
    ///
    /// assert_eq!(TraceExporter::Zipkin.as_str(), "zipkin");
    /// assert_eq!("logging".parse::<TraceExporter>().unwrap().as_str(), "console");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            TraceExporter::Otlp => "otlp",
            TraceExporter::Jaeger => "jaeger",
            TraceExporter::Zipkin => "zipkin",
            TraceExporter::Datadog => "datadog",
            TraceExporter::Console => "console",
            TraceExporter::None => "none",
        }
    }

    /// Parses a comma-separated list (`otlp,console`), dropping repeats. `none` must stand
    /// alone.
    ///
    /// ```
    /// use rizk_core::config::TraceExporter;
    ///
    /// let list = TraceExporter::parse_list("otlp, console, otlp").unwrap();
    /// assert_eq!(list, [TraceExporter::Otlp, TraceExporter::Console]);
    /// assert!(TraceExporter::parse_list("none,otlp").is_err());
    /// ```
    pub fn parse_list(s: &str) -> std::result::Result<Vec<TraceExporter>, String> {
        let mut list = Vec::new();
        for item in s.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let kind: TraceExporter = item.parse()?;
            if !list.contains(&kind) {
                list.push(kind);
            }
        }
        if list.is_empty() {
            return Err("the list is empty".into());
        }
        if list.len() > 1 && list.contains(&TraceExporter::None) {
            return Err("\"none\" cannot be combined with other exporters".into());
        }
        Ok(list)
    }

    /// Whether this destination sends OTLP (and so uses `opentelemetry_endpoint`).
    ///
    /// ```
    /// use rizk_core::config::TraceExporter;
    ///
    /// assert!(TraceExporter::Jaeger.is_otlp());
    /// assert!(!TraceExporter::Zipkin.is_otlp());
    /// ```
    pub fn is_otlp(self) -> bool {
        matches!(self, TraceExporter::Otlp | TraceExporter::Jaeger)
    }
}

impl fmt::Display for TraceExporter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TraceExporter {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "otlp" => Ok(TraceExporter::Otlp),
            "jaeger" => Ok(TraceExporter::Jaeger),
            "zipkin" => Ok(TraceExporter::Zipkin),
            "datadog" => Ok(TraceExporter::Datadog),
            "console" | "logging" | "stdout" => Ok(TraceExporter::Console),
            "none" => Ok(TraceExporter::None),
            other => Err(format!("{other:?} is not an exporter")),
        }
    }
}

/// The wire protocol of OTLP export (`OTEL_EXPORTER_OTLP_PROTOCOL`).
///
/// When none is configured it follows the endpoint's port: `4317` (the OTLP/gRPC port) means
/// gRPC, anything else HTTP/protobuf.
///
/// ```
/// use rizk_core::config::OtlpProtocol;
///
/// assert_eq!("grpc".parse::<OtlpProtocol>().unwrap(), OtlpProtocol::Grpc);
/// assert_eq!(OtlpProtocol::default_for_port(Some(4317)), OtlpProtocol::Grpc);
/// assert_eq!(OtlpProtocol::default_for_port(Some(4318)), OtlpProtocol::HttpProtobuf);
/// assert_eq!(OtlpProtocol::HttpProtobuf.to_string(), "http/protobuf");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OtlpProtocol {
    /// OTLP/gRPC (feature `otlp-grpc`), usually port 4317.
    Grpc,
    /// OTLP/HTTP with protobuf bodies, usually port 4318.
    HttpProtobuf,
}

impl OtlpProtocol {
    /// The protocol used when none is configured: gRPC for port 4317, else HTTP/protobuf.
    ///
    /// ```
    /// use rizk_core::config::OtlpProtocol;
    ///
    /// assert_eq!(OtlpProtocol::default_for_port(Some(4317)), OtlpProtocol::Grpc);
    /// assert_eq!(OtlpProtocol::default_for_port(None), OtlpProtocol::HttpProtobuf);
    /// ```
    pub fn default_for_port(port: Option<u16>) -> OtlpProtocol {
        if port == Some(4317) {
            OtlpProtocol::Grpc
        } else {
            OtlpProtocol::HttpProtobuf
        }
    }
}

impl fmt::Display for OtlpProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OtlpProtocol::Grpc => "grpc",
            OtlpProtocol::HttpProtobuf => "http/protobuf",
        })
    }
}

impl FromStr for OtlpProtocol {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "grpc" => Ok(OtlpProtocol::Grpc),
            "http/protobuf" | "http" => Ok(OtlpProtocol::HttpProtobuf),
            "http/json" => Err("\"http/json\" is not supported".into()),
            other => Err(format!("{other:?} is not an OTLP protocol")),
        }
    }
}

/// Compression of OTLP request bodies (`OTEL_EXPORTER_OTLP_COMPRESSION`).
///
/// ```
/// use rizk_core::config::OtlpCompression;
/// assert_eq!("gzip".parse::<OtlpCompression>().unwrap(), OtlpCompression::Gzip);
/// assert!("zstd".parse::<OtlpCompression>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum OtlpCompression {
    /// Bodies are sent as they are (the default).
    #[default]
    None,
    /// gzip.
    Gzip,
}

impl fmt::Display for OtlpCompression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OtlpCompression::None => "none",
            OtlpCompression::Gzip => "gzip",
        })
    }
}

impl FromStr for OtlpCompression {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" => Ok(OtlpCompression::None),
            "gzip" => Ok(OtlpCompression::Gzip),
            other => Err(format!("{other:?} is not a supported compression")),
        }
    }
}

/// What the builder was given for these options.
#[derive(Debug, Clone, Default)]
pub(crate) struct ExporterInput {
    pub(crate) trace_exporter: Vec<TraceExporter>,
    pub(crate) otlp_protocol: Option<OtlpProtocol>,
    pub(crate) otlp_compression: Option<OtlpCompression>,
    pub(crate) otlp_timeout: Option<Duration>,
    pub(crate) otlp_certificate: Option<PathBuf>,
    pub(crate) dashboard_url: Option<String>,
}

/// The validated exporter options: which destinations, and how each is reached.
///
/// ```
/// use rizk_core::config::{OtlpCompression, TraceExporter};
///
/// let config = rizk_core::RizkBuilder::new()
///     .app_name("svc")
///     .trace_exporter(TraceExporter::Zipkin)
///     .ignore_environment()
///     .build_config()
///     .unwrap();
/// let exporters = &config.exporters;
/// assert!(exporters.selects(TraceExporter::Zipkin));
/// assert_eq!(exporters.otlp_compression.value, OtlpCompression::None);
/// assert_eq!(exporters.dashboard_url.value.as_str(), "https://api.rizk.tools/");
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ExporterOptions {
    /// The destinations chosen with `trace_exporter` / `RIZK_TRACE_EXPORTER` /
    /// `OTEL_TRACES_EXPORTER`. `None`: derived (OTLP when an endpoint is set).
    pub trace_exporter: Option<Sourced<Vec<TraceExporter>>>,
    /// The OTLP protocol, if configured; otherwise it follows the endpoint's port.
    pub otlp_protocol: Option<Sourced<OtlpProtocol>>,
    /// Compression of OTLP bodies to your endpoint.
    pub otlp_compression: Sourced<OtlpCompression>,
    /// Bound on one export request (connect, send and answer), for every exporter.
    pub otlp_timeout: Sourced<Duration>,
    /// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`: the full traces URL, used as it is (nothing is
    /// appended); wins over `opentelemetry_endpoint` for OTLP.
    pub otlp_traces_endpoint: Option<Sourced<Url>>,
    /// `OTEL_EXPORTER_OTLP_TRACES_HEADERS`: used instead of `OTEL_EXPORTER_OTLP_HEADERS` when
    /// no header was set on the builder or in `RIZK_OTLP_HEADERS`.
    pub otlp_traces_headers: Option<Sourced<Vec<(String, Secret)>>>,
    /// A PEM file of CA certificates trusted for `https` OTLP endpoints, in addition to the
    /// system's roots.
    pub otlp_certificate: Option<Sourced<PathBuf>>,
    /// Base URL of the Rizk dashboard (spans go to `<url>/v1/traces` when `api_key` is set).
    pub dashboard_url: Sourced<Url>,
}

impl Default for ExporterOptions {
    fn default() -> Self {
        ExporterOptions {
            trace_exporter: None,
            otlp_protocol: None,
            otlp_compression: Sourced::new(OtlpCompression::None, Source::Default),
            otlp_timeout: Sourced::new(DEFAULT_OTLP_TIMEOUT, Source::Default),
            otlp_traces_endpoint: None,
            otlp_traces_headers: None,
            otlp_certificate: None,
            dashboard_url: Sourced::new(default_dashboard_url(), Source::Default),
        }
    }
}

fn default_dashboard_url() -> Url {
    Url::parse(DEFAULT_DASHBOARD_URL).expect("the default dashboard URL is a valid URL")
}

impl ExporterOptions {
    /// Whether `trace_exporter` names `kind` explicitly.
    ///
    /// ```
    /// use rizk_core::config::TraceExporter;
    ///
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .trace_exporter(TraceExporter::Zipkin).build_config().unwrap();
    /// assert!(config.exporters.selects(TraceExporter::Zipkin));
    /// assert!(!config.exporters.selects(TraceExporter::Otlp));
    /// ```
    pub fn selects(&self, kind: TraceExporter) -> bool {
        self.trace_exporter
            .as_ref()
            .is_some_and(|list| list.value.contains(&kind))
    }

    /// Whether a remote destination other than the dashboard is configured by these options
    /// alone (an explicit remote exporter, or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`). The
    /// console's default ("on when nothing else is configured") should take this into account.
    ///
    /// ```
    /// use rizk_core::config::TraceExporter;
    ///
    /// let builder = || rizk_core::RizkBuilder::new().app_name("svc").ignore_environment();
    /// let zipkin = builder().trace_exporter(TraceExporter::Zipkin).build_config().unwrap();
    /// assert!(zipkin.exporters.configures_remote());
    /// assert!(!builder().build_config().unwrap().exporters.configures_remote());
    /// ```
    pub fn configures_remote(&self) -> bool {
        let remote = self.trace_exporter.as_ref().is_some_and(|list| {
            list.value
                .iter()
                .any(|k| !matches!(k, TraceExporter::Console | TraceExporter::None))
        });
        remote || self.otlp_traces_endpoint.is_some()
    }

    /// These options as lines of `get_trace_config()`: value (secrets masked) and source.
    ///
    /// ```
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .build_config().unwrap();
    /// let settings = config.exporters.settings();
    /// assert!(settings.iter().any(|s| s.name == "trace_exporter"));
    /// ```
    pub fn settings(&self) -> Vec<Setting> {
        fn opt<T: fmt::Display>(name: &'static str, v: &Option<Sourced<T>>) -> Setting {
            Setting::or_absent(name, v.as_ref(), ToString::to_string, "unset")
        }
        let mut out = Vec::new();
        out.push(match &self.trace_exporter {
            Some(list) => Setting::new(
                "trace_exporter",
                list.value
                    .iter()
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
                list.source,
            ),
            None => Setting::new(
                "trace_exporter",
                "derived (otlp when an endpoint is set)".into(),
                Source::Default,
            ),
        });
        out.push(match &self.otlp_protocol {
            Some(p) => Setting::new("otlp_protocol", p.value.to_string(), p.source),
            None => Setting::new(
                "otlp_protocol",
                "from the endpoint's port (4317: grpc, else http/protobuf)".into(),
                Source::Default,
            ),
        });
        out.push(Setting::new(
            "otlp_compression",
            self.otlp_compression.value.to_string(),
            self.otlp_compression.source,
        ));
        out.push(Setting::new(
            "otlp_timeout",
            format!("{:?}", self.otlp_timeout.value),
            self.otlp_timeout.source,
        ));
        if self.otlp_traces_endpoint.is_some() {
            out.push(opt("otlp_traces_endpoint", &self.otlp_traces_endpoint));
        }
        if let Some(headers) = &self.otlp_traces_headers {
            let names: Vec<String> = headers
                .value
                .iter()
                .map(|(n, _)| format!("{n}=***"))
                .collect();
            out.push(Setting::new(
                "otlp_traces_headers",
                names.join(","),
                headers.source,
            ));
        }
        if let Some(path) = &self.otlp_certificate {
            out.push(Setting::new(
                "otlp_certificate",
                path.value.display().to_string(),
                path.source,
            ));
        }
        out.push(Setting::new(
            "dashboard_url",
            self.dashboard_url.value.to_string(),
            self.dashboard_url.source,
        ));
        out
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

pub(super) fn resolve(input: &ExporterInput, env: &dyn EnvSource) -> Result<ExporterOptions> {
    let builder_list = (!input.trace_exporter.is_empty()).then(|| input.trace_exporter.clone());
    if let Some(list) = &builder_list
        && list.len() > 1
        && list.contains(&TraceExporter::None)
    {
        return Err(RizkError::invalid(
            "trace_exporter",
            Source::Builder,
            "TraceExporter::None is combined with other exporters",
            "select None alone (no export), or only the exporters you want",
        ));
    }
    let trace_exporter = option(
        "trace_exporter",
        builder_list,
        env,
        &["RIZK_TRACE_EXPORTER", "OTEL_TRACES_EXPORTER"],
        |s| {
            TraceExporter::parse_list(s).map_err(|problem| {
                (
                    problem,
                    "use a comma-separated list of otlp, jaeger, zipkin, datadog, console, or none alone"
                        .to_owned(),
                )
            })
        },
    )?;

    let otlp_protocol = option(
        "otlp_protocol",
        input.otlp_protocol,
        env,
        &[
            "RIZK_OTLP_PROTOCOL",
            "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
            "OTEL_EXPORTER_OTLP_PROTOCOL",
        ],
        |s| {
            s.parse::<OtlpProtocol>()
                .map_err(|problem| (problem, "use grpc or http/protobuf".to_owned()))
        },
    )?;

    let otlp_compression = option(
        "otlp_compression",
        input.otlp_compression,
        env,
        &[
            "RIZK_OTLP_COMPRESSION",
            "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
            "OTEL_EXPORTER_OTLP_COMPRESSION",
        ],
        |s| {
            s.parse::<OtlpCompression>()
                .map_err(|problem| (problem, "use gzip or none".to_owned()))
        },
    )?
    .unwrap_or(Sourced::new(OtlpCompression::None, Source::Default));

    let otlp_timeout = option(
        "otlp_timeout",
        input.otlp_timeout,
        env,
        &[
            "RIZK_OTLP_TIMEOUT_MS",
            "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
            "OTEL_EXPORTER_OTLP_TIMEOUT",
        ],
        |s| match s.parse::<u64>() {
            Ok(ms) if ms > 0 => Ok(Duration::from_millis(ms)),
            _ => Err((
                format!("{s:?} is not a positive whole number of milliseconds"),
                "use a number such as 10000".to_owned(),
            )),
        },
    )?
    .unwrap_or(Sourced::new(DEFAULT_OTLP_TIMEOUT, Source::Default));
    if otlp_timeout.value.is_zero() {
        return Err(RizkError::invalid(
            "otlp_timeout",
            otlp_timeout.source,
            "it is zero",
            "use a timeout such as 10 s",
        ));
    }

    let otlp_traces_endpoint = url_option(
        "otlp_traces_endpoint",
        None,
        env,
        &["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"],
    )?;

    let otlp_traces_headers = option(
        "otlp_headers",
        None,
        env,
        &["OTEL_EXPORTER_OTLP_TRACES_HEADERS"],
        text,
    )?
    .map(|raw| parse_headers(&raw.value, raw.source).map(|h| Sourced::new(h, raw.source)))
    .transpose()?;

    let otlp_certificate = option(
        "otlp_certificate",
        input.otlp_certificate.clone(),
        env,
        &[
            "RIZK_OTLP_CERTIFICATE",
            "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE",
            "OTEL_EXPORTER_OTLP_CERTIFICATE",
        ],
        |s| Ok(PathBuf::from(s)),
    )?;

    let dashboard_url = url_option(
        "dashboard_url",
        input.dashboard_url.clone(),
        env,
        &["RIZK_DASHBOARD_URL"],
    )?
    .unwrap_or(Sourced::new(default_dashboard_url(), Source::Default));
    if dashboard_url.value.scheme() == "http" && !is_loopback(&dashboard_url.value) {
        return Err(RizkError::invalid(
            "dashboard_url",
            dashboard_url.source,
            format!("{} would send the API key unencrypted", dashboard_url.value),
            "use an https:// URL (plain http is accepted only for localhost and 127.0.0.1)",
        ));
    }

    Ok(ExporterOptions {
        trace_exporter,
        otlp_protocol,
        otlp_compression,
        otlp_timeout,
        otlp_traces_endpoint,
        otlp_traces_headers,
        otlp_certificate,
        dashboard_url,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn env(vars: &[(&str, &str)]) -> BTreeMap<String, String> {
        vars.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn resolve_env(vars: &[(&str, &str)]) -> Result<ExporterOptions> {
        resolve(&ExporterInput::default(), &env(vars))
    }

    #[test]
    fn defaults_select_nothing_and_point_the_dashboard_at_rizk_tools() {
        let o = resolve_env(&[]).unwrap();
        assert!(o.trace_exporter.is_none());
        assert!(!o.configures_remote());
        assert_eq!(o.dashboard_url.value.as_str(), "https://api.rizk.tools/");
        assert_eq!(o.otlp_timeout.value, Duration::from_secs(10));
    }

    #[test]
    fn otel_traces_exporter_is_a_list_and_rizk_wins_over_otel() {
        let o = resolve_env(&[("OTEL_TRACES_EXPORTER", "otlp, console,otlp")]).unwrap();
        let list = o.trace_exporter.unwrap();
        assert_eq!(list.value, [TraceExporter::Otlp, TraceExporter::Console]);
        assert_eq!(list.source, Source::Env("OTEL_TRACES_EXPORTER"));

        let o = resolve_env(&[
            ("OTEL_TRACES_EXPORTER", "otlp"),
            ("RIZK_TRACE_EXPORTER", "zipkin"),
        ])
        .unwrap();
        assert_eq!(o.trace_exporter.unwrap().value, [TraceExporter::Zipkin]);
    }

    #[test]
    fn bad_exporter_names_and_none_with_others_are_refused_naming_the_field() {
        let err = resolve_env(&[("OTEL_TRACES_EXPORTER", "jaegr")]).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("trace_exporter") && msg.contains("jaegr"),
            "{msg}"
        );
        let err = resolve_env(&[("RIZK_TRACE_EXPORTER", "none,otlp")]).unwrap_err();
        assert!(err.to_string().contains("cannot be combined"), "{err}");
    }

    #[test]
    fn protocol_compression_and_timeout_come_from_the_otel_variables() {
        let o = resolve_env(&[
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
            ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "2500"),
        ])
        .unwrap();
        assert_eq!(o.otlp_protocol.unwrap().value, OtlpProtocol::Grpc);
        assert_eq!(o.otlp_compression.value, OtlpCompression::Gzip);
        assert_eq!(o.otlp_timeout.value, Duration::from_millis(2500));

        let o = resolve_env(&[
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
            ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf"),
        ])
        .unwrap();
        assert_eq!(o.otlp_protocol.unwrap().value, OtlpProtocol::HttpProtobuf);

        for (var, value, field) in [
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json", "otlp_protocol"),
            ("OTEL_EXPORTER_OTLP_COMPRESSION", "zstd", "otlp_compression"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "0", "otlp_timeout"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "10s", "otlp_timeout"),
        ] {
            let err = resolve_env(&[(var, value)]).unwrap_err();
            assert!(
                matches!(&err, RizkError::InvalidConfig { field: f, .. } if f == field),
                "{var}={value}: {err}"
            );
        }
    }

    #[test]
    fn traces_endpoint_and_headers_are_read_as_they_are() {
        let o = resolve_env(&[
            (
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                "http://c:4318/custom/path",
            ),
            ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "api-key=s3cret%2C1"),
        ])
        .unwrap();
        assert!(o.configures_remote());
        assert_eq!(
            o.otlp_traces_endpoint.unwrap().value.as_str(),
            "http://c:4318/custom/path"
        );
        let headers = o.otlp_traces_headers.unwrap().value;
        assert_eq!(headers[0].0, "api-key");
        assert_eq!(headers[0].1.expose(), "s3cret,1");
    }

    #[test]
    fn dashboard_url_must_be_https_unless_loopback() {
        let o = resolve_env(&[("RIZK_DASHBOARD_URL", "http://127.0.0.1:9999")]).unwrap();
        assert_eq!(o.dashboard_url.value.as_str(), "http://127.0.0.1:9999/");
        let err = resolve_env(&[("RIZK_DASHBOARD_URL", "http://rizk.example.com")]).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("dashboard_url") && msg.contains("https://"),
            "{msg}"
        );
        let err = resolve_env(&[("RIZK_DASHBOARD_URL", "ftp://x")]).unwrap_err();
        assert!(err.to_string().contains("dashboard_url"), "{err}");
    }

    #[test]
    fn settings_mask_header_values() {
        let o = resolve_env(&[("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "api-key=topsecret")]).unwrap();
        let lines = o.settings();
        let printed = format!("{lines:?}");
        assert!(printed.contains("api-key=***"), "{printed}");
        assert!(!printed.contains("topsecret"), "{printed}");
    }
}
