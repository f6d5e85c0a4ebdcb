//! The walk: one pass over the text with a lazy DFA over every pattern (loosened, every match
//! end reported) that marks where matches can end, for [`Searcher`](crate::search::Searcher)
//! to search only there.
//!
//! A DFA walk waits on each step's table load before it can take the next, so a single walk
//! runs at the memory latency. Here several walks over parts of the text advance together in
//! one loop, and the CPU overlaps their loads; at the end of its part each walk goes on until
//! it is in the state the next walk had at the same position (walked again from that walk's
//! start, alongside), from where the two see the same matches.

use std::ops::Range;

use regex_automata::Input;
use regex_automata::hybrid::LazyStateID;
use regex_automata::hybrid::dfa::{Cache, DFA};
use regex_syntax::hir::Hir;

// The sizes below are far smaller in the crate's unit tests and under cargo-fuzz, so that short
// random texts cross every boundary (parts, blocks, margins) many times.

/// Walks that run interleaved (see the module comment). Measured with `cargo xtask
/// redaction-ab` against four (two runs each, 40 rounds): six walked 1 MB texts 7 to 18%
/// faster without PII, and 5 to 7% faster at the densest with 1,000 keywords (within 2% with
/// fewer); 1 KB attributes 7 to 8% faster without PII with 1,000 keywords and within 4%
/// otherwise. Five gained less on long texts; eight leaves a 1 KB attribute to one walk (see
/// `MIN_WALK_BYTES`) and walked 1 MB texts 1 to 5% faster.
/// (Before the join stopped recording states, four was best.)
const WALKS: usize = 6;

/// Texts shorter than `WALKS` times this are walked once (a walk's set-up outweighs the gain).
const MIN_WALK_BYTES: usize = if cfg!(any(test, fuzzing)) { 16 } else { 128 };

/// How far into the next part a walk looks for the state the next walk had (walking that one
/// again alongside): past this it walks on to the end of the next part without looking, so
/// that a join costs at most this many steps more than the walk's own (a PEM body keeps two
/// walks apart for its whole length).
const MEET_WINDOW: usize = if cfg!(any(test, fuzzing)) { 8 } else { 256 };

/// One block of the walk.
pub(crate) struct Block {
    pub(crate) span: Range<usize>,
    /// The state the previous block ended in.
    pub(crate) carry: Option<LazyStateID>,
    /// Whether the block ends the span.
    pub(crate) last: bool,
}

/// Every position in `block` where a match of some pattern of `dfa` ends, with the (match)
/// state there, and the state at the block's end (to carry into the next block). The block is
/// cut in `WALKS` parts walked together; at the end of its part each walk goes on until it is
/// in the state the next walk was in at the same position, so matches across a cut are seen
/// and none twice. `None` when the lazy DFA gives up or its cache is cleared (state ids would
/// no longer compare), or when ends are too dense.
pub(crate) fn match_ends(
    dfa: &DFA,
    cache: &mut Cache,
    text: &str,
    block: Block,
) -> Option<(Vec<(usize, LazyStateID)>, LazyStateID)> {
    let walks = if block.span.len() >= WALKS * MIN_WALK_BYTES {
        WALKS
    } else {
        1
    };
    let mut walk = Walk::new(dfa, cache, text, block, walks)?;
    if walks == WALKS {
        walk.run::<WALKS>()?;
    } else {
        walk.run::<1>()?;
    }
    walk.join()
}

/// The interleaved walks of [`match_ends`].
struct Walk<'a> {
    dfa: &'a DFA,
    cache: &'a mut Cache,
    bytes: &'a [u8],
    /// The cache's clear count at the start: a clear invalidates every state id held.
    clears: usize,
    walks: usize,
    /// The span walked: `lo..hi`.
    lo: usize,
    hi: usize,
    /// Bytes per part; part `k` starts at `lo + k * part`, the last one ends at `hi`.
    part: usize,
    state: [LazyStateID; WALKS],
    /// Each walk's state at the start of its part: where [`join`](Self::join) walks it again
    /// from, to find where the walk before meets it.
    start: [LazyStateID; WALKS],
    ends: [Vec<(usize, LazyStateID)>; WALKS],
    /// A bound on the memory taken by ends (16 bytes each): a match end at every other byte
    /// (a PEM body ends a match at every byte) makes the plain search cheaper.
    max_ends: usize,
    /// Whether `hi` ends the text searched (else the last walk's state goes on to the next
    /// block).
    last_block: bool,
}

