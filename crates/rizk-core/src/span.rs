//! The runtime side of `#[workflow]`, `#[task]`, `#[agent]` and `#[tool]`.
//!
//! A macro expands to a `static` [`SpanMeta`], one call to [`EntitySpan::start`], an optional
//! [`EntitySpan::record_input`], and [`EntitySpan::run`] (sync) or [`EntitySpan::run_async`]
//! (async). Everything else lives here, in ordinary functions.

use std::any::Any;
use std::cell::Cell;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};
use std::time::{Duration, Instant};

use opentelemetry::trace::{
    Span as _, SpanBuilder, SpanContext, Status, TraceContextExt, Tracer as _,
};
use opentelemetry::{Array, Context, Key, KeyValue, StringValue, Value};

use crate::content::ContentKind;
use crate::context::{self, Frame, FrameGuard};
use crate::meter::SpanMetric;
use crate::metrics::TIMING_SAMPLE;
use crate::probe::{Captured, CapturedError};
use crate::runtime;
use crate::sampling::{self, Early};
use crate::semconv::{self, EntityKind};

/// What a macro knows about its function at compile time. Built as a `static` by the macro.
///
/// ```
/// use rizk_core::semconv::EntityKind;
/// use rizk_core::span::{EntitySpan, SpanMeta};
///
/// static META: SpanMeta = SpanMeta {
///     kind: EntityKind::Task,
///     name: "inventory_check",
///     span_name: "task.inventory_check",
///     organization_id: Some("ecommerce"),
///     project_id: Some("backend"),
///     version: None,
///     capture_input: true,
///     capture_output: true,
/// };
/// // What #[task] expands to, by hand:
/// let in_stock = EntitySpan::start(&META).run(|| true, |_, _| {});
/// assert!(in_stock);
/// ```
#[derive(Debug)]
pub struct SpanMeta {
    /// Workflow, task, agent, tool or LLM.
    pub kind: EntityKind,
    /// The entity's name (the macro's `name`, or the function's).
    pub name: &'static str,
    /// `<kind>.<name>`.
    pub span_name: &'static str,
    /// `organization.id`, if given.
    pub organization_id: Option<&'static str>,
    /// `project.id`, if given.
    pub project_id: Option<&'static str>,
    /// `rizk.entity.version`, if given.
    pub version: Option<&'static str>,
    /// Whether arguments may be recorded (still subject to the content policy).
    pub capture_input: bool,
    /// Whether the return value may be recorded (still subject to the content policy).
    pub capture_output: bool,
}

/// What a macro knows about an agent or a tool beyond [`SpanMeta`]: its description and, for
/// an agent, its unique id. Built as a `static` by `#[agent]` and `#[tool]` and passed to
/// [`EntitySpan::start_with`].
///
/// ```
/// use rizk_core::semconv::EntityKind;
/// use rizk_core::span::{EntitySpan, SpanDetails, SpanMeta};
///
/// static META: SpanMeta = SpanMeta {
///     kind: EntityKind::Tool,
///     name: "get_weather",
///     span_name: "tool.get_weather",
///     organization_id: None,
///     project_id: None,
///     version: None,
///     capture_input: true,
///     capture_output: true,
/// };
/// static DETAILS: SpanDetails = SpanDetails {
///     description: Some("The weather of a city"),
///     ..SpanDetails::NONE
/// };
/// // What #[tool(description = "The weather of a city")] expands to, by hand:
/// let sunny = EntitySpan::start_with(&META, &DETAILS).run(|| true, |_, _| {});
/// assert!(sunny);
/// ```
#[derive(Debug, Default)]
pub struct SpanDetails {
    /// `gen_ai.tool.description` and `tool.description` of a tool, `gen_ai.agent.description`
    /// of an agent.
    pub description: Option<&'static str>,
    /// `gen_ai.agent.id` of an agent: unique to the agent (the macros write the function's
    /// module path and the agent's name, unless given an `id`), unlike its name.
    pub id: Option<&'static str>,
    /// `tool.parameters` of a tool: the JSON Schema of its parameters (`#[tool]` builds it
    /// from the function's signature).
    pub parameters: Option<&'static str>,
    /// Tags (`tag.tags`) this span and its descendants carry, added to those inherited.
    pub tags: &'static [&'static str],
    /// Metadata entries (`metadata`, a JSON object) this span and its descendants carry,
    /// merged into those inherited.
    pub metadata: &'static [(&'static str, &'static str)],
}

impl SpanDetails {
    /// No details: what [`EntitySpan::start`] uses.
    ///
    /// ```
    /// assert!(rizk_core::span::SpanDetails::NONE.description.is_none());
    /// ```
    pub const NONE: SpanDetails = SpanDetails {
        description: None,
        id: None,
        parameters: None,
        tags: &[],
        metadata: &[],
    };

