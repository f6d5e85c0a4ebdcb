//! Turns a builder plus environment into a validated [`Config`].

use std::time::Duration;

use url::Url;

use super::{
    Config, ConsoleTarget, EnvSource, ExportSettings, HeadSampling, RizkBuilder, Source, Sourced,
    content, exporters, limits, propagation, rizk_env_vars, sampling,
};
use crate::error::{Result, RizkError};
use crate::secret::Secret;

pub(super) fn resolve(b: &RizkBuilder, env: &dyn EnvSource) -> Result<Config> {
    check_unknown_rizk_vars(env)?;

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
    let exporters = exporters::resolve(&b.exporter_input, env)?;
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
    let content = content::resolve(&b.content_input, env)?;
    let sampling = sampling::resolve(&b.sampling_input, env, &mut trace_sampling_rate)?;
    let propagation = propagation::resolve(&b.propagation_input, env)?;
    let limits = limits::resolve(&b.limits_input, env)?;

    Ok(Config {
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
        propagation,
        limits,
    })
}

/// A parse failure: what is wrong, and how to fix it.
pub(super) type ParseError = (String, String);

/// The builder's value if set, else the first variable of `vars` that is set (and not empty).
pub(super) fn pick<T>(
    builder: Option<T>,
    env: &dyn EnvSource,
    vars: &[&'static str],
    parse: impl Fn(&str) -> std::result::Result<T, ParseError>,
) -> Result<Option<Sourced<T>>> {
    if let Some(value) = builder {
        return Ok(Some(Sourced::new(value, Source::Builder)));
    }
    for &var in vars {
        let Some(raw) = env.var(var) else { continue };
        if raw.trim().is_empty() {
            continue;
        }
        return match parse(raw.trim()) {
            Ok(value) => Ok(Some(Sourced::new(value, Source::Env(var)))),
            Err((problem, fix)) => Err(RizkError::invalid(
                field_of(var),
                Source::Env(var),
                problem,
                fix,
            )),
        };
    }
    Ok(None)
}

/// The option an environment variable sets, for error messages.
fn field_of(var: &str) -> String {
    match var {
        "OTEL_SERVICE_NAME" => "app_name".into(),
        "OTEL_EXPORTER_OTLP_ENDPOINT" => "opentelemetry_endpoint".into(),
        "OTEL_EXPORTER_OTLP_HEADERS" | "RIZK_OTLP_HEADERS" => "otlp_headers".into(),
        "OTEL_SDK_DISABLED" => "tracing_enabled".into(),
        "OTEL_TRACES_SAMPLER" | "OTEL_TRACES_SAMPLER_ARG" => "trace_sampling_rate".into(),
        "OTEL_BSP_MAX_QUEUE_SIZE" => "max_queue_size".into(),
        "OTEL_BSP_MAX_EXPORT_BATCH_SIZE" => "max_export_batch_size".into(),
        "OTEL_BSP_SCHEDULE_DELAY" => "scheduled_delay".into(),
        "RIZK_SHUTDOWN_TIMEOUT_MS" => "shutdown_timeout".into(),
        "OTEL_BSP_MAX_CONCURRENT_EXPORTS" => "max_concurrent_exports".into(),
        other => other.trim_start_matches("RIZK_").to_ascii_lowercase(),
    }
}

/// Parses `true/false/1/0/yes/no/on/off`, case-insensitively.
pub(crate) fn parse_bool(s: &str) -> std::result::Result<bool, ParseError> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err((
            format!("{s:?} is not a boolean"),
            "use true or false".to_owned(),
        )),
    }
}

/// Validates a sampling rate: a finite number in `0.0..=1.0`.
pub(crate) fn check_rate(rate: f64, origin: Source) -> Result<f64> {
    if rate.is_finite() && (0.0..=1.0).contains(&rate) {
        Ok(rate)
    } else {
        Err(RizkError::invalid(
            "trace_sampling_rate",
            origin,
            format!("{rate} is not a probability"),
            "use a number between 0.0 and 1.0 (1.0 keeps every trace, 0.1 keeps one in ten)",
        ))
    }
}

