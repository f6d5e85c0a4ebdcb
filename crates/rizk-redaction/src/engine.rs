//! [`Redactor`]: every detector in one automaton, one walk over the text, searches only where
//! something can match (see `search`); on dense text, one search instead (see `Density`).

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use regex_automata::nfa::thompson;
use regex_syntax::hir::{Capture, Hir, HirKind, Look, Repetition};

use crate::builtins::{self, Builtin};
use crate::config::RedactionConfig;
use crate::edits::Edits;
use crate::error::{RedactionError, RedactionWarning};
use crate::kind::{DetectorKind, Match};
use crate::search::{BuildError, Caches, PatternMask, Searcher, Source, kept};
use crate::validate::Validator;

/// Nesting limit of the regex parser for custom patterns (the `regex` crate's default).
const NEST_LIMIT: u32 = 250;

/// Bytes of text around a region searched again that look-around and validators may read.
const RESCAN_CONTEXT: usize = 64;

/// How far before and after a glued replacement the extra pass looks. Every validated built-in
/// is far shorter; an email's local part longer than this is redacted from inside (its start
/// stays, but without the `@` it is no longer an email).
const RESCAN_WINDOW: usize = 512;

/// Texts shorter than this are searched once instead of walked first: below it the walk's
/// set-up costs more than it saves (measured with the default configuration, per text: 32 bytes
/// 220 ns walked vs 98 ns searched, 256 bytes 837 vs 588 ns, 512 bytes about equal, 2 KB 3.8 vs
/// 4.4 µs). Not in the unit tests and under cargo-fuzz, which compare the two ways.
const SMALL_TEXT: usize = 512;

/// A text searched at once (see `Density`) is searched this many bytes at a time, and after
/// each chunk the density of its candidates decides how the next one is searched.
const CHUNK: usize = if cfg!(any(test, fuzzing)) {
    48
} else {
    64 << 10
};

/// The first chunk of a text searched at once ends after this many candidates at the most:
/// text too dense for one search (see `Density`) is found out after a few of its slow searches.
const FIRST_CHUNK_CANDIDATES: usize = 64;

/// Whether a span of `len` bytes is searched once (see `SMALL_TEXT`).
fn small(len: usize) -> bool {
    !cfg!(any(test, fuzzing)) && len < SMALL_TEXT
}

/// How [`Redactor::scan_text`] searches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Strategy {
    /// Walk the text once, then search only where something can match.
    Windows,
    /// One search over the whole text (the reference).
    Whole,
}

/// What one pattern of the automaton stands for.
#[derive(Clone, Debug)]
struct Detector {
    kind: DetectorKind,
    validator: Option<Validator>,
    replacement: Box<str>,
    /// Bytes a match can start with (a retry at a position skips the detectors that cannot).
    first: ByteSet,
}

impl Detector {
    fn new(
        kind: DetectorKind,
        validator: Option<Validator>,
        hir: &Hir,
        config: &RedactionConfig,
    ) -> Detector {
        Detector {
            kind,
            validator,
            replacement: replacement(config, kind),
            first: ByteSet::of(hir),
        }
    }
}

/// What replaces a match of `kind`: the replacement text, labelled with the kind when
/// `label_entities` is on (`[REDACTED]` becomes `[REDACTED:EMAIL]`).
fn replacement(config: &RedactionConfig, kind: DetectorKind) -> Box<str> {
    if !config.label_entities {
        return config.replacement_text.as_str().into();
    }
    let text = &config.replacement_text;
    match text.strip_suffix(']') {
        Some(head) => format!("{head}:{}]", kind.label()).into(),
        None => format!("{text}:{}", kind.label()).into(),
    }
}

/// A set of bytes.
#[derive(Clone, Debug)]
struct ByteSet([u64; 4]);

impl ByteSet {
    fn of(hir: &Hir) -> ByteSet {
        let mut set = ByteSet([0; 4]);
        if first_bytes(hir, &mut set) {
            // The pattern can match the empty string at its start: anything goes.
            set = ByteSet([u64::MAX; 4]);
        }
        set
    }
    fn insert_range(&mut self, lo: u8, hi: u8) {
        for b in lo..=hi {
            self.0[usize::from(b >> 6)] |= 1 << (b & 63);
        }
    }
    fn contains(&self, b: u8) -> bool {
        self.0[usize::from(b >> 6)] & (1 << (b & 63)) != 0
    }
}

/// Adds to `set` the bytes a match of `hir` can start with; returns true when `hir` can match
/// the empty string (so what follows it can start a match too).
fn first_bytes(hir: &Hir, set: &mut ByteSet) -> bool {
    use regex_syntax::hir::Class;
    fn lead(c: char) -> u8 {
        let mut buf = [0; 4];
        c.encode_utf8(&mut buf).as_bytes()[0]
    }
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => true,
        HirKind::Literal(lit) => match lit.0.first() {
            Some(&b) => {
                set.insert_range(b, b);
                false
            }
            None => true,
        },
        HirKind::Class(Class::Bytes(class)) => {
            for r in class.ranges() {
                set.insert_range(r.start(), r.end());
            }
            false
        }
        HirKind::Class(Class::Unicode(class)) => {
            // UTF-8 keeps code point order, so the lead bytes lie between those of the ends.
            for r in class.ranges() {
                set.insert_range(lead(r.start()), lead(r.end()));
            }
            false
        }
        HirKind::Repetition(rep) => first_bytes(&rep.sub, set) || rep.min == 0,
        HirKind::Capture(cap) => first_bytes(&cap.sub, set),
        HirKind::Concat(subs) => subs.iter().all(|sub| first_bytes(sub, set)),
        HirKind::Alternation(subs) => {
            // Every alternative adds its bytes (no short circuit).
            let mut nullable = false;
            for sub in subs {
                nullable |= first_bytes(sub, set);
            }
            nullable
        }
    }
}

