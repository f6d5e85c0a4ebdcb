//! What a decorated call costs, compared in one run with the raw OpenTelemetry SDK and with
//! `tracing` + `tracing-opentelemetry`, sampled, not sampled and disabled.
//!
//! ```text
//! cargo bench -p rizk --bench overhead
//! ```
//!
//! Every pipeline exports through a real batch processor into an exporter that discards, so
//! the figures are the application thread's cost. After the criterion groups it prints the
//! ratios the goals are stated in, and allocations per call.

// A counting global allocator needs `unsafe impl GlobalAlloc`; it only forwards to `System`.
#![allow(unsafe_code, missing_docs, clippy::print_stdout)]

use rizk_test_support::mean_ns;

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use criterion::{Bencher, Criterion, criterion_group};
use opentelemetry::KeyValue;
use opentelemetry::trace::{Span as _, Tracer as _, TracerProvider as _};
use opentelemetry_sdk::trace::{BatchSpanProcessor, Sampler, SdkTracerProvider};
use rizk::{Rizk, RizkHandle};
use rizk_test_support::Discard;

struct Counting;
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// Only the measuring thread counts: export threads allocate on their own time.
    static COUNT_HERE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn count(layout_size: usize) {
    let _ = layout_size;
    if COUNT_HERE.with(|c| c.get()) {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[rizk::task(capture_input = false, capture_output = false)]
fn traced_task(n: u64) -> u64 {
    black_box(n) + 1
}

#[rizk::task(capture_input = false, capture_output = false)]
async fn traced_async_task(n: u64) -> u64 {
    black_box(n) + 1
}

#[rizk::task]
fn traced_task_with_content(query: &str) -> usize {
    black_box(query).len()
}

#[rizk::track_resource_usage]
#[rizk::task(capture_input = false, capture_output = false)]
fn traced_task_with_resource_usage(n: u64) -> u64 {
    black_box(n) + 1
}

#[tracing::instrument(skip_all, fields(rizk.span.kind = "task", rizk.entity.name = "t", openinference.span.kind = "CHAIN"))]
fn tracing_task(n: u64) -> u64 {
    black_box(n) + 1
}

fn plain(n: u64) -> u64 {
    black_box(n) + 1
}

fn attributes() -> [KeyValue; 3] {
    [
        KeyValue::new("rizk.span.kind", "task"),
        KeyValue::new("rizk.entity.name", "traced_task"),
        KeyValue::new("openinference.span.kind", "CHAIN"),
    ]
}

fn sdk_provider(sampler: Sampler) -> SdkTracerProvider {
    SdkTracerProvider::builder()
        .with_sampler(sampler)
        .with_span_processor(BatchSpanProcessor::builder(Discard).build())
        .build()
}

fn rizk_with(rate: f64, enabled: bool) -> RizkHandle {
    Rizk::builder()
        .app_name("bench")
        .console_exporter(false)
        .ignore_environment()
        .trace_sampling_rate(rate)
        .tracing_enabled(enabled)
        .max_queue_size(1 << 16)
        .with_exporter("discard", Discard)
        .init()
        .expect("init")
}

/// Calls timed per burst: below every batch size (rizk's and the SDK's 512), so no export
/// worker is woken during a burst, and far below every queue bound, so nothing is dropped.
const BURST: u64 = 256;

/// Times `call` in bursts of [`BURST`], draining the export side with `flush` between bursts,
/// outside the timing. What is measured is the application thread's cost at a span's start and
/// end. Timed back to back instead, a sampled case also measures the export threads competing
/// for this machine's two cores once the queues back up, and the SDK's 2,048-span queue then
/// drops spans (cheaply) where rizk keeps them up to its memory budget: that sustained case is
/// the subject of the export-throughput bench and the soak, not of this one.
fn in_bursts(b: &mut Bencher<'_>, flush: impl Fn(), mut call: impl FnMut()) {
    b.iter_custom(|iters| {
        let mut timed = Duration::ZERO;
        let mut left = iters;
        while left > 0 {
            let n = left.min(BURST);
            let started = Instant::now();
            for _ in 0..n {
                call();
            }
            timed += started.elapsed();
            left -= n;
            flush();
        }
        timed
    });
}

fn poll_once<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(value) => value,
        Poll::Pending => unreachable!("the benchmarked futures never wait"),
    }
}

