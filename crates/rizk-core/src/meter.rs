//! The application's metrics: the OpenTelemetry GenAI metrics of every LLM call, the durations
//! of workflows, agents and tools, error counts and cost, recorded where the calls happen.
//!
//! rizk owns an `SdkMeterProvider` when a plug-in adds a reader to it at `init`
//! ([`MeterFactory`], [`MeterSetup`]: `rizk-exporters` adds the OTLP one); core names no
//! backend. Instruments are created once at `init` and swapped in atomically, so recording is
//! one atomic load when metrics are off, and attributes are built only when they are on.
//! Metrics count every call, sampled or not: they are recorded at the call, not at export.
//!
//! In debug mode (`trace_debug`) rizk also keeps its own small aggregation (per model: calls,
//! tokens, cost, latency in fixed buckets, so its memory is bounded) and prints it on stderr at
//! shutdown ([`Summary`]).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, channel, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arc_swap::ArcSwapOption;
use opentelemetry::metrics::{Counter, Histogram, Meter, MeterProvider as _};
use opentelemetry::{InstrumentationScope, KeyValue};
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use opentelemetry_sdk::metrics::{MeterProviderBuilder, PeriodicReader, SdkMeterProvider};

use crate::config::Config;
use crate::error::Result;

/// `gen_ai.client.token.usage` (histogram, `{token}`).
///
/// ```
/// assert_eq!(rizk_core::meter::TOKEN_USAGE, "gen_ai.client.token.usage");
/// ```
pub const TOKEN_USAGE: &str = "gen_ai.client.token.usage";
/// `gen_ai.client.operation.duration` (histogram, `s`): LLM calls, agent invocations
/// (`gen_ai.operation.name` `invoke_agent`) and tool executions (`execute_tool`).
///
/// ```
/// assert_eq!(rizk_core::meter::OPERATION_DURATION, "gen_ai.client.operation.duration");
/// ```
pub const OPERATION_DURATION: &str = "gen_ai.client.operation.duration";
/// `gen_ai.client.operation.time_to_first_chunk` (histogram, `s`): streamed calls.
///
/// ```
/// assert!(rizk_core::meter::TIME_TO_FIRST_CHUNK.ends_with("time_to_first_chunk"));
/// ```
pub const TIME_TO_FIRST_CHUNK: &str = "gen_ai.client.operation.time_to_first_chunk";
/// `rizk.workflow.duration` (histogram, `s`): `#[workflow]` and `#[task]` spans (attribute
/// `rizk.span.kind`), which the GenAI conventions have no name for.
///
/// ```
/// assert_eq!(rizk_core::meter::WORKFLOW_DURATION, "rizk.workflow.duration");
/// ```
pub const WORKFLOW_DURATION: &str = "rizk.workflow.duration";
/// `rizk.errors` (counter, `{error}`): failed LLM calls, workflows, tasks, agents and tools, by
/// `rizk.span.kind` and `error.type`.
///
/// ```
/// assert_eq!(rizk_core::meter::ERRORS, "rizk.errors");
/// ```
pub const ERRORS: &str = "rizk.errors";
/// `rizk.cost.usd` (counter, `USD`): what LLM calls cost, by provider and model.
///
/// ```
/// assert_eq!(rizk_core::meter::COST, "rizk.cost.usd");
/// ```
pub const COST: &str = "rizk.cost.usd";

/// The bucket boundaries of `gen_ai.client.token.usage` (semantic conventions 1.41.0).
///
/// ```
/// assert_eq!(rizk_core::meter::TOKEN_BUCKETS.len(), 14);
/// ```
pub const TOKEN_BUCKETS: [f64; 14] = [
    1.0,
    4.0,
    16.0,
    64.0,
    256.0,
    1024.0,
    4096.0,
    16384.0,
    65536.0,
    262_144.0,
    1_048_576.0,
    4_194_304.0,
    16_777_216.0,
    67_108_864.0,
];

/// The bucket boundaries of `gen_ai.client.operation.duration` (semantic conventions 1.41.0),
/// used for every duration rizk records.
///
/// ```
/// assert_eq!(rizk_core::meter::DURATION_BUCKETS[0], 0.01);
/// ```
pub const DURATION_BUCKETS: [f64; 14] = [
    0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];

