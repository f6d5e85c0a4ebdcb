//! `TailSampler` driven directly with hand-made spans.

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use opentelemetry::trace::TraceId;
use opentelemetry_sdk::trace::SpanData;
use rizk_core::config::IntelligentSampling;
use rizk_core::export::{ExportStage, StageSnapshot, StageStats};
use rizk_core::sampling::{SamplingPolicy, trace_id_ratio};
use rizk_sampling::TailSampler;

/// Deviations from the mean allowed in rate checks: a correct sampler with truly random ids
/// lands outside mean ± 4.5 sd with probability about 7 in a million per check.
const Z: f64 = 4.5;

fn sampler(policy: IntelligentSampling, base_rate: f64) -> (TailSampler, Arc<StageStats>) {
    let stats = Arc::new(StageStats::default());
    let stage = TailSampler::new(
        SamplingPolicy::fixed(Some(policy), base_rate),
        stats.clone(),
    );
    (stage, stats)
}

/// Feeds `spans` in batches of `batch` (the worker's export batch is 512), returning what was
/// released.
fn feed(
    stage: &mut TailSampler,
    spans: Vec<SpanData>,
    batch: usize,
    now: Instant,
) -> Vec<SpanData> {
    let mut out = Vec::new();
    let mut spans = spans.into_iter().peekable();
    while spans.peek().is_some() {
        let chunk: Vec<SpanData> = spans.by_ref().take(batch).collect();
        out.extend(stage.process(chunk, now));
    }
    out
}

fn kept_per_trace(spans: &[SpanData]) -> HashMap<TraceId, usize> {
    let mut kept = HashMap::new();
    for span in spans {
        *kept.entry(span.span_context.trace_id()).or_default() += 1;
    }
    kept
}

fn snapshot(stats: &StageStats) -> StageSnapshot {
    stats.snapshot()
}

/// A trace of a root (span 1) and two children, children ending first.
fn trace(
    id: TraceId,
    child: impl Fn(SpanData) -> SpanData,
    root: impl Fn(SpanData) -> SpanData,
) -> Vec<SpanData> {
    vec![child(span(id, 2, 1)), span(id, 3, 1), root(span(id, 1, 0))]
}

#[test]
fn under_a_one_percent_base_rate_every_error_and_every_slow_trace_is_kept() {
    let policy = IntelligentSampling {
        error_sampling_rate: 1.0,
        slow_request_sampling_rate: 1.0,
        slow_request_threshold: Duration::from_millis(1000),
        ..IntelligentSampling::default()
    };
    let (mut stage, stats) = sampler(policy, 0.01);
    let mut spans = Vec::new();
    let mut special = Vec::new();
    let mut ordinary = Vec::new();
    for n in 0..2000u64 {
        let id = trace_id(n);
        match n % 40 {
            // 50 traces with a failed child, 50 with only an exception event.
            0 => spans.extend(trace(id, failed, |s| s)),
            1 => spans.extend(trace(id, with_exception, |s| s)),
            // 100 slow: the root lasts exactly the threshold (1 s) or 2.5 s; children are fast.
            2 => spans.extend(trace(id, |s| s, |s| timed(s, 0, 1000))),
            3 => spans.extend(trace(id, |s| s, |s| timed(s, 0, 2500))),
            // Just under the threshold is not slow.
            4 => spans.extend(trace(id, |s| s, |s| timed(s, 0, 999))),
            _ => spans.extend(trace(id, |s| s, |s| s)),
        }
        if n % 40 < 4 {
            special.push(id)
        } else {
            ordinary.push(id)
        }
    }
    let out = feed(&mut stage, spans, 512, Instant::now());
    let kept = kept_per_trace(&out);

    assert_eq!(special.len(), 200);
    for id in &special {
        assert_eq!(
            kept.get(id),
            Some(&3),
            "error or slow trace {id} not kept whole"
        );
    }
    let ordinary_kept = ordinary.iter().filter(|id| kept.contains_key(*id)).count() as u64;
    // Binomial(1800, 0.01): mean 18, sd 4.2; ± 4.5 sd = 0..=37.
    let (low, high) = binomial_bounds(1800, 0.01, Z);
    assert!(
        (low..=high).contains(&ordinary_kept),
        "{ordinary_kept} of 1800 ordinary traces kept, expected {low}..={high}"
    );
    // Whole traces only, nothing left behind.
    assert!(kept.values().all(|&n| n == 3));
    let s = snapshot(&stats);
    assert_eq!(
        (s.buffered_spans, s.buffered_traces, s.forced_decisions),
        (0, 0, 0)
    );
    assert_eq!(s.kept, out.len() as u64);
    assert_eq!(s.kept + s.dropped_by_policy, 6000);
}