/// Allocations per call of `f`, measured over `n` calls.
fn allocations_per_call(n: u64, mut f: impl FnMut()) -> f64 {
    COUNT_HERE.with(|c| c.set(true));
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    for _ in 0..n {
        f();
    }
    let after = ALLOCATIONS.load(Ordering::Relaxed);
    COUNT_HERE.with(|c| c.set(false));
    (after - before) as f64 / n as f64
}

fn sampled(c: &mut Criterion) {
    let mut allocs = Vec::new();
    let mut group = c.benchmark_group("sampled");
    let provider = sdk_provider(Sampler::AlwaysOn);
    let tracer = provider.tracer("bench");
    let sdk_flush = || {
        let _ = provider.force_flush();
    };
    group.bench_function("otel_sdk_in_span", |b| {
        in_bursts(b, sdk_flush, || {
            tracer.in_span("task.traced_task", |cx| {
                use opentelemetry::trace::TraceContextExt;
                cx.span().set_attributes(attributes());
                black_box(plain(black_box(1)));
            })
        })
    });
    allocs.push((
        "otel_sdk_in_span",
        allocations_per_call(10_000, || {
            tracer.in_span("task.traced_task", |cx| {
                use opentelemetry::trace::TraceContextExt;
                cx.span().set_attributes(attributes());
            });
        }),
    ));

    {
        use tracing_subscriber::layer::SubscriberExt;
        let otel_provider = sdk_provider(Sampler::AlwaysOn);
        let subscriber = tracing_subscriber::registry()
            .with(tracing_opentelemetry::layer().with_tracer(otel_provider.tracer("bench")));
        let _guard = tracing::subscriber::set_default(subscriber);
        group.bench_function("tracing_opentelemetry_instrument", |b| {
            in_bursts(
                b,
                || {
                    let _ = otel_provider.force_flush();
                },
                || {
                    black_box(tracing_task(black_box(1)));
                },
            )
        });
        allocs.push((
            "tracing_opentelemetry_instrument",
            allocations_per_call(10_000, || {
                tracing_task(1);
            }),
        ));
        let _ = otel_provider.shutdown();
    }

    let rizk = rizk_with(1.0, true);
    let rizk_flush = || {
        let _ = rizk.flush();
    };
    group.bench_function("rizk_task_sync", |b| {
        in_bursts(b, rizk_flush, || {
            black_box(traced_task(black_box(1)));
        })
    });
    group.bench_function("rizk_task_async", |b| {
        in_bursts(b, rizk_flush, || {
            black_box(poll_once(traced_async_task(black_box(1))));
        })
    });
    group.bench_function("rizk_task_sync_with_content", |b| {
        in_bursts(b, rizk_flush, || {
            black_box(traced_task_with_content(black_box(
                "How can I reset my password?",
            )));
        })
    });
    group.bench_function("rizk_task_with_resource_usage", |b| {
        in_bursts(b, rizk_flush, || {
            black_box(traced_task_with_resource_usage(black_box(1)));
        })
    });
    allocs.push((
        "rizk_task_sync",
        allocations_per_call(10_000, || {
            traced_task(1);
        }),
    ));
    allocs.push((
        "rizk_task_async",
        allocations_per_call(10_000, || {
            poll_once(traced_async_task(1));
        }),
    ));
    group.finish();
    drop(rizk);
    let _ = provider.shutdown();
    print_allocations(&allocs);
}

