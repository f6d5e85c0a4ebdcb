//! `plan`: which destinations a configuration yields, and the errors for the ones it cannot
//! (reported when the configuration is validated).

use std::collections::BTreeMap;

use rizk_core::RizkBuilder;
use rizk_core::config::{Config, OtlpProtocol, TraceExporter};

use super::*;

/// A configuration, or the error its validation (plan included) reports.
type Validated = rizk_core::Result<Config>;

fn config(build: impl FnOnce(RizkBuilder) -> RizkBuilder) -> Validated {
    build(
        register(RizkBuilder::new())
            .app_name("shop")
            .ignore_environment(),
    )
    .build_config()
}

fn with_env(vars: &[(&str, &str)]) -> Validated {
    let env: BTreeMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    register(RizkBuilder::new())
        .app_name("shop")
        .env(env)
        .build_config()
}

/// The plan, or the message of the error that refused the configuration.
fn plan(config: &Validated) -> std::result::Result<Vec<Destination>, String> {
    match config {
        Ok(c) => super::plan(c).map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    }
}

fn descriptions(config: &Validated) -> Vec<String> {
    plan(config)
        .unwrap()
        .iter()
        .map(|d| d.description().to_owned())
        .collect()
}

fn plan_err(config: &Validated) -> String {
    plan(config).unwrap_err()
}

#[test]
fn nothing_configured_plans_nothing_and_opens_no_connection() {
    assert!(plan(&config(|b| b)).unwrap().is_empty());
}

#[test]
fn an_endpoint_alone_means_otlp_http_with_the_traces_path() {
    let plan = plan(&config(|b| {
        b.opentelemetry_endpoint("http://collector:4318")
    }))
    .unwrap();
    assert_eq!(plan.len(), 1);
    let settings = plan[0].otlp_settings().unwrap();
    assert_eq!(settings.protocol, OtlpProtocol::HttpProtobuf);
    assert_eq!(settings.url.as_str(), "http://collector:4318/v1/traces");
}

#[test]
fn port_4317_means_grpc_unless_the_protocol_says_otherwise() {
    let c = config(|b| b.opentelemetry_endpoint("https://otlp.nr-data.net:4317"));
    let plan = self::plan(&c).unwrap();
    let settings = plan[0].otlp_settings().unwrap();
    assert_eq!(settings.protocol, OtlpProtocol::Grpc);
    assert_eq!(settings.url.as_str(), "https://otlp.nr-data.net:4317/");

    let c = with_env(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317"),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
    ]);
    let plan = self::plan(&c).unwrap();
    assert_eq!(
        plan[0].otlp_settings().unwrap().url.as_str(),
        "http://c:4317/v1/traces"
    );
}

#[test]
fn the_traces_endpoint_variable_is_used_as_it_is_and_enables_otlp() {
    let c = with_env(&[("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://c:4318/custom")]);
    let plan = self::plan(&c).unwrap();
    assert_eq!(
        plan[0].otlp_settings().unwrap().url.as_str(),
        "http://c:4318/custom"
    );
}

#[test]
fn the_dashboard_is_added_with_its_own_header_and_the_endpoint_in_addition() {
    let c = config(|b| {
        b.api_key("rk_live_0123456789abcdef")
            .opentelemetry_endpoint("http://collector:4318")
            .otlp_header("api-key", "nr-license")
    });
    let plan = self::plan(&c).unwrap();
    assert_eq!(plan.len(), 2, "dashboard and endpoint: {plan:?}");
    assert_eq!(plan[0].kind(), "rizk-dashboard");
    let dashboard = plan[0].otlp_settings().unwrap();
    assert_eq!(dashboard.url.as_str(), "https://api.rizk.tools/v1/traces");
    assert_eq!(dashboard.headers.len(), 1);
    assert_eq!(
        dashboard.headers[0].1.expose(),
        "Bearer rk_live_0123456789abcdef"
    );
    let custom = plan[1].otlp_settings().unwrap();
    assert_eq!(custom.headers[0].0, "api-key");
    for d in &plan {
        assert!(
            !d.description().contains("0123456789"),
            "{}",
            d.description()
        );
        assert!(
            !d.description().contains("nr-license"),
            "{}",
            d.description()
        );
    }
}

