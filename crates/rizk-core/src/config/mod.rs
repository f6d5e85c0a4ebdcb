//! Configuration: the builder, environment variables, validation and the effective result.
//!
//! Precedence, highest first: values set on [`RizkBuilder`], then `RIZK_*` environment
//! variables, then the standard `OTEL_*` variables, then defaults. Every value remembers its
//! [`Source`] so that `get_trace_config()` can say where it came from.

mod content;
mod env;
mod exporters;
mod limits;
mod parse;
mod propagation;
mod sampling;
mod source;

use std::fmt;
use std::time::Duration;

use opentelemetry_sdk::trace::SpanProcessor;
use url::Url;

pub use content::ContentOptions;
pub use env::{EnvSource, ProcessEnv};
pub use exporters::{
    DEFAULT_DASHBOARD_URL, DEFAULT_OTLP_TIMEOUT, ExporterOptions, OtlpCompression, OtlpProtocol,
    TraceExporter,
};
pub use limits::{DEFAULT_MAX_CONTENT_LENGTH, LimitOptions};
pub(crate) use parse::check_rate;
pub use propagation::{PropagationOptions, Propagator, baggage_attribute_problem};
pub use sampling::{IntelligentSampling, SamplingOptions};
pub use source::{Source, Sourced};

use crate::content::SpanTransform;
use crate::error::Result;
#[cfg(test)]
use crate::error::RizkError;
use crate::export::ExporterSet;
use crate::secret::Secret;

/// Every `RIZK_*` variable this version reads: the core ones and those of the option groups.
/// Anything else with the prefix is an error, so a typo never leaves an option silently unset.
pub fn rizk_env_vars() -> impl Iterator<Item = &'static str> {
    CORE_ENV_VARS
        .iter()
        .chain(exporters::ENV_VARS)
        .chain(content::ENV_VARS)
        .chain(sampling::ENV_VARS)
        .chain(propagation::ENV_VARS)
        .chain(limits::ENV_VARS)
        .copied()
}

/// The `RIZK_*` variables of the core options.
const CORE_ENV_VARS: &[&str] = &[
    "RIZK_APP_NAME",
    "RIZK_API_KEY",
    "RIZK_TRACING_ENABLED",
    "RIZK_OPENTELEMETRY_ENDPOINT",
    "RIZK_OTLP_HEADERS",
    "RIZK_TRACE_CONTENT",
    "RIZK_TRACE_SAMPLING_RATE",
    "RIZK_TRACE_DEBUG",
    "RIZK_CONSOLE_EXPORTER",
    "RIZK_CONSOLE_TARGET",
    "RIZK_TRACE_FILE",
    "RIZK_SHUTDOWN_TIMEOUT_MS",
    "RIZK_MAX_QUEUE_BYTES",
    "RIZK_MAX_EXPORT_REQUEST_BYTES",
];

/// Where the console trace view writes.
///
/// ```
/// use rizk_core::config::ConsoleTarget;
/// assert_eq!("stdout".parse::<ConsoleTarget>().unwrap(), ConsoleTarget::Stdout);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConsoleTarget {
    /// Standard error (the default, so traces never mix with a program's output).
    #[default]
    Stderr,
    /// Standard output.
    Stdout,
}

impl std::str::FromStr for ConsoleTarget {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "stderr" => Ok(ConsoleTarget::Stderr),
            "stdout" => Ok(ConsoleTarget::Stdout),
            _ => Err(format!("{s:?} is neither \"stdout\" nor \"stderr\"")),
        }
    }
}

/// How the first span of a trace is sampled (head sampling).
///
/// `trace_sampling_rate` gives a parent-based trace-id ratio: a root span is kept with
/// probability `rate`, decided from its trace id, and every other span follows its parent, so a
/// trace is kept or dropped whole, across services too.
///
/// ```
/// use rizk_core::config::HeadSampling;
/// let s = HeadSampling { rate: 0.25, parent_based: true };
/// assert_eq!(s.to_string(), "parentbased_traceidratio(0.25)");
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeadSampling {
    /// Probability in `0.0..=1.0` that a root span is sampled.
    pub rate: f64,
    /// Whether a span with a parent follows the parent's decision.
    pub parent_based: bool,
}

