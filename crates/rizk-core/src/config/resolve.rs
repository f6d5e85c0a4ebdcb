//! Turns what the builder was given plus the environment into a validated [`Config`]: the
//! core options here, each option group by its own `resolve`.

use std::time::Duration;

use super::parse::{
    ParseError, check_rate, parse_bool, parse_endpoint, parse_headers, parse_rate, pick,
    validate_header,
};
use super::{
    Config, ConsoleTarget, EnvSource, ExportSettings, HeadSampling, Input, Source, Sourced,
    content, conventions, exporters, limits, rizk_env_vars, sampling,
};
use crate::error::{Result, RizkError};
use crate::secret::Secret;

/// Turns the builder's input plus the environment into a validated [`Config`].
pub(crate) fn resolve(b: &Input, env: &dyn EnvSource) -> Result<Config> {
    check_unknown_rizk_vars(env, b)?;

    let app_name = pick(
        b.app_name.clone(),
        env,
        &["RIZK_APP_NAME", "OTEL_SERVICE_NAME"],
        |s| Ok(s.to_owned()),
    )?
    .ok_or_else(|| RizkError::MissingConfig {
        field: "app_name".into(),
        fix:
            "call .app_name(\"my-app\") on the builder or set RIZK_APP_NAME (or OTEL_SERVICE_NAME)"
                .into(),
    })?;
    if app_name.value.trim().is_empty() {
        return Err(RizkError::invalid(
            "app_name",
            app_name.source,
            "it is empty",
            "give the application a name, such as \"support-bot\"",
        ));
    }

    let api_key = pick(b.api_key.clone(), env, &["RIZK_API_KEY"], |s| {
        Ok(Secret::new(s))
    })?;
    if let Some(key) = &api_key
        && key.value.expose().trim().is_empty()
    {
        return Err(RizkError::invalid(
            "api_key",
            key.source,
            "it is empty",
            "set the key from your Rizk dashboard, or leave api_key unset",
        ));
    }

    let tracing_enabled = match pick(
        b.tracing_enabled,
        env,
        &["RIZK_TRACING_ENABLED"],
        parse_bool,
    )? {
        Some(v) => v,
        None => match pick(None, env, &["OTEL_SDK_DISABLED"], parse_bool)? {
            Some(disabled) => Sourced::new(!disabled.value, disabled.source),
            None => Sourced::new(true, Source::Default),
        },
    };

    let opentelemetry_endpoint = pick(
        b.opentelemetry_endpoint.clone(),
        env,
        &["RIZK_OPENTELEMETRY_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"],
        |s| Ok(s.to_owned()),
    )?
    .map(|s| parse_endpoint(&s.value, s.source).map(|url| Sourced::new(url, s.source)))
    .transpose()?;

    let otlp_headers = if b.otlp_headers.is_empty() {
        match pick(
            None,
            env,
            &["RIZK_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_HEADERS"],
            |s| Ok(s.to_owned()),
        )? {
            Some(raw) => Sourced::new(parse_headers(&raw.value, raw.source)?, raw.source),
            None => Sourced::new(Vec::new(), Source::Default),
        }
    } else {
        for (name, value) in &b.otlp_headers {
            validate_header(name, value.expose(), Source::Builder)?;
        }
        Sourced::new(b.otlp_headers.clone(), Source::Builder)
    };

    let trace_content = pick(b.trace_content, env, &["RIZK_TRACE_CONTENT"], parse_bool)?
        .unwrap_or(Sourced::new(true, Source::Default));

    let mut trace_sampling_rate = resolve_sampling(b.trace_sampling_rate, env)?;

    let trace_debug = pick(b.trace_debug, env, &["RIZK_TRACE_DEBUG"], parse_bool)?
        .unwrap_or(Sourced::new(false, Source::Default));

    // Before the console default: selecting Zipkin or Datadog alone also replaces the console.
    let exporters = exporters::resolve(&b.exporters, env)?;
    let console_exporter = match pick(
        b.console_exporter,
        env,
        &["RIZK_CONSOLE_EXPORTER"],
        parse_bool,
    )? {
        Some(v) => v,
        None if trace_debug.value => Sourced::new(true, Source::Derived),
        None if opentelemetry_endpoint.is_none()
            && api_key.is_none()
            && !exporters.configures_remote() =>
        {
            Sourced::new(true, Source::Derived)
        }
        None => Sourced::new(false, Source::Default),
    };

    let console_target = pick(b.console_target, env, &["RIZK_CONSOLE_TARGET"], |s| {
        s.parse::<ConsoleTarget>()
            .map_err(|problem| (problem, "use \"stdout\" or \"stderr\"".to_owned()))
    })?
    .unwrap_or(Sourced::new(ConsoleTarget::Stderr, Source::Default));

    let trace_file = pick(b.trace_file.clone(), env, &["RIZK_TRACE_FILE"], |s| {
        Ok(std::path::PathBuf::from(s))
    })?;
    let export = resolve_export(b, env)?;
    let content = content::resolve(&b.content, env)?;
    let sampling = sampling::resolve(&b.sampling, env, &mut trace_sampling_rate)?;
    let limits = limits::resolve(&b.limits, env)?;
    let conventions = conventions::resolve(&b.conventions, env)?;

    let mut config = Config {
        app_name,
        api_key,
        tracing_enabled,
        opentelemetry_endpoint,
        otlp_headers,
        trace_content,
        trace_sampling_rate,
        trace_debug,
        console_exporter,
        console_target,
        trace_file,
        export,
        exporters,
        content,
        sampling,
        limits,
        conventions,
        groups: Default::default(),
    };
    // Last, so each group can check itself against the core options.
    config.groups = b.groups.resolve(&config, env)?;
    Ok(config)
}

