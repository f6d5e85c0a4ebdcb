//! The export-side stages, in the one order every span meets them.
//!
//! A span's whole path, for reference (the first two run on the application thread, at the
//! span's start, inside the SDK; everything here runs once per span on the export thread):
//!
//! 1. head sampling (`sampling::HeadSampler`), at start, which also gives a kept span the
//!    attributes it inherits (`set_span_context`, organization, workflow, agent);
//! 2. the exporters' memory budget (`pipeline.rs`), at end;
//! 3. **holds**: tail sampling keeps a trace until its root ends, then keeps or drops it whole;
//! 4. **transforms**, after one value per key (an attribute set again on a live span, as
//!    `set_span_context` and `add_tags` do over what the span inherited, keeps its last value:
//!    the SDK appends instead of replacing, and OTLP wants keys unique), in this order:
//!    1. stack traces: those captured on the application thread are resolved into text here
//!       (`backtrace.rs`: the slow part of a stack trace stays off that thread), before
//!       anything reads them; then the enrichers: attributes derived from others, such as the
//!       cost of an LLM call from its token counts and model, and its ancestors' totals
//!       (`rizk-cost`), while every key is still there;
//!    2. the semantic-convention choices: GenAI span names, status OK, the key families
//!       exported (`conventions.rs`), so that keys left out are never scanned;
//!    3. inline media (base64 images, audio) replaced by a placeholder, before anything scans it;
//!    4. the content policy: omit, hash or redact content (`content_transform.rs`);
//!    5. payload limits: the content cap and the attribute value length limit;
//!    6. the user's transforms (`RizkBuilder::span_transform`);
//! 5. fan-out: one copy per exporter, each into that exporter's own queue (`queue.rs`).
//!
//! Redaction comes before the cap so that a secret is never cut in half and left half
//! readable; media comes first so that a megabyte of base64 is never scanned.

use std::sync::Arc;
use std::time::Instant;

use opentelemetry_sdk::trace::SpanData;

use super::hold::ExportStage;
use crate::content::SpanTransform;

/// Holds (tail sampling) then transforms, each run once per span.
#[derive(Default)]
pub(crate) struct Stages {
    holds: Vec<Box<dyn ExportStage>>,
    transforms: Vec<Arc<dyn SpanTransform>>,
}

/// The export-side stages of one pipeline, by role; [`Stages::new`] puts them in order.
pub(crate) struct StageParts {
    /// Tail sampling (step 3), when on.
    pub(crate) tail: Option<Box<dyn ExportStage>>,
    /// The enrichers (step 4.1), in the order given.
    pub(crate) enrichers: Vec<Arc<dyn SpanTransform>>,
    /// The semantic-convention choices (step 4.2), unless they change nothing.
    pub(crate) conventions: Option<Arc<dyn SpanTransform>>,
    /// Inline media placeholders (step 4.3), unless media is kept.
    pub(crate) media: Option<Arc<dyn SpanTransform>>,
    /// The content policy and redaction (step 4.4).
    pub(crate) content: Arc<dyn SpanTransform>,
    /// The content cap and the value length limit (step 4.5), when any applies.
    pub(crate) limits: Option<Arc<dyn SpanTransform>>,
    /// The user's transforms, in the order given (step 4.6).
    pub(crate) user: Vec<Arc<dyn SpanTransform>>,
}

impl Stages {
    /// The stages in the order of the module's list: the one place that order is written.
    pub(crate) fn new(parts: StageParts) -> Self {
        let StageParts {
            tail,
            enrichers,
            conventions,
            media,
            content,
            limits,
            user,
        } = parts;
        let mut transforms: Vec<Arc<dyn SpanTransform>> =
            vec![Arc::new(crate::backtrace::StackTraces)];
        transforms.extend(enrichers);
        transforms.extend(conventions);
        transforms.extend(media);
        transforms.push(content);
        transforms.extend(limits);
        transforms.extend(user);
        Stages {
            holds: tail.into_iter().collect(),
            transforms,
        }
    }

    /// Newly ended spans: returns those released for export, transformed.
    pub(crate) fn process(&mut self, spans: Vec<SpanData>, now: Instant) -> Vec<SpanData> {
        self.hold_from(0, spans, |stage, spans| stage.process(spans, now), now)
    }

    /// Spans whose hold became due (a trace whose root never ended).
    pub(crate) fn tick(&mut self, now: Instant) -> Vec<SpanData> {
        let mut out = Vec::new();
        for index in 0..self.holds.len() {
            out.extend(self.hold_from(index, Vec::new(), |stage, _| stage.tick(now), now));
        }
        out
    }