#[test]
fn builder_headers_win_over_traces_headers_which_win_over_general_ones() {
    let c = with_env(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"),
        ("OTEL_EXPORTER_OTLP_HEADERS", "a=general"),
        ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "b=traces"),
    ]);
    let plan = self::plan(&c).unwrap();
    let headers = &plan[0].otlp_settings().unwrap().headers;
    assert_eq!(headers.len(), 1);
    assert_eq!(
        (headers[0].0.as_str(), headers[0].1.expose()),
        ("b", "traces")
    );
}

#[test]
fn several_exporters_run_at_once_each_described() {
    let c = config(|b| {
        b.opentelemetry_endpoint("http://collector:4318")
            .console_exporter(false)
            .trace_exporter(TraceExporter::Otlp)
            .trace_exporter(TraceExporter::Zipkin)
            .trace_exporter(TraceExporter::Datadog)
            .trace_exporter(TraceExporter::Console)
            .datadog_env("prod")
    });
    // console_exporter(false) set explicitly contradicts the console selection.
    assert!(plan_err(&c).contains("console_exporter"));

    let c = config(|b| {
        b.opentelemetry_endpoint("http://collector:4318")
            .trace_exporter(TraceExporter::Otlp)
            .trace_exporter(TraceExporter::Zipkin)
            .trace_exporter(TraceExporter::Datadog)
            .trace_exporter(TraceExporter::Console)
            .datadog_env("prod")
    });
    let d = descriptions(&c);
    assert_eq!(d.len(), 4, "{d:?}");
    assert!(
        d[0].starts_with("otlp http://collector:4318/v1/traces"),
        "{d:?}"
    );
    assert!(
        d[1].starts_with("zipkin http://localhost:9411/api/v2/spans"),
        "{d:?}"
    );
    assert!(d[1].contains("service \"shop\""), "{d:?}");
    assert!(
        d[2].starts_with("datadog http://localhost:8126/v0.5/traces"),
        "{d:?}"
    );
    assert!(d[2].contains("env \"prod\""), "{d:?}");
    assert!(d[3].starts_with("console"), "{d:?}");
}

#[test]
fn console_in_the_selection_is_added_when_core_does_not_show_it() {
    let c = config(|b| {
        b.opentelemetry_endpoint("http://collector:4318")
            .trace_exporter(TraceExporter::Otlp)
            .trace_exporter(TraceExporter::Console)
    });
    let plan = self::plan(&c).unwrap();
    assert_eq!(plan.len(), 2);
    assert_eq!(plan[1].kind(), "console");
}

#[test]
fn the_spec_zipkin_example_sends_to_the_zipkin_url_once() {
    let c = config(|b| {
        b.opentelemetry_endpoint("http://zipkin:9411/api/v2/spans")
            .trace_exporter(TraceExporter::Zipkin)
            .zipkin_endpoint("http://zipkin:9411/api/v2/spans")
            .zipkin_service_name("rizk-llm-app")
    });
    let d = descriptions(&c);
    assert_eq!(d.len(), 1, "{d:?}");
    assert!(
        d[0].starts_with("zipkin http://zipkin:9411/api/v2/spans") && d[0].contains("rizk-llm-app"),
        "{d:?}"
    );
    // Without zipkin_endpoint the endpoint serves Zipkin, as in the spec.
    let c = config(|b| {
        b.opentelemetry_endpoint("http://zipkin:9411/api/v2/spans")
            .trace_exporter(TraceExporter::Zipkin)
    });
    assert!(descriptions(&c)[0].starts_with("zipkin http://zipkin:9411/api/v2/spans"));
}

