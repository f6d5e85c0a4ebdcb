//! The application's metrics over OTLP: the `OTEL_METRICS_EXPORTER` selection and the
//! `OTEL_EXPORTER_OTLP_METRICS_*` settings (an option group), and the reader they give rizk's
//! meter provider (a [`MeterFactory`](rizk_core::meter::MeterFactory)).
//!
//! Metrics go where the traces go: the same OTLP endpoint (`/v1/metrics` instead of
//! `/v1/traces`), headers, protocol and timeout, each of which a `OTEL_EXPORTER_OTLP_METRICS_*`
//! variable may replace. With no OTLP destination for traces and no metrics endpoint, nothing
//! is exported (there is nothing to send to).

use std::time::Duration;

use opentelemetry_sdk::metrics::Temporality;
use rizk_core::config::{
    Config, EnvSource, OptionGroup, OtlpProtocol, Setting, Source, Sourced, read,
};
use rizk_core::meter::MeterSetup;
use rizk_core::{Result, RizkError, Secret};
use url::Url;

use crate::settings::OtlpSettings;

/// The default of `OTEL_METRIC_EXPORT_INTERVAL`: one collection a minute.
///
/// ```
/// assert_eq!(rizk_exporters::DEFAULT_METRIC_EXPORT_INTERVAL.as_secs(), 60);
/// ```
pub const DEFAULT_METRIC_EXPORT_INTERVAL: Duration = Duration::from_secs(60);

/// What `OTEL_METRICS_EXPORTER` selects.
///
/// ```
/// use rizk_exporters::MetricsExporter;
/// assert_eq!("none".parse::<MetricsExporter>().unwrap(), MetricsExporter::None);
/// assert!("console".parse::<MetricsExporter>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MetricsExporter {
    /// OTLP, where the traces go (the default when an OTLP endpoint is configured).
    Otlp,
    /// No meter provider at all.
    None,
}

impl std::str::FromStr for MetricsExporter {
    type Err = (String, String);

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "otlp" => Ok(MetricsExporter::Otlp),
            "none" => Ok(MetricsExporter::None),
            "console" => Err((
                "\"console\" is not a metrics exporter of rizk".into(),
                "use otlp or none; trace_debug (RIZK_TRACE_DEBUG=true) prints a summary of LLM calls at shutdown".into(),
            )),
            other => Err((
                format!("{other:?} is not a metrics exporter"),
                "use otlp or none".into(),
            )),
        }
    }
}

/// The builder's metrics options (set with [`MetricsBuilderExt`]): the option group
/// [`register`](crate::register) adds, private like the others.
#[derive(Debug, Clone, Default)]
pub(crate) struct MetricsInput {
    exporter: Option<MetricsExporter>,
    endpoint: Option<String>,
    interval: Option<Duration>,
    temporality: Option<Temporality>,
}

/// The validated metrics options.
///
/// ```
/// use std::collections::BTreeMap;
/// use rizk_core::RizkBuilder;
///
/// let config = rizk_exporters::register(RizkBuilder::new()).app_name("svc").ignore_environment()
///     .build_config().unwrap();
/// let metrics = rizk_exporters::metrics_options(&config).unwrap();
/// assert_eq!(metrics.interval.value.as_secs(), 60);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct MetricsOptions {
    /// `OTEL_METRICS_EXPORTER`; unset: OTLP when there is somewhere to send to.
    pub exporter: Option<Sourced<MetricsExporter>>,
    /// `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`: the full URL (HTTP) or the server (gRPC).
    pub endpoint: Option<Sourced<Url>>,
    /// `OTEL_EXPORTER_OTLP_METRICS_HEADERS`; unset: the traces' headers.
    pub headers: Option<Sourced<Vec<(String, Secret)>>>,
    /// `OTEL_EXPORTER_OTLP_METRICS_PROTOCOL`; unset: the traces' protocol.
    pub protocol: Option<Sourced<OtlpProtocol>>,
    /// `OTEL_EXPORTER_OTLP_METRICS_TIMEOUT` (milliseconds); unset: the traces' timeout.
    pub timeout: Option<Sourced<Duration>>,
    /// `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`: cumulative (default), delta or
    /// lowmemory.
    pub temporality: Sourced<Temporality>,
    /// `OTEL_METRIC_EXPORT_INTERVAL` (milliseconds).
    pub interval: Sourced<Duration>,
}

