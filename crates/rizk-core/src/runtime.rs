//! The installed pipeline: global state, `init`, the handle, `get_trace_config`.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use arc_swap::ArcSwapOption;
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use url::Url;

use crate::config::{Config, Setting, Source};
use crate::content::{ContentKind, ContentPolicy, ContentRedactor};
use crate::content_transform::RedactorSlot;
use crate::error::{Result, RizkError};
use crate::export::{QueueSnapshot, QueueStats, StageSnapshot, StageStats};
use crate::metrics::{RuntimeMetrics, TracingMetrics};
use crate::sampling::HeadSampler;

/// What the macros need on every call, swapped atomically as a whole.
pub(crate) struct Runtime {
    pub(crate) tracer: SdkTracer,
    pub(crate) provider: SdkTracerProvider,
    /// The application's metrics, when a reader was configured (`crate::meter`).
    pub(crate) meter_provider: Option<opentelemetry_sdk::metrics::SdkMeterProvider>,
    pub(crate) head: HeadSampler,
    pub(crate) metrics: Arc<RuntimeMetrics>,
    pub(crate) tail_stage_installed: bool,
    /// The content policy, packed (see `ContentPolicy::to_bits`).
    pub(crate) content: Arc<AtomicU32>,
    pub(crate) redactor: RedactorSlot,
    /// Drops before the exporters' queues (the memory budget).
    pub(crate) intake: Arc<QueueStats>,
    pub(crate) budget: Arc<crate::export::MemoryBudget>,
    /// Spans waiting for the stage thread.
    pub(crate) intake_pending: Arc<std::sync::atomic::AtomicU64>,
    pub(crate) limits: Arc<crate::export::LimitStats>,
    pub(crate) queues: Vec<(String, Arc<QueueStats>)>,
    pub(crate) stages: Vec<Arc<StageStats>>,
}

impl Runtime {
    pub(crate) fn content_policy(&self) -> ContentPolicy {
        ContentPolicy::from_bits(self.content.load(Ordering::Relaxed))
    }
}

/// Read first by every macro call: one relaxed load when tracing is off.
static ENABLED: AtomicBool = AtomicBool::new(false);
static RUNTIME: ArcSwapOption<Runtime> = ArcSwapOption::const_empty();
/// The configuration of the installed pipeline (also when it is disabled), for
/// `get_trace_config()` and to refuse a second `init`.
static INSTALLED: Mutex<Option<Installed>> = Mutex::new(None);

/// What `init` installed: its configuration and the exporters' names.
pub(crate) struct Installed {
    pub(crate) config: Config,
    pub(crate) exporters: Vec<String>,
    /// The readers of the meter provider (`crate::meter`).
    pub(crate) metrics_exporters: Vec<String>,
}

pub(crate) fn installed() -> MutexGuard<'static, Option<Installed>> {
    INSTALLED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Makes `runtime` the pipeline every macro and API call uses (`None`: tracing is disabled)
/// and records what was installed, in the slot `installed()` locked.
pub(crate) fn publish(
    slot: &mut MutexGuard<'static, Option<Installed>>,
    runtime: Option<Runtime>,
    installed: Installed,
) {
    if let Some(runtime) = runtime {
        RUNTIME.store(Some(Arc::new(runtime)));
        *final_metrics() = None;
        ENABLED.store(true, Ordering::Release);
    }
    **slot = Some(installed);
}

#[inline]
pub(crate) fn is_enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

#[inline]
pub(crate) fn current() -> arc_swap::Guard<Option<Arc<Runtime>>> {
    RUNTIME.load()
}

/// The running pipeline. Flushes and shuts down within the configured bound when dropped.
///
/// Keep it alive for as long as the application traces (usually: bind it in `main`).
///
/// ```
/// use rizk_core::RizkBuilder;
///
/// let rizk = rizk_core::install(
///     RizkBuilder::new().app_name("doc-example").console_exporter(false).ignore_environment(),
/// )
/// .unwrap();
/// rizk.flush().unwrap();
/// let report = rizk.shutdown(); // or let it drop
/// assert_eq!(report.lost(), 0);
/// ```
#[must_use = "dropping the handle shuts tracing down at once"]
#[derive(Debug)]
pub struct RizkHandle {
    live: bool,
    timeout: Duration,
}

