//! The export stage: the cost of every LLM span from its token counts and model, and the totals
//! (tokens by type, calls, cost) of every ancestor. Children end before their parents, so the
//! stage keeps, per parent not yet seen, the totals of its ended children, and writes them when
//! the parent arrives; nothing waits.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use opentelemetry::trace::SpanId;
use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::trace::SpanData;
use rizk_core::content::SpanTransform;
use rizk_core::semconv as keys;

use crate::{Pricer, TokenUsage};

/// Parents whose children's totals wait for them, at most: a parent that never reaches this
/// stage (dropped, or ended after the process stopped exporting) must not hold memory forever.
/// About 100 bytes each.
const MAX_WAITING_PARENTS: usize = 65_536;

/// Model names noted as unpriced, at most (each is noted once).
const MAX_NOTED_MODELS: usize = 1_024;

/// LLM calls that found no price, since the process started.
static UNPRICED_CALLS: AtomicU64 = AtomicU64::new(0);

/// LLM calls that got no cost because no price was known for their model (each such model is
/// named once in a debug note: `RUST_LOG=rizk=debug`, or `trace_debug`).
///
/// ```
/// // After a run, for a health check or a log line:
/// let unpriced = rizk_cost::unpriced_calls();
/// println!("{unpriced} LLM calls had no known price");
/// ```
pub fn unpriced_calls() -> u64 {
    UNPRICED_CALLS.load(Ordering::Relaxed)
}

/// The totals of a subtree.
#[derive(Debug, Clone, Copy, Default)]
struct Totals {
    calls: u64,
    unpriced: u64,
    usage: TokenUsage,
    cost: f64,
}

impl Totals {
    fn add(&mut self, other: &Totals) {
        self.calls += other.calls;
        self.unpriced += other.unpriced;
        self.usage.input += other.usage.input;
        self.usage.output += other.usage.output;
        self.usage.cache_read += other.usage.cache_read;
        self.usage.cache_write += other.usage.cache_write;
        self.usage.reasoning += other.usage.reasoning;
        self.cost += other.cost;
    }
}

#[derive(Debug, Default)]
struct Waiting {
    totals: HashMap<SpanId, Totals>,
    /// Insertion order, to let the oldest go first past [`MAX_WAITING_PARENTS`].
    order: VecDeque<SpanId>,
    noted: HashSet<String>,
}

/// The cost stage (an enricher of rizk's export path).
#[derive(Debug)]
pub(crate) struct CostTransform {
    pricer: Pricer,
    waiting: Mutex<Waiting>,
}

impl CostTransform {
    pub(crate) fn new(pricer: Pricer) -> Self {
        CostTransform {
            pricer,
            waiting: Mutex::new(Waiting::default()),
        }
    }
}

fn int(span: &SpanData, names: &[&str]) -> Option<u64> {
    names.iter().find_map(|name| {
        span.attributes
            .iter()
            .find(|kv| kv.key.as_str() == *name)
            .and_then(|kv| match &kv.value {
                Value::I64(n) => u64::try_from(*n).ok(),
                Value::F64(f) if *f >= 0.0 && f.is_finite() => Some(*f as u64),
                Value::String(s) => s.as_str().parse().ok(),
                _ => None,
            })
    })
}

fn text<'a>(span: &'a SpanData, names: &[&str]) -> Option<std::borrow::Cow<'a, str>> {
    names.iter().find_map(|name| {
        span.attributes
            .iter()
            .find(|kv| kv.key.as_str() == *name)
            .map(|kv| kv.value.as_str())
            .filter(|s| !s.is_empty())
    })
}

/// The token counts of an LLM call, in either convention's keys; `None` for a span that is not
/// one.
fn usage_of(span: &SpanData) -> Option<TokenUsage> {
    let input = int(
        span,
        &[
            keys::GEN_AI_USAGE_INPUT_TOKENS,
            keys::LLM_TOKEN_COUNT_PROMPT,
        ],
    );
    let output = int(
        span,
        &[
            keys::GEN_AI_USAGE_OUTPUT_TOKENS,
            keys::LLM_TOKEN_COUNT_COMPLETION,
        ],
    );
    if input.is_none() && output.is_none() {
        return None;
    }
    Some(TokenUsage {
        input: input.unwrap_or(0),
        output: output.unwrap_or(0),
        cache_read: int(
            span,
            &[
                keys::GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
                keys::LLM_TOKEN_COUNT_CACHE_READ,
            ],
        )
        .unwrap_or(0),
        cache_write: int(
            span,
            &[
                keys::GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
                keys::LLM_TOKEN_COUNT_CACHE_WRITE,
            ],
        )
        .unwrap_or(0),
        reasoning: int(
            span,
            &[
                keys::GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
                keys::LLM_TOKEN_COUNT_REASONING,
            ],
        )
        .unwrap_or(0),
    })
}