/// The builder setters of the metrics options; `use rizk::prelude::*` brings them in.
///
/// ```
/// use std::time::Duration;
/// use rizk_core::RizkBuilder;
/// use rizk_exporters::{MetricsBuilderExt, MetricsExporter};
///
/// let config = rizk_exporters::register(RizkBuilder::new()).app_name("svc")
///     .metrics_exporter(MetricsExporter::None)
///     .metric_export_interval(Duration::from_secs(10))
///     .ignore_environment().build_config().unwrap();
/// let metrics = rizk_exporters::metrics_options(&config).unwrap();
/// assert_eq!(metrics.exporter.as_ref().unwrap().value, MetricsExporter::None);
/// ```
pub trait MetricsBuilderExt: Sized {
    /// `OTEL_METRICS_EXPORTER`: [`MetricsExporter::None`] turns metrics off.
    fn metrics_exporter(self, exporter: MetricsExporter) -> Self;
    /// `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`.
    fn metrics_endpoint(self, url: impl Into<String>) -> Self;
    /// `OTEL_METRIC_EXPORT_INTERVAL`.
    fn metric_export_interval(self, interval: Duration) -> Self;
    /// `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`.
    fn metrics_temporality(self, temporality: Temporality) -> Self;
}

impl MetricsBuilderExt for rizk_core::RizkBuilder {
    fn metrics_exporter(mut self, exporter: MetricsExporter) -> Self {
        self.options_mut::<MetricsInput>().exporter = Some(exporter);
        self
    }
    fn metrics_endpoint(mut self, url: impl Into<String>) -> Self {
        self.options_mut::<MetricsInput>().endpoint = Some(url.into());
        self
    }
    fn metric_export_interval(mut self, interval: Duration) -> Self {
        self.options_mut::<MetricsInput>().interval = Some(interval);
        self
    }
    fn metrics_temporality(mut self, temporality: Temporality) -> Self {
        self.options_mut::<MetricsInput>().temporality = Some(temporality);
        self
    }
}

fn millis(fix: &'static str) -> impl Fn(&str) -> std::result::Result<Duration, (String, String)> {
    move |s| match s.trim().parse::<u64>() {
        Ok(ms) if ms > 0 => Ok(Duration::from_millis(ms)),
        _ => Err((
            format!("{s:?} is not a positive number of milliseconds"),
            fix.to_owned(),
        )),
    }
}

fn temporality(s: &str) -> std::result::Result<Temporality, (String, String)> {
    match s.trim().to_ascii_lowercase().as_str() {
        "cumulative" => Ok(Temporality::Cumulative),
        "delta" => Ok(Temporality::Delta),
        "lowmemory" => Ok(Temporality::LowMemory),
        other => Err((
            format!("{other:?} is not a temporality"),
            "use cumulative, delta or lowmemory".into(),
        )),
    }
}

impl OptionGroup for MetricsInput {
    type Resolved = MetricsOptions;
    const ENV_VARS: &'static [&'static str] = &[];

    fn resolve(&self, _core: &Config, env: &dyn EnvSource) -> Result<MetricsOptions> {
        let exporter = read::option(
            "metrics_exporter",
            self.exporter,
            env,
            &["OTEL_METRICS_EXPORTER"],
            |s| s.parse(),
        )?;
        let endpoint = read::url_option(
            "metrics_endpoint",
            self.endpoint.clone(),
            env,
            &["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"],
        )?;
        let headers = read::option(
            "metrics_headers",
            None,
            env,
            &["OTEL_EXPORTER_OTLP_METRICS_HEADERS"],
            read::text,
        )?
        .map(|raw| {
            read::headers("metrics_headers", &raw.value, raw.source)
                .map(|h| Sourced::new(h, raw.source))
        })
        .transpose()?;
        let protocol = read::option(
            "metrics_protocol",
            None,
            env,
            &["OTEL_EXPORTER_OTLP_METRICS_PROTOCOL"],
            |s| {
                s.parse::<OtlpProtocol>()
                    .map_err(|e| (e, "use grpc or http/protobuf".to_owned()))
            },
        )?;
        let timeout = read::option(
            "metrics_timeout",
            None,
            env,
            &["OTEL_EXPORTER_OTLP_METRICS_TIMEOUT"],
            millis("give the timeout in milliseconds, such as 10000"),
        )?;
        let temporality = read::option(
            "metrics_temporality",
            self.temporality,
            env,
            &["OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE"],
            temporality,
        )?
        .unwrap_or_else(|| Sourced::new(Temporality::Cumulative, Source::Default));
        let interval = read::option(
            "metric_export_interval",
            self.interval,
            env,
            &["OTEL_METRIC_EXPORT_INTERVAL"],
            millis("give the interval in milliseconds, such as 60000"),
        )?
        .unwrap_or_else(|| Sourced::new(DEFAULT_METRIC_EXPORT_INTERVAL, Source::Default));
        if interval.value.is_zero() {
            return Err(RizkError::invalid(
                "metric_export_interval",
                interval.source,
                "it is zero",
                "give a positive interval, such as 60 seconds",
            ));
        }
        Ok(MetricsOptions {
            exporter,
            endpoint,
            headers,
            protocol,
            timeout,
            temporality,
            interval,
        })
    }

    fn settings(resolved: &MetricsOptions) -> Vec<Setting> {
        let mut lines = Vec::new();
        if let Some(e) = &resolved.exporter {
            lines.push(Setting::new(
                "metrics_exporter",
                format!("{:?}", e.value).to_ascii_lowercase(),
                e.source,
            ));
        }
        if let Some(url) = &resolved.endpoint {
            lines.push(Setting::new(
                "metrics_endpoint",
                url.value.to_string(),
                url.source,
            ));
        }
        // Defaults are not listed, as with the platform options.
        if resolved.temporality.source != Source::Default {
            lines.push(Setting::new(
                "metrics_temporality",
                format!("{:?}", resolved.temporality.value).to_ascii_lowercase(),
                resolved.temporality.source,
            ));
        }
        if resolved.interval.source != Source::Default {
            lines.push(Setting::new(
                "metric_export_interval",
                format!("{:?}", resolved.interval.value),
                resolved.interval.source,
            ));
        }
        lines
    }
}

