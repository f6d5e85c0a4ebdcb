//! Precedence, environment parsing and every bad input the configuration refuses.

use std::collections::BTreeMap;
use std::time::Duration;

use super::*;
use crate::RizkBuilder;

fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn with_env(pairs: &[(&str, &str)]) -> RizkBuilder {
    RizkBuilder::new().env(env(pairs))
}

fn invalid_field(err: RizkError) -> String {
    match err {
        RizkError::InvalidConfig { field, .. } => field,
        other => panic!("expected InvalidConfig, got {other:?}"),
    }
}

#[test]
fn builder_wins_over_rizk_env_which_wins_over_otel_env() {
    let config = with_env(&[
        ("RIZK_APP_NAME", "from-rizk"),
        ("OTEL_SERVICE_NAME", "from-otel"),
    ])
    .build_config()
    .unwrap();
    assert_eq!(config.app_name.value, "from-rizk");
    assert_eq!(config.app_name.source, Source::Env("RIZK_APP_NAME"));

    let config = with_env(&[("OTEL_SERVICE_NAME", "from-otel")])
        .build_config()
        .unwrap();
    assert_eq!(config.app_name.value, "from-otel");

    let config = with_env(&[("RIZK_APP_NAME", "from-rizk")])
        .app_name("from-builder")
        .build_config()
        .unwrap();
    assert_eq!(config.app_name.value, "from-builder");
    assert_eq!(config.app_name.source, Source::Builder);
}

#[test]
fn every_core_option_reads_its_rizk_variable() {
    let config = with_env(&[
        ("RIZK_APP_NAME", "svc"),
        ("RIZK_API_KEY", "rk_live_0123456789abcdef"),
        ("RIZK_TRACING_ENABLED", "no"),
        (
            "RIZK_OPENTELEMETRY_ENDPOINT",
            "https://collector.example:4318",
        ),
        ("RIZK_OTLP_HEADERS", "api-key=abc"),
        ("RIZK_TRACE_CONTENT", "false"),
        ("RIZK_TRACE_SAMPLING_RATE", "0.25"),
        ("RIZK_TRACE_DEBUG", "1"),
        ("RIZK_CONSOLE_EXPORTER", "off"),
        ("RIZK_CONSOLE_TARGET", "stdout"),
        ("RIZK_SHUTDOWN_TIMEOUT_MS", "1500"),
    ])
    .build_config()
    .unwrap();
    assert_eq!(
        config.api_key.unwrap().value.expose(),
        "rk_live_0123456789abcdef"
    );
    assert!(!config.tracing_enabled.value);
    assert_eq!(
        config.opentelemetry_endpoint.unwrap().value.as_str(),
        "https://collector.example:4318/"
    );
    assert_eq!(config.otlp_headers.value[0].0, "api-key");
    assert!(!config.trace_content.value);
    assert_eq!(
        config.trace_sampling_rate.value,
        HeadSampling {
            rate: 0.25,
            parent_based: true
        }
    );
    assert!(config.trace_debug.value);
    assert!(!config.console_exporter.value);
    assert_eq!(config.console_target.value, ConsoleTarget::Stdout);
    assert_eq!(
        config.export.shutdown_timeout.value,
        Duration::from_millis(1500)
    );
}

