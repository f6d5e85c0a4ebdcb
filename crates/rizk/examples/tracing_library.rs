//! A library instrumented with `tracing` joins rizk's trace: its spans nest under the
//! `#[task]` that calls it, and a `#[tool]` it calls back nests under its span.
//!
//! ```text
//! cargo run -p rizk --example tracing_library --features tracing-bridge
//! ```
#![allow(clippy::print_stdout)] // an example prints its result

use rizk::prelude::*;
use tracing_subscriber::layer::SubscriberExt as _;

/// Stands for any crate instrumented with `tracing` (a database driver, an HTTP client, ...).
mod inventory_db {
    #[tracing::instrument(skip(on_hit), fields(db.system = "postgresql", rows = tracing::field::Empty))]
    pub(crate) fn stock_level(sku: &str, on_hit: impl Fn(u32) -> u32) -> u32 {
        tracing::info!("cache miss, querying");
        let raw = sku.len() as u32 * 7;
        tracing::Span::current().record("rows", 1);
        on_hit(raw)
    }
}

#[workflow(name = "order_processing", organization_id = "ecommerce")]
fn process_order(sku: &str) -> u32 {
    check_inventory(sku)
}

#[task(name = "inventory_check")]
fn check_inventory(sku: &str) -> u32 {
    inventory_db::stock_level(sku, adjust_for_reservations)
}

#[tool(name = "reservation_adjuster")]
fn adjust_for_reservations(raw: u32) -> u32 {
    raw.saturating_sub(3)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rizk = Rizk::init("tracing-library-example")?;
    // The bridge is an ordinary layer: put it next to your formatting layer and filters.
    tracing::subscriber::set_global_default(
        tracing_subscriber::registry().with(rizk::tracing_bridge::layer()),
    )?;

    let stock = process_order("sku-1234");
    println!("stock: {stock}");
    // workflow.order_processing
    //   task.inventory_check
    //     stock_level            (the library's tracing span, with db.system and rows)
    //       tool.reservation_adjuster
    rizk.shutdown();
    Ok(())
}