/// The validated metrics options of `config`, when [`register`](crate::register) added them.
///
/// ```
/// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
///     .build_config().unwrap();
/// assert!(rizk_exporters::metrics_options(&config).is_none());
/// ```
pub fn metrics_options(config: &Config) -> Option<&MetricsOptions> {
    config.group::<MetricsOptions>()
}

/// Where the metrics of `config` go, or `None` (metrics off, or nowhere to send to): the
/// metrics endpoint, else the OTLP traces destination with `/v1/metrics` for `/v1/traces`.
///
/// ```
/// use rizk_core::RizkBuilder;
///
/// let config = rizk_exporters::register(RizkBuilder::new()).app_name("svc")
///     .opentelemetry_endpoint("http://collector:4318").ignore_environment().build_config().unwrap();
/// let settings = rizk_exporters::metrics_destination(&config).unwrap().unwrap();
/// assert_eq!(settings.url.as_str(), "http://collector:4318/v1/metrics");
///
/// let config = rizk_exporters::register(RizkBuilder::new()).app_name("svc")
///     .ignore_environment().build_config().unwrap();
/// assert!(rizk_exporters::metrics_destination(&config).unwrap().is_none()); // nowhere to send to
/// ```
pub fn metrics_destination(config: &Config) -> Result<Option<OtlpSettings>> {
    let Some(options) = metrics_options(config) else {
        return Ok(None);
    };
    let selected = options.exporter.as_ref().map(|e| e.value);
    if selected == Some(MetricsExporter::None) {
        return Ok(None);
    }
    let traces = crate::plan(config)?
        .into_iter()
        .find(|d| d.kind() == "otlp")
        .and_then(|d| d.otlp_settings().cloned());
    let mut settings = match (&options.endpoint, traces) {
        (Some(url), traces) => {
            let protocol = options.protocol.as_ref().map(|p| p.value);
            let mut settings = OtlpSettings::for_traces_url(&url.value, protocol);
            if let Some(traces) = traces {
                settings.headers = traces.headers;
                settings.timeout = traces.timeout;
                settings.compression = traces.compression;
                settings.ca_certificate = traces.ca_certificate;
            }
            settings
        }
        (None, Some(mut traces)) => {
            if traces.protocol == OtlpProtocol::HttpProtobuf {
                let path = traces.url.path().to_owned();
                let Some(base) = path.strip_suffix("/v1/traces") else {
                    // A configuration that worked before metrics existed keeps working: no
                    // metrics unless they were asked for, and one note saying how to get them.
                    if selected.is_none() {
                        rizk_core::diagnostics::debug(&format!(
                            "no metrics: traces go to {}, which does not end in /v1/traces; set OTEL_EXPORTER_OTLP_METRICS_ENDPOINT to export metrics",
                            traces.url
                        ));
                        return Ok(None);
                    }
                    return Err(RizkError::invalid(
                        "metrics_endpoint",
                        Source::Default,
                        format!(
                            "traces go to {}, a URL that does not end in /v1/traces, so the metrics URL cannot be derived from it",
                            traces.url
                        ),
                        "set OTEL_EXPORTER_OTLP_METRICS_ENDPOINT (the full URL metrics are POSTed to), or OTEL_METRICS_EXPORTER=none",
                    ));
                };
                traces.url.set_path(&format!("{base}/v1/metrics"));
            }
            traces
        }
        (None, None) if selected == Some(MetricsExporter::Otlp) => OtlpSettings::new(
            &Url::parse(crate::DEFAULT_OTLP_HTTP_ENDPOINT).expect("a valid constant URL"),
            options.protocol.as_ref().map(|p| p.value),
        )
        .with_metrics_path(),
        (None, None) => return Ok(None),
    };
    if let Some(p) = &options.protocol {
        settings.protocol = p.value;
    }
    if let Some(h) = &options.headers {
        settings.headers = h.value.clone();
    }
    if let Some(t) = &options.timeout {
        settings.timeout = t.value;
    }
    Ok(Some(settings))
}

