//! Context inheritance: attributes that a span passes on to every descendant started after.
//!
//! Each rizk span carries a *frame*: the trace it belongs to and the attributes its descendants
//! inherit (organization, project, workflow name, agent, and whatever `set_span_context` added).
//! The frame travels with the span's OpenTelemetry context: it is pushed on a thread-local stack
//! whenever that context is entered (by the macros, by every poll of an instrumented future, by
//! the propagation helpers) and popped when it is left. Keeping it out of the OpenTelemetry
//! `Context` map avoids three allocations per span.

use opentelemetry::trace::{TraceContextExt, TraceId};
use opentelemetry::{Array, Context, Key, KeyValue, StringValue, Value};
use std::cell::RefCell;
use std::sync::Arc;

use crate::semconv;

/// What a span passes on to its descendants.
#[derive(Clone, Debug, Default)]
pub(crate) struct Frame {
    pub(crate) trace_id: Option<TraceId>,
    pub(crate) inherited: Option<Arc<[KeyValue]>>,
}

impl Frame {
    pub(crate) fn inherited(&self) -> &[KeyValue] {
        self.inherited.as_deref().unwrap_or(&[])
    }
}

thread_local! {
    static FRAMES: RefCell<Vec<Frame>> = const { RefCell::new(Vec::new()) };
}

/// The innermost frame on this thread, if it belongs to `trace_id`.
pub(crate) fn current_frame_for(trace_id: TraceId) -> Option<Frame> {
    FRAMES.with(|frames| {
        frames
            .borrow()
            .last()
            .filter(|f| f.trace_id == Some(trace_id))
            .cloned()
    })
}

/// The innermost frame on this thread, whatever its trace.
pub(crate) fn current_frame() -> Option<Frame> {
    FRAMES.with(|frames| frames.borrow().last().cloned())
}

/// A frame pushed on this thread's stack; popping writes back what `set_span_context` changed.
pub(crate) struct FrameGuard<'a> {
    slot: &'a mut Frame,
    depth: usize,
}

impl<'a> FrameGuard<'a> {
    pub(crate) fn push(slot: &'a mut Frame) -> Self {
        let depth = FRAMES.with(|frames| {
            let mut frames = frames.borrow_mut();
            frames.push(slot.clone());
            frames.len()
        });
        FrameGuard { slot, depth }
    }
}

impl Drop for FrameGuard<'_> {
    fn drop(&mut self) {
        FRAMES.with(|frames| {
            let mut frames = frames.borrow_mut();
            // Frames nest with the code that pushes them; a deeper leftover means a guard was
            // leaked (mem::forget): drop those too rather than leak state into later spans.
            frames.truncate(self.depth);
            if let Some(frame) = frames.pop() {
                *self.slot = frame;
            }
        });
    }
}

/// Builds the frame of a new span: the parent's inherited attributes, with `own` replacing
/// entries of the same key. Shares the parent's list when `own` changes nothing.
pub(crate) fn child_frame(
    trace_id: TraceId,
    parent: Option<&Frame>,
    own: &[Option<KeyValue>],
) -> Frame {
    let parent_attrs = parent.and_then(|f| f.inherited.clone());
    let inherited_slice = parent_attrs.as_deref().unwrap_or(&[]);
    let unchanged = own.iter().flatten().all(|kv| {
        inherited_slice
            .iter()
            .any(|p| p.key == kv.key && p.value == kv.value)
    });
    let inherited = if unchanged {
        parent_attrs
    } else {
        Some(merge(inherited_slice, own.iter().flatten().cloned()))
    };
    Frame {
        trace_id: Some(trace_id),
        inherited,
    }
}

/// `base` with every key of `updates` combined in ([`combine`]) or appended.
fn merge(base: &[KeyValue], updates: impl IntoIterator<Item = KeyValue>) -> Arc<[KeyValue]> {
    let mut merged: Vec<KeyValue> = base.to_vec();
    for kv in updates {
        match merged.iter_mut().find(|existing| existing.key == kv.key) {
            Some(existing) => existing.value = combine(kv.key.as_str(), &existing.value, kv.value),
            None => merged.push(kv),
        }
    }
    merged.into()
}

