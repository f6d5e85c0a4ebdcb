//! Options for attribute and payload limits: inline media placeholders, the content cap, and
//! the standard OpenTelemetry attribute limits (`OTEL_*_LIMIT`).
//!
//! This file owns them end to end: the builder methods (an `impl RizkBuilder` block), the
//! `RIZK_*` variables they read ([`ENV_VARS`]), their validation ([`resolve`]) and their lines
//! in `get_trace_config()` ([`LimitOptions::settings`]). The transforms that apply them are in
//! `crate::export::limits`.
//!
//! Unlike `opentelemetry_sdk` (which reads the count limits itself and silently ignores a bad
//! value), a malformed limit here is an error naming the variable, and the validated limits
//! are handed to the SDK explicitly ([`LimitOptions::sdk_span_limits`]).

use opentelemetry_sdk::trace::SpanLimits;

use super::Setting;
use super::parse::parse_bool;
use super::{EnvSource, Source, Sourced};
use crate::error::{Result, RizkError};

/// The `RIZK_*` variables these options read.
pub(super) const ENV_VARS: &[&str] = &["RIZK_KEEP_INLINE_MEDIA", "RIZK_MAX_CONTENT_LENGTH"];

/// The default content cap: 128 KiB per value.
///
/// Why this size: a long prompt with retrieved context is tens of KB (128 KiB is about 32,000
/// tokens of English), so ordinary prompts and completions pass whole; beyond it a value is
/// rarely read in a trace view, and some thirty such values still fit in one 4 MiB gRPC
/// request, the default limit of OTLP receivers.
///
/// ```
/// assert_eq!(rizk_core::config::DEFAULT_MAX_CONTENT_LENGTH, 131_072);
/// ```
pub const DEFAULT_MAX_CONTENT_LENGTH: usize = 128 * 1024;

/// The OpenTelemetry default of every count limit (attributes, events, links per span).
const DEFAULT_COUNT_LIMIT: u32 = 128;

/// What the builder was given for these options.
#[derive(Debug, Clone, Default)]
pub(crate) struct LimitsInput {
    pub(crate) keep_inline_media: Option<bool>,
    pub(crate) max_content_length: Option<usize>,
    pub(crate) attribute_value_length_limit: Option<usize>,
    pub(crate) span_attribute_count_limit: Option<u32>,
    pub(crate) span_event_count_limit: Option<u32>,
}

/// The validated attribute and payload limits.
///
/// ```
/// let config = rizk_core::RizkBuilder::new()
///     .app_name("svc")
///     .max_content_length(64 * 1024)
///     .ignore_environment()
///     .build_config()
///     .unwrap();
/// let limits = &config.limits;
/// assert_eq!(limits.max_content_length.value, 65_536);
/// assert!(!limits.keep_inline_media.value);
/// assert!(limits.attribute_value_length_limit.is_none()); // unlimited, as OpenTelemetry
/// assert_eq!(limits.span_attribute_count_limit.value, 128);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct LimitOptions {
    /// Export inline base64 media (data URIs, long base64 runs) in content as is, instead of a
    /// placeholder with its media type, size and hash. `RIZK_KEEP_INLINE_MEDIA`.
    pub keep_inline_media: Sourced<bool>,
    /// Longest content value (prompts, completions, inputs, outputs, error messages) in bytes;
    /// longer ones are cut with a marker. `usize::MAX`: no cap. `RIZK_MAX_CONTENT_LENGTH`.
    pub max_content_length: Sourced<usize>,
    /// Longest string attribute value in characters (every string, content or not), cut
    /// without a marker as the OpenTelemetry specification says. `None`: unlimited.
    /// `OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT`, else `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT`.
    pub attribute_value_length_limit: Option<Sourced<usize>>,
    /// Attributes per span; later ones are dropped and counted in `dropped_attributes_count`.
    /// `OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT`, else `OTEL_ATTRIBUTE_COUNT_LIMIT`.
    pub span_attribute_count_limit: Sourced<u32>,
    /// Events per span. `OTEL_SPAN_EVENT_COUNT_LIMIT`.
    pub span_event_count_limit: Sourced<u32>,
    /// Links per span. `OTEL_SPAN_LINK_COUNT_LIMIT`.
    pub span_link_count_limit: Sourced<u32>,
    /// Attributes per span event. `OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT`.
    pub event_attribute_count_limit: Sourced<u32>,
    /// Attributes per span link. `OTEL_LINK_ATTRIBUTE_COUNT_LIMIT`.
    pub link_attribute_count_limit: Sourced<u32>,
}

