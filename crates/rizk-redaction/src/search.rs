//! The search core: one forward lazy DFA over every pattern, and one small reverse lazy DFA per
//! pattern to find where a match starts.
//!
//! Before that search, [`Searcher::window_scan`] walks the text once with a third lazy DFA (the
//! same patterns, loosened, every match end reported; see [`walk`]) to find the
//! few windows where anything can match; the search then only runs inside them, and needs no
//! forward search at all in a window with a few match ends (walking back from each gives every
//! start). The text goes block by block, so that a block's windows are searched while its text
//! is still in the CPU's caches.
//!
//! Why not `meta::Regex` alone: its reverse search (to find a match's start) runs one reverse
//! DFA over *all* patterns, which keeps scanning backwards while any pattern could still match.
//! With an unbounded pattern such as a PEM body, every match re-scanned the whole gap since the
//! previous match, which halved throughput. A reverse DFA per pattern stops as soon as the
//! matched pattern itself is done. `meta::Regex` is still built, lazily, as the fallback for the
//! case the lazy DFAs cannot handle (Unicode word boundaries on non-ASCII text).

use std::ops::Range;
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::sync::OnceLock;

use regex_automata::hybrid::LazyStateID;
use regex_automata::hybrid::dfa::{Cache, DFA};
use regex_automata::nfa::thompson::{self, NFA, WhichCaptures};
use regex_automata::util::pool::{Pool, PoolGuard};
use regex_automata::{Anchored, Input, MatchKind, PatternID, meta};
use regex_syntax::hir::Hir;

use crate::density::{Density, Thresholds};
use crate::walk;

/// Upper bound of each lazy DFA's transition cache (per thread using the redactor at once).
/// Memory is only taken as states are built: a few MB for the built-ins, more with thousands of
/// keywords, where a small cache would be cleared over and over.
const CACHE_CAPACITY: usize = 64 << 20;

// The sizes below are far smaller in the crate's unit tests and under cargo-fuzz, so that short
// random texts cross every boundary (parts, blocks, margins) many times.

/// The text is walked and searched in blocks of this many bytes: small enough that a block's
/// text is still in the CPU's caches when its windows are searched (whole 20 MB texts at
/// once ran about 15% slower).
const BLOCK: usize = if cfg!(any(test, fuzzing)) {
    256
} else {
    512 << 10
};

/// Windows ending this far before the end of the walked text are handed out: a match that
/// reaches further back than this sends the whole text to the plain search.
const SETTLED_MARGIN: usize = if cfg!(any(test, fuzzing)) {
    64
} else {
    64 << 10
};

#[cfg(test)]
pub(crate) const SETTLED_MARGIN_FOR_TESTS: usize = SETTLED_MARGIN;

/// Windows up to this long with more than `MANY_ENDS` match ends are searched; the others get
/// their candidates from walks back (see [`Searcher::window_starts`]).
const SHORT_WINDOW: usize = if cfg!(any(test, fuzzing)) { 24 } else { 256 };

/// See `SHORT_WINDOW` (4: measured faster than 1 on the benchmark corpus, whose `1.2.3.4.5`
/// look-alikes end two IPv4 candidates).
const MANY_ENDS: usize = 4;

/// The first block of a scan is this short, so that a dense text is found dense (and searched
/// at once instead, see `Density`) after little of it is walked. It is shorter than
/// `SETTLED_MARGIN`: no window of a longer text is handed out before the second block.
const FIRST_BLOCK: usize = if cfg!(any(test, fuzzing)) {
    32
} else {
    16 << 10
};

/// Per-thread search state.
pub(crate) struct Caches {
    fwd: Cache,
    all: Cache,
    revs: Vec<Option<Cache>>,
    /// What the scans of this thread met (see [`Density`]).
    pub(crate) density: Density,
    /// The buffers of the last [`WindowScan`], for the next one.
    scan: ScanBuffers,
    /// Buffers of [`Redactor::scan_windows`](crate::engine), kept likewise.
    pub(crate) windows: Vec<Window>,
    pub(crate) starts: Vec<(usize, usize)>,
    pub(crate) found: Vec<(usize, usize, usize)>,
}