impl fmt::Display for HeadSampling {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = if self.rate >= 1.0 {
            "always_on".to_owned()
        } else if self.rate <= 0.0 {
            "always_off".to_owned()
        } else {
            format!("traceidratio({})", self.rate)
        };
        if self.parent_based {
            write!(f, "parentbased_{inner}")
        } else {
            f.write_str(&inner)
        }
    }
}

/// The validated, effective configuration, each value with its [`Source`].
///
/// Built by [`RizkBuilder::build_config`]; read back at run time with `get_trace_config()`.
///
/// ```
/// use rizk_core::RizkBuilder;
/// use rizk_core::config::Source;
///
/// let config = RizkBuilder::new().app_name("shop").ignore_environment().build_config().unwrap();
/// assert_eq!(config.app_name.value, "shop");
/// assert_eq!(config.trace_sampling_rate.value.rate, 1.0);
/// assert_eq!(config.trace_sampling_rate.source, Source::Default);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// `service.name` of every span, and the Phoenix project (`openinference.project.name`).
    pub app_name: Sourced<String>,
    /// The Rizk API key (never shown; see [`Secret`]).
    pub api_key: Option<Sourced<Secret>>,
    /// When false, every macro and API call is a no-op and nothing is installed.
    pub tracing_enabled: Sourced<bool>,
    /// An OTLP endpoint to export to.
    pub opentelemetry_endpoint: Option<Sourced<Url>>,
    /// Headers sent with every OTLP export (values are secrets).
    pub otlp_headers: Sourced<Vec<(String, Secret)>>,
    /// Whether function inputs and outputs may be recorded in spans.
    pub trace_content: Sourced<bool>,
    /// Head sampling of new traces.
    pub trace_sampling_rate: Sourced<HeadSampling>,
    /// Debug mode: the console view is on and the SDK reports its own problems on stderr.
    pub trace_debug: Sourced<bool>,
    /// Whether finished traces are printed as trees.
    pub console_exporter: Sourced<bool>,
    /// Where the console view writes.
    pub console_target: Sourced<ConsoleTarget>,
    /// A JSON-lines file every span is appended to, for tooling.
    pub trace_file: Option<Sourced<std::path::PathBuf>>,
    /// Export queue settings.
    pub export: ExportSettings,
    /// Exporter selection and per-platform settings.
    pub exporters: ExporterOptions,
    /// Content policy and redaction.
    pub content: ContentOptions,
    /// Sampling beyond the head rate.
    pub sampling: SamplingOptions,
    /// Context propagation across services.
    pub propagation: PropagationOptions,
    /// Attribute and payload limits: inline media, the content cap, OpenTelemetry limits.
    pub limits: LimitOptions,
}

/// Bounds of the export path: its memory, its batches, its requests and its shutdown.
///
/// ```
/// use rizk_core::config::{ExportSettings, DEFAULT_MAX_QUEUE_BYTES};
/// let s = ExportSettings::default();
/// assert_eq!(s.max_queue_bytes.value, DEFAULT_MAX_QUEUE_BYTES);
/// assert!(s.max_queue_size.is_none());
/// ```
#[derive(Debug, Clone)]
pub struct ExportSettings {
    /// Memory the export path may hold, in bytes of span data: spans waiting for the stage
    /// thread and in every exporter's queue. `RIZK_MAX_QUEUE_BYTES`.
    pub max_queue_bytes: Sourced<usize>,
    /// Spans the export path may hold, when set (`OTEL_BSP_MAX_QUEUE_SIZE`): a count bound on
    /// top of the memory one.
    pub max_queue_size: Option<Sourced<usize>>,
    /// Spans per export call. `OTEL_BSP_MAX_EXPORT_BATCH_SIZE`.
    pub max_export_batch_size: Sourced<usize>,
    /// Longest wait before a partial batch is exported. `OTEL_BSP_SCHEDULE_DELAY` (ms).
    pub scheduled_delay: Sourced<Duration>,
    /// Requests a network exporter may have under way at once.
    /// `OTEL_BSP_MAX_CONCURRENT_EXPORTS`.
    pub max_concurrent_exports: Sourced<usize>,
    /// The largest request a network exporter sends, in encoded bytes; unset: the exporter's
    /// default (4 MiB for OTLP). `RIZK_MAX_EXPORT_REQUEST_BYTES`.
    pub max_export_request_bytes: Option<Sourced<usize>>,
    /// Bound on flush and shutdown. `RIZK_SHUTDOWN_TIMEOUT_MS`.
    pub shutdown_timeout: Sourced<Duration>,
}

