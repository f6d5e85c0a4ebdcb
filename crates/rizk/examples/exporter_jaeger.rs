//! Jaeger over OTLP (feature `jaeger`), with a service name of its own.
//!
//! ```text
//! cargo run --features jaeger --example exporter_jaeger                     # http://localhost:4318
//! OTEL_EXPORTER_OTLP_ENDPOINT=http://jaeger:4317 cargo run --features jaeger,otlp-grpc --example exporter_jaeger
//! ```
//!
//! `OTEL_TRACES_EXPORTER` set to anything else wins over the default chosen here, so the same
//! binary can be pointed anywhere. See docs/exporters/jaeger.md.

#![allow(clippy::print_stdout)] // an example prints its result

#[path = "support/agents.rs"]
mod agents;

use rizk::config::TraceExporter;
use rizk::exporters::ExporterBuilderExt as _;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), rizk::RizkError> {
    let mut builder = rizk::Rizk::builder().app_name("exporter-jaeger-example");
    if std::env::var_os("OTEL_TRACES_EXPORTER").is_none()
        && std::env::var_os("RIZK_TRACE_EXPORTER").is_none()
    {
        builder = builder
            .trace_exporter(TraceExporter::Jaeger)
            .jaeger_service_name("rizk-llm-app");
    }
    let rizk = builder.init()?;
    // Services that still speak Jaeger's header format: propagate with this.
    let _propagator = rizk::exporters::jaeger_propagator();
    let article = agents::research_pipeline("tracing with Jaeger").await;
    println!("{article}");
    rizk.flush().ok();
    agents::report();
    rizk.shutdown();
    Ok(())
}
