//! The installed pipeline: global state, `init`, the handle, `get_trace_config`.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use arc_swap::ArcSwapOption;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry::{InstrumentationScope, KeyValue};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::{BaggagePropagator, TraceContextPropagator};
use opentelemetry_sdk::trace::{Sampler, SdkTracer, SdkTracerProvider};
use url::Url;

use crate::config::{Config, HeadSampling, RizkBuilder, Source};
use crate::error::{Result, RizkError};
use crate::export::{ConsoleExporter, ExporterSet, QueueSnapshot, QueueStats};
use crate::pipeline::Pipeline;
use crate::semconv;

/// What the macros need on every call, swapped atomically as a whole.
pub(crate) struct Runtime {
    pub(crate) tracer: SdkTracer,
    provider: SdkTracerProvider,
    pub(crate) parent_based: bool,
    /// No root span is ever sampled (rate 0): skip building attributes for roots.
    pub(crate) roots_never_sampled: bool,
    trace_content: AtomicBool,
    queues: Vec<(String, Arc<QueueStats>)>,
}

impl Runtime {
    pub(crate) fn trace_content(&self) -> bool {
        self.trace_content.load(Ordering::Relaxed)
    }
}

/// Read first by every macro call: one relaxed load when tracing is off.
static ENABLED: AtomicBool = AtomicBool::new(false);
static RUNTIME: ArcSwapOption<Runtime> = ArcSwapOption::const_empty();
/// The configuration of the installed pipeline (also when it is disabled), for
/// `get_trace_config()` and to refuse a second `init`.
static INSTALLED: Mutex<Option<Installed>> = Mutex::new(None);

struct Installed {
    config: Config,
    exporters: Vec<String>,
}

fn installed() -> MutexGuard<'static, Option<Installed>> {
    INSTALLED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[inline]
pub(crate) fn is_enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

#[inline]
pub(crate) fn current() -> arc_swap::Guard<Option<Arc<Runtime>>> {
    RUNTIME.load()
}

fn sampler_for(head: HeadSampling) -> Sampler {
    let root = if head.rate >= 1.0 {
        Sampler::AlwaysOn
    } else if head.rate <= 0.0 {
        Sampler::AlwaysOff
    } else {
        Sampler::TraceIdRatioBased(head.rate)
    };
    if head.parent_based {
        Sampler::ParentBased(Box::new(root))
    } else {
        root
    }
}