impl Default for LimitOptions {
    fn default() -> Self {
        let count = Sourced::new(DEFAULT_COUNT_LIMIT, Source::Default);
        LimitOptions {
            keep_inline_media: Sourced::new(false, Source::Default),
            max_content_length: Sourced::new(DEFAULT_MAX_CONTENT_LENGTH, Source::Default),
            attribute_value_length_limit: None,
            span_attribute_count_limit: count.clone(),
            span_event_count_limit: count.clone(),
            span_link_count_limit: count.clone(),
            event_attribute_count_limit: count.clone(),
            link_attribute_count_limit: count,
        }
    }
}

impl LimitOptions {
    /// The count limits for `SdkTracerProvider::builder().with_span_limits(..)`: the SDK
    /// enforces them when attributes, events and links are added, and counts what it drops.
    ///
    /// ```
    /// let config = rizk_core::RizkBuilder::new()
    ///     .app_name("svc")
    ///     .span_attribute_count_limit(32)
    ///     .ignore_environment()
    ///     .build_config()
    ///     .unwrap();
    /// assert_eq!(config.limits.sdk_span_limits().max_attributes_per_span, 32);
    /// ```
    pub fn sdk_span_limits(&self) -> SpanLimits {
        // Every field is set, so none of the SDK's own (unvalidated) environment reading
        // survives.
        SpanLimits {
            max_attributes_per_span: self.span_attribute_count_limit.value,
            max_events_per_span: self.span_event_count_limit.value,
            max_links_per_span: self.span_link_count_limit.value,
            max_attributes_per_event: self.event_attribute_count_limit.value,
            max_attributes_per_link: self.link_attribute_count_limit.value,
        }
    }

    /// These options as lines of `get_trace_config()`.
    ///
    /// ```
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment().build_config().unwrap();
    /// let lines = config.limits.settings();
    /// let cap = lines.iter().find(|s| s.name == "max_content_length").unwrap();
    /// assert_eq!(cap.value, "131072 bytes");
    /// ```
    pub fn settings(&self) -> Vec<Setting> {
        let line = Setting::new;
        let count = |name, v: &Sourced<u32>| line(name, v.value.to_string(), v.source);
        vec![
            line(
                "keep_inline_media",
                self.keep_inline_media.value.to_string(),
                self.keep_inline_media.source,
            ),
            line(
                "max_content_length",
                if self.max_content_length.value == usize::MAX {
                    "none".to_owned()
                } else {
                    format!("{} bytes", self.max_content_length.value)
                },
                self.max_content_length.source,
            ),
            match &self.attribute_value_length_limit {
                Some(v) => line(
                    "attribute_value_length_limit",
                    format!("{} characters", v.value),
                    v.source,
                ),
                None => line(
                    "attribute_value_length_limit",
                    "unlimited".to_owned(),
                    Source::Default,
                ),
            },
            count(
                "span_attribute_count_limit",
                &self.span_attribute_count_limit,
            ),
            count("span_event_count_limit", &self.span_event_count_limit),
            count("span_link_count_limit", &self.span_link_count_limit),
            count(
                "event_attribute_count_limit",
                &self.event_attribute_count_limit,
            ),
            count(
                "link_attribute_count_limit",
                &self.link_attribute_count_limit,
            ),
        ]
    }
}