    /// The tags and metadata of these details, combined with those of the parent's frame the
    /// way inherited values combine (`context::combine`): what the span carries and passes
    /// on. Empty, without allocating, when the macro was given none.
    fn annotations(&self, parent: Option<&Frame>) -> Vec<KeyValue> {
        let mut out = Vec::new();
        let inherited = |key: &str| {
            parent.and_then(|f| {
                f.inherited()
                    .iter()
                    .find(|kv| kv.key.as_str() == key)
                    .map(|kv| kv.value.clone())
            })
        };
        let with_inherited = |key: &'static str, own: Value| match inherited(key) {
            Some(old) => KeyValue::new(key, context::combine(key, &old, own)),
            None => KeyValue::new(key, own),
        };
        if !self.tags.is_empty() {
            let own = || {
                Value::Array(Array::String(
                    self.tags.iter().map(|t| StringValue::from(*t)).collect(),
                ))
            };
            out.push(with_inherited(semconv::TAG_TAGS, own()));
            out.push(with_inherited(semconv::LANGFUSE_TRACE_TAGS, own()));
        }
        if !self.metadata.is_empty() {
            let object: serde_json::Map<String, serde_json::Value> = self
                .metadata
                .iter()
                .map(|(k, v)| ((*k).to_owned(), serde_json::Value::from(*v)))
                .collect();
            let own = Value::from(serde_json::Value::Object(object).to_string());
            out.push(with_inherited(semconv::METADATA, own));
        }
        out
    }
}

impl SpanMeta {
    /// The attributes every span of this entity carries.
    fn own_attributes(&self, details: &SpanDetails, out: &mut Vec<KeyValue>) {
        let s = |k: &'static str, v: &'static str| KeyValue::new(Key::from_static_str(k), v);
        out.push(s(semconv::SPAN_KIND, self.kind.as_str()));
        out.push(s(semconv::ENTITY_NAME, self.name));
        out.push(s(
            semconv::OPENINFERENCE_SPAN_KIND,
            self.kind.openinference_kind(),
        ));
        if let Some(op) = self.kind.gen_ai_operation() {
            out.push(s(semconv::GEN_AI_OPERATION_NAME, op));
        }
        match self.kind {
            EntityKind::Workflow => out.push(s(semconv::GEN_AI_WORKFLOW_NAME, self.name)),
            EntityKind::Agent => {
                out.push(s(semconv::GEN_AI_AGENT_NAME, self.name));
                if let Some(id) = details.id {
                    out.push(s(semconv::GEN_AI_AGENT_ID, id));
                }
                if let Some(version) = self.version {
                    out.push(s(semconv::GEN_AI_AGENT_VERSION, version));
                }
                if let Some(description) = details.description {
                    out.push(s(semconv::GEN_AI_AGENT_DESCRIPTION, description));
                }
            }
            EntityKind::Tool => {
                out.push(s(semconv::GEN_AI_TOOL_NAME, self.name));
                out.push(s(semconv::TOOL_NAME, self.name));
                out.push(s(semconv::GEN_AI_TOOL_TYPE, "function"));
                if let Some(description) = details.description {
                    out.push(s(semconv::GEN_AI_TOOL_DESCRIPTION, description));
                    out.push(s(semconv::TOOL_DESCRIPTION, description));
                }
                if let Some(parameters) = details.parameters {
                    out.push(s(semconv::TOOL_PARAMETERS, parameters));
                }
            }
            _ => {}
        }
        if let Some(version) = self.version {
            out.push(s(semconv::ENTITY_VERSION, version));
        }
    }

    /// The attributes this entity passes on to its descendants (and carries itself).
    fn inheritable(&self) -> [Option<KeyValue>; 4] {
        let s = |k: &'static str, v: &'static str| KeyValue::new(Key::from_static_str(k), v);
        [
            self.organization_id.map(|v| s(semconv::ORGANIZATION_ID, v)),
            self.project_id.map(|v| s(semconv::PROJECT_ID, v)),
            (self.kind == EntityKind::Workflow).then(|| s(semconv::WORKFLOW_NAME, self.name)),
            (self.kind == EntityKind::Agent).then(|| s(semconv::AGENT_ID, self.name)),
        ]
    }
}

/// A started span of a macro-decorated function. Inert when tracing is disabled.
///
/// ```
/// use rizk_core::semconv::EntityKind;
/// use rizk_core::span::{EntitySpan, SpanMeta};
/// # let spans = rizk_core::export::InMemoryExporter::default();
/// # let rizk = rizk_core::RizkBuilder::new().app_name("doc").console_exporter(false)
/// #     .ignore_environment().with_exporter("memory", spans.clone()).init().unwrap();
///
/// static META: SpanMeta = SpanMeta { kind: EntityKind::Tool, name: "lookup", span_name: "tool.lookup",
///     organization_id: None, project_id: None, version: None, capture_input: true, capture_output: true };
/// EntitySpan::start(&META).run(|| 42, |_, _| {});
/// rizk.flush().unwrap();
/// assert!(spans.find("tool.lookup").is_some());
/// ```
#[must_use = "a span does nothing until run() or run_async() is called"]
#[derive(Debug)]
pub struct EntitySpan {
    active: Option<Active>,
}