impl<'a> Walk<'a> {
    /// Walks `block`; the first walk starts in `carry` (the state the previous block ended
    /// in) when there is one.
    fn new(
        dfa: &'a DFA,
        cache: &'a mut Cache,
        text: &'a str,
        block: Block,
        walks: usize,
    ) -> Option<Walk<'a>> {
        let bytes = text.as_bytes();
        let (lo, hi) = (block.span.start, block.span.end.min(bytes.len()));
        let part = hi.checked_sub(lo)? / walks;
        let clears = cache.clear_count();
        let mut state = [LazyStateID::default(); WALKS];
        for (k, slot) in state.iter_mut().enumerate().take(walks) {
            *slot = match block.carry {
                Some(carried) if k == 0 => carried,
                _ => {
                    let input = Input::new(text).span(lo + k * part..hi);
                    dfa.start_state_forward(cache, &input).ok()?
                }
            };
        }
        let walk = Walk {
            dfa,
            cache,
            bytes,
            clears,
            lo,
            hi,
            walks,
            part,
            state,
            start: state,
            ends: Default::default(),
            max_ends: (hi - lo) / 2 + 256,
            last_block: block.last,
        };
        (walk.cache.clear_count() == clears).then_some(walk)
    }

    /// One step from any state (`None` when the DFA gives up or its cache was cleared).
    fn step(&mut self, state: LazyStateID, at: usize) -> Option<LazyStateID> {
        let next = self
            .dfa
            .next_state(self.cache, state, *self.bytes.get(at)?)
            .ok()?;
        (!next.is_quit() && self.cache.clear_count() == self.clears).then_some(next)
    }

    /// Steps walk `k` over the byte at `at`, recording a match end.
    fn step_walk(&mut self, k: usize, at: usize) -> Option<()> {
        let next = self.step(self.state[k], at)?;
        if next.is_match() {
            self.ends[k].push((at, next));
        }
        self.state[k] = next;
        Some(())
    }

    /// Every walk over its part, interleaved; then the last one to the end of the text. `N`
    /// is `self.walks`, as a constant so that the hot loop is unrolled.
    fn run<const N: usize>(&mut self) -> Option<()> {
        let part = self.part;
        let bytes = self.bytes;
        let lo = self.lo;
        let parts: [&[u8]; N] = std::array::from_fn(|k| &bytes[lo + k * part..][..part]);
        let mut state = [LazyStateID::default(); N];
        state.copy_from_slice(self.state.get(..N)?);
        let mut tagged = state.iter().any(|s| s.is_tagged());
        for i in 0..part {
            self.advance(&parts, &mut state, &mut tagged, i)?;
        }
        self.state[..N].copy_from_slice(&state);
        let last = N - 1;
        for at in lo + N * part..self.hi {
            self.step_walk(last, at)?;
        }
        self.end_of_span(last)
    }

    /// At the end of the block: records a match ending there, for the last block.
    fn end_of_span(&mut self, k: usize) -> Option<()> {
        if self.last_block {
            self.end_of_text(k)?;
        }
        Some(())
    }

    /// Every walk over byte `i` of its part. `tagged`: some walk is in a tagged state (a match).
    #[inline(always)]
    fn advance<const N: usize>(
        &mut self,
        parts: &[&[u8]; N],
        state: &mut [LazyStateID; N],
        tagged: &mut bool,
        i: usize,
    ) -> Option<()> {
        if !*tagged {
            // The hot path: every walk takes a known transition and none matches.
            let mut next = *state;
            let mut special = false;
            for k in 0..N {
                next[k] = self
                    .dfa
                    .next_state_untagged(self.cache, state[k], parts[k][i]);
                special |= next[k].is_tagged();
            }
            if !special {
                *state = next;
                return Some(());
            }
        }
        for k in 0..N {
            let current = state[k];
            if !current.is_tagged() {
                let next = self
                    .dfa
                    .next_state_untagged(self.cache, current, parts[k][i]);
                if !next.is_tagged() {
                    state[k] = next;
                    continue;
                }
            }
            self.state[k] = current;
            self.step_walk(k, self.lo + k * self.part + i)?;
            state[k] = self.state[k];
        }
        *tagged = state.iter().any(|s| s.is_tagged());
        (self.ends.iter().map(Vec::len).sum::<usize>() <= self.max_ends).then_some(())
    }

    /// Records a match that ends at the end of the span for walk `k`'s state there (the
    /// byte after the span, if any, is look-ahead only).
    fn end_of_text(&mut self, k: usize) -> Option<()> {
        let last = match self.bytes.get(self.hi) {
            None => self.dfa.next_eoi_state(self.cache, self.state[k]).ok()?,
            Some(&byte) => self.dfa.next_state(self.cache, self.state[k], byte).ok()?,
        };
        if last.is_match() {
            self.ends[k].push((self.hi, last));
        }
        (self.cache.clear_count() == self.clears).then_some(())
    }

    /// Joins the walks' match ends: walk `k` goes on past its part until its state equals the
    /// state a later walk had at the same position; from there on that walk's ends count.
    /// Also returns the state at the block's end.
    fn join(mut self) -> Option<(Vec<(usize, LazyStateID)>, LazyStateID)> {
        let last = self.walks - 1;
        let mut out = Vec::new();
        let mut k = 0;
        let mut from = 0;
        loop {
            let ends = std::mem::take(&mut self.ends[k]);
            out.extend(ends.into_iter().filter(|&(end, _)| end >= from));
            if k == last {
                return Some((out, self.state[k]));
            }
            let mut next = k + 1;
            let (lo, part) = (self.lo, self.part);
            let begin = |walk: usize| lo + walk * part;
            let mut at = begin(next);
            // Walk `next` again from its start: its state at `at`, while within MEET_WINDOW.
            let mut shadow = Some(self.start[next]);
            loop {
                if shadow == Some(self.state[k]) {
                    break;
                }
                if next < last && at == begin(next + 1) {
                    next += 1; // went through the whole of the next part: meet the one after
                    shadow = Some(self.start[next]);
                    continue;
                }
                if at == self.hi {
                    self.end_of_span(k)?;
                    let ends = std::mem::take(&mut self.ends[k]);
                    out.extend(ends.into_iter().filter(|&(end, _)| end >= from));
                    return Some((out, self.state[k]));
                }
                self.step_walk(k, at)?;
                shadow = match shadow {
                    Some(state) if at + 1 - begin(next) < MEET_WINDOW => {
                        Some(self.step(state, at)?)
                    }
                    _ => None,
                };
                at += 1;
                if self.ends[k].len() > self.max_ends {
                    return None;
                }
            }
            // Walk k's ends after its part, then walk `next` from the meeting point on.
            let ends = std::mem::take(&mut self.ends[k]);
            out.extend(ends.into_iter().filter(|&(end, _)| end >= from));
            from = at;
            k = next;
        }
    }
}