/// The redaction engine: built once from a [`RedactionConfig`], then used from any number of
/// threads. All detectors (built-ins, custom patterns, keywords) are compiled into one
/// multi-pattern automaton, so a text is walked once whatever the number of detectors; a
/// candidate that a validator rejects (a non-Luhn 16-digit order number, `999.1.1.1`) is left as
/// is and the search resumes right after its first character.
///
/// Cloning is cheap (the automaton is shared).
///
/// ```
/// use std::borrow::Cow;
/// use rizk_redaction::Redactor;
///
/// let redactor = Redactor::default();
/// assert_eq!(
///     redactor.redact("Mail jo@example.com, card 4111 1111 1111 1111, order 4111111111111112"),
///     "Mail [REDACTED], card [REDACTED], order 4111111111111112"
/// );
/// assert!(matches!(redactor.redact("nothing to see"), Cow::Borrowed(_)));
/// ```
#[derive(Clone)]
pub struct Redactor {
    searcher: Arc<Searcher>,
    detectors: Arc<[Detector]>,
    warnings: Vec<RedactionWarning>,
    config: RedactionConfig,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redactor")
            .field("patterns", &self.detectors.len())
            .field("warnings", &self.warnings)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Default for Redactor {
    /// The redactor of [`RedactionConfig::default`]: every built-in detector, `[REDACTED]`.
    ///
    /// ```
    /// use rizk_redaction::Redactor;
    ///
    /// assert_eq!(Redactor::default().redact("SSN 123-45-6789"), "SSN [REDACTED]");
    /// ```
    fn default() -> Redactor {
        // The built-in patterns are constants and a unit test builds them; this cannot fail.
        #[allow(clippy::expect_used)]
        Redactor::new(RedactionConfig::default()).expect("the built-in detectors compile")
    }
}

impl Redactor {
    /// Compiles `config` into a redactor.
    ///
    /// Fails when a custom pattern does not parse ([`RedactionError::InvalidPattern`], with
    /// the pattern's index and the byte position), can match the empty string, or compiles to
    /// more than the size limits. Never panics on any input.
    ///
    /// ```
    /// use rizk_redaction::{RedactionConfig, Redactor};
    ///
    /// let redactor = Redactor::new(RedactionConfig {
    ///     custom_patterns: vec![r"(?i)ticket #[0-9]+".into()],
    ///     ..RedactionConfig::none()
    /// })?;
    /// assert_eq!(redactor.redact("see Ticket #4521"), "see [REDACTED]");
    /// # Ok::<(), rizk_redaction::RedactionError>(())
    /// ```
    pub fn new(config: RedactionConfig) -> Result<Redactor, RedactionError> {
        let mut hirs: Vec<Hir> = Vec::new();
        let mut detectors: Vec<Detector> = Vec::new();
        let mut warnings = Vec::new();
        // 1. Custom patterns: first, so they win over a built-in that matches at the same start.
        for (index, pattern) in config.custom_patterns.iter().enumerate() {
            let (hir, warning) = compile_custom(index, pattern, &config)?;
            warnings.extend(warning);
            detectors.push(Detector::new(
                DetectorKind::Custom(index),
                None,
                &hir,
                &config,
            ));
            hirs.push(hir);
        }

        // 2. Keywords: one alternation, longest first so "acme corp" wins over "acme".
        let mut keywords: Vec<&str> = Vec::new();
        for (index, keyword) in config.keywords.iter().enumerate() {
            if keyword.is_empty() {
                warnings.push(RedactionWarning::EmptyKeyword { index });
            } else {
                keywords.push(keyword);
            }
        }
        if !keywords.is_empty() {
            keywords.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
            keywords.dedup();
            // ASCII keywords fold case the ASCII way: the same matches on ASCII text, and a
            // smaller automaton than Unicode folding (which adds the Kelvin sign for `k`, ...).
            let flags = |k: &str| match (config.keywords_case_insensitive, k.is_ascii()) {
                (false, _) => "",
                (true, true) => "i-u",
                (true, false) => "i",
            };
            let alternation = keywords
                .iter()
                .map(|k| format!("(?{}:{})", flags(k), regex_syntax::escape(k)))
                .collect::<Vec<_>>()
                .join("|");
            let hir = regex_syntax::ParserBuilder::new()
                .nest_limit(NEST_LIMIT)
                .build()
                .parse(&alternation)
                .map_err(|e| RedactionError::Build {
                    message: format!("keywords: {e}"),
                })?;
            detectors.push(Detector::new(DetectorKind::Keyword, None, &hir, &config));
            hirs.push(hir);
        }

        // 3. Built-ins: unvalidated first, then validated (so a rejected candidate can be
        //    offered to the validated detectors after it).
        let on = |b: &&Builtin| {
            builtins::enabled(
                b.kind,
                config.pii_redaction,
                config.financial_data_redaction,
                config.secrets_redaction,
            )
        };
        for builtin in builtins::UNVALIDATED
            .iter()
            .chain(builtins::VALIDATED)
            .filter(on)
        {
            let hir = regex_syntax::ParserBuilder::new()
                .build()
                .parse(builtin.pattern)
                .map_err(|e| RedactionError::Build {
                    message: format!("built-in {} pattern: {e}", builtin.kind),
                })?;
            detectors.push(Detector::new(
                builtin.kind,
                builtin.validator,
                &hir,
                &config,
            ));
            hirs.push(hir);
        }

        let searcher = Searcher::new(hirs, config.total_size_limit).map_err(|e| match e {
            BuildError::TooLarge(limit) => RedactionError::TooLarge {
                custom_patterns: config.custom_patterns.len(),
                keywords: config.keywords.len(),
                limit,
            },
            BuildError::Other(message) => RedactionError::Build { message },
        })?;
        Ok(Redactor {
            searcher: Arc::new(searcher),
            detectors: detectors.into(),
            warnings,
            config,
        })
    }

    /// Returns `text` with every match replaced, or [`Cow::Borrowed`] (no copy) when nothing
    /// matched.
    ///
    /// ```
    /// use std::borrow::Cow;
    /// use rizk_redaction::Redactor;
    ///
    /// let r = Redactor::default();
    /// assert_eq!(r.redact("Müller's email: müller@example.de."), "Müller's email: [REDACTED].");
    /// assert!(matches!(r.redact("version 1.2.3.4.5, order 4111111111111112"), Cow::Borrowed(_)));
    /// ```
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        self.redact_by(text, Strategy::Windows)
    }

