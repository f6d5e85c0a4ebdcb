//! The seeded generator of the crate's unit tests (engine and walk), so that a failing random
//! text can be found again from its seed.

/// A linear congruential generator over `seed`: a number below `n` (`n > 0`).
pub(crate) fn below(seed: &mut u64, n: usize) -> usize {
    *seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    ((*seed >> 33) as usize) % n
}