impl SpanTransform for CostTransform {
    fn transform(&self, span: &mut SpanData) {
        let Ok(mut waiting) = self.waiting.lock() else {
            return;
        };
        let id = span.span_context.span_id();
        let children = waiting.totals.remove(&id);
        let mut totals = Totals::default();
        if let Some(usage) = usage_of(span) {
            totals.calls = 1;
            totals.usage = usage;
            // The model that answered (a dated snapshot) first: the price of what was served;
            // then the name requested, which is the one users give their own prices for.
            let mut models: Vec<std::borrow::Cow<'_, str>> = Vec::new();
            for key in [
                keys::GEN_AI_RESPONSE_MODEL,
                keys::GEN_AI_REQUEST_MODEL,
                keys::LLM_MODEL_NAME,
            ] {
                if let Some(name) = text(span, &[key])
                    && !models.contains(&name)
                {
                    models.push(name);
                }
            }
            let provider = text(
                span,
                &[
                    keys::GEN_AI_PROVIDER_NAME,
                    "gen_ai.system",
                    keys::LLM_PROVIDER,
                ],
            );
            let names: Vec<&str> = models.iter().map(AsRef::as_ref).collect();
            let cost =
                self.pricer
                    .cost_of_any(provider.as_deref(), &names, &usage, Some(span.start_time));
            let model = models.first().cloned();
            match cost {
                Some(cost) => {
                    totals.cost = cost.total;
                    span.attributes.extend([
                        KeyValue::new(keys::LLM_COST_PROMPT, cost.input),
                        KeyValue::new(keys::LLM_COST_COMPLETION, cost.output),
                        KeyValue::new(keys::LLM_COST_TOTAL, cost.total),
                    ]);
                }
                None => {
                    totals.unpriced = 1;
                    UNPRICED_CALLS.fetch_add(1, Ordering::Relaxed);
                    let model = model.map_or_else(|| "(no model)".to_owned(), |m| m.into_owned());
                    if waiting.noted.len() < MAX_NOTED_MODELS && waiting.noted.insert(model.clone())
                    {
                        rizk_core::diagnostics::debug(&format!(
                            "no price for model {model:?}: its LLM spans get no cost; give one with model_price(...) or RIZK_PRICES_FILE"
                        ));
                    }
                }
            }
        }
        let own_call = totals.calls == 1;
        if let Some(children) = &children {
            totals.add(children);
        }
        if totals.calls == 0 {
            return self.pass_up(&mut waiting, span, totals);
        }
        if totals.calls > totals.unpriced {
            span.attributes
                .push(KeyValue::new(keys::RIZK_COST_USD, totals.cost));
        }
        // An ancestor's (or an LLM span's with LLM children) subtree totals.
        if children.is_some() || !own_call {
            let u = totals.usage;
            span.attributes.extend(
                [
                    (keys::RIZK_USAGE_LLM_CALLS, totals.calls),
                    (keys::RIZK_USAGE_INPUT_TOKENS, u.input),
                    (keys::RIZK_USAGE_OUTPUT_TOKENS, u.output),
                    (keys::RIZK_USAGE_CACHE_READ_INPUT_TOKENS, u.cache_read),
                    (keys::RIZK_USAGE_CACHE_CREATION_INPUT_TOKENS, u.cache_write),
                    (keys::RIZK_USAGE_REASONING_OUTPUT_TOKENS, u.reasoning),
                ]
                .into_iter()
                .filter(|(_, n)| *n > 0)
                .map(|(key, n)| KeyValue::new(key, i64::try_from(n).unwrap_or(i64::MAX))),
            );
            if totals.unpriced > 0 {
                span.attributes.push(KeyValue::new(
                    keys::RIZK_COST_UNPRICED_CALLS,
                    i64::try_from(totals.unpriced).unwrap_or(i64::MAX),
                ));
            }
        }
        self.pass_up(&mut waiting, span, totals);
    }
}

