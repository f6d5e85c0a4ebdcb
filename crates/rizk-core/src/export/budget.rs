//! The memory budget of the export path: every span waiting anywhere between the application
//! thread and an exporter holds a reservation of its size, so the whole path holds at most
//! `max_queue_bytes` of span data (and at most `max_queue_size` spans when that count is set).

use std::sync::atomic::{AtomicUsize, Ordering};

/// Bytes and spans held by the export path, and their bounds.
#[derive(Debug)]
pub(crate) struct MemoryBudget {
    bytes: AtomicUsize,
    spans: AtomicUsize,
    max_bytes: usize,
    max_spans: Option<usize>,
}

impl MemoryBudget {
    pub(crate) fn new(max_bytes: usize, max_spans: Option<usize>) -> Self {
        MemoryBudget {
            bytes: AtomicUsize::new(0),
            spans: AtomicUsize::new(0),
            max_bytes,
            max_spans,
        }
    }

    /// Reserves room for one span of `bytes`; `false` (and nothing reserved) when it does not
    /// fit. Lock-free: concurrent callers may each see room, but none keeps a reservation that
    /// took the total over the bound.
    pub(crate) fn try_reserve(&self, bytes: usize) -> bool {
        let before = self.bytes.fetch_add(bytes, Ordering::Relaxed);
        if before + bytes > self.max_bytes {
            self.bytes.fetch_sub(bytes, Ordering::Relaxed);
            return false;
        }
        let spans = self.spans.fetch_add(1, Ordering::Relaxed);
        if self.max_spans.is_some_and(|max| spans >= max) {
            self.spans.fetch_sub(1, Ordering::Relaxed);
            self.bytes.fetch_sub(bytes, Ordering::Relaxed);
            return false;
        }
        true
    }

    /// Reserves room for one span whatever the bound: for a span whose reservation was given
    /// back a moment ago and is taken again after the stages reweighed it.
    pub(crate) fn reserve_anyway(&self, bytes: usize) {
        self.spans.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    /// Gives back the reservations of `spans` spans weighing `bytes` in all.
    pub(crate) fn release(&self, spans: usize, bytes: usize) {
        self.spans.fetch_sub(spans, Ordering::Relaxed);
        self.bytes.fetch_sub(bytes, Ordering::Relaxed);
    }

    /// Bytes reserved now.
    pub(crate) fn used_bytes(&self) -> usize {
        self.bytes.load(Ordering::Relaxed)
    }

    /// The bound in bytes.
    pub(crate) fn max_bytes(&self) -> usize {
        self.max_bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reservations_stop_at_the_byte_bound_and_come_back() {
        let budget = MemoryBudget::new(1000, None);
        assert!(budget.try_reserve(600));
        assert!(!budget.try_reserve(500), "600 + 500 is over 1000");
        assert!(budget.try_reserve(400));
        assert_eq!(budget.used_bytes(), 1000);
        budget.release(1, 600);
        assert!(budget.try_reserve(500));
        assert_eq!(budget.used_bytes(), 900);
    }

    #[test]
    fn a_span_count_bound_applies_when_set() {
        let budget = MemoryBudget::new(usize::MAX / 2, Some(2));
        assert!(budget.try_reserve(1));
        assert!(budget.try_reserve(1));
        assert!(!budget.try_reserve(1));
        assert_eq!(budget.used_bytes(), 2, "a refused span reserves nothing");
    }
}
