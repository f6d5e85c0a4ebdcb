// Methods of `#[async_trait]` impls (the future stays `Send`), and a plain fn returning an async
// block, bare or boxed.

use std::future::Future;
use std::pin::Pin;

use async_trait::async_trait;

#[async_trait]
trait Assistant {
    async fn answer(&self, question: &str) -> String;
    async fn check(&mut self, (a, b): (u32, u32)) -> Result<u32, String>;
    async fn nothing(&self);
}

struct Bot {
    calls: u32,
}

#[async_trait]
impl Assistant for Bot {
    #[rizk::agent(name = "bot", version = "1")]
    async fn answer(&self, question: &str) -> String {
        tokio::task::yield_now().await;
        format!("{question}?")
    }

    #[rizk::task]
    async fn check(&mut self, (a, b): (u32, u32)) -> Result<u32, String> {
        self.calls += 1;
        if a > b {
            Err("a > b".into())
        } else {
            Ok(b - a)
        }
    }

    #[rizk::tool(skip_all)]
    async fn nothing(&self) {}
}

#[rizk::task]
fn later(n: u32) -> impl Future<Output = u32> {
    async move { n + 1 }
}

#[rizk::task]
fn boxed(n: u32) -> Pin<Box<dyn Future<Output = u32> + Send>> {
    Box::pin(async move { n * 2 })
}

fn main() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let mut bot = Bot { calls: 0 };
        assert_eq!(bot.answer("why").await, "why?");
        assert_eq!(bot.check((1, 3)).await, Ok(2));
        bot.nothing().await;
        assert_eq!(bot.calls, 1);
        let shared = std::sync::Arc::new(Bot { calls: 0 });
        let answer = tokio::spawn(async move { shared.answer("spawned").await });
        assert_eq!(answer.await.unwrap(), "spawned?");
        assert_eq!(later(1).await, 2);
        assert_eq!(boxed(2).await, 4);
    });
}
