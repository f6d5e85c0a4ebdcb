#[rizk::track_resource_usage]
struct Report;

fn main() {}
