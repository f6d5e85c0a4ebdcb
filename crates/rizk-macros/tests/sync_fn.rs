//! A plain `fn`: the span covers the call, nests under the current span, and records the
//! arguments and the return value.

#![allow(clippy::unwrap_used)] // a test fails loudly on what it did not expect

use rizk::testing::{attr_str, install_harness, is_child_of, is_root, span};
use rizk::{task, tool, workflow};

#[workflow]
fn checkout(sku: &str, quantity: u32) -> String {
    let price = price_of(sku, quantity);
    reserve(sku);
    format!("{sku} x{quantity} = {price}")
}

#[tool]
fn price_of(sku: &str, quantity: u32) -> f64 {
    sku.len() as f64 * f64::from(quantity)
}

#[task]
fn reserve(_sku: &str) {}

#[test]
fn a_sync_fn_is_one_span_with_its_callees_as_children() {
    let h = install_harness("rizk-macros-tests", |b| b);
    assert_eq!(checkout("abc", 2), "abc x2 = 6");
    let spans = h.trace_of("workflow.checkout");
    assert_eq!(spans.len(), 3);
    let root = span(&spans, "workflow.checkout");
    let tool = span(&spans, "tool.price_of");
    let task = span(&spans, "task.reserve");
    assert!(is_root(root));
    assert!(is_child_of(tool, root) && is_child_of(task, root));
    assert!(root.start_time <= tool.start_time && task.end_time <= root.end_time);
    let input: serde_json::Value =
        serde_json::from_str(&attr_str(root, "input.value").unwrap()).unwrap();
    assert_eq!(input, serde_json::json!({"sku": "abc", "quantity": 2}));
    assert_eq!(
        attr_str(root, "output.value").as_deref(),
        Some("abc x2 = 6")
    );
    assert_eq!(attr_str(tool, "output.value").as_deref(), Some("6.0"));
    // `_`-prefixed parameters and a `()` return are not recorded.
    assert_eq!(attr_str(task, "input.value"), None);
    assert_eq!(attr_str(task, "output.value"), None);
    // The call left the context as it found it.
    assert!(!rizk::current_span().span_context().is_valid());
}