#[derive(Debug)]
struct Active {
    cx: Context,
    /// Tool spans also write their input and output as `gen_ai.tool.call.*`.
    tool: bool,
    frame: Frame,
    recording: bool,
    capture_input: bool,
    capture_output: bool,
    /// For one span in [`TIMING_SAMPLE`]: what starting it cost (see `TracingMetrics`).
    start_cost: Option<Duration>,
    /// For one local root in [`TIMING_SAMPLE`]: when it started (see `TracingMetrics`).
    root_started: Option<Instant>,
    /// While metrics are on: the duration metric this span feeds, and when it started.
    metric: Option<(SpanMetric, Instant)>,
    /// The type of the error (or `panic`) the span ended with, for the duration and error
    /// metrics; set whether or not the span is sampled, as metrics are not sampled.
    failed: Cell<Option<&'static str>>,
}

/// The `error.type` of the duration metric of a decorated future dropped before it completed
/// (its span carries `rizk.cancelled`).
const CANCELLED_ERROR: &str = "cancelled";

/// Which spans and roots of this thread are timed for `TracingMetrics::overhead_percentage`:
/// one in [`TIMING_SAMPLE`] of each, counted [`TIMING_SAMPLE`] at a time, so that the other
/// calls touch no shared counter.
struct Ticks {
    spans: Cell<u64>,
    /// Roots have their own tick: with one shared tick, a fixed number of spans per request
    /// could make every timed span a child and no root ever timed.
    roots: Cell<u64>,
}

impl Ticks {
    fn next(counter: &Cell<u64>, fires_at: u64) -> bool {
        let n = counter.get().wrapping_add(1);
        counter.set(n);
        n % TIMING_SAMPLE == fires_at
    }
}

thread_local! {
    static TICKS: Ticks = const {
        Ticks {
            spans: Cell::new(0),
            roots: Cell::new(0),
        }
    };
}

impl EntitySpan {
    /// Starts the span of `meta` as a child of the current context.
    ///
    /// When tracing is disabled this is one atomic load. When the span is not sampled nothing
    /// is formatted.
    ///
    /// ```
    /// use rizk_core::semconv::EntityKind;
    /// use rizk_core::span::{EntitySpan, SpanMeta};
    ///
    /// static META: SpanMeta = SpanMeta { kind: EntityKind::Task, name: "t", span_name: "task.t",
    ///     organization_id: None, project_id: None, version: None, capture_input: true, capture_output: true };
    /// // Before init the span is inert: nothing is recorded, the body still runs.
    /// let span = EntitySpan::start(&META);
    /// assert!(!span.wants_input());
    /// assert_eq!(span.run(|| 1 + 1, |_, _| {}), 2);
    /// ```
    #[inline]
    pub fn start(meta: &'static SpanMeta) -> EntitySpan {
        Self::start_with(meta, &SpanDetails::NONE)
    }

    /// [`EntitySpan::start`] with the details of an agent or a tool (description, agent id),
    /// written as start attributes. What `#[agent]` and `#[tool]` call.
    ///
    /// ```
    /// use rizk_core::semconv::{EntityKind, GEN_AI_AGENT_ID};
    /// use rizk_core::span::{EntitySpan, SpanDetails, SpanMeta};
    /// # let spans = rizk_core::export::InMemoryExporter::default();
    /// # let rizk = rizk_core::RizkBuilder::new().app_name("doc").console_exporter(false)
    /// #     .ignore_environment().with_exporter("memory", spans.clone()).init().unwrap();
    ///
    /// static META: SpanMeta = SpanMeta { kind: EntityKind::Agent, name: "planner", span_name: "agent.planner",
    ///     organization_id: None, project_id: None, version: Some("2"), capture_input: true, capture_output: true };
    /// static DETAILS: SpanDetails = SpanDetails { id: Some("app::agents::planner"), ..SpanDetails::NONE };
    /// EntitySpan::start_with(&META, &DETAILS).run(|| (), |_, _| {});
    /// rizk.flush().unwrap();
    /// let span = spans.find("agent.planner").unwrap();
    /// assert!(span.attributes.iter().any(|kv| kv.key.as_str() == GEN_AI_AGENT_ID
    ///     && kv.value.as_str() == "app::agents::planner"));
    /// ```
    #[inline]
    pub fn start_with(meta: &'static SpanMeta, details: &'static SpanDetails) -> EntitySpan {
        if !runtime::is_enabled() {
            return EntitySpan { active: None };
        }
        Self::start_enabled(meta, details)
    }