impl RizkHandle {
    /// The handle of a pipeline just installed, whose flush and shutdown wait `timeout` at most.
    pub(crate) fn new(timeout: Duration) -> Self {
        RizkHandle {
            live: true,
            timeout,
        }
    }

    /// Applies a run-time change; see [`update_config`].
    ///
    /// ```
    /// use rizk_core::ConfigUpdate;
    /// # let rizk = rizk_core::RizkBuilder::new().app_name("doc").console_exporter(false)
    /// #     .ignore_environment().init().unwrap();
    ///
    /// rizk.update_config(ConfigUpdate::new().trace_sampling_rate(0.05)).unwrap();
    /// assert_eq!(rizk.config().sampling_rate, 0.05);
    /// assert!(rizk.update_config(ConfigUpdate::new().trace_sampling_rate(2.0)).is_err());
    /// ```
    pub fn update_config(&self, update: ConfigUpdate) -> Result<()> {
        update_config(update)
    }

    /// Exports every span that has ended so far, waiting at most the shutdown bound.
    ///
    /// ```
    /// use opentelemetry::trace::Tracer;
    /// # let spans = rizk_core::export::InMemoryExporter::default();
    /// # let rizk = rizk_core::RizkBuilder::new().app_name("doc").console_exporter(false)
    /// #     .ignore_environment().with_exporter("memory", spans.clone()).init().unwrap();
    ///
    /// rizk_core::get_tracer("doc").in_span("work", |_cx| {});
    /// rizk.flush().unwrap();
    /// assert_eq!(spans.spans().len(), 1);
    /// ```
    pub fn flush(&self) -> Result<()> {
        let Some(rt) = RUNTIME.load_full() else {
            return Ok(());
        };
        rt.provider.force_flush().map_err(|e| RizkError::Flush {
            operation: "flush",
            timeout: self.timeout,
            reason: e.to_string(),
        })
    }

    /// Flushes and stops tracing within the shutdown bound; later macro calls are no-ops, and
    /// `init` may run again.
    ///
    /// Export problems never turn into an error here (a dead collector must not fail the
    /// program's exit): the report says what was exported and what was lost, and when
    /// anything was lost one line says so on stderr. [`get_tracing_metrics`] keeps the final
    /// totals afterwards.
    ///
    /// ```
    /// let rizk = rizk_core::install(
    ///     rizk_core::RizkBuilder::new().app_name("doc").console_exporter(false).ignore_environment(),
    /// )
    /// .unwrap();
    /// let report = rizk.shutdown();
    /// assert_eq!(report.lost(), 0);
    /// ```
    pub fn shutdown(mut self) -> ShutdownReport {
        self.stop()
    }

    /// The effective configuration; the same as [`get_trace_config`].
    ///
    /// ```
    /// let rizk = rizk_core::RizkBuilder::new().app_name("doc").console_exporter(false)
    ///     .trace_sampling_rate(0.5).ignore_environment().init().unwrap();
    /// let config = rizk.config();
    /// assert!(config.enabled);
    /// assert_eq!(config.sampling_rate, 0.5);
    /// ```
    pub fn config(&self) -> TraceConfig {
        get_trace_config()
    }

