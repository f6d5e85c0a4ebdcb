//! Parsing and checking single values: booleans, rates, endpoints, headers, and picking a value
//! from the builder or the environment. The leaves every option group uses.

use url::Url;

use super::{EnvSource, Source, Sourced};
use crate::error::{Result, RizkError};
use crate::secret::Secret;

/// A parse failure: what is wrong, and how to fix it (re-exported as
/// `config::read::ParseError` for option groups).
///
/// ```
/// let problem: rizk_core::config::read::ParseError =
///     ("\"x\" is not a port".into(), "use a number such as 8126".into());
/// assert!(problem.1.contains("8126"));
/// ```
pub type ParseError = (String, String);

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

pub(super) fn parse_rate(s: &str) -> std::result::Result<f64, ParseError> {
    s.parse::<f64>().map_err(|_| {
        (
            format!("{s:?} is not a number"),
            "use a number between 0.0 and 1.0".to_owned(),
        )
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
        let value = decode_header_value(value.trim()).ok_or_else(|| {
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

pub(super) fn validate_header(name: &str, value: &str, origin: Source) -> Result<()> {
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

/// The value of one `OTEL_EXPORTER_OTLP_HEADERS` entry, `%XX` escapes decoded; `None` for a
/// broken escape (which the URL crates would pass through unchanged).
fn decode_header_value(s: &str) -> Option<String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_values_decode_escapes_and_reject_broken_ones() {
        assert_eq!(decode_header_value("a%20b%2Cc").as_deref(), Some("a b,c"));
        assert_eq!(decode_header_value("100%"), None);
        assert_eq!(decode_header_value("%zz"), None);
    }
}