/// The default memory budget of the export path: 256 MiB, about 200,000 spans of a typical
/// `#[task]` (about 1.2 KiB each in memory), so a burst of 100,000 spans waits without loss
/// while a local collector drains it. Memory is taken only as spans wait.
pub const DEFAULT_MAX_QUEUE_BYTES: usize = 256 * 1024 * 1024;

/// The default largest request of a network exporter: 4 MiB, what gRPC receivers accept by
/// default (and a safe size for OTLP/HTTP receivers).
pub const DEFAULT_MAX_REQUEST_BYTES: usize = 4 * 1024 * 1024;

impl ExportSettings {
    /// The lines `get_trace_config()` shows for these settings.
    pub fn settings(&self) -> Vec<crate::Setting> {
        fn line(name: &'static str, value: String, source: Source) -> crate::Setting {
            crate::Setting {
                name,
                value,
                source,
            }
        }
        let mib = |bytes: usize| format!("{bytes} bytes ({:.1} MiB)", bytes as f64 / 1048576.0);
        vec![
            line(
                "max_queue_bytes",
                mib(self.max_queue_bytes.value),
                self.max_queue_bytes.source,
            ),
            match &self.max_queue_size {
                Some(n) => line("max_queue_size", n.value.to_string(), n.source),
                None => line("max_queue_size", "no count bound".into(), Source::Default),
            },
            line(
                "max_export_batch_size",
                self.max_export_batch_size.value.to_string(),
                self.max_export_batch_size.source,
            ),
            line(
                "scheduled_delay",
                format!("{:?}", self.scheduled_delay.value),
                self.scheduled_delay.source,
            ),
            line(
                "max_concurrent_exports",
                self.max_concurrent_exports.value.to_string(),
                self.max_concurrent_exports.source,
            ),
            match &self.max_export_request_bytes {
                Some(n) => line("max_export_request_bytes", mib(n.value), n.source),
                None => line(
                    "max_export_request_bytes",
                    format!(
                        "each exporter's default ({})",
                        mib(DEFAULT_MAX_REQUEST_BYTES)
                    ),
                    Source::Default,
                ),
            },
            line(
                "shutdown_timeout",
                format!("{:?}", self.shutdown_timeout.value),
                self.shutdown_timeout.source,
            ),
        ]
    }
}

impl Default for ExportSettings {
    fn default() -> Self {
        ExportSettings {
            max_queue_bytes: Sourced::new(DEFAULT_MAX_QUEUE_BYTES, Source::Default),
            max_queue_size: None,
            max_export_batch_size: Sourced::new(512, Source::Default),
            scheduled_delay: Sourced::new(Duration::from_millis(1000), Source::Default),
            max_concurrent_exports: Sourced::new(2, Source::Default),
            max_export_request_bytes: None,
            shutdown_timeout: Sourced::new(Duration::from_secs(5), Source::Default),
        }
    }
}

/// Adds the exporters that live outside core (OTLP, Zipkin, ...) for a configuration.
///
/// The facade crate installs one that knows every exporter crate compiled in; core itself only
/// knows the console view. It must return an error for any configured destination it cannot
/// serve, so that no option is silently ignored.
pub type ExporterFactory = Box<dyn FnOnce(&Config, &mut ExporterSet) -> Result<()> + Send>;

