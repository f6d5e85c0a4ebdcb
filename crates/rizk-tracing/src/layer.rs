//! The `tracing-subscriber` layer.

use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::Arc;

use opentelemetry::trace::{
    SpanBuilder, Status, TraceContextExt as _, Tracer as _, TracerProvider as _,
};
use opentelemetry::{
    Context, ContextGuard, InstrumentationScope, Key, KeyValue, StringValue, Value,
};
use rizk_core::content::{CONTENT_EVENT_NAME_KEY, WITHHELD_ERROR_DESCRIPTION};
use rizk_core::semconv::{self, EntityKind};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context as LayerContext, Layer};
use tracing_subscriber::registry::LookupSpan;

use crate::genai::{self, keys};
use crate::visit::{Captured, EventVisitor, FieldVisitor};

/// A `tracing-subscriber` layer that turns `tracing` spans into spans of rizk's pipeline, in
/// the same trace as the `#[workflow]`, `#[task]`, `#[agent]` and `#[tool]` spans around them.
///
/// - A `tracing` span started inside a rizk span is its child; a rizk span (or any
///   OpenTelemetry span) started while a `tracing` span is entered is the `tracing` span's child.
/// - Spans with GenAI fields (`gen_ai.operation.name` = `invoke_agent`, `execute_tool`, `chat`,
///   ..., as rig emits them) become agent, tool and LLM spans: named `agent.<name>`,
///   `tool.<name>`, `<provider>.<operation>`, with `rizk.span.kind`, `openinference.span.kind`,
///   `llm.provider`, `llm.model`, `llm.token_count.*` next to the `gen_ai.*` fields. Other spans
///   stay plain spans with their fields as attributes.
/// - Fields and events follow the content policy, like every other producer: prompt and
///   completion fields ([`crate::CONTENT_KEYS`]) as their kind, every other field that is not a
///   structural key (model, provider, token counts, `db.system`, ...) as
///   [`rizk_core::content::ContentKind::TracingField`] (a `#[tracing::instrument]` argument is
///   content), and so are event messages and fields. What the policy omits is never formatted;
///   what it hashes or redacts is hashed or redacted on the export side. Prompts and completions
///   are also written as `input.value` / `output.value`.
/// - Events inside a bridged span, from `INFO` up ([`RizkLayer::with_event_level`]), become
///   span events named by their message; an `ERROR` event marks the span as failed. `follows_from` becomes a span link.
///
/// ```
/// use tracing_subscriber::layer::SubscriberExt;
///
/// let subscriber = tracing_subscriber::registry().with(rizk_tracing::RizkLayer::new());
/// tracing::subscriber::with_default(subscriber, || {
///     let _span = tracing::info_span!("load_profile", user.id = 42).entered();
/// });
/// ```
#[derive(Debug, Clone)]
pub struct RizkLayer {
    scope: InstrumentationScope,
    events: bool,
    max_level: Level,
    event_level: Level,
}

impl Default for RizkLayer {
    fn default() -> Self {
        RizkLayer::new()
    }
}

impl RizkLayer {
    /// A layer that bridges spans of every level, and their events from `INFO` up.
    ///
    /// ```
    /// let layer = rizk_tracing::RizkLayer::new();
    /// # let _ = layer;
    /// ```
    pub fn new() -> Self {
        RizkLayer {
            scope: InstrumentationScope::builder("rizk-tracing")
                .with_version(env!("CARGO_PKG_VERSION"))
                .with_schema_url(semconv::SCHEMA_URL)
                .build(),
            events: true,
            max_level: Level::TRACE,
            event_level: Level::INFO,
        }
    }

    /// Bridges only spans at `level` or more severe (`Level::INFO` leaves out `debug` and
    /// `trace` spans, such as those of HTTP clients). Spans started inside a span left out
    /// still join the trace, under the nearest bridged ancestor. Events follow the same level.
    ///
    /// ```
    /// let layer = rizk_tracing::RizkLayer::new().with_max_level(tracing::Level::INFO);
    /// # let _ = layer;
    /// ```
    pub fn with_max_level(mut self, level: Level) -> Self {
        self.max_level = level;
        self
    }