#[test]
fn ordinary_traces_follow_the_trace_id_ratio_like_head_sampling_elsewhere() {
    // The same rule as every OpenTelemetry trace-id ratio sampler: a service upstream sampling
    // at the same rate kept exactly these traces, so the parts agree.
    let (mut stage, _) = sampler(IntelligentSampling::default(), 0.2);
    let spans: Vec<SpanData> = (0..3000)
        .flat_map(|n| trace(trace_id(n), |s| s, |s| s))
        .collect();
    let kept = kept_per_trace(&feed(&mut stage, spans, 512, Instant::now()));
    for n in 0..3000 {
        let id = trace_id(n);
        assert_eq!(kept.contains_key(&id), trace_id_ratio(id, 0.2), "trace {n}");
    }
}

#[test]
fn operation_priorities_set_the_keep_rate_within_binomial_bounds() {
    let policy = IntelligentSampling {
        high_priority_operations: vec![("financial_*".into(), 0.5), ("payments".into(), 0.8)],
        low_priority_operations: vec![("health_checks".into(), 0.05), ("health_*".into(), 0.2)],
        default_rate: Some(0.1),
        ..IntelligentSampling::default()
    };
    let (mut stage, _) = sampler(policy, 0.01);
    // (case, how its trace is built, expected rate)
    type Build = fn(TraceId) -> Vec<SpanData>;
    let cases: [(&str, Build, f64); 7] = [
        // A child's entity name matches a high-priority pattern.
        (
            "high by entity name",
            |id| {
                vec![
                    entity(span(id, 2, 1), "financial_transactions"),
                    span(id, 1, 0),
                ]
            },
            0.5,
        ),
        // The span name matches.
        (
            "high by span name",
            |id| vec![span(id, 2, 1), named(span(id, 1, 0), "financial_audit")],
            0.5,
        ),
        // Two high-priority operations: the higher rate.
        (
            "two high: max",
            |id| {
                vec![
                    entity(span(id, 2, 1), "payments"),
                    entity(span(id, 1, 0), "financial_refund"),
                ]
            },
            0.8,
        ),
        // Two low-priority patterns match: the lower rate.
        (
            "two low: min",
            |id| vec![span(id, 2, 1), entity(span(id, 1, 0), "health_checks")],
            0.05,
        ),
        (
            "one low",
            |id| vec![span(id, 2, 1), entity(span(id, 1, 0), "health_ping")],
            0.2,
        ),
        // High and low: high wins.
        (
            "high beats low",
            |id| {
                vec![
                    entity(span(id, 2, 1), "financial_x"),
                    entity(span(id, 1, 0), "health_checks"),
                ]
            },
            0.5,
        ),
        (
            "no match: default",
            |id| vec![span(id, 2, 1), entity(span(id, 1, 0), "search")],
            0.1,
        ),
    ];
    let per_case = 4000u64;
    for (case_index, (case, build, rate)) in cases.iter().enumerate() {
        let base = 1_000_000 * (case_index as u64 + 1);
        let spans: Vec<SpanData> = (0..per_case)
            .flat_map(|n| build(trace_id(base + n)))
            .collect();
        let out = feed(&mut stage, spans, 512, Instant::now());
        let kept = kept_per_trace(&out);
        assert!(kept.values().all(|&n| n == 2), "{case}: partial traces");
        let kept = kept.len() as u64;
        // e.g. rate 0.5: mean 2000, sd 31.6, bounds 1857..=2143;
        // rate 0.05: mean 200, sd 13.8, bounds 137..=263.
        let (low, high) = binomial_bounds(per_case, *rate, Z);
        assert!(
            (low..=high).contains(&kept),
            "{case}: {kept} of {per_case} kept at rate {rate}, expected {low}..={high}"
        );
    }
}