    fn stop(&mut self) -> ShutdownReport {
        let started = std::time::Instant::now();
        if !std::mem::take(&mut self.live) {
            return ShutdownReport::default();
        }
        let mut slot = installed();
        ENABLED.store(false, Ordering::Release);
        let runtime = RUNTIME.swap(None);
        *slot = None;
        drop(slot);
        let Some(rt) = runtime else {
            return ShutdownReport::default();
        };
        crate::diagnostics::debug("shutting down: flushing every exporter");
        opentelemetry::global::set_tracer_provider(
            opentelemetry::trace::noop::NoopTracerProvider::new(),
        );
        let crate::meter::Unpublished {
            summary,
            dropped: metric_calls_dropped,
        } = crate::meter::unpublish(self.timeout.saturating_sub(started.elapsed()));
        let outcome = rt.provider.shutdown_with_timeout(self.timeout);
        if let Some(meters) = &rt.meter_provider {
            opentelemetry::global::set_meter_provider(
                opentelemetry::metrics::noop::NoopMeterProvider::new(),
            );
            // The readers collect once more and export; the SDK does not bound that by the
            // timeout it is given, so the wait is bounded here (what is left of it).
            let remaining = self.timeout.saturating_sub(started.elapsed());
            let meters = meters.clone();
            let (done, wait) = std::sync::mpsc::channel();
            let spawned = std::thread::Builder::new()
                .name("rizk-metrics-shutdown".into())
                .spawn(move || {
                    let _ = done.send(meters.shutdown_with_timeout(remaining));
                });
            match spawned.map(|_| wait.recv_timeout(remaining)) {
                Ok(Ok(Ok(()))) => {}
                Ok(Ok(Err(e))) => crate::diagnostics::debug(&format!("metrics shutdown: {e}")),
                _ => crate::diagnostics::alert(&format!(
                    "rizk: the last metrics export did not finish within shutdown_timeout ({remaining:?})"
                )),
            }
        }
        if let Some(summary) = summary.as_ref().filter(|s| s.calls() > 0) {
            eprint!("{summary}");
        }
        let metrics = rt.metrics_now();
        let report = ShutdownReport {
            exported: metrics.spans_exported,
            dropped_queue_full: metrics.dropped_queue_full,
            dropped_export_failure: metrics.dropped_export_failure,
            dropped_shutdown_timeout: metrics.dropped_shutdown_timeout,
            dropped_after_shutdown: metrics.dropped_after_shutdown,
            dropped_tail_policy: metrics.dropped_tail_policy,
            took: started.elapsed(),
            last_error: metrics.last_export_error.clone(),
            completed: outcome.is_ok(),
            llm_calls: summary,
            metrics_dropped_calls: metric_calls_dropped,
        };
        *final_metrics() = Some(metrics);
        if report.lost() > 0 || report.metrics_dropped_calls > 0 {
            crate::diagnostics::alert(&report.to_string());
        } else {
            crate::diagnostics::debug(&report.to_string());
        }
        report
    }
}

impl Drop for RizkHandle {
    fn drop(&mut self) {
        // stop() reports what was lost itself.
        let _ = self.stop();
    }
}

/// What a run exported and lost, returned by [`RizkHandle::shutdown`]; its `Display` is the one
/// line printed on stderr when anything was lost.
///
/// ```
/// let report = rizk_core::ShutdownReport::default();
/// assert_eq!(report.lost(), 0);
/// assert!(report.to_string().starts_with("rizk: 0 spans exported"));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct ShutdownReport {
    /// Spans the exporters accepted (summed over exporters).
    pub exported: u64,
    /// Spans dropped because the export path's memory budget was full.
    pub dropped_queue_full: u64,
    /// Spans in requests the exporters failed to send.
    pub dropped_export_failure: u64,
    /// Spans still waiting when the shutdown bound ran out.
    pub dropped_shutdown_timeout: u64,
    /// Spans that ended after shutdown began.
    pub dropped_after_shutdown: u64,
    /// Spans tail sampling chose not to keep (by policy, not lost).
    pub dropped_tail_policy: u64,
    /// How long shutdown took.
    pub took: Duration,
    /// The last export error, if any.
    pub last_error: Option<String>,
    /// Whether every exporter flushed and shut down within the bound.
    pub completed: bool,
    /// In debug mode, the LLM calls per model (also printed on stderr); see
    /// `rizk_core::meter::Summary`.
    pub llm_calls: Option<crate::meter::Summary>,
    /// LLM calls left out of the metrics because rizk's recording thread was behind (more
    /// than 4,096 waiting).
    pub metrics_dropped_calls: u64,
}

impl ShutdownReport {
    /// Spans lost for any reason other than sampling.
    ///
    /// ```
    /// let mut report = rizk_core::ShutdownReport::default();
    /// report.dropped_queue_full = 2;
    /// report.dropped_tail_policy = 5;
    /// assert_eq!(report.lost(), 2); // sampled out by policy is not lost
    /// ```
    pub fn lost(&self) -> u64 {
        self.dropped_queue_full
            + self.dropped_export_failure
            + self.dropped_shutdown_timeout
            + self.dropped_after_shutdown
    }
}