/// How a descendant's value of an inherited key meets its ancestor's: tags add up (in order,
/// without repeats), metadata objects merge (the descendant's entry wins), anything else is
/// replaced. The one place this rule is written: macro arguments, `add_tags`, `add_metadata`
/// and `set_span_context` all go through it.
pub(crate) fn combine(key: &str, old: &Value, new: Value) -> Value {
    match (key, old, new) {
        (
            semconv::TAG_TAGS | semconv::LANGFUSE_TRACE_TAGS,
            Value::Array(Array::String(old)),
            Value::Array(Array::String(new)),
        ) => {
            let mut tags = old.clone();
            for tag in new {
                if !tags.contains(&tag) {
                    tags.push(tag);
                }
            }
            Value::Array(Array::String(tags))
        }
        (semconv::METADATA, Value::String(old), Value::String(new)) => {
            let parse = |s: &str| {
                serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(s).ok()
            };
            match (parse(old.as_str()), parse(new.as_str())) {
                (Some(mut merged), Some(newer)) => {
                    merged.extend(newer);
                    Value::String(serde_json::Value::Object(merged).to_string().into())
                }
                _ => Value::String(new),
            }
        }
        (_, _, new) => new,
    }
}

/// Tags for the current span and every descendant started after this call (OpenInference
/// `tag.tags`, and `langfuse.trace.tags`): they add up with the tags inherited already. Like
/// [`set_span_context`], whose rules apply.
///
/// ```
/// # let spans = rizk_core::export::InMemoryExporter::default();
/// # let rizk = rizk_core::RizkBuilder::new().app_name("doc").console_exporter(false)
/// #     .ignore_environment().with_exporter("memory", spans.clone()).init().unwrap();
/// use opentelemetry::trace::Tracer as _;
///
/// rizk_core::get_tracer("doc").in_span("handle", |_cx| rizk_core::add_tags(["vip", "beta"]));
/// rizk.flush().unwrap();
/// assert!(format!("{:?}", spans.find("handle").unwrap().attributes).contains("vip"));
/// ```
pub fn add_tags<I, S>(tags: I)
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let tags: Vec<StringValue> = tags.into_iter().map(|t| t.into().into()).collect();
    if !tags.is_empty() {
        set_span_context([KeyValue::new(
            semconv::TAG_TAGS,
            Value::Array(Array::String(tags)),
        )]);
    }
}

/// Free-form metadata for the current span and every descendant started after this call
/// (OpenInference `metadata`, a JSON object): entries merge with the metadata inherited
/// already, a later entry of the same name winning. Like [`set_span_context`], whose rules
/// apply. Metadata is not content: keep prompts and user text out of it.
///
/// ```
/// # let spans = rizk_core::export::InMemoryExporter::default();
/// # let rizk = rizk_core::RizkBuilder::new().app_name("doc").console_exporter(false)
/// #     .ignore_environment().with_exporter("memory", spans.clone()).init().unwrap();
/// use opentelemetry::trace::Tracer as _;
///
/// rizk_core::get_tracer("doc").in_span("handle", |_cx| {
///     rizk_core::add_metadata([("customer_tier", "gold"), ("region", "eu")]);
/// });
/// rizk.flush().unwrap();
/// assert!(format!("{:?}", spans.find("handle").unwrap().attributes).contains("customer_tier"));
/// ```
pub fn add_metadata<I, K, V>(entries: I)
where
    I: IntoIterator<Item = (K, V)>,
    K: Into<String>,
    V: Into<serde_json::Value>,
{
    let object: serde_json::Map<String, serde_json::Value> = entries
        .into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .collect();
    if !object.is_empty() {
        set_span_context([KeyValue::new(
            semconv::METADATA,
            serde_json::Value::Object(object).to_string(),
        )]);
    }
}

/// Makes a key-value cheap to clone: owned strings become reference-counted, since an inherited
/// attribute is copied onto every descendant span.
fn shareable(kv: KeyValue) -> KeyValue {
    let key = Key::from(Arc::<str>::from(kv.key.as_str()));
    let value = match kv.value {
        Value::String(s) => Value::String(StringValue::from(Arc::<str>::from(s.as_str()))),
        other => other,
    };
    KeyValue::new(key, value)
}

