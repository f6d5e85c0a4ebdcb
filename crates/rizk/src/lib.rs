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
//!     rizk.shutdown(); // flushes: the trace prints as a tree on stderr
//!     Ok(())
//! }
//! ```
//!
//! Configure with [`Rizk::builder`] or `RIZK_*` / `OTEL_*` environment variables (the builder
//! wins); see `docs/configuration.md`. Custom spans come from [`get_tracer`], with the
//! OpenTelemetry traits imported from [`rizk::opentelemetry`](opentelemetry); attributes that
//! every descendant inherits from [`set_span_context`]; spawned work stays in its trace with
//! [`spawn`], [`spawn_thread`] or [`PropagateExt::in_current_trace`].
//!
//! ## Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `macros` | yes | `#[workflow]`, `#[task]`, `#[agent]`, `#[tool]` |
//! | `otlp` | yes | OTLP/HTTP export to `opentelemetry_endpoint`; the Rizk dashboard when `api_key` is set |
//! | `otlp-grpc` | no | OTLP/gRPC (`otlp_protocol` grpc, or an endpoint on port 4317) |
//! | `jaeger` | no | `trace_exporter` jaeger: OTLP to Jaeger, `exporters::jaeger_propagator()` |
//! | `zipkin` | no | `trace_exporter` zipkin: Zipkin v2 JSON to `zipkin_endpoint` |
//! | `datadog` | no | `trace_exporter` datadog: the trace API of a Datadog Agent |
//! | `tokio` | yes | [`spawn`] |
//! | `redaction` | yes | PII, financial and secret redaction before export: [`redaction`], [`configure_content_redaction`] |
//! | `cost` | yes | the cost of every LLM call in USD and the totals of tokens and cost on every ancestor: [`cost`] (docs/cost.md) |
//! | `sampling` | yes | intelligent (tail) sampling: [`configure_intelligent_sampling`] |
//! | `tracing-bridge` | no | `tracing_bridge`: `tracing` spans in rizk traces (rig, your libraries) |
//! | `openai` | no | `openai`: an instrumented async-openai client |
//! | `rig` | no | `rig`: rig agents, tools and model calls as rizk spans (Rust 1.95) |
//! | `http` | no | `http`: propagation across services (`OTEL_PROPAGATORS`: W3C, B3, Jaeger, Datadog), a reqwest-middleware client middleware, a tower server layer |
//! | `mcp` | no | `mcp`: Model Context Protocol (rmcp) client and server spans in one trace across processes (docs/integrations/mcp.md) |

#![cfg_attr(docsrs, feature(doc_cfg))]

/// The OpenTelemetry API rizk is built on (the 0.32 line), for custom spans: import its traits
/// from here and no `opentelemetry` dependency is needed. An `opentelemetry` of another version
/// added to your `Cargo.toml` is a separate crate: its context and tracers are invisible to
/// rizk's spans (see `docs/macros.md`).
///
/// ```
/// use rizk::KeyValue;
/// use rizk::opentelemetry::trace::{Span as _, TraceContextExt as _, Tracer as _};
///
/// let tracer = rizk::get_tracer("business_logic");
/// tracer.in_span("business_logic.complex_operation", |cx| {
///     cx.span().set_attribute(KeyValue::new("operation.type", "data_processing"));
/// });
/// ```
pub use opentelemetry;
pub use opentelemetry::{Key, KeyValue, Value};
pub use rizk_core::config::{self, ConsoleTarget};
pub use rizk_core::content;
pub use rizk_core::export::{self, InMemoryExporter};
pub use rizk_core::genai;
pub use rizk_core::meter;
pub use rizk_core::sampling;
pub use rizk_core::semconv::{self, EntityKind};
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub use rizk_core::spawn;
pub use rizk_core::{
    ConfigUpdate, CustomSampler, ResourceUsage, SamplingContext, TracingMetrics, add_metadata,
    add_tags, configure_intelligent_sampling, content_policy, get_tracing_metrics,
    inherited_attributes, set_content_redactor, update_config,
};
pub use rizk_core::{
    CurrentSpan, PropagateExt, Propagated, RizkBuilder, RizkError, RizkHandle, Secret, Setting,
    ShutdownReport, TraceConfig, current_span, ensure_context_propagation, export_stats,
    get_trace_config, get_tracer, set_span_context, spawn_thread,
};
/// The exporters compiled in (see the feature table): their settings and constructors, to
/// build one by hand for [`RizkBuilder::with_exporter`], and [`exporters::plan`].
pub use rizk_exporters as exporters;
/// Context propagation across services: propagators, header carriers, the reqwest-middleware
/// client middleware and the tower server layer (see the feature table).
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub use rizk_http as http;
#[cfg(feature = "macros")]
#[cfg_attr(docsrs, doc(cfg(feature = "macros")))]
pub use rizk_macros::{agent, task, tool, track_resource_usage, workflow};
/// Model Context Protocol tracing over rmcp: [`mcp::TracedPeer`] for clients,
/// [`mcp::TracedServer`] for servers, and rmcp itself as `mcp::rmcp` (see the feature table).
#[cfg(feature = "mcp")]
#[cfg_attr(docsrs, doc(cfg(feature = "mcp")))]
pub use rizk_mcp as mcp;
#[cfg(feature = "openai")]
#[cfg_attr(docsrs, doc(cfg(feature = "openai")))]
pub use rizk_openai as openai;
#[cfg(feature = "rig")]
#[cfg_attr(docsrs, doc(cfg(feature = "rig")))]
pub use rizk_rig as rig;
#[cfg(feature = "tracing-bridge")]
#[cfg_attr(docsrs, doc(cfg(feature = "tracing-bridge")))]
pub use rizk_tracing as tracing_bridge;

