#[rizk::track_resource_usage(memory)]
#[rizk::task]
fn step() {}

fn main() {}
