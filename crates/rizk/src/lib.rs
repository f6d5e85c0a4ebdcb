//! # rizk: LLM observability for Rust, on OpenTelemetry
//!
//! Put `#[workflow]`, `#[task]`, `#[agent]` and `#[tool]` on your functions and every request
//! becomes one trace: which workflow ran, which agent called which tool and model, how long each
//! step took, what went in and out, and why it failed. Spans go to the console by default, or
//! to any OpenTelemetry backend.
//!
//! ```
//! use rizk::{Rizk, task, workflow};
//!
//! #[workflow(name = "customer_chat", organization_id = "acme", project_id = "support")]
//! fn handle_customer_query(query: &str) -> String {
//!     let intent = classify(query);
//!     format!("[{intent}] Use the reset link on the sign-in page.")
//! }
//!
//! #[task(name = "query_analysis")]
//! fn classify(query: &str) -> &'static str {
//!     if query.contains("password") { "account" } else { "general" }
//! }
//!
//! fn main() -> Result<(), rizk::RizkError> {
//!     let rizk = Rizk::init("MyLLMApp")?; // console view: no collector needed
//!     let answer = handle_customer_query("How can I reset my password?");
//!     assert!(answer.starts_with("[account]"));
//!     rizk.shutdown() // flushes: the trace prints as a tree on stderr
//! }
//! ```
//!
//! Configure with [`Rizk::builder`] or `RIZK_*` / `OTEL_*` environment variables (the builder
//! wins); see `docs/configuration.md`. Custom spans come from [`get_tracer`]; attributes that
//! every descendant inherits from [`set_span_context`]; spawned work stays in its trace with
//! [`spawn`], [`spawn_thread`] or [`PropagateExt::in_current_trace`].
//!
//! ## Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `macros` | yes | `#[workflow]`, `#[task]`, `#[agent]`, `#[tool]` |
//! | `otlp` | yes | OTLP/HTTP export to `opentelemetry_endpoint` |
//! | `tokio` | yes | [`spawn`] |

pub use opentelemetry::{self, Key, KeyValue, Value};
pub use rizk_core::config::{self, ConsoleTarget};
pub use rizk_core::export::{self, InMemoryExporter};
pub use rizk_core::semconv::{self, EntityKind};
#[cfg(feature = "tokio")]
pub use rizk_core::spawn;
pub use rizk_core::{
    ConfigUpdate, CustomSampler, SamplingContext, TracingMetrics, configure_intelligent_sampling,
    get_tracing_metrics, update_config,
};
pub use rizk_core::{
    CurrentSpan, PropagateExt, Propagated, RizkBuilder, RizkError, RizkHandle, Secret, Setting,
    TraceConfig, current_span, ensure_context_propagation, export_stats, get_trace_config,
    get_tracer, set_span_context, spawn_thread,
};
#[cfg(feature = "macros")]
pub use rizk_macros::{agent, task, tool, track_resource_usage, workflow};

/// `Result` with [`RizkError`].
pub type Result<T, E = RizkError> = std::result::Result<T, E>;

/// The entry point: `Rizk::init("app")` or `Rizk::builder()...init()`.
///
/// ```
/// use rizk::Rizk;
///
/// let rizk = Rizk::builder()
///     .app_name("MyLLMApp")
///     .trace_content(false)
///     .trace_sampling_rate(0.1)
///     .console_exporter(false)
///     .init()?;
/// assert!(rizk::get_trace_config().enabled);
/// rizk.shutdown()?;
/// # Ok::<(), rizk::RizkError>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Rizk;

impl Rizk {
    /// Initialises tracing for `app_name` with every other option from the environment or its
    /// default. Keep the returned handle alive; dropping it flushes and shuts down.
    ///
    /// ```
    /// let rizk = rizk::Rizk::init("quick")?;
    /// drop(rizk); // flushes and shuts down within the configured bound
    /// # Ok::<(), rizk::RizkError>(())
    /// ```
    pub fn init(app_name: impl Into<String>) -> Result<RizkHandle> {
        Self::builder().app_name(app_name).init()
    }

    /// A builder that knows every exporter compiled into this crate.
    ///
    /// ```
    /// let builder = rizk::Rizk::builder().app_name("svc").trace_debug(true);
    /// # let _ = builder;
    /// ```
    pub fn builder() -> RizkBuilder {
        RizkBuilder::new().exporter_factory(Box::new(rizk_exporters::install))
    }
}

/// Everything most programs need: `use rizk::prelude::*;`.
///
/// ```
/// use rizk::prelude::*;
///
/// #[tool(name = "price_calculator")]
/// fn calculate_price(unit: f64, quantity: u32) -> f64 {
///     current_span().set_attribute(KeyValue::new("pricing.currency", "EUR"));
///     unit * f64::from(quantity)
/// }
/// assert_eq!(calculate_price(2.5, 4), 10.0);
/// ```
pub mod prelude {
    #[cfg(feature = "tokio")]
    pub use crate::spawn;
    pub use crate::{
        KeyValue, PropagateExt, Rizk, current_span, ensure_context_propagation, get_tracer,
        set_span_context, spawn_thread,
    };
    #[cfg(feature = "macros")]
    pub use crate::{agent, task, tool, workflow};
}

/// What the macros expand to. Not a public API: it changes without notice.
#[doc(hidden)]
pub mod __private {
    pub use rizk_core::ResourceUsage;
    pub use rizk_core::probe;
    pub use rizk_core::semconv::EntityKind;
    pub use rizk_core::span::{EntitySpan, SpanMeta};
}