    /// [`redact`](Redactor::redact) by one search over the whole text instead of searches in
    /// windows: the reference that property tests and the fuzz target compare `redact` with.
    /// Slower; not meant for other uses.
    ///
    /// ```
    /// use rizk_redaction::Redactor;
    ///
    /// let r = Redactor::default();
    /// let text = "call +44 20 7946 0958, order 4111111111111112";
    /// assert_eq!(r.redact_reference(text), r.redact(text));
    /// ```
    #[doc(hidden)]
    pub fn redact_reference<'a>(&self, text: &'a str) -> Cow<'a, str> {
        self.redact_by(text, Strategy::Whole)
    }

    /// The match ends that the first pass of [`redact`](Redactor::redact) (the walk over the
    /// whole text) finds in `text`, without any search after it; `None` when the walk gives
    /// up (the search then runs at once). For the density benchmark, which prints what that
    /// pass alone costs: `redact` cannot run faster on a text it walks (512 bytes and more;
    /// shorter texts, and texts found dense, are searched at once without a walk). Not meant
    /// for other uses.
    ///
    /// ```
    /// use rizk_redaction::Redactor;
    ///
    /// let r = Redactor::default();
    /// assert_eq!(r.first_pass("nothing to see here"), Some(0));
    /// assert!(r.first_pass("mail jo@example.com").is_some_and(|ends| ends > 0));
    /// ```
    #[doc(hidden)]
    pub fn first_pass(&self, text: &str) -> Option<usize> {
        let mut caches = self.searcher.caches();
        self.searcher.first_pass(&mut caches, text)
    }

    fn redact_by<'a>(&self, text: &'a str, strategy: Strategy) -> Cow<'a, str> {
        let mut caches = self.searcher.caches();
        let found = self.matches_by(&mut caches, text, strategy);
        if found.is_empty() {
            return Cow::Borrowed(text);
        }
        // A match glued to its neighbours (`2001:db8::1DE8...@ex.de`) changes their context once
        // replaced, which can complete a built-in that was rejected before (`2001:db8::`).
        // Search again around those replacements: usually nothing new appears.
        let (out, glued) = self.splice(text, &found);
        let mut completed = false;
        for window in merged_around(&glued, out.len()) {
            let window = on_char_boundaries(&out, window);
            let mut stop = |_, _, _| {
                completed = true;
                false
            };
            self.scan_text(&mut caches, &out, window, (true, strategy), &mut stop);
            if completed {
                return Cow::Owned(self.settle(&mut caches, text, found, strategy));
            }
        }
        Cow::Owned(out)
    }

    /// Replaces the sorted, disjoint `found` matches in `text`; also returns the output ranges
    /// of the replacements that were glued to a neighbour (see [`glued`]).
    fn splice(&self, text: &str, found: &[(usize, usize, usize)]) -> (String, Vec<Range<usize>>) {
        let mut out = String::with_capacity(text.len());
        let mut glued_at = Vec::new();
        let mut last = 0;
        for &(start, end, pid) in found {
            // `scan_text` only reports char-boundary ranges, sorted and disjoint.
            out.push_str(text.get(last..start).unwrap_or_default());
            let from = out.len();
            out.push_str(self.detectors.get(pid).map_or("", |d| &d.replacement));
            if glued(text.as_bytes(), start, end) {
                glued_at.push(from..out.len());
            }
            last = end;
        }
        out.push_str(text.get(last..).unwrap_or_default());
        (out, glued_at)
    }

    /// `text` with `found` replaced and with every built-in that the replacements complete,
    /// searching again around each replacement, and around the ones that search adds, until
    /// nothing new appears (see `edits`: a chain completes one link per search).
    fn settle(
        &self,
        caches: &mut Caches,
        text: &str,
        mut found: Vec<(usize, usize, usize)>,
        strategy: Strategy,
    ) -> String {
        let replacement = |pid: usize| self.detectors.get(pid).map_or("", |d| &*d.replacement);
        let mut regions: Vec<Range<usize>> = found
            .iter()
            .filter(|&&(start, end, _)| glued(text.as_bytes(), start, end))
            .map(|&(start, end, _)| start..end)
            .collect();
        let mut edits = Edits::new(text, &found);
        while !regions.is_empty() {
            let mut next = Vec::new();
            for region in merged_around(&regions, text.len()) {
                let piece = edits.render(region.clone(), RESCAN_CONTEXT, &replacement);
                found.clear();
                let mut push = |s, e, p| {
                    found.push((s, e, p));
                    true
                };
                let (span, options) = (piece.span.clone(), (true, strategy));
                self.scan_text(caches, &piece.text, span, options, &mut push);
                let mut done = Vec::new();
                for &(start, end, pid) in &found {
                    match edits.replace(&piece, (start, end), replacement(pid), &done) {
                        Some(orig) => {
                            if glued(piece.text.as_bytes(), start, end) {
                                next.push(orig.clone());
                            }
                            done.push(orig);
                        }
                        // Touches an edit made from this piece: search the region again.
                        None if !done.is_empty() => next.push(region.clone()),
                        None => {}
                    }
                }
            }
            regions = next;
        }
        edits.finish(&replacement)
    }

    /// Every match in `text`, in order, with its kind and byte range (validated, sorted,
    /// disjoint, on `char` boundaries): what [`redact`](Redactor::redact) replaces. (When a
    /// match is glued to its neighbours, `redact` also replaces a built-in that only becomes
    /// valid once that match is replaced, such as `2001:db8::` in `2001:db8::1DE8@ex.de`.)
    ///
    /// ```
    /// use rizk_redaction::{DetectorKind, Redactor};
    ///
    /// let text = "call +44 20 7946 0958 or write to ops@example.org";
    /// let kinds: Vec<DetectorKind> =
    ///     Redactor::default().find_matches(text).iter().map(|m| m.kind()).collect();
    /// assert_eq!(kinds, [DetectorKind::Phone, DetectorKind::Email]);
    /// ```
    pub fn find_matches(&self, text: &str) -> Vec<Match> {
        self.find_matches_by(text, Strategy::Windows)
    }

    /// [`find_matches`](Redactor::find_matches) by one search over the whole text: see
    /// [`redact_reference`](Redactor::redact_reference).
    ///
    /// ```
    /// use rizk_redaction::Redactor;
    ///
    /// let r = Redactor::default();
    /// let text = "mail ops@example.org from 10.1.2.3";
    /// assert_eq!(r.find_matches_reference(text), r.find_matches(text));
    /// ```
    #[doc(hidden)]
    pub fn find_matches_reference(&self, text: &str) -> Vec<Match> {
        self.find_matches_by(text, Strategy::Whole)
    }

    fn find_matches_by(&self, text: &str, strategy: Strategy) -> Vec<Match> {
        let mut caches = self.searcher.caches();
        let found = self.matches_by(&mut caches, text, strategy);
        let kind = |pid: usize| self.detectors[pid].kind;
        found
            .into_iter()
            .map(|(start, end, pid)| Match::new(kind(pid), start, end))
            .collect()
    }

    /// Every accepted `(start, end, pattern)` of the whole `text`.
    fn matches_by(
        &self,
        caches: &mut Caches,
        text: &str,
        strategy: Strategy,
    ) -> Vec<(usize, usize, usize)> {
        let mut found = Vec::new();
        let mut push = |s, e, p| {
            found.push((s, e, p));
            true
        };
        self.scan_text(caches, text, 0..text.len(), (false, strategy), &mut push);
        found
    }

    /// True when `text` contains nothing to redact (the same search as
    /// [`redact`](Redactor::redact)).
    ///
    /// ```
    /// use rizk_redaction::Redactor;
    ///
    /// let r = Redactor::default();
    /// assert!(r.is_clean("build 2024-06-01 10:30:00 ok"));
    /// assert!(!r.is_clean("key AKIAIOSFODNN7EXAMPLE"));
    /// ```
    pub fn is_clean(&self, text: &str) -> bool {
        let mut clean = true;
        let mut caches = self.searcher.caches();
        let mut stop = |_, _, _| {
            clean = false;
            false
        };
        let options = (false, Strategy::Windows);
        self.scan_text(&mut caches, text, 0..text.len(), options, &mut stop);
        clean
    }

    /// Notes about the configuration (for example custom patterns whose Unicode word
    /// boundaries were rewritten to ASCII). Log them once at start-up.
    ///
    /// ```
    /// use rizk_redaction::{RedactionConfig, Redactor};
    ///
    /// let r = Redactor::new(RedactionConfig {
    ///     custom_patterns: vec![r"\bacct-[0-9]+\b".into(), r"(?-u:\b)id-[0-9]+".into()],
    ///     ..RedactionConfig::default()
    /// })?;
    /// assert_eq!(r.warnings().len(), 1); // only pattern #0 used Unicode \b
    /// assert!(r.warnings()[0].to_string().contains("custom pattern #0"));
    /// # Ok::<(), rizk_redaction::RedactionError>(())
    /// ```
    pub fn warnings(&self) -> &[RedactionWarning] {
        &self.warnings
    }

    /// The configuration this redactor was built from.
    ///
    /// ```
    /// use rizk_redaction::Redactor;
    ///
    /// assert_eq!(Redactor::default().config().replacement_text, "[REDACTED]");
    /// ```
    pub fn config(&self) -> &RedactionConfig {
        &self.config
    }

    /// Every accepted match in `text[span]` (look-around sees the whole text), in order, to
    /// `emit` (which returns false to stop); with `builtins_only`, only built-in detectors
    /// count. With [`Strategy::Windows`] the search is chosen by the density of what it meets
    /// (see [`Density`]): while candidates are sparse it runs only in the windows where
    /// something can match (see [`Searcher::window_scan`]); where they are dense it is one
    /// search, chunk by chunk. Either finds what one search over the span finds (short spans
    /// are searched once anyway, see `SMALL_TEXT`).
    fn scan_text(
        &self,
        caches: &mut Caches,
        text: &str,
        span: Range<usize>,
        (builtins_only, strategy): (bool, Strategy),
        emit: &mut impl FnMut(usize, usize, usize) -> bool,
    ) {
        if self.detectors.is_empty() {
            return;
        }
        let (all, search) = (PatternMask::ALL, &Source::Search);
        if strategy == Strategy::Whole || small(span.len()) {
            let whole = (span.clone(), span.end, usize::MAX);
            self.scan_span(caches, text, whole, all, search, builtins_only, emit);
            return;
        }
        // The searches around replacements (`builtins_only`) are short spans around matches:
        // they follow what the main scans learnt but do not teach it.
        let learn = !builtins_only;
        let mut dense = caches.density.dense;
        let mut at = span.start;
        while at < span.end {
            if !dense {
                let before = caches.density.candidates;
                match self.scan_windows(caches, text, at..span.end, builtins_only, emit) {
                    Some(ends) => {
                        if learn {
                            let candidates = caches.density.candidates - before;
                            let walked = (span.end - at, ends, candidates);
                            caches.density.learn_walk(span.len(), walked);
                        }
                        return;
                    }
                    // Dense from the start and nothing searched yet: search it at once.
                    None => dense = true,
                }
                continue;
            }
            // One search over the next chunk, on to where that search stands past the chunk:
            // the next chunk starts where one search over the whole span would be, so it can
            // go on either way.
            let stop = at.saturating_add(CHUNK).min(span.end);
            let before = caches.density.candidates;
            let cap = if at == span.start {
                FIRST_CHUNK_CANDIDATES
            } else {
                usize::MAX
            };
            let chunk = (at..span.end, stop, cap);
            let Some(next) = self.scan_span(caches, text, chunk, all, search, builtins_only, emit)
            else {
                return;
            };
            caches.density.searched_at_once += next - at;
            if learn {
                let candidates = caches.density.candidates - before;
                caches
                    .density
                    .learn_search(span.len(), (next - at, candidates));
                dense = caches.density.dense;
            }
            at = next;
        }
    }

    /// [`scan_text`](Self::scan_text) by windows over `span` (longer than `SMALL_TEXT`).
    /// Returns the walk's match ends; `None` (and nothing emitted) when the first block shows a
    /// long span dense.
    fn scan_windows(
        &self,
        caches: &mut Caches,
        text: &str,
        span: Range<usize>,
        builtins_only: bool,
        emit: &mut impl FnMut(usize, usize, usize) -> bool,
    ) -> Option<usize> {
        let mut scan = self.searcher.window_scan(span.clone(), caches);
        // The buffers of the last scan (allocating them per text cost more than walking a
        // 1 KB attribute full of matches).
        let mut windows = std::mem::take(&mut caches.windows);
        let mut starts = std::mem::take(&mut caches.starts);
        // Matches are kept until the whole span is done: a match that reaches back into
        // windows searched already means searching the span as a whole instead.
        let mut found = std::mem::take(&mut caches.found);
        found.clear();
        let mut keep = |s, e, p| {
            found.push((s, e, p));
            true
        };
        let mut first = true;
        loop {
            windows.clear();
            let Some(more) = self
                .searcher
                .next_windows(&mut scan, caches, text, &mut windows)
            else {
                let ends = scan.walked().1;
                scan.recycle(caches);
                let (all, search) = (PatternMask::ALL, &Source::Search);
                let whole = (span.clone(), span.end, usize::MAX);
                self.scan_span(caches, text, whole, all, search, builtins_only, emit);
                return Some(ends);
            };
            if std::mem::take(&mut first) && caches.density.dense_walk(span.len(), scan.walked()) {
                // The first block, shorter than the settled margin, hands out no window unless
                // it is the whole span: nothing was searched.
                scan.recycle(caches);
                return None;
            }
            for window in windows.drain(..) {
                let walked = (&scan, &window);
                let source = match self
                    .searcher
                    .window_starts(caches, text, walked, &mut starts)
                {
                    Ok(_) if starts.is_empty() => continue, // the walk over-approximates
                    Ok(end) => Source::Known {
                        end,
                        starts: &starts,
                    },
                    Err(()) => Source::Search,
                };
                let (span, patterns) = (window.span, window.patterns);
                caches.density.searched_in_windows += span.len();
                let window = (span.clone(), span.end, usize::MAX);
                self.scan_span(
                    caches,
                    text,
                    window,
                    patterns,
                    &source,
                    builtins_only,
                    &mut keep,
                );
            }
            if !more {
                break;
            }
        }
        for &(s, e, p) in &found {
            if !emit(s, e, p) {
                break;
            }
        }
        let ends = scan.walked().1;
        scan.recycle(caches);
        (caches.windows, caches.starts, caches.found) = (kept(windows), kept(starts), kept(found));
        Some(ends)
    }

    /// The search loop over `text[span]` (look-around sees the whole text) from `span.start`
    /// until it stands at `stop` or past it, or has met `cap` candidates, with candidates from
    /// `source`, trying only `patterns` when a rejected candidate is offered to the others.
    /// Returns where it stands (past the last match or rejected candidate's first character,
    /// or `span.end` when nothing more matches), `None` when `emit` asked to stop.
    #[allow(clippy::too_many_arguments)]
    fn scan_span(
        &self,
        caches: &mut Caches,
        text: &str,
        (span, stop, cap): (Range<usize>, usize, usize),
        patterns: PatternMask,
        source: &Source<'_>,
        builtins_only: bool,
        emit: &mut impl FnMut(usize, usize, usize) -> bool,
    ) -> Option<usize> {
        let len = span.end.min(text.len());
        let mut at = span.start;
        let until = caches.density.candidates.saturating_add(cap);
        while at < stop.min(len) && caches.density.candidates < until {
            let Some((start, end, pid)) = source.next(&self.searcher, caches, text, at, len) else {
                return Some(len);
            };
            caches.density.candidates += 1;
            let accepted = if start < end {
                self.accept(text, pid, start, end, builtins_only)
                    .or_else(|| {
                        let candidate = (pid, start, len);
                        self.retry_at(caches, text, source, candidate, patterns, builtins_only)
                    })
            } else {
                None
            };
            match accepted {
                Some((s, e, p)) => {
                    if !emit(s, e, p) {
                        return None;
                    }
                    at = e;
                }
                // Resume after the candidate's first character: a valid match may start
                // inside a rejected one ("DE00 4111 1111 1111 1111").
                None => at = next_char(text, start),
            }
        }
        Some(at)
    }

    /// Runs pattern `pid`'s validator on `start..end`; returns the range to redact.
    fn accept(
        &self,
        text: &str,
        pid: usize,
        start: usize,
        end: usize,
        builtins_only: bool,
    ) -> Option<(usize, usize, usize)> {
        let detector = self.detectors.get(pid)?;
        if builtins_only && !detector.kind.is_builtin() {
            return None;
        }
        let (s, e) = match detector.validator {
            None => (start, end),
            Some(v) => {
                let r = v.check(text, start..end)?;
                (r.start, r.end)
            }
        };
        (start <= s && s < e && e <= end && text.is_char_boundary(s) && text.is_char_boundary(e))
            .then_some((s, e, pid))
    }

    /// After pattern `pid` matched at `start` but was rejected, offers `start` to each later
    /// (validated) pattern among `patterns`, anchored there.
    fn retry_at(
        &self,
        caches: &mut Caches,
        text: &str,
        source: &Source<'_>,
        (pid, start, until): (usize, usize, usize),
        patterns: PatternMask,
        builtins_only: bool,
    ) -> Option<(usize, usize, usize)> {
        let byte = *text.as_bytes().get(start)?;
        for q in pid + 1..self.detectors.len() {
            if !patterns.contains(q) || !self.detectors[q].first.contains(byte) {
                continue;
            }
            if let Some(end) = source.at(&self.searcher, caches, text, (start, until), q)
                && start < end
                && let Some(found) = self.accept(text, q, start, end, builtins_only)
            {
                return Some(found);
            }
        }
        None
    }
}

