#[rizk::workflow(name = order_processing)]
fn process() {}

fn main() {}