/// The pattern the walk uses for `hir`: [`without_leading_run`], then
/// [`without_trailing_run`], then [`widen`]; with the run cut off the end, if any.
pub(crate) fn loosened(hir: &Hir) -> (Hir, Option<TrailingRun>) {
    let hir = without_leading_run(hir);
    match without_trailing_run(&hir) {
        Some((cut, run)) => (widen(&cut), Some(run)),
        None => (widen(&hir), None),
    }
}

/// The bytes of a run that ends a pattern (see [`without_trailing_run`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TrailingRun([u64; 4]);

impl TrailingRun {
    fn contains(&self, byte: u8) -> bool {
        self.0[usize::from(byte >> 6)] & (1 << (byte & 63)) != 0
    }

    /// Where the run that goes on at `at` ends: the first byte at or after `at` (before
    /// `until`) that is not in it.
    pub(crate) fn end(&self, bytes: &[u8], at: usize, until: usize) -> usize {
        let until = until.min(bytes.len());
        let run = bytes.get(at..until).map_or(0, |rest| {
            rest.iter().take_while(|&&b| self.contains(b)).count()
        });
        at + run
    }
}

/// `hir` with its last element, a greedy unbounded run of ASCII characters (`C{m,}`), cut to
/// its first `m` (`\bsk-[A-Za-z0-9_\-]{20,}` becomes `\bsk-[A-Za-z0-9_\-]{20}`), and that run's
/// bytes; `None` when `hir` does not end so (or would then match the empty string).
///
/// A token would otherwise end a match of the walk at every character after its first `m`,
/// and each end costs a window and a walk back. Cut, the walk ends it once, at `e`; the real
/// match of each start there ends where the run that goes on at `e` ends (the repetition is
/// greedy and last, and the bytes from the prefix's end to `e` are already in the run), and
/// the window is widened to there. A match that starts at `s` is seen from the end its own
/// prefix gives (`s`'s leftmost-first prefix, then `m` bytes), so every window holding `s`
/// also holds that match's end once windows that share a byte are merged.
fn without_trailing_run(hir: &Hir) -> Option<(Hir, TrailingRun)> {
    use regex_syntax::hir::{Class, HirKind, Repetition};
    let HirKind::Concat(subs) = hir.kind() else {
        return None;
    };
    let (last, prefix) = subs.split_last()?;
    let HirKind::Repetition(rep) = last.kind() else {
        return None;
    };
    if rep.max.is_some() || !rep.greedy {
        return None;
    }
    let mut run = TrailingRun([0; 4]);
    let mut add = |lo: u32, hi: u32| -> Option<()> {
        if hi > 0x7F {
            return None; // a run of non-ASCII characters is not a run of bytes
        }
        for b in lo..=hi {
            run.0[(b >> 6) as usize] |= 1 << (b & 63);
        }
        Some(())
    };
    match rep.sub.kind() {
        HirKind::Class(Class::Unicode(class)) => {
            for r in class.ranges() {
                add(u32::from(r.start()), u32::from(r.end()))?;
            }
        }
        HirKind::Class(Class::Bytes(class)) => {
            for r in class.ranges() {
                add(u32::from(r.start()), u32::from(r.end()))?;
            }
        }
        _ => return None,
    }
    let first_m = Hir::repetition(Repetition {
        max: Some(rep.min),
        ..rep.clone()
    });
    let cut = Hir::concat(prefix.iter().cloned().chain([first_m]).collect());
    (cut.properties().minimum_len().unwrap_or(0) > 0).then_some((cut, run))
}