    /// Records events inside bridged spans from `level` up (default: `Level::INFO`, so the
    /// `debug` and `trace` chatter of HTTP clients and connection pools, and rig's `trace`
    /// events that repeat whole requests, stay out of the trace). `Level::TRACE` records every
    /// event. [`RizkLayer::with_max_level`] still applies. `ERROR` events always pass and mark
    /// their span as failed.
    ///
    /// ```
    /// // Keep debug events too, e.g. while developing.
    /// let layer = rizk_tracing::RizkLayer::new().with_event_level(tracing::Level::DEBUG);
    /// # let _ = layer;
    /// ```
    pub fn with_event_level(mut self, level: Level) -> Self {
        self.event_level = level;
        self
    }

    /// Whether `tracing` events inside a bridged span are recorded as span events (default:
    /// yes). An `ERROR` event still marks the span as failed when this is off.
    ///
    /// ```
    /// let layer = rizk_tracing::RizkLayer::new().with_events(false);
    /// # let _ = layer;
    /// ```
    pub fn with_events(mut self, events: bool) -> Self {
        self.events = events;
        self
    }

    fn start(&self, builder: SpanBuilder, parent: &Context) -> (Context, bool) {
        let tracer = opentelemetry::global::tracer_provider().tracer_with_scope(self.scope.clone());
        let span = tracer.build_with_context(builder, parent);
        let recording = opentelemetry::trace::Span::is_recording(&span);
        (parent.with_span(span), recording)
    }
}

/// What the bridge keeps per `tracing` span, in the span's extensions.
struct Bridged {
    cx: Context,
    recording: bool,
    genai: Option<Box<GenAi>>,
}

/// What a GenAI span needs to rename itself and total its tokens as fields arrive.
#[derive(Default)]
struct GenAi {
    kind: Option<EntityKind>,
    operation: Option<Arc<str>>,
    entity: Option<Arc<str>>,
    provider: Option<Arc<str>>,
    input_tokens: Option<i64>,
    output_tokens: Option<i64>,
    /// A tool call that failed (`gen_ai.tool.call.outcome = "error"`), with its error type.
    tool_failed: bool,
    tool_error: Option<Arc<str>>,
}

thread_local! {
    /// The contexts of the bridged spans entered on this thread, innermost last.
    static ENTERED: RefCell<Vec<(Id, ContextGuard)>> = const { RefCell::new(Vec::new()) };
}

impl GenAi {
    /// Folds newly captured values in; pushes the attributes they imply; returns the new span
    /// name when one of them decides it.
    fn update(
        &mut self,
        captured: &mut Captured,
        name: &'static str,
        target: &'static str,
        attrs: &mut Vec<KeyValue>,
    ) -> Option<Cow<'static, str>> {
        let mut rename = false;
        if let Some(op) = captured.operation.take() {
            self.operation = Some(op);
        }
        if self.kind.is_none() {
            self.kind = genai::classify(self.operation.as_deref(), name, target);
            if let Some(kind) = self.kind {
                push_kind(kind, self.operation.as_deref(), target, attrs);
                rename = true;
            }
        }
        let kind = self.kind?;
        let entity = match kind {
            EntityKind::Agent => captured.agent.take(),
            EntityKind::Tool => captured.tool.take(),
            _ => None,
        };
        if let Some(entity) = entity {
            attrs.push(KeyValue::new(semconv::ENTITY_NAME, shared(&entity)));
            self.entity = Some(entity);
            rename = true;
        }
        if let Some(provider) = captured.provider.take() {
            attrs.push(KeyValue::new(semconv::LLM_PROVIDER, shared(&provider)));
            self.provider = Some(provider);
            rename = true;
        }
        if let Some(model) = captured.model.take() {
            attrs.push(KeyValue::new(semconv::LLM_MODEL, shared(&model)));
            attrs.push(KeyValue::new(semconv::LLM_MODEL_NAME, shared(&model)));
        }
        if captured.tool_outcome.take().as_deref() == Some("error") {
            self.tool_failed = true;
        }
        if let Some(error) = captured.tool_error.take() {
            self.tool_failed = true;
            self.tool_error = Some(error);
        }
        if captured.input_tokens.is_some() {
            self.input_tokens = captured.input_tokens;
        }
        if captured.output_tokens.is_some() {
            self.output_tokens = captured.output_tokens;
        }
        if rename {
            genai::span_name(
                kind,
                self.entity.as_deref(),
                self.provider.as_deref(),
                self.operation.as_deref(),
            )
        } else {
            None
        }
    }
}

/// An attribute value sharing `text`'s allocation.
fn shared(text: &Arc<str>) -> Value {
    Value::String(StringValue::from(Arc::clone(text)))
}

