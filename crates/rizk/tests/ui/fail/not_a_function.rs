#[rizk::workflow]
struct Workflow;

fn main() {}
