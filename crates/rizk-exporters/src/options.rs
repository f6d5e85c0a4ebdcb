//! The settings of each platform this crate exports to (Jaeger, Zipkin, Datadog), owned here:
//! the builder setters ([`ExporterBuilderExt`]), the variables they read, their validation
//! (alone, then against the core options, in one pass: [`crate::plan`] is its result), and
//! their lines of `get_trace_config()`. [`register`](crate::register) makes them an option
//! group of the builder.

use rizk_core::config::{Config, EnvSource, OptionGroup, Setting, Source, Sourced, read};
use rizk_core::{Result, RizkBuilder, RizkError, Secret};
use url::Url;

use crate::Destination;

/// The Datadog Agent's trace port (`DD_TRACE_AGENT_PORT` when only `DD_AGENT_HOST` is set).
///
/// ```
/// use std::collections::BTreeMap;
/// use rizk_core::config::TraceExporter;
/// use rizk_exporters::DEFAULT_DATADOG_AGENT_PORT;
///
/// let env = BTreeMap::from([("DD_AGENT_HOST".to_owned(), "dd-agent".to_owned())]);
/// let config = rizk_exporters::register(rizk_core::RizkBuilder::new()).app_name("svc")
///     .trace_exporter(TraceExporter::Datadog).env(env).build_config().unwrap();
/// let agent = &rizk_exporters::options(&config).unwrap().datadog_agent_endpoint;
/// assert_eq!(agent.as_ref().unwrap().value.port(), Some(DEFAULT_DATADOG_AGENT_PORT));
/// ```
pub const DEFAULT_DATADOG_AGENT_PORT: u16 = 8126;

/// Where the Datadog Agent listens when `datadog_agent_endpoint` is not set.
///
/// ```
/// use rizk_exporters::{DEFAULT_DATADOG_AGENT, DEFAULT_DATADOG_AGENT_PORT};
/// assert!(DEFAULT_DATADOG_AGENT.ends_with(&format!(":{DEFAULT_DATADOG_AGENT_PORT}")));
/// ```
pub const DEFAULT_DATADOG_AGENT: &str = "http://localhost:8126";

/// What the builder was given: the option group [`register`](crate::register) adds.
#[derive(Debug, Clone, Default)]
pub(crate) struct PlatformInput {
    jaeger_agent_host: Option<String>,
    jaeger_agent_port: Option<u16>,
    jaeger_service_name: Option<String>,
    zipkin_endpoint: Option<String>,
    zipkin_service_name: Option<String>,
    datadog_agent_endpoint: Option<String>,
    datadog_service: Option<String>,
    datadog_env: Option<String>,
    datadog_api_key: Option<Secret>,
}

impl OptionGroup for PlatformInput {
    type Resolved = PlatformOptions;
    const ENV_VARS: &'static [&'static str] = &[
        "RIZK_JAEGER_AGENT_HOST",
        "RIZK_JAEGER_AGENT_PORT",
        "RIZK_JAEGER_SERVICE_NAME",
        "RIZK_ZIPKIN_ENDPOINT",
        "RIZK_ZIPKIN_SERVICE_NAME",
        "RIZK_DATADOG_AGENT_ENDPOINT",
        "RIZK_DATADOG_SERVICE",
        "RIZK_DATADOG_ENV",
        "RIZK_DATADOG_API_KEY",
    ];

    fn resolve(&self, core: &Config, env: &dyn EnvSource) -> Result<PlatformOptions> {
        let mut options = resolve(self, env)?;
        options.destinations = crate::plan::destinations(core, &options)?;
        Ok(options)
    }

    fn settings(resolved: &PlatformOptions) -> Vec<Setting> {
        resolved.settings()
    }
}

