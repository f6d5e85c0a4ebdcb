//! Reading one option of a group from the builder or the environment, with errors that name
//! the option: the helpers every [`OptionGroup`](super::OptionGroup) uses, in core or in the
//! crate that owns the group.

use url::Url;

use super::parse::{parse_endpoint, pick};
use super::{EnvSource, Sourced};
use crate::error::{Result, RizkError};

/// A value that did not parse: what is wrong, and how to fix it.
pub use super::parse::ParseError;

/// The builder's value if set, else the first of `vars` that is set and not empty, parsed;
/// an error names `field` whichever variable the value came from.
///
/// ```
/// use std::collections::BTreeMap;
/// use rizk_core::config::{Source, read};
///
/// let env = BTreeMap::from([("DD_SERVICE".to_owned(), "shop".to_owned())]);
/// let service = read::option("datadog_service", None, &env, &["RIZK_DATADOG_SERVICE", "DD_SERVICE"], read::text)
///     .unwrap().unwrap();
/// assert_eq!((service.value.as_str(), service.source), ("shop", Source::Env("DD_SERVICE")));
///
/// let env = BTreeMap::from([("RIZK_PORT".to_owned(), "x".to_owned())]);
/// let err = read::option("port", None, &env, &["RIZK_PORT"], |s| {
///     s.parse::<u16>().map_err(|_| (format!("{s:?} is not a port"), "use 8126".to_owned()))
/// }).unwrap_err();
/// assert!(err.to_string().contains("port"));
/// ```
pub fn option<T>(
    field: &str,
    builder: Option<T>,
    env: &dyn EnvSource,
    vars: &[&'static str],
    parse: impl Fn(&str) -> std::result::Result<T, ParseError>,
) -> Result<Option<Sourced<T>>> {
    pick(builder, env, vars, parse).map_err(|e| renamed(e, field))
}

/// An `http(s)` URL option, validated like `opentelemetry_endpoint` (a host, no credentials).
///
/// ```
/// use std::collections::BTreeMap;
/// use rizk_core::config::read;
///
/// let env = BTreeMap::new();
/// let url = read::url_option("zipkin_endpoint", Some("http://zipkin:9411".into()), &env, &[])
///     .unwrap().unwrap();
/// assert_eq!(url.value.as_str(), "http://zipkin:9411/");
/// let err = read::url_option("zipkin_endpoint", Some("ftp://zipkin".into()), &env, &[]).unwrap_err();
/// assert!(err.to_string().contains("zipkin_endpoint"));
/// ```
pub fn url_option(
    field: &str,
    builder: Option<String>,
    env: &dyn EnvSource,
    vars: &[&'static str],
) -> Result<Option<Sourced<Url>>> {
    option(field, builder, env, vars, text)?
        .map(|raw| url(field, &raw.value, raw.source).map(|u| Sourced::new(u, raw.source)))
        .transpose()
}

/// `raw` as an `http(s)` endpoint, errors naming `field`.
///
/// ```
/// use rizk_core::config::{Source, read};
///
/// let url = read::url("datadog_agent_endpoint", "http://dd-agent:8126", Source::Builder).unwrap();
/// assert_eq!(url.port(), Some(8126));
/// assert!(read::url("datadog_agent_endpoint", "dd-agent", Source::Builder).is_err());
/// ```
pub fn url(field: &str, raw: &str, source: super::Source) -> Result<Url> {
    parse_endpoint(raw, source).map_err(|e| renamed(e, field))
}

/// `raw` as an OTLP header list (`name=value,name2=value2`, values percent-decoded, as
/// `OTEL_EXPORTER_OTLP_HEADERS` is written); errors name `field`, never a value.
///
/// ```
/// use rizk_core::config::{Source, read};
///
/// let headers = read::headers("metrics_headers", "api-key=s%3Dcret", Source::Builder).unwrap();
/// assert_eq!(headers[0].1.expose(), "s=cret");
/// let err = read::headers("metrics_headers", "no-equals", Source::Builder).unwrap_err();
/// assert!(err.to_string().contains("metrics_headers"));
/// ```
pub fn headers(
    field: &str,
    raw: &str,
    source: super::Source,
) -> Result<Vec<(String, crate::Secret)>> {
    super::parse::parse_headers(raw, source).map_err(|e| renamed(e, field))
}

/// Refuses a name option set to blank text.
///
/// ```
/// use rizk_core::config::{Source, Sourced, read};
///
/// assert!(read::non_empty("datadog_env", Some(Sourced::new(" ".into(), Source::Builder))).is_err());
/// assert!(read::non_empty("datadog_env", None).unwrap().is_none());
/// ```
pub fn non_empty(field: &str, value: Option<Sourced<String>>) -> Result<Option<Sourced<String>>> {
    match value {
        Some(v) if v.value.trim().is_empty() => Err(RizkError::invalid(
            field,
            v.source,
            "it is empty",
            format!("give a name, or leave {field} unset"),
        )),
        other => Ok(other),
    }
}

/// The parser of a boolean option: `true/false/1/0/yes/no/on/off`, case-insensitive.
///
/// ```
/// use rizk_core::config::read;
///
/// assert_eq!(read::boolean("On"), Ok(true));
/// assert!(read::boolean("maybe").is_err());
/// ```
pub fn boolean(s: &str) -> std::result::Result<bool, ParseError> {
    super::parse::parse_bool(s)
}

/// The parser of a text option: the text itself.
///
/// ```
/// assert_eq!(rizk_core::config::read::text("svc").unwrap(), "svc");
/// ```
pub fn text(s: &str) -> std::result::Result<String, ParseError> {
    Ok(s.to_owned())
}

fn renamed(mut error: RizkError, to: &str) -> RizkError {
    if let RizkError::InvalidConfig { field, .. } = &mut error {
        *field = to.to_owned();
    }
    error
}