#[test]
fn errors_are_kept_even_in_low_priority_operations() {
    let policy = IntelligentSampling {
        low_priority_operations: vec![("health_checks".into(), 0.0)],
        default_rate: Some(0.0),
        ..IntelligentSampling::default()
    };
    let (mut stage, _) = sampler(policy, 0.01);
    let id = trace_id(1);
    let out = stage.process(
        vec![
            failed(span(id, 2, 1)),
            entity(span(id, 1, 0), "health_checks"),
        ],
        Instant::now(),
    );
    assert_eq!(out.len(), 2);
}

#[test]
fn late_spans_follow_their_trace_decision_kept_and_dropped() {
    let policy = IntelligentSampling {
        default_rate: Some(0.0),
        ..IntelligentSampling::default()
    };
    let (mut stage, stats) = sampler(policy, 0.01);
    let now = Instant::now();
    let (kept_trace, dropped_trace) = (trace_id(1), trace_id(2));

    // Kept: a failed child, then the root.
    assert!(
        stage
            .process(vec![failed(span(kept_trace, 2, 1))], now)
            .is_empty()
    );
    assert_eq!(stage.process(vec![span(kept_trace, 1, 0)], now).len(), 2);
    // Dropped: an ordinary trace.
    assert!(
        stage
            .process(
                vec![span(dropped_trace, 2, 1), span(dropped_trace, 1, 0)],
                now
            )
            .is_empty()
    );
    assert_eq!(
        stage.held_spans(),
        0,
        "the decided traces are no longer held"
    );
    let before = snapshot(&stats);
    assert_eq!((before.kept, before.dropped_by_policy), (2, 2));

    // A tick before the decision wait forgets nothing.
    assert!(stage.tick(now + Duration::from_secs(1)).is_empty());

    // Spans ending after their root (a background task spawned by the request): each follows
    // its trace, at once, in a later batch. The late span of the dropped trace fails, and is
    // still dropped: the decision is final, nothing leaks through.
    let later = now + Duration::from_secs(2);
    let out = stage.process(
        vec![
            span(kept_trace, 3, 1),
            failed(span(dropped_trace, 3, 1)),
            span(kept_trace, 4, 3),
            span(dropped_trace, 4, 3),
        ],
        later,
    );
    let names: Vec<(TraceId, u64)> = out
        .iter()
        .map(|s| {
            (
                s.span_context.trace_id(),
                u64::from_be_bytes(s.span_context.span_id().to_bytes()),
            )
        })
        .collect();
    assert_eq!(names, vec![(kept_trace, 3), (kept_trace, 4)]);
    assert_eq!(stage.held_spans(), 0, "late spans are not held again");
    let after = snapshot(&stats);
    assert_eq!(
        (after.kept, after.dropped_by_policy, after.buffered_spans),
        (4, 4, 0)
    );
    assert_eq!(after.forced_decisions, 0);
}

#[test]
fn decisions_are_forgotten_after_the_decision_wait() {
    let policy = IntelligentSampling {
        default_rate: Some(0.0),
        decision_wait: Duration::from_secs(30),
        ..IntelligentSampling::default()
    };
    let (mut stage, _) = sampler(policy, 0.01);
    let now = Instant::now();
    for n in 0..10 {
        stage.process(vec![span(trace_id(n), 1, 0)], now);
    }
    assert_eq!(stage.remembered_decisions(), 10);
    stage.tick(now + Duration::from_secs(29));
    assert_eq!(stage.remembered_decisions(), 10);
    stage.tick(now + Duration::from_secs(30));
    assert_eq!(stage.remembered_decisions(), 0);
}

