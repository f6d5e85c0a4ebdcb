//! Collectors that misbehave on purpose: refused, black-holed, slow, 5xx, 429, busy, not TLS.
//!
//! For each: the traced thread keeps its speed (ending 5,000 spans stays far below what one
//! blocked export costs), every span is either queued or counted as dropped, the failure is
//! recorded with its reason, and shutdown returns within its bound. One more test counts
//! rizk's warnings (`tracing` events, target `rizk`) for a failing exporter: one.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

mod support;

use std::time::{Duration, Instant};

use rizk_core::config::OtlpProtocol;
use rizk_exporters::{OtlpSettings, RetryPolicy, otlp_exporter};
use support::{Behaviour, Listener, Pipeline, refused_url, small_queue};
use url::Url;

const SPANS: usize = 5_000;
const QUEUE: usize = 64;
const SHUTDOWN: Duration = Duration::from_millis(500);

/// Settings without retries: each scenario checks how one failure is reported (retries of
/// busy answers have their own test).
fn settings(url: &str, protocol: OtlpProtocol, timeout: Duration) -> OtlpSettings {
    let mut s = OtlpSettings::new(&Url::parse(url).unwrap(), Some(protocol));
    s.timeout = timeout;
    s.retry = RetryPolicy::none();
    s
}

/// What a scenario leaves to check beyond what every scenario holds (timings are checked in
/// `run`).
struct Outcome {
    dropped: u64,
    last_error: Option<String>,
}