    /// Shutdown: every hold decides what it has; returns what is kept.
    pub(crate) fn drain(&mut self, now: Instant) -> Vec<SpanData> {
        let mut out = Vec::new();
        for index in 0..self.holds.len() {
            out.extend(self.hold_from(index, Vec::new(), |stage, _| stage.drain(), now));
        }
        out
    }

    /// Runs the hold at `first` with `step`, the later holds with `process`, then the
    /// transforms.
    fn hold_from(
        &mut self,
        first: usize,
        spans: Vec<SpanData>,
        step: impl FnOnce(&mut dyn ExportStage, Vec<SpanData>) -> Vec<SpanData>,
        now: Instant,
    ) -> Vec<SpanData> {
        let mut spans = match self.holds.get_mut(first) {
            Some(stage) => step(stage.as_mut(), spans),
            None => spans,
        };
        for stage in self.holds.iter_mut().skip(first + 1) {
            spans = stage.process(spans, now);
        }
        for span in spans.iter_mut() {
            last_value_wins(span);
            for transform in &self.transforms {
                transform.transform(span);
            }
        }
        spans
    }
}

/// Keeps the last value of every repeated attribute key, in the position of its first.
fn last_value_wins(span: &mut SpanData) {
    let attributes = &mut span.attributes;
    if attributes.len() < 2 {
        return;
    }
    let mut seen = std::collections::HashSet::with_capacity(attributes.len());
    if attributes.iter().all(|kv| seen.insert(kv.key.as_str())) {
        return;
    }
    let mut kept: Vec<opentelemetry::KeyValue> = Vec::with_capacity(attributes.len());
    for kv in attributes.drain(..) {
        match kept.iter_mut().find(|k| k.key == kv.key) {
            Some(existing) => existing.value = kv.value,
            None => kept.push(kv),
        }
    }
    *attributes = kept;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::test_span;

    #[derive(Debug)]
    struct Append(&'static str);
    impl SpanTransform for Append {
        fn transform(&self, span: &mut SpanData) {
            span.name = format!("{}{}", span.name, self.0).into();
        }
    }

    /// Holds every span until drained.
    struct HoldAll(Vec<SpanData>);
    impl ExportStage for HoldAll {
        fn process(&mut self, mut batch: Vec<SpanData>, _: Instant) -> Vec<SpanData> {
            self.0.append(&mut batch);
            Vec::new()
        }
        fn tick(&mut self, _: Instant) -> Vec<SpanData> {
            Vec::new()
        }
        fn drain(&mut self) -> Vec<SpanData> {
            std::mem::take(&mut self.0)
        }
    }

    fn parts(tail: Option<Box<dyn ExportStage>>) -> StageParts {
        StageParts {
            tail,
            enrichers: vec![Arc::new(Append("-enricher"))],
            conventions: Some(Arc::new(Append("-conventions"))),
            media: Some(Arc::new(Append("-media"))),
            content: Arc::new(Append("-content")),
            limits: Some(Arc::new(Append("-limits"))),
            user: vec![Arc::new(Append("-user1")), Arc::new(Append("-user2"))],
        }
    }

    #[test]
    fn a_key_set_again_keeps_its_last_value_in_its_first_place() {
        let mut span = test_span(
            "s",
            &[
                ("a", "1".into()),
                ("b", "old".into()),
                ("c", "3".into()),
                ("b", "new".into()),
            ],
        );
        last_value_wins(&mut span);
        let pairs: Vec<(String, String)> = span
            .attributes
            .iter()
            .map(|kv| (kv.key.to_string(), kv.value.to_string()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("a".to_owned(), "1".to_owned()),
                ("b".to_owned(), "new".to_owned()),
                ("c".to_owned(), "3".to_owned())
            ]
        );
    }

    #[test]
    fn transforms_run_in_order_once_per_span() {
        let mut stages = Stages::new(parts(None));
        let out = stages.process(vec![test_span("s", &[])], Instant::now());
        assert_eq!(
            out[0].name,
            "s-enricher-conventions-media-content-limits-user1-user2"
        );
    }

    #[test]
    fn held_spans_are_transformed_when_released_not_before() {
        let mut stages = Stages::new(parts(Some(Box::new(HoldAll(Vec::new())))));
        assert!(
            stages
                .process(vec![test_span("s", &[])], Instant::now())
                .is_empty()
        );
        assert!(stages.tick(Instant::now()).is_empty());
        let out = stages.drain(Instant::now());
        assert_eq!(out.len(), 1);
        assert_eq!(
            out[0].name,
            "s-enricher-conventions-media-content-limits-user1-user2"
        );
    }
}
