//! The decision for one trace, from its spans: pure functions of the policy and the evidence.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use opentelemetry::Value;
use opentelemetry::trace::{SpanId, Status, TraceId};
use opentelemetry_sdk::trace::SpanData;
use rizk_core::config::IntelligentSampling;
use rizk_core::sampling::{TailPolicy, trace_id_ratio};
use rizk_core::semconv;

/// The name OpenTelemetry gives an event that records an exception.
const EXCEPTION_EVENT: &str = "exception";

/// Whether `span` starts this process's part of its trace: it has no parent, or its parent is
/// in another process.
pub(crate) fn is_local_root(span: &SpanData) -> bool {
    span.parent_span_id == SpanId::INVALID || span.parent_span_is_remote
}

/// Status ERROR, or an `exception` event.
pub(crate) fn is_error(span: &SpanData) -> bool {
    matches!(span.status, Status::Error { .. })
        || span
            .events
            .iter()
            .any(|event| event.name == EXCEPTION_EVENT)
}

fn duration(start: SystemTime, end: SystemTime) -> Duration {
    end.duration_since(start).unwrap_or_default()
}

/// An operation pattern, split once at its `*`s: the same rule as
/// [`rizk_core::sampling::matches_operation`], with the pattern split once instead of per call.
#[derive(Debug)]
enum Glob {
    Exact(String),
    Wild {
        first: String,
        middle: Vec<String>,
        last: String,
    },
}

impl Glob {
    fn new(pattern: &str) -> Self {
        let mut parts: Vec<String> = pattern.split('*').map(str::to_owned).collect();
        if parts.len() == 1 {
            return Glob::Exact(pattern.to_owned());
        }
        let last = parts.pop().unwrap_or_default();
        let first = parts.remove(0);
        Glob::Wild {
            first,
            middle: parts,
            last,
        }
    }

    fn matches(&self, name: &str) -> bool {
        match self {
            Glob::Exact(exact) => exact == name,
            Glob::Wild {
                first,
                middle,
                last,
            } => {
                if !name.starts_with(first.as_str())
                    || !name[first.len()..].ends_with(last.as_str())
                {
                    return false;
                }
                let mut rest = &name[first.len()..name.len() - last.len()];
                for part in middle {
                    match rest.find(part.as_str()) {
                        Some(at) => rest = &rest[at + part.len()..],
                        None => return false,
                    }
                }
                true
            }
        }
    }
}

/// The operation patterns of one policy, compiled.
#[derive(Debug)]
pub(crate) struct Rules {
    source: Arc<IntelligentSampling>,
    high: Vec<(Glob, f64)>,
    low: Vec<(Glob, f64)>,
}

impl Rules {
    pub(crate) fn new(policy: &Arc<IntelligentSampling>) -> Self {
        let compile =
            |list: &[(String, f64)]| list.iter().map(|(p, r)| (Glob::new(p), *r)).collect();
        Rules {
            source: policy.clone(),
            high: compile(&policy.high_priority_operations),
            low: compile(&policy.low_priority_operations),
        }
    }

    /// Whether these rules were compiled from `policy` (the very same value).
    pub(crate) fn compiled_from(&self, policy: &Arc<IntelligentSampling>) -> bool {
        Arc::ptr_eq(&self.source, policy)
    }
}

/// The span's entity name (`rizk.entity.name`), if it has one.
fn entity_name(span: &SpanData) -> Option<&str> {
    span.attributes.iter().find_map(|kv| match &kv.value {
        Value::String(s) if kv.key.as_str() == semconv::ENTITY_NAME => Some(s.as_str()),
        _ => None,
    })
}

/// The rate of the trace's operations: the highest matched high-priority rate, else the lowest
/// matched low-priority rate, else the default rate. An operation matches a span's entity name
/// or its span name.
fn operation_rate(rules: &Rules, default_rate: f64, spans: &[SpanData]) -> f64 {
    if rules.high.is_empty() && rules.low.is_empty() {
        return default_rate;
    }
    let mut high: Option<f64> = None;
    let mut low: Option<f64> = None;
    for span in spans {
        let entity = entity_name(span);
        let names =
            |glob: &Glob| glob.matches(&span.name) || entity.is_some_and(|e| glob.matches(e));
        for (glob, rate) in &rules.high {
            if high.is_none_or(|h| *rate > h) && names(glob) {
                high = Some(*rate);
            }
        }
        if high.is_none() {
            for (glob, rate) in &rules.low {
                if low.is_none_or(|l| *rate < l) && names(glob) {
                    low = Some(*rate);
                }
            }
        }
    }
    high.or(low).unwrap_or(default_rate)
}

/// How a trace came to be decided.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Evidence {
    /// Its local root ended: `spans[root]`.
    Root(usize),
    /// Decided early (buffer bound, decision wait, shutdown): only what is held.
    Partial,
}

/// The probability of keeping the trace: the highest of the rates of every reason that applies
/// (error, slow, its operations' rate or the default). With the trace id deciding every
/// probability, "kept if any applicable reason keeps it" is exactly "kept at the highest rate".
pub(crate) fn keep_rate(
    tail: &TailPolicy,
    rules: &Rules,
    spans: &[SpanData],
    evidence: Evidence,
) -> f64 {
    let policy = &*tail.policy;
    let mut rate = operation_rate(rules, tail.default_rate, spans);
    if rate < policy.error_sampling_rate && spans.iter().any(is_error) {
        rate = policy.error_sampling_rate;
    }
    if rate < policy.slow_request_sampling_rate && is_slow(policy, spans, evidence) {
        rate = policy.slow_request_sampling_rate;
    }
    rate
}

/// Slow: the local root lasted at least the threshold. Without the root, the time the held
/// spans cover (earliest start to latest end) is a lower bound of the root's duration.
fn is_slow(policy: &IntelligentSampling, spans: &[SpanData], evidence: Evidence) -> bool {
    let threshold = policy.slow_request_threshold;
    match evidence {
        Evidence::Root(index) => spans
            .get(index)
            .is_some_and(|root| duration(root.start_time, root.end_time) >= threshold),
        Evidence::Partial => {
            let start = spans.iter().map(|s| s.start_time).min();
            let end = spans.iter().map(|s| s.end_time).max();
            matches!((start, end), (Some(start), Some(end)) if duration(start, end) >= threshold)
        }
    }
}

/// Whether the trace is kept.
pub(crate) fn keep(
    tail: &TailPolicy,
    rules: &Rules,
    trace_id: TraceId,
    spans: &[SpanData],
    evidence: Evidence,
) -> bool {
    trace_id_ratio(trace_id, keep_rate(tail, rules, spans, evidence))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rizk_core::sampling::matches_operation;

    #[test]
    fn compiled_globs_match_exactly_like_core() {
        let patterns = [
            "*",
            "health_*",
            "*_checks",
            "a*c*e",
            "financial_transactions",
            "a**b",
            "*x*",
            "ab*ba",
            "",
        ];
        let names = [
            "",
            "anything",
            "health_checks",
            "healthz",
            "abcde",
            "abde",
            "ab",
            "aba",
            "abba",
            "abxba",
            "x",
            "financial_transactions",
            "financial",
        ];
        for pattern in patterns {
            let glob = Glob::new(pattern);
            for name in names {
                assert_eq!(
                    glob.matches(name),
                    matches_operation(pattern, name),
                    "{pattern:?} vs {name:?}"
                );
            }
        }
    }
}