impl fmt::Display for ShutdownReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "rizk: {} spans exported, {} lost",
            self.exported,
            self.lost()
        )?;
        let reasons: Vec<String> = [
            ("export failed", self.dropped_export_failure),
            ("queue full", self.dropped_queue_full),
            ("shutdown bound reached", self.dropped_shutdown_timeout),
            ("ended after shutdown", self.dropped_after_shutdown),
        ]
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(why, n)| format!("{why}: {n}"))
        .collect();
        if !reasons.is_empty() {
            write!(f, " ({})", reasons.join(", "))?;
        }
        write!(f, " in {} ms", self.took.as_millis())?;
        if let Some(error) = &self.last_error {
            write!(f, "; last error: {error}")?;
        }
        if self.metrics_dropped_calls > 0 {
            write!(
                f,
                "; {} LLM calls left out of the metrics",
                self.metrics_dropped_calls
            )?;
        }
        Ok(())
    }
}

/// The totals of the last pipeline shut down, read by `get_tracing_metrics()` until the next
/// `init`.
static FINAL_METRICS: Mutex<Option<TracingMetrics>> = Mutex::new(None);

fn final_metrics() -> MutexGuard<'static, Option<TracingMetrics>> {
    FINAL_METRICS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Runtime {
    /// The pipeline's counters now.
    fn metrics_now(&self) -> TracingMetrics {
        let intake = QueueSnapshot {
            waiting: self.intake_pending.load(Ordering::Relaxed),
            ..self.intake.snapshot()
        };
        let mut queues: Vec<QueueSnapshot> = vec![intake];
        queues.extend(self.queues.iter().map(|(_, q)| q.snapshot()));
        let stages: Vec<_> = self.stages.iter().map(|s| s.snapshot()).collect();
        let mut metrics = collect(
            &self.metrics,
            self.head.counters.started.load(Ordering::Relaxed),
            self.head.counters.sampled.load(Ordering::Relaxed),
            &queues,
            &stages,
        );
        self.limits.snapshot().add_to(&mut metrics);
        metrics.queue_bytes = self.budget.used_bytes() as u64;
        metrics.max_queue_bytes = self.budget.max_bytes() as u64;
        metrics
    }
}

/// The effective configuration, as `get_trace_config()` reports it.
///
/// ```
/// let config = rizk_core::get_trace_config();
/// if !config.enabled {
///     println!("tracing is off: {}", config.status);
/// }
/// println!("{config}");
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TraceConfig {
    /// Whether spans are being recorded now.
    pub enabled: bool,
    /// Why tracing is on or off, in words.
    pub status: String,
    /// The OTLP endpoint, if any.
    pub endpoint: Option<Url>,
    /// Probability that a new trace is kept.
    pub sampling_rate: f64,
    /// The exporters spans go to.
    pub exporters: Vec<String>,
    /// Where metrics go (empty: no meter provider; see `rizk_core::meter`).
    pub metrics_exporters: Vec<String>,
    /// Every option with its value and source.
    pub settings: Vec<Setting>,
}

impl fmt::Display for TraceConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "rizk tracing: {}", self.status)?;
        writeln!(
            f,
            "exporters: {}",
            if self.exporters.is_empty() {
                "none".into()
            } else {
                self.exporters.join(", ")
            }
        )?;
        if !self.metrics_exporters.is_empty() {
            writeln!(f, "metrics: {}", self.metrics_exporters.join(", "))?;
        }
        let width = self
            .settings
            .iter()
            .map(|s| s.name.len())
            .max()
            .unwrap_or(0);
        for s in &self.settings {
            writeln!(f, "  {:width$}  {}  ({})", s.name, s.value, s.source)?;
        }
        Ok(())
    }
}

/// The effective configuration of this process: whether tracing is on and why, the endpoint,
/// the sampling rate, the exporters, and every option with where it came from. Secrets are
/// masked.
///
/// ```
/// let config = rizk_core::get_trace_config();
/// println!("Tracing enabled: {}", config.enabled);
/// println!("Endpoint: {:?}", config.endpoint);
/// println!("Sampling rate: {}", config.sampling_rate);
/// ```
pub fn get_trace_config() -> TraceConfig {
    let slot = installed();
    let Some(installed) = slot.as_ref() else {
        return TraceConfig {
            enabled: false,
            status: "not initialised: call Rizk::init (nothing is traced until then)".into(),
            endpoint: None,
            sampling_rate: 0.0,
            exporters: Vec::new(),
            metrics_exporters: Vec::new(),
            settings: Vec::new(),
        };
    };
    let c = &installed.config;
    let enabled = is_enabled();
    let status = if enabled {
        "enabled".to_owned()
    } else {
        format!(
            "disabled by tracing_enabled = false ({})",
            c.tracing_enabled.source
        )
    };
    TraceConfig {
        enabled,
        status,
        endpoint: c.opentelemetry_endpoint.as_ref().map(|e| e.value.clone()),
        sampling_rate: c.trace_sampling_rate.value.rate,
        exporters: installed.exporters.clone(),
        metrics_exporters: installed.metrics_exporters.clone(),
        settings: settings_of(c),
    }
}