/// Token counts of one call, for pricing it.
///
/// ```
/// let usage = rizk_core::meter::Usage { input: 10, output: 5, ..Default::default() };
/// assert_eq!(usage.input + usage.output, 15);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// Input tokens, cached ones included.
    pub input: u64,
    /// Output tokens, reasoning included.
    pub output: u64,
    /// Input tokens read from a cache.
    pub cache_read: u64,
    /// Input tokens written to a cache.
    pub cache_write: u64,
    /// Output tokens spent on reasoning.
    pub reasoning: u64,
}

/// Prices one call for `rizk.cost.usd`: (provider, model names in order of preference, usage)
/// to USD, `None` when no price is known. `rizk-cost` installs its pricer.
///
/// ```
/// use std::sync::Arc;
/// use rizk_core::meter::CostEstimator;
///
/// let flat: CostEstimator = Arc::new(|_provider, _models, usage| Some(usage.output as f64 * 1e-6));
/// # drop(flat);
/// ```
pub type CostEstimator = Arc<dyn Fn(Option<&str>, &[&str], &Usage) -> Option<f64> + Send + Sync>;

/// Adds metric readers (and the cost estimator) at `init`, from the configuration; the facade
/// installs `rizk-exporters`' (OTLP) and `rizk-cost`'s (the pricer).
///
/// ```
/// use rizk_core::RizkBuilder;
/// use rizk_core::meter::MeterFactory;
///
/// let factory: MeterFactory = Box::new(|_config, _setup| Ok(()));
/// let builder = RizkBuilder::new().meter_factory(factory);
/// # drop(builder);
/// ```
pub type MeterFactory = Box<dyn FnOnce(&Config, &mut MeterSetup) -> Result<()> + Send>;

/// What the meter factories fill at `init`: the readers of the meter provider and the cost
/// estimator. Without a reader rizk builds no meter provider.
///
/// ```
/// use rizk_core::meter::MeterSetup;
///
/// let setup = MeterSetup::default();
/// assert!(setup.names().is_empty());
/// ```
#[derive(Default)]
pub struct MeterSetup {
    builder: Option<MeterProviderBuilder>,
    names: Vec<String>,
    cost: Option<CostEstimator>,
}

impl fmt::Debug for MeterSetup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MeterSetup")
            .field("readers", &self.names)
            .field("cost", &self.cost.is_some())
            .finish()
    }
}

impl MeterSetup {
    /// Adds `exporter` behind a periodic reader that collects every `interval` (and once more
    /// at shutdown).
    ///
    /// ```
    /// use std::time::Duration;
    /// use rizk_core::meter::MeterSetup;
    /// # #[derive(Debug)] struct Nowhere;
    /// # impl opentelemetry_sdk::metrics::exporter::PushMetricExporter for Nowhere {
    /// #     async fn export(&self, _: &opentelemetry_sdk::metrics::data::ResourceMetrics) -> opentelemetry_sdk::error::OTelSdkResult { Ok(()) }
    /// #     fn force_flush(&self) -> opentelemetry_sdk::error::OTelSdkResult { Ok(()) }
    /// #     fn shutdown_with_timeout(&self, _: Duration) -> opentelemetry_sdk::error::OTelSdkResult { Ok(()) }
    /// #     fn temporality(&self) -> opentelemetry_sdk::metrics::Temporality { Default::default() }
    /// # }
    ///
    /// let mut setup = MeterSetup::default();
    /// setup.add_periodic("nowhere", Nowhere, Duration::from_secs(60));
    /// assert_eq!(setup.names(), ["nowhere"]);
    /// ```
    pub fn add_periodic<E: PushMetricExporter>(
        &mut self,
        name: impl Into<String>,
        exporter: E,
        interval: Duration,
    ) {
        let reader = PeriodicReader::builder(exporter)
            .with_interval(interval)
            .build();
        let builder = self
            .builder
            .take()
            .unwrap_or_else(SdkMeterProvider::builder);
        self.builder = Some(builder.with_reader(reader));
        self.names.push(name.into());
    }

