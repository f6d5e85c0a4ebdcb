//! `exception.stacktrace`: backtraces of errors and panics, taken only when the program asked
//! for backtraces (`RUST_BACKTRACE` or `RUST_LIB_BACKTRACE` set and not `0`, the rules of
//! [`std::backtrace::Backtrace::capture`]), so that tracing never pays for one otherwise.
//!
//! A panic unwinds its stack before the span sees it, so when backtraces are enabled rizk
//! installs (once, at its first span) a panic hook that keeps the panicking thread's backtrace
//! for the span, then calls the hook that was installed before it.
//!
//! Capturing walks the stack (microseconds); resolving it into text (symbol names, files and
//! lines, from the debug information: milliseconds, the first one much more) is left to the
//! export thread: the application's thread stores the captured frames under a number and the
//! event carries a marker with it, which [`StackTraces`], the first export transform, replaces
//! by the text. At most [`PENDING`] wait; beyond, the oldest is dropped and its event carries
//! no stack trace (a span dropped before export leaves its entry behind, so the bound matters).

use std::backtrace::{Backtrace, BacktraceStatus};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, Once};

use opentelemetry::Value;
use opentelemetry_sdk::trace::SpanData;

use crate::content::SpanTransform;
use crate::semconv;

thread_local! {
    /// The backtrace of this thread's last panic, until a span takes it.
    static LAST_PANIC: RefCell<Option<Backtrace>> = const { RefCell::new(None) };
}

static HOOK: Once = Once::new();

/// At most this many captured backtraces wait for the export thread.
const PENDING: usize = 1024;

/// The start of the marker that stands for a captured backtrace until export.
const MARKER: &str = "rizk-backtrace:";

/// Captured backtraces by number, until the export thread resolves them.
static WAITING: Mutex<BTreeMap<u64, Backtrace>> = Mutex::new(BTreeMap::new());
static NEXT: AtomicU64 = AtomicU64::new(0);

/// Whether the environment enables backtraces, read the way `Backtrace::capture` reads it.
fn enabled() -> bool {
    let on = |name: &str| std::env::var_os(name).map(|v| v != "0");
    on("RUST_LIB_BACKTRACE")
        .or_else(|| on("RUST_BACKTRACE"))
        .unwrap_or(false)
}

/// A backtrace of the calling thread, when backtraces are enabled (not yet resolved).
fn capture_frames() -> Option<Backtrace> {
    let backtrace = Backtrace::capture();
    (backtrace.status() == BacktraceStatus::Captured).then_some(backtrace)
}

/// The value for `exception.stacktrace`: a marker the export thread replaces by the text of
/// `backtrace`.
fn defer(backtrace: Backtrace) -> String {
    let number = NEXT.fetch_add(1, Ordering::Relaxed);
    let mut waiting = WAITING.lock().unwrap_or_else(|e| e.into_inner());
    insert_bounded(&mut waiting, number, backtrace);
    format!("{MARKER}{number}")
}

/// Inserts, first dropping the oldest when [`PENDING`] already wait.
fn insert_bounded(waiting: &mut BTreeMap<u64, Backtrace>, number: u64, backtrace: Backtrace) {
    if waiting.len() >= PENDING {
        waiting.pop_first();
    }
    waiting.insert(number, backtrace);
}

/// A backtrace of the calling thread, when backtraces are enabled: the value for
/// `exception.stacktrace` (resolved at export).
pub(crate) fn capture() -> Option<String> {
    capture_frames().map(defer)
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
            let trace = capture_frames();
            LAST_PANIC.with(|last| *last.borrow_mut() = trace);
            previous(info);
        }));
    });
}

/// The backtrace of this thread's last panic, if the hook kept one: the value for
/// `exception.stacktrace`.
pub(crate) fn take_panic_backtrace() -> Option<String> {
    LAST_PANIC.with(|last| last.borrow_mut().take()).map(defer)
}

/// Forgets this thread's last panic's backtrace (its message was withheld).
pub(crate) fn discard_panic_backtrace() {
    LAST_PANIC.with(|last| last.borrow_mut().take());
}

/// The first export transform: replaces each `exception.stacktrace` marker by the text of its
/// backtrace, or removes the key when the backtrace was dropped at the bound.
#[derive(Debug, Default)]
pub(crate) struct StackTraces;

impl SpanTransform for StackTraces {
    fn transform(&self, span: &mut SpanData) {
        for event in span.events.events.iter_mut() {
            let mut gone = false;
            for kv in event.attributes.iter_mut() {
                if kv.key.as_str() != semconv::EXCEPTION_STACKTRACE {
                    continue;
                }
                let Value::String(value) = &kv.value else {
                    continue;
                };
                let Some(number) = value
                    .as_str()
                    .strip_prefix(MARKER)
                    .and_then(|n| n.parse::<u64>().ok())
                else {
                    continue;
                };
                let backtrace = WAITING
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .remove(&number);
                match backtrace {
                    Some(backtrace) => kv.value = Value::from(backtrace.to_string()),
                    None => gone = true,
                }
            }
            if gone {
                event
                    .attributes
                    .retain(|kv| kv.key.as_str() != semconv::EXCEPTION_STACKTRACE);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::KeyValue;
    use opentelemetry::trace::Event;
    use std::time::SystemTime;

    fn span_with(values: &[&str]) -> SpanData {
        let mut span = crate::export::test_span("s", &[]);
        for v in values {
            span.events.events.push(Event::new(
                "exception",
                SystemTime::now(),
                vec![
                    KeyValue::new(semconv::EXCEPTION_TYPE, "Oops"),
                    KeyValue::new(semconv::EXCEPTION_STACKTRACE, v.to_string()),
                ],
                0,
            ));
        }
        span
    }

    fn stacktraces(span: &SpanData) -> Vec<Option<String>> {
        span.events
            .iter()
            .map(|e| {
                e.attributes
                    .iter()
                    .find(|kv| kv.key.as_str() == semconv::EXCEPTION_STACKTRACE)
                    .map(|kv| kv.value.as_str().into_owned())
            })
            .collect()
    }

    #[test]
    fn markers_become_the_text_at_export_and_dropped_ones_disappear() {
        let marker = defer(Backtrace::force_capture());
        let mut span = span_with(&[&marker, &format!("{MARKER}{}", u64::MAX), "user text"]);
        StackTraces.transform(&mut span);
        let got = stacktraces(&span);
        let text = got[0].as_deref().unwrap();
        assert!(
            !text.starts_with(MARKER) && text.contains("markers_become"),
            "{text}"
        );
        assert_eq!(
            got[1], None,
            "a backtrace no longer waiting leaves no marker behind"
        );
        assert_eq!(got[2].as_deref(), Some("user text"));
        assert!(
            !WAITING
                .lock()
                .unwrap()
                .contains_key(&marker[MARKER.len()..].parse::<u64>().unwrap()),
            "a resolved backtrace is forgotten"
        );
    }

    #[test]
    fn the_waiting_backtraces_are_bounded_and_the_oldest_go_first() {
        let mut waiting = BTreeMap::new();
        for number in 0..PENDING as u64 + 5 {
            insert_bounded(&mut waiting, number, Backtrace::disabled());
        }
        assert_eq!(waiting.len(), PENDING);
        assert_eq!(waiting.keys().next(), Some(&5));
    }
}
