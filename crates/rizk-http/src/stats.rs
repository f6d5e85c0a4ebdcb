//! Counters of the incoming propagation headers that could not be used.

use std::sync::atomic::{AtomicU64, Ordering};

/// Which counter a bad header goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bad {
    TraceParent,
    TraceState,
    Baggage,
    BaggageOverLimit,
    B3,
    Jaeger,
    Datadog,
}

static COUNTS: [AtomicU64; 7] = [const { AtomicU64::new(0) }; 7];

/// Counts one bad header.
pub(crate) fn count(bad: Bad) {
    COUNTS[bad as usize].fetch_add(1, Ordering::Relaxed);
}

/// How many incoming propagation headers this process could not use, since it started, by
/// header. A malformed `traceparent` (or B3, Jaeger, Datadog header) starts a new root span; a
/// malformed `tracestate` is dropped and the trace continues; a malformed baggage member is
/// dropped and the other members are kept. Nothing panics.
///
/// ```
/// let counts = rizk_http::malformed_headers();
/// assert_eq!(counts.total(), counts.traceparent + counts.tracestate + counts.baggage
///     + counts.baggage_over_limit + counts.b3 + counts.jaeger + counts.datadog);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MalformedHeaders {
    /// `traceparent` headers that were not valid W3C Trace Context (a new trace was started).
    pub traceparent: u64,
    /// `tracestate` headers that were not valid (dropped; the trace continued).
    pub tracestate: u64,
    /// `baggage` headers with at least one invalid member (those members were dropped).
    pub baggage: u64,
    /// `baggage` headers over the W3C limits (8192 bytes, 180 members, 4096 bytes a member):
    /// the whole header when it is too long, else the members beyond the limits.
    pub baggage_over_limit: u64,
    /// Invalid B3 headers (`b3`, `X-B3-*`).
    pub b3: u64,
    /// Invalid Jaeger headers (`uber-trace-id`, `uberctx-*`).
    pub jaeger: u64,
    /// Invalid Datadog headers (`x-datadog-*`).
    pub datadog: u64,
}

impl MalformedHeaders {
    /// Every bad header, whatever its kind.
    ///
    /// ```
    /// assert_eq!(rizk_http::MalformedHeaders::default().total(), 0);
    /// ```
    pub fn total(&self) -> u64 {
        self.traceparent
            + self.tracestate
            + self.baggage
            + self.baggage_over_limit
            + self.b3
            + self.jaeger
            + self.datadog
    }
}

/// The counts of bad incoming propagation headers so far; see [`MalformedHeaders`].
///
/// ```
/// use std::collections::HashMap;
/// use opentelemetry::propagation::TextMapPropagator;
///
/// let before = rizk_http::malformed_headers().traceparent;
/// let headers = HashMap::from([("traceparent".to_owned(), "00-not-a-trace-01".to_owned())]);
/// let _cx = rizk_http::TraceContextPropagator::new().extract(&headers);
/// assert!(rizk_http::malformed_headers().traceparent > before);
/// ```
pub fn malformed_headers() -> MalformedHeaders {
    let get = |bad: Bad| COUNTS[bad as usize].load(Ordering::Relaxed);
    MalformedHeaders {
        traceparent: get(Bad::TraceParent),
        tracestate: get(Bad::TraceState),
        baggage: get(Bad::Baggage),
        baggage_over_limit: get(Bad::BaggageOverLimit),
        b3: get(Bad::B3),
        jaeger: get(Bad::Jaeger),
        datadog: get(Bad::Datadog),
    }
}