/// `hir` without a leading unbounded repetition (and the look-arounds before it), when what
/// follows cannot match the empty string: `[a-z0-9._%+-]+@example\.com` becomes
/// `@example\.com`. Every match of `hir` ends where a match of the rest ends, so the walk
/// finds the same ends; but the repetition no longer runs through every word of the text,
/// where it multiplied the walk DFA's states with those of the keywords (an email's local part
/// matches any word). The start is then found by walking back with the real pattern.
fn without_leading_run(hir: &Hir) -> Hir {
    use regex_syntax::hir::HirKind;
    let HirKind::Concat(subs) = hir.kind() else {
        return hir.clone();
    };
    let looks = subs
        .iter()
        .take_while(|sub| matches!(sub.kind(), HirKind::Look(_)))
        .count();
    let Some(first) = subs.get(looks) else {
        return hir.clone();
    };
    let HirKind::Repetition(rep) = first.kind() else {
        return hir.clone();
    };
    let rest = Hir::concat(subs.get(looks + 1..).unwrap_or_default().to_vec());
    if rep.max.is_some() || rest.properties().minimum_len().unwrap_or(0) == 0 {
        return hir.clone();
    }
    rest
}

/// `hir` made looser for the walk: every class with non-ASCII members matches every
/// non-ASCII character, and Unicode word boundaries always hold. The result matches
/// everything `hir` matches (and more, rarely in real text); its DFA needs a handful of byte
/// classes for non-ASCII text instead of one per range boundary, and never gives up on
/// non-ASCII text. The walk uses it only to find where matches may end; the real patterns
/// decide.
fn widen(hir: &Hir) -> Hir {
    use regex_syntax::hir::{Class, ClassUnicode, ClassUnicodeRange, HirKind, Look, Repetition};
    match hir.kind() {
        HirKind::Class(Class::Unicode(class)) => {
            let mut widened = ClassUnicode::new(class.ranges().iter().filter_map(|r| {
                let end = r.end().min('\u{7F}');
                (r.start() <= end).then(|| ClassUnicodeRange::new(r.start(), end))
            }));
            if class.ranges().iter().any(|r| r.end() > '\u{7F}') {
                widened.push(ClassUnicodeRange::new('\u{80}', char::MAX));
            }
            Hir::class(Class::Unicode(widened))
        }
        HirKind::Look(
            Look::WordUnicode
            | Look::WordUnicodeNegate
            | Look::WordStartUnicode
            | Look::WordEndUnicode
            | Look::WordStartHalfUnicode
            | Look::WordEndHalfUnicode,
        ) => Hir::empty(),
        HirKind::Repetition(rep) => Hir::repetition(Repetition {
            sub: Box::new(widen(&rep.sub)),
            ..rep.clone()
        }),
        HirKind::Capture(cap) => widen(&cap.sub),
        HirKind::Concat(subs) => Hir::concat(subs.iter().map(widen).collect()),
        HirKind::Alternation(subs) => Hir::alternation(subs.iter().map(widen).collect()),
        HirKind::Empty | HirKind::Literal(_) | HirKind::Class(_) | HirKind::Look(_) => hir.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pattern: &str) -> Hir {
        regex_syntax::parse(pattern).expect("parses")
    }

    #[test]
    fn a_trailing_run_of_ascii_is_cut_to_its_minimum() {
        let (cut, run) =
            without_trailing_run(&parse(r"(?-u:\b)sk-[A-Za-z0-9_\-]{20,}")).expect("cut");
        assert_eq!(cut, parse(r"(?-u:\b)sk-[A-Za-z0-9_\-]{20}"));
        let text = b"sk-abc_DEF-9 rest";
        assert_eq!(run.end(text, 3, text.len()), 12);
        assert_eq!(run.end(text, 3, 8), 8, "stops at `until`");
        assert_eq!(run.end(text, 40, 50), 40, "past the text: no run");
    }

    #[test]
    fn other_endings_are_not_cut() {
        for pattern in [
            r"sk-[a-z]{20}",   // bounded
            r"sk-[a-z]{2,}?",  // lazy
            r"sk-[a-z]{2,}\b", // something after the run
            r"é[a-zé]+",       // non-ASCII members
            r"[a-z]+",         // nothing before the run
            r"x?[a-z]*",       // the cut would match the empty string
            r"sk-(?:ab)+",     // a run of strings, not of bytes
        ] {
            assert!(without_trailing_run(&parse(pattern)).is_none(), "{pattern}");
        }
    }

    /// Every `(end, state)` of one walk over `text`, byte by byte: what the interleaved walks
    /// must find.
    fn one_walk(dfa: &DFA, cache: &mut Cache, text: &str) -> Vec<(usize, LazyStateID)> {
        let mut state = dfa
            .start_state_forward(cache, &Input::new(text))
            .expect("start state");
        let mut ends = Vec::new();
        for (at, &byte) in text.as_bytes().iter().enumerate() {
            state = dfa.next_state(cache, state, byte).expect("next state");
            if state.is_match() {
                ends.push((at, state));
            }
        }
        let eoi = dfa.next_eoi_state(cache, state).expect("end state");
        if eoi.is_match() {
            ends.push((text.len(), eoi));
        }
        ends
    }

    #[test]
    fn interleaved_walks_find_the_ends_of_one_walk() {
        use regex_automata::MatchKind;
        use regex_automata::nfa::thompson;

        // `BEGIN[a-z ]*END` keeps walks apart over long stretches (as a PEM body does), the
        // others end and restart often; the pieces put them across the cuts between parts.
        let patterns = [
            r"BEGIN[a-z ]*END",
            r"sk-[a-z0-9]{6}",
            r"[0-9]{3}-[0-9]{4}",
            r"ab+c",
            r"(?-u:\b)key(?-u:\b)",
        ];
        let hirs: Vec<Hir> = patterns.iter().map(|p| parse(p)).collect();
        let nfa = thompson::Compiler::new()
            .build_many_from_hir(&hirs)
            .expect("nfa");
        let dfa = DFA::builder()
            .configure(DFA::config().match_kind(MatchKind::All))
            .build_from_nfa(nfa)
            .expect("dfa");
        let mut cache = dfa.create_cache();
        let pieces = [
            "a",
            "b",
            "c",
            " ",
            "0",
            "7",
            "-",
            "z",
            "sk-",
            "key",
            "BEGIN",
            "END",
            "abbbc",
            "555-1234",
            "sk-a1b2c3",
        ];
        let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
        let mut next = |n: usize| crate::test_rng::below(&mut seed, n);
        for _ in 0..3000 {
            let mut text = String::new();
            let len = next(400);
            while text.len() < len {
                text.push_str(pieces[next(pieces.len())]);
            }
            let expected = one_walk(&dfa, &mut cache, &text);
            let whole = Block {
                span: 0..text.len(),
                carry: None,
                last: true,
            };
            let (ends, _) = match_ends(&dfa, &mut cache, &text, whole).expect("walks");
            assert_eq!(ends, expected, "one block over {text:?}");
            // Two blocks, the second starting in the state the first ended in.
            let cut = next(text.len() + 1);
            let first = Block {
                span: 0..cut,
                carry: None,
                last: false,
            };
            let (mut ends, carry) =
                match_ends(&dfa, &mut cache, &text, first).expect("first block");
            let second = Block {
                span: cut..text.len(),
                carry: Some(carry),
                last: true,
            };
            let (more, _) = match_ends(&dfa, &mut cache, &text, second).expect("second block");
            ends.extend(more);
            assert_eq!(ends, expected, "two blocks cut at {cut} over {text:?}");
        }
    }
}