impl rizk_core::content::ContentRedactor for Redactor {
    fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        Redactor::redact(self, text)
    }
}

/// Whether the match `start..end` touches a neighbour that a detector could read as part of, or
/// as context of, another candidate: a word character, a separator such as `.`, `:`, `-`, or a
/// space with a digit, capital, `+` or `(` behind it (cards, phones and IBANs are written in
/// space-separated groups). Other whitespace, quotes, brackets, commas and non-ASCII characters
/// never glue. After the match, a capital glues across a space only when a capital or digit
/// follows it (`DE89`, `AKIA`): a word such as `Müller` or `Paris` starts no group, and the
/// built-ins that can start with a capital and a lowercase letter (emails, `Bearer` tokens,
/// IPv6 addresses) start just as well in lowercase, which never glued, and their validators
/// read no further left than the space. (Searching again around such a match cost about a
/// tenth of `redact` on the densest benchmark corpus, where a capitalised word follows 7% of
/// the values.)
fn glued(bytes: &[u8], start: usize, end: usize) -> bool {
    fn sticky(b: u8) -> bool {
        b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'_' | b'.' | b':' | b'-' | b'/' | b'+' | b'@' | b'%' | b'=' | b'~'
            )
    }
    fn group_start(b: u8) -> bool {
        b.is_ascii_digit() || b.is_ascii_uppercase() || b == b'+' || b == b'('
    }
    let before = |i: usize| start.checked_sub(i).and_then(|j| bytes.get(j)).copied();
    let left = match (before(1), before(2)) {
        (Some(b), _) if sticky(b) || b == b')' => true,
        (Some(b' ' | b'\t'), Some(b)) => group_start(b) || b == b')',
        _ => false,
    };
    let right = match (bytes.get(end).copied(), bytes.get(end + 1).copied()) {
        (Some(b), _) if sticky(b) && !matches!(b, b'.' | b'/') || b == b'(' => true,
        (Some(b' ' | b'\t'), Some(n)) if n.is_ascii_uppercase() => bytes
            .get(end + 2)
            .is_some_and(|&m| m.is_ascii_uppercase() || m.is_ascii_digit()),
        (Some(b' ' | b'\t'), Some(n)) => group_start(n),
        (Some(b), Some(n)) => sticky(b) && (sticky(n) || n == b'('),
        _ => false,
    };
    left || right
}

