// Each macro with its arguments.

#[rizk::workflow(
    name = "order_processing",
    organization_id = "ecommerce",
    project_id = "backend",
    version = "2"
)]
fn workflow(order: u32) -> u32 {
    task(order, "ignored") + agent("q".into()) + tool("key", 1) + renamed(1)
}

#[rizk::task(name = "inventory_check", skip(note), capture_output = false)]
fn task(order: u32, note: &str) -> u32 {
    order + note.len() as u32
}

#[rizk::agent(name = "sales_agent", project_id = "sales", capture_input = false)]
fn agent(query: String) -> u32 {
    query.len() as u32
}

#[rizk::tool(name = "price_calculator", skip_all, version = "1.0")]
fn tool(api_key: &str, quantity: u32) -> u32 {
    api_key.len() as u32 * quantity
}

mod facade {
    pub use rizk as observability;
}

#[rizk::task(crate = "facade::observability")]
fn renamed(n: u32) -> u32 {
    n
}

fn main() {
    assert_eq!(workflow(1), 1 + 7 + 1 + 3 + 1);
}
