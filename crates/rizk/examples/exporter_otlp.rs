//! OTLP to any collector, Phoenix or New Relic, configured by the standard variables alone.
//!
//! ```text
//! OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 cargo run --example exporter_otlp      # collector, OTLP/HTTP
//! OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:6006 cargo run --example exporter_otlp      # Phoenix
//! OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4317 cargo run --features otlp-grpc --example exporter_otlp
//! OTEL_EXPORTER_OTLP_ENDPOINT=https://otlp.nr-data.net:4318 \
//!   OTEL_EXPORTER_OTLP_HEADERS=api-key=$NEW_RELIC_LICENSE_KEY cargo run --example exporter_otlp
//! ```
//!
//! Without an endpoint it prints the trace on stderr. See docs/exporters/otlp-collector.md.

#![allow(clippy::print_stdout)] // an example prints its result

#[path = "support/agents.rs"]
mod agents;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), rizk::RizkError> {
    // Everything else (endpoint, protocol, headers, compression, timeout) from OTEL_*/RIZK_*.
    let rizk = rizk::Rizk::builder()
        .app_name("exporter-otlp-example")
        .init()?;
    let article = agents::research_pipeline("LLM observability").await;
    println!("{article}");
    rizk.flush().ok();
    agents::report();
    rizk.shutdown();
    Ok(())
}