fn settings_of(c: &Config) -> Vec<Setting> {
    let unset = "unset";
    let headers: Vec<String> = c
        .otlp_headers
        .value
        .iter()
        .map(|(name, _)| format!("{name}=***"))
        .collect();
    let headers = if headers.is_empty() {
        "none".to_owned()
    } else {
        headers.join(",")
    };
    let mut out = vec![
        Setting::new("app_name", c.app_name.value.clone(), c.app_name.source),
        Setting::or_absent("api_key", c.api_key.as_ref(), |k| k.masked(), unset),
        Setting::of("tracing_enabled", &c.tracing_enabled),
        Setting::or_absent(
            "opentelemetry_endpoint",
            c.opentelemetry_endpoint.as_ref(),
            ToString::to_string,
            unset,
        ),
        Setting::new("otlp_headers", headers, c.otlp_headers.source),
        Setting::of("trace_content", &c.trace_content),
        Setting::of("trace_sampling_rate", &c.trace_sampling_rate),
    ];
    // The sampling policies next to the rate they refine or replace.
    out.extend(c.sampling.settings(&c.trace_sampling_rate));
    out.extend([
        Setting::of("trace_debug", &c.trace_debug),
        Setting::of("console_exporter", &c.console_exporter),
        Setting::new(
            "console_target",
            format!("{:?}", c.console_target.value),
            c.console_target.source,
        ),
    ]);
    out.extend(c.export.settings());
    out.push(Setting::or_absent(
        "trace_file",
        c.trace_file.as_ref(),
        |path| path.display().to_string(),
        unset,
    ));
    out.extend(c.exporters.settings());
    out.extend(c.groups.settings());
    out.extend(c.limits.settings());
    out.extend(c.conventions.settings());
    let content = &c.content;
    let as_policy = |name, flag: &Option<crate::config::Sourced<bool>>| {
        Setting::or_absent(name, flag.as_ref(), bool::to_string, "as trace_content")
    };
    out.extend([
        Setting::or_absent(
            "content_redaction_enabled",
            content.content_redaction_enabled.as_ref(),
            bool::to_string,
            "on when a redactor is installed",
        ),
        as_policy("trace_llm_inputs", &content.trace_llm_inputs),
        as_policy("trace_llm_outputs", &content.trace_llm_outputs),
        as_policy("trace_user_inputs", &content.trace_user_inputs),
        as_policy("trace_system_prompts", &content.trace_system_prompts),
        Setting::of("trace_metadata_only", &content.trace_metadata_only),
        Setting::of("trace_content_hashes", &content.trace_content_hashes),
    ]);
    out
}

