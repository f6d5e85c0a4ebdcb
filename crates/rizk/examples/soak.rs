//! The soak run: a million spans through the full pipeline (redaction and tail sampling on) into
//! a loopback OTLP/HTTP receiver, with zero loss and bounded memory, or a non-zero exit.
//!
//! ```text
//! cargo xtask soak                       # release build, the recorded settings
//! cargo run --release --example soak -- --spans 1000000 --tasks 64 --rate 0
//! ```
//!
//! 64 tokio tasks (multi-thread runtime) run four-span workflows (`#[workflow]` > `#[agent]` >
//! `#[tool]`, and a `#[task]`) whose inputs carry a customer's email address, which redaction
//! rewrites; intelligent sampling keeps every trace (`default_rate: 1.0`), so every span is
//! held until its trace's root ends, decided, redacted and exported. The receiver
//! (`rizk_test_support::otlp_sink`) decodes every request, counts the spans and counts any span
//! that still carries `@example.com`.
//!
//! `--rate N` paces production at N spans/s in all (0: as fast as the tasks run). At the end
//! it prints spans made / exported / received / lost, the time, the sustained rate and the
//! peak RSS against `max_queue_bytes`, and exits 1 if a span was lost, the receiver's count
//! differs, or an email address arrived unredacted.

#![allow(clippy::print_stdout)] // an example prints its result

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rizk::config::IntelligentSampling;
use rizk::prelude::*;
use rizk_test_support::otlp_sink::OtlpSink;

/// What redaction must remove: every workflow's input carries `user<n>@example.com`.
const WATCHED: &str = "@example.com";

/// The command line: `--spans N --tasks N --rate N [--no-redaction]`.
struct Options {
    spans: u64,
    tasks: u64,
    /// Spans per second in all; 0: unpaced.
    rate: u64,
    redaction: bool,
}

impl Options {
    fn parse() -> Result<Options, String> {
        let mut options = Options {
            spans: 1_000_000,
            tasks: 64,
            rate: 0,
            redaction: true,
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let mut number = |name: &str| -> Result<u64, String> {
                args.next()
                    .and_then(|v| v.replace('_', "").parse().ok())
                    .ok_or_else(|| format!("{name} needs a whole number"))
            };
            match arg.as_str() {
                "--spans" => options.spans = number("--spans")?,
                "--tasks" => options.tasks = number("--tasks")?.max(1),
                "--rate" => options.rate = number("--rate")?,
                // To see the leak check fail: the same run with redaction off.
                "--no-redaction" => options.redaction = false,
                other => {
                    return Err(format!(
                        "unknown argument {other:?}; use --spans N --tasks N --rate SPANS_PER_S \
                         [--no-redaction]"
                    ));
                }
            }
        }
        Ok(options)
    }
}

#[workflow(
    name = "support_request",
    organization_id = "acme",
    project_id = "soak"
)]
async fn support_request(customer: &str, question: &str) -> String {
    let plan = triage(question).await;
    reply(customer, &plan)
}

#[agent(name = "triage")]
async fn triage(question: &str) -> String {
    let order = lookup_order(question.len() as u64);
    format!("answer about {order}")
}

#[tool(name = "lookup_order")]
fn lookup_order(id: u64) -> String {
    format!("order #{id}: in transit, due in 2 days")
}

#[task(name = "reply")]
fn reply(customer: &str, plan: &str) -> String {
    format!("Dear {customer}, {plan}")
}

/// One producer: `workflows` workflows, each started on schedule when `period` is set.
async fn produce(task: u64, workflows: u64, period: Option<Duration>, start: tokio::time::Instant) {
    for n in 0..workflows {
        if let Some(period) = period {
            // Absolute deadlines: a late wake-up is caught up, not accumulated.
            tokio::time::sleep_until(start + period * n as u32).await;
        }
        let customer = format!("user{task}.{n}{WATCHED}");
        let question = format!("Where is order {n}? Contact me at {customer}");
        std::hint::black_box(support_request(&customer, &question).await);
    }
}

/// A `/proc/self/status` field in KiB (VmRSS, VmHWM); 0 where there is none.
fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status.lines().find_map(|line| {
                let value = line.strip_prefix(field)?.strip_prefix(':')?;
                value.trim().trim_end_matches("kB").trim().parse().ok()
            })
        })
        .unwrap_or(0)
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn main() -> ExitCode {
    let options = match Options::parse() {
        Ok(options) => options,
        Err(e) => {
            eprintln!("soak: {e}");
            return ExitCode::from(2);
        }
    };
    match run(&options) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("soak: {e}");
            ExitCode::from(2)
        }
    }
}

