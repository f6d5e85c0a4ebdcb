//! The pieces of a sampling rule: the custom-sampler trait, the trace-id ratio and operation
//! patterns. Configuration holds them and the head sampler applies them; they depend on
//! neither.

use opentelemetry::KeyValue;
use opentelemetry::trace::{SpanContext, TraceId};

/// The spec's `CustomSampler`: decides whether a new trace is recorded.
///
/// It is asked for root spans (and for spans whose parent is in another process when
/// `parent_based` is off); spans with a local parent follow the parent, so traces stay whole.
///
/// ```
/// use opentelemetry::KeyValue;
/// use rizk_core::sampling::{CustomSampler, SamplingContext};
///
/// struct BusinessLogicSampler;
///
/// impl CustomSampler for BusinessLogicSampler {
///     fn should_sample(&self, cx: &SamplingContext<'_>, operation_name: &str, attributes: &[KeyValue]) -> bool {
///         let tier = attributes.iter().find(|kv| kv.key.as_str() == "user.tier").map(|kv| kv.value.as_str());
///         match tier.as_deref() {
///             Some("premium" | "enterprise") => true,
///             Some("free") => cx.trace_id_ratio(0.1),
///             _ if operation_name.starts_with("workflow.financial") => true,
///             _ => cx.trace_id_ratio(0.05),
///         }
///     }
/// }
/// ```
pub trait CustomSampler: Send + Sync + 'static {
    /// `true` records and exports the trace.
    fn should_sample(
        &self,
        cx: &SamplingContext<'_>,
        operation_name: &str,
        attributes: &[KeyValue],
    ) -> bool;
}

/// What a [`CustomSampler`] knows about the span being started.
///
/// ```
/// use opentelemetry::trace::TraceId;
/// use rizk_core::sampling::SamplingContext;
///
/// let cx = SamplingContext { trace_id: TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap(), remote_parent: None };
/// assert!(cx.remote_parent.is_none());
/// assert!(cx.trace_id_ratio(1.0));
/// ```
#[derive(Debug)]
pub struct SamplingContext<'a> {
    /// The trace id of the new span.
    pub trace_id: TraceId,
    /// The parent's span context, when the parent is in another process.
    pub remote_parent: Option<&'a SpanContext>,
}

impl SamplingContext<'_> {
    /// `true` for a fraction `rate` of trace ids, the same answer in every service that uses
    /// trace-id ratio sampling: use it instead of a random number so traces stay whole.
    ///
    /// ```
    /// use opentelemetry::trace::TraceId;
    /// use rizk_core::sampling::SamplingContext;
    ///
    /// let cx = SamplingContext { trace_id: TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap(), remote_parent: None };
    /// assert!(cx.trace_id_ratio(0.7));
    /// assert!(!cx.trace_id_ratio(0.5));
    /// ```
    pub fn trace_id_ratio(&self, rate: f64) -> bool {
        trace_id_ratio(self.trace_id, rate)
    }
}

/// The OpenTelemetry trace-id ratio rule: the low 63 bits of the trace id against the rate.
///
/// ```
/// use opentelemetry::trace::TraceId;
/// use rizk_core::sampling::trace_id_ratio;
///
/// let id = TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap();
/// assert!(trace_id_ratio(id, 1.0) && !trace_id_ratio(id, 0.0));
/// assert_eq!(trace_id_ratio(id, 0.7), trace_id_ratio(id, 0.7)); // the same answer every time
/// assert!(!trace_id_ratio(id, 0.5));
/// ```
pub fn trace_id_ratio(trace_id: TraceId, rate: f64) -> bool {
    if rate >= 1.0 {
        return true;
    }
    if rate <= 0.0 || rate.is_nan() {
        return false;
    }
    let bound = (rate * (1u64 << 63) as f64) as u64;
    let bytes = trace_id.to_bytes();
    let mut low = [0u8; 8];
    low.copy_from_slice(&bytes[8..]);
    (u64::from_be_bytes(low) >> 1) < bound
}

/// Whether `pattern` (with `*` matching any run of characters) matches `name`.
///
/// ```
/// use rizk_core::sampling::matches_operation;
/// assert!(matches_operation("financial_*", "financial_transactions"));
/// assert!(matches_operation("health_checks", "health_checks"));
/// assert!(!matches_operation("auth", "user_authentication"));
/// ```
pub fn matches_operation(pattern: &str, name: &str) -> bool {
    // No allocation: the head sampler calls this for every root span when rules are set.
    let mut parts = pattern.split('*').peekable();
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    if parts.peek().is_none() {
        return rest.is_empty();
    }
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            return rest.ends_with(part);
        }
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_patterns_match_prefixes_suffixes_and_middles() {
        assert!(matches_operation("*", "anything"));
        assert!(matches_operation("health_*", "health_checks"));
        assert!(matches_operation("*_checks", "health_checks"));
        assert!(matches_operation("a*c*e", "abcde"));
        assert!(!matches_operation("a*c*e", "abde"));
        assert!(!matches_operation("health_*", "healthz"));
        assert!(
            !matches_operation("a*a", "a"),
            "prefix and suffix may not overlap"
        );
        assert!(matches_operation("a**b", "ab"));
    }

    #[test]
    fn trace_id_ratio_follows_the_rate() {
        let kept = (0..10_000u128)
            .filter(|i| {
                trace_id_ratio(
                    TraceId::from(i.wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835)),
                    0.3,
                )
            })
            .count();
        assert!((2_700..=3_300).contains(&kept), "{kept}");
        assert!(trace_id_ratio(TraceId::from(1), 1.0));
        assert!(!trace_id_ratio(TraceId::from(1), 0.0));
    }
}