/// A [`WindowScan`]'s buffers, kept for the next scan of the thread: growing them anew for
/// every 1 KB attribute cost about a sixth of the window scan on text full of matches.
#[derive(Default)]
struct ScanBuffers {
    pending: Vec<Window>,
    walked: Vec<BackWalk>,
    ends: Vec<(usize, LazyStateID)>,
}

/// The state of [`Searcher::next_windows`] between blocks.
pub(crate) struct WindowScan {
    span: Range<usize>,
    /// Where the next block starts.
    at: usize,
    /// The walk's state at `at` (`None` before the first block).
    carry: Option<LazyStateID>,
    /// Windows that may still grow with the next block's matches.
    pending: Vec<Window>,
    /// The end of the last window handed out.
    handed_out: usize,
    walked: Vec<BackWalk>,
    budget: usize,
    /// The match ends of the windows pending or last handed out, with the `all` DFA's match
    /// state there.
    ends: Vec<(usize, LazyStateID)>,
    /// Every match end the walk found so far.
    ends_seen: usize,
}

impl WindowScan {
    /// The bytes walked so far and the match ends the walk found in them.
    pub(crate) fn walked(&self) -> (usize, usize) {
        (self.at - self.span.start, self.ends_seen)
    }

    /// Gives the scan's buffers back to `caches`, for the next scan (not those a huge text
    /// grew, which would stay taken while the thread lives).
    pub(crate) fn recycle(self, caches: &mut Caches) {
        let walks_back: usize = self
            .walked
            .iter()
            .map(|w| w.states.capacity() + w.spare.capacity())
            .sum();
        caches.scan = ScanBuffers {
            pending: kept(self.pending),
            walked: if walks_back > KEPT_BYTES / 16 {
                Vec::new()
            } else {
                self.walked
            },
            ends: kept(self.ends),
        };
    }
}

/// A buffer kept from text to text takes at most this many bytes.
const KEPT_BYTES: usize = 256 << 10;

/// `buffer`, or a new one when it takes more than `KEPT_BYTES`.
pub(crate) fn kept<T>(buffer: Vec<T>) -> Vec<T> {
    if buffer.capacity().saturating_mul(size_of::<T>()) > KEPT_BYTES {
        Vec::new()
    } else {
        buffer
    }
}

/// The last step of a walk back that reached `start`: over the byte before it (look-around
/// only), or past the start of the text. `Err` when the lazy DFA gives up.
fn past_start(
    rev: &DFA,
    cache: &mut Cache,
    haystack: &[u8],
    start: usize,
    state: LazyStateID,
) -> Result<LazyStateID, ()> {
    let state = match start.checked_sub(1) {
        Some(before) => rev.next_state(cache, state, haystack[before]),
        None => rev.next_eoi_state(cache, state),
    }
    .map_err(|_| ())?;
    if state.is_quit() {
        return Err(());
    }
    Ok(state)
}

/// One walk back of a reverse DFA (see [`Searcher::leftmost_start_after`]).
#[derive(Default)]
struct BackWalk {
    /// The cache's clear count during the walk (states of another count are meaningless).
    clears: usize,
    /// The start of the span walked.
    from: usize,
    /// `(position, state there)`, positions decreasing.
    states: Vec<(usize, LazyStateID)>,
    leftmost: Option<usize>,
    /// A buffer for the next walk's states.
    spare: Vec<(usize, LazyStateID)>,
}

/// Where the search loop over a window gets its candidates.
pub(crate) enum Source<'a> {
    /// From the forward search.
    Search,
    /// `starts`: the `(start, pattern)` of every match in the window, sorted; `end`: where
    /// they all end, when they all end at one place.
    Known {
        end: Option<usize>,
        starts: &'a [(usize, usize)],
    },
}

