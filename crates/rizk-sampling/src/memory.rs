//! Recent decisions, so that spans ending after their trace was decided follow it.
//!
//! Bounded (the oldest is forgotten first) and time-limited. Compact on purpose: it is looked
//! up for every span whose trace is not held, so it should stay in cache as far as it can
//! (about 60 bytes a decision: the index entry and the queue entry).

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use opentelemetry::trace::TraceId;

use crate::hash::TraceHashing;

type Key = (u64, u64);

fn key(trace_id: TraceId) -> Key {
    let bytes = trace_id.to_bytes();
    let mut high = [0u8; 8];
    let mut low = [0u8; 8];
    high.copy_from_slice(&bytes[..8]);
    low.copy_from_slice(&bytes[8..]);
    (u64::from_ne_bytes(high), u64::from_ne_bytes(low))
}

struct Entry {
    key: Key,
    /// Milliseconds after `Decisions::epoch`.
    at_ms: u64,
}

pub(crate) struct Decisions {
    /// Trace → `seq << 1 | keep`, where `seq` numbers the decision in `order`.
    index: HashMap<Key, u64, TraceHashing>,
    /// Oldest first; the entry at position `i` has seq `next_seq - order.len() + i`.
    order: VecDeque<Entry>,
    next_seq: u64,
    epoch: Option<Instant>,
}

impl Decisions {
    pub(crate) fn new() -> Self {
        Decisions {
            index: HashMap::default(),
            order: VecDeque::new(),
            next_seq: 0,
            epoch: None,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.index.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// The decision about `trace_id`, if remembered: `true` to keep.
    #[inline]
    pub(crate) fn get(&self, trace_id: TraceId) -> Option<bool> {
        if self.index.is_empty() {
            return None;
        }
        self.index.get(&key(trace_id)).map(|v| v & 1 == 1)
    }

    fn millis(&mut self, now: Instant) -> u64 {
        let epoch = *self.epoch.get_or_insert(now);
        now.saturating_duration_since(epoch).as_millis() as u64
    }

    /// Remembers a decision, forgetting the oldest beyond `capacity`.
    pub(crate) fn insert(&mut self, trace_id: TraceId, keep: bool, now: Instant, capacity: usize) {
        let key = key(trace_id);
        let at_ms = self.millis(now);
        let seq = self.next_seq;
        self.next_seq += 1;
        self.index.insert(key, seq << 1 | u64::from(keep));
        self.order.push_back(Entry { key, at_ms });
        while self.order.len() > capacity.max(1) {
            self.forget_oldest();
        }
    }

    fn forget_oldest(&mut self) {
        let seq = self.next_seq - self.order.len() as u64;
        if let Some(entry) = self.order.pop_front()
            && self.index.get(&entry.key).is_some_and(|v| v >> 1 == seq)
        {
            self.index.remove(&entry.key);
        }
    }

    /// Forgets decisions at least `wait` old, and the oldest beyond `capacity`.
    pub(crate) fn expire(&mut self, now: Instant, wait: Duration, capacity: usize) {
        if self.order.is_empty() {
            return;
        }
        let now_ms = self.millis(now);
        let wait_ms = wait.as_millis().min(u128::from(u64::MAX)) as u64;
        while let Some(front) = self.order.front() {
            if now_ms.saturating_sub(front.at_ms) < wait_ms && self.order.len() <= capacity.max(1) {
                break;
            }
            self.forget_oldest();
        }
        if self.order.is_empty() {
            // Give the memory back after a burst.
            self.order.shrink_to(64);
            self.index.shrink_to(64);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decision_taken_again_is_not_forgotten_with_the_old_one() {
        let mut d = Decisions::new();
        let now = Instant::now();
        let (a, b) = (TraceId::from(1), TraceId::from(2));
        d.insert(a, false, now, 2);
        d.insert(b, true, now, 2);
        // a is forgotten by capacity, then decided again.
        d.insert(TraceId::from(3), true, now, 2);
        assert_eq!(d.get(a), None);
        d.insert(a, true, now, 3);
        assert_eq!((d.get(a), d.get(b), d.len()), (Some(true), Some(true), 3));
        d.expire(now + Duration::from_secs(1), Duration::from_secs(1), 3);
        assert!(d.is_empty());
    }

    #[test]
    fn an_old_entry_of_a_trace_decided_twice_does_not_remove_the_new_one() {
        let mut d = Decisions::new();
        let now = Instant::now();
        let a = TraceId::from(1);
        d.insert(a, false, now, 10);
        d.insert(a, true, now + Duration::from_secs(5), 10);
        d.expire(now + Duration::from_secs(6), Duration::from_secs(3), 10);
        assert_eq!(d.get(a), Some(true));
    }
}
