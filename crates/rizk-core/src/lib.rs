//! The core runtime of [rizk](https://docs.rs/rizk): configuration, span kinds and attribute
//! keys, context inheritance, content capture, the bounded export queue and the console view.
//!
//! Applications use the `rizk` facade crate, which re-exports this one together with the
//! macros and exporters. This crate has no HTTP, regex or exporter dependency: the other crates
//! plug in through [`content::ContentRedactor`], [`content::SpanTransform`],
//! [`install::ExporterFactory`] and any OpenTelemetry `SpanExporter`.
//!
//! ```
//! use rizk_core::{RizkBuilder, export::InMemoryExporter, semconv::EntityKind};
//! use rizk_core::span::{EntitySpan, SpanMeta};
//!
//! let spans = InMemoryExporter::default();
//! let rizk = rizk_core::install(
//!     RizkBuilder::new()
//!         .app_name("core-example")
//!         .console_exporter(false)
//!         .ignore_environment()
//!         .with_exporter("memory", spans.clone()),
//! )
//! .unwrap();
//!
//! static META: SpanMeta = SpanMeta {
//!     kind: EntityKind::Workflow, name: "order_processing", span_name: "workflow.order_processing",
//!     organization_id: Some("ecommerce"), project_id: Some("backend"), version: None,
//!     capture_input: true, capture_output: true,
//! };
//! EntitySpan::start(&META).run(|| (), |_, _| {});
//! rizk.flush().unwrap();
//! assert_eq!(spans.spans()[0].name, "workflow.order_processing");
//! ```

#![cfg_attr(docsrs, feature(doc_cfg))]

mod backtrace;
mod builder;
pub mod config;
pub mod content;
mod content_transform;
mod context;
mod current;
pub mod diagnostics;
mod error;
pub mod export;
pub mod genai;
pub mod install;
pub mod meter;
mod metrics;
pub mod probe;
pub mod resource;
mod runtime;
pub mod sampling;
mod secret;
pub mod semconv;
pub mod span;
mod spawn;

pub use builder::{RizkBuilder, install};
pub use config::Setting;
pub use context::{add_metadata, add_tags, inherited_attributes, set_span_context};
pub use current::{CurrentSpan, current_span};
pub use error::{Result, RizkError};
pub use metrics::TracingMetrics;
pub use resource::ResourceUsage;
pub use runtime::{
    ConfigUpdate, RizkHandle, ShutdownReport, TraceConfig, configure_intelligent_sampling,
    content_policy, content_tracing_enabled, export_stats, get_trace_config, get_tracer,
    get_tracing_metrics, set_content_redactor, update_config,
};
pub use sampling::{CustomSampler, SamplingContext};
pub use secret::Secret;
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub use spawn::spawn;
pub use spawn::{PropagateExt, Propagated, ensure_context_propagation, spawn_thread};