    #[inline(never)]
    fn start_enabled(meta: &'static SpanMeta, details: &'static SpanDetails) -> EntitySpan {
        crate::backtrace::install_panic_hook();
        let guard = runtime::current();
        let Some(rt) = guard.as_ref() else {
            return EntitySpan { active: None };
        };
        let parent = Context::current();
        let parent_span = parent.span();
        let parent_sc = Some(parent_span.span_context()).filter(|sc| sc.is_valid());
        let is_root = parent_sc.is_none_or(SpanContext::is_remote);
        let (timed, timed_root) = TICKS.with(|ticks| {
            (
                Ticks::next(&ticks.spans, 0),
                is_root && Ticks::next(&ticks.roots, 1),
            )
        });
        if timed {
            rt.metrics.count_macro_spans(TIMING_SAMPLE);
        }
        if timed_root {
            rt.metrics.count_roots(TIMING_SAMPLE);
        }
        let started = timed.then(Instant::now);
        let root_started = timed_root.then(Instant::now);
        let metric = SpanMetric::of(meta.kind)
            .filter(|_| crate::meter::enabled())
            .map(|kind| (kind, Instant::now()));
        let root_trace = match rt.head.decide_early(parent_sc, meta.span_name, meta.name) {
            // Nothing is built for a dropped span: its context alone tells its children so.
            Early::Dropped(sc) => {
                let trace_id = sc.trace_id();
                return EntitySpan {
                    active: Some(Active {
                        cx: parent.with_remote_span_context(sc),
                        tool: false,
                        frame: Frame {
                            trace_id: Some(trace_id),
                            inherited: None,
                        },
                        recording: false,
                        capture_input: false,
                        capture_output: false,
                        start_cost: started.map(|t| t.elapsed()),
                        root_started,
                        metric,
                        failed: Cell::new(None),
                    }),
                };
            }
            Early::Build { root_trace } => root_trace,
        };
        let parent_frame = parent_sc.and_then(|sc| context::current_frame_for(sc.trace_id()));
        let inheritable = meta.inheritable();
        let annotations = details.annotations(parent_frame.as_ref());
        // What it inherits the sampler adds (the one place inheritance happens).
        let mut attrs = Vec::with_capacity(14);
        attrs.extend(inheritable.iter().flatten().cloned());
        attrs.extend(annotations.iter().cloned());
        meta.own_attributes(details, &mut attrs);
        let mut builder = SpanBuilder::from_name(meta.span_name);
        builder.attributes = Some(attrs);
        let span = sampling::build_root_of(root_trace, || {
            rt.tracer.build_with_context(builder, &parent)
        });
        let recording = span.is_recording();
        let trace_id = span.span_context().trace_id();
        let frame = if recording && annotations.is_empty() {
            context::child_frame(trace_id, parent_frame.as_ref(), &inheritable)
        } else if recording {
            let own: Vec<Option<KeyValue>> = inheritable
                .iter()
                .cloned()
                .chain(annotations.into_iter().map(Some))
                .collect();
            context::child_frame(trace_id, parent_frame.as_ref(), &own)
        } else {
            Frame {
                trace_id: Some(trace_id),
                inherited: None,
            }
        };
        let policy = rt.content_policy();
        // An unsampled span only has to tell its children so: its span context is enough, and
        // costs one allocation instead of two.
        let cx = if recording {
            parent.with_span(span)
        } else {
            parent.with_remote_span_context(span.span_context().clone())
        };
        EntitySpan {
            active: Some(Active {
                cx,
                tool: meta.kind == EntityKind::Tool,
                frame,
                recording,
                capture_input: recording
                    && meta.capture_input
                    && policy
                        .treatment(ContentKind::of_input(Some(meta.kind)))
                        .captures(),
                capture_output: recording
                    && meta.capture_output
                    && policy.treatment(ContentKind::FunctionOutput).captures(),
                start_cost: started.map(|t| t.elapsed()),
                root_started,
                metric,
                failed: Cell::new(None),
            }),
        }
    }

    /// Whether [`EntitySpan::record_input`] would record anything: the span is sampled, the
    /// content policy allows inputs and the macro did not turn capture off.
    ///
    /// ```
    /// use rizk_core::semconv::EntityKind;
    /// use rizk_core::span::{EntitySpan, SpanMeta};
    /// # let rizk = rizk_core::RizkBuilder::new().app_name("doc").console_exporter(false)
    /// #     .ignore_environment().init().unwrap();
    ///
    /// static META: SpanMeta = SpanMeta { kind: EntityKind::Tool, name: "t", span_name: "tool.t",
    ///     organization_id: None, project_id: None, version: None, capture_input: false, capture_output: true };
    /// assert!(!EntitySpan::start(&META).wants_input()); // capture_input is off
    /// ```
    pub fn wants_input(&self) -> bool {
        self.active.as_ref().is_some_and(|a| a.capture_input)
    }

