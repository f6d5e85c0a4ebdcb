#[rizk::task(nmae = "typo")]
fn step() {}

fn main() {}
