//! Zipkin v2 JSON (feature `zipkin`).
//!
//! ```text
//! cargo run --features zipkin --example exporter_zipkin          # http://localhost:9411/api/v2/spans
//! OTEL_TRACES_EXPORTER=zipkin OTEL_EXPORTER_ZIPKIN_ENDPOINT=http://zipkin:9411/api/v2/spans \
//!   cargo run --features zipkin --example exporter_zipkin
//! ```
//!
//! See docs/exporters/zipkin.md.

#![allow(clippy::print_stdout)] // an example prints its result

#[path = "support/agents.rs"]
mod agents;

use rizk::config::TraceExporter;
use rizk::exporters::ExporterBuilderExt as _;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), rizk::RizkError> {
    let mut builder = rizk::Rizk::builder().app_name("exporter-zipkin-example");
    if std::env::var_os("OTEL_TRACES_EXPORTER").is_none()
        && std::env::var_os("RIZK_TRACE_EXPORTER").is_none()
    {
        builder = builder
            .trace_exporter(TraceExporter::Zipkin)
            .zipkin_service_name("rizk-llm-app");
    }
    let rizk = builder.init()?;
    let article = agents::research_pipeline("tracing with Zipkin").await;
    println!("{article}");
    rizk.flush().ok();
    agents::report();
    rizk.shutdown();
    Ok(())
}