#[test]
fn remembered_decisions_are_bounded() {
    let policy = IntelligentSampling {
        max_buffered_spans: 100,
        max_buffered_traces: 10,
        ..IntelligentSampling::default()
    };
    let (mut stage, _) = sampler(policy, 0.5);
    let roots: Vec<SpanData> = (0..1000).map(|n| span(trace_id(n), 1, 0)).collect();
    feed(&mut stage, roots, 64, Instant::now());
    assert_eq!(
        stage.remembered_decisions(),
        100,
        "max(max_buffered_spans, max_buffered_traces)"
    );
}

#[test]
fn a_root_that_never_ends_is_decided_after_the_decision_wait() {
    let policy = IntelligentSampling {
        default_rate: Some(0.0),
        decision_wait: Duration::from_secs(10),
        ..IntelligentSampling::default()
    };
    let (mut stage, stats) = sampler(policy, 0.01);
    let t0 = Instant::now();
    let (failing, ordinary) = (trace_id(1), trace_id(2));
    assert!(
        stage
            .process(
                vec![
                    span(failing, 2, 1),
                    failed(span(failing, 3, 1)),
                    span(ordinary, 2, 1)
                ],
                t0
            )
            .is_empty()
    );
    // Another trace first seen later is not due with them.
    assert!(
        stage
            .process(vec![span(trace_id(3), 2, 1)], t0 + Duration::from_secs(5))
            .is_empty()
    );

    assert!(stage.tick(t0 + Duration::from_millis(9_999)).is_empty());
    assert_eq!(stage.held_traces(), 3);

    let out = stage.tick(t0 + Duration::from_secs(10));
    assert_eq!(out.len(), 2, "the failing trace is kept with what it had");
    assert!(out.iter().all(|s| s.span_context.trace_id() == failing));
    let s = snapshot(&stats);
    assert_eq!(
        (s.forced_decisions, s.buffered_traces, s.buffered_spans),
        (2, 1, 1)
    );
    assert_eq!((s.kept, s.dropped_by_policy), (2, 1));

    // The root, when it finally ends, follows the decision.
    assert_eq!(
        stage
            .process(vec![span(failing, 1, 0)], t0 + Duration::from_secs(11))
            .len(),
        1
    );
    assert!(
        stage
            .process(vec![span(ordinary, 1, 0)], t0 + Duration::from_secs(11))
            .is_empty()
    );

    assert!(stage.tick(t0 + Duration::from_secs(15)).is_empty());
    assert_eq!(snapshot(&stats).forced_decisions, 3);
    assert_eq!(stage.held_spans(), 0);
}

#[test]
fn an_overdue_trace_is_decided_by_the_next_batch_when_ticks_are_late() {
    let policy = IntelligentSampling {
        default_rate: Some(1.0),
        decision_wait: Duration::from_secs(10),
        ..IntelligentSampling::default()
    };
    let (mut stage, stats) = sampler(policy, 1.0);
    let t0 = Instant::now();
    let (old, new) = (trace_id(1), trace_id(2));
    assert!(stage.process(vec![span(old, 2, 1)], t0).is_empty());
    let out = stage.process(vec![span(new, 2, 1)], t0 + Duration::from_secs(10));
    assert_eq!(kept_per_trace(&out), HashMap::from([(old, 1)]));
    assert_eq!(
        (stage.held_traces(), snapshot(&stats).forced_decisions),
        (1, 1)
    );
}

#[test]
fn an_early_decision_counts_the_time_the_held_spans_cover_as_slow() {
    let policy = IntelligentSampling {
        default_rate: Some(0.0),
        slow_request_threshold: Duration::from_millis(1000),
        decision_wait: Duration::from_secs(10),
        ..IntelligentSampling::default()
    };
    let (mut stage, _) = sampler(policy, 0.01);
    let t0 = Instant::now();
    let (slow, fast) = (trace_id(1), trace_id(2));
    // Two sequential children 600 ms each: the root lasted at least 1.2 s.
    stage.process(
        vec![
            timed(span(slow, 2, 1), 0, 600),
            timed(span(slow, 3, 1), 600, 600),
        ],
        t0,
    );
    stage.process(
        vec![
            timed(span(fast, 2, 1), 0, 400),
            timed(span(fast, 3, 1), 400, 400),
        ],
        t0,
    );
    let out = stage.tick(t0 + Duration::from_secs(10));
    assert_eq!(kept_per_trace(&out), HashMap::from([(slow, 2)]));
}