/// The validated platform settings, and the destinations they and the core options make.
///
/// ```
/// use rizk_core::config::TraceExporter;
/// use rizk_exporters::ExporterBuilderExt as _;
///
/// let config = rizk_core::RizkBuilder::new()
///     .app_name("svc")
///     .trace_exporter(TraceExporter::Zipkin)
///     .zipkin_endpoint("http://zipkin:9411/api/v2/spans")
///     .ignore_environment()
///     .build_config()
///     .unwrap();
/// let options = rizk_exporters::options(&config).unwrap();
/// assert_eq!(options.zipkin_endpoint.as_ref().unwrap().value.host_str(), Some("zipkin"));
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct PlatformOptions {
    /// The host of a Jaeger agent: mapped to OTLP/HTTP on port 4318 of that host.
    pub jaeger_agent_host: Option<Sourced<String>>,
    /// The port of a Jaeger agent (6831 or 6832; others are refused).
    pub jaeger_agent_port: Option<Sourced<u16>>,
    /// `service.name` of the spans sent to Jaeger (default: `app_name`).
    pub jaeger_service_name: Option<Sourced<String>>,
    /// Where Zipkin receives spans (default `http://localhost:9411/api/v2/spans`).
    pub zipkin_endpoint: Option<Sourced<Url>>,
    /// The Zipkin `localEndpoint.serviceName` (default: `app_name`).
    pub zipkin_service_name: Option<Sourced<String>>,
    /// The Datadog Agent's trace intake (default [`DEFAULT_DATADOG_AGENT`]).
    pub datadog_agent_endpoint: Option<Sourced<Url>>,
    /// The Datadog `service` (default: `app_name`).
    pub datadog_service: Option<Sourced<String>>,
    /// The Datadog `env` tag.
    pub datadog_env: Option<Sourced<String>>,
    /// What [`crate::plan`] returns.
    pub(crate) destinations: Vec<Destination>,
}