#[test]
fn otel_variables_are_read_when_no_rizk_variable_is_set() {
    let config = with_env(&[
        ("OTEL_SERVICE_NAME", "svc"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4318"),
        (
            "OTEL_EXPORTER_OTLP_HEADERS",
            "api-key=secret%20value,x-team=llm",
        ),
        ("OTEL_TRACES_SAMPLER", "traceidratio"),
        ("OTEL_TRACES_SAMPLER_ARG", "0.5"),
        ("OTEL_SDK_DISABLED", "true"),
        ("OTEL_BSP_MAX_QUEUE_SIZE", "100"),
    ])
    .build_config()
    .unwrap();
    assert_eq!(
        config.opentelemetry_endpoint.unwrap().source,
        Source::Env("OTEL_EXPORTER_OTLP_ENDPOINT")
    );
    let headers = &config.otlp_headers.value;
    assert_eq!(headers[0].1.expose(), "secret value");
    assert_eq!(headers[1].0, "x-team");
    assert_eq!(
        config.trace_sampling_rate.value,
        HeadSampling {
            rate: 0.5,
            parent_based: false
        }
    );
    assert!(!config.tracing_enabled.value);
    assert_eq!(config.export.max_queue_size.map(|s| s.value), Some(100));
}

#[test]
fn rizk_tracing_enabled_overrides_otel_sdk_disabled() {
    let config = with_env(&[
        ("RIZK_APP_NAME", "svc"),
        ("OTEL_SDK_DISABLED", "true"),
        ("RIZK_TRACING_ENABLED", "true"),
    ])
    .build_config()
    .unwrap();
    assert!(config.tracing_enabled.value);
}

#[test]
fn defaults_put_the_console_on_when_nothing_is_configured() {
    let config = RizkBuilder::new()
        .app_name("svc")
        .ignore_environment()
        .build_config()
        .unwrap();
    assert!(config.console_exporter.value);
    assert_eq!(config.console_exporter.source, Source::Derived);
    assert!(config.trace_content.value);
    assert_eq!(
        config.trace_sampling_rate.value,
        HeadSampling {
            rate: 1.0,
            parent_based: true
        }
    );

    let config = RizkBuilder::new()
        .app_name("svc")
        .opentelemetry_endpoint("http://localhost:4318")
        .ignore_environment()
        .build_config()
        .unwrap();
    assert!(
        !config.console_exporter.value,
        "an endpoint replaces the console default"
    );

    let config = RizkBuilder::new()
        .app_name("svc")
        .opentelemetry_endpoint("http://localhost:4318")
        .trace_debug(true)
        .ignore_environment()
        .build_config()
        .unwrap();
    assert!(config.console_exporter.value, "debug mode adds the console");
}

#[test]
fn bad_sampling_rates_are_refused_with_the_field_and_the_fix() {
    for rate in [1.5, -0.1, f64::NAN, f64::INFINITY] {
        let err = RizkBuilder::new()
            .app_name("svc")
            .trace_sampling_rate(rate)
            .ignore_environment()
            .build_config()
            .unwrap_err();
        let message = err.to_string();
        assert!(message.contains("between 0.0 and 1.0"), "{message}");
        assert_eq!(invalid_field(err), "trace_sampling_rate");
    }
    let err = with_env(&[
        ("RIZK_APP_NAME", "svc"),
        ("RIZK_TRACE_SAMPLING_RATE", "ten percent"),
    ])
    .build_config()
    .unwrap_err();
    assert!(
        err.to_string().contains("RIZK_TRACE_SAMPLING_RATE"),
        "{err}"
    );
    let err = with_env(&[
        ("RIZK_APP_NAME", "svc"),
        ("OTEL_TRACES_SAMPLER", "jaeger_remote"),
    ])
    .build_config()
    .unwrap_err();
    assert!(err.to_string().contains("not supported"), "{err}");
}

#[test]
fn endpoints_must_be_http_urls_without_credentials() {
    for (endpoint, expect) in [
        ("collector:4318", "scheme"),
        ("not a url", "is not a URL"),
        ("ftp://collector", "scheme"),
        ("http://user:pw@collector:4318", "credentials"),
    ] {
        let err = RizkBuilder::new()
            .app_name("svc")
            .opentelemetry_endpoint(endpoint)
            .ignore_environment()
            .build_config()
            .unwrap_err();
        let message = err.to_string();
        assert!(message.contains(expect), "{endpoint}: {message}");
        assert!(!message.contains("pw@"), "credentials leaked: {message}");
        assert_eq!(invalid_field(err), "opentelemetry_endpoint");
    }
}

#[test]
fn malformed_headers_are_refused_without_showing_their_values() {
    for raw in [
        "api-key",
        "api key=SECRET1",
        "api-key=SECRET1%",
        "api-key=SECRET1%0A",
    ] {
        let err = with_env(&[
            ("RIZK_APP_NAME", "svc"),
            ("OTEL_EXPORTER_OTLP_HEADERS", raw),
        ])
        .build_config()
        .unwrap_err();
        let message = err.to_string();
        assert!(!message.contains("SECRET1"), "secret leaked: {message}");
        assert!(message.contains("OTEL_EXPORTER_OTLP_HEADERS"), "{message}");
        assert_eq!(invalid_field(err), "otlp_headers");
    }
    let err = RizkBuilder::new()
        .app_name("svc")
        .otlp_header("api-key", "line\nbreak")
        .ignore_environment()
        .build_config()
        .unwrap_err();
    assert!(err.to_string().contains("control character"));
}

#[test]
fn app_name_is_required_and_not_empty() {
    let err = RizkBuilder::new()
        .ignore_environment()
        .build_config()
        .unwrap_err();
    assert!(matches!(err, RizkError::MissingConfig { ref field, .. } if field == "app_name"));
    assert!(err.to_string().contains("RIZK_APP_NAME"));
    let err = RizkBuilder::new()
        .app_name("  ")
        .ignore_environment()
        .build_config()
        .unwrap_err();
    assert_eq!(invalid_field(err), "app_name");
}

#[test]
fn bad_booleans_and_numbers_name_their_variable() {
    let err = with_env(&[("RIZK_APP_NAME", "svc"), ("RIZK_TRACE_CONTENT", "maybe")])
        .build_config()
        .unwrap_err();
    assert!(err.to_string().contains("RIZK_TRACE_CONTENT"));
    assert_eq!(invalid_field(err), "trace_content");
    let err = with_env(&[("RIZK_APP_NAME", "svc"), ("OTEL_BSP_MAX_QUEUE_SIZE", "0")])
        .build_config()
        .unwrap_err();
    assert_eq!(invalid_field(err), "max_queue_size");
    let err = with_env(&[("RIZK_APP_NAME", "svc"), ("RIZK_CONSOLE_TARGET", "printer")])
        .build_config()
        .unwrap_err();
    assert_eq!(invalid_field(err), "console_target");
}

#[test]
fn unknown_rizk_variables_are_errors_with_a_suggestion() {
    let err = with_env(&[("RIZK_APP_NAME", "svc"), ("RIZK_TRACE_CONTNET", "false")])
        .build_config()
        .unwrap_err();
    let message = err.to_string();
    assert!(message.contains("RIZK_TRACE_CONTNET"), "{message}");
    assert!(
        message.contains("did you mean RIZK_TRACE_CONTENT"),
        "{message}"
    );
}

#[test]
fn secrets_never_show_in_debug_output() {
    let builder = RizkBuilder::new()
        .app_name("svc")
        .api_key("rk_live_SUPERSECRET")
        .otlp_header("api-key", "NRSECRET")
        .ignore_environment();
    let config = builder.build_config().unwrap();
    for text in [format!("{builder:?}"), format!("{config:?}")] {
        assert!(!text.contains("SUPERSECRET"), "{text}");
        assert!(!text.contains("NRSECRET"), "{text}");
    }
}

#[test]
fn empty_variables_count_as_unset() {
    let config = with_env(&[
        ("RIZK_APP_NAME", ""),
        ("OTEL_SERVICE_NAME", "svc"),
        ("RIZK_TRACE_SAMPLING_RATE", " "),
    ])
    .build_config()
    .unwrap();
    assert_eq!(config.app_name.value, "svc");
    assert_eq!(config.trace_sampling_rate.source, Source::Default);
}

#[test]
fn limits_follow_builder_then_rizk_then_otel_precedence() {
    let config = with_env(&[
        ("RIZK_APP_NAME", "svc"),
        ("RIZK_MAX_CONTENT_LENGTH", "5000"),
        ("RIZK_KEEP_INLINE_MEDIA", "on"),
        ("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "700"),
        ("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "40"),
    ])
    .build_config()
    .unwrap();
    let limits = &config.limits;
    assert_eq!(limits.max_content_length.value, 5000);
    assert_eq!(
        limits.max_content_length.source,
        Source::Env("RIZK_MAX_CONTENT_LENGTH")
    );
    assert!(limits.keep_inline_media.value);
    assert_eq!(
        limits.attribute_value_length_limit.as_ref().unwrap().value,
        700
    );
    assert_eq!(limits.sdk_span_limits().max_attributes_per_span, 40);

    let config = with_env(&[
        ("RIZK_APP_NAME", "svc"),
        ("RIZK_MAX_CONTENT_LENGTH", "5000"),
        ("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "700"),
        ("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "40"),
    ])
    .max_content_length(9000)
    .attribute_value_length_limit(800)
    .span_attribute_count_limit(50)
    .build_config()
    .unwrap();
    let limits = &config.limits;
    assert_eq!(limits.max_content_length.value, 9000);
    assert_eq!(limits.max_content_length.source, Source::Builder);
    assert_eq!(
        limits.attribute_value_length_limit.as_ref().unwrap().source,
        Source::Builder
    );
    assert_eq!(limits.span_attribute_count_limit.value, 50);
}

#[test]
fn bad_limits_are_refused_naming_the_variable() {
    let err = with_env(&[
        ("RIZK_APP_NAME", "svc"),
        ("OTEL_SPAN_EVENT_COUNT_LIMIT", "lots"),
    ])
    .build_config()
    .unwrap_err();
    let message = err.to_string();
    assert_eq!(invalid_field(err), "span_event_count_limit");
    assert!(message.contains("OTEL_SPAN_EVENT_COUNT_LIMIT"), "{message}");
    let err = RizkBuilder::new()
        .app_name("svc")
        .max_content_length(0)
        .ignore_environment()
        .build_config()
        .unwrap_err();
    assert_eq!(invalid_field(err), "max_content_length");
    // The new RIZK_* variables are known, so they are not "unknown variable" errors; a typo is.
    let err = with_env(&[("RIZK_APP_NAME", "svc"), ("RIZK_MAX_CONTENT_LENGHT", "10")])
        .build_config()
        .unwrap_err()
        .to_string();
    assert!(err.contains("RIZK_MAX_CONTENT_LENGTH"), "{err}");
}

/// The field and message of an `InvalidConfig` error (panics on any other error): the option
/// groups' tests check both.
pub(super) fn field_and_message(err: RizkError) -> (String, String) {
    let message = err.to_string();
    match err {
        RizkError::InvalidConfig { field, .. } => (field, message),
        other => panic!("expected InvalidConfig, got {other:?}"),
    }
}