#[test]
fn a_span_with_a_remote_parent_is_a_local_root() {
    let policy = IntelligentSampling {
        default_rate: Some(0.0),
        ..IntelligentSampling::default()
    };
    let (mut stage, _) = sampler(policy, 0.01);
    let id = trace_id(1);
    let now = Instant::now();
    assert!(stage.process(vec![failed(span(id, 2, 1))], now).is_empty());
    let out = stage.process(vec![remote_parent(span(id, 1, 0), 77)], now);
    assert_eq!(out.len(), 2);
    assert_eq!(stage.held_traces(), 0);
}

#[test]
fn the_span_bound_decides_the_oldest_trace_first() {
    let policy = IntelligentSampling {
        default_rate: Some(1.0),
        max_buffered_spans: 4,
        max_buffered_traces: 100,
        ..IntelligentSampling::default()
    };
    let (mut stage, stats) = sampler(policy, 1.0);
    let now = Instant::now();
    let (a, b) = (trace_id(1), trace_id(2));
    assert!(
        stage
            .process(
                vec![span(a, 2, 1), span(a, 3, 1), span(b, 2, 1), span(b, 3, 1)],
                now
            )
            .is_empty()
    );
    // The fifth span passes the bound: trace a (the oldest) is decided with its two spans.
    let out = stage.process(vec![span(b, 4, 1)], now);
    assert_eq!(kept_per_trace(&out), HashMap::from([(a, 2)]));
    assert_eq!(snapshot(&stats).forced_decisions, 1);
    assert_eq!(stage.held_spans(), 3);
    // a's root follows; b is still held.
    assert_eq!(stage.process(vec![span(a, 1, 0)], now).len(), 1);
    assert_eq!(stage.process(vec![span(b, 1, 0)], now).len(), 4);
}

#[test]
fn the_trace_bound_holds_for_many_single_span_traces() {
    let policy = IntelligentSampling {
        default_rate: Some(0.0),
        max_buffered_spans: 1000,
        max_buffered_traces: 50,
        ..IntelligentSampling::default()
    };
    let (mut stage, stats) = sampler(policy, 0.01);
    let now = Instant::now();
    for n in 0..1000 {
        stage.process(vec![span(trace_id(n), 2, 1)], now);
        assert!(stage.held_traces() <= 50);
        assert!(snapshot(&stats).buffered_traces <= 50);
    }
    assert_eq!(snapshot(&stats).forced_decisions, 950);
}

#[test]
fn one_huge_trace_is_decided_when_it_fills_the_buffer_and_its_rest_follows() {
    let policy = IntelligentSampling {
        default_rate: Some(1.0),
        max_buffered_spans: 100,
        ..IntelligentSampling::default()
    };
    let (mut stage, stats) = sampler(policy, 1.0);
    let id = trace_id(9);
    let spans: Vec<SpanData> = (2..=1000)
        .map(|n| span(id, n, 1))
        .chain([span(id, 1, 0)])
        .collect();
    let out = feed(&mut stage, spans, 7, Instant::now());
    assert_eq!(out.len(), 1000);
    assert_eq!(snapshot(&stats).forced_decisions, 1);
    assert_eq!(stage.held_spans(), 0);
}