    /// Prices calls for `rizk.cost.usd`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let mut setup = rizk_core::meter::MeterSetup::default();
    /// setup.set_cost_estimator(Arc::new(|_, _, _| None));
    /// ```
    pub fn set_cost_estimator(&mut self, estimator: CostEstimator) {
        self.cost = Some(estimator);
    }

    /// The readers' names, as `get_trace_config()` lists them.
    ///
    /// ```
    /// assert!(rizk_core::meter::MeterSetup::default().names().is_empty());
    /// ```
    pub fn names(&self) -> &[String] {
        &self.names
    }
}

/// The instruments, created once from rizk's meter.
struct Instruments {
    tokens: Histogram<u64>,
    duration: Histogram<f64>,
    first_chunk: Histogram<f64>,
    workflow: Histogram<f64>,
    errors: Counter<u64>,
    cost: Counter<f64>,
}

impl Instruments {
    fn new(meter: &Meter) -> Self {
        Instruments {
            tokens: meter
                .u64_histogram(TOKEN_USAGE)
                .with_unit("{token}")
                .with_description("Number of input and output tokens used.")
                .with_boundaries(TOKEN_BUCKETS.to_vec())
                .build(),
            duration: meter
                .f64_histogram(OPERATION_DURATION)
                .with_unit("s")
                .with_description("GenAI operation duration.")
                .with_boundaries(DURATION_BUCKETS.to_vec())
                .build(),
            first_chunk: meter
                .f64_histogram(TIME_TO_FIRST_CHUNK)
                .with_unit("s")
                .with_description("Time to receive the first chunk of a streamed response.")
                .with_boundaries(DURATION_BUCKETS.to_vec())
                .build(),
            workflow: meter
                .f64_histogram(WORKFLOW_DURATION)
                .with_unit("s")
                .with_description("Duration of rizk workflows and tasks.")
                .with_boundaries(DURATION_BUCKETS.to_vec())
                .build(),
            errors: meter
                .u64_counter(ERRORS)
                .with_unit("{error}")
                .with_description("Failed LLM calls, workflows, tasks, agents and tools.")
                .build(),
            cost: meter
                .f64_counter(COST)
                .with_unit("USD")
                .with_description("What LLM calls cost, by provider and model.")
                .build(),
        }
    }
}

/// What recording needs, shared by the application's threads and the recording thread.
struct Recording {
    instruments: Option<Instruments>,
    cost: Option<CostEstimator>,
    summary: Option<Mutex<Summary>>,
}

/// At most this many LLM calls wait for the recording thread; beyond, a call is left out of
/// the metrics (counted, and warned about once) rather than make the application wait.
const PENDING_CALLS: usize = 4096;

/// What is swapped in by `init` and out by shutdown.
struct Active {
    recording: Arc<Recording>,
    /// LLM calls go to the recording thread: pricing a call (matching its model name among
    /// thousands) and recording five instruments stay off the application's thread.
    calls: SyncSender<(LlmCall, Duration)>,
    /// Calls left out because the recording thread was behind.
    dropped: AtomicU64,
    /// Signalled by the recording thread when it has recorded every call and ended.
    done: Mutex<Option<Receiver<()>>>,
}

impl Active {
    fn start(recording: Recording) -> Result<Active> {
        let recording = Arc::new(recording);
        let (calls, pending) = sync_channel::<(LlmCall, Duration)>(PENDING_CALLS);
        let (finished, done) = channel();
        let shared = Arc::clone(&recording);
        std::thread::Builder::new()
            .name("rizk-meter".into())
            .spawn(move || {
                // Ends when the last sender is dropped: after shutdown took `Active` away.
                for (call, duration) in pending {
                    call.record_now(&shared, duration);
                }
                let _ = finished.send(());
            })
            .map_err(|e| crate::error::RizkError::Exporter {
                exporter: "metrics".into(),
                reason: format!("could not start the metrics recording thread: {e}"),
            })?;
        Ok(Active {
            recording,
            calls,
            dropped: AtomicU64::new(0),
            done: Mutex::new(Some(done)),
        })
    }

