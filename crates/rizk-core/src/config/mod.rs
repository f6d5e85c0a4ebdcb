//! Configuration: environment variables, validation and the effective result.
//!
//! Precedence, highest first: values set on [`RizkBuilder`](crate::builder::RizkBuilder), then `RIZK_*` environment
//! variables, then the standard `OTEL_*` variables, then defaults. Every value remembers its
//! [`Source`] so that `get_trace_config()` can say where it came from.

mod content;
mod conventions;
mod env;
mod exporters;
mod group;
mod limits;
mod parse;
pub mod read;
mod resolve;
mod sampling;
mod source;

use std::fmt;
use std::time::Duration;

use url::Url;

pub use content::ContentOptions;
pub use conventions::{ConventionOptions, GEN_AI_LATEST_EXPERIMENTAL, KeyFamilies};
pub use env::{EnvSource, ProcessEnv};
pub use exporters::{
    DEFAULT_DASHBOARD_URL, DEFAULT_OTLP_TIMEOUT, ExporterOptions, OtlpCompression, OtlpProtocol,
    TraceExporter,
};
pub(crate) use group::Groups;
pub use group::{OptionGroup, ResolvedGroups};
pub use limits::{DEFAULT_MAX_CONTENT_LENGTH, LimitOptions};
pub(crate) use parse::check_rate;
pub(crate) use resolve::resolve;
pub use sampling::{IntelligentSampling, SamplingOptions};
pub use source::{Setting, Source, Sourced};

#[cfg(test)]
use crate::error::RizkError;
use crate::secret::Secret;

/// Every `RIZK_*` variable core reads: its own options and its option groups. The variables of
/// groups other crates register ([`OptionGroup::ENV_VARS`]) are known too when they are
/// registered. Anything else with the prefix is an error, so a typo never leaves an option
/// silently unset.
///
/// ```
/// let vars: Vec<_> = rizk_core::config::rizk_env_vars().collect();
/// assert!(vars.contains(&"RIZK_APP_NAME"));
/// assert!(vars.iter().all(|v| v.starts_with("RIZK_")));
/// ```
pub fn rizk_env_vars() -> impl Iterator<Item = &'static str> {
    CORE_ENV_VARS
        .iter()
        .chain(exporters::ENV_VARS)
        .chain(content::ENV_VARS)
        .chain(conventions::ENV_VARS)
        .chain(sampling::ENV_VARS)
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
/// Built by [`RizkBuilder::build_config`](crate::builder::RizkBuilder::build_config); read back at run time with `get_trace_config()`.
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
    /// Attribute and payload limits: inline media, the content cap, OpenTelemetry limits.
    pub limits: LimitOptions,
    /// Semantic-convention choices: key families, status OK, GenAI span names.
    pub conventions: ConventionOptions,
    /// The option groups other crates registered (a platform's exporter settings, the
    /// propagators), validated; read one with [`Config::group`].
    pub groups: ResolvedGroups,
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
///
/// ```
/// use rizk_core::config::DEFAULT_MAX_QUEUE_BYTES;
///
/// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
///     .build_config().unwrap();
/// assert_eq!(config.export.max_queue_bytes.value, DEFAULT_MAX_QUEUE_BYTES);
/// assert_eq!(DEFAULT_MAX_QUEUE_BYTES, 256 << 20);
/// ```
pub const DEFAULT_MAX_QUEUE_BYTES: usize = 256 * 1024 * 1024;

/// The default largest request of a network exporter: 4 MiB, what gRPC receivers accept by
/// default (and a safe size for OTLP/HTTP receivers).
///
/// ```
/// use rizk_core::config::DEFAULT_MAX_REQUEST_BYTES;
///
/// assert_eq!(DEFAULT_MAX_REQUEST_BYTES, 4 << 20);
/// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
///     .build_config().unwrap();
/// assert!(config.export.max_export_request_bytes.is_none()); // each exporter's own default
/// ```
pub const DEFAULT_MAX_REQUEST_BYTES: usize = 4 * 1024 * 1024;

impl ExportSettings {
    /// The lines `get_trace_config()` shows for these settings.
    ///
    /// ```
    /// use rizk_core::config::Source;
    ///
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .max_queue_bytes(64 << 20).build_config().unwrap();
    /// let settings = config.export.settings();
    /// let line = settings.iter().find(|s| s.name == "max_queue_bytes").unwrap();
    /// assert_eq!(line.source, Source::Builder);
    /// ```
    pub fn settings(&self) -> Vec<Setting> {
        let mib = |bytes: usize| format!("{bytes} bytes ({:.1} MiB)", bytes as f64 / 1048576.0);
        vec![
            Setting::new(
                "max_queue_bytes",
                mib(self.max_queue_bytes.value),
                self.max_queue_bytes.source,
            ),
            match &self.max_queue_size {
                Some(n) => Setting::new("max_queue_size", n.value.to_string(), n.source),
                None => Setting::new("max_queue_size", "no count bound".into(), Source::Default),
            },
            Setting::new(
                "max_export_batch_size",
                self.max_export_batch_size.value.to_string(),
                self.max_export_batch_size.source,
            ),
            Setting::new(
                "scheduled_delay",
                format!("{:?}", self.scheduled_delay.value),
                self.scheduled_delay.source,
            ),
            Setting::new(
                "max_concurrent_exports",
                self.max_concurrent_exports.value.to_string(),
                self.max_concurrent_exports.source,
            ),
            match &self.max_export_request_bytes {
                Some(n) => Setting::new("max_export_request_bytes", mib(n.value), n.source),
                None => Setting::new(
                    "max_export_request_bytes",
                    format!(
                        "each exporter's default ({})",
                        mib(DEFAULT_MAX_REQUEST_BYTES)
                    ),
                    Source::Default,
                ),
            },
            Setting::new(
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

/// What the builder was given, before the environment and validation: the input of
/// [`resolve`](resolve::resolve).
#[derive(Default)]
pub(crate) struct Input {
    pub(crate) app_name: Option<String>,
    pub(crate) api_key: Option<Secret>,
    pub(crate) tracing_enabled: Option<bool>,
    pub(crate) opentelemetry_endpoint: Option<String>,
    pub(crate) otlp_headers: Vec<(String, Secret)>,
    pub(crate) trace_content: Option<bool>,
    pub(crate) trace_sampling_rate: Option<f64>,
    pub(crate) trace_debug: Option<bool>,
    pub(crate) console_exporter: Option<bool>,
    pub(crate) console_target: Option<ConsoleTarget>,
    pub(crate) trace_file: Option<std::path::PathBuf>,
    pub(crate) shutdown_timeout: Option<Duration>,
    pub(crate) max_queue_size: Option<usize>,
    pub(crate) max_queue_bytes: Option<usize>,
    pub(crate) max_concurrent_exports: Option<usize>,
    pub(crate) max_export_request_bytes: Option<usize>,
    pub(crate) ignore_environment: bool,
    pub(crate) exporters: exporters::ExporterInput,
    pub(crate) content: content::ContentInput,
    pub(crate) sampling: sampling::SamplingInput,
    pub(crate) groups: Groups,
    pub(crate) limits: limits::LimitsInput,
    pub(crate) conventions: conventions::ConventionInput,
}

#[cfg(test)]
mod tests;
