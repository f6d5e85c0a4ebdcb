// #[track_resource_usage] above each tracing macro, on sync, async and #[async_trait] functions,
// under any path.

use async_trait::async_trait;
use rizk::track_resource_usage;

#[rizk::track_resource_usage]
#[rizk::workflow(name = "data_analysis")]
fn analyze(rows: usize) -> usize {
    rows * 2
}

#[track_resource_usage]
#[rizk::task]
async fn load(rows: usize) -> Vec<u8> {
    vec![0; rows]
}

#[track_resource_usage]
#[rizk::agent]
fn agent() {}

#[async_trait]
trait Job {
    async fn run(&self) -> usize;
}

struct Crunch;

#[async_trait]
impl Job for Crunch {
    #[track_resource_usage]
    #[rizk::tool]
    async fn run(&self) -> usize {
        tokio::task::yield_now().await;
        1
    }
}

fn main() {
    assert_eq!(analyze(2), 4);
    agent();
    let rt = tokio::runtime::Runtime::new().unwrap();
    assert_eq!(rt.block_on(load(3)).len(), 3);
    assert_eq!(rt.block_on(Crunch.run()), 1);
}
