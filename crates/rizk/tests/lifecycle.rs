//! init, a second init, get_trace_config, shutdown and init again. One test: global state.

#![allow(clippy::unwrap_used)] // a test fails loudly on what it did not expect

use rizk::{InMemoryExporter, Rizk, RizkError, config::Source, task};

#[task]
fn unit_of_work() -> u8 {
    1
}

#[test]
fn init_refuses_a_second_pipeline_reports_its_config_and_flushes_on_drop() {
    assert!(!rizk::get_trace_config().enabled);
    assert!(rizk::get_trace_config().status.contains("not initialised"));

    let spans = InMemoryExporter::default();
    let handle = Rizk::builder()
        .app_name("lifecycle")
        .api_key("rk_live_0123456789abcdef")
        .console_exporter(false)
        .ignore_environment()
        .with_exporter("memory", spans.clone())
        .exporter_factory(Box::new(|_, _| Ok(()))) // no dashboard in this test
        .init()
        .unwrap();

    let err = Rizk::builder()
        .app_name("second")
        .ignore_environment()
        .init()
        .unwrap_err();
    assert!(
        matches!(err, RizkError::AlreadyInitialized { ref app_name } if app_name == "lifecycle")
    );
    assert!(err.to_string().contains("shutdown()"), "{err}");

    let config = rizk::get_trace_config();
    assert!(config.enabled);
    assert_eq!(config.sampling_rate, 1.0);
    assert_eq!(config.exporters, ["memory"]);
    let key = config
        .settings
        .iter()
        .find(|s| s.name == "api_key")
        .unwrap();
    assert_eq!(key.value, "***cdef");
    assert_eq!(key.source, Source::Builder);
    let printed = config.to_string();
    assert!(!printed.contains("0123456789"), "{printed}");
    assert!(
        printed.contains("app_name") && printed.contains("builder"),
        "{printed}"
    );

    unit_of_work();
    drop(handle); // flushes within the bound
    assert_eq!(spans.spans().len(), 1);
    assert!(!rizk::get_trace_config().enabled);

    unit_of_work();
    assert_eq!(spans.spans().len(), 1, "nothing is recorded after shutdown");

    let again = InMemoryExporter::default();
    let handle = Rizk::builder()
        .app_name("lifecycle-2")
        .console_exporter(false)
        .ignore_environment()
        .with_exporter("memory", again.clone())
        .init()
        .expect("init works again after shutdown");
    unit_of_work();
    handle.shutdown();
    assert_eq!(again.spans().len(), 1);
}
