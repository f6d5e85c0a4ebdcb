//! The search core: one forward lazy DFA over every pattern, and one small reverse lazy DFA per
//! pattern to find where a match starts.
//!
//! Why not `meta::Regex` alone: its reverse search (to find a match's start) runs one reverse
//! DFA over *all* patterns, which keeps scanning backwards while any pattern could still match.
//! With an unbounded pattern such as a PEM body, every match re-scanned the whole gap since the
//! previous match, which halved throughput. A reverse DFA per pattern stops as soon as the
//! matched pattern itself is done. `meta::Regex` is still built, lazily, as the fallback for the
//! case the lazy DFAs cannot handle (Unicode word boundaries on non-ASCII text).

use std::panic::{RefUnwindSafe, UnwindSafe};
use std::sync::OnceLock;

use regex_automata::hybrid::dfa::{Cache, DFA};
use regex_automata::nfa::thompson::{self, NFA, WhichCaptures};
use regex_automata::util::pool::{Pool, PoolGuard};
use regex_automata::{Anchored, Input, MatchKind, PatternID, meta};
use regex_syntax::hir::Hir;

/// Upper bound of each lazy DFA's transition cache (per thread using the redactor at once).
/// Memory is only taken as states are built: a few MB for the built-ins, more with thousands of
/// keywords, where a small cache would be cleared over and over.
const CACHE_CAPACITY: usize = 64 << 20;

/// Per-thread search state.
pub(crate) struct Caches {
    fwd: Cache,
    revs: Vec<Option<Cache>>,
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
        let (f, n) = (fwd.clone(), revs.len());
        let create: CacheFn = Box::new(move || Caches {
            fwd: f.create_cache(),
            revs: (0..n).map(|_| None).collect(),
        });
        Ok(Searcher {
            fwd,
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
        let rev = self.revs.get(pid).ok_or(())?;
        let cache = caches
            .revs
            .get_mut(pid)
            .ok_or(())?
            .get_or_insert_with(|| rev.create_cache());
        let back = input
            .clone()
            .span(input.start()..end.offset())
            .anchored(Anchored::Yes);
        let start = rev
            .try_search_rev(cache, &back)
            .map_err(|_| ())?
            .ok_or(())?;
        Ok(Some((start.offset(), end.offset(), pid)))
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