/// The flood: 1,000,000 spans in 100,000 traces of 10, interleaved 1,500 traces at a
/// time, their roots ending in scrambled order and one trace in ten whose root never ends,
/// through bounds of 5,000 spans and 1,000 traces. The bounds hold after every batch (and are
/// enforced after every span), decisions are counted as forced, and every trace is kept or
/// dropped whole: spans that arrive after their trace was decided early follow it.
///
/// About 3 s in a debug build.
#[test]
fn a_flood_of_a_million_spans_stays_within_the_bounds() {
    const SPANS_PER_TRACE: u64 = 10;
    const SLOTS: u64 = 1500;
    let traces: u64 = 100_000;
    let policy = IntelligentSampling {
        default_rate: Some(0.01),
        max_buffered_spans: 5_000,
        max_buffered_traces: 1_000,
        decision_wait: Duration::from_secs(600),
        ..IntelligentSampling::default()
    };
    let (mut stage, stats) = sampler(policy, 0.01);
    let now = Instant::now();

    // Slot j runs traces one after another; every round visits each busy slot once, in an
    // order that changes every round, and emits the next span of its trace. A trace's spans
    // are its children 2..=10 and then its root 1 (nine in ten) or an eleventh child.
    let mut slot_trace: Vec<Option<(u64, u64)>> = vec![None; SLOTS as usize]; // (trace, emitted)
    let mut next_trace = 0u64;
    let mut emitted_total = 0u64;
    let mut kept = vec![0u8; traces as usize];
    let mut batch = Vec::with_capacity(512);
    let mut max_seen = (0u64, 0u64);
    let mut round = 0u64;
    loop {
        let mut busy = false;
        for k in 0..SLOTS {
            let j = ((k * 7919 + round * 104_729) % SLOTS) as usize;
            if slot_trace[j].is_none()
                && next_trace < traces
                && round >= (j as u64 % SPANS_PER_TRACE)
            {
                slot_trace[j] = Some((next_trace, 0));
                next_trace += 1;
            }
            let Some((t, emitted)) = slot_trace[j] else {
                continue;
            };
            busy = true;
            let id = trace_id(t);
            let span = if emitted + 1 < SPANS_PER_TRACE {
                span(id, emitted + 2, 1)
            } else if t % 10 == 0 {
                span(id, SPANS_PER_TRACE + 1, 1) // the root never ends
            } else {
                span(id, 1, 0)
            };
            slot_trace[j] = if emitted + 1 == SPANS_PER_TRACE {
                None
            } else {
                Some((t, emitted + 1))
            };
            batch.push(span);
            emitted_total += 1;
            if batch.len() == 512 {
                for out in stage.process(std::mem::take(&mut batch), now) {
                    kept[trace_index(&out)] += 1;
                }
                let s = snapshot(&stats);
                assert!(
                    s.buffered_spans <= 5_000 && s.buffered_traces <= 1_000,
                    "{s:?}"
                );
                max_seen = (
                    max_seen.0.max(s.buffered_spans),
                    max_seen.1.max(s.buffered_traces),
                );
            }
        }
        round += 1;
        if !busy && next_trace >= traces {
            break;
        }
    }
    for out in stage.process(batch, now).into_iter().chain(stage.drain()) {
        kept[trace_index(&out)] += 1;
    }

    assert_eq!(emitted_total, traces * SPANS_PER_TRACE);
    let s = snapshot(&stats);
    assert_eq!((s.buffered_spans, s.buffered_traces), (0, 0));
    assert_eq!(s.kept + s.dropped_by_policy, emitted_total);
    assert!(
        max_seen.0 > 4_000 || max_seen.1 == 1_000,
        "the flood reached the bounds: {max_seen:?}"
    );
    // Every never-ending root is decided early, and the trace bound forced many more.
    assert!(s.forced_decisions >= traces / 10, "{s:?}");
    let partial = kept
        .iter()
        .filter(|&&n| n != 0 && u64::from(n) != SPANS_PER_TRACE)
        .count();
    assert_eq!(partial, 0, "traces kept in part");
    let whole = kept.iter().filter(|&&n| n != 0).count() as u64;
    // Binomial(100,000, 0.01): mean 1,000, sd 31.5; ± 4.5 sd = 858..=1142.
    let (low, high) = binomial_bounds(traces, 0.01, Z);
    assert!(
        (low..=high).contains(&whole),
        "{whole} of {traces} traces kept, expected {low}..={high}"
    );
    eprintln!(
        "flood: {emitted_total} spans, {whole} traces kept, {} forced decisions, at most {} spans and {} traces held",
        s.forced_decisions, max_seen.0, max_seen.1
    );
}

