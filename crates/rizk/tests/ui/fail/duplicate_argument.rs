#[rizk::task(name = "a", name = "b")]
fn step() {}

fn main() {}