    /// Records the arguments as a JSON object in `input.value` (and, on a tool span, in
    /// `gen_ai.tool.call.arguments`).
    ///
    /// ```
    /// use rizk_core::probe::Captured;
    /// # use rizk_core::semconv::EntityKind;
    /// # use rizk_core::span::{EntitySpan, SpanMeta};
    /// # static META: SpanMeta = SpanMeta { kind: EntityKind::Tool, name: "t", span_name: "tool.t",
    /// #   organization_id: None, project_id: None, version: None, capture_input: true, capture_output: true };
    /// let span = EntitySpan::start(&META);
    /// if span.wants_input() {
    ///     span.record_input(vec![("quantity", Captured::Json(3.into()))]);
    /// }
    /// ```
    pub fn record_input(&self, args: Vec<(&'static str, Captured)>) {
        let Some(active) = self.active.as_ref().filter(|a| a.capture_input) else {
            return;
        };
        let object: serde_json::Map<String, serde_json::Value> = args
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value.into_json()))
            .collect();
        let span = active.cx.span();
        let json = serde_json::Value::Object(object).to_string();
        if active.tool {
            span.set_attribute(KeyValue::new(
                semconv::GEN_AI_TOOL_CALL_ARGUMENTS,
                json.clone(),
            ));
        }
        span.set_attribute(KeyValue::new(semconv::INPUT_VALUE, json));
        span.set_attribute(KeyValue::new(semconv::INPUT_MIME_TYPE, "application/json"));
    }

    /// Records one value as the span's input: the macros' `input = "param"`, for the argument
    /// that is the user-facing input (what session views show as the user's turn), instead of
    /// the JSON object of every argument. Text is recorded as text.
    ///
    /// ```
    /// use rizk_core::probe::Captured;
    /// use rizk_core::semconv::EntityKind;
    /// use rizk_core::span::{EntitySpan, SpanMeta};
    /// # let spans = rizk_core::export::InMemoryExporter::default();
    /// # let rizk = rizk_core::RizkBuilder::new().app_name("doc").console_exporter(false)
    /// #     .ignore_environment().with_exporter("memory", spans.clone()).init().unwrap();
    /// static META: SpanMeta = SpanMeta { kind: EntityKind::Workflow, name: "chat", span_name: "workflow.chat",
    ///     organization_id: None, project_id: None, version: None, capture_input: true, capture_output: true };
    /// let span = EntitySpan::start(&META);
    /// span.record_input_value(Captured::Json("How do I reset my password?".into()));
    /// span.run(|| (), |_, _| {});
    /// rizk.flush().unwrap();
    /// let input = spans.find("workflow.chat").unwrap().attributes.iter()
    ///     .find(|kv| kv.key.as_str() == "input.value").unwrap().value.to_string();
    /// assert_eq!(input, "How do I reset my password?");
    /// ```
    pub fn record_input_value(&self, value: Captured) {
        let Some(active) = self.active.as_ref().filter(|a| a.capture_input) else {
            return;
        };
        let Some((text, mime)) = value.into_output() else {
            return;
        };
        let span = active.cx.span();
        if active.tool {
            span.set_attribute(KeyValue::new(
                semconv::GEN_AI_TOOL_CALL_ARGUMENTS,
                text.clone(),
            ));
        }
        span.set_attribute(KeyValue::new(semconv::INPUT_VALUE, text));
        span.set_attribute(KeyValue::new(semconv::INPUT_MIME_TYPE, mime));
    }

    /// Runs a synchronous body inside the span: the span is current while `body` runs, its
    /// outcome is recorded by `describe` (only for sampled spans), a panic marks the span as
    /// failed and keeps unwinding, and the span ends.
    ///
    /// ```
    /// use rizk_core::probe::Captured;
    /// use rizk_core::semconv::EntityKind;
    /// use rizk_core::span::{EntitySpan, SpanMeta};
    /// # let spans = rizk_core::export::InMemoryExporter::default();
    /// # let rizk = rizk_core::RizkBuilder::new().app_name("doc").console_exporter(false)
    /// #     .ignore_environment().with_exporter("memory", spans.clone()).init().unwrap();
    /// # static META: SpanMeta = SpanMeta { kind: EntityKind::Task, name: "double", span_name: "task.double",
    /// #     organization_id: None, project_id: None, version: None, capture_input: true, capture_output: true };
    ///
    /// let n = EntitySpan::start(&META).run(|| 21 * 2, |n, outcome| {
    ///     outcome.record_output(|| Captured::Json((*n).into()));
    /// });
    /// assert_eq!(n, 42);
    /// rizk.flush().unwrap();
    /// assert!(spans.find("task.double").is_some());
    /// ```
    pub fn run<R>(
        self,
        body: impl FnOnce() -> R,
        describe: impl FnOnce(&R, &mut Outcome<'_>),
    ) -> R {
        let Some(mut active) = self.active else {
            return body();
        };
        let result = {
            let _entered = active.enter();
            catch_unwind(AssertUnwindSafe(body))
        };
        match result {
            Ok(value) => {
                active.finish(&value, describe);
                value
            }
            Err(payload) => {
                active.record_panic(payload.as_ref());
                active.end_on_panic();
                resume_unwind(payload)
            }
        }
    }

    /// Wraps an async body: the span is current during every poll, and is finished like
    /// [`EntitySpan::run`] when the future completes, or marked `rizk.cancelled` if it is dropped
    /// first.
    ///
    /// ```
    /// use rizk_core::semconv::EntityKind;
    /// use rizk_core::span::{EntitySpan, SpanMeta};
    /// # let spans = rizk_core::export::InMemoryExporter::default();
    /// # let rizk = rizk_core::RizkBuilder::new().app_name("doc").console_exporter(false)
    /// #     .ignore_environment().with_exporter("memory", spans.clone()).init().unwrap();
    /// # static META: SpanMeta = SpanMeta { kind: EntityKind::Agent, name: "planner", span_name: "agent.planner",
    /// #     organization_id: None, project_id: None, version: None, capture_input: true, capture_output: true };
    ///
    /// let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// let plan = runtime.block_on(EntitySpan::start(&META).run_async(async { "plan" }, |_, _| {}));
    /// assert_eq!(plan, "plan");
    /// rizk.flush().unwrap();
    /// assert!(spans.find("agent.planner").is_some());
    /// ```
    pub fn run_async<F, D>(self, body: F, describe: D) -> Instrumented<F, D>
    where
        F: Future,
        D: FnOnce(&F::Output, &mut Outcome<'_>),
    {
        Instrumented {
            inner: body,
            active: self.active,
            describe: Some(describe),
        }
    }
}

impl Active {
    fn enter(&mut self) -> Entered<'_> {
        // An unsampled span passes nothing on: its context alone tells its children so.
        let recording = self.recording;
        Entered {
            _cx: self.cx.clone().attach(),
            _frame: recording.then(|| FrameGuard::push(&mut self.frame)),
        }
    }

    fn finish<R>(&mut self, value: &R, describe: impl FnOnce(&R, &mut Outcome<'_>)) {
        let ending = self.start_cost.map(|_| Instant::now());
        if self.recording {
            describe(value, &mut Outcome { active: self });
            self.cx.span().end();
        } else if self.metric.is_some() {
            // Unsampled, but the metrics still count its error: `Outcome` records nothing on
            // the span and formats no message.
            describe(value, &mut Outcome { active: self });
        }
        if let (Some(cost), Some(ending)) = (self.start_cost.as_mut(), ending) {
            *cost += ending.elapsed();
        }
        self.account();
    }

    fn account(&self) {
        account(self.start_cost, self.root_started);
        self.record_metric();
    }

    /// Records the span's duration (and error) metric, when metrics are on.
    fn record_metric(&self) {
        if let Some((kind, started)) = self.metric {
            let error = self.failed.get().map(crate::probe::short_type_name);
            crate::meter::record_span(kind, started.elapsed(), error.as_deref());
        }
    }

    fn end_on_panic(&self) {
        if self.recording {
            self.cx.span().end();
        }
        self.account();
    }

    fn record_error(&self, error: CapturedError) {
        self.failed.set(Some(error.type_name));
        if self.recording {
            record_exception(&self.cx, error.type_name, Some(error.message));
        }
    }

    fn record_panic_error(&self, error: CapturedError) {
        let stacktrace = crate::backtrace::take_panic_backtrace();
        record_exception_with(
            &self.cx,
            error.type_name,
            Some(error.message),
            stacktrace.or_else(crate::backtrace::capture),
        );
    }

    fn record_panic(&self, payload: &(dyn Any + Send)) {
        self.failed.set(Some("panic"));
        if !self.recording {
            return;
        }
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic with a non-string payload".to_owned());
        if !error_messages_captured() {
            // The message and the stack trace are withheld alike; the payload is dropped.
            crate::backtrace::discard_panic_backtrace();
            record_exception(&self.cx, "panic", None);
            return;
        }
        self.record_panic_error(CapturedError {
            type_name: "panic",
            message,
        });
    }
}

/// Adds a timed span's measured cost and a timed root's duration to the metrics.
fn account(start_cost: Option<Duration>, root_started: Option<Instant>) {
    if start_cost.is_none() && root_started.is_none() {
        return;
    }
    let guard = runtime::current();
    let Some(rt) = guard.as_ref() else { return };
    if let Some(cost) = start_cost {
        rt.metrics.record_timing(cost);
    }
    if let Some(started) = root_started {
        rt.metrics.record_root(started.elapsed());
    }
}

/// The span's context and frame, entered on this thread until dropped.
struct Entered<'a> {
    // Field order matters: the frame is popped before the context guard is dropped.
    _frame: Option<FrameGuard<'a>>,
    _cx: opentelemetry::ContextGuard,
}