    /// Hands `call` to the recording thread, or counts it as dropped when the thread is behind.
    fn submit(&self, call: LlmCall, duration: Duration) {
        if let Err(TrySendError::Full(_)) = self.calls.try_send((call, duration))
            && self.dropped.fetch_add(1, Ordering::Relaxed) == 0
        {
            crate::diagnostics::alert(&format!(
                "rizk: LLM calls are being left out of the metrics: more than {PENDING_CALLS} \
                 wait for the recording thread (the count is in the shutdown report)"
            ));
        }
    }
}

static ACTIVE: ArcSwapOption<Active> = ArcSwapOption::const_empty();

/// Whether anything records metrics (a meter provider, or the debug summary). Instrumentation
/// asks this before building what it would record.
///
/// ```
/// assert!(!rizk_core::meter::enabled()); // nothing installed
/// ```
pub fn enabled() -> bool {
    ACTIVE.load().is_some()
}

/// The meter provider and its readers' names, built at `init` (before anything global changes).
pub(crate) struct Built {
    pub(crate) provider: Option<SdkMeterProvider>,
    pub(crate) names: Vec<String>,
    active: Option<Arc<Active>>,
}

/// Builds the meter provider from the factories' readers (none: no provider), the instruments,
/// and the debug summary when `debug`.
pub(crate) fn build(
    config: &Config,
    factories: Vec<MeterFactory>,
    resource: opentelemetry_sdk::Resource,
    debug: bool,
) -> Result<Built> {
    let mut setup = MeterSetup::default();
    for factory in factories {
        factory(config, &mut setup)?;
    }
    let MeterSetup {
        builder,
        names,
        cost,
    } = setup;
    let provider = builder.map(|b| b.with_resource(resource).build());
    let instruments = provider.as_ref().map(|p| {
        Instruments::new(
            &p.meter_with_scope(
                InstrumentationScope::builder("rizk")
                    .with_version(env!("CARGO_PKG_VERSION"))
                    .with_schema_url(crate::semconv::SCHEMA_URL)
                    .build(),
            ),
        )
    });
    let summary = debug.then(|| Mutex::new(Summary::default()));
    let active = if instruments.is_some() || summary.is_some() {
        Some(Arc::new(Active::start(Recording {
            instruments,
            cost,
            summary,
        })?))
    } else {
        None
    };
    Ok(Built {
        provider,
        names,
        active,
    })
}

impl Built {
    /// The last step: the provider becomes global and recording starts.
    pub(crate) fn publish(&self) {
        if let Some(provider) = &self.provider {
            opentelemetry::global::set_meter_provider(provider.clone());
        }
        ACTIVE.store(self.active.clone());
    }
}

/// What stopping the metrics left: the debug summary, if one was kept, and how many LLM calls
/// were left out of the metrics.
pub(crate) struct Unpublished {
    pub(crate) summary: Option<Summary>,
    pub(crate) dropped: u64,
}

/// Stops recording: waits (at most `timeout`) for the recording thread to record the calls
/// handed to it, so that the last collection has them; returns the debug summary.
pub(crate) fn unpublish(timeout: Duration) -> Unpublished {
    match ACTIVE.swap(None) {
        Some(active) => finish(active, timeout),
        None => Unpublished {
            summary: None,
            dropped: 0,
        },
    }
}

/// [`unpublish`] once `active` is no longer published.
fn finish(active: Arc<Active>, timeout: Duration) -> Unpublished {
    let done = active.done.lock().unwrap_or_else(|e| e.into_inner()).take();
    let dropped = active.dropped.load(Ordering::Relaxed);
    let recording = Arc::clone(&active.recording);
    // The thread ends once every sender is gone: this one now, the others as soon as the
    // threads recording at this instant are done with their `Arc`.
    drop(active);
    if let Some(done) = done
        && done.recv_timeout(timeout).is_err()
    {
        crate::diagnostics::alert(&format!(
            "rizk: the metrics recording thread did not finish within shutdown_timeout ({timeout:?})"
        ));
    }
    let summary = recording
        .summary
        .as_ref()
        .map(|summary| std::mem::take(&mut *summary.lock().unwrap_or_else(|e| e.into_inner())));
    Unpublished { summary, dropped }
}