/// The regions `RESCAN_WINDOW` around `ranges` (replacements), within `0..len`, sorted and
/// merged. They may cut a character (`scan_text` and the rendering of edits widen them).
fn merged_around(ranges: &[Range<usize>], len: usize) -> Vec<Range<usize>> {
    let mut sorted: Vec<Range<usize>> = ranges
        .iter()
        .map(|r| {
            r.start.saturating_sub(RESCAN_WINDOW)..r.end.saturating_add(RESCAN_WINDOW).min(len)
        })
        .collect();
    sorted.sort_unstable_by_key(|r| r.start);
    let mut out: Vec<Range<usize>> = Vec::new();
    for w in sorted {
        match out.last_mut() {
            Some(last) if w.start <= last.end => last.end = last.end.max(w.end),
            _ => out.push(w),
        }
    }
    out
}

/// `range` moved out to the nearest char boundaries of `text`.
fn on_char_boundaries(text: &str, range: Range<usize>) -> Range<usize> {
    let (mut start, mut end) = (range.start.min(text.len()), range.end.min(text.len()));
    while start > 0 && !text.is_char_boundary(start) {
        start -= 1;
    }
    while end < text.len() && !text.is_char_boundary(end) {
        end += 1;
    }
    start..end
}

/// The byte offset of the character after the one at `at` (or `text.len()`).
fn next_char(text: &str, at: usize) -> usize {
    let mut next = at + 1;
    while next < text.len() && !text.is_char_boundary(next) {
        next += 1;
    }
    next.min(text.len())
}