fn unsampled_and_disabled(c: &mut Criterion) {
    let mut allocs = Vec::new();
    let mut group = c.benchmark_group("not_recorded");
    let provider = sdk_provider(Sampler::AlwaysOff);
    let tracer = provider.tracer("bench");
    group.bench_function("otel_sdk_always_off", |b| {
        b.iter(|| {
            let mut span = tracer.start("task.traced_task");
            span.set_attributes(attributes());
            let out = plain(black_box(1));
            span.end();
            out
        })
    });
    // The same, made current as a rizk span must be (so that its children know they are dropped).
    group.bench_function("otel_sdk_always_off_in_span", |b| {
        b.iter(|| {
            tracer.in_span("task.traced_task", |cx| {
                use opentelemetry::trace::TraceContextExt;
                cx.span().set_attributes(attributes());
                plain(black_box(1))
            })
        })
    });
    allocs.push((
        "otel_sdk_always_off_in_span",
        allocations_per_call(10_000, || {
            tracer.in_span("task.traced_task", |cx| {
                use opentelemetry::trace::TraceContextExt;
                cx.span().set_attributes(attributes());
            });
        }),
    ));
    allocs.push((
        "otel_sdk_always_off",
        allocations_per_call(10_000, || {
            let mut span = tracer.start("task.traced_task");
            span.set_attributes(attributes());
            span.end();
        }),
    ));

    let rizk = rizk_with(0.0, true);
    group.bench_function("rizk_task_not_sampled", |b| {
        b.iter(|| traced_task(black_box(1)))
    });
    allocs.push((
        "rizk_task_not_sampled",
        allocations_per_call(10_000, || {
            traced_task(1);
        }),
    ));
    drop(rizk);

    // A production-like rate: 99% of roots dropped, decided from the trace id at build time.
    let rizk = rizk_with(0.01, true);
    group.bench_function("rizk_task_rate_1_percent", |b| {
        b.iter(|| traced_task(black_box(1)))
    });
    drop(rizk);

    let rizk = rizk_with(1.0, false);
    group.bench_function("rizk_task_disabled", |b| {
        b.iter(|| traced_task(black_box(1)))
    });
    group.bench_function("plain_function", |b| b.iter(|| plain(black_box(1))));
    allocs.push((
        "rizk_task_disabled",
        allocations_per_call(10_000, || {
            traced_task(1);
        }),
    ));
    drop(rizk);
    group.finish();
    let _ = provider.shutdown();
    print_allocations(&allocs);
}

fn print_allocations(allocs: &[(&str, f64)]) {
    for (name, per_call) in allocs {
        println!("allocations/call  {name:<36} {per_call:.1}");
    }
}

fn print_ratios() {
    let rows = [
        (
            "sampled #[task] sync / SDK in_span",
            ("sampled", "rizk_task_sync"),
            ("sampled", "otel_sdk_in_span"),
            "<= 1.25",
        ),
        (
            "sampled #[task] async / SDK in_span",
            ("sampled", "rizk_task_async"),
            ("sampled", "otel_sdk_in_span"),
            "<= 1.25",
        ),
        (
            "sampled #[task] sync / tracing-opentelemetry",
            ("sampled", "rizk_task_sync"),
            ("sampled", "tracing_opentelemetry_instrument"),
            "<= 0.5",
        ),
        (
            "not sampled #[task] / SDK always-off",
            ("not_recorded", "rizk_task_not_sampled"),
            ("not_recorded", "otel_sdk_always_off"),
            "<= 1.25",
        ),
        (
            "not sampled #[task] / SDK always-off in_span",
            ("not_recorded", "rizk_task_not_sampled"),
            ("not_recorded", "otel_sdk_always_off_in_span"),
            "<= 1.0 (both made current)",
        ),
        (
            "#[task] at 1% sampling / SDK always-off",
            ("not_recorded", "rizk_task_rate_1_percent"),
            ("not_recorded", "otel_sdk_always_off"),
            "<= 1.5",
        ),
    ];
    println!(
        "\n{:<48} {:>10} {:>10} {:>7}  goal",
        "ratio", "rizk ns", "peer ns", "ratio"
    );
    for (label, ours, peer, goal) in rows {
        match (mean_ns(ours.0, ours.1), mean_ns(peer.0, peer.1)) {
            (Some(a), Some(b)) => {
                println!("{label:<48} {a:>10.1} {b:>10.1} {:>7.2}  {goal}", a / b)
            }
            _ => println!("{label:<48} (not measured in this run)"),
        }
    }
    if let (Some(with), Some(without)) = (
        mean_ns("sampled", "rizk_task_with_resource_usage"),
        mean_ns("sampled", "rizk_task_sync"),
    ) {
        println!(
            "{:<48} {with:>10.1} {without:>10.1} {:>7}  (info: /proc reads)",
            "#[track_resource_usage] added cost (ns)",
            format!("+{:.0}", with - without)
        );
    }
    if let (Some(disabled), Some(plain)) = (
        mean_ns("not_recorded", "rizk_task_disabled"),
        mean_ns("not_recorded", "plain_function"),
    ) {
        println!(
            "{:<48} {disabled:>10.1} {plain:>10.1} {:>7}  < 10 ns added",
            "disabled #[task] vs plain fn (ns)",
            format!("+{:.1}", disabled - plain)
        );
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
    targets = sampled, unsampled_and_disabled
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    print_ratios();
}
