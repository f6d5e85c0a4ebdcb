#[rizk::track_resource_usage]
fn untraced() {}

fn main() {}