/// Runs the soak; `Ok(false)` when a check failed.
fn run(options: &Options) -> Result<bool, Box<dyn std::error::Error>> {
    let sink = OtlpSink::watching(WATCHED)?;
    let baseline_kib = status_kib("VmRSS");
    // The environment is ignored so that the run is the same on every machine; redaction is
    // on by default (the `redaction` feature installs the built-in redactor).
    let mut builder = Rizk::builder()
        .app_name("soak")
        .ignore_environment()
        .opentelemetry_endpoint(sink.endpoint())
        .console_exporter(false)
        .intelligent_sampling(IntelligentSampling {
            default_rate: Some(1.0),
            ..IntelligentSampling::default()
        });
    if !options.redaction {
        builder = builder.content_redaction_enabled(false);
    }
    let rizk = builder.init()?;
    let max_queue_bytes = rizk::get_tracing_metrics().max_queue_bytes;

    // Samples the export path's memory every 20 ms (its peak, against the budget) and prints
    // progress every second on stderr.
    let done = Arc::new(AtomicBool::new(false));
    let peak_queue = Arc::new(AtomicU64::new(0));
    let monitor = {
        let (done, peak_queue) = (done.clone(), peak_queue.clone());
        std::thread::spawn(move || {
            let start = Instant::now();
            let mut next_line = Duration::from_secs(1);
            while !done.load(Ordering::Relaxed) {
                let m = rizk::get_tracing_metrics();
                peak_queue.fetch_max(m.queue_bytes, Ordering::Relaxed);
                if start.elapsed() >= next_line {
                    next_line += Duration::from_secs(1);
                    eprintln!(
                        "{:>4.0} s  ended {:>8}  exported {:>8}  held {:>7} spans, {:>6.1} MiB \
                         (tail {:>6})  dropped {}",
                        start.elapsed().as_secs_f64(),
                        m.spans_ended,
                        m.spans_exported,
                        m.queue_depth,
                        mib(m.queue_bytes),
                        m.tail_buffered_spans,
                        m.dropped_queue_full
                    );
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };

    let workflows = options.spans / 4;
    let made = workflows * 4;
    let period = (options.rate > 0)
        .then(|| Duration::from_secs_f64(4.0 * options.tasks as f64 / options.rate as f64));
    let pacing = match options.rate {
        0 => "unpaced".to_owned(),
        rate => format!("paced at {rate} spans/s"),
    };
    println!(
        "soak: {made} spans ({workflows} four-span workflows) from {} tasks, {pacing}, \
         redaction {}, tail sampling keeping every trace, into {}",
        options.tasks,
        if options.redaction { "on" } else { "off" },
        sink.endpoint()
    );

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let start = Instant::now();
    runtime.block_on(async {
        let begin = tokio::time::Instant::now();
        let handles: Vec<_> = (0..options.tasks)
            .map(|task| {
                let share = workflows / options.tasks + u64::from(task < workflows % options.tasks);
                tokio::spawn(produce(task, share, period, begin))
            })
            .collect();
        for handle in handles {
            let _ = handle.await;
        }
    });
    let produced = start.elapsed();

    // Every span exported (or counted as lost), or no progress for 30 s.
    let mut last = (0, Instant::now());
    loop {
        let m = rizk::get_tracing_metrics();
        let lost = m.dropped_queue_full + m.dropped_export_failure + m.dropped_shutdown_timeout;
        if m.spans_exported + lost + m.dropped_tail_policy >= made {
            break;
        }
        if m.spans_exported != last.0 {
            last = (m.spans_exported, Instant::now());
        } else if last.1.elapsed() > Duration::from_secs(30) {
            eprintln!("soak: no span exported for 30 s; shutting down with {m:?}");
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let exported_at = start.elapsed();
    let ended = rizk::get_tracing_metrics().spans_ended;
    let report = rizk.shutdown();
    done.store(true, Ordering::Relaxed);
    let _ = monitor.join();
    // The exporter returns once the receiver answered, and it counts before answering.
    sink.wait_for(made, Duration::from_secs(5));

    let received = sink.spans();
    let peak_rss_kib = status_kib("VmHWM");
    let peak_queue = peak_queue.load(Ordering::Relaxed);
    let rate = made as f64 / exported_at.as_secs_f64();
    println!("spans made          {made} (ended, as rizk counted: {ended})");
    println!("spans exported      {}", report.exported);
    println!(
        "spans received      {received} (in {} requests, {:.1} MiB of bodies, {} rejected)",
        sink.requests(),
        mib(sink.body_bytes()),
        sink.rejected()
    );
    println!(
        "spans lost          {} (tail policy dropped {}; {report})",
        report.lost(),
        report.dropped_tail_policy
    );
    println!("unredacted emails   {} spans", sink.leaks());
    println!(
        "elapsed             {:.2} s producing, {:.2} s until the last span was exported",
        produced.as_secs_f64(),
        exported_at.as_secs_f64()
    );
    println!("sustained           {rate:.0} spans/s, made to received");
    println!(
        "export path memory  peak {:.1} MiB of span data held, of max_queue_bytes {:.0} MiB",
        mib(peak_queue),
        mib(max_queue_bytes)
    );
    println!(
        "peak RSS            {:.1} MiB (VmHWM; {:.1} MiB before init, so {:.1} MiB over it; \
         the bound is max_queue_bytes plus that overhead)",
        peak_rss_kib as f64 / 1024.0,
        baseline_kib as f64 / 1024.0,
        (peak_rss_kib.saturating_sub(baseline_kib)) as f64 / 1024.0
    );

    let mut ok = true;
    let mut fail = |what: String| {
        eprintln!("soak FAILED: {what}");
        ok = false;
    };
    if report.lost() > 0 {
        fail(format!("{} spans lost ({report})", report.lost()));
    }
    if report.dropped_tail_policy > 0 {
        fail(format!(
            "tail sampling dropped {} spans although the policy keeps every trace",
            report.dropped_tail_policy
        ));
    }
    if report.exported != made || received != made {
        fail(format!(
            "made {made}, exported {}, received {received}: the counts differ",
            report.exported
        ));
    }
    if sink.leaks() > 0 {
        fail(format!(
            "{} spans arrived with an email address unredacted",
            sink.leaks()
        ));
    }
    if ok {
        println!("soak: OK, nothing lost");
    }
    Ok(ok)
}