#[test]
fn an_endpoint_no_selected_exporter_uses_is_refused() {
    let c = config(|b| {
        b.opentelemetry_endpoint("http://collector:4318")
            .trace_exporter(TraceExporter::Zipkin)
            .zipkin_endpoint("http://zipkin:9411/api/v2/spans")
    });
    let err = plan_err(&c);
    assert!(
        err.contains("opentelemetry_endpoint") && err.contains("add otlp to trace_exporter"),
        "{err}"
    );
    // `none` means no export: an endpoint set for other signals is fine.
    let c = with_env(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"),
        ("OTEL_TRACES_EXPORTER", "none"),
    ]);
    assert!(plan(&c).unwrap().is_empty());
}

#[test]
fn platform_options_without_their_exporter_are_refused_but_ambient_variables_are_not() {
    let err = plan_err(&config(|b| {
        b.zipkin_endpoint("http://zipkin:9411/api/v2/spans")
    }));
    assert!(
        err.contains("zipkin_endpoint") && err.contains("trace_exporter"),
        "{err}"
    );
    let err = plan_err(&config(|b| b.datadog_service("shop")));
    assert!(err.contains("datadog_service"), "{err}");
    // DD_* and OTEL_EXPORTER_ZIPKIN_ENDPOINT are often set for other tracers.
    let c = with_env(&[
        ("DD_AGENT_HOST", "dd-agent"),
        ("DD_SERVICE", "x"),
        (
            "OTEL_EXPORTER_ZIPKIN_ENDPOINT",
            "http://z:9411/api/v2/spans",
        ),
    ]);
    assert!(plan(&c).unwrap().is_empty());
}

#[test]
fn jaeger_thrift_and_agent_settings_map_to_otlp_and_say_so() {
    let c = config(|b| {
        b.opentelemetry_endpoint("http://jaeger-collector:14268/api/traces")
            .trace_exporter(TraceExporter::Jaeger)
            .jaeger_service_name("rizk-llm-app")
    });
    let plan = self::plan(&c).unwrap();
    let settings = plan[0].otlp_settings().unwrap();
    assert_eq!(
        settings.url.as_str(),
        "http://jaeger-collector:4318/v1/traces"
    );
    assert_eq!(settings.service_name.as_deref(), Some("rizk-llm-app"));
    assert!(
        plan[0]
            .description()
            .contains("mapped from Jaeger's Thrift endpoint")
    );

    let c = config(|b| {
        b.trace_exporter(TraceExporter::Jaeger)
            .jaeger_agent_host("localhost")
            .jaeger_agent_port(6831)
    });
    let plan = self::plan(&c).unwrap();
    assert_eq!(
        plan[0].otlp_settings().unwrap().url.as_str(),
        "http://localhost:4318/v1/traces"
    );
    assert!(
        plan[0]
            .description()
            .contains("jaeger_agent_host localhost:6831")
    );

    // The spec's full example: agent settings next to an endpoint contradict it.
    let c = config(|b| {
        b.opentelemetry_endpoint("http://jaeger-collector:14268/api/traces")
            .trace_exporter(TraceExporter::Jaeger)
            .jaeger_agent_host("localhost")
            .jaeger_agent_port(6831)
    });
    let err = plan_err(&c);
    assert!(err.contains("remove jaeger_agent_host"), "{err}");

    let c = config(|b| {
        b.opentelemetry_endpoint("http://jaeger:14250")
            .trace_exporter(TraceExporter::Jaeger)
    });
    let plan = self::plan(&c).unwrap();
    let settings = plan[0].otlp_settings().unwrap();
    assert_eq!(settings.protocol, OtlpProtocol::Grpc);
    assert_eq!(settings.url.port(), Some(4317));
}