/// One LLM call, filled in as it goes and recorded once at its end with [`LlmCall::record`].
///
/// ```
/// use std::time::Duration;
/// use rizk_core::meter::LlmCall;
///
/// let mut call = LlmCall::new("chat", "openai", "gpt-4o-mini");
/// call.response_model = Some("gpt-4o-mini-2024-07-18".into());
/// call.usage = Some(rizk_core::meter::Usage { input: 12, output: 3, ..Default::default() });
/// call.record(Duration::from_millis(250)); // a no-op while metrics are off
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct LlmCall {
    /// `gen_ai.operation.name`: `chat`, `embeddings`, ...
    pub operation: &'static str,
    /// `gen_ai.provider.name`.
    pub provider: String,
    /// `gen_ai.request.model`.
    pub request_model: String,
    /// `gen_ai.response.model`, when the answer named it.
    pub response_model: Option<String>,
    /// `server.address`.
    pub server_address: Option<String>,
    /// `server.port`.
    pub server_port: Option<u16>,
    /// Token counts, when the answer gave them.
    pub usage: Option<Usage>,
    /// For streams: when the first chunk arrived, after the start.
    pub time_to_first_chunk: Option<Duration>,
    /// `error.type` of a failed call.
    pub error_type: Option<String>,
}

impl LlmCall {
    /// A call of `operation` to `provider` asking for `model`.
    ///
    /// ```
    /// let call = rizk_core::meter::LlmCall::new("embeddings", "openai", "text-embedding-3-small");
    /// assert_eq!(call.operation, "embeddings");
    /// ```
    pub fn new(
        operation: &'static str,
        provider: impl Into<String>,
        model: impl Into<String>,
    ) -> Self {
        LlmCall {
            operation,
            provider: provider.into(),
            request_model: model.into(),
            ..Default::default()
        }
    }

    /// Records the call, which took `duration`: token usage, duration, time to first chunk,
    /// errors, cost and the debug summary. A no-op while metrics are off. The call is handed
    /// to rizk's recording thread: pricing it and recording stay off the caller's thread.
    ///
    /// ```
    /// rizk_core::meter::LlmCall::new("chat", "openai", "gpt-4o").record(std::time::Duration::ZERO);
    /// ```
    pub fn record(self, duration: Duration) {
        if let Some(active) = ACTIVE.load().as_ref() {
            active.submit(self, duration);
        }
    }

    /// Records the call now, on the recording thread.
    fn record_now(&self, active: &Recording, duration: Duration) {
        let cost = active
            .cost
            .as_ref()
            .zip(self.usage)
            .and_then(|(cost, usage)| {
                let mut models: Vec<&str> = Vec::with_capacity(2);
                models.extend(self.response_model.as_deref());
                models.push(&self.request_model);
                cost(Some(&self.provider), &models, &usage)
            });
        if let Some(m) = &active.instruments {
            let mut attrs = Vec::with_capacity(8);
            attrs.push(KeyValue::new(
                crate::semconv::GEN_AI_OPERATION_NAME,
                self.operation,
            ));
            attrs.push(KeyValue::new(
                crate::semconv::GEN_AI_PROVIDER_NAME,
                self.provider.clone(),
            ));
            attrs.push(KeyValue::new(
                crate::semconv::GEN_AI_REQUEST_MODEL,
                self.request_model.clone(),
            ));
            if let Some(model) = &self.response_model {
                attrs.push(KeyValue::new(
                    crate::semconv::GEN_AI_RESPONSE_MODEL,
                    model.clone(),
                ));
            }
            if let Some(address) = &self.server_address {
                attrs.push(KeyValue::new("server.address", address.clone()));
            }
            if let Some(port) = self.server_port {
                attrs.push(KeyValue::new("server.port", i64::from(port)));
            }
            if let Some(usage) = self.usage {
                let mut with_type = attrs.clone();
                with_type.push(KeyValue::new("gen_ai.token.type", "input"));
                m.tokens.record(usage.input, &with_type);
                if self.operation != "embeddings" {
                    if let Some(last) = with_type.last_mut() {
                        *last = KeyValue::new("gen_ai.token.type", "output");
                    }
                    m.tokens.record(usage.output, &with_type);
                }
            }
            if let Some(first) = self.time_to_first_chunk {
                m.first_chunk.record(first.as_secs_f64(), &attrs);
            }
            if let Some(cost) = cost {
                let model = self.response_model.as_ref().unwrap_or(&self.request_model);
                m.cost.add(
                    cost,
                    &[
                        KeyValue::new(crate::semconv::GEN_AI_PROVIDER_NAME, self.provider.clone()),
                        KeyValue::new(crate::semconv::GEN_AI_RESPONSE_MODEL, model.clone()),
                    ],
                );
            }
            if let Some(error) = &self.error_type {
                attrs.push(KeyValue::new("error.type", error.clone()));
                m.errors.add(
                    1,
                    &[
                        KeyValue::new(crate::semconv::SPAN_KIND, "llm"),
                        KeyValue::new("error.type", error.clone()),
                    ],
                );
            }
            m.duration.record(duration.as_secs_f64(), &attrs);
        }
        if let Some(summary) = &active.summary {
            let model = self.response_model.as_ref().unwrap_or(&self.request_model);
            let mut summary = summary.lock().unwrap_or_else(|e| e.into_inner());
            summary.add(model, self.usage, cost, duration, self.error_type.is_some());
        }
    }
}