/// Stamps `attributes` on the current span and on every descendant span started after this
/// call, in this process: the spec's `set_span_context`.
///
/// The attributes belong to the innermost rizk span (`#[workflow]`, `#[task]`, ...): spans
/// started later inside it, on any thread or task its context reaches (see
/// [`crate::spawn_thread`], [`crate::PropagateExt`]), carry them. Keys of the spec that backends know under other names
/// are written under those too (`conversation.id` also as `session.id` and
/// `gen_ai.conversation.id`). Outside any rizk span only the current span gets them; inside a
/// span that is not sampled nothing is recorded or passed on.
///
/// ```
/// use opentelemetry::KeyValue;
/// use rizk_core::set_span_context;
///
/// // Inside a #[workflow]: every task it calls afterwards carries these.
/// set_span_context([
///     KeyValue::new("document.type", "contract"),
///     KeyValue::new("conversation.id", "conv_67890"),
/// ]);
/// ```
pub fn set_span_context<I>(attributes: I)
where
    I: IntoIterator<Item = KeyValue>,
{
    let mut attrs: Vec<KeyValue> = Vec::new();
    for kv in attributes {
        let kv = shareable(kv);
        for alias in semconv::aliases(kv.key.as_str()) {
            attrs.push(KeyValue::new(Key::from_static_str(alias), kv.value.clone()));
        }
        attrs.push(kv);
    }
    if attrs.is_empty() {
        return;
    }
    let cx = Context::current();
    let span = cx.span();
    // An unsampled span records nothing and passes nothing on.
    if !span.is_recording() {
        return;
    }
    let trace_id = span.span_context().trace_id();
    // The span gets what its frame now holds: for tags and metadata, the inherited ones too.
    let combined = FRAMES.with(|frames| {
        let mut frames = frames.borrow_mut();
        let top = frames
            .last_mut()
            .filter(|top| top.trace_id == Some(trace_id))?;
        let merged = merge(top.inherited(), attrs.iter().cloned());
        let own: Vec<KeyValue> = merged
            .iter()
            .filter(|kv| attrs.iter().any(|a| a.key == kv.key))
            .cloned()
            .collect();
        top.inherited = Some(merged);
        Some(own)
    });
    span.set_attributes(combined.unwrap_or(attrs));
}

/// The attributes the innermost rizk span passes on to its descendants (organization,
/// project, workflow, agent and `set_span_context` keys), for integrations that carry them
/// further, such as baggage to another service.
///
/// ```
/// assert!(rizk_core::inherited_attributes().is_empty()); // no span here
/// ```
pub fn inherited_attributes() -> Vec<KeyValue> {
    let trace_id = Context::map_current(|cx| cx.span().span_context().trace_id());
    current_frame_for(trace_id)
        .map(|f| f.inherited().to_vec())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trace(n: u128) -> TraceId {
        TraceId::from(n)
    }

    #[test]
    fn child_frame_shares_parent_list_when_nothing_changes() {
        let parent = child_frame(
            trace(1),
            None,
            &[Some(KeyValue::new("organization.id", "acme"))],
        );
        let child = child_frame(
            trace(1),
            Some(&parent),
            &[Some(KeyValue::new("organization.id", "acme"))],
        );
        assert!(Arc::ptr_eq(
            parent.inherited.as_ref().unwrap(),
            child.inherited.as_ref().unwrap()
        ));
    }

    #[test]
    fn own_attributes_replace_inherited_ones_with_the_same_key() {
        let parent = child_frame(
            trace(1),
            None,
            &[
                Some(KeyValue::new("organization.id", "acme")),
                Some(KeyValue::new("project.id", "a")),
            ],
        );
        let child = child_frame(
            trace(1),
            Some(&parent),
            &[Some(KeyValue::new("project.id", "b"))],
        );
        let got: Vec<(String, String)> = child
            .inherited()
            .iter()
            .map(|kv| (kv.key.to_string(), kv.value.to_string()))
            .collect();
        assert_eq!(
            got,
            [
                ("organization.id".into(), "acme".into()),
                ("project.id".into(), "b".into())
            ]
        );
    }

    #[test]
    fn frames_pop_back_into_their_slot_with_changes() {
        let mut slot = Frame {
            trace_id: Some(trace(7)),
            inherited: None,
        };
        {
            let _guard = FrameGuard::push(&mut slot);
            FRAMES.with(|f| {
                f.borrow_mut().last_mut().unwrap().inherited =
                    Some(vec![KeyValue::new("k", "v")].into())
            });
        }
        assert_eq!(slot.inherited().len(), 1);
        assert!(current_frame().is_none());
    }

    #[test]
    fn current_frame_for_ignores_frames_of_other_traces() {
        let mut slot = Frame {
            trace_id: Some(trace(7)),
            inherited: None,
        };
        let _guard = FrameGuard::push(&mut slot);
        assert!(current_frame_for(trace(7)).is_some());
        assert!(current_frame_for(trace(8)).is_none());
    }
}