#[test]
fn datadog_intake_urls_are_refused_with_the_agent_explained() {
    let c = config(|b| {
        b.opentelemetry_endpoint("https://trace.agent.datadoghq.com")
            .trace_exporter(TraceExporter::Datadog)
            .datadog_service("rizk-llm-app")
            .datadog_env("production")
    });
    let err = plan_err(&c);
    assert!(err.contains("not a Datadog Agent"), "{err}");
}

/// `RIZK_TRACE_EXPORTER=jaeger` was accepted without the `jaeger` feature while zipkin and
/// datadog were refused: every remote exporter now follows one rule, checked here for whatever
/// features this test is built with.
#[test]
fn every_exporter_without_its_feature_is_refused_the_same_way() {
    for (name, compiled) in [
        ("otlp", cfg!(feature = "otlp")),
        ("jaeger", cfg!(feature = "jaeger")),
        ("zipkin", cfg!(feature = "zipkin")),
        ("datadog", cfg!(feature = "datadog")),
    ] {
        let c = with_env(&[("RIZK_TRACE_EXPORTER", name)]);
        let plan = plan(&c).unwrap();
        assert_eq!(plan.len(), 1, "{name}: {plan:?}");
        assert_eq!(plan[0].required_feature(), (name, compiled));
        let c = c.unwrap();
        let mut set = ExporterSet::new(c.export.clone());
        let result = add_configured(&c, &mut set);
        if compiled {
            assert!(result.is_ok(), "{name}: {result:?}");
        } else {
            let err = result.unwrap_err();
            assert!(
                matches!(&err, RizkError::Exporter { exporter, .. } if exporter == name),
                "{name}: {err}"
            );
            let text = err.to_string();
            assert!(
                text.contains(&format!("this build has no {name} exporter"))
                    && text.contains(&format!("enable the `{name}` feature of rizk")),
                "{text}"
            );
        }
    }
}

#[test]
fn a_platform_variable_is_unknown_unless_its_group_is_registered() {
    let env = BTreeMap::from([(
        "RIZK_ZIPKIN_ENDPOINT".to_owned(),
        "http://zipkin:9411".to_owned(),
    )]);
    let bare = RizkBuilder::new().app_name("shop").env(env.clone());
    let err = bare.build_config().unwrap_err();
    assert!(
        matches!(&err, RizkError::UnknownEnvVar { name, .. } if name == "RIZK_ZIPKIN_ENDPOINT"),
        "{err}"
    );
    assert!(
        !RizkBuilder::new()
            .env_vars()
            .contains(&"RIZK_ZIPKIN_ENDPOINT")
    );
    assert!(
        register(RizkBuilder::new())
            .env_vars()
            .contains(&"RIZK_ZIPKIN_ENDPOINT")
    );

    // Registered, the variable is read and checked against the selection, in build_config.
    let err = register(RizkBuilder::new())
        .app_name("shop")
        .env(env)
        .build_config()
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("trace_exporter does not include zipkin"),
        "{err}"
    );
}

#[test]
fn the_plan_is_made_once_and_platform_settings_show_in_the_trace_config() {
    let c = config(|b| {
        b.trace_exporter(TraceExporter::Datadog)
            .datadog_service("checkout")
            .datadog_env("staging")
    })
    .unwrap();
    let options = options(&c).unwrap();
    assert_eq!(options.destinations.len(), 1);
    let lines: Vec<(&str, String)> = c
        .groups
        .settings()
        .into_iter()
        .map(|s| (s.name, s.value))
        .collect();
    assert_eq!(
        lines,
        [
            ("datadog_service", "checkout".to_owned()),
            ("datadog_env", "staging".to_owned())
        ]
    );
    // Without the group there is no plan, and the error says how to get one.
    let bare = RizkBuilder::new()
        .app_name("shop")
        .ignore_environment()
        .build_config()
        .unwrap();
    assert!(
        super::plan(&bare)
            .unwrap_err()
            .to_string()
            .contains("register")
    );
}