fn parse_rate(s: &str) -> std::result::Result<f64, ParseError> {
    s.parse::<f64>().map_err(|_| {
        (
            format!("{s:?} is not a number"),
            "use a number between 0.0 and 1.0".to_owned(),
        )
    })
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

fn resolve_export(b: &RizkBuilder, env: &dyn EnvSource) -> Result<ExportSettings> {
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

/// Validates an export endpoint: an absolute `http` or `https` URL with a host.
pub(crate) fn parse_endpoint(raw: &str, origin: Source) -> Result<Url> {
    let fix = "use an absolute http(s) URL such as http://localhost:4318";
    let url = Url::parse(raw.trim()).map_err(|e| {
        RizkError::invalid(
            "opentelemetry_endpoint",
            origin,
            format!("{raw:?} is not a URL ({e})"),
            fix,
        )
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(RizkError::invalid(
            "opentelemetry_endpoint",
            origin,
            format!("scheme {:?} is not http or https", url.scheme()),
            fix,
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(RizkError::invalid(
            "opentelemetry_endpoint",
            origin,
            "the URL has no host",
            fix,
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(RizkError::invalid(
            "opentelemetry_endpoint",
            origin,
            "the URL carries credentials",
            "pass credentials as a header (otlp_header / OTEL_EXPORTER_OTLP_HEADERS) so they stay secret",
        ));
    }
    Ok(url)
}

/// Parses the W3C-baggage-like `key=value,key2=value2` list of `OTEL_EXPORTER_OTLP_HEADERS`.
/// Values are percent-decoded. Error messages name the header, never its value.
pub(crate) fn parse_headers(raw: &str, origin: Source) -> Result<Vec<(String, Secret)>> {
    let mut headers = Vec::new();
    for (index, member) in raw.split(',').enumerate() {
        let member = member.trim();
        if member.is_empty() {
            continue;
        }
        let Some((name, value)) = member.split_once('=') else {
            return Err(RizkError::invalid(
                "otlp_headers",
                origin,
                format!("entry {} has no '='", index + 1),
                "write headers as name=value pairs separated by commas, such as api-key=KEY,x-team=llm",
            ));
        };
        let name = name.trim().to_owned();
        let value = percent_decode(value.trim()).ok_or_else(|| {
            RizkError::invalid(
                "otlp_headers",
                origin,
                format!("the value of header {name:?} has a broken percent escape"),
                "encode special characters as %XX with two hex digits",
            )
        })?;
        validate_header(&name, &value, origin)?;
        headers.push((name, Secret::new(value)));
    }
    Ok(headers)
}

fn validate_header(name: &str, value: &str, origin: Source) -> Result<()> {
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if name.is_empty() || !name.chars().all(token) {
        return Err(RizkError::invalid(
            "otlp_headers",
            origin,
            format!("{name:?} is not a valid HTTP header name"),
            "use letters, digits and '-' in header names, such as api-key",
        ));
    }
    if value.chars().any(|c| c.is_control() && c != '\t') {
        return Err(RizkError::invalid(
            "otlp_headers",
            origin,
            format!("the value of header {name:?} contains a control character"),
            "remove line breaks and control characters from the value",
        ));
    }
    Ok(())
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn check_unknown_rizk_vars(env: &dyn EnvSource) -> Result<()> {
    let mut unknown: Vec<String> = env
        .names_with_prefix("RIZK_")
        .into_iter()
        .filter(|name| !rizk_env_vars().any(|known| known == name))
        .collect();
    unknown.sort();
    let Some(name) = unknown.into_iter().next() else {
        return Ok(());
    };
    let suggestion = rizk_env_vars()
        .map(|known| (edit_distance(&name, known), known))
        .filter(|(d, _)| *d <= 3)
        .min()
        .map(|(_, known)| known.to_owned());
    Err(RizkError::UnknownEnvVar { name, suggestion })
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(edit_distance("RIZK_TRACE_CONTNET", "RIZK_TRACE_CONTENT"), 2);
        assert_eq!(edit_distance("abc", "abc"), 0);
        assert_eq!(edit_distance("", "ab"), 2);
    }

    #[test]
    fn percent_decoding_handles_escapes_and_rejects_broken_ones() {
        assert_eq!(percent_decode("a%20b%2Cc").as_deref(), Some("a b,c"));
        assert_eq!(percent_decode("100%"), None);
        assert_eq!(percent_decode("%zz"), None);
    }
}