/// The attributes every span of `kind` carries.
fn push_kind(
    kind: EntityKind,
    operation: Option<&str>,
    target: &'static str,
    attrs: &mut Vec<KeyValue>,
) {
    attrs.push(KeyValue::new(semconv::SPAN_KIND, kind.as_str()));
    let openinference = if operation == Some("embeddings") {
        "EMBEDDING"
    } else {
        kind.openinference_kind()
    };
    attrs.push(KeyValue::new(
        semconv::OPENINFERENCE_SPAN_KIND,
        openinference,
    ));
    if operation.is_none()
        && let Some(op) = kind.gen_ai_operation()
    {
        attrs.push(KeyValue::new(semconv::GEN_AI_OPERATION_NAME, op));
    }
    attrs.push(KeyValue::new(
        semconv::FRAMEWORK_NAME,
        genai::framework_of(target),
    ));
}

/// The status that `otel.status_code` or a failed tool outcome asks for.
fn status_of(captured: &mut Captured) -> Option<Status> {
    let description = captured.status_description.take();
    if let Some(code) = captured.status_code.take() {
        if code.eq_ignore_ascii_case("error") {
            return Some(Status::error(description.unwrap_or_default()));
        }
        if code.eq_ignore_ascii_case("ok") {
            return Some(Status::Ok);
        }
    }
    None
}