/// The first of `vars` that is set and not empty, parsed; a malformed value is an error naming
/// `field`, the variable and the fix.
fn from_env<T>(
    env: &dyn EnvSource,
    field: &str,
    vars: &[&'static str],
    parse: impl Fn(&str) -> Option<T>,
    (what, fix): (&str, &str),
) -> Result<Option<Sourced<T>>> {
    for &var in vars {
        let Some(raw) = env.var(var).filter(|v| !v.trim().is_empty()) else {
            continue;
        };
        let raw = raw.trim();
        return match parse(raw) {
            Some(value) => Ok(Some(Sourced::new(value, Source::Env(var)))),
            None => Err(RizkError::invalid(
                field,
                Source::Env(var),
                format!("{raw:?} is not {what}"),
                fix,
            )),
        };
    }
    Ok(None)
}

pub(super) fn resolve(input: &LimitsInput, env: &dyn EnvSource) -> Result<LimitOptions> {
    let defaults = LimitOptions::default();

    let keep_inline_media = match input.keep_inline_media {
        Some(v) => Sourced::new(v, Source::Builder),
        None => from_env(
            env,
            "keep_inline_media",
            &["RIZK_KEEP_INLINE_MEDIA"],
            |s| parse_bool(s).ok(),
            ("a boolean", "use true or false"),
        )?
        .unwrap_or(defaults.keep_inline_media),
    };

    let cap_fix =
        "use a number of bytes of at least 1, such as 131072 (the default), or \"none\" for no cap";
    let max_content_length = match input.max_content_length {
        Some(v) => Sourced::new(v, Source::Builder),
        None => from_env(
            env,
            "max_content_length",
            &["RIZK_MAX_CONTENT_LENGTH"],
            |s| match s.to_ascii_lowercase().as_str() {
                "none" | "unlimited" | "off" => Some(usize::MAX),
                _ => s.parse::<usize>().ok(),
            },
            ("a number of bytes", cap_fix),
        )?
        .unwrap_or(defaults.max_content_length),
    };
    if max_content_length.value == 0 {
        return Err(RizkError::invalid(
            "max_content_length",
            max_content_length.source,
            "it is 0, which would remove all content while still exporting a marker",
            if max_content_length.source == Source::Builder {
                "use a number of bytes of at least 1, such as 131072 (the default), or usize::MAX for no cap; to record no content, use trace_metadata_only(true)"
            } else {
                "use a number of bytes of at least 1, such as 131072 (the default), or \"none\" for no cap; to record no content, set RIZK_TRACE_METADATA_ONLY=true"
            },
        ));
    }

    let attribute_value_length_limit = match input.attribute_value_length_limit {
        Some(v) => Some(Sourced::new(v, Source::Builder)),
        None => from_env(
            env,
            "attribute_value_length_limit",
            &[
                "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT",
                "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT",
            ],
            |s| s.parse::<usize>().ok(),
            (
                "a whole number of characters",
                "use a number such as 4096, or unset the variable for no limit",
            ),
        )?,
    };

    let count =
        |builder: Option<u32>, field: &str, vars: &[&'static str]| -> Result<Sourced<u32>> {
            if let Some(v) = builder {
                return Ok(Sourced::new(v, Source::Builder));
            }
            Ok(from_env(
                env,
                field,
                vars,
                |s| s.parse::<u32>().ok(),
                (
                    "a count from 0 to 4294967295",
                    "use a whole number such as 128 (the default)",
                ),
            )?
            .unwrap_or(Sourced::new(DEFAULT_COUNT_LIMIT, Source::Default)))
        };

    Ok(LimitOptions {
        keep_inline_media,
        max_content_length,
        attribute_value_length_limit,
        span_attribute_count_limit: count(
            input.span_attribute_count_limit,
            "span_attribute_count_limit",
            &[
                "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT",
                "OTEL_ATTRIBUTE_COUNT_LIMIT",
            ],
        )?,
        span_event_count_limit: count(
            input.span_event_count_limit,
            "span_event_count_limit",
            &["OTEL_SPAN_EVENT_COUNT_LIMIT"],
        )?,
        span_link_count_limit: count(
            None,
            "span_link_count_limit",
            &["OTEL_SPAN_LINK_COUNT_LIMIT"],
        )?,
        event_attribute_count_limit: count(
            None,
            "event_attribute_count_limit",
            &["OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT"],
        )?,
        link_attribute_count_limit: count(
            None,
            "link_attribute_count_limit",
            &["OTEL_LINK_ATTRIBUTE_COUNT_LIMIT"],
        )?,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn resolve_env(pairs: &[(&str, &str)]) -> Result<LimitOptions> {
        let env: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        resolve(&LimitsInput::default(), &env)
    }

    use crate::config::tests::field_and_message;

    #[test]
    fn defaults_are_the_documented_ones() {
        let o = resolve_env(&[]).unwrap();
        assert!(!o.keep_inline_media.value);
        assert_eq!(o.max_content_length.value, 131_072);
        assert_eq!(o.max_content_length.source, Source::Default);
        assert!(o.attribute_value_length_limit.is_none());
        let sdk = o.sdk_span_limits();
        assert_eq!(sdk.max_attributes_per_span, 128);
        assert_eq!(sdk.max_events_per_span, 128);
        assert_eq!(sdk.max_links_per_span, 128);
        assert_eq!(sdk.max_attributes_per_event, 128);
        assert_eq!(sdk.max_attributes_per_link, 128);
    }

    #[test]
    fn environment_variables_are_read() {
        let o = resolve_env(&[
            ("RIZK_KEEP_INLINE_MEDIA", "yes"),
            ("RIZK_MAX_CONTENT_LENGTH", "1000"),
            ("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "300"),
            ("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "10"),
            ("OTEL_SPAN_EVENT_COUNT_LIMIT", "0"),
            ("OTEL_SPAN_LINK_COUNT_LIMIT", "3"),
            ("OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", "4"),
            ("OTEL_LINK_ATTRIBUTE_COUNT_LIMIT", "5"),
        ])
        .unwrap();
        assert!(o.keep_inline_media.value);
        assert_eq!(
            o.keep_inline_media.source,
            Source::Env("RIZK_KEEP_INLINE_MEDIA")
        );
        assert_eq!(o.max_content_length.value, 1000);
        let value_limit = o.attribute_value_length_limit.clone().unwrap();
        assert_eq!(value_limit.value, 300);
        assert_eq!(
            value_limit.source,
            Source::Env("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT")
        );
        let sdk = o.sdk_span_limits();
        assert_eq!(sdk.max_attributes_per_span, 10);
        assert_eq!(sdk.max_events_per_span, 0);
        assert_eq!(sdk.max_links_per_span, 3);
        assert_eq!(sdk.max_attributes_per_event, 4);
        assert_eq!(sdk.max_attributes_per_link, 5);
    }

    #[test]
    fn span_specific_otel_variables_win_over_general_ones() {
        let o = resolve_env(&[
            ("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "300"),
            ("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "200"),
            ("OTEL_ATTRIBUTE_COUNT_LIMIT", "50"),
            ("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "60"),
        ])
        .unwrap();
        let value_limit = o.attribute_value_length_limit.unwrap();
        assert_eq!(value_limit.value, 200);
        assert_eq!(
            value_limit.source,
            Source::Env("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT")
        );
        assert_eq!(o.span_attribute_count_limit.value, 60);
        let o = resolve_env(&[("OTEL_ATTRIBUTE_COUNT_LIMIT", "50")]).unwrap();
        assert_eq!(o.span_attribute_count_limit.value, 50);
    }

    #[test]
    fn the_builder_wins_over_every_variable() {
        let env: BTreeMap<String, String> = [
            ("RIZK_KEEP_INLINE_MEDIA", "true"),
            ("RIZK_MAX_CONTENT_LENGTH", "1000"),
            ("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "200"),
            ("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "60"),
            ("OTEL_SPAN_EVENT_COUNT_LIMIT", "7"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let input = LimitsInput {
            keep_inline_media: Some(false),
            max_content_length: Some(2000),
            attribute_value_length_limit: Some(100),
            span_attribute_count_limit: Some(20),
            span_event_count_limit: Some(8),
        };
        let o = resolve(&input, &env).unwrap();
        assert!(!o.keep_inline_media.value);
        assert_eq!(o.max_content_length.value, 2000);
        assert_eq!(o.attribute_value_length_limit.unwrap().value, 100);
        assert_eq!(o.span_attribute_count_limit.value, 20);
        assert_eq!(o.span_event_count_limit.value, 8);
        for source in [
            o.keep_inline_media.source,
            o.max_content_length.source,
            o.span_attribute_count_limit.source,
            o.span_event_count_limit.source,
        ] {
            assert_eq!(source, Source::Builder);
        }
    }

    #[test]
    fn the_content_cap_can_be_turned_off_but_not_set_to_zero() {
        for off in ["none", "NONE", "unlimited", "off"] {
            let o = resolve_env(&[("RIZK_MAX_CONTENT_LENGTH", off)]).unwrap();
            assert_eq!(o.max_content_length.value, usize::MAX);
            let line = o
                .settings()
                .into_iter()
                .find(|s| s.name == "max_content_length")
                .unwrap();
            assert_eq!(line.value, "none");
        }
        let (field, message) =
            field_and_message(resolve_env(&[("RIZK_MAX_CONTENT_LENGTH", "0")]).unwrap_err());
        assert_eq!(field, "max_content_length");
        assert!(
            message.contains("RIZK_MAX_CONTENT_LENGTH") && message.contains("\"none\""),
            "{message}"
        );
        let input = LimitsInput {
            max_content_length: Some(0),
            ..LimitsInput::default()
        };
        let message = resolve(&input, &BTreeMap::new()).unwrap_err().to_string();
        assert!(
            message.contains("builder") && message.contains("usize::MAX"),
            "{message}"
        );
    }

    #[test]
    fn malformed_values_are_errors_naming_the_variable_and_the_fix() {
        let cases = [
            ("RIZK_KEEP_INLINE_MEDIA", "maybe", "keep_inline_media"),
            ("RIZK_MAX_CONTENT_LENGTH", "128k", "max_content_length"),
            ("RIZK_MAX_CONTENT_LENGTH", "-1", "max_content_length"),
            (
                "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT",
                "lots",
                "attribute_value_length_limit",
            ),
            (
                "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT",
                "-5",
                "attribute_value_length_limit",
            ),
            (
                "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT",
                "1.5",
                "span_attribute_count_limit",
            ),
            (
                "OTEL_ATTRIBUTE_COUNT_LIMIT",
                "many",
                "span_attribute_count_limit",
            ),
            (
                "OTEL_SPAN_EVENT_COUNT_LIMIT",
                "99999999999",
                "span_event_count_limit",
            ),
            ("OTEL_SPAN_LINK_COUNT_LIMIT", "x", "span_link_count_limit"),
            (
                "OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT",
                "-1",
                "event_attribute_count_limit",
            ),
            (
                "OTEL_LINK_ATTRIBUTE_COUNT_LIMIT",
                "ten",
                "link_attribute_count_limit",
            ),
        ];
        for (var, value, expected) in cases {
            let (field, message) = field_and_message(resolve_env(&[(var, value)]).unwrap_err());
            assert_eq!(field, expected, "{var}={value}");
            assert!(
                message.contains(var) && message.contains("use "),
                "{message}"
            );
        }
    }

    #[test]
    fn empty_variables_count_as_unset() {
        let o = resolve_env(&[
            ("RIZK_MAX_CONTENT_LENGTH", " "),
            ("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", ""),
            ("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "50"),
        ])
        .unwrap();
        assert_eq!(o.max_content_length.source, Source::Default);
        assert_eq!(o.attribute_value_length_limit.unwrap().value, 50);
    }

    #[test]
    fn settings_show_every_limit_with_its_source() {
        let o = resolve_env(&[("OTEL_SPAN_EVENT_COUNT_LIMIT", "9")]).unwrap();
        let lines = o.settings();
        let names: Vec<_> = lines.iter().map(|s| s.name).collect();
        assert_eq!(
            names,
            [
                "keep_inline_media",
                "max_content_length",
                "attribute_value_length_limit",
                "span_attribute_count_limit",
                "span_event_count_limit",
                "span_link_count_limit",
                "event_attribute_count_limit",
                "link_attribute_count_limit",
            ]
        );
        let events = lines
            .iter()
            .find(|s| s.name == "span_event_count_limit")
            .unwrap();
        assert_eq!(events.value, "9");
        assert_eq!(events.source, Source::Env("OTEL_SPAN_EVENT_COUNT_LIMIT"));
        assert_eq!(lines[2].value, "unlimited");
    }
}
