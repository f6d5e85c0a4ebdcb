//! With tracing disabled every macro is a transparent no-op and nothing is exported.

#![allow(clippy::unwrap_used)] // a test fails loudly on what it did not expect

mod common;

use common::harness_with;
use rizk::{task, workflow};

#[workflow]
fn still_works(n: u32) -> Result<u32, String> {
    double(n)
}

#[task]
fn double(n: u32) -> Result<u32, String> {
    if n > 100 {
        Err("too big".into())
    } else {
        Ok(n * 2)
    }
}

#[test]
fn disabled_tracing_changes_nothing_but_exports_nothing() {
    let h = harness_with(|b| b.tracing_enabled(false));
    assert_eq!(still_works(21), Ok(42));
    assert_eq!(still_works(101), Err("too big".to_owned()));
    h.handle.flush().unwrap();
    assert!(h.spans.spans().is_empty());
    assert!(!rizk::current_span().is_recording());
    let config = rizk::get_trace_config();
    assert!(!config.enabled);
    assert!(
        config.status.contains("tracing_enabled = false"),
        "{}",
        config.status
    );
}