/// The kinds of decorated spans whose duration is recorded ([`record_span`]).
///
/// ```
/// assert_eq!(rizk_core::meter::SpanMetric::Agent.kind(), "agent");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SpanMetric {
    /// `#[workflow]`: `rizk.workflow.duration`.
    Workflow,
    /// `#[task]`: `rizk.workflow.duration` with `rizk.span.kind` `task`.
    Task,
    /// `#[agent]`: `gen_ai.client.operation.duration` with `gen_ai.operation.name`
    /// `invoke_agent`.
    Agent,
    /// `#[tool]`: `gen_ai.client.operation.duration` with `gen_ai.operation.name`
    /// `execute_tool`.
    Tool,
}

impl SpanMetric {
    /// The metric a decorated span of `kind` feeds: none for LLM spans, which the clients'
    /// instrumentation measures with the model and tokens ([`LlmCall`]).
    ///
    /// ```
    /// use rizk_core::meter::SpanMetric;
    /// use rizk_core::semconv::EntityKind;
    /// assert_eq!(SpanMetric::of(EntityKind::Tool), Some(SpanMetric::Tool));
    /// assert_eq!(SpanMetric::of(EntityKind::Llm), None);
    /// ```
    pub fn of(kind: crate::semconv::EntityKind) -> Option<SpanMetric> {
        use crate::semconv::EntityKind;
        match kind {
            EntityKind::Workflow => Some(SpanMetric::Workflow),
            EntityKind::Task => Some(SpanMetric::Task),
            EntityKind::Agent => Some(SpanMetric::Agent),
            EntityKind::Tool => Some(SpanMetric::Tool),
            EntityKind::Llm => None,
        }
    }

    /// The `rizk.span.kind` value.
    ///
    /// ```
    /// assert_eq!(rizk_core::meter::SpanMetric::Tool.kind(), "tool");
    /// ```
    pub fn kind(self) -> &'static str {
        match self {
            SpanMetric::Workflow => "workflow",
            SpanMetric::Task => "task",
            SpanMetric::Agent => "agent",
            SpanMetric::Tool => "tool",
        }
    }
}