impl CostTransform {
    /// Adds a span's subtree totals to its parent's, which ends later (a remote parent is in
    /// another process: nothing to add to).
    fn pass_up(&self, waiting: &mut Waiting, span: &SpanData, totals: Totals) {
        let parent = span.parent_span_id;
        if totals.calls == 0 || parent == SpanId::INVALID || span.parent_span_is_remote {
            return;
        }
        match waiting.totals.get_mut(&parent) {
            Some(sum) => sum.add(&totals),
            None => {
                if waiting.order.len() >= MAX_WAITING_PARENTS
                    && let Some(oldest) = waiting.order.pop_front()
                {
                    waiting.totals.remove(&oldest);
                }
                waiting.totals.insert(parent, totals);
                waiting.order.push_back(parent);
            }
        }
        // Keep the order queue from growing with parents that already arrived.
        if waiting.order.len() > 2 * waiting.totals.len() + 64 {
            let Waiting { totals, order, .. } = waiting;
            order.retain(|id| totals.contains_key(id));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;
    use std::time::SystemTime;

    use opentelemetry::InstrumentationScope;
    use opentelemetry::trace::{SpanContext, SpanKind, Status, TraceFlags, TraceId, TraceState};
    use opentelemetry_sdk::trace::{SpanEvents, SpanLinks};

    use super::*;

    fn span(id: u64, parent: u64, attributes: Vec<KeyValue>) -> SpanData {
        SpanData {
            span_context: SpanContext::new(
                TraceId::from(9),
                SpanId::from(id),
                TraceFlags::SAMPLED,
                false,
                TraceState::default(),
            ),
            parent_span_id: SpanId::from(parent),
            parent_span_is_remote: false,
            span_kind: SpanKind::Internal,
            name: Cow::Borrowed("s"),
            start_time: SystemTime::UNIX_EPOCH,
            end_time: SystemTime::UNIX_EPOCH,
            attributes,
            dropped_attributes_count: 0,
            events: SpanEvents::default(),
            links: SpanLinks::default(),
            status: Status::Unset,
            instrumentation_scope: InstrumentationScope::builder("test").build(),
        }
    }

    fn llm(id: u64, parent: u64) -> SpanData {
        span(
            id,
            parent,
            vec![
                KeyValue::new(keys::GEN_AI_REQUEST_MODEL, "mine"),
                KeyValue::new(keys::GEN_AI_USAGE_INPUT_TOKENS, 1_000_000_i64),
                KeyValue::new(keys::GEN_AI_USAGE_OUTPUT_TOKENS, 500_000_i64),
            ],
        )
    }

    fn value(span: &SpanData, key: &str) -> Option<Value> {
        span.attributes
            .iter()
            .find(|kv| kv.key.as_str() == key)
            .map(|kv| kv.value.clone())
    }

    fn stage() -> CostTransform {
        CostTransform::new(Pricer::new(vec![(
            "mine".into(),
            crate::ModelPrice::new(1.0, 2.0),
        )]))
    }

    #[test]
    fn children_totals_reach_their_parent_and_its_parent() {
        let stage = stage();
        let (mut a, mut b) = (llm(3, 2), llm(4, 2));
        stage.transform(&mut a);
        stage.transform(&mut b);
        assert_eq!(value(&a, keys::LLM_COST_TOTAL), Some(Value::F64(2.0)));
        let mut agent = span(2, 1, Vec::new());
        stage.transform(&mut agent);
        assert_eq!(value(&agent, keys::RIZK_COST_USD), Some(Value::F64(4.0)));
        assert_eq!(
            value(&agent, keys::RIZK_USAGE_LLM_CALLS),
            Some(Value::I64(2))
        );
        assert_eq!(
            value(&agent, keys::RIZK_USAGE_INPUT_TOKENS),
            Some(Value::I64(2_000_000))
        );
        let mut root = span(1, 0, Vec::new());
        stage.transform(&mut root);
        assert_eq!(value(&root, keys::RIZK_COST_USD), Some(Value::F64(4.0)));
        // Nothing is left waiting once the root arrived.
        assert!(stage.waiting.lock().unwrap().totals.is_empty());
    }

    #[test]
    fn parents_that_never_arrive_hold_at_most_the_bound() {
        let stage = stage();
        let orphans = MAX_WAITING_PARENTS as u64 + 100;
        for i in 0..orphans {
            // Every call under a parent of its own that never ends here.
            let mut call = llm(1_000_000 + i, 10 + i);
            stage.transform(&mut call);
        }
        let waiting = stage.waiting.lock().unwrap();
        assert_eq!(waiting.totals.len(), MAX_WAITING_PARENTS);
        assert!(waiting.order.len() <= 2 * MAX_WAITING_PARENTS + 64);
        // The oldest went first.
        assert!(!waiting.totals.contains_key(&SpanId::from(10)));
        assert!(waiting.totals.contains_key(&SpanId::from(10 + orphans - 1)));
    }
}
