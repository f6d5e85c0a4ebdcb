#[rizk::agent(name = "")]
fn agent() {}

fn main() {}
