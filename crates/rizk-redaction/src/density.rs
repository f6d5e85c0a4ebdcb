//! Window scan or one search: which search a thread's next text gets, from the density of what
//! its scans met, against thresholds that depend on the configuration (see [`Thresholds`]).

/// Window scan or one search: what the scans of one thread learnt of the density of the text
/// they meet. The window scan pays a walk over every byte, then work per match end of the walk
/// (a window, walks back); one search pays a forward search over every byte, restarted after
/// each candidate. The window scan wins while match ends are few (2 to 2.5x on text without
/// PII), one search once they are dense.
///
/// The measure is the walk's match ends per KB, averaged over the last texts or chunks (a 1 KB
/// attribute holds too few to tell alone). A text searched at once has no walk: there the
/// candidates the search loop meets stand for the ends, times the ends per candidate seen in
/// the last window scans (the loop in a window meets the candidates one search meets there;
/// about 2.2 ends each on the benchmark's corpora). A long text is also judged by its first
/// block's walk, before any window is searched.
#[derive(Debug)]
pub(crate) struct Density {
    /// Where one search takes over, for this configuration.
    pub(crate) thresholds: Thresholds,
    /// Whether the next text (or chunk) is searched at once.
    pub(crate) dense: bool,
    /// Match ends per KB, averaged over about the last `HORIZON` bytes scanned.
    rate: f64,
    /// Match ends per candidate, averaged likewise over the window scans.
    ends_per_candidate: f64,
    /// Candidates the search loop has met, a running count (see `Redactor::scan_span`).
    pub(crate) candidates: usize,
    /// Bytes searched at once, and bytes of windows searched, since the caches were made: for
    /// the unit tests that pin which search a density gets.
    pub(crate) searched_at_once: usize,
    pub(crate) searched_in_windows: usize,
}

impl Density {
    /// Nothing learnt yet: the first text goes to the window scan.
    pub(crate) fn new(thresholds: Thresholds) -> Density {
        Density {
            thresholds,
            dense: false,
            rate: 0.0,
            // Until a window scan tells: about the benchmark corpora's 2.2.
            ends_per_candidate: 2.2,
            candidates: 0,
            searched_at_once: 0,
            searched_in_windows: 0,
        }
    }
}

/// About how many of the last bytes scanned the averages cover.
const HORIZON: f64 = if cfg!(any(test, fuzzing)) {
    64.0
} else {
    16384.0
};

/// Texts up to this long go to one search from a lower density than longer ones (see
/// [`Thresholds`]).
const SHORT_TEXT: usize = 64 << 10;

/// Match ends per KB from which a text is searched at once, for short texts (up to
/// `SHORT_TEXT`) and long ones, and under which it goes back to windows (lower, so that a text
/// near the threshold does not flip at every chunk).
///
/// Where the two searches meet depends on the size of the automaton one search runs: keywords
/// make it large, and one search over a large one misses the CPU's caches at every byte,
/// where the walk, six walks interleaved, hides that latency. Measured with `cargo xtask
/// redaction-ab` (a build that always scans windows against one that always searches at once;
/// docs/redaction.md), the window scan over one search on the density benchmark's two densest
/// corpora (about 4.6 and 10.3 match ends per KB), per 1 KB attribute: 1.10 and 0.76x with the
/// built-ins (1,365 NFA states), 1.08 and 0.85x with the spec's 3 patterns added (2,013), 1.27
/// and 0.98x with 100 keywords more (2,900), 1.39 and 1.09x with 300 (4,718), 1.52 and 1.16x
/// with 1,000 (11,158): the two cost the same at about 6, 6.5, 10, 12 and 14 ends per KB (the
/// last two extrapolated). Per 1 MB text the window scan gains more (the walk's set-up per
/// text weighs less): 0.82x at the densest with the built-ins, 1.02 to 1.28x with the others.
///
/// So the thresholds are `8 + 4 * log2(states / 2,000)` for short texts and
/// `10 + 8 * log2(states / 2,000)` for long ones, at least 8 and 10. They sit above the
/// crossover for the small automata: the average they are compared with moves from text to
/// text, and with 5 the default redactor sent enough of its 50% attributes (4.6 on average) to
/// one search to run them 12% slower than the window scan.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Thresholds {
    /// `(enter, leave)` for short texts.
    short: (f64, f64),
    /// `(enter, leave)` for long texts.
    long: (f64, f64),
}

impl Thresholds {
    /// The thresholds for a forward automaton of `nfa_states` states.
    pub(crate) fn for_automaton(nfa_states: usize) -> Thresholds {
        let size = (nfa_states as f64 / 2000.0).max(1.0);
        let cap = TOO_MANY_ENDS_PER_KB / 2.0;
        let short = (8.0 + 4.0 * size.log2()).min(cap);
        let long = (10.0 + 8.0 * size.log2()).min(cap);
        Thresholds {
            short: (short, 0.75 * short),
            long: (long, 0.75 * long),
        }
    }