/// Runs the scenario: ends `SPANS` spans, waits for `failures` failed exports (or 5 s), shuts
/// down, and checks what every scenario must hold.
fn run(name: &str, settings: &OtlpSettings, expect_failure: bool) -> Outcome {
    let exporter = otlp_exporter(settings, "otlp").unwrap();
    let pipeline = Pipeline::new(name, exporter, &small_queue(QUEUE, 16, SHUTDOWN));
    let app_time = pipeline.spans(SPANS);

    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(5) {
        let s = pipeline.stats.snapshot();
        if (expect_failure && s.export_failed > 0) || (!expect_failure && s.exported > 0) {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let stats = pipeline.stats.snapshot();

    let start = Instant::now();
    let _ = pipeline.provider.shutdown();
    let shutdown_time = start.elapsed();

    println!(
        "{name}: app {app_time:?} for {SPANS} spans, stats {stats:?}, shutdown {shutdown_time:?}"
    );
    assert_eq!(
        stats.enqueued + stats.dropped_queue_full,
        SPANS as u64,
        "{name}: every span is queued or counted as dropped: {stats:?}"
    );
    assert!(
        stats.dropped_queue_full > 0,
        "{name}: a stalled exporter fills the queue of {QUEUE}: {stats:?}"
    );
    // Far below one blocked export: the application never waits for the collector.
    assert!(
        app_time < Duration::from_millis(1500),
        "{name}: ending {SPANS} spans took {app_time:?}"
    );
    assert!(
        shutdown_time < SHUTDOWN + Duration::from_millis(1500),
        "{name}: shutdown took {shutdown_time:?}, bound {SHUTDOWN:?}"
    );
    if expect_failure {
        assert!(stats.export_failed > 0, "{name}: {stats:?}");
    }
    Outcome {
        dropped: stats.dropped_queue_full,
        last_error: stats.last_error,
    }
}

fn reason(outcome: &Outcome) -> String {
    outcome.last_error.clone().unwrap_or_default()
}

#[test]
fn connection_refused() {
    let url = refused_url();
    let o = run(
        "refused",
        &settings(&url, OtlpProtocol::HttpProtobuf, Duration::from_secs(2)),
        true,
    );
    let r = reason(&o);
    assert!(
        r.contains(&url) && r.to_lowercase().contains("refused"),
        "{r}"
    );
}

#[test]
fn black_holed_collector_is_bounded_by_the_export_timeout() {
    let listener = Listener::start(Behaviour::BlackHole);
    let o = run(
        "black-hole",
        &settings(
            &listener.url(),
            OtlpProtocol::HttpProtobuf,
            Duration::from_millis(300),
        ),
        true,
    );
    let r = reason(&o);
    assert!(r.contains("timed out") || r.contains("timeout"), "{r}");
}

#[test]
fn slow_collector_drops_what_does_not_fit_but_delivers() {
    let listener = Listener::start(Behaviour::Slow(Duration::from_millis(400)));
    let o = run(
        "slow",
        &settings(
            &listener.url(),
            OtlpProtocol::HttpProtobuf,
            Duration::from_secs(3),
        ),
        false,
    );
    assert!(o.dropped > 0);
    assert!(o.last_error.is_none(), "{:?}", o.last_error);
    assert!(!listener.requests().is_empty());
}

#[test]
fn server_error_is_reported_with_the_status() {
    let listener = Listener::start(Behaviour::Status(503, Vec::new()));
    let o = run(
        "503",
        &settings(
            &listener.url(),
            OtlpProtocol::HttpProtobuf,
            Duration::from_secs(2),
        ),
        true,
    );
    let r = reason(&o);
    assert!(r.contains("503") && r.contains("/v1/traces"), "{r}");
    // Says what became of the data, in words that hold for metrics too (same transport).
    assert!(r.contains("this batch is dropped"), "{r}");
}

#[test]
fn a_busy_receiver_is_retried_and_gets_every_span() {
    let listener = Listener::start(Behaviour::BusyFirst(3));
    let mut s = OtlpSettings::new(
        &Url::parse(&listener.url()).unwrap(),
        Some(OtlpProtocol::HttpProtobuf),
    );
    s.retry = RetryPolicy {
        initial_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(100),
        max_elapsed: Duration::from_secs(5),
    };
    let exporter = otlp_exporter(&s, "otlp").unwrap();
    let pipeline = Pipeline::new("busy", exporter, &small_queue(10_000, 100, SHUTDOWN));
    pipeline.spans(500);
    pipeline.provider.force_flush().unwrap();
    let stats = pipeline.stats.snapshot();
    assert_eq!(stats.exported, 500, "{stats:?}");
    assert_eq!(stats.export_failed, 0, "{stats:?}");
    let answered_busy = 3;
    assert!(
        listener.requests().len() > answered_busy + 4,
        "the 503s were retried"
    );
}

#[test]
fn throttling_is_reported_with_retry_after() {
    let listener = Listener::start(Behaviour::Status(429, vec![("retry-after", "30")]));
    let o = run(
        "429",
        &settings(
            &listener.url(),
            OtlpProtocol::HttpProtobuf,
            Duration::from_secs(2),
        ),
        true,
    );
    let r = reason(&o);
    assert!(r.contains("429") && r.contains("retry-after 30"), "{r}");
}

#[test]
fn tls_failure_is_reported() {
    let listener = Listener::start(Behaviour::NotTls);
    let url = format!("https://{}", listener.addr);
    let o = run(
        "tls",
        &settings(&url, OtlpProtocol::HttpProtobuf, Duration::from_secs(2)),
        true,
    );
    let r = reason(&o).to_lowercase();
    assert!(
        r.contains("https://127.0.0.1")
            && [
                "tls",
                "certificate",
                "corrupt",
                "invalidcontenttype",
                "handshake"
            ]
            .iter()
            .any(|w| r.contains(w)),
        "{r}"
    );
}

#[cfg(feature = "otlp-grpc")]
#[test]
fn grpc_connection_refused() {
    let url = refused_url();
    let o = run(
        "grpc-refused",
        &settings(&url, OtlpProtocol::Grpc, Duration::from_secs(2)),
        true,
    );
    let r = reason(&o);
    assert!(r.contains("OTLP/gRPC") && r.contains(&url), "{r}");
}

#[cfg(feature = "otlp-grpc")]
#[test]
fn grpc_black_hole_is_bounded_by_the_export_timeout() {
    let listener = Listener::start(Behaviour::BlackHole);
    let o = run(
        "grpc-black-hole",
        &settings(
            &listener.url(),
            OtlpProtocol::Grpc,
            Duration::from_millis(300),
        ),
        true,
    );
    let r = reason(&o);
    assert!(r.contains("OTLP/gRPC"), "{r}");
}

/// Collects rizk's own warnings (`tracing` events with target `rizk`).
mod capture {
    use std::sync::{Mutex, Once};

    use tracing::field::{Field, Visit};
    use tracing::{Event, Level, Subscriber};
    use tracing_subscriber::layer::{Context, Layer, SubscriberExt as _};

    pub(crate) static WARNINGS: Mutex<Vec<String>> = Mutex::new(Vec::new());
    static INSTALL: Once = Once::new();

    struct Message(String);

    impl Visit for Message {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            if field.name() == "message" {
                self.0 = format!("{value:?}");
            }
        }
    }

    struct Capture;

    impl<S: Subscriber> Layer<S> for Capture {
        fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
            let meta = event.metadata();
            if meta.target() == "rizk" && *meta.level() == Level::WARN {
                let mut message = Message(String::new());
                event.record(&mut message);
                WARNINGS.lock().unwrap().push(message.0);
            }
        }
    }

    pub(crate) fn install() {
        INSTALL.call_once(|| {
            let subscriber = tracing_subscriber::registry().with(Capture);
            tracing::subscriber::set_global_default(subscriber).unwrap();
        });
    }
}

#[test]
fn a_failing_exporter_warns_once() {
    capture::install();
    let listener = Listener::start(Behaviour::Status(503, Vec::new()));
    let exporter = otlp_exporter(
        &settings(
            &listener.url(),
            OtlpProtocol::HttpProtobuf,
            Duration::from_secs(1),
        ),
        "otlp",
    )
    .unwrap();
    let pipeline = Pipeline::new("warn-once", exporter, &small_queue(QUEUE, 8, SHUTDOWN));
    for _ in 0..10 {
        pipeline.spans(40);
        std::thread::sleep(Duration::from_millis(60));
    }
    let stats = pipeline.stats.snapshot();
    let _ = pipeline.provider.shutdown();
    let warnings: Vec<String> = capture::WARNINGS
        .lock()
        .unwrap()
        .iter()
        .filter(|w| w.contains("\"warn-once\""))
        .cloned()
        .collect();
    assert!(stats.export_failed > 16, "many batches failed: {stats:?}");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("503") && warnings[0].contains("later failures are counted"),
        "{}",
        warnings[0]
    );
}