impl Source<'_> {
    /// What a leftmost-first search of `text[at..until]` finds: `(start, end, pattern)`.
    pub(crate) fn next(
        &self,
        searcher: &Searcher,
        caches: &mut Caches,
        text: &str,
        at: usize,
        until: usize,
    ) -> Option<(usize, usize, usize)> {
        match self {
            Source::Search => searcher.find(caches, text, at, until),
            Source::Known { end, starts } => {
                // The leftmost start, the first pattern there; it ends where its own
                // (anchored) leftmost-first search ends.
                let first = starts.partition_point(|&(start, _)| start < at);
                starts.get(first..)?.iter().find_map(|&(start, pid)| {
                    let end = end.or_else(|| searcher.find_at(caches, text, start, until, pid))?;
                    Some((start, end, pid))
                })
            }
        }
    }

    /// The end of pattern `pid`'s match starting exactly at `at`, if any.
    pub(crate) fn at(
        &self,
        searcher: &Searcher,
        caches: &mut Caches,
        text: &str,
        (at, until): (usize, usize),
        pid: usize,
    ) -> Option<usize> {
        match self {
            Source::Search => searcher.find_at(caches, text, at, until, pid),
            Source::Known { end, starts } => {
                starts.binary_search(&(at, pid)).ok()?;
                end.or_else(|| searcher.find_at(caches, text, at, until, pid))
            }
        }
    }
}

/// A part of the text where matches can be: every match lies inside one window, and only the
/// patterns in `patterns` match anywhere in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Window {
    pub(crate) span: Range<usize>,
    pub(crate) patterns: PatternMask,
    /// The window's match ends, as indexes into [`WindowScan`]'s ends.
    ends: Range<usize>,
}

/// A set of pattern indexes; pattern 63 stands for itself and every later one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PatternMask(u64);

impl PatternMask {
    /// Every pattern.
    pub(crate) const ALL: PatternMask = PatternMask(u64::MAX);

    fn bit(pid: usize) -> u64 {
        1 << pid.min(63)
    }

    fn insert(&mut self, pid: usize) {
        self.0 |= Self::bit(pid);
    }

    pub(crate) fn contains(self, pid: usize) -> bool {
        self.0 & Self::bit(pid) != 0
    }
}

type CacheFn = Box<dyn Fn() -> Caches + Send + Sync + UnwindSafe + RefUnwindSafe>;

/// Why the core could not be built.
pub(crate) enum BuildError {
    /// The automaton exceeds this many bytes.
    TooLarge(usize),
    /// Anything else, as text.
    Other(String),
}

pub(crate) struct Searcher {
    fwd: DFA,
    /// Every pattern, loosened (see [`walk::loosened`]), `MatchKind::All`: reports each position where
    /// a match of some pattern may end.
    all: DFA,
    /// The longest match of each pattern in bytes, when bounded.
    max_lens: Vec<Option<usize>>,
    /// The run each pattern ends with, when the walk cut it off (see
    /// [`walk::loosened`]): its matches end where that run ends.
    runs: Vec<Option<walk::TrailingRun>>,
    revs: Vec<DFA>,
    hirs: Vec<Hir>,
    nfa_limit: usize,
    fallback: OnceLock<Option<meta::Regex>>,
    pool: Pool<Caches, CacheFn>,
}

impl std::fmt::Debug for Searcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Searcher")
            .field("patterns", &self.revs.len())
            .finish_non_exhaustive()
    }
}

fn build_error(e: &thompson::BuildError) -> BuildError {
    match e.size_limit() {
        Some(limit) => BuildError::TooLarge(limit),
        None => BuildError::Other(e.to_string()),
    }
}

fn dfa_config(kind: MatchKind) -> regex_automata::hybrid::dfa::Config {
    DFA::config()
        .match_kind(kind)
        // Lets patterns with Unicode \b compile; the DFA quits on non-ASCII text and the
        // search goes to the fallback.
        .unicode_word_boundary(true)
        .cache_capacity(CACHE_CAPACITY)
}