/// Records how a call ended. Handed to the macro's `describe` closure, only for sampled spans.
///
/// ```
/// use rizk_core::semconv::EntityKind;
/// use rizk_core::span::{EntitySpan, SpanMeta};
/// # let rizk = rizk_core::RizkBuilder::new().app_name("doc").console_exporter(false)
/// #     .ignore_environment().init().unwrap();
/// # static META: SpanMeta = SpanMeta { kind: EntityKind::Task, name: "t", span_name: "task.t",
/// #     organization_id: None, project_id: None, version: None, capture_input: true, capture_output: true };
///
/// EntitySpan::start(&META).run(|| (), |_, outcome| assert!(outcome.wants_output()));
/// ```
pub struct Outcome<'a> {
    active: &'a Active,
}

impl Outcome<'_> {
    /// Whether [`Outcome::record_output`] would record anything.
    ///
    /// ```
    /// use rizk_core::semconv::EntityKind;
    /// use rizk_core::span::{EntitySpan, SpanMeta};
    /// # let rizk = rizk_core::RizkBuilder::new().app_name("doc").console_exporter(false)
    /// #     .ignore_environment().init().unwrap();
    ///
    /// static META: SpanMeta = SpanMeta { kind: EntityKind::Task, name: "t", span_name: "task.t",
    ///     organization_id: None, project_id: None, version: None, capture_input: true, capture_output: false };
    /// EntitySpan::start(&META).run(|| (), |_, outcome| assert!(!outcome.wants_output()));
    /// ```
    pub fn wants_output(&self) -> bool {
        self.active.capture_output
    }

    /// Records the return value as `output.value` (and, on a tool span, as
    /// `gen_ai.tool.call.result`) when the policy allows.
    ///
    /// ```
    /// use rizk_core::probe::Captured;
    /// use rizk_core::semconv::{EntityKind, OUTPUT_VALUE};
    /// use rizk_core::span::{EntitySpan, SpanMeta};
    /// # let spans = rizk_core::export::InMemoryExporter::default();
    /// # let rizk = rizk_core::RizkBuilder::new().app_name("doc").console_exporter(false)
    /// #     .ignore_environment().with_exporter("memory", spans.clone()).init().unwrap();
    /// # static META: SpanMeta = SpanMeta { kind: EntityKind::Task, name: "t", span_name: "task.t",
    /// #     organization_id: None, project_id: None, version: None, capture_input: true, capture_output: true };
    ///
    /// EntitySpan::start(&META).run(|| 7, |n, outcome| outcome.record_output(|| Captured::Json((*n).into())));
    /// rizk.flush().unwrap();
    /// let span = spans.find("task.t").unwrap();
    /// assert!(span.attributes.iter().any(|kv| kv.key.as_str() == OUTPUT_VALUE && kv.value.as_str() == "7"));
    /// ```
    pub fn record_output(&mut self, captured: impl FnOnce() -> Captured) {
        if !self.active.capture_output {
            return;
        }
        if let Some((text, mime)) = captured().into_output() {
            let span = self.active.cx.span();
            if self.active.tool {
                span.set_attribute(KeyValue::new(
                    semconv::GEN_AI_TOOL_CALL_RESULT,
                    text.clone(),
                ));
            }
            span.set_attribute(KeyValue::new(semconv::OUTPUT_VALUE, text));
            span.set_attribute(KeyValue::new(semconv::OUTPUT_MIME_TYPE, mime));
        }
    }

    /// Marks the span as failed: status ERROR and an `exception` event with type and message.
    ///
    /// ```
    /// use opentelemetry::trace::Status;
    /// use rizk_core::probe::CapturedError;
    /// use rizk_core::semconv::EntityKind;
    /// use rizk_core::span::{EntitySpan, SpanMeta};
    /// # let spans = rizk_core::export::InMemoryExporter::default();
    /// # let rizk = rizk_core::RizkBuilder::new().app_name("doc").console_exporter(false)
    /// #     .ignore_environment().with_exporter("memory", spans.clone()).init().unwrap();
    /// # static META: SpanMeta = SpanMeta { kind: EntityKind::Task, name: "t", span_name: "task.t",
    /// #     organization_id: None, project_id: None, version: None, capture_input: true, capture_output: true };
    ///
    /// EntitySpan::start(&META).run(|| (), |_, outcome| {
    ///     outcome.record_error(CapturedError { type_name: "Timeout", message: "took too long".into() });
    /// });
    /// rizk.flush().unwrap();
    /// assert!(matches!(spans.find("task.t").unwrap().status, Status::Error { .. }));
    /// ```
    pub fn record_error(&mut self, error: CapturedError) {
        self.active.record_error(error);
    }

    /// Marks the span as failed like [`Outcome::record_error`], formatting the error (`describe`)
    /// only when the content policy captures error messages; otherwise the event carries the
    /// type (`type_name`) alone and the status [`crate::content::WITHHELD_ERROR_DESCRIPTION`].
    /// What the macros call.
    ///
    /// ```
    /// use rizk_core::probe::CapturedError;
    /// use rizk_core::semconv::EntityKind;
    /// use rizk_core::span::{EntitySpan, SpanMeta};
    ///
    /// static META: SpanMeta = SpanMeta {
    ///     kind: EntityKind::Task,
    ///     name: "parse_quantity",
    ///     span_name: "task.parse_quantity",
    ///     organization_id: None,
    ///     project_id: None,
    ///     version: None,
    ///     capture_input: true,
    ///     capture_output: true,
    /// };
    /// // What #[task] expands to for an `Err`, by hand:
    /// let parsed = EntitySpan::start(&META).run(
    ///     || "x".parse::<u8>(),
    ///     |result, outcome| {
    ///         if let Err(err) = result {
    ///             outcome.record_error_with(std::any::type_name_of_val(err), || CapturedError {
    ///                 type_name: std::any::type_name_of_val(err),
    ///                 message: err.to_string(),
    ///             });
    ///         }
    ///     },
    /// );
    /// assert!(parsed.is_err());
    /// ```
    pub fn record_error_with(
        &mut self,
        type_name: &'static str,
        describe: impl FnOnce() -> CapturedError,
    ) {
        self.active.failed.set(Some(type_name));
        if !self.active.recording {
            return;
        }
        if error_messages_captured() {
            self.active.record_error(describe());
        } else {
            record_exception(&self.active.cx, type_name, None);
        }
    }
}