/// Parses, checks and (optionally) rewrites one custom pattern.
fn compile_custom(
    index: usize,
    pattern: &str,
    config: &RedactionConfig,
) -> Result<(Hir, Option<RedactionWarning>), RedactionError> {
    let hir = regex_syntax::ParserBuilder::new()
        .nest_limit(NEST_LIMIT)
        .build()
        .parse(pattern)
        .map_err(|e| {
            let (position, message) = match &e {
                regex_syntax::Error::Parse(e) => (e.span().start.offset, e.kind().to_string()),
                regex_syntax::Error::Translate(e) => (e.span().start.offset, e.kind().to_string()),
                other => (0, other.to_string()),
            };
            RedactionError::InvalidPattern {
                index,
                pattern: pattern.to_owned(),
                position,
                message,
            }
        })?;
    if hir.properties().minimum_len() == Some(0) {
        return Err(RedactionError::MatchesEmpty {
            index,
            pattern: pattern.to_owned(),
        });
    }
    let mut warning = None;
    let hir = if hir.properties().look_set().contains_word_unicode() {
        warning = Some(RedactionWarning::UnicodeWordBoundary {
            index,
            pattern: pattern.to_owned(),
            rewritten_to_ascii: config.ascii_word_boundaries,
        });
        if config.ascii_word_boundaries {
            ascii_word_boundaries(hir)
        } else {
            hir
        }
    } else {
        hir
    };
    // Compile this pattern alone under the per-pattern limit, so the error can name it. The
    // compiler stops as soon as the limit is passed, so a huge pattern never allocates much.
    thompson::Compiler::new()
        .configure(
            thompson::Config::new()
                .nfa_size_limit(Some(config.pattern_size_limit))
                .which_captures(thompson::WhichCaptures::Implicit),
        )
        .build_from_hir(&hir)
        .map_err(|e| match e.size_limit() {
            Some(limit) => RedactionError::PatternTooLarge {
                index,
                pattern: pattern.to_owned(),
                limit,
            },
            None => RedactionError::Build {
                message: format!("custom pattern #{index}: {e}"),
            },
        })?;
    Ok((hir, warning))
}