/// `Result` with [`RizkError`].
///
/// ```
/// fn start() -> rizk::Result<rizk::RizkHandle> {
///     rizk::Rizk::builder().app_name("svc").console_exporter(false).ignore_environment().init()
/// }
/// let rizk = start()?;
/// assert!(rizk.config().enabled);
/// # Ok::<(), rizk::RizkError>(())
/// ```
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
/// rizk.shutdown();
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

    /// A builder that knows every exporter (and, with the `http` feature, every propagator)
    /// compiled into this crate: their options are registered with it, and their setters come
    /// into scope with `use rizk::prelude::*` (or [`exporters::ExporterBuilderExt`] and
    /// `http::PropagationBuilderExt`).
    ///
    /// ```
    /// let builder = rizk::Rizk::builder().app_name("svc").trace_debug(true);
    /// # let _ = builder;
    /// ```
    pub fn builder() -> RizkBuilder {
        // The platform options (Jaeger, Zipkin, Datadog) and the exporters they select.
        let builder = rizk_exporters::register(RizkBuilder::new());
        // The propagators of `OTEL_PROPAGATORS` / `propagators(...)` and the baggage allow-list.
        #[cfg(feature = "http")]
        let builder = rizk_http::register(builder);
        // The cost of LLM calls and their ancestors' totals, on the export thread.
        #[cfg(feature = "cost")]
        let builder = rizk_cost::register(builder);
        // Intelligent sampling decides in the export worker, off the application's thread.
        #[cfg(feature = "sampling")]
        let builder = builder.tail_sampling_stage(rizk_sampling::tail_stage);
        // Redaction of PII, financial data and secrets before export, on by default.
        #[cfg(feature = "redaction")]
        let builder = builder.content_redactor(rizk_redaction::Redactor::default());
        builder
    }
}

/// The cost of LLM calls (`rizk-cost`): prices, your own prices, the count of calls with no
/// known price.
#[cfg(feature = "cost")]
#[cfg_attr(docsrs, doc(cfg(feature = "cost")))]
pub use rizk_cost as cost;

/// The redaction engine (`rizk-redaction`): built-in PII, financial and secret detectors with
/// validation, custom patterns and keywords.
#[cfg(feature = "redaction")]
#[cfg_attr(docsrs, doc(cfg(feature = "redaction")))]
pub use rizk_redaction as redaction;

/// The spec's `configure_content_redaction(...)`: replaces the redactor of the running pipeline
/// with one built from `config`, and turns redaction on. Spans still queued are redacted with
/// it. A pattern that does not compile is an error naming its index and position; nothing
/// changes then.
///
/// ```
/// use rizk::redaction::RedactionConfig;
///
/// let rizk = rizk::Rizk::builder().app_name("bank-support").console_exporter(false).init()?;
/// rizk::configure_content_redaction(RedactionConfig {
///     pii_redaction: true,
///     financial_data_redaction: true,
///     custom_patterns: vec![r"\bACCT-[0-9]{6}\b".into()],
///     replacement_text: "[REDACTED]".into(),
///     ..RedactionConfig::default()
/// })?;
/// # rizk.shutdown();
/// # Ok::<(), rizk::RizkError>(())
/// ```
#[cfg(feature = "redaction")]
#[cfg_attr(docsrs, doc(cfg(feature = "redaction")))]
pub fn configure_content_redaction(config: rizk_redaction::RedactionConfig) -> Result<()> {
    let redactor = rizk_redaction::Redactor::new(config).map_err(|e| RizkError::InvalidConfig {
        field: "content_redaction".into(),
        origin: "configure_content_redaction".into(),
        problem: e.to_string(),
        fix: "correct or remove that pattern; the previous redactor stays in force".into(),
    })?;
    rizk_core::set_content_redactor(redactor)
}

pub mod testing;

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
    #[cfg(feature = "cost")]
    #[cfg_attr(docsrs, doc(cfg(feature = "cost")))]
    pub use crate::cost::CostBuilderExt as _;
    pub use crate::exporters::ExporterBuilderExt as _;
    pub use crate::exporters::MetricsBuilderExt as _;
    #[cfg(feature = "http")]
    #[cfg_attr(docsrs, doc(cfg(feature = "http")))]
    pub use crate::http::PropagationBuilderExt as _;
    #[cfg(feature = "tokio")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
    pub use crate::spawn;
    pub use crate::{
        KeyValue, PropagateExt, Rizk, current_span, ensure_context_propagation, get_tracer,
        set_span_context, spawn_thread,
    };
    #[cfg(feature = "macros")]
    #[cfg_attr(docsrs, doc(cfg(feature = "macros")))]
    pub use crate::{agent, task, tool, workflow};
}

/// What the macros expand to. Not a public API: it changes without notice.
#[doc(hidden)]
pub mod __private {
    pub use rizk_core::ResourceUsage;
    pub use rizk_core::probe;
    pub use rizk_core::semconv::EntityKind;
    pub use rizk_core::span::{EntitySpan, SpanDetails, SpanMeta};
}