impl Searcher {
    pub(crate) fn new(hirs: Vec<Hir>, nfa_limit: usize) -> Result<Searcher, BuildError> {
        let nfa_config = |reverse: bool| {
            thompson::Config::new()
                .reverse(reverse)
                .which_captures(WhichCaptures::None)
                .nfa_size_limit(Some(nfa_limit))
        };
        let fwd_nfa: NFA = thompson::Compiler::new()
            .configure(nfa_config(false))
            .build_many_from_hir(&hirs)
            .map_err(|e| build_error(&e))?;
        let (widened, runs): (Vec<Hir>, Vec<_>) = hirs.iter().map(walk::loosened).unzip();
        let all_nfa: NFA = thompson::Compiler::new()
            .configure(nfa_config(false))
            .build_many_from_hir(&widened)
            .map_err(|e| build_error(&e))?;
        let all = DFA::builder()
            .configure(dfa_config(MatchKind::All))
            .build_from_nfa(all_nfa)
            .map_err(|e| BuildError::Other(e.to_string()))?;
        let max_lens = hirs.iter().map(|h| h.properties().maximum_len()).collect();
        let fwd = DFA::builder()
            .configure(dfa_config(MatchKind::LeftmostFirst).starts_for_each_pattern(true))
            .build_from_nfa(fwd_nfa)
            .map_err(|e| BuildError::Other(e.to_string()))?;
        let mut revs = Vec::with_capacity(hirs.len());
        for hir in &hirs {
            let nfa = thompson::Compiler::new()
                .configure(nfa_config(true))
                .build_from_hir(hir)
                .map_err(|e| build_error(&e))?;
            // MatchKind::All: the reverse search goes as far back as this pattern allows,
            // which is the leftmost start (what the forward leftmost-first search chose).
            let rev = DFA::builder()
                .configure(dfa_config(MatchKind::All))
                .build_from_nfa(nfa)
                .map_err(|e| BuildError::Other(e.to_string()))?;
            revs.push(rev);
        }
        let (f, a, n) = (fwd.clone(), all.clone(), revs.len());
        let thresholds = Thresholds::for_automaton(fwd.get_nfa().states().len());
        let create: CacheFn = Box::new(move || Caches {
            fwd: f.create_cache(),
            all: a.create_cache(),
            revs: (0..n).map(|_| None).collect(),
            density: Density::new(thresholds),
            scan: ScanBuffers::default(),
            windows: Vec::new(),
            starts: Vec::new(),
            found: Vec::new(),
        });
        Ok(Searcher {
            fwd,
            all,
            max_lens,
            runs,
            revs,
            hirs,
            nfa_limit,
            fallback: OnceLock::new(),
            pool: Pool::new(create),
        })
    }

