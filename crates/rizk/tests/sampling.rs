//! Head sampling keeps or drops whole traces, and formats nothing for dropped spans.

#![allow(clippy::unwrap_used)] // a test fails loudly on what it did not expect

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};

use common::harness_with;
use opentelemetry::trace::TraceId;
use rizk::{task, workflow};

static FORMATTED: AtomicUsize = AtomicUsize::new(0);

struct Counted;

impl std::fmt::Debug for Counted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        FORMATTED.fetch_add(1, Ordering::SeqCst);
        f.write_str("Counted")
    }
}

#[workflow]
fn sampled_request(n: u32, payload: Counted) -> TraceId {
    first_step(n, &payload);
    second_step(n);
    rizk::current_span().span_context().trace_id()
}

#[task]
fn first_step(n: u32, payload: &Counted) -> u32 {
    let _ = payload;
    n
}

#[task]
fn second_step(n: u32) -> u32 {
    n
}

#[test]
fn traces_are_kept_or_dropped_whole_at_the_configured_rate() {
    let h = harness_with(|b| b.trace_sampling_rate(0.25));
    let runs = 2000;
    let mut trace_ids = Vec::new();
    for n in 0..runs {
        trace_ids.push(sampled_request(n, Counted));
    }
    h.handle.flush().unwrap();
    let mut kept = 0;
    for trace_id in &trace_ids {
        let spans = h.spans.trace(*trace_id);
        assert!(
            spans.is_empty() || spans.len() == 3,
            "a trace is whole or absent: {}",
            spans.len()
        );
        if !spans.is_empty() {
            kept += 1;
        }
    }
    // Binomial(2000, 0.25): mean 500, sd ~19.4; 5 sd either side.
    assert!((403..=597).contains(&kept), "kept {kept} of {runs}");
    // Only kept traces formatted their Debug-only argument (workflow and first step).
    assert_eq!(FORMATTED.load(Ordering::SeqCst), kept * 2);
}