impl PlatformOptions {
    /// The settings that are set, as lines of `get_trace_config()`.
    ///
    /// ```
    /// use rizk_exporters::ExporterBuilderExt as _;
    /// use rizk_core::config::TraceExporter;
    ///
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .trace_exporter(TraceExporter::Datadog).datadog_env("prod").build_config().unwrap();
    /// let lines = rizk_exporters::options(&config).unwrap().settings();
    /// assert_eq!((lines[0].name, lines[0].value.as_str()), ("datadog_env", "prod"));
    /// ```
    pub fn settings(&self) -> Vec<Setting> {
        fn line<T: ToString>(name: &'static str, v: &Option<Sourced<T>>) -> Option<Setting> {
            v.as_ref()
                .map(|v| Setting::new(name, v.value.to_string(), v.source))
        }
        [
            line("jaeger_agent_host", &self.jaeger_agent_host),
            line("jaeger_agent_port", &self.jaeger_agent_port),
            line("jaeger_service_name", &self.jaeger_service_name),
            line("zipkin_endpoint", &self.zipkin_endpoint),
            line("zipkin_service_name", &self.zipkin_service_name),
            line("datadog_agent_endpoint", &self.datadog_agent_endpoint),
            line("datadog_service", &self.datadog_service),
            line("datadog_env", &self.datadog_env),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

/// The platform setters of the builder (`use rizk::prelude::*` brings them in scope). Each
/// belongs to one exporter: set for an exporter `trace_exporter` does not select, it is
/// refused with the fix rather than ignored.
///
/// ```
/// use rizk_core::config::TraceExporter;
/// use rizk_exporters::ExporterBuilderExt as _;
///
/// let err = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
///     .zipkin_endpoint("http://zipkin:9411").build_config().unwrap_err();
/// assert!(err.to_string().contains("trace_exporter does not include zipkin"));
/// ```
pub trait ExporterBuilderExt: Sized {
    /// A Jaeger agent's host, from configurations written for the old UDP agent. rizk sends
    /// OTLP instead: this maps to `http://<host>:4318` (Jaeger's OTLP/HTTP receiver). Prefer
    /// `opentelemetry_endpoint`.
    ///
    /// ```
    /// use rizk_core::config::TraceExporter;
    /// use rizk_exporters::ExporterBuilderExt as _;
    ///
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .trace_exporter(TraceExporter::Jaeger).jaeger_agent_host("jaeger").build_config().unwrap();
    /// assert!(rizk_exporters::plan(&config).unwrap()[0].description().contains("http://jaeger:4318"));
    /// ```
    fn jaeger_agent_host(self, host: impl Into<String>) -> Self;

    /// A Jaeger agent's port: 6831 or 6832 are accepted (with `jaeger_agent_host`, mapped to
    /// OTLP on 4318); any other port is refused with the setting to use instead.
    ///
    /// ```
    /// use rizk_core::config::TraceExporter;
    /// use rizk_exporters::ExporterBuilderExt as _;
    ///
    /// let err = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .trace_exporter(TraceExporter::Jaeger).jaeger_agent_host("jaeger").jaeger_agent_port(14268)
    ///     .build_config().unwrap_err();
    /// assert!(err.to_string().contains("http://jaeger:4318"));
    /// ```
    fn jaeger_agent_port(self, port: u16) -> Self;

    /// `service.name` of the spans sent to Jaeger (default: `app_name`).
    ///
    /// ```
    /// use rizk_core::config::TraceExporter;
    /// use rizk_exporters::ExporterBuilderExt as _;
    ///
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .trace_exporter(TraceExporter::Jaeger).jaeger_service_name("llm-app").build_config().unwrap();
    /// let plan = rizk_exporters::plan(&config).unwrap();
    /// assert_eq!(plan[0].otlp_settings().unwrap().service_name.as_deref(), Some("llm-app"));
    /// ```
    fn jaeger_service_name(self, name: impl Into<String>) -> Self;

    /// Where Zipkin receives spans: the full URL, such as `http://zipkin:9411/api/v2/spans`
    /// (a URL with no path gets `/api/v2/spans`).
    ///
    /// ```
    /// use rizk_core::config::TraceExporter;
    /// use rizk_exporters::ExporterBuilderExt as _;
    ///
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .trace_exporter(TraceExporter::Zipkin).zipkin_endpoint("http://zipkin:9411")
    ///     .build_config().unwrap();
    /// assert!(rizk_exporters::plan(&config).unwrap()[0].description().starts_with("zipkin http://zipkin:9411/api/v2/spans"));
    /// ```
    fn zipkin_endpoint(self, url: impl Into<String>) -> Self;

    /// The Zipkin service name (`localEndpoint.serviceName`; default: `app_name`).
    ///
    /// ```
    /// use rizk_core::config::TraceExporter;
    /// use rizk_exporters::ExporterBuilderExt as _;
    ///
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .trace_exporter(TraceExporter::Zipkin).zipkin_service_name("llm-app").build_config().unwrap();
    /// assert!(rizk_exporters::plan(&config).unwrap()[0].description().contains("\"llm-app\""));
    /// ```
    fn zipkin_service_name(self, name: impl Into<String>) -> Self;

    /// The Datadog Agent spans are sent to (default [`DEFAULT_DATADOG_AGENT`]; also
    /// `DD_TRACE_AGENT_URL`, or `DD_AGENT_HOST` + `DD_TRACE_AGENT_PORT`).
    ///
    /// ```
    /// use rizk_core::config::TraceExporter;
    /// use rizk_exporters::ExporterBuilderExt as _;
    ///
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .trace_exporter(TraceExporter::Datadog).datadog_agent_endpoint("http://datadog-agent:8126")
    ///     .build_config().unwrap();
    /// assert!(rizk_exporters::plan(&config).unwrap()[0].description().contains("datadog-agent:8126"));
    /// ```
    fn datadog_agent_endpoint(self, url: impl Into<String>) -> Self;

    /// The Datadog `service` (default: `app_name`; also `DD_SERVICE`).
    ///
    /// ```
    /// use rizk_core::config::TraceExporter;
    /// use rizk_exporters::ExporterBuilderExt as _;
    ///
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .trace_exporter(TraceExporter::Datadog).datadog_service("llm-app").build_config().unwrap();
    /// assert!(rizk_exporters::plan(&config).unwrap()[0].description().contains("\"llm-app\""));
    /// ```
    fn datadog_service(self, service: impl Into<String>) -> Self;

    /// The Datadog `env` tag (also `DD_ENV`).
    ///
    /// ```
    /// use rizk_core::config::TraceExporter;
    /// use rizk_exporters::ExporterBuilderExt as _;
    ///
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .trace_exporter(TraceExporter::Datadog).datadog_env("production").build_config().unwrap();
    /// assert!(rizk_exporters::plan(&config).unwrap()[0].description().contains("env \"production\""));
    /// ```
    fn datadog_env(self, env: impl Into<String>) -> Self;

    /// Refused when the configuration is validated, with the fix: the Datadog exporter talks
    /// to a Datadog Agent, and the agent holds the API key. Kept so that configurations ported
    /// from the Python SDK fail with an explanation instead of a missing method.
    ///
    /// ```
    /// use rizk_exporters::ExporterBuilderExt as _;
    ///
    /// let err = rizk_core::RizkBuilder::new()
    ///     .app_name("svc")
    ///     .datadog_api_key("dd-key")
    ///     .ignore_environment()
    ///     .build_config()
    ///     .unwrap_err();
    /// assert!(err.to_string().contains("agent holds the API key"));
    /// assert!(!err.to_string().contains("dd-key"));
    /// ```
    fn datadog_api_key(self, key: impl Into<Secret>) -> Self;
}

impl ExporterBuilderExt for RizkBuilder {
    fn jaeger_agent_host(mut self, host: impl Into<String>) -> Self {
        self.options_mut::<PlatformInput>().jaeger_agent_host = Some(host.into());
        self
    }
    fn jaeger_agent_port(mut self, port: u16) -> Self {
        self.options_mut::<PlatformInput>().jaeger_agent_port = Some(port);
        self
    }
    fn jaeger_service_name(mut self, name: impl Into<String>) -> Self {
        self.options_mut::<PlatformInput>().jaeger_service_name = Some(name.into());
        self
    }
    fn zipkin_endpoint(mut self, url: impl Into<String>) -> Self {
        self.options_mut::<PlatformInput>().zipkin_endpoint = Some(url.into());
        self
    }
    fn zipkin_service_name(mut self, name: impl Into<String>) -> Self {
        self.options_mut::<PlatformInput>().zipkin_service_name = Some(name.into());
        self
    }
    fn datadog_agent_endpoint(mut self, url: impl Into<String>) -> Self {
        self.options_mut::<PlatformInput>().datadog_agent_endpoint = Some(url.into());
        self
    }
    fn datadog_service(mut self, service: impl Into<String>) -> Self {
        self.options_mut::<PlatformInput>().datadog_service = Some(service.into());
        self
    }
    fn datadog_env(mut self, env: impl Into<String>) -> Self {
        self.options_mut::<PlatformInput>().datadog_env = Some(env.into());
        self
    }
    fn datadog_api_key(mut self, key: impl Into<Secret>) -> Self {
        self.options_mut::<PlatformInput>().datadog_api_key = Some(key.into());
        self
    }
}

/// Each option alone: its source, its parse, its own rules. Checks against the selection and
/// the core options come after, in [`crate::plan::destinations`].
fn resolve(input: &PlatformInput, env: &dyn EnvSource) -> Result<PlatformOptions> {
    if let Some(source) = input
        .datadog_api_key
        .as_ref()
        .map(|_| Source::Builder)
        .or_else(|| {
            env.var("RIZK_DATADOG_API_KEY")
                .filter(|v| !v.trim().is_empty())
                .map(|_| Source::Env("RIZK_DATADOG_API_KEY"))
        })
    {
        return Err(RizkError::invalid(
            "datadog_api_key",
            source,
            "the Datadog exporter sends to a Datadog Agent, and the agent holds the API key (DD_API_KEY in the agent's configuration); rizk never sends it",
            "remove datadog_api_key, run a Datadog Agent with your key and point datadog_agent_endpoint at it (default http://localhost:8126); without an agent, send OTLP to Datadog's OTLP intake with trace_exporter otlp and otlp_header(\"dd-api-key\", ...)",
        ));
    }

    let name = |field: &str, builder: &Option<String>, vars: &[&'static str]| {
        read::non_empty(
            field,
            read::option(field, builder.clone(), env, vars, read::text)?,
        )
    };

    let jaeger_agent_host = name(
        "jaeger_agent_host",
        &input.jaeger_agent_host,
        &["RIZK_JAEGER_AGENT_HOST", "OTEL_EXPORTER_JAEGER_AGENT_HOST"],
    )?;
    if let Some(host) = &jaeger_agent_host {
        let h = host.value.trim();
        if h.contains("://") || h.contains('/') || (h.contains(':') && !h.starts_with('[')) {
            return Err(RizkError::invalid(
                "jaeger_agent_host",
                host.source,
                format!("{h:?} is not a bare host name"),
                "give only the host, such as jaeger-agent (the port goes in jaeger_agent_port), or set opentelemetry_endpoint to Jaeger's OTLP port, such as http://jaeger:4318",
            ));
        }
    }
    let jaeger_agent_port = read::option(
        "jaeger_agent_port",
        input.jaeger_agent_port,
        env,
        &["RIZK_JAEGER_AGENT_PORT", "OTEL_EXPORTER_JAEGER_AGENT_PORT"],
        |s| {
            s.parse::<u16>().map_err(|_| {
                (
                    format!("{s:?} is not a port number"),
                    "use 6831, the agent's default, or leave it unset".to_owned(),
                )
            })
        },
    )?;
    if let Some(port) = &jaeger_agent_port {
        let host = jaeger_agent_host
            .as_ref()
            .map_or("jaeger-agent", |h| h.value.as_str());
        if !matches!(port.value, 6831 | 6832) {
            return Err(RizkError::invalid(
                "jaeger_agent_port",
                port.source,
                format!(
                    "port {} is not a Jaeger agent port rizk can map: rizk sends to Jaeger over OTLP, not to the agent's UDP ports",
                    port.value
                ),
                format!(
                    "set opentelemetry_endpoint to Jaeger's OTLP receiver, such as http://{host}:4318 (HTTP) or http://{host}:4317 (gRPC), and remove jaeger_agent_port"
                ),
            ));
        }
        if jaeger_agent_host.is_none() {
            return Err(RizkError::invalid(
                "jaeger_agent_port",
                port.source,
                "it is set without jaeger_agent_host",
                "set jaeger_agent_host too (it maps to OTLP on port 4318 of that host), or better, set opentelemetry_endpoint to http://<jaeger-host>:4318",
            ));
        }
    }
    let jaeger_service_name = name(
        "jaeger_service_name",
        &input.jaeger_service_name,
        &["RIZK_JAEGER_SERVICE_NAME"],
    )?;

    let zipkin_endpoint = read::url_option(
        "zipkin_endpoint",
        input.zipkin_endpoint.clone(),
        env,
        &["RIZK_ZIPKIN_ENDPOINT", "OTEL_EXPORTER_ZIPKIN_ENDPOINT"],
    )?;
    let zipkin_service_name = name(
        "zipkin_service_name",
        &input.zipkin_service_name,
        &["RIZK_ZIPKIN_SERVICE_NAME"],
    )?;

    let mut datadog_agent_endpoint = read::url_option(
        "datadog_agent_endpoint",
        input.datadog_agent_endpoint.clone(),
        env,
        &["RIZK_DATADOG_AGENT_ENDPOINT", "DD_TRACE_AGENT_URL"],
    )?;
    if datadog_agent_endpoint.is_none()
        && let Some(host) = read::option(
            "datadog_agent_endpoint",
            None,
            env,
            &["DD_AGENT_HOST"],
            read::text,
        )?
    {
        let port = read::option(
            "datadog_agent_endpoint",
            None,
            env,
            &["DD_TRACE_AGENT_PORT"],
            |s| {
                s.parse::<u16>().map_err(|_| {
                    (
                        format!("{s:?} is not a port number"),
                        "use the agent's trace port, 8126 by default".to_owned(),
                    )
                })
            },
        )?
        .map_or(DEFAULT_DATADOG_AGENT_PORT, |p| p.value);
        let raw = format!("http://{}:{port}", host.value);
        datadog_agent_endpoint = Some(Sourced::new(
            read::url("datadog_agent_endpoint", &raw, host.source)?,
            host.source,
        ));
    }
    let datadog_service = name(
        "datadog_service",
        &input.datadog_service,
        &["RIZK_DATADOG_SERVICE", "DD_SERVICE"],
    )?;
    let datadog_env = name(
        "datadog_env",
        &input.datadog_env,
        &["RIZK_DATADOG_ENV", "DD_ENV"],
    )?;

    Ok(PlatformOptions {
        jaeger_agent_host,
        jaeger_agent_port,
        jaeger_service_name,
        zipkin_endpoint,
        zipkin_service_name,
        datadog_agent_endpoint,
        datadog_service,
        datadog_env,
        destinations: Vec::new(),
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

    fn resolve_env(vars: &[(&str, &str)]) -> Result<PlatformOptions> {
        resolve(&PlatformInput::default(), &env(vars))
    }

    #[test]
    fn jaeger_agent_settings_are_checked_and_explain_the_otlp_move() {
        let o = resolve_env(&[
            ("RIZK_JAEGER_AGENT_HOST", "jaeger"),
            ("RIZK_JAEGER_AGENT_PORT", "6831"),
        ])
        .unwrap();
        assert_eq!(o.jaeger_agent_host.unwrap().value, "jaeger");

        let err = resolve_env(&[
            ("RIZK_JAEGER_AGENT_HOST", "jaeger"),
            ("RIZK_JAEGER_AGENT_PORT", "5775"),
        ])
        .unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("jaeger_agent_port") && msg.contains("http://jaeger:4318"),
            "{msg}"
        );
        let err = resolve_env(&[("RIZK_JAEGER_AGENT_PORT", "6831")]).unwrap_err();
        assert!(
            err.to_string().contains("without jaeger_agent_host"),
            "{err}"
        );
        let err = resolve_env(&[("RIZK_JAEGER_AGENT_HOST", "http://jaeger:6831")]).unwrap_err();
        assert!(err.to_string().contains("bare host"), "{err}");
    }

    #[test]
    fn datadog_settings_fall_back_to_the_dd_variables() {
        let o = resolve_env(&[
            ("DD_AGENT_HOST", "dd-agent"),
            ("DD_SERVICE", "shop"),
            ("DD_ENV", "staging"),
        ])
        .unwrap();
        assert_eq!(
            o.datadog_agent_endpoint.unwrap().value.as_str(),
            "http://dd-agent:8126/"
        );
        assert_eq!(o.datadog_service.unwrap().value, "shop");
        assert_eq!(o.datadog_env.unwrap().value, "staging");

        let o = resolve_env(&[
            ("DD_TRACE_AGENT_URL", "http://a:1234"),
            ("RIZK_DATADOG_SERVICE", "rizk-wins"),
            ("DD_SERVICE", "dd"),
        ])
        .unwrap();
        assert_eq!(
            o.datadog_agent_endpoint.unwrap().value.as_str(),
            "http://a:1234/"
        );
        assert_eq!(o.datadog_service.unwrap().value, "rizk-wins");
    }

    #[test]
    fn datadog_api_key_is_refused_without_showing_it() {
        let err = resolve_env(&[("RIZK_DATADOG_API_KEY", "dd-0123456789")]).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("datadog_api_key") && msg.contains("agent"),
            "{msg}"
        );
        assert!(!msg.contains("0123456789"), "{msg}");
    }

    #[test]
    fn empty_names_are_refused_naming_the_option() {
        let input = PlatformInput {
            zipkin_service_name: Some(" ".into()),
            ..PlatformInput::default()
        };
        let err = resolve(&input, &env(&[])).unwrap_err();
        assert!(
            matches!(&err, RizkError::InvalidConfig { field, .. } if field == "zipkin_service_name"),
            "{err}"
        );
    }
}