/// Records a decorated span's duration (and its error, `error_type` set) at its end. A no-op
/// while metrics are off. Attributes are the kind and operation only (never the span's name:
/// unbounded names would make unbounded series).
///
/// ```
/// use rizk_core::meter::{SpanMetric, record_span};
/// record_span(SpanMetric::Tool, std::time::Duration::from_millis(3), None);
/// ```
pub fn record_span(kind: SpanMetric, duration: Duration, error_type: Option<&str>) {
    let Some(active) = ACTIVE.load_full() else {
        return;
    };
    let Some(m) = &active.recording.instruments else {
        return;
    };
    let mut attrs = Vec::with_capacity(2);
    let histogram = match kind {
        SpanMetric::Workflow | SpanMetric::Task => {
            attrs.push(KeyValue::new(crate::semconv::SPAN_KIND, kind.kind()));
            &m.workflow
        }
        SpanMetric::Agent => {
            attrs.push(KeyValue::new(
                crate::semconv::GEN_AI_OPERATION_NAME,
                "invoke_agent",
            ));
            &m.duration
        }
        SpanMetric::Tool => {
            attrs.push(KeyValue::new(
                crate::semconv::GEN_AI_OPERATION_NAME,
                "execute_tool",
            ));
            &m.duration
        }
    };
    if let Some(error) = error_type {
        attrs.push(KeyValue::new("error.type", error.to_owned()));
        m.errors.add(
            1,
            &[
                KeyValue::new(crate::semconv::SPAN_KIND, kind.kind()),
                KeyValue::new("error.type", error.to_owned()),
            ],
        );
    }
    histogram.record(duration.as_secs_f64(), &attrs);
}

/// Latency buckets of the debug summary, in milliseconds (upper bounds); a bounded histogram.
const SUMMARY_BUCKETS_MS: [u64; 20] = [
    10, 20, 50, 100, 150, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 7500, 10_000, 20_000,
    40_000, 80_000, 160_000,
];
/// At most this many models are summarised (the rest are counted under `(other)`).
const SUMMARY_MODELS: usize = 64;

/// Per model: calls, errors, tokens, cost, latency histogram.
#[derive(Debug, Default, Clone, PartialEq)]
struct ModelSummary {
    calls: u64,
    errors: u64,
    input: u64,
    output: u64,
    cost: f64,
    priced: bool,
    latency: [u64; SUMMARY_BUCKETS_MS.len() + 1],
}

impl ModelSummary {
    /// The upper bound of the bucket holding quantile `q`, in milliseconds (`None`: beyond the
    /// last bound).
    fn quantile_ms(&self, q: f64) -> Option<u64> {
        let total: u64 = self.latency.iter().sum();
        let rank = ((total as f64) * q).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (i, n) in self.latency.iter().enumerate() {
            seen += n;
            if seen >= rank {
                return SUMMARY_BUCKETS_MS.get(i).copied();
            }
        }
        None
    }
}

/// The debug-mode summary of LLM calls, per model, printed on stderr at shutdown. Memory is
/// bounded: 64 models, fixed latency buckets (so p50/p95 are bucket upper bounds).
///
/// ```
/// let summary = rizk_core::meter::Summary::default();
/// assert!(summary.to_string().is_empty()); // no calls, nothing to print
/// ```
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Summary {
    models: BTreeMap<String, ModelSummary>,
}

impl Summary {
    fn add(
        &mut self,
        model: &str,
        usage: Option<Usage>,
        cost: Option<f64>,
        duration: Duration,
        error: bool,
    ) {
        let key = if self.models.contains_key(model) || self.models.len() < SUMMARY_MODELS {
            model
        } else {
            "(other)"
        };
        if !self.models.contains_key(key) {
            self.models.insert(key.to_owned(), ModelSummary::default());
        }
        let Some(entry) = self.models.get_mut(key) else {
            return;
        };
        entry.calls += 1;
        entry.errors += u64::from(error);
        if let Some(usage) = usage {
            entry.input += usage.input;
            entry.output += usage.output;
        }
        if let Some(cost) = cost {
            entry.cost += cost;
            entry.priced = true;
        }
        let ms = u64::try_from(duration.as_millis()).unwrap_or(u64::MAX);
        let bucket = SUMMARY_BUCKETS_MS
            .iter()
            .position(|&b| ms <= b)
            .unwrap_or(SUMMARY_BUCKETS_MS.len());
        entry.latency[bucket] += 1;
    }

