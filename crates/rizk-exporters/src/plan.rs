//! The destinations a configuration makes, with every check that needs several options at
//! once (the selection, the core options and the platform options together). Run once, when
//! the configuration is validated ([`crate::options`]'s group); [`crate::plan`] returns the
//! result.

use rizk_core::config::{Config, OtlpProtocol, Source, Sourced, TraceExporter};
use rizk_core::{Result, RizkError, Secret};
use url::Url;

use crate::options::{DEFAULT_DATADOG_AGENT, PlatformOptions};
use crate::{
    DEFAULT_OTLP_GRPC_ENDPOINT, DEFAULT_OTLP_HTTP_ENDPOINT, DEFAULT_ZIPKIN_ENDPOINT,
    DatadogSettings, Destination, OtlpSettings, Target, ZipkinSettings,
};

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

pub(crate) fn destinations(
    config: &Config,
    platform: &PlatformOptions,
) -> Result<Vec<Destination>> {
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
    check_unselected(platform, &list)?;

    let otlp_kinds = list.iter().filter(|k| k.is_otlp()).count();
    if otlp_kinds > 1 && otlp_endpoint.is_some() && platform.jaeger_agent_host.is_none() {
        return Err(RizkError::invalid(
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
                    let resolved = jaeger_endpoint(config, platform, otlp_endpoint.as_ref())?;
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
                    settings.service_name = platform
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
                    platform.zipkin_endpoint.as_ref().map(|u| &u.value),
                    otlp_endpoint.as_ref(),
                    otlp_kinds == 0,
                    DEFAULT_ZIPKIN_ENDPOINT,
                );
                endpoint_used |= used;
                let service = platform
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
                    platform.datadog_agent_endpoint.as_ref().map(|u| &u.value),
                    otlp_endpoint.as_ref(),
                    otlp_kinds == 0,
                    DEFAULT_DATADOG_AGENT,
                );
                endpoint_used |= used;
                check_datadog_agent(&url, config, platform)?;
                let service = platform
                    .datadog_service
                    .as_ref()
                    .map_or_else(|| config.app_name.value.clone(), |s| s.value.clone());
                let mut settings = DatadogSettings::new(&url, service);
                settings.env = platform.datadog_env.as_ref().map(|e| e.value.clone());
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
                    return Err(RizkError::invalid(
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
        return Err(RizkError::invalid(
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
fn user_headers(config: &Config) -> Vec<(String, Secret)> {
    let general = &config.otlp_headers;
    match &config.exporters.otlp_traces_headers {
        Some(traces) if !explicit(general.source) => traces.value.clone(),
        _ => general.value.clone(),
    }
}

fn default_otlp(config: &Config) -> OtlpSettings {
    let protocol = config.exporters.otlp_protocol.as_ref().map(|p| p.value);
    let url = match protocol {
        Some(OtlpProtocol::Grpc) => parse_const(DEFAULT_OTLP_GRPC_ENDPOINT),
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
    platform: &PlatformOptions,
    otlp_endpoint: Option<&(Url, Source, bool)>,
) -> Result<(OtlpSettings, Option<String>, bool)> {
    let options = &config.exporters;
    let protocol = options.otlp_protocol.as_ref().map(|p| p.value);
    if let Some((url, source, as_is)) = otlp_endpoint {
        if let Some(host) = &platform.jaeger_agent_host {
            return Err(RizkError::invalid(
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
                OtlpSettings::for_traces_url(&mapped, Some(OtlpProtocol::HttpProtobuf)),
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
                OtlpSettings::new(&mapped, Some(OtlpProtocol::Grpc)),
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
    if let Some(host) = &platform.jaeger_agent_host {
        let port = platform
            .jaeger_agent_port
            .as_ref()
            .map_or(6831, |p| p.value);
        let url = Url::parse(&format!("http://{}:4318", host.value)).map_err(|e| {
            RizkError::invalid(
                "jaeger_agent_host",
                host.source,
                format!("{:?} does not make a URL: {e}", host.value),
                "give a host name such as jaeger-agent",
            )
        })?;
        return Ok((
            OtlpSettings::new(&url, Some(OtlpProtocol::HttpProtobuf)),
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
fn check_datadog_agent(url: &Url, config: &Config, platform: &PlatformOptions) -> Result<()> {
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
        let source = platform
            .datadog_agent_endpoint
            .as_ref()
            .map(|e| e.source)
            .or_else(|| config.opentelemetry_endpoint.as_ref().map(|e| e.source))
            .unwrap_or(Source::Default);
        return Err(RizkError::invalid(
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
fn check_unselected(o: &PlatformOptions, list: &[TraceExporter]) -> Result<()> {
    // Each option: where it was set (`None` when it was not), and the exporter it belongs to.
    fn row<T>(
        name: &'static str,
        option: &Option<Sourced<T>>,
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
            return Err(RizkError::invalid(
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