/// Whether the content policy in force captures error messages (recorded, redacted or hashed):
/// when it does not, they are not even formatted.
pub(crate) fn error_messages_captured() -> bool {
    runtime::content_policy().is_some_and(|p| p.treatment(ContentKind::ErrorMessage).captures())
}

/// Records an `exception` event (the short type name, and the message when there is one) and
/// sets status ERROR on the span of `cx`. With a message (the content policy captures error
/// text) the event also carries `exception.stacktrace` when backtraces are enabled
/// (`RUST_BACKTRACE` / `RUST_LIB_BACKTRACE`): the stack where the error was recorded.
pub(crate) fn record_exception(cx: &Context, type_name: &str, message: Option<String>) {
    let stacktrace = message.as_ref().and_then(|_| crate::backtrace::capture());
    record_exception_with(cx, type_name, message, stacktrace);
}

/// [`record_exception`] with the stack trace given (a panic's, taken where it was raised).
pub(crate) fn record_exception_with(
    cx: &Context,
    type_name: &str,
    message: Option<String>,
    stacktrace: Option<String>,
) {
    let span = cx.span();
    let mut attributes = vec![KeyValue::new(
        semconv::EXCEPTION_TYPE,
        crate::probe::short_type_name(type_name).into_owned(),
    )];
    if let Some(message) = &message {
        attributes.push(KeyValue::new(semconv::EXCEPTION_MESSAGE, message.clone()));
        if let Some(stacktrace) = stacktrace {
            attributes.push(KeyValue::new(semconv::EXCEPTION_STACKTRACE, stacktrace));
        }
    }
    span.add_event("exception", attributes);
    span.set_status(Status::error(message.unwrap_or_else(|| {
        crate::content::WITHHELD_ERROR_DESCRIPTION.to_owned()
    })));
}