/// Builds the process's text-map propagator (W3C, B3, Jaeger, Datadog, ...) from the
/// configuration; the facade installs one. Without it rizk installs W3C Trace Context and
/// Baggage.
pub type PropagatorFactory = Box<
    dyn FnOnce(
            &Config,
        )
            -> Result<Box<dyn opentelemetry::propagation::TextMapPropagator + Send + Sync>>
        + Send,
>;

/// Adds one exporter given to [`RizkBuilder::with_exporter`].
type ExporterSlot = Box<dyn FnOnce(&mut ExporterSet) + Send>;

/// Configures and starts rizk.
///
/// Every option has a builder method and an environment variable; the builder wins. Nothing is
/// validated until [`RizkBuilder::build_config`] (or `init`), which returns a [`crate::RizkError`] naming
/// the field and the fix.
///
/// ```
/// use rizk_core::RizkBuilder;
///
/// let config = RizkBuilder::new()
///     .app_name("support-bot")
///     .trace_content(false)
///     .trace_sampling_rate(0.1)
///     .ignore_environment()
///     .build_config()
///     .unwrap();
/// assert!(!config.trace_content.value);
/// ```
#[must_use = "a builder does nothing until init() or build_config() is called"]
#[derive(Default)]
pub struct RizkBuilder {
    app_name: Option<String>,
    api_key: Option<Secret>,
    tracing_enabled: Option<bool>,
    opentelemetry_endpoint: Option<String>,
    otlp_headers: Vec<(String, Secret)>,
    trace_content: Option<bool>,
    trace_sampling_rate: Option<f64>,
    trace_debug: Option<bool>,
    console_exporter: Option<bool>,
    console_target: Option<ConsoleTarget>,
    trace_file: Option<std::path::PathBuf>,
    shutdown_timeout: Option<Duration>,
    max_queue_size: Option<usize>,
    max_queue_bytes: Option<usize>,
    max_concurrent_exports: Option<usize>,
    max_export_request_bytes: Option<usize>,
    ignore_environment: bool,
    env: Option<Box<dyn EnvSource + Send>>,
    pub(crate) exporter_input: exporters::ExporterInput,
    pub(crate) content_input: content::ContentInput,
    pub(crate) sampling_input: sampling::SamplingInput,
    pub(crate) propagation_input: propagation::PropagationInput,
    pub(crate) limits_input: limits::LimitsInput,
    pub(crate) processors: Vec<(String, Box<dyn SpanProcessor>)>,
    pub(crate) exporters: Vec<ExporterSlot>,
    pub(crate) transforms: Vec<std::sync::Arc<dyn SpanTransform>>,
    pub(crate) exporter_factory: Option<ExporterFactory>,
    pub(crate) tail_stage: Option<crate::sampling::TailStageMaker>,
    pub(crate) propagator_factory: Option<PropagatorFactory>,
    pub(crate) redactor: Option<Box<dyn crate::content::ContentRedactor>>,
}

impl fmt::Debug for RizkBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RizkBuilder")
            .field("app_name", &self.app_name)
            .field("api_key", &self.api_key)
            .field("tracing_enabled", &self.tracing_enabled)
            .field("opentelemetry_endpoint", &self.opentelemetry_endpoint)
            .field("otlp_headers", &self.otlp_headers)
            .field("trace_content", &self.trace_content)
            .field("trace_sampling_rate", &self.trace_sampling_rate)
            .field("trace_debug", &self.trace_debug)
            .field("console_exporter", &self.console_exporter)
            .field("processors", &self.processors.len())
            .finish_non_exhaustive()
    }
}

impl RizkBuilder {
    /// A builder with nothing set: everything comes from the environment or defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// The application's name: `service.name` and the Phoenix project. Required (here, or in
    /// `RIZK_APP_NAME` / `OTEL_SERVICE_NAME`).
    pub fn app_name(mut self, name: impl Into<String>) -> Self {
        self.app_name = Some(name.into());
        self
    }

