//! The replacements of [`Redactor::redact`](crate::Redactor::redact) as edits of the original
//! text, rendered piece by piece for the searches after the first.
//!
//! Replacing a match changes its neighbours' context, and that can complete a built-in that
//! was rejected before: a phone number preceded by `5-` is taken for the tail of a longer
//! number until the match ending in `5` is replaced. A chain of such numbers completes one
//! link per search, so the searches go on until nothing new appears. Each one renders only the
//! piece of text around the latest replacements, and an edit never rewrites the whole output:
//! a chain costs about its own length per link, not the text's.

use std::collections::BTreeMap;
use std::ops::Range;

/// What replaces an original range.
#[derive(Clone, Debug)]
pub(crate) enum Replacement {
    /// The replacement text of this detector (pattern index).
    Detector(usize),
    /// Text built when a later match covered part of an earlier replacement.
    Text(String),
}

/// Sorted, disjoint replacements of ranges of `text`.
pub(crate) struct Edits<'t> {
    text: &'t str,
    /// Original start -> (original end, replacement).
    map: BTreeMap<usize, (usize, Replacement)>,
}

/// The text around a region of the original, with the edits applied, and where each of its
/// parts comes from.
pub(crate) struct Piece {
    pub(crate) text: String,
    /// The part of `text` rendering the region (the rest is context for look-around and
    /// validators).
    pub(crate) span: Range<usize>,
    segments: Vec<Segment>,
}

/// A part of a [`Piece`]: original text, or the replacement of `orig`.
struct Segment {
    /// Start in the piece's text.
    at: usize,
    orig: Range<usize>,
    replaced: bool,
}

impl<'t> Edits<'t> {
    /// The edits of `found` (sorted, disjoint `(start, end, pattern)` ranges of `text` on char
    /// boundaries).
    pub(crate) fn new(text: &'t str, found: &[(usize, usize, usize)]) -> Edits<'t> {
        let map = found
            .iter()
            .map(|&(start, end, pid)| (start, (end, Replacement::Detector(pid))))
            .collect();
        Edits { text, map }
    }

    /// Renders the original `region` with `context` more bytes on each side (both widened
    /// to char boundaries and to whole edits).
    pub(crate) fn render<'r>(
        &self,
        region: Range<usize>,
        context: usize,
        replacement: &impl Fn(usize) -> &'r str,
    ) -> Piece {
        let region = self.widen(region.start, region.end);
        let outer = self.widen(
            region.start.saturating_sub(context),
            region.end.saturating_add(context),
        );
        let mut piece = Piece {
            text: String::new(),
            span: 0..0,
            segments: Vec::new(),
        };
        let mut pos = outer.start;
        // `outer` starts at or before every edit it touches (see `widen`).
        for (&start, (end, with)) in self.map.range(outer.clone()) {
            piece.original(self.text, pos..start);
            piece.segments.push(Segment {
                at: piece.text.len(),
                orig: start..*end,
                replaced: true,
            });
            match with {
                Replacement::Detector(pid) => piece.text.push_str(replacement(*pid)),
                Replacement::Text(text) => piece.text.push_str(text),
            }
            pos = *end;
        }
        piece.original(self.text, pos..outer.end);
        piece.span = piece.offset_of(region.start)..piece.offset_of(region.end);
        piece
    }

    /// `start..end` moved out to char boundaries and to the ends of the edits it cuts.
    fn widen(&self, mut start: usize, mut end: usize) -> Range<usize> {
        let text = self.text;
        end = end.min(text.len());
        start = start.min(end);
        while start > 0 && !text.is_char_boundary(start) {
            start -= 1;
        }
        while end < text.len() && !text.is_char_boundary(end) {
            end += 1;
        }
        if let Some((&edit_start, &(edit_end, _))) = self.map.range(..start).next_back()
            && edit_end > start
        {
            start = edit_start;
        }
        if let Some((_, &(edit_end, _))) = self.map.range(..end).next_back()
            && edit_end > end
        {
            end = edit_end;
        }
        start..end
    }

    /// Replaces `piece.text[start..end]` (a match found in the piece) with `with`, returning
    /// the original range it now covers. `None` when the match lies inside replacements only
    /// (replacing it again would change nothing of the original and never end), or touches an
    /// edit made since the piece was rendered (`done`): search its region again instead.
    pub(crate) fn replace(
        &mut self,
        piece: &Piece,
        (start, end): (usize, usize),
        with: &str,
        done: &[Range<usize>],
    ) -> Option<Range<usize>> {
        let first = piece.segment(start)?;
        let last = piece.segment(end.checked_sub(1)?)?;
        let segments = piece.segments.get(first..=last)?;
        if segments.iter().all(|s| s.replaced) {
            return None;
        }
        let (head, tail) = (segments.first()?, segments.last()?);
        let (orig_start, prefix) = if head.replaced {
            (head.orig.start, piece.text.get(head.at..start)?)
        } else {
            (head.orig.start + (start - head.at), "")
        };
        let (orig_end, suffix) = if tail.replaced {
            let tail_end = piece.end_of(last);
            (tail.orig.end, piece.text.get(end..tail_end)?)
        } else {
            (tail.orig.start + (end - tail.at), "")
        };
        let orig = orig_start..orig_end;
        if done
            .iter()
            .any(|d| d.start < orig.end && orig.start < d.end)
        {
            return None;
        }
        let covered: Vec<usize> = self.map.range(orig.clone()).map(|(&s, _)| s).collect();
        for s in covered {
            self.map.remove(&s);
        }
        let text = format!("{prefix}{with}{suffix}");
        self.map
            .insert(orig.start, (orig.end, Replacement::Text(text)));
        Some(orig)
    }

    /// The text with every edit applied.
    pub(crate) fn finish<'r>(self, replacement: &impl Fn(usize) -> &'r str) -> String {
        let mut out = String::with_capacity(self.text.len());
        let mut pos = 0;
        for (&start, (end, with)) in &self.map {
            out.push_str(self.text.get(pos..start).unwrap_or_default());
            match with {
                Replacement::Detector(pid) => out.push_str(replacement(*pid)),
                Replacement::Text(text) => out.push_str(text),
            }
            pos = *end;
        }
        out.push_str(self.text.get(pos..).unwrap_or_default());
        out
    }
}

impl Piece {
    /// Appends the original `orig` (skipped when empty).
    fn original(&mut self, text: &str, orig: Range<usize>) {
        if orig.is_empty() {
            return;
        }
        self.segments.push(Segment {
            at: self.text.len(),
            orig: orig.clone(),
            replaced: false,
        });
        self.text.push_str(text.get(orig).unwrap_or_default());
    }

    /// Where the original position `orig` (not inside a replaced range) lies in the text.
    fn offset_of(&self, orig: usize) -> usize {
        for (i, s) in self.segments.iter().enumerate() {
            if s.orig.start <= orig && orig <= s.orig.end && (!s.replaced || orig == s.orig.start) {
                return s.at + if s.replaced { 0 } else { orig - s.orig.start };
            }
            if s.replaced && orig == s.orig.end && self.segments.get(i + 1).is_none() {
                return self.text.len();
            }
        }
        self.text.len()
    }

    /// The index of the segment holding byte `at` of the text.
    fn segment(&self, at: usize) -> Option<usize> {
        self.segments.partition_point(|s| s.at <= at).checked_sub(1)
    }

    /// Where segment `i` ends in the text.
    fn end_of(&self, i: usize) -> usize {
        self.segments.get(i + 1).map_or(self.text.len(), |s| s.at)
    }
}