pin_project_lite::pin_project! {
    /// The future returned by [`EntitySpan::run_async`].
    ///
    /// ```
    /// use rizk_core::semconv::EntityKind;
    /// use rizk_core::span::{EntitySpan, Instrumented, SpanMeta};
    ///
    /// static META: SpanMeta = SpanMeta { kind: EntityKind::Task, name: "t", span_name: "task.t",
    ///     organization_id: None, project_id: None, version: None, capture_input: true, capture_output: true };
    /// let fut: Instrumented<_, _> = EntitySpan::start(&META).run_async(async { 5 }, |_: &i32, _| {});
    /// let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// assert_eq!(runtime.block_on(fut), 5);
    /// ```
    pub struct Instrumented<F, D> {
        #[pin]
        inner: F,
        active: Option<Active>,
        describe: Option<D>,
    }

    impl<F, D> PinnedDrop for Instrumented<F, D> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            let Some(active) = this.active.take() else {
                return;
            };
            if active.recording {
                let span = active.cx.span();
                span.set_attribute(KeyValue::new(semconv::CANCELLED, Value::Bool(true)));
                span.end();
            }
            active.failed.set(Some(CANCELLED_ERROR));
            active.record_metric();
        }
    }
}

impl<F, D> Future for Instrumented<F, D>
where
    F: Future,
    D: FnOnce(&F::Output, &mut Outcome<'_>),
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<F::Output> {
        let mut this = self.project();
        let Some(active) = this.active.as_mut() else {
            return this.inner.poll(cx);
        };
        if !active.recording {
            let polled = {
                let _cx = active.cx.clone().attach();
                this.inner.poll(cx)
            };
            if let Poll::Ready(value) = &polled
                && let Some(mut active) = this.active.take()
            {
                match this.describe.take() {
                    Some(describe) => active.finish(value, describe),
                    None => active.account(),
                }
            }
            return polled;
        }
        let polled = {
            let _entered = active.enter();
            catch_unwind(AssertUnwindSafe(|| this.inner.as_mut().poll(cx)))
        };
        match polled {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(value)) => {
                if let (Some(mut active), Some(describe)) =
                    (this.active.take(), this.describe.take())
                {
                    active.finish(&value, describe);
                }
                Poll::Ready(value)
            }
            Err(payload) => {
                if let Some(active) = this.active.take() {
                    active.record_panic(payload.as_ref());
                    active.end_on_panic();
                }
                resume_unwind(payload)
            }
        }
    }
}