/// The trace number of a span from the flood (its id is `trace_id(n)`): found by search in a
/// map built once.
fn trace_index(span: &SpanData) -> usize {
    use std::sync::OnceLock;
    static INDEX: OnceLock<HashMap<TraceId, usize>> = OnceLock::new();
    let index = INDEX.get_or_init(|| (0..100_000u64).map(|n| (trace_id(n), n as usize)).collect());
    index[&span.span_context.trace_id()]
}

#[test]
fn drain_decides_everything_still_held() {
    let policy = IntelligentSampling {
        default_rate: Some(0.0),
        ..IntelligentSampling::default()
    };
    let (mut stage, stats) = sampler(policy, 0.01);
    let now = Instant::now();
    let ids: Vec<TraceId> = (0..5).map(trace_id).collect();
    let mut spans: Vec<SpanData> = ids
        .iter()
        .flat_map(|&id| [span(id, 2, 1), span(id, 3, 1)])
        .collect();
    spans[0] = failed(spans[0].clone());
    assert!(stage.process(spans, now).is_empty());
    assert_eq!(stage.held_traces(), 5);
    let out = stage.drain();
    assert_eq!(kept_per_trace(&out), HashMap::from([(ids[0], 2)]));
    let s = snapshot(&stats);
    assert_eq!(
        (s.buffered_spans, s.buffered_traces, s.forced_decisions),
        (0, 0, 5)
    );
    assert_eq!((s.kept, s.dropped_by_policy), (2, 8));
    assert!(stage.drain().is_empty());
}

#[test]
fn without_a_tail_policy_spans_pass_straight_through() {
    let stats = Arc::new(StageStats::default());
    let mut stage = TailSampler::new(SamplingPolicy::fixed(None, 0.01), stats.clone());
    let now = Instant::now();
    let spans: Vec<SpanData> = (0..100)
        .flat_map(|n| trace(trace_id(n), |s| s, |s| s))
        .collect();
    let expected: Vec<_> = spans.iter().map(|s| s.span_context.clone()).collect();
    let out = stage.process(spans, now);
    assert_eq!(
        out.iter()
            .map(|s| s.span_context.clone())
            .collect::<Vec<_>>(),
        expected
    );
    assert_eq!((stage.held_spans(), stage.remembered_decisions()), (0, 0));
    assert!(stage.tick(now + Duration::from_secs(60)).is_empty());
    assert!(stage.drain().is_empty());
    let s = snapshot(&stats);
    assert_eq!(
        (
            s.kept,
            s.dropped_by_policy,
            s.buffered_spans,
            s.forced_decisions
        ),
        (300, 0, 0, 0)
    );
}

#[test]
fn instances_of_every_queue_decide_alike() {
    let policy = IntelligentSampling {
        error_sampling_rate: 0.5,
        slow_request_sampling_rate: 0.3,
        high_priority_operations: vec![("pay*".into(), 0.4)],
        ..IntelligentSampling::default()
    };
    let spans: Vec<SpanData> = (0..2000)
        .flat_map(|n| {
            let id = trace_id(n);
            match n % 4 {
                0 => trace(id, failed, |s| s),
                1 => trace(id, |s| s, |s| timed(s, 0, 5000)),
                2 => trace(id, |s| entity(s, "payment"), |s| s),
                _ => trace(id, |s| s, |s| s),
            }
        })
        .collect();
    let (mut one, _) = sampler(policy.clone(), 0.1);
    let (mut two, _) = sampler(policy, 0.1);
    let a = kept_per_trace(&feed(&mut one, spans.clone(), 512, Instant::now()));
    let b = kept_per_trace(&feed(&mut two, spans, 37, Instant::now()));
    assert_eq!(a, b);
}
