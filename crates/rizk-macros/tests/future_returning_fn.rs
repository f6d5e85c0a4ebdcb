//! A plain `fn` whose value is an async block, bare or `Box::pin`-ed (the shape async-trait
//! generates, written by hand): the span covers the future, not its creation.

#![allow(clippy::unwrap_used)] // a test fails loudly on what it did not expect

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use rizk::testing::{attr_str, install_harness, is_child_of, span};
use rizk::{task, tool};

const NAP: Duration = Duration::from_millis(30);

// Written as a plain fn on purpose: this shape is what is under test.
#[allow(clippy::manual_async_fn)]
#[task(name = "impl_future")]
fn impl_future(n: u32) -> impl Future<Output = u32> {
    async move {
        tokio::time::sleep(NAP).await;
        double(n)
    }
}

#[task(name = "boxed_future")]
fn boxed_future(n: u32) -> Pin<Box<dyn Future<Output = Result<u32, String>> + Send>> {
    Box::pin(async move {
        tokio::time::sleep(NAP).await;
        if n == 0 {
            return Err("zero".to_owned());
        }
        Ok(double(n))
    })
}

#[tool]
fn double(n: u32) -> u32 {
    n * 2
}

#[tokio::test]
async fn the_span_of_a_fn_returning_an_async_block_covers_the_future() {
    let h = install_harness("rizk-macros-tests", |b| b);
    assert_eq!(impl_future(4).await, 8);
    assert_eq!(boxed_future(5).await, Ok(10));
    for name in ["task.impl_future", "task.boxed_future"] {
        let spans = h.trace_of(name);
        let outer = span(&spans, name);
        assert!(is_child_of(span(&spans, "tool.double"), outer), "{name}");
        let lasted = outer.end_time.duration_since(outer.start_time).unwrap();
        assert!(lasted >= NAP, "{name} covers the sleep: {lasted:?}");
    }
    let boxed = h.trace_of("task.boxed_future");
    let boxed = span(&boxed, "task.boxed_future");
    assert_eq!(
        attr_str(boxed, "input.value").as_deref(),
        Some(r#"{"n":5}"#)
    );
    // `Output = Result<..>` is found in the return type: `Ok` is the output.
    assert_eq!(attr_str(boxed, "output.value").as_deref(), Some("10"));
}