impl<S> Layer<S> for RizkLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: LayerContext<'_, S>) {
        let meta = attrs.metadata();
        if *meta.level() > self.max_level {
            return;
        }
        let Some(span) = ctx.span(id) else { return };

        let parent = if let Some(parent) = attrs.parent() {
            ctx.span(parent)
                .and_then(|p| p.extensions().get::<Bridged>().map(|b| b.cx.clone()))
                .unwrap_or_else(Context::current)
        } else if attrs.is_contextual() {
            // Contextual: whatever is current, a rizk span or a bridged one (entered spans
            // attach their context), is the parent.
            Context::current()
        } else {
            // An explicit root (`parent: None`). rig opens `invoke_agent` this way whenever no
            // `tracing` span is current, inside a #[workflow] too: a rizk span that is current
            // is the true parent then. Only when the current context is the current `tracing`
            // span's own does the explicit root start a new trace.
            let current = Context::current();
            let current_id = current.span().span_context().span_id();
            let is_tracing_own = ctx.lookup_current().is_some_and(|s| {
                s.extensions()
                    .get::<Bridged>()
                    .is_some_and(|b| b.cx.span().span_context().span_id() == current_id)
            });
            if current.has_active_span() && !is_tracing_own {
                current
            } else {
                Context::new()
            }
        };

        let mut list = Vec::with_capacity(meta.fields().len() + 4);
        let mut visitor = FieldVisitor::new(&mut list);
        attrs.record(&mut visitor);
        let mut captured = visitor.finish();

        let mut genai_state = None;
        let mut name: Cow<'static, str> = Cow::Borrowed(meta.name());
        if captured.operation.is_some()
            || genai::classify(None, meta.name(), meta.target()).is_some()
        {
            let mut state = GenAi::default();
            if let Some(new_name) =
                state.update(&mut captured, meta.name(), meta.target(), &mut list)
            {
                name = new_name;
            }
            if state.kind.is_some() {
                genai_state = Some(Box::new(state));
            }
        }
        if let Some(otel_name) = captured.otel_name.take() {
            name = Cow::Owned(otel_name);
        }
        let status = status_of(&mut captured);

        let mut builder = SpanBuilder::from_name(name);
        builder.attributes = Some(list);
        let (cx, recording) = self.start(builder, &parent);
        if let Some(status) = status.filter(|_| recording) {
            cx.span().set_status(status);
        }
        span.extensions_mut().insert(Bridged {
            cx,
            recording,
            genai: genai_state,
        });
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: LayerContext<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut extensions = span.extensions_mut();
        let Some(bridged) = extensions.get_mut::<Bridged>() else {
            return;
        };
        if !bridged.recording {
            return;
        }
        let mut list = Vec::new();
        let mut visitor = FieldVisitor::new(&mut list);
        values.record(&mut visitor);
        let mut captured = visitor.finish();
        let meta = span.metadata();
        let mut rename = None;
        if bridged.genai.is_none() && captured.operation.is_some() {
            bridged.genai = Some(Box::default());
        }
        if let Some(state) = bridged.genai.as_mut() {
            rename = state.update(&mut captured, meta.name(), meta.target(), &mut list);
        }
        let otel_span = bridged.cx.span();
        if let Some(name) = captured.otel_name.take().map(Cow::Owned).or(rename) {
            otel_span.update_name(name);
        }
        if let Some(status) = status_of(&mut captured) {
            otel_span.set_status(status);
        }
        if !list.is_empty() {
            otel_span.set_attributes(list);
        }
    }

    fn on_follows_from(&self, id: &Id, follows: &Id, ctx: LayerContext<'_, S>) {
        let (Some(span), Some(follows)) = (ctx.span(id), ctx.span(follows)) else {
            return;
        };
        let Some(target) = follows
            .extensions()
            .get::<Bridged>()
            .map(|b| b.cx.span().span_context().clone())
        else {
            return;
        };
        if let Some(bridged) = span.extensions().get::<Bridged>()
            && bridged.recording
        {
            bridged.cx.span().add_link(target, Vec::new());
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: LayerContext<'_, S>) {
        let meta = event.metadata();
        // More verbose levels compare greater: TRACE > DEBUG > INFO.
        if *meta.level() > self.max_level || *meta.level() > self.event_level {
            return;
        }
        let is_error = *meta.level() == Level::ERROR;
        if !self.events && !is_error {
            return;
        }
        let Some(span) = ctx.event_span(event) else {
            return;
        };
        // The event belongs to its nearest bridged span.
        let Some(cx) = span.scope().find_map(|s| {
            s.extensions()
                .get::<Bridged>()
                .filter(|b| b.recording)
                .map(|b| b.cx.clone())
        }) else {
            return;
        };
        let mut attrs = Vec::with_capacity(meta.fields().len() + 4);
        let mut visitor = EventVisitor::new(&mut attrs, is_error);
        event.record(&mut visitor);
        visitor.finish();
        let message_named = visitor.message_is_recorded();
        let message = visitor.message.take();
        let otel_span = cx.span();
        if is_error {
            // The message was formatted only if the policy captures it; else the span still
            // fails, with a description that says why it is empty.
            let description = message
                .clone()
                .unwrap_or_else(|| WITHHELD_ERROR_DESCRIPTION.to_owned());
            otel_span.set_status(Status::error(description));
        }
        if self.events {
            attrs.push(KeyValue::new(
                Key::from_static_str("level"),
                Value::from(meta.level().as_str()),
            ));
            attrs.push(KeyValue::new(
                Key::from_static_str("target"),
                Value::from(meta.target()),
            ));
            let name: Cow<'static, str> = match message.filter(|_| message_named) {
                Some(message) => {
                    // The message is content: the export side applies the policy to it, and
                    // falls back to the callsite's name when it may not leave.
                    attrs.push(KeyValue::new(CONTENT_EVENT_NAME_KEY, meta.name()));
                    Cow::Owned(message)
                }
                None => Cow::Borrowed(meta.name()),
            };
            otel_span.add_event(name, attrs);
        }
    }

    fn on_enter(&self, id: &Id, ctx: LayerContext<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let Some(cx) = span.extensions().get::<Bridged>().map(|b| b.cx.clone()) else {
            return;
        };
        let guard = cx.attach();
        ENTERED.with(|entered| entered.borrow_mut().push((id.clone(), guard)));
    }

    fn on_exit(&self, id: &Id, _ctx: LayerContext<'_, S>) {
        // Taken out of the stack first, dropped after the borrow ends: dropping a guard may
        // run code that enters spans again.
        let guard = ENTERED
            .try_with(|entered| {
                let mut entered = entered.borrow_mut();
                let position = entered
                    .iter()
                    .rposition(|(entered_id, _)| entered_id == id)?;
                Some(entered.remove(position))
            })
            .ok()
            .flatten();
        drop(guard);
    }

    fn on_close(&self, id: Id, ctx: LayerContext<'_, S>) {
        let Some(span) = ctx.span(&id) else { return };
        let Some(bridged) = span.extensions_mut().remove::<Bridged>() else {
            return;
        };
        let otel_span = bridged.cx.span();
        if bridged.recording
            && let Some(state) = bridged.genai.as_deref()
        {
            if let (Some(input), Some(output)) = (state.input_tokens, state.output_tokens) {
                otel_span.set_attribute(KeyValue::new(keys::TOKENS_TOTAL, input + output));
            }
            if state.tool_failed {
                let error = state.tool_error.as_deref().unwrap_or("tool error");
                otel_span.set_status(Status::error(error.to_owned()));
            }
        }
        otel_span.end();
    }
}