    /// Calls summarised, over every model.
    ///
    /// ```
    /// assert_eq!(rizk_core::meter::Summary::default().calls(), 0);
    /// ```
    pub fn calls(&self) -> u64 {
        self.models.values().map(|m| m.calls).sum()
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.models.is_empty() {
            return Ok(());
        }
        writeln!(f, "rizk: LLM calls by model")?;
        for (model, s) in &self.models {
            let ms = |q| {
                s.quantile_ms(q)
                    .map_or_else(|| ">160s".to_owned(), |v| format!("<={v}ms"))
            };
            let cost = if s.priced {
                format!("${:.6}", s.cost)
            } else {
                "no price".to_owned()
            };
            writeln!(
                f,
                "  {model}: {} calls ({} failed), tokens {} in / {} out, cost {cost}, p50 {} p95 {}",
                s.calls,
                s.errors,
                s.input,
                s.output,
                ms(0.5),
                ms(0.95),
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A call with usage, so that the cost estimator is asked.
    fn call() -> LlmCall {
        let mut call = LlmCall::new("chat", "openai", "gpt-4o-mini");
        call.usage = Some(Usage {
            input: 10,
            output: 2,
            ..Default::default()
        });
        call
    }

    #[test]
    fn a_stuck_recording_thread_does_not_hold_shutdown_past_its_bound() {
        // An estimator that never returns until the test ends: shutdown must still return.
        let (release, held) = std::sync::mpsc::channel::<()>();
        let held = Mutex::new(held);
        let cost: CostEstimator = Arc::new(move |_, _, _| {
            let _ = held.lock().unwrap().recv();
            None
        });
        let active = Arc::new(
            Active::start(Recording {
                instruments: None,
                cost: Some(cost),
                summary: Some(Mutex::new(Summary::default())),
            })
            .unwrap(),
        );
        active.submit(call(), Duration::from_millis(1));
        let left = finish(active, Duration::from_millis(50));
        assert_eq!(left.dropped, 0);
        assert!(left.summary.is_some(), "the summary is returned even so");
        drop(release);
    }

    #[test]
    fn calls_beyond_the_pending_bound_are_counted_and_the_rest_recorded_at_the_end() {
        // An estimator that holds the recording thread on its first call, until released.
        let (release, held) = std::sync::mpsc::channel::<()>();
        let held = Mutex::new(held);
        let (started, on_start) = std::sync::mpsc::channel::<()>();
        let started = Mutex::new(started);
        let cost: CostEstimator = Arc::new(move |_, _, _| {
            let _ = started.lock().unwrap().send(());
            let _ = held.lock().unwrap().recv();
            Some(1.0)
        });
        let active = Arc::new(
            Active::start(Recording {
                instruments: None,
                cost: Some(cost),
                summary: Some(Mutex::new(Summary::default())),
            })
            .unwrap(),
        );
        // Not published: other tests of this crate install pipelines concurrently.
        active.submit(call(), Duration::from_millis(1));
        on_start.recv().unwrap(); // the thread holds the first call
        for _ in 0..PENDING_CALLS + 10 {
            active.submit(call(), Duration::from_millis(1));
        }
        drop(release); // every later `recv` returns at once
        let left = finish(active, Duration::from_secs(30));
        assert_eq!(left.dropped, 10);
        let summary = left.summary.unwrap();
        assert_eq!(summary.calls(), PENDING_CALLS as u64 + 1);
    }

    #[test]
    fn the_summary_is_bounded_and_reads_quantiles_from_buckets() {
        let mut summary = Summary::default();
        for i in 0..100u64 {
            let usage = Usage {
                input: 10,
                output: 2,
                ..Default::default()
            };
            summary.add(
                "m",
                Some(usage),
                Some(0.5),
                Duration::from_millis(i * 10),
                i == 0,
            );
        }
        for i in 0..100 {
            summary.add(&format!("model-{i}"), None, None, Duration::ZERO, false);
        }
        assert!(summary.models.len() <= SUMMARY_MODELS + 1);
        assert_eq!(
            summary.models["(other)"].calls,
            100 - (SUMMARY_MODELS as u64 - 1)
        );
        let m = &summary.models["m"];
        assert_eq!((m.calls, m.errors, m.input, m.output), (100, 1, 1000, 200));
        assert_eq!(m.quantile_ms(0.5), Some(500));
        assert_eq!(m.quantile_ms(0.95), Some(1000));
        let text = summary.to_string();
        assert!(text.contains("m: 100 calls (1 failed), tokens 1000 in / 200 out, cost $50.000000, p50 <=500ms p95 <=1000ms"), "{text}");
    }
}
