//! rizk's own problems (an exporter that fails, a dropped span), reported the Rust way: as
//! `tracing` events with target `rizk`, which the application's subscriber shows or filters
//! (`RUST_LOG=rizk=debug` with `tracing-subscriber`'s `EnvFilter`). Quiet by default. In debug
//! mode (`trace_debug`) they are also printed on stderr, so they are seen without a subscriber.
//! Reports are rare by construction: once per failure kind, never per span.

use std::sync::atomic::{AtomicBool, Ordering};

static DEBUG_MODE: AtomicBool = AtomicBool::new(false);

/// Turns printing on stderr on or off (debug mode; `init` sets it from `trace_debug`).
///
/// ```
/// rizk_core::diagnostics::set_debug_mode(false);
/// rizk_core::diagnostics::debug("not printed on stderr");
/// ```
pub fn set_debug_mode(on: bool) {
    DEBUG_MODE.store(on, Ordering::Relaxed);
}

/// Reports a problem the user must hear of whatever the debug setting (spans lost, a setting
/// that matches nothing): a `tracing` warning and one line on stderr. Callers make sure each
/// kind of problem is reported once, never per span.
///
/// ```
/// rizk_core::diagnostics::alert("the price file lists no model");
/// ```
pub fn alert(message: &str) {
    tracing::warn!(target: "rizk", "{message}");
    eprintln!("[rizk] warning: {message}");
}

/// Reports what rizk is doing, for debugging a set-up: a `tracing` debug event, and a line
/// on stderr in debug mode. Callers report each kind of note once, never per span.
///
/// ```
/// rizk_core::diagnostics::debug("no price for model \"my-ft-model\": no cost recorded");
/// ```
pub fn debug(message: &str) {
    tracing::debug!(target: "rizk", "{message}");
    if DEBUG_MODE.load(Ordering::Relaxed) {
        eprintln!("[rizk] {message}");
    }
}