    /// `(enter, leave)` for a text of `len` bytes.
    fn of(self, len: usize) -> (f64, f64) {
        if len > SHORT_TEXT {
            self.long
        } else {
            self.short
        }
    }
}

/// Candidates, and walk match ends, per KB from which text is too dense for one search: a
/// pattern that matches almost everywhere keeps the forward search going to far past each
/// candidate, and one search turns quadratic (a chain of phone numbers that each read as the
/// tail of a longer one: 64 candidates and 256 ends per KB, where one search took 0.85 s for
/// 128 KB and the window scan 2.6 ms). The densest benchmark corpus has 5 and 11.
const TOO_DENSE_PER_KB: f64 = 48.0;
const TOO_MANY_ENDS_PER_KB: f64 = 128.0;

impl Density {
    /// Adds a window scan over `bytes` that found `ends` match ends and met `candidates` to the
    /// averages, and decides whether the next text is searched at once (`len`: this one's).
    pub(crate) fn learn_walk(
        &mut self,
        len: usize,
        (bytes, ends, candidates): (usize, usize, usize),
    ) {
        if candidates > 0 {
            let ratio = ends as f64 / candidates as f64;
            let weight = bytes as f64 / (bytes as f64 + HORIZON);
            self.ends_per_candidate += (ratio - self.ends_per_candidate) * weight;
        }
        let too_dense = ends as f64 * 1024.0 >= TOO_MANY_ENDS_PER_KB * bytes as f64;
        self.learn(len, bytes, ends as f64, too_dense);
    }

    /// Adds one search over `bytes` that met `candidates` to the averages, and decides whether
    /// the rest of a `len`-byte text (or the next text) is searched at once.
    pub(crate) fn learn_search(&mut self, len: usize, (bytes, candidates): (usize, usize)) {
        let too_dense = candidates as f64 * 1024.0 >= TOO_DENSE_PER_KB * bytes as f64;
        let ends = candidates as f64 * self.ends_per_candidate;
        self.learn(len, bytes, ends, too_dense);
    }

    fn learn(&mut self, len: usize, bytes: usize, ends: f64, too_dense: bool) {
        if bytes > 0 {
            let bytes = bytes as f64;
            let sample = ends * 1024.0 / bytes;
            self.rate += (sample - self.rate) * bytes / (bytes + HORIZON);
        }
        let (enter, leave) = self.thresholds.of(len);
        let threshold = if self.dense { leave } else { enter };
        self.dense = !too_dense && self.rate >= threshold;
    }

    /// Whether the first block of a long `len`-byte text, where the walk found `ends` match
    /// ends in `bytes`, means searching that text at once.
    pub(crate) fn dense_walk(&self, len: usize, (bytes, ends): (usize, usize)) -> bool {
        let per_kb = ends as f64 * 1024.0 / bytes.max(1) as f64;
        len > SHORT_TEXT && (self.thresholds.long.0..TOO_MANY_ENDS_PER_KB).contains(&per_kb)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_grow_with_the_automaton() {
        // The configurations measured (NFA states of the forward automaton): the built-ins,
        // with the spec's 3 patterns, then 100, 300 and 1,000 keywords more.
        let enter = |states| Thresholds::for_automaton(states).short.0;
        assert_eq!(enter(1365), 8.0);
        assert!((8.0..8.5).contains(&enter(2013)), "{}", enter(2013));
        assert!((10.0..11.0).contains(&enter(2900)), "{}", enter(2900));
        assert!((12.0..14.0).contains(&enter(4718)), "{}", enter(4718));
        assert!((17.0..19.0).contains(&enter(11158)), "{}", enter(11158));
        // Long texts: 10 with the built-ins; the gap grows with the automaton.
        let long = |states| Thresholds::for_automaton(states).long.0;
        assert_eq!(long(1365), 10.0);
        assert!((27.0..31.0).contains(&long(11158)), "{}", long(11158));
        // Bounded: one search is never chosen where it turns quadratic.
        assert!(enter(usize::MAX) < TOO_MANY_ENDS_PER_KB);
        assert!(long(usize::MAX) < TOO_MANY_ENDS_PER_KB);
        let t = Thresholds::for_automaton(11158);
        assert!(t.short.1 < t.short.0 && t.long.1 < t.long.0 && t.long.0 > t.short.0);
    }

    #[test]
    fn the_configuration_moves_where_one_search_takes_over() {
        // 10 match ends per KB: one search with the built-ins alone, windows with 1,000
        // keywords.
        for (states, dense) in [(1365, true), (11158, false)] {
            let mut density = Density::new(Thresholds::for_automaton(states));
            for _ in 0..50 {
                density.learn_walk(1024, (1024, 10, 4));
            }
            assert_eq!(density.dense, dense, "{states} states");
        }
    }
}
