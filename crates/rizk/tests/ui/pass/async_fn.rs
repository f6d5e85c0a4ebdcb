// An `async fn`, awaiting another traced one; its future is `Send` (it can be spawned).

#[rizk::workflow]
async fn handle(question: String) -> usize {
    tokio::task::yield_now().await;
    research(&question).await
}

#[rizk::agent]
async fn research(topic: &str) -> usize {
    topic.len()
}

fn main() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let n = rt.block_on(async { tokio::spawn(handle("abc".into())).await.unwrap() });
    assert_eq!(n, 3);
}
