//! rizk's own problems (an exporter that fails, spans dropped), reported once each on stderr.
//!
//! Reports are rare by construction (once per exporter failure kind, not per span), so they go
//! straight to stderr where a developer sees them; counts live in the metrics.

/// Reports a problem of rizk itself.
pub(crate) fn warn(message: &str) {
    eprintln!("[rizk] warning: {message}");
}