    /// The search state of this thread (taken from a pool; returned on drop).
    pub(crate) fn caches(&self) -> PoolGuard<'_, Caches, CacheFn> {
        self.pool.get()
    }

    /// The leftmost-first match in `text[at..until]` (look-around sees the whole text):
    /// `(start, end, pattern)`.
    pub(crate) fn find(
        &self,
        caches: &mut Caches,
        text: &str,
        at: usize,
        until: usize,
    ) -> Option<(usize, usize, usize)> {
        let input = Input::new(text).span(at..until);
        match self.find_dfa(caches, &input) {
            Ok(found) => found,
            Err(()) => {
                let m = self.fallback()?.search(&input)?;
                Some((m.start(), m.end(), m.pattern().as_usize()))
            }
        }
    }

    fn find_dfa(
        &self,
        caches: &mut Caches,
        input: &Input<'_>,
    ) -> Result<Option<(usize, usize, usize)>, ()> {
        let Some(end) = self
            .fwd
            .try_search_fwd(&mut caches.fwd, input)
            .map_err(|_| ())?
        else {
            return Ok(None);
        };
        let pid = end.pattern().as_usize();
        let start = self
            .leftmost_start(caches, input.haystack(), pid, input.start()..end.offset())?
            .ok_or(())?;
        Ok(Some((start, end.offset(), pid)))
    }

    /// Pattern `pid`'s reverse DFA and this thread's cache for it.
    fn rev<'c>(&self, caches: &'c mut Caches, pid: usize) -> Option<(&DFA, &'c mut Cache)> {
        let rev = self.revs.get(pid)?;
        let cache = caches
            .revs
            .get_mut(pid)?
            .get_or_insert_with(|| rev.create_cache());
        Some((rev, cache))
    }

    /// The leftmost start in `span` of a match of pattern `pid` that ends at `span.end`
    /// (`Err` when the lazy DFA gives up).
    fn leftmost_start(
        &self,
        caches: &mut Caches,
        haystack: &[u8],
        pid: usize,
        span: Range<usize>,
    ) -> Result<Option<usize>, ()> {
        let (rev, cache) = self.rev(caches, pid).ok_or(())?;
        let back = Input::new(haystack).span(span).anchored(Anchored::Yes);
        let found = rev.try_search_rev(cache, &back).map_err(|_| ())?;
        Ok(found.map(|m| m.offset()))
    }

    /// [`leftmost_start`](Self::leftmost_start) for the ends of one pattern in increasing order:
    /// `walked[pid]` keeps the previous walk back of `pid`, and a walk that reaches the state
    /// that walk had at the same position takes its result from there. Consecutive ends of one
    /// long match (a token ends a match at every character) then cost a few steps each
    /// instead of the whole match again.
    fn leftmost_start_after(
        &self,
        caches: &mut Caches,
        haystack: &[u8],
        pid: usize,
        span: Range<usize>,
        walked: &mut Vec<BackWalk>,
    ) -> Result<Option<usize>, ()> {
        let (rev, cache) = self.rev(caches, pid).ok_or(())?;
        if walked.len() <= pid {
            walked.resize_with(pid + 1, BackWalk::default);
        }
        let mut previous = std::mem::take(&mut walked[pid]);
        let clears = cache.clear_count();
        let usable = previous.clears == clears && previous.from == span.start;
        // The states of the walk before the previous one are reused as this walk's buffer.
        let mut states = std::mem::take(&mut previous.spare);
        states.clear();
        let mut walk = BackWalk {
            clears,
            from: span.start,
            states,
            ..BackWalk::default()
        };
        let input = Input::new(haystack)
            .span(span.clone())
            .anchored(Anchored::Yes);
        let mut state = rev.start_state_reverse(cache, &input).map_err(|_| ())?;
        let mut seen = previous.states.iter().peekable();
        for at in span.clone().rev() {
            // `state` is the state at `at + 1`, before the byte at `at`.
            while seen.next_if(|&&(p, _)| p > at + 1).is_some() {}
            if usable
                && seen
                    .peek()
                    .is_some_and(|&&(p, s)| p == at + 1 && s == state)
            {
                // From here on this walk is the previous one.
                if let Some(start) = previous.leftmost.filter(|&s| s <= at + 1) {
                    walk.leftmost = Some(start);
                }
                walk.states.extend(seen.copied());
                walk.spare = previous.states;
                let found = walk.leftmost;
                walked[pid] = walk;
                return Ok(found);
            }
            walk.states.push((at + 1, state));
            state = rev.next_state(cache, state, haystack[at]).map_err(|_| ())?;
            if state.is_match() {
                walk.leftmost = Some(at + 1);
            } else if state.is_dead() {
                walk.spare = previous.states;
                let found = walk.leftmost;
                walked[pid] = walk;
                return Ok(found);
            } else if state.is_quit() {
                return Err(());
            }
        }
        if past_start(rev, cache, haystack, span.start, state)?.is_match() {
            walk.leftmost = Some(span.start);
        }
        if cache.clear_count() != clears {
            walk.clears = usize::MAX;
        }
        walk.spare = previous.states;
        let found = walk.leftmost;
        walked[pid] = walk;
        Ok(found)
    }

    /// Fills `starts` with every `(start, pattern)` of a match in `window`, sorted, from walks
    /// back from each of its match ends: the search loop then needs no unanchored search
    /// (see [`Source::Known`]). Returns the window's end when it is the only match end (then
    /// every match ends there). `Err`: search the window instead, because it is short and has
    /// several ends, walking back would cost too much (a long PEM body ends a match at every
    /// byte), or the lazy DFA gave up.
    pub(crate) fn window_starts(
        &self,
        caches: &mut Caches,
        text: &str,
        (scan, window): (&WindowScan, &Window),
        starts: &mut Vec<(usize, usize)>,
    ) -> Result<Option<usize>, ()> {
        starts.clear();
        let ends = scan.ends.get(window.ends.clone()).ok_or(())?;
        // A short window with many ends (a token ends a match at every character) is cheaper
        // to search than to walk back from every end; in a long one (a chain of near-misses)
        // each search could scan the rest of it.
        if ends.len() > MANY_ENDS && window.span.len() <= SHORT_WINDOW {
            return Err(());
        }
        let mut steps = window.span.len().saturating_mul(32).saturating_add(4096);
        // A pattern whose run the walk cut off ends past the walk's end (see `runs`).
        let mut past_end = false;
        for &(end, state) in ends {
            for i in 0..self.all.match_len(&caches.all, state) {
                let pid = self.all.match_pattern(&caches.all, state, i).as_usize();
                past_end |= self.runs.get(pid).is_some_and(Option::is_some);
                let span = window.span.start..end;
                self.starts_of(caches, text.as_bytes(), pid, span, starts, &mut steps)?;
            }
        }
        starts.sort_unstable();
        starts.dedup();
        Ok(match ends {
            [(end, _)] if !past_end => Some(*end),
            _ => None,
        })
    }

    /// Appends `(start, pid)` for every start in `span` of a match of pattern `pid` that ends at
    /// `span.end`: the reverse search of the lazy DFA, keeping every match instead of the last.
    /// Each byte walked takes one of `steps`; `Err` when they run out.
    fn starts_of(
        &self,
        caches: &mut Caches,
        haystack: &[u8],
        pid: usize,
        span: Range<usize>,
        starts: &mut Vec<(usize, usize)>,
        steps: &mut usize,
    ) -> Result<(), ()> {
        let (rev, cache) = self.rev(caches, pid).ok_or(())?;
        let input = Input::new(haystack)
            .span(span.clone())
            .anchored(Anchored::Yes);
        let mut state = rev.start_state_reverse(cache, &input).map_err(|_| ())?;
        // A match state is seen one byte late: after the byte before the match's start.
        for at in span.clone().rev() {
            *steps = steps.checked_sub(1).ok_or(())?;
            state = rev.next_state(cache, state, haystack[at]).map_err(|_| ())?;
            if state.is_match() {
                starts.push((at + 1, pid));
            } else if state.is_dead() {
                return Ok(());
            } else if state.is_quit() {
                return Err(());
            }
        }
        if past_start(rev, cache, haystack, span.start, state)?.is_match() {
            starts.push((span.start, pid));
        }
        Ok(())
    }

    /// The match ends of one walk over the whole of `text` (see
    /// [`Redactor::first_pass`](crate::Redactor::first_pass)).
    pub(crate) fn first_pass(&self, caches: &mut Caches, text: &str) -> Option<usize> {
        let block = walk::Block {
            span: 0..text.len(),
            carry: None,
            last: true,
        };
        let (ends, _) = walk::match_ends(&self.all, &mut caches.all, text, block)?;
        Some(ends.len())
    }

    /// Starts finding the windows of `text[span]` (look-around sees the whole text): the
    /// parts outside of which nothing matches. [`next_windows`](Self::next_windows) hands
    /// them out block by block, so that each is searched while its text is still in the
    /// CPU's caches. Searching each window from its start finds exactly what searching the
    /// whole span finds: a match starting in a window ends in it, and no match starts outside.
    pub(crate) fn window_scan(&self, span: Range<usize>, caches: &mut Caches) -> WindowScan {
        let ScanBuffers {
            mut pending,
            mut walked,
            mut ends,
        } = std::mem::take(&mut caches.scan);
        pending.clear();
        ends.clear();
        for walk in &mut walked {
            // A walk back of another text: never to be taken up (see `leftmost_start_after`).
            walk.clears = usize::MAX;
        }
        WindowScan {
            // Walking back to the start of an unbounded pattern's match costs the match's
            // length; past this much (a long PEM body ends a match at every byte) the plain
            // search is cheaper.
            budget: span.len().saturating_mul(4).saturating_add(4096),
            at: span.start,
            span,
            carry: None,
            pending,
            handed_out: 0,
            walked,
            ends,
            ends_seen: 0,
        }
    }

    /// Adds to `out` the next windows (sorted, disjoint, after those handed out before) and
    /// returns whether more may come; `None` when the lazy DFA gives up (non-ASCII text with a
    /// Unicode word boundary, a cache that keeps overflowing), matches are so dense that
    /// searching the whole span is cheaper, or a match reaches back into windows already
    /// handed out: then search the whole span instead.
    pub(crate) fn next_windows(
        &self,
        scan: &mut WindowScan,
        caches: &mut Caches,
        text: &str,
        out: &mut Vec<Window>,
    ) -> Option<bool> {
        // The ends of the windows handed out before are no longer needed.
        let keep = scan
            .pending
            .first()
            .map_or(scan.ends.len(), |w| w.ends.start);
        scan.ends.drain(..keep);
        for window in &mut scan.pending {
            window.ends = window.ends.start - keep..window.ends.end - keep;
        }
        let lo = scan.span.start;
        let size = if scan.at == scan.span.start {
            FIRST_BLOCK
        } else {
            BLOCK
        };
        let block_end = scan.at.saturating_add(size).min(scan.span.end);
        let last = block_end == scan.span.end;
        let block = walk::Block {
            span: scan.at..block_end,
            carry: scan.carry,
            last,
        };
        let (ends, carry) = walk::match_ends(&self.all, &mut caches.all, text, block)?;
        scan.at = block_end;
        scan.carry = Some(carry);
        scan.ends_seen += ends.len();
        for (end, state) in ends {
            scan.ends.push((end, state));
            let index = scan.ends.len() - 1;
            let mut window = Window {
                span: end..end,
                patterns: PatternMask(0),
                ends: index..index + 1,
            };
            for i in 0..self.all.match_len(&caches.all, state) {
                let pid = self.all.match_pattern(&caches.all, state, i).as_usize();
                // A bounded pattern starts at most its longest match before the end; only
                // unbounded ones are walked back.
                let start = match self.max_lens.get(pid).copied().flatten() {
                    Some(len) => end.saturating_sub(len).max(lo),
                    None => {
                        let span = lo..end;
                        let walked = &mut scan.walked;
                        let start = match self.leftmost_start_after(
                            caches,
                            text.as_bytes(),
                            pid,
                            span,
                            walked,
                        ) {
                            Ok(Some(start)) => start,
                            Ok(None) => continue, // the widened pattern matched, the real one not
                            Err(()) => return None,
                        };
                        scan.budget = scan.budget.checked_sub(end - start)?;
                        start
                    }
                };
                window.span.start = window.span.start.min(start);
                if let Some(run) = self.runs.get(pid).copied().flatten() {
                    let until = run.end(text.as_bytes(), end, scan.span.end);
                    window.span.end = window.span.end.max(until);
                }
                window.patterns.insert(pid);
            }
            if window.span.is_empty() {
                continue; // only empty matches, which are never redacted
            }
            // Intervals that only touch stay apart: the matches of one end where the other's
            // start.
            while let Some(last) = scan.pending.last() {
                if window.span.start >= last.span.end {
                    break;
                }
                let last = scan.pending.pop()?;
                window.span.start = window.span.start.min(last.span.start);
                window.span.end = window.span.end.max(last.span.end);
                window.patterns.0 |= last.patterns.0;
                window.ends.start = last.ends.start;
            }
            if window.span.start < scan.handed_out {
                return None;
            }
            scan.pending.push(window);
        }
        // A window well before the block's end no longer grows (short of a match longer than
        // the margin, which the check above catches).
        let settled = if last {
            scan.pending.len()
        } else {
            let frontier = block_end.saturating_sub(SETTLED_MARGIN);
            scan.pending
                .iter()
                .take_while(|w| w.span.end <= frontier)
                .count()
        };
        out.extend(scan.pending.drain(..settled));
        if let Some(window) = out.last() {
            scan.handed_out = window.span.end;
        }
        Some(!last)
    }

    /// The end (at most `until`) of pattern `pid`'s match starting exactly at `at`, if any.
    pub(crate) fn find_at(
        &self,
        caches: &mut Caches,
        text: &str,
        at: usize,
        until: usize,
        pid: usize,
    ) -> Option<usize> {
        let id = PatternID::new(pid).ok()?;
        let input = Input::new(text)
            .span(at..until)
            .anchored(Anchored::Pattern(id));
        match self.fwd.try_search_fwd(&mut caches.fwd, &input) {
            Ok(found) => found.map(|hm| hm.offset()),
            Err(_) => self.fallback()?.search(&input).map(|m| m.end()),
        }
    }

    /// `meta::Regex` over the same patterns, built on first use.
    fn fallback(&self) -> Option<&meta::Regex> {
        self.fallback
            .get_or_init(|| {
                meta::Builder::new()
                    .configure(
                        meta::Config::new()
                            .match_kind(MatchKind::LeftmostFirst)
                            .which_captures(WhichCaptures::Implicit)
                            .nfa_size_limit(Some(self.nfa_limit)),
                    )
                    .build_many_from_hir(&self.hirs)
                    .ok()
            })
            .as_ref()
    }
}
