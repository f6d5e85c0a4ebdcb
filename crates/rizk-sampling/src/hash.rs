//! A keyed hasher for trace ids, cheaper than SipHash for the two 64-bit words of an id.
//!
//! Trace ids are random, but a remote caller chooses the ids it sends, so the hash is keyed
//! with per-map random seeds (from the standard library's `RandomState`): the same folded
//! multiply as `foldhash`, which gives minimal resistance to crafted collisions. It only ever
//! hashes whole words.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

/// Builds [`TraceHasher`]s with this map's seeds.
#[derive(Clone, Debug)]
pub(crate) struct TraceHashing {
    seed: u64,
    multiplier: u64,
}

impl Default for TraceHashing {
    fn default() -> Self {
        let random = RandomState::new();
        TraceHashing {
            seed: random.hash_one(0x243F_6A88_85A3_08D3_u64),
            // Odd, so that the multiply loses nothing.
            multiplier: random.hash_one(0x1319_8A2E_0370_7344_u64) | 1,
        }
    }
}

impl BuildHasher for TraceHashing {
    type Hasher = TraceHasher;

    fn build_hasher(&self) -> TraceHasher {
        TraceHasher {
            state: self.seed,
            multiplier: self.multiplier,
        }
    }
}

/// Folds each 64-bit word into the state with a full 64x64 → 128-bit multiply.
pub(crate) struct TraceHasher {
    state: u64,
    multiplier: u64,
}

fn folded_multiply(a: u64, b: u64) -> u64 {
    let product = u128::from(a) * u128::from(b);
    (product as u64) ^ ((product >> 64) as u64)
}

impl Hasher for TraceHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    #[inline]
    fn write_u64(&mut self, word: u64) {
        self.state = folded_multiply(self.state ^ word, self.multiplier);
    }

    #[inline]
    fn write_u128(&mut self, word: u128) {
        self.write_u64(word as u64);
        self.write_u64((word >> 64) as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.state
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequential_ids_spread_over_the_table() {
        let hashing = TraceHashing::default();
        let mut buckets = [0u32; 64];
        let mut tags = std::collections::HashSet::new();
        for n in 0..64_000u128 {
            let h = hashing.hash_one(n);
            buckets[(h % 64) as usize] += 1;
            tags.insert(h >> 57);
        }
        // 1,000 per bucket expected; every high 7-bit tag (hashbrown's control byte) is used.
        assert!(
            buckets.iter().all(|&b| (800..=1200).contains(&b)),
            "{buckets:?}"
        );
        assert_eq!(tags.len(), 128);
    }
}
