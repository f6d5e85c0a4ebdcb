//! Datadog through a Datadog Agent (feature `datadog`). The agent holds the API key.
//!
//! ```text
//! cargo run --features datadog --example exporter_datadog        # agent at http://localhost:8126
//! OTEL_TRACES_EXPORTER=datadog DD_TRACE_AGENT_URL=http://dd-agent:8126 DD_ENV=staging \
//!   cargo run --features datadog --example exporter_datadog
//! OTEL_EXPORTER_OTLP_ENDPOINT=http://dd-agent:4318 OTEL_TRACES_EXPORTER=otlp \
//!   cargo run --features datadog --example exporter_datadog    # the agent's OTLP port instead
//! ```
//!
//! See docs/exporters/datadog.md.

#![allow(clippy::print_stdout)] // an example prints its result

#[path = "support/agents.rs"]
mod agents;

use rizk::config::TraceExporter;
use rizk::exporters::ExporterBuilderExt as _;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), rizk::RizkError> {
    let mut builder = rizk::Rizk::builder().app_name("exporter-datadog-example");
    if std::env::var_os("OTEL_TRACES_EXPORTER").is_none()
        && std::env::var_os("RIZK_TRACE_EXPORTER").is_none()
    {
        builder = builder
            .trace_exporter(TraceExporter::Datadog)
            .datadog_env("development");
    }
    let rizk = builder.init()?;
    let article = agents::research_pipeline("tracing with Datadog").await;
    println!("{article}");
    rizk.flush().ok();
    agents::report();
    rizk.shutdown();
    Ok(())
}