/// Rewrites every Unicode word-boundary assertion in `hir` to its ASCII counterpart.
fn ascii_word_boundaries(hir: Hir) -> Hir {
    match hir.into_kind() {
        HirKind::Look(look) => Hir::look(match look {
            Look::WordUnicode => Look::WordAscii,
            Look::WordUnicodeNegate => Look::WordAsciiNegate,
            Look::WordStartUnicode => Look::WordStartAscii,
            Look::WordEndUnicode => Look::WordEndAscii,
            Look::WordStartHalfUnicode => Look::WordStartHalfAscii,
            Look::WordEndHalfUnicode => Look::WordEndHalfAscii,
            other => other,
        }),
        HirKind::Repetition(rep) => Hir::repetition(Repetition {
            sub: Box::new(ascii_word_boundaries(*rep.sub)),
            ..rep
        }),
        HirKind::Capture(cap) => Hir::capture(Capture {
            sub: Box::new(ascii_word_boundaries(*cap.sub)),
            ..cap
        }),
        HirKind::Concat(subs) => Hir::concat(subs.into_iter().map(ascii_word_boundaries).collect()),
        HirKind::Alternation(subs) => {
            Hir::alternation(subs.into_iter().map(ascii_word_boundaries).collect())
        }
        HirKind::Empty => Hir::empty(),
        HirKind::Literal(lit) => Hir::literal(lit.0),
        HirKind::Class(class) => Hir::class(class),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::density::Density;
    use crate::search::SETTLED_MARGIN_FOR_TESTS;
    use crate::test_rng::below;

    #[test]
    fn a_capitalised_word_after_a_match_does_not_glue_it() {
        for (text, value, expected) in [
            ("call +44 20 7946 0958 Müller", "+44 20 7946 0958", false),
            ("ssn 123-45-6789 Paris", "123-45-6789", false),
            ("mail jo@example.com Dead beef", "jo@example.com", false),
            ("ssn 123-45-6789 A", "123-45-6789", false),
            // What can go on a group: a digit, or a capital followed by a capital or digit.
            ("ssn 123-45-6789 DE89 3704", "123-45-6789", true),
            ("key 123-45-6789 AKIAIOSFODNN7EXAMPLE", "123-45-6789", true),
            ("call +44 20 7946 0958 4111", "+44 20 7946 0958", true),
            ("call +44 20 7946 0958 (0)", "+44 20 7946 0958", true),
            // Before the match, a capital ending the word before the space still glues.
            ("UK +44 20 7946 0958 now", "+44 20 7946 0958", true),
        ] {
            let start = text.find(value).expect("the value is in the text");
            let end = start + value.len();
            assert_eq!(glued(text.as_bytes(), start, end), expected, "{text:?}");
        }
    }

    #[test]
    fn a_replacement_completes_the_number_after_it() {
        // Before the address is replaced, the phone after it reads as the tail of a longer
        // number (`...1 020 7946 0958`); once it is replaced, the phone stands alone. The
        // digit after the space glues the address, so `redact` searches there again.
        let r = Redactor::default();
        let text = "ip 10.0.0.1 020 7946 0958 ok";
        let kinds: Vec<DetectorKind> = r.find_matches(text).iter().map(Match::kind).collect();
        assert_eq!(kinds, [DetectorKind::Ipv4]);
        assert_eq!(r.redact(text), "ip [REDACTED] [REDACTED] ok");
        // A capitalised word after it glues nothing, and nothing more is found.
        assert_eq!(r.redact("ip 10.0.0.1 Paris 020"), "ip [REDACTED] Paris 020");
    }

    /// Pieces of text likely to make matches, near-misses and matches across the (tiny, in
    /// unit tests) parts, blocks and margins of the window scan.
    const PIECES: &[&str] = &[
        " ",
        " ",
        "\n",
        "-",
        ".",
        ":",
        "+",
        "(",
        ")",
        "@",
        "_",
        "0",
        "1",
        "4",
        "9",
        "12",
        "255",
        "é",
        "東",
        "a",
        "b",
        "x",
        "y",
        "Z",
        "DE",
        "89",
        "jo",
        "@ex.de",
        "example.com",
        "4111 1111 1111 1111",
        "4111111111111112",
        "123-45-6789",
        "10.0.0.1",
        "1.2.3.4.5",
        "DE89370400440532013000",
        "+44 20 7946 0958",
        "(212) 555-0187",
        "2001:db8::1",
        "AKIA",
        "AKIAIOSFODNN7EXAMPLE",
        "sk-proj-a1B2c3D4e5F6g7H8i9J0k1L2",
        "Bearer abc.def-ghi_jkl",
        "eyJhbGciOi.eyJzdWIiOi.sig",
        "-----BEGIN PRIVATE KEY-----",
        "-----END PRIVATE KEY-----",
        "acme corp",
        "Project Falcon",
        "müller",
        "falcon",
        "BEGIN",
        "END",
        "ab",
        "aab",
        "c",
        "case-12",
        "0000",
        // Numbers read whole: neighbours that continue a number, and tokens that do not.
        "0507 5960 2333 8620",
        "0341",
        "12/27",
        "12:30",
        "7pm",
        "+48.8566",
        "020 7946 0958",
        // Runs that end a pattern (the walk cuts them, see `walk::without_trailing_run`).
        "sk-",
        "abbbbbbbbb",
        "qxyzwvu",
        "zyyyyy",
        "12-abc0f9",
        "vabcabcab",
        "éaé",
        "sk-ant-0123456789abcdefghijklmn",
    ];

    fn text(seed: &mut u64, pieces: usize) -> String {
        let n = below(seed, pieces);
        (0..n).map(|_| PIECES[below(seed, PIECES.len())]).collect()
    }

    /// The windows of `text`, or `None` when the scan fell back to one search.
    fn all_windows(redactor: &Redactor, text: &str) -> Option<Vec<Range<usize>>> {
        let searcher = &redactor.searcher;
        let mut caches = searcher.caches();
        let mut scan = searcher.window_scan(0..text.len(), &mut caches);
        let mut windows = Vec::new();
        while searcher.next_windows(&mut scan, &mut caches, text, &mut windows)? {}
        Some(windows.into_iter().map(|w| w.span).collect())
    }

    #[test]
    fn windows_hold_the_matches_and_little_else() {
        let redactor = Redactor::default();
        let text = format!(
            "{}mail jo@example.de, card 4111 1111 1111 1111, order 4111111111111112{}",
            "clean words and numbers 42 ".repeat(40),
            " more words".repeat(40)
        );
        let windows = all_windows(&redactor, &text).expect("no fall back");
        let bytes: usize = windows.iter().map(|w| w.len()).sum();
        assert!(bytes < 120, "{bytes} bytes in {windows:?}");
        for m in redactor.find_matches(&text) {
            let inside = windows
                .iter()
                .any(|w| w.start <= m.start() && m.end() <= w.end);
            assert!(inside, "{m:?} outside {windows:?}");
        }
        assert_eq!(
            all_windows(&redactor, &"no match ".repeat(100)),
            Some(vec![])
        );
    }

    /// Bytes that `redact`'s first scan of `text` searched at once and in windows, from caches
    /// that have learnt nothing yet, or that the last texts were dense (`dense`).
    fn searched(redactor: &Redactor, text: &str, dense: bool) -> (usize, usize) {
        let mut caches = redactor.searcher.caches();
        caches.density = Density::new(caches.density.thresholds);
        if dense {
            caches.density.learn_walk(text.len(), (1024, 40, 8));
        }
        let mut push = |_, _, _| true;
        let options = (false, Strategy::Windows);
        redactor.scan_text(&mut caches, text, 0..text.len(), options, &mut push);
        (
            caches.density.searched_at_once,
            caches.density.searched_in_windows,
        )
    }

    #[test]
    fn dense_text_is_searched_at_once_and_sparse_text_in_windows() {
        let r = Redactor::default();
        let plain = "plain words and nothing more ".repeat(100);
        let sparse = format!("{plain}mail jo@example.de {plain}, or ops@example.org{plain}");
        let first_value = plain.len() + "mail jo@example.de".len();
        // A value or look-alike every 15 bytes or so, denser than any benchmark corpus.
        let dense = "card 4111 1111 1111 1111 on 2024-06-01, ip 10.0.0.1, v1.2.3 ".repeat(30);
        let long_dense = dense.repeat(40);

        // Sparse text: in windows; after dense texts, one search up to its first candidate
        // shows it sparse.
        assert_eq!(searched(&r, &sparse, false).0, 0);
        let (at_once, in_windows) = searched(&r, &sparse, true);
        assert_eq!(at_once, first_value);
        assert!(in_windows > 0);
        // Dense text: at once after dense texts; a long one at once from its first block.
        assert_eq!(searched(&r, &dense, true), (dense.len(), 0));
        assert_eq!(searched(&r, &long_dense, false), (long_dense.len(), 0));
        // A long text that turns sparse goes back to windows after a chunk or so.
        let changing = format!("{long_dense}{sparse}");
        let (at_once, in_windows) = searched(&r, &changing, false);
        assert!(
            long_dense.len() <= at_once && at_once <= long_dense.len() + first_value,
            "{at_once} bytes at once"
        );
        assert!(in_windows > 0);

        // Text too dense for one search (a chain of numbers that each read as the tail of a
        // longer one, where one search is quadratic) stays in windows, and leaves one search
        // after its first candidates.
        let chain = format!("start {} end", "+40001-00-000-0-".repeat(5000));
        for learnt in [false, true] {
            let (at_once, in_windows) = searched(&r, &chain, learnt);
            assert!(at_once < 2048, "learnt {learnt}: {at_once} bytes at once");
            assert!(in_windows > chain.len() / 2, "learnt {learnt}");
        }

        // What the scans learn carries to the next texts: a short dense text is scanned in
        // windows when nothing is known, and after it the next one at once; sparse texts bring
        // windows back.
        let mut caches = r.searcher.caches();
        caches.density = Density::new(caches.density.thresholds);
        let mut push = |_, _, _| true;
        let options = (false, Strategy::Windows);
        r.scan_text(&mut caches, &dense, 0..dense.len(), options, &mut push);
        assert_eq!(caches.density.searched_at_once, 0);
        assert!(caches.density.dense);
        r.scan_text(&mut caches, &sparse, 0..sparse.len(), options, &mut push);
        assert!(!caches.density.dense);
    }

    #[test]
    fn where_one_search_takes_over_follows_the_configuration() {
        // After texts with 10 walk ends per KB, the default redactor searches the next text at
        // once; with 1,000 keywords (an automaton several times larger, whose one search is
        // far dearer) it keeps the windows.
        let keyword = |i: usize| -> String {
            (0..6)
                .map(|d| char::from(b'a' + (i / 26usize.pow(d) % 26) as u8))
                .collect()
        };
        let keywords = Redactor::new(RedactionConfig {
            keywords: (0..1000).map(keyword).collect(),
            ..RedactionConfig::default()
        })
        .expect("builds");
        let text = "plain words and nothing more ".repeat(40);
        for (redactor, at_once) in [(&Redactor::default(), true), (&keywords, false)] {
            let mut caches = redactor.searcher.caches();
            caches.density = Density::new(caches.density.thresholds);
            for _ in 0..50 {
                caches.density.learn_walk(1024, (1024, 10, 4));
            }
            let mut push = |_, _, _| true;
            let options = (false, Strategy::Windows);
            redactor.scan_text(&mut caches, &text, 0..text.len(), options, &mut push);
            assert_eq!(caches.density.searched_at_once > 0, at_once);
        }
    }

    #[test]
    fn a_match_longer_than_the_margin_falls_back_to_one_search() {
        let redactor = Redactor::new(RedactionConfig {
            custom_patterns: vec!["BEGIN[^!]*END".into()],
            ..RedactionConfig::default()
        })
        .expect("builds");
        // The email's window is handed out long before END shows that it lies inside a match.
        let filler = "x ".repeat(10 * SETTLED_MARGIN_FOR_TESTS);
        let text = format!("BEGIN {filler} jo@example.de {filler} END and more");
        assert_eq!(all_windows(&redactor, &text), None);
        assert_eq!(redactor.redact(&text), "[REDACTED] and more");
    }

    #[test]
    fn windows_find_what_one_search_finds() {
        let configs = [
            RedactionConfig::default(),
            RedactionConfig {
                custom_patterns: vec![
                    r"\b\d{4}-\d{4}-\d{4}-\d{4}\b".into(),
                    r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Z|a-z]{2,}\b".into(),
                ],
                keywords: vec!["acme corp".into(), "Project Falcon".into(), "Müller".into()],
                label_entities: true,
                ..RedactionConfig::default()
            },
            // Patterns that match the empty string or loop back to their start.
            RedactionConfig {
                custom_patterns: vec!["a*b".into(), "x?[0-9]+y".into(), "(?:ab)*c".into()],
                ..RedactionConfig::default()
            },
            // Unicode word boundaries: the DFAs give up on non-ASCII text.
            RedactionConfig {
                custom_patterns: vec![r"\bcase-\d+\b".into()],
                ascii_word_boundaries: false,
                ..RedactionConfig::default()
            },
            // Patterns that end with a run the walk cuts off: prefixes whose alternatives end
            // in the run's bytes, a run of zero or more, a run with non-ASCII members (not cut).
            RedactionConfig {
                custom_patterns: vec![
                    "(?:ab|a)b+".into(),
                    "q[a-z]{2,}".into(),
                    "[0-9]+-[0-9a-f]{3,}".into(),
                    "z(?:y|yy)y*".into(),
                    "v[a-c]*".into(),
                    "é[a-zé]+".into(),
                ],
                keywords: vec!["abb".into()],
                ..RedactionConfig::default()
            },
            // Matches longer than the settled margin: the scan falls back to one search.
            RedactionConfig {
                custom_patterns: vec!["BEGIN[^!]*END".into()],
                replacement_text: "0000".into(),
                ..RedactionConfig::none()
            },
        ];
        for (i, config) in configs.into_iter().enumerate() {
            let redactor = Redactor::new(config).expect("builds");
            let mut seed = 17 + i as u64;
            for case in 0..600 {
                let text = text(&mut seed, if case % 10 == 0 { 400 } else { 60 });
                // Half the texts start as if the last one was dense: both searches, and the
                // switches between them, are compared.
                let mut caches = redactor.searcher.caches();
                caches.density = Density::new(caches.density.thresholds);
                if case % 2 == 0 {
                    caches.density.learn_walk(text.len(), (1024, 40, 8));
                }
                drop(caches);
                assert_eq!(
                    redactor.find_matches_by(&text, Strategy::Windows),
                    redactor.find_matches_by(&text, Strategy::Whole),
                    "config #{i}: {text:?}"
                );
                assert_eq!(
                    redactor.redact_by(&text, Strategy::Windows),
                    redactor.redact_by(&text, Strategy::Whole),
                    "config #{i}: {text:?}"
                );
            }
        }
    }

    #[test]
    fn default_builds() {
        let r = Redactor::new(RedactionConfig::default());
        assert!(r.is_ok(), "{r:?}");
    }

    #[test]
    fn ascii_rewrite_removes_unicode_boundaries() {
        let hir = regex_syntax::parse(r"(?:\bfoo\b|\Bbar\<|x\b{end-half})+").expect("parses");
        assert!(hir.properties().look_set().contains_word_unicode());
        let ascii = ascii_word_boundaries(hir);
        assert!(!ascii.properties().look_set().contains_word_unicode());
        assert!(ascii.properties().look_set().contains_word_ascii());
    }

    #[test]
    fn first_byte_sets() {
        let set = |p: &str| ByteSet::of(&regex_syntax::parse(p).expect("parses"));
        let s = set(r"(?-u:\b)[2-6][0-9]{3}");
        assert!(s.contains(b'2') && s.contains(b'6') && !s.contains(b'1') && !s.contains(b'a'));
        let s = set(r"(?:x?y|\(z)");
        assert!(s.contains(b'x') && s.contains(b'y') && s.contains(b'(') && !s.contains(b'z'));
        let s = set(r"(?i)é");
        assert!(s.contains(0xC3) && !s.contains(b'e'));
        let s = set(r"a*");
        assert!(s.contains(0) && s.contains(255));
    }

    #[test]
    fn next_char_steps_over_multibyte() {
        let s = "aé😀";
        assert_eq!(next_char(s, 0), 1);
        assert_eq!(next_char(s, 1), 3);
        assert_eq!(next_char(s, 3), 7);
        assert_eq!(next_char(s, 7), 7);
    }
}