fn resolve_sampling(builder: Option<f64>, env: &dyn EnvSource) -> Result<Sourced<HeadSampling>> {
    if let Some(rate) = pick(builder, env, &["RIZK_TRACE_SAMPLING_RATE"], parse_rate)? {
        let value = check_rate(rate.value, rate.source)?;
        return Ok(Sourced::new(
            HeadSampling {
                rate: value,
                parent_based: true,
            },
            rate.source,
        ));
    }
    let Some(sampler) = pick(None, env, &["OTEL_TRACES_SAMPLER"], |s| {
        Ok(s.to_ascii_lowercase())
    })?
    else {
        return Ok(Sourced::new(
            HeadSampling {
                rate: 1.0,
                parent_based: true,
            },
            Source::Default,
        ));
    };
    let arg = || -> Result<f64> {
        match pick(None, env, &["OTEL_TRACES_SAMPLER_ARG"], parse_rate)? {
            Some(rate) => check_rate(rate.value, rate.source),
            None => Ok(1.0),
        }
    };
    let (rate, parent_based) = match sampler.value.as_str() {
        "always_on" => (1.0, false),
        "always_off" => (0.0, false),
        "traceidratio" => (arg()?, false),
        "parentbased_always_on" => (1.0, true),
        "parentbased_always_off" => (0.0, true),
        "parentbased_traceidratio" => (arg()?, true),
        other => {
            return Err(RizkError::invalid(
                "trace_sampling_rate",
                sampler.source,
                format!("sampler {other:?} is not supported"),
                "use always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off or parentbased_traceidratio",
            ));
        }
    };
    Ok(Sourced::new(
        HeadSampling { rate, parent_based },
        sampler.source,
    ))
}

fn resolve_export(b: &Input, env: &dyn EnvSource) -> Result<ExportSettings> {
    let positive = |s: &str| -> std::result::Result<usize, ParseError> {
        match s.parse::<usize>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err((
                format!("{s:?} is not a positive whole number"),
                "use a number such as 2048".to_owned(),
            )),
        }
    };
    let millis = |s: &str| -> std::result::Result<Duration, ParseError> {
        s.parse::<u64>().map(Duration::from_millis).map_err(|_| {
            (
                format!("{s:?} is not a whole number of milliseconds"),
                "use a number such as 5000".to_owned(),
            )
        })
    };
    let defaults = ExportSettings::default();
    let max_queue_size = pick(
        b.max_queue_size,
        env,
        &["OTEL_BSP_MAX_QUEUE_SIZE"],
        positive,
    )?;
    let max_queue_bytes = pick(b.max_queue_bytes, env, &["RIZK_MAX_QUEUE_BYTES"], positive)?
        .unwrap_or(defaults.max_queue_bytes);
    let max_export_batch_size = pick(None, env, &["OTEL_BSP_MAX_EXPORT_BATCH_SIZE"], positive)?
        .unwrap_or(defaults.max_export_batch_size);
    let scheduled_delay =
        pick(None, env, &["OTEL_BSP_SCHEDULE_DELAY"], millis)?.unwrap_or(defaults.scheduled_delay);
    let max_concurrent_exports = pick(
        b.max_concurrent_exports,
        env,
        &["OTEL_BSP_MAX_CONCURRENT_EXPORTS"],
        positive,
    )?
    .unwrap_or(defaults.max_concurrent_exports);
    let max_export_request_bytes = pick(
        b.max_export_request_bytes,
        env,
        &["RIZK_MAX_EXPORT_REQUEST_BYTES"],
        positive,
    )?;
    let shutdown_timeout = pick(
        b.shutdown_timeout,
        env,
        &["RIZK_SHUTDOWN_TIMEOUT_MS"],
        millis,
    )?
    .unwrap_or(defaults.shutdown_timeout);
    for (field, value) in [
        ("max_queue_size", max_queue_size.as_ref()),
        ("max_queue_bytes", Some(&max_queue_bytes)),
        ("max_concurrent_exports", Some(&max_concurrent_exports)),
        (
            "max_export_request_bytes",
            max_export_request_bytes.as_ref(),
        ),
    ] {
        if let Some(v) = value
            && v.value == 0
        {
            return Err(RizkError::invalid(
                field,
                v.source,
                "it is 0",
                "use a positive number, or leave it unset for the default (docs/configuration.md)",
            ));
        }
    }
    Ok(ExportSettings {
        max_queue_bytes,
        max_queue_size,
        max_export_batch_size,
        scheduled_delay,
        max_concurrent_exports,
        max_export_request_bytes,
        shutdown_timeout,
    })
}

fn check_unknown_rizk_vars(env: &dyn EnvSource, b: &Input) -> Result<()> {
    let known = || rizk_env_vars().chain(b.groups.env_vars());
    let mut unknown: Vec<String> = env
        .names_with_prefix("RIZK_")
        .into_iter()
        .filter(|name| !known().any(|k| k == name))
        .collect();
    unknown.sort();
    let Some(name) = unknown.into_iter().next() else {
        return Ok(());
    };
    let suggestion = known()
        .map(|known| (strsim::levenshtein(&name, known), known))
        .filter(|(d, _)| *d <= 3)
        .min()
        .map(|(_, known)| known.to_owned());
    Err(RizkError::UnknownEnvVar { name, suggestion })
}