    /// The Rizk API key. Never printed; `Debug` shows `***`.
    pub fn api_key(mut self, key: impl Into<Secret>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// Turns tracing on or off. Off makes every macro and API call a no-op.
    pub fn tracing_enabled(mut self, enabled: bool) -> Self {
        self.tracing_enabled = Some(enabled);
        self
    }

    /// An OTLP endpoint (`http://collector:4318`), validated as a URL at init.
    pub fn opentelemetry_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.opentelemetry_endpoint = Some(endpoint.into());
        self
    }

    /// Adds a header to every OTLP export (New Relic's `api-key`, for example). Replaces the
    /// headers from `OTEL_EXPORTER_OTLP_HEADERS` as a whole.
    pub fn otlp_header(mut self, name: impl Into<String>, value: impl Into<Secret>) -> Self {
        self.otlp_headers.push((name.into(), value.into()));
        self
    }

    /// Whether function inputs and outputs may be recorded (`input.value`, `output.value`).
    pub fn trace_content(mut self, enabled: bool) -> Self {
        self.trace_content = Some(enabled);
        self
    }

    /// Keeps this fraction of new traces (`0.0..=1.0`), decided from the trace id; child spans
    /// follow their parent so traces are kept or dropped whole.
    pub fn trace_sampling_rate(mut self, rate: f64) -> Self {
        self.trace_sampling_rate = Some(rate);
        self
    }

    /// Debug mode: turns the console view on and reports rizk's own problems on stderr.
    pub fn trace_debug(mut self, enabled: bool) -> Self {
        self.trace_debug = Some(enabled);
        self
    }

    /// Prints every finished trace as a tree. On by default when no endpoint or API key is set.
    pub fn console_exporter(mut self, enabled: bool) -> Self {
        self.console_exporter = Some(enabled);
        self
    }

    /// Where the console view writes (standard error by default).
    pub fn console_target(mut self, target: ConsoleTarget) -> Self {
        self.console_target = Some(target);
        self
    }

    /// Appends every span to this file as one JSON object per line (for tooling), in addition
    /// to the other destinations.
    pub fn trace_file(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.trace_file = Some(path.into());
        self
    }

