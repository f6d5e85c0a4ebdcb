//! Retrying one export request when the receiver says it is busy, as the OTLP specification
//! asks: HTTP 429, 502, 503 and 504, a request that timed out, and gRPC `UNAVAILABLE`,
//! `RESOURCE_EXHAUSTED` and `DEADLINE_EXCEEDED`, with exponential backoff and jitter, honouring
//! `Retry-After`. A refused connection is not retried: nothing listens there, and waiting would
//! only hold the spans (and a program's exit) longer.
//!
//! Retries run on the exporter's own worker thread, never on the application's; the spans wait
//! in memory meanwhile (bounded by `max_queue_bytes`), and shutdown's bound cuts a retry short.

use std::time::{Duration, Instant};

/// How long and how often one request is retried.
///
/// ```
/// use std::time::Duration;
/// use rizk_exporters::RetryPolicy;
///
/// let policy = RetryPolicy::default();
/// assert_eq!(policy.max_elapsed, Duration::from_secs(30));
/// assert_eq!(RetryPolicy::none().max_elapsed, Duration::ZERO);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The first wait; each next one doubles.
    pub initial_backoff: Duration,
    /// The longest single wait (also caps a `Retry-After`).
    pub max_backoff: Duration,
    /// No retry starts after this long since the first attempt.
    pub max_elapsed: Duration,
}

impl Default for RetryPolicy {
    /// 100 ms doubling to 5 s, for up to 30 s: long enough for a receiver that sheds load (an
    /// OTel Collector's memory limiter, Phoenix's "at capacity" 503) to recover.
    fn default() -> Self {
        RetryPolicy {
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
            max_elapsed: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    ///
    /// ```
    /// use std::time::Duration;
    /// use rizk_exporters::{OtlpSettings, RetryPolicy};
    ///
    /// let mut settings = OtlpSettings::new(&url::Url::parse("http://localhost:4318").unwrap(), None);
    /// settings.retry = RetryPolicy::none(); // one attempt per request
    /// assert_eq!(settings.retry.max_elapsed, Duration::ZERO);
    /// ```
    pub fn none() -> Self {
        RetryPolicy {
            initial_backoff: Duration::ZERO,
            max_backoff: Duration::ZERO,
            max_elapsed: Duration::ZERO,
        }
    }
}

/// What one attempt came to.
pub(crate) enum Attempt<T, E> {
    /// Success, or a failure not worth retrying.
    Done(Result<T, E>),
    /// A transient failure; the receiver may have said how long to wait.
    Retry(E, Option<Duration>),
}

/// Runs `attempt` until it is done or the policy's time is up; returns the last outcome and
/// how many attempts were made.
pub(crate) fn run<T, E>(
    policy: RetryPolicy,
    mut attempt: impl FnMut() -> Attempt<T, E>,
) -> (Result<T, E>, u32) {
    let start = Instant::now();
    let mut backoff = policy.initial_backoff;
    let mut attempts = 0;
    loop {
        attempts += 1;
        let (error, asked) = match attempt() {
            Attempt::Done(result) => return (result, attempts),
            Attempt::Retry(error, asked) => (error, asked),
        };
        let wait = asked
            .unwrap_or_else(|| jitter(backoff, attempts))
            .min(policy.max_backoff);
        if start.elapsed() + wait > policy.max_elapsed {
            return (Err(error), attempts);
        }
        std::thread::sleep(wait);
        backoff = (backoff * 2).min(policy.max_backoff);
    }
}

/// `backoff` scaled by a factor in [0.8, 1.2), so workers that failed together do not retry
/// together.
fn jitter(backoff: Duration, salt: u32) -> Duration {
    let nanos = Instant::now().elapsed().subsec_nanos() ^ salt.wrapping_mul(0x9E37_79B9);
    let factor = 0.8 + f64::from(nanos % 400) / 1000.0;
    backoff.mul_f64(factor)
}

/// Whether an HTTP status asks to try again later.
pub(crate) fn retryable_status(status: u16) -> bool {
    matches!(status, 429 | 502 | 503 | 504)
}

/// A `Retry-After` in seconds (the HTTP-date form is not used by OTLP receivers).
pub(crate) fn retry_after(value: Option<&str>) -> Option<Duration> {
    value?.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// Whether a gRPC failure, as the OTLP library words it, is transient. A refused connection
/// (`tcp connect error`) is not.
// Only the gRPC exporter asks; with `otlp` alone (the default) it is unused.
#[cfg_attr(not(feature = "otlp-grpc"), allow(dead_code))]
pub(crate) fn retryable_grpc(message: &str) -> bool {
    let transient = ["Unavailable", "ResourceExhausted", "DeadlineExceeded"];
    transient
        .iter()
        .any(|code| message.contains(&format!("gRPC code: {code}")))
        && !message.contains("connect error")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quick() -> RetryPolicy {
        RetryPolicy {
            initial_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(4),
            max_elapsed: Duration::from_millis(200),
        }
    }

    #[test]
    fn transient_failures_are_retried_until_success() {
        let mut left = 3;
        let (result, attempts) = run(quick(), || {
            if left == 0 {
                Attempt::Done(Ok::<_, &str>("sent"))
            } else {
                left -= 1;
                Attempt::Retry("503", None)
            }
        });
        assert_eq!(result, Ok("sent"));
        assert_eq!(attempts, 4);
    }

    #[test]
    fn retries_stop_when_the_time_is_up() {
        let start = Instant::now();
        let (result, attempts) = run(quick(), || Attempt::Retry::<(), _>("503", None));
        assert_eq!(result, Err("503"));
        assert!(attempts > 3, "{attempts}");
        assert!(start.elapsed() < Duration::from_millis(400));
    }

    #[test]
    fn a_final_failure_is_not_retried() {
        let (result, attempts) = run(quick(), || Attempt::Done(Err::<(), _>("refused")));
        assert_eq!(result, Err("refused"));
        assert_eq!(attempts, 1);
    }

    #[test]
    fn none_means_one_attempt() {
        let (_, attempts) = run(RetryPolicy::none(), || Attempt::Retry::<(), _>("503", None));
        assert_eq!(attempts, 1);
    }

    #[test]
    fn what_counts_as_transient() {
        assert!(retryable_status(503) && retryable_status(429) && retryable_status(504));
        assert!(!retryable_status(400) && !retryable_status(500) && !retryable_status(404));
        assert_eq!(retry_after(Some("30")), Some(Duration::from_secs(30)));
        assert_eq!(retry_after(Some("Wed, 21 Oct 2015 07:28:00 GMT")), None);
        assert!(retryable_grpc(
            "TonicTracesClient export failed with gRPC code: ResourceExhausted: too many"
        ));
        assert!(!retryable_grpc(
            "gRPC code: Unavailable: transport error: tcp connect error: Connection refused"
        ));
        assert!(!retryable_grpc("gRPC code: InvalidArgument: bad"));
    }
}