impl OtlpSettings {
    /// For HTTP, `/v1/traces` replaced by `/v1/metrics`.
    fn with_metrics_path(mut self) -> Self {
        if self.protocol == OtlpProtocol::HttpProtobuf {
            let path = self.url.path().trim_end_matches("/v1/traces").to_owned();
            self.url.set_path(&format!("{path}/v1/metrics"));
        }
        self
    }
}

/// Gives rizk's meter provider its OTLP reader, when `config` has somewhere to send metrics
/// to: the facade's [`MeterFactory`](rizk_core::meter::MeterFactory).
///
/// ```
/// use rizk_core::RizkBuilder;
/// use rizk_core::meter::MeterSetup;
///
/// let config = rizk_exporters::register(RizkBuilder::new()).app_name("svc")
///     .opentelemetry_endpoint("http://collector:4318").ignore_environment().build_config().unwrap();
/// let mut setup = MeterSetup::default();
/// rizk_exporters::add_metrics_reader(&config, &mut setup).unwrap(); // builds; sends nothing yet
/// assert_eq!(setup.names(), ["otlp http://collector:4318/v1/metrics"]);
/// ```
pub fn add_metrics_reader(config: &Config, setup: &mut MeterSetup) -> Result<()> {
    let Some(settings) = metrics_destination(config)? else {
        return Ok(());
    };
    let Some(options) = metrics_options(config) else {
        return Ok(());
    };
    add_reader(&settings, options, setup)
}

#[cfg(feature = "otlp")]
fn add_reader(
    settings: &OtlpSettings,
    options: &MetricsOptions,
    setup: &mut MeterSetup,
) -> Result<()> {
    let exporter = crate::otlp_metrics::exporter(settings, options.temporality.value)?;
    setup.add_periodic(
        format!("otlp {}", settings.url),
        exporter,
        options.interval.value,
    );
    Ok(())
}

