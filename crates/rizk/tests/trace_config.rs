//! `get_trace_config()` tells the truth: every sampling policy in effect appears with its source,
//! and a policy changed at run time says so. One test: global state.

#![allow(clippy::unwrap_used)] // a test fails loudly on what it did not expect

mod common;

use rizk::config::{IntelligentSampling, Source};
use rizk::{ConfigUpdate, CustomSampler, KeyValue, SamplingContext, Setting};

struct KeepVip;

impl CustomSampler for KeepVip {
    fn should_sample(&self, cx: &SamplingContext<'_>, _: &str, _: &[KeyValue]) -> bool {
        cx.trace_id_ratio(0.5)
    }
}

fn setting(name: &str) -> Setting {
    let config = rizk::get_trace_config();
    config
        .settings
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("get_trace_config() has no {name}:\n{config}"))
        .clone()
}

#[test]
fn every_sampling_policy_appears_with_its_source() {
    common::harness_with(|b| {
        b.environment("production")
            .environment_sampling_rates([("development", 1.0), ("production", 0.25)])
            .operation_sampling_rate("health_*", 0.01)
            .custom_sampler(KeepVip)
            .intelligent_sampling(IntelligentSampling {
                low_priority_operations: vec![("health_*".into(), 0.001)],
                ..IntelligentSampling::default()
            })
    });

    let rate = setting("trace_sampling_rate");
    assert_eq!(
        (rate.value.as_str(), rate.source),
        ("parentbased_traceidratio(0.25)", Source::Derived)
    );
    let environment = setting("environment");
    assert_eq!(
        (environment.value.as_str(), environment.source),
        ("production", Source::Builder)
    );
    let rates = setting("environment_sampling_rates");
    assert_eq!(
        rates.value,
        "development=1,production=0.25; applied: production sets trace_sampling_rate"
    );
    assert_eq!(rates.source, Source::Builder);
    let operations = setting("operation_sampling_rate");
    assert!(
        operations.value.starts_with("health_*=0.01"),
        "{operations:?}"
    );
    assert_eq!(operations.source, Source::Builder);
    let custom = setting("custom_sampler");
    assert!(custom.value.starts_with("KeepVip"), "{custom:?}");
    assert_eq!(custom.source, Source::Builder);
    let tail = setting("intelligent_sampling");
    assert!(
        tail.value.contains("low priority health_*=0.001"),
        "{tail:?}"
    );
    assert_eq!(tail.source, Source::Builder);
    assert!(
        setting("root_sampling")
            .value
            .starts_with("intelligent_sampling")
    );
    // The printed form carries them too.
    let printed = rizk::get_trace_config().to_string();
    for name in [
        "environment_sampling_rates",
        "operation_sampling_rate",
        "custom_sampler",
        "intelligent_sampling",
        "root_sampling",
    ] {
        assert!(printed.contains(name), "{name} missing from:\n{printed}");
    }

    // Switched off at run time: the custom sampler decides again, and the source says so.
    rizk::update_config(ConfigUpdate::new().intelligent_sampling(None)).unwrap();
    let tail = setting("intelligent_sampling");
    assert_eq!((tail.value.as_str(), tail.source), ("off", Source::Runtime));
    assert_eq!(setting("root_sampling").value, "custom_sampler KeepVip");
    assert_eq!(setting("custom_sampler").value, "KeepVip");
}
