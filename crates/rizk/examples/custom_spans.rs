//! Custom spans through the OpenTelemetry tracer API, nested with macro spans both ways, and
//! the current span reached from inside a decorated function.
//!
//! ```text
//! cargo run --example custom_spans
//! ```

#![allow(clippy::print_stdout)] // an example prints its result

use rizk::opentelemetry::trace::{Span as _, Status, TraceContextExt as _, Tracer as _};
use rizk::prelude::*;

#[workflow(
    name = "financial_analysis",
    organization_id = "fintech",
    project_id = "analytics"
)]
fn analyze_portfolio(total_value: f64, assets: &[&str]) -> Result<f64, String> {
    // The spec's "Custom Attributes": the current span is the workflow's.
    let span = current_span();
    span.set_attribute(KeyValue::new("portfolio.value", total_value));
    span.set_attribute(KeyValue::new("portfolio.assets_count", assets.len() as i64));
    span.set_attribute(KeyValue::new("analysis.type", "risk_assessment"));

    let risk = complex_business_logic(assets)?;
    span.set_attribute(KeyValue::new("analysis.risk_score", risk));
    Ok(risk)
}

/// The spec's "Manual Span Creation", with the error handling it shows.
fn complex_business_logic(assets: &[&str]) -> Result<f64, String> {
    let tracer = get_tracer("custom_spans_example");
    tracer.in_span("business_logic.complex_operation", |cx| {
        let span = cx.span();
        span.set_attribute(KeyValue::new("operation.type", "data_processing"));
        span.set_attribute(KeyValue::new("data.size", assets.len() as i64));
        match score_assets(assets) {
            Ok(score) => {
                span.set_attribute(KeyValue::new("operation.success", true));
                Ok(score)
            }
            Err(e) => {
                span.add_event(
                    "exception",
                    vec![KeyValue::new("exception.message", e.clone())],
                );
                span.set_status(Status::error(e.clone()));
                Err(e)
            }
        }
    })
}

/// A macro span nested inside the custom span.
#[task(name = "asset_scoring")]
fn score_assets(assets: &[&str]) -> Result<f64, String> {
    if assets.is_empty() {
        return Err("no assets to score".into());
    }
    // A custom span started and ended by hand inside a macro span.
    let tracer = get_tracer("custom_spans_example");
    let mut span = tracer.start("risk_model.inference");
    span.set_attribute(KeyValue::new("model.version", "2024-06"));
    let score = assets.len() as f64 * 0.17;
    span.end();
    Ok(score)
}

fn main() -> Result<(), rizk::RizkError> {
    let rizk = Rizk::init("custom-spans-example")?;
    let risk = analyze_portfolio(1_250_000.0, &["AAPL", "BND", "GLD"]);
    let _ = analyze_portfolio(0.0, &[]); // one failing trace
    println!("risk: {risk:?}");
    rizk.shutdown();
    Ok(())
}