#[cfg(not(feature = "otlp"))]
fn add_reader(settings: &OtlpSettings, _: &MetricsOptions, _: &mut MeterSetup) -> Result<()> {
    Err(RizkError::Exporter {
        exporter: "otlp metrics".into(),
        reason: format!(
            "metrics to {} need the `otlp` feature of rizk; or set OTEL_METRICS_EXPORTER=none",
            settings.url
        ),
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use rizk_core::RizkBuilder;

    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config> {
        let env: BTreeMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        crate::register(RizkBuilder::new())
            .app_name("svc")
            .env(env)
            .build_config()
    }

    #[test]
    fn metrics_follow_the_traces_and_each_variable_replaces_its_part() {
        let c = config(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"),
            ("OTEL_EXPORTER_OTLP_HEADERS", "api-key=traces"),
        ])
        .unwrap();
        let s = metrics_destination(&c).unwrap().unwrap();
        assert_eq!(s.url.as_str(), "http://collector:4318/v1/metrics");
        assert_eq!(s.protocol, OtlpProtocol::HttpProtobuf);
        assert_eq!(s.headers[0].1.expose(), "traces");

        let c = config(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"),
            ("OTEL_EXPORTER_OTLP_HEADERS", "api-key=traces"),
            (
                "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
                "http://metrics:9090/otlp/v1/metrics",
            ),
            ("OTEL_EXPORTER_OTLP_METRICS_HEADERS", "api-key=metrics"),
            ("OTEL_EXPORTER_OTLP_METRICS_TIMEOUT", "2500"),
            ("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "Delta"),
            ("OTEL_METRIC_EXPORT_INTERVAL", "15000"),
        ])
        .unwrap();
        let s = metrics_destination(&c).unwrap().unwrap();
        assert_eq!(s.url.as_str(), "http://metrics:9090/otlp/v1/metrics");
        assert_eq!(s.headers[0].1.expose(), "metrics");
        assert_eq!(s.timeout, Duration::from_millis(2500));
        let o = metrics_options(&c).unwrap();
        assert_eq!(o.temporality.value, Temporality::Delta);
        assert_eq!(o.interval.value, Duration::from_secs(15));

        let grpc = config(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"),
            ("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "grpc"),
            (
                "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
                "http://collector:4317",
            ),
        ])
        .unwrap();
        let s = metrics_destination(&grpc).unwrap().unwrap();
        assert_eq!(
            (s.protocol, s.url.as_str()),
            (OtlpProtocol::Grpc, "http://collector:4317/")
        );
    }

    #[test]
    fn none_and_nowhere_to_send_to_build_no_reader() {
        let off = config(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"),
            ("OTEL_METRICS_EXPORTER", "none"),
        ])
        .unwrap();
        assert!(metrics_destination(&off).unwrap().is_none());
        let mut setup = MeterSetup::default();
        add_metrics_reader(&off, &mut setup).unwrap();
        assert!(setup.names().is_empty());

        assert!(
            metrics_destination(&config(&[]).unwrap())
                .unwrap()
                .is_none()
        );
        // Asked for explicitly with no endpoint: the OpenTelemetry default.
        let explicit = config(&[("OTEL_METRICS_EXPORTER", "otlp")]).unwrap();
        let s = metrics_destination(&explicit).unwrap().unwrap();
        assert_eq!(s.url.as_str(), "http://localhost:4318/v1/metrics");
    }

    #[test]
    fn bad_values_are_refused_naming_the_field_and_the_fix() {
        for (var, value, field, fix) in [
            (
                "OTEL_METRICS_EXPORTER",
                "prometheus",
                "metrics_exporter",
                "otlp or none",
            ),
            (
                "OTEL_METRICS_EXPORTER",
                "console",
                "metrics_exporter",
                "trace_debug",
            ),
            (
                "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
                "collector:4318",
                "metrics_endpoint",
                "http",
            ),
            (
                "OTEL_EXPORTER_OTLP_METRICS_HEADERS",
                "novalue",
                "metrics_headers",
                "name=value",
            ),
            (
                "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL",
                "http/json",
                "metrics_protocol",
                "grpc or http/protobuf",
            ),
            (
                "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT",
                "-1",
                "metrics_timeout",
                "milliseconds",
            ),
            (
                "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE",
                "sometimes",
                "metrics_temporality",
                "cumulative, delta or lowmemory",
            ),
            (
                "OTEL_METRIC_EXPORT_INTERVAL",
                "0",
                "metric_export_interval",
                "milliseconds",
            ),
        ] {
            let err = config(&[(var, value)]).unwrap_err();
            match &err {
                RizkError::InvalidConfig { field: f, .. } => assert_eq!(f, field, "{var}: {err}"),
                other => panic!("{var}: {other:?}"),
            }
            let text = err.to_string();
            assert!(text.contains(var), "{var}: the source is named: {text}");
            assert!(text.contains(fix), "{var}: the fix is given: {text}");
        }
    }

    #[test]
    fn grpc_metrics_build_with_their_feature_and_are_refused_naming_it_without() {
        let c = config(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ])
        .unwrap();
        let mut setup = MeterSetup::default();
        let built = add_metrics_reader(&c, &mut setup);
        if cfg!(feature = "otlp-grpc") {
            built.unwrap();
            assert_eq!(setup.names(), ["otlp http://collector:4317/"]);
        } else {
            let err = built.unwrap_err().to_string();
            let feature = if cfg!(feature = "otlp") {
                "otlp-grpc"
            } else {
                "`otlp` feature"
            };
            assert!(err.contains(feature), "{err}");
        }
    }

    #[test]
    fn a_custom_traces_url_needs_its_own_metrics_endpoint() {
        let custom = (
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "http://collector:4318/custom/spans",
        );
        // Not asked for: no metrics, and init still succeeds.
        assert!(
            metrics_destination(&config(&[custom]).unwrap())
                .unwrap()
                .is_none()
        );
        // Asked for: the error says what to set.
        let c = config(&[custom, ("OTEL_METRICS_EXPORTER", "otlp")]).unwrap();
        let err = metrics_destination(&c).unwrap_err().to_string();
        assert!(err.contains("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"), "{err}");
        let c = config(&[
            custom,
            (
                "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
                "http://collector:4318/custom/metrics",
            ),
        ])
        .unwrap();
        let s = metrics_destination(&c).unwrap().unwrap();
        assert_eq!(s.url.as_str(), "http://collector:4318/custom/metrics");
    }
}