    /// Bound on `flush()` and `shutdown()`, also on drop of the handle.
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = Some(timeout);
        self
    }

    /// Spans the export path holds before new ones are dropped and counted: a count bound on
    /// top of [`max_queue_bytes`](Self::max_queue_bytes) (none by default).
    pub fn max_queue_size(mut self, size: usize) -> Self {
        self.max_queue_size = Some(size);
        self
    }

    /// Memory the export path may hold, in bytes of span data, before new spans are dropped
    /// and counted ([`DEFAULT_MAX_QUEUE_BYTES`], 256 MiB, by default).
    ///
    /// ```
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .max_queue_bytes(64 << 20).build_config().unwrap();
    /// assert_eq!(config.export.max_queue_bytes.value, 64 << 20);
    /// ```
    pub fn max_queue_bytes(mut self, bytes: usize) -> Self {
        self.max_queue_bytes = Some(bytes);
        self
    }

    /// Requests a network exporter may have under way at once (2 by default).
    ///
    /// ```
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .max_concurrent_exports(4).build_config().unwrap();
    /// assert_eq!(config.export.max_concurrent_exports.value, 4);
    /// ```
    pub fn max_concurrent_exports(mut self, requests: usize) -> Self {
        self.max_concurrent_exports = Some(requests);
        self
    }

    /// The largest request a network exporter sends, in encoded bytes (each exporter's own
    /// default otherwise: [`DEFAULT_MAX_REQUEST_BYTES`] for OTLP). Batches are split to stay
    /// under it; a single span larger than it has its largest values truncated.
    ///
    /// ```
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .max_export_request_bytes(1 << 20).build_config().unwrap();
    /// assert_eq!(config.export.max_export_request_bytes.unwrap().value, 1 << 20);
    /// ```
    pub fn max_export_request_bytes(mut self, bytes: usize) -> Self {
        self.max_export_request_bytes = Some(bytes);
        self
    }

    /// Reads no environment variable at all (for tests and embedders).
    pub fn ignore_environment(mut self) -> Self {
        self.ignore_environment = true;
        self
    }

    /// Reads variables from `env` instead of the process environment.
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// use rizk_core::RizkBuilder;
    ///
    /// let env = BTreeMap::from([("OTEL_SERVICE_NAME".to_owned(), "from-otel".to_owned())]);
    /// let config = RizkBuilder::new().env(env).build_config().unwrap();
    /// assert_eq!(config.app_name.value, "from-otel");
    /// ```
    pub fn env(mut self, env: impl EnvSource + Send + 'static) -> Self {
        self.env = Some(Box::new(env));
        self
    }

    /// Adds an OpenTelemetry span processor of your own (it sees every sampled span).
    pub fn with_span_processor(mut self, processor: impl SpanProcessor + 'static) -> Self {
        let name = format!(
            "custom processor {}",
            std::any::type_name_of_val(&processor)
        );
        self.processors.push((name, Box::new(processor)));
        self
    }

    /// Sends spans to `exporter` (any OpenTelemetry [`SpanExporter`]), in addition to the
    /// configured destinations, through a bounded queue of its own.
    ///
    /// ```
    /// use rizk_core::RizkBuilder;
    /// use rizk_core::export::InMemoryExporter;
    ///
    /// let spans = InMemoryExporter::default();
    /// let builder = RizkBuilder::new().app_name("test").with_exporter("memory", spans.clone());
    /// ```
    ///
    /// [`SpanExporter`]: opentelemetry_sdk::trace::SpanExporter
    pub fn with_exporter<E>(mut self, description: impl Into<String>, exporter: E) -> Self
    where
        E: opentelemetry_sdk::trace::SpanExporter + 'static,
    {
        let description = description.into();
        self.exporters.push(Box::new(move |set: &mut ExporterSet| {
            set.add(description, exporter)
        }));
        self
    }

    /// Adds a step every span passes through on the export side before any exporter sees it
    /// (redaction, hashing). Steps run in the order they were added.
    pub fn with_span_transform(mut self, transform: impl SpanTransform) -> Self {
        self.transforms.push(std::sync::Arc::new(transform));
        self
    }

    /// Installs the tail-sampling stage (the facade does this when `rizk-sampling` is compiled
    /// in); without one, `intelligent_sampling` is refused at init.
    pub fn tail_sampling_stage(mut self, maker: crate::sampling::TailStageMaker) -> Self {
        self.tail_stage = Some(maker);
        self
    }

    /// Redacts recorded content with `redactor` on the export side (the facade installs
    /// `rizk-redaction`'s by default). With a redactor installed, `content_redaction_enabled`
    /// defaults to on.
    pub fn content_redactor(mut self, redactor: impl crate::content::ContentRedactor) -> Self {
        self.redactor = Some(Box::new(redactor));
        self
    }

    /// Installs the factory that builds the propagator (the facade does this).
    pub fn propagator_factory(mut self, factory: PropagatorFactory) -> Self {
        self.propagator_factory = Some(factory);
        self
    }

    /// Installs the factory that builds exporters living outside core (the facade does this).
    pub fn exporter_factory(mut self, factory: ExporterFactory) -> Self {
        self.exporter_factory = Some(factory);
        self
    }

    /// Validates the configuration and installs the pipeline; see [`crate::install`].
    ///
    /// Prefer `rizk::Rizk::builder()`, which also knows the exporters compiled into the facade.
    pub fn init(self) -> Result<crate::RizkHandle> {
        crate::install(self)
    }

    /// Resolves and validates the configuration without installing anything.
    pub fn build_config(&self) -> Result<Config> {
        let empty = std::collections::BTreeMap::new();
        let env: &dyn EnvSource = match (&self.env, self.ignore_environment) {
            (_, true) => &empty,
            (Some(env), false) => env.as_ref(),
            (None, false) => &ProcessEnv,
        };
        parse::resolve(self, env)
    }
}

#[cfg(test)]
mod tests;