/// Validates the configuration and installs the pipeline: the `init` behind `Rizk::init` and
/// `RizkBuilder::init`.
///
/// Fails with [`RizkError::AlreadyInitialized`] while another pipeline is installed, and with
/// the error of the first invalid option otherwise. With tracing disabled nothing is installed
/// and every macro is a no-op, but the configuration is still validated and reported.
pub fn install(mut builder: RizkBuilder) -> Result<RizkHandle> {
    let mut slot = installed();
    if let Some(existing) = slot.as_ref() {
        return Err(RizkError::AlreadyInitialized {
            app_name: existing.config.app_name.value.clone(),
        });
    }
    let config = builder.build_config()?;
    let timeout = config.export.shutdown_timeout.value;
    if !config.tracing_enabled.value {
        *slot = Some(Installed {
            config,
            exporters: Vec::new(),
        });
        return Ok(RizkHandle {
            live: true,
            timeout,
        });
    }

    let mut set = ExporterSet::new(
        config.export.clone(),
        std::mem::take(&mut builder.transforms),
    );
    if config.console_exporter.value {
        let why = match config.console_exporter.source {
            Source::Derived if config.trace_debug.value => " (debug mode)",
            Source::Derived => " (default: no endpoint or api_key configured)",
            _ => "",
        };
        let target = config.console_target.value;
        set.add(
            format!("console {target:?}{why}"),
            ConsoleExporter::new(target),
        );
    }
    match builder.exporter_factory.take() {
        Some(factory) => factory(&config, &mut set)?,
        None => {
            if config.opentelemetry_endpoint.is_some() || config.api_key.is_some() {
                return Err(RizkError::Exporter {
                    exporter: "otlp".into(),
                    reason: "an endpoint or api_key is configured, but rizk-core alone has no OTLP exporter; initialise through the `rizk` crate (feature `otlp`, on by default)".into(),
                });
            }
        }
    }
    for add in builder.exporters.drain(..) {
        add(&mut set);
    }

    let app_name = config.app_name.value.clone();
    let resource = Resource::builder()
        .with_service_name(app_name.clone())
        .with_attribute(KeyValue::new(semconv::OPENINFERENCE_PROJECT_NAME, app_name))
        .build();
    let head = config.trace_sampling_rate.value;
    let mut pipeline = Pipeline::default();
    let mut exporters = Vec::new();
    let mut queues = Vec::new();
    for (description, queue) in set.queues {
        queues.push((description.clone(), queue.stats()));
        exporters.push(description);
        pipeline.queues.push(queue);
    }
    for (description, processor) in builder.processors.drain(..) {
        exporters.push(description);
        pipeline.processors.push(processor);
    }
    let provider = SdkTracerProvider::builder()
        .with_resource(resource)
        .with_sampler(sampler_for(head))
        .with_span_processor(pipeline)
        .build();
    let scope = InstrumentationScope::builder("rizk")
        .with_version(env!("CARGO_PKG_VERSION"))
        .build();
    let tracer = provider.tracer_with_scope(scope);

    opentelemetry::global::set_tracer_provider(provider.clone());
    opentelemetry::global::set_text_map_propagator(
        opentelemetry::propagation::TextMapCompositePropagator::new(vec![
            Box::new(TraceContextPropagator::new()),
            Box::new(BaggagePropagator::new()),
        ]),
    );

    if config.trace_debug.value {
        eprintln!(
            "[rizk] tracing {:?}: sampling {}, content {}, exporters: {}",
            config.app_name.value,
            head,
            if config.trace_content.value {
                "on"
            } else {
                "off"
            },
            exporters.join(", ")
        );
    }
    RUNTIME.store(Some(Arc::new(Runtime {
        tracer,
        provider,
        parent_based: head.parent_based,
        roots_never_sampled: head.rate <= 0.0,
        trace_content: AtomicBool::new(config.trace_content.value),
        queues,
    })));
    ENABLED.store(true, Ordering::Release);
    *slot = Some(Installed { config, exporters });
    Ok(RizkHandle {
        live: true,
        timeout,
    })
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
/// rizk.shutdown().unwrap(); // or let it drop
/// ```
#[must_use = "dropping the handle shuts tracing down at once"]
#[derive(Debug)]
pub struct RizkHandle {
    live: bool,
    timeout: Duration,
}

impl RizkHandle {
    /// Exports every span that has ended so far, waiting at most the shutdown bound.
    pub fn flush(&self) -> Result<()> {
        let Some(rt) = RUNTIME.load_full() else {
            return Ok(());
        };
        rt.provider.force_flush().map_err(|e| RizkError::Shutdown {
            operation: "flush",
            timeout: self.timeout,
            reason: e.to_string(),
        })
    }

    /// Flushes and stops tracing; later macro calls are no-ops, and `init` may run again.
    pub fn shutdown(mut self) -> Result<()> {
        self.stop()
    }

    /// The effective configuration; the same as [`get_trace_config`].
    pub fn config(&self) -> TraceConfig {
        get_trace_config()
    }

    fn stop(&mut self) -> Result<()> {
        if !std::mem::take(&mut self.live) {
            return Ok(());
        }
        let mut slot = installed();
        ENABLED.store(false, Ordering::Release);
        let runtime = RUNTIME.swap(None);
        *slot = None;
        drop(slot);
        let Some(rt) = runtime else { return Ok(()) };
        opentelemetry::global::set_tracer_provider(
            opentelemetry::trace::noop::NoopTracerProvider::new(),
        );
        rt.provider
            .shutdown_with_timeout(self.timeout)
            .map_err(|e| RizkError::Shutdown {
                operation: "shutdown",
                timeout: self.timeout,
                reason: e.to_string(),
            })
    }
}

impl Drop for RizkHandle {
    fn drop(&mut self) {
        if let Err(e) = self.stop() {
            crate::diagnostics::warn(&e.to_string());
        }
    }
}

/// One line of [`TraceConfig`]: an option, its effective value (secrets masked) and its source.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    /// The option's builder name.
    pub name: &'static str,
    /// Its value, secrets masked.
    pub value: String,
    /// Where the value came from.
    pub source: Source,
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
        settings: settings_of(c),
    }
}

fn settings_of(c: &Config) -> Vec<Setting> {
    let s = |name, value: String, source| Setting {
        name,
        value,
        source,
    };
    let mut out = vec![
        s("app_name", c.app_name.value.clone(), c.app_name.source),
        match &c.api_key {
            Some(k) => s("api_key", k.value.masked(), k.source),
            None => s("api_key", "unset".into(), Source::Default),
        },
        s(
            "tracing_enabled",
            c.tracing_enabled.value.to_string(),
            c.tracing_enabled.source,
        ),
        match &c.opentelemetry_endpoint {
            Some(e) => s("opentelemetry_endpoint", e.value.to_string(), e.source),
            None => s("opentelemetry_endpoint", "unset".into(), Source::Default),
        },
    ];
    let headers: Vec<String> = c
        .otlp_headers
        .value
        .iter()
        .map(|(name, _)| format!("{name}=***"))
        .collect();
    out.push(s(
        "otlp_headers",
        if headers.is_empty() {
            "none".into()
        } else {
            headers.join(",")
        },
        c.otlp_headers.source,
    ));
    out.extend([
        s(
            "trace_content",
            c.trace_content.value.to_string(),
            c.trace_content.source,
        ),
        s(
            "trace_sampling_rate",
            c.trace_sampling_rate.value.to_string(),
            c.trace_sampling_rate.source,
        ),
        s(
            "trace_debug",
            c.trace_debug.value.to_string(),
            c.trace_debug.source,
        ),
        s(
            "console_exporter",
            c.console_exporter.value.to_string(),
            c.console_exporter.source,
        ),
        s(
            "console_target",
            format!("{:?}", c.console_target.value),
            c.console_target.source,
        ),
        s(
            "max_queue_size",
            c.export.max_queue_size.value.to_string(),
            c.export.max_queue_size.source,
        ),
        s(
            "shutdown_timeout",
            format!("{:?}", c.export.shutdown_timeout.value),
            c.export.shutdown_timeout.source,
        ),
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
    is_enabled() && RUNTIME.load().as_ref().is_some_and(|rt| rt.trace_content())
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
