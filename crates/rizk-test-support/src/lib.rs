//! Test doubles shared by the tests, benches and examples of the rizk workspace. Not
//! published: use it as a dev-dependency only.
//!
//! - [`Discard`]: a span exporter that drops what it gets, for benches that measure the
//!   pipeline and not an exporter.
//! - `openai_server` (feature `openai-server`): a local OpenAI-compatible HTTP server that
//!   stands in for the real API.
//! - `otlp_sink` (feature `otlp-sink`): a loopback OTLP/HTTP trace receiver that decodes and
//!   counts every span it gets, for throughput benches and the soak run.
//! - [`mean_ns`]: a benchmark's mean from criterion's saved estimates, so that a bench can print
//!   the ratios of cases measured in the same run.
//! - `tracing_bridge` (feature `tracing-bridge`): rizk's test pipeline with the tracing bridge
//!   as the global `tracing` subscriber.
//!
//! ```
//! use opentelemetry_sdk::trace::SdkTracerProvider;
//! use opentelemetry_sdk::trace::SimpleSpanProcessor;
//!
//! let provider = SdkTracerProvider::builder()
//!     .with_span_processor(SimpleSpanProcessor::new(rizk_test_support::Discard))
//!     .build();
//! # let _ = provider;
//! ```

use std::hint::black_box;

pub use estimates::mean_ns;

use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

mod estimates;
#[cfg(feature = "openai-server")]
pub mod openai_server;
#[cfg(feature = "otlp-sink")]
pub mod otlp_sink;
#[cfg(feature = "tracing-bridge")]
pub mod tracing_bridge;

/// A span exporter that drops every batch (through [`black_box`], so the spans are built in
/// full) and always succeeds.
///
/// ```
/// use opentelemetry_sdk::trace::{BatchSpanProcessor, SdkTracerProvider};
///
/// let provider = SdkTracerProvider::builder()
///     .with_span_processor(BatchSpanProcessor::builder(rizk_test_support::Discard).build())
///     .build();
/// # let _ = provider.shutdown();
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Discard;

impl SpanExporter for Discard {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        black_box(batch);
        Ok(())
    }
}
