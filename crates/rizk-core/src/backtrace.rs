//! `exception.stacktrace`: backtraces of errors and panics, taken only when the program asked
//! for backtraces (`RUST_BACKTRACE` or `RUST_LIB_BACKTRACE` set and not `0`, the rules of
//! [`std::backtrace::Backtrace::capture`]), so that tracing never pays for one otherwise.
//!
//! A panic unwinds its stack before the span sees it, so when backtraces are enabled rizk
//! installs (once, at its first span) a panic hook that keeps the panicking thread's backtrace
//! for the span, then calls the hook that was installed before it.

use std::backtrace::{Backtrace, BacktraceStatus};
use std::cell::RefCell;
use std::sync::Once;

thread_local! {
    /// The backtrace of this thread's last panic, until a span takes it.
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

static HOOK: Once = Once::new();

/// Whether the environment enables backtraces, read the way `Backtrace::capture` reads it.
fn enabled() -> bool {
    let on = |name: &str| std::env::var_os(name).map(|v| v != "0");
    on("RUST_LIB_BACKTRACE")
        .or_else(|| on("RUST_BACKTRACE"))
        .unwrap_or(false)
}

/// A backtrace of the calling thread, formatted, when backtraces are enabled.
pub(crate) fn capture() -> Option<String> {
    let backtrace = Backtrace::capture();
    (backtrace.status() == BacktraceStatus::Captured).then(|| backtrace.to_string())
}

/// Installs the panic hook that keeps panics' backtraces (once, and only when backtraces are
/// enabled).
pub(crate) fn install_panic_hook() {
    HOOK.call_once(|| {
        if !enabled() {
            return;
        }
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let trace = capture();
            LAST_PANIC.with(|last| *last.borrow_mut() = trace);
            previous(info);
        }));
    });
}

/// The backtrace of this thread's last panic, if the hook kept one.
pub(crate) fn take_panic_backtrace() -> Option<String> {
    LAST_PANIC.with(|last| last.borrow_mut().take())
}