/// Counters of the export queues, per exporter.
///
/// ```
/// for (exporter, stats) in rizk_core::export_stats() {
///     println!("{exporter}: {} exported, {} dropped", stats.exported, stats.dropped_queue_full);
/// }
/// ```
pub fn export_stats() -> Vec<(String, QueueSnapshot)> {
    RUNTIME
        .load()
        .as_ref()
        .map(|rt| {
            rt.queues
                .iter()
                .map(|(name, stats)| (name.clone(), stats.snapshot()))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether the content policy lets spans carry content now: prompts, completions, inputs and
/// outputs (`trace_content`). `false` when tracing is off or not initialised. Integrations that
/// record content themselves (framework bridges, instrumented clients) ask this before they
/// format anything.
///
/// ```
/// if rizk_core::content_tracing_enabled() {
///     // format and record the prompt
/// }
/// # assert!(!rizk_core::content_tracing_enabled()); // not initialised here
/// ```
pub fn content_tracing_enabled() -> bool {
    content_policy().is_some_and(|p| p.allows(ContentKind::FunctionInput))
}

/// The content policy in force, or `None` when tracing is off: integrations ask it, per kind
/// of content, whether to capture at all (`treatment(kind).captures()`), before formatting
/// anything.
///
/// ```
/// use rizk_core::content::ContentKind;
/// let capture = rizk_core::content_policy().is_some_and(|p| p.treatment(ContentKind::LlmInput).captures());
/// assert!(!capture); // not initialised here
/// ```
pub fn content_policy() -> Option<ContentPolicy> {
    if !is_enabled() {
        return None;
    }
    RUNTIME.load().as_ref().map(|rt| rt.content_policy())
}

/// A tracer of rizk's pipeline for custom spans, the spec's `get_tracer(__name__)`. Its spans
/// nest under macro spans, macro spans nest under its spans, and they inherit
/// `set_span_context` attributes. Before `init` (or when tracing is off) it is a no-op tracer.
///
/// ```
/// use opentelemetry::KeyValue;
/// use opentelemetry::trace::{Span, Tracer};
///
/// let tracer = rizk_core::get_tracer("business_logic");
/// tracer.in_span("business_logic.complex_operation", |cx| {
///     use opentelemetry::trace::TraceContextExt;
///     cx.span().set_attribute(KeyValue::new("operation.type", "data_processing"));
/// });
/// ```
pub fn get_tracer(
    name: impl Into<std::borrow::Cow<'static, str>>,
) -> opentelemetry::global::BoxedTracer {
    opentelemetry::global::tracer(name)
}

/// What the pipeline has done since `init` and what it costs: see [`TracingMetrics`]. All zero
/// before `init`; after `shutdown()`, the final totals of that run (until the next `init`).
///
/// ```
/// let metrics = rizk_core::get_tracing_metrics();
/// assert_eq!(metrics.dropped_queue_full, 0);
/// ```
pub fn get_tracing_metrics() -> TracingMetrics {
    match RUNTIME.load().as_ref() {
        Some(rt) => rt.metrics_now(),
        None => final_metrics().clone().unwrap_or_default(),
    }
}

/// Changes to apply to a running pipeline with [`update_config`]. Unset fields keep their
/// value.
///
/// ```
/// use rizk_core::ConfigUpdate;
/// let update = ConfigUpdate::new().trace_sampling_rate(0.05).trace_content(false);
/// # let _ = update;
/// ```
#[derive(Debug, Clone, Default)]
#[must_use = "an update does nothing until passed to update_config()"]
pub struct ConfigUpdate {
    trace_sampling_rate: Option<f64>,
    trace_content: Option<bool>,
    content: Option<ContentPolicy>,
    intelligent_sampling: Option<Option<crate::config::IntelligentSampling>>,
}

impl ConfigUpdate {
    /// An update that changes nothing yet.
    ///
    /// ```
    /// # let rizk = rizk_core::RizkBuilder::new().app_name("doc").console_exporter(false)
    /// #     .ignore_environment().init().unwrap();
    /// // An empty update is valid and changes nothing.
    /// rizk_core::update_config(rizk_core::ConfigUpdate::new()).unwrap();
    /// assert_eq!(rizk_core::get_trace_config().sampling_rate, 1.0);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// New head sampling rate for traces started afterwards.
    ///
    /// ```
    /// use rizk_core::{ConfigUpdate, update_config};
    /// # let rizk = rizk_core::RizkBuilder::new().app_name("doc").console_exporter(false)
    /// #     .ignore_environment().init().unwrap();
    ///
    /// update_config(ConfigUpdate::new().trace_sampling_rate(0.1)).unwrap();
    /// assert_eq!(rizk_core::get_trace_config().sampling_rate, 0.1);
    /// ```
    pub fn trace_sampling_rate(mut self, rate: f64) -> Self {
        self.trace_sampling_rate = Some(rate);
        self
    }

    /// Turns recording of inputs and outputs on or off for spans started afterwards.
    ///
    /// ```
    /// use rizk_core::{ConfigUpdate, update_config};
    /// # let rizk = rizk_core::RizkBuilder::new().app_name("doc").console_exporter(false)
    /// #     .ignore_environment().init().unwrap();
    ///
    /// update_config(ConfigUpdate::new().trace_content(false)).unwrap();
    /// assert!(!rizk_core::content_tracing_enabled());
    /// ```
    pub fn trace_content(mut self, enabled: bool) -> Self {
        self.trace_content = Some(enabled);
        self
    }

    /// Replaces the whole content policy (every content flag at once).
    ///
    /// ```
    /// use rizk_core::{ConfigUpdate, update_config};
    /// use rizk_core::content::ContentPolicy;
    /// # let rizk = rizk_core::RizkBuilder::new().app_name("doc").console_exporter(false)
    /// #     .ignore_environment().init().unwrap();
    ///
    /// let policy = ContentPolicy { trace_metadata_only: true, ..ContentPolicy::default() };
    /// update_config(ConfigUpdate::new().content_policy(policy)).unwrap();
    /// assert_eq!(rizk_core::content_policy(), Some(policy));
    /// ```
    pub fn content_policy(mut self, policy: ContentPolicy) -> Self {
        self.content = Some(policy);
        self
    }

    /// Turns intelligent (tail) sampling on with a policy, or off with `None`.
    ///
    /// ```
    /// use rizk_core::{ConfigUpdate, update_config};
    /// use rizk_core::config::IntelligentSampling;
    /// # let rizk = rizk_core::RizkBuilder::new().app_name("doc").console_exporter(false)
    /// #     .ignore_environment().init().unwrap();
    ///
    /// // Turning it off always works; turning it on needs the tail-sampling stage (the facade's).
    /// update_config(ConfigUpdate::new().intelligent_sampling(None)).unwrap();
    /// let on = ConfigUpdate::new().intelligent_sampling(Some(IntelligentSampling::default()));
    /// assert!(update_config(on).is_err());
    /// ```
    pub fn intelligent_sampling(
        mut self,
        policy: Option<crate::config::IntelligentSampling>,
    ) -> Self {
        self.intelligent_sampling = Some(policy);
        self
    }
}

/// Applies `update` to the running pipeline, the spec's `rizk.update_config(...)`: all of it
/// at once for spans started afterwards, or none of it when a value is invalid (the error names
/// it and the old configuration stays).
///
/// ```
/// use rizk_core::{ConfigUpdate, update_config};
///
/// // Before init there is nothing to update.
/// assert!(update_config(ConfigUpdate::new().trace_sampling_rate(0.05)).is_err());
/// ```
pub fn update_config(update: ConfigUpdate) -> Result<()> {
    let mut slot = installed();
    let guard = RUNTIME.load();
    let (Some(installed), Some(rt)) = (slot.as_mut(), guard.as_ref()) else {
        return Err(RizkError::invalid(
            "update_config",
            Source::Runtime,
            "rizk is not initialised (or tracing is disabled)",
            "call Rizk::init first, with tracing_enabled = true",
        ));
    };
    if let Some(rate) = update.trace_sampling_rate {
        crate::config::check_rate(rate, Source::Runtime)?;
    }
    if let Some(Some(policy)) = &update.intelligent_sampling {
        policy.validate()?;
        if !rt.tail_stage_installed {
            return Err(RizkError::invalid(
                "intelligent_sampling",
                Source::Runtime,
                "this pipeline has no tail-sampling stage",
                "initialise through rizk::Rizk::builder() with the `sampling` feature (on by default)",
            ));
        }
    }
    rt.head.state.rcu(|state| {
        let mut next = (**state).clone();
        if let Some(rate) = update.trace_sampling_rate {
            next.head.rate = rate;
        }
        if let Some(policy) = &update.intelligent_sampling {
            next.tail = policy.clone().map(Arc::new);
        }
        next
    });
    let config = &mut installed.config;
    if let Some(rate) = update.trace_sampling_rate {
        config.trace_sampling_rate.value.rate = rate;
        config.trace_sampling_rate.source = Source::Runtime;
    }
    if update.trace_content.is_some() || update.content.is_some() {
        let mut policy = update.content.unwrap_or_else(|| rt.content_policy());
        if let Some(enabled) = update.trace_content {
            policy.trace_content = enabled;
        }
        rt.content.store(policy.to_bits(), Ordering::Relaxed);
        config.trace_content = crate::config::Sourced::new(policy.trace_content, Source::Runtime);
        let c = &mut config.content;
        let runtime = |v: Option<bool>| v.map(|v| crate::config::Sourced::new(v, Source::Runtime));
        c.trace_llm_inputs = runtime(policy.trace_llm_inputs);
        c.trace_llm_outputs = runtime(policy.trace_llm_outputs);
        c.trace_user_inputs = runtime(policy.trace_user_inputs);
        c.trace_system_prompts = runtime(policy.trace_system_prompts);
        c.trace_metadata_only =
            crate::config::Sourced::new(policy.trace_metadata_only, Source::Runtime);
        c.trace_content_hashes =
            crate::config::Sourced::new(policy.trace_content_hashes, Source::Runtime);
        c.content_redaction_enabled = Some(crate::config::Sourced::new(
            policy.content_redaction_enabled,
            Source::Runtime,
        ));
    }
    if let Some(policy) = update.intelligent_sampling {
        config.sampling.intelligent = policy;
        // get_trace_config() reports where the policy in force came from.
        config.sampling.intelligent_source = Source::Runtime;
    }
    Ok(())
}

/// The spec's `configure_intelligent_sampling(...)`: turns tail sampling on in the running
/// pipeline with `policy` (or at init with `RizkBuilder::intelligent_sampling`).
///
/// ```
/// use rizk_core::config::IntelligentSampling;
/// // Before init there is no pipeline to configure.
/// assert!(rizk_core::configure_intelligent_sampling(IntelligentSampling::default()).is_err());
/// ```
pub fn configure_intelligent_sampling(policy: crate::config::IntelligentSampling) -> Result<()> {
    update_config(ConfigUpdate::new().intelligent_sampling(Some(policy)))
}

/// Replaces the redactor of the running pipeline and turns redaction on: the run-time half of
/// the spec's `configure_content_redaction` (the facade builds the redactor from its options).
/// Spans already queued are redacted with the new one.
///
/// ```
/// # use std::borrow::Cow;
/// struct Nothing;
/// impl rizk_core::content::ContentRedactor for Nothing {
///     fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> { Cow::Borrowed(text) }
/// }
/// assert!(rizk_core::set_content_redactor(Nothing).is_err()); // not initialised here
/// ```
pub fn set_content_redactor(redactor: impl ContentRedactor) -> Result<()> {
    let guard = RUNTIME.load();
    let Some(rt) = guard.as_ref() else {
        return Err(RizkError::invalid(
            "content_redaction",
            Source::Runtime,
            "rizk is not initialised (or tracing is disabled)",
            "call Rizk::init first, or configure redaction on the builder",
        ));
    };
    rt.redactor.store(Some(Arc::new(Box::new(redactor))));
    drop(guard);
    let policy = ContentPolicy {
        content_redaction_enabled: true,
        ..content_policy().unwrap_or_default()
    };
    update_config(ConfigUpdate::new().content_policy(policy))
}

/// Assembles [`TracingMetrics`] from the runtime's counters.
fn collect(
    metrics: &RuntimeMetrics,
    started: u64,
    sampled: u64,
    queues: &[QueueSnapshot],
    stages: &[StageSnapshot],
) -> TracingMetrics {
    let mut out = TracingMetrics {
        spans_started: started,
        spans_sampled: sampled,
        spans_ended: metrics.ended.load(Ordering::Relaxed),
        dropped_sampling: started.saturating_sub(sampled),
        spans_per_second: metrics.spans_per_second(SystemTime::now()),
        overhead_percentage: metrics.overhead_percentage(),
        ..TracingMetrics::default()
    };
    for q in queues {
        out.spans_exported += q.exported;
        out.dropped_queue_full += q.dropped_queue_full;
        out.dropped_export_failure += q.export_failed;
        out.dropped_after_shutdown += q.dropped_after_shutdown;
        out.dropped_shutdown_timeout += q.dropped_shutdown_timeout;
        out.export_requests += q.requests;
        out.oversized_spans += q.oversized;
        out.queue_depth += q.waiting;
        if q.last_error.is_some() {
            out.last_export_error.clone_from(&q.last_error);
        }
    }
    for s in stages {
        out.dropped_tail_policy += s.dropped_by_policy;
        out.tail_buffered_spans += s.buffered_spans;
        out.tail_buffered_traces += s.buffered_traces;
        out.tail_forced_decisions += s.forced_decisions;
    }
    out
}
