//! [`RizkBuilder`]: every option of rizk in code, the plug-ins other crates add, and `init`.
//!
//! The options themselves (their environment variables, defaults and validation) live in
//! [`config`](crate::config); this module only collects what the application gives and hands
//! it to [`config::resolve`](crate::config) and the installer. One file per option group, as
//! in `config/`.

mod content;
mod conventions;
mod exporters;
mod limits;
mod sampling;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use opentelemetry_sdk::trace::SpanProcessor;

use crate::config::{self, Config, ConsoleTarget, EnvSource, Input, OptionGroup, ProcessEnv};
#[allow(unused_imports)] // linked from docs
use crate::config::{DEFAULT_MAX_QUEUE_BYTES, DEFAULT_MAX_REQUEST_BYTES};
use crate::content::{ContentRedactor, SpanTransform};
use crate::error::Result;
use crate::export::ExporterSet;
use crate::install::{self, EnricherFactory, ExporterFactory, Plugins, PropagatorFactory};
use crate::runtime::RizkHandle;
use crate::sampling::TailStageMaker;
use crate::secret::Secret;

/// Configures and starts rizk.
///
/// Every option has a builder method and an environment variable; the builder wins. Nothing is
/// validated until [`RizkBuilder::build_config`] (or `init`), which returns a [`crate::RizkError`] naming
/// the field and the fix.
///
/// ```
/// use rizk_core::RizkBuilder;
///
/// let config = RizkBuilder::new()
///     .app_name("support-bot")
///     .trace_content(false)
///     .trace_sampling_rate(0.1)
///     .ignore_environment()
///     .build_config()
///     .unwrap();
/// assert!(!config.trace_content.value);
/// ```
#[must_use = "a builder does nothing until init() or build_config() is called"]
#[derive(Default)]
pub struct RizkBuilder {
    input: Input,
    env: Option<Box<dyn EnvSource + Send>>,
    plugins: Plugins,
}

impl fmt::Debug for RizkBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RizkBuilder")
            .field("app_name", &self.input.app_name)
            .field("api_key", &self.input.api_key)
            .field("tracing_enabled", &self.input.tracing_enabled)
            .field("opentelemetry_endpoint", &self.input.opentelemetry_endpoint)
            .field("otlp_headers", &self.input.otlp_headers)
            .field("trace_content", &self.input.trace_content)
            .field("trace_sampling_rate", &self.input.trace_sampling_rate)
            .field("trace_debug", &self.input.trace_debug)
            .field("console_exporter", &self.input.console_exporter)
            .field("processors", &self.plugins.processors.len())
            .finish_non_exhaustive()
    }
}

impl RizkBuilder {
    /// A builder with nothing set: everything comes from the environment or defaults.
    ///
    /// ```
    /// use rizk_core::RizkBuilder;
    /// use rizk_core::config::Source;
    ///
    /// let config = RizkBuilder::new().app_name("svc").ignore_environment().build_config().unwrap();
    /// assert!(config.tracing_enabled.value);
    /// assert_eq!(config.trace_content.source, Source::Default);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// The application's name: `service.name` and the Phoenix project. Required (here, or in
    /// `RIZK_APP_NAME` / `OTEL_SERVICE_NAME`).
    ///
    /// ```
    /// use rizk_core::RizkBuilder;
    /// use rizk_core::config::Source;
    ///
    /// let config = RizkBuilder::new().app_name("support-bot").ignore_environment().build_config().unwrap();
    /// assert_eq!(config.app_name.value, "support-bot");
    /// assert_eq!(config.app_name.source, Source::Builder);
    /// assert!(RizkBuilder::new().ignore_environment().build_config().is_err());
    /// ```
    pub fn app_name(mut self, name: impl Into<String>) -> Self {
        self.input.app_name = Some(name.into());
        self
    }

    /// The Rizk API key. Never printed; `Debug` shows `***`.
    ///
    /// ```
    /// use rizk_core::RizkBuilder;
    /// use rizk_core::config::Source;
    ///
    /// let builder = RizkBuilder::new().app_name("svc").api_key("rizk-key").ignore_environment();
    /// assert!(!format!("{builder:?}").contains("rizk-key"));
    /// let config = builder.build_config().unwrap();
    /// assert_eq!(config.api_key.unwrap().source, Source::Builder);
    /// ```
    pub fn api_key(mut self, key: impl Into<Secret>) -> Self {
        self.input.api_key = Some(key.into());
        self
    }

    /// Turns tracing on or off. Off makes every macro and API call a no-op.
    ///
    /// ```
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .tracing_enabled(false).build_config().unwrap();
    /// assert!(!config.tracing_enabled.value);
    /// ```
    pub fn tracing_enabled(mut self, enabled: bool) -> Self {
        self.input.tracing_enabled = Some(enabled);
        self
    }

    /// An OTLP endpoint (`http://collector:4318`), validated as a URL at init.
    ///
    /// ```
    /// use rizk_core::RizkBuilder;
    ///
    /// let config = RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .opentelemetry_endpoint("http://collector:4318").build_config().unwrap();
    /// let endpoint = config.opentelemetry_endpoint.unwrap().value;
    /// assert_eq!((endpoint.host_str(), endpoint.port()), (Some("collector"), Some(4318)));
    /// assert!(RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .opentelemetry_endpoint("not a url").build_config().is_err());
    /// ```
    pub fn opentelemetry_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.input.opentelemetry_endpoint = Some(endpoint.into());
        self
    }

    /// Adds a header to every OTLP export (New Relic's `api-key`, for example). Replaces the
    /// headers from `OTEL_EXPORTER_OTLP_HEADERS` as a whole.
    ///
    /// ```
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .otlp_header("api-key", "nr-license-key").build_config().unwrap();
    /// let headers = &config.otlp_headers.value;
    /// assert_eq!(headers.len(), 1);
    /// assert_eq!(headers[0].0, "api-key");
    /// ```
    pub fn otlp_header(mut self, name: impl Into<String>, value: impl Into<Secret>) -> Self {
        self.input.otlp_headers.push((name.into(), value.into()));
        self
    }

    /// Whether function inputs and outputs may be recorded (`input.value`, `output.value`).
    ///
    /// ```
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .trace_content(false).build_config().unwrap();
    /// assert!(!config.trace_content.value);
    /// ```
    pub fn trace_content(mut self, enabled: bool) -> Self {
        self.input.trace_content = Some(enabled);
        self
    }

    /// Keeps this fraction of new traces (`0.0..=1.0`), decided from the trace id; child spans
    /// follow their parent so traces are kept or dropped whole.
    ///
    /// ```
    /// use rizk_core::RizkBuilder;
    ///
    /// let config = RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .trace_sampling_rate(0.25).build_config().unwrap();
    /// assert_eq!(config.trace_sampling_rate.value.rate, 0.25);
    /// assert!(config.trace_sampling_rate.value.parent_based);
    /// assert!(RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .trace_sampling_rate(1.5).build_config().is_err());
    /// ```
    pub fn trace_sampling_rate(mut self, rate: f64) -> Self {
        self.input.trace_sampling_rate = Some(rate);
        self
    }

    /// Debug mode: turns the console view on and reports rizk's own problems on stderr.
    ///
    /// ```
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .trace_debug(true).build_config().unwrap();
    /// assert!(config.trace_debug.value);
    /// assert!(config.console_exporter.value);
    /// ```
    pub fn trace_debug(mut self, enabled: bool) -> Self {
        self.input.trace_debug = Some(enabled);
        self
    }

    /// Prints every finished trace as a tree. On by default when no endpoint or API key is set.
    ///
    /// ```
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .console_exporter(false).build_config().unwrap();
    /// assert!(!config.console_exporter.value);
    /// ```
    pub fn console_exporter(mut self, enabled: bool) -> Self {
        self.input.console_exporter = Some(enabled);
        self
    }

    /// Where the console view writes (standard error by default).
    ///
    /// ```
    /// use rizk_core::config::ConsoleTarget;
    ///
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .console_target(ConsoleTarget::Stdout).build_config().unwrap();
    /// assert_eq!(config.console_target.value, ConsoleTarget::Stdout);
    /// ```
    pub fn console_target(mut self, target: ConsoleTarget) -> Self {
        self.input.console_target = Some(target);
        self
    }

    /// Appends every span to this file as one JSON object per line (for tooling), in addition
    /// to the other destinations.
    ///
    /// ```
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .trace_file("spans.jsonl").build_config().unwrap();
    /// assert_eq!(config.trace_file.unwrap().value, std::path::Path::new("spans.jsonl"));
    /// ```
    pub fn trace_file(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.input.trace_file = Some(path.into());
        self
    }

    /// Bound on `flush()` and `shutdown()`, also on drop of the handle.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .shutdown_timeout(Duration::from_secs(2)).build_config().unwrap();
    /// assert_eq!(config.export.shutdown_timeout.value, Duration::from_secs(2));
    /// ```
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.input.shutdown_timeout = Some(timeout);
        self
    }

    /// Spans the export path holds before new ones are dropped and counted: a count bound on
    /// top of [`max_queue_bytes`](Self::max_queue_bytes) (none by default).
    ///
    /// ```
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .max_queue_size(10_000).build_config().unwrap();
    /// assert_eq!(config.export.max_queue_size.unwrap().value, 10_000);
    /// ```
    pub fn max_queue_size(mut self, size: usize) -> Self {
        self.input.max_queue_size = Some(size);
        self
    }

    /// Memory the export path may hold, in bytes of span data, before new spans are dropped
    /// and counted ([`DEFAULT_MAX_QUEUE_BYTES`], 256 MiB, by default).
    ///
    /// ```
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .max_queue_bytes(64 << 20).build_config().unwrap();
    /// assert_eq!(config.export.max_queue_bytes.value, 64 << 20);
    /// ```
    pub fn max_queue_bytes(mut self, bytes: usize) -> Self {
        self.input.max_queue_bytes = Some(bytes);
        self
    }

    /// Requests a network exporter may have under way at once (2 by default).
    ///
    /// ```
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .max_concurrent_exports(4).build_config().unwrap();
    /// assert_eq!(config.export.max_concurrent_exports.value, 4);
    /// ```
    pub fn max_concurrent_exports(mut self, requests: usize) -> Self {
        self.input.max_concurrent_exports = Some(requests);
        self
    }

    /// The largest request a network exporter sends, in encoded bytes (each exporter's own
    /// default otherwise: [`DEFAULT_MAX_REQUEST_BYTES`] for OTLP). Batches are split to stay
    /// under it; a single span larger than it has its largest values truncated.
    ///
    /// ```
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .max_export_request_bytes(1 << 20).build_config().unwrap();
    /// assert_eq!(config.export.max_export_request_bytes.unwrap().value, 1 << 20);
    /// ```
    pub fn max_export_request_bytes(mut self, bytes: usize) -> Self {
        self.input.max_export_request_bytes = Some(bytes);
        self
    }

    /// Reads no environment variable at all (for tests and embedders).
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// use rizk_core::RizkBuilder;
    ///
    /// let env = BTreeMap::from([("RIZK_TRACE_SAMPLING_RATE".to_owned(), "0.5".to_owned())]);
    /// let config = RizkBuilder::new().app_name("svc").env(env).ignore_environment()
    ///     .build_config().unwrap();
    /// assert_eq!(config.trace_sampling_rate.value.rate, 1.0);
    /// ```
    pub fn ignore_environment(mut self) -> Self {
        self.input.ignore_environment = true;
        self
    }

    /// Reads variables from `env` instead of the process environment.
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// use rizk_core::RizkBuilder;
    ///
    /// let env = BTreeMap::from([("OTEL_SERVICE_NAME".to_owned(), "from-otel".to_owned())]);
    /// let config = RizkBuilder::new().env(env).build_config().unwrap();
    /// assert_eq!(config.app_name.value, "from-otel");
    /// ```
    pub fn env(mut self, env: impl EnvSource + Send + 'static) -> Self {
        self.env = Some(Box::new(env));
        self
    }

    /// Adds an OpenTelemetry span processor of your own (it sees every sampled span).
    ///
    /// ```
    /// use opentelemetry_sdk::trace::SimpleSpanProcessor;
    /// use rizk_core::RizkBuilder;
    /// use rizk_core::export::InMemoryExporter;
    ///
    /// let processor = SimpleSpanProcessor::new(InMemoryExporter::default());
    /// let builder = RizkBuilder::new().app_name("svc").with_span_processor(processor);
    /// assert!(format!("{builder:?}").contains("processors: 1"));
    /// ```
    pub fn with_span_processor(mut self, processor: impl SpanProcessor + 'static) -> Self {
        let name = format!(
            "custom processor {}",
            std::any::type_name_of_val(&processor)
        );
        self.plugins.processors.push((name, Box::new(processor)));
        self
    }

    /// Sends spans to `exporter` (any OpenTelemetry [`SpanExporter`]), in addition to the
    /// configured destinations, through a bounded queue of its own.
    ///
    /// ```
    /// use rizk_core::RizkBuilder;
    /// use rizk_core::export::InMemoryExporter;
    ///
    /// let spans = InMemoryExporter::default();
    /// let builder = RizkBuilder::new().app_name("test").with_exporter("memory", spans.clone());
    /// ```
    ///
    /// [`SpanExporter`]: opentelemetry_sdk::trace::SpanExporter
    pub fn with_exporter<E>(mut self, description: impl Into<String>, exporter: E) -> Self
    where
        E: opentelemetry_sdk::trace::SpanExporter + 'static,
    {
        let description = description.into();
        self.plugins
            .exporters
            .push(Box::new(move |set: &mut ExporterSet| {
                set.add(description, exporter)
            }));
        self
    }

    /// Adds a step every span passes through on the export side before any exporter sees it
    /// (redaction, hashing). Steps run in the order they were added.
    ///
    /// ```
    /// use opentelemetry_sdk::trace::SpanData;
    /// use rizk_core::RizkBuilder;
    /// use rizk_core::content::SpanTransform;
    ///
    /// #[derive(Debug)]
    /// struct DropDebugAttributes;
    /// impl SpanTransform for DropDebugAttributes {
    ///     fn transform(&self, span: &mut SpanData) {
    ///         span.attributes.retain(|kv| !kv.key.as_str().starts_with("debug."));
    ///     }
    /// }
    /// let builder = RizkBuilder::new().app_name("svc").with_span_transform(DropDebugAttributes);
    /// assert!(builder.build_config().is_ok());
    /// ```
    pub fn with_span_transform(mut self, transform: impl SpanTransform) -> Self {
        self.plugins.transforms.push(Arc::new(transform));
        self
    }

    /// Installs the tail-sampling stage (the facade does this when `rizk-sampling` is compiled
    /// in); without one, `intelligent_sampling` is refused at init.
    ///
    /// ```
    /// use std::sync::Arc;
    /// # use std::time::Instant;
    /// # use opentelemetry_sdk::trace::SpanData;
    /// use rizk_core::config::IntelligentSampling;
    /// use rizk_core::export::{ExportStage, StageFactory};
    /// use rizk_core::sampling::SamplingPolicy;
    ///
    /// # struct KeepAll;
    /// # impl ExportStage for KeepAll {
    /// #     fn process(&mut self, batch: Vec<SpanData>, _now: Instant) -> Vec<SpanData> { batch }
    /// #     fn tick(&mut self, _now: Instant) -> Vec<SpanData> { Vec::new() }
    /// #     fn drain(&mut self) -> Vec<SpanData> { Vec::new() }
    /// # }
    /// fn keep_all(_policy: SamplingPolicy) -> StageFactory {
    ///     Arc::new(|_stats| Box::new(KeepAll))
    /// }
    /// let builder = || rizk_core::RizkBuilder::new().app_name("svc").console_exporter(false)
    ///     .ignore_environment().intelligent_sampling(IntelligentSampling::default());
    /// assert!(builder().init().is_err()); // refused without a stage
    /// let rizk = builder().tail_sampling_stage(keep_all).init().unwrap();
    /// rizk.shutdown();
    /// ```
    pub fn tail_sampling_stage(mut self, maker: TailStageMaker) -> Self {
        self.plugins.tail_stage = Some(maker);
        self
    }

    /// Redacts recorded content with `redactor` on the export side (the facade installs
    /// `rizk-redaction`'s by default). With a redactor installed, `content_redaction_enabled`
    /// defaults to on.
    ///
    /// ```
    /// use std::borrow::Cow;
    /// use rizk_core::RizkBuilder;
    /// use rizk_core::content::ContentRedactor;
    ///
    /// struct Nothing;
    /// impl ContentRedactor for Nothing {
    ///     fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> { Cow::Borrowed(text) }
    /// }
    /// let builder = RizkBuilder::new().app_name("svc").ignore_environment().content_redactor(Nothing);
    /// assert!(builder.build_config().is_ok());
    /// ```
    pub fn content_redactor(mut self, redactor: impl ContentRedactor) -> Self {
        self.plugins.redactor = Some(Box::new(redactor));
        self
    }

    /// Installs the factory that builds the propagator (the facade does this).
    ///
    /// ```
    /// use opentelemetry_sdk::propagation::TraceContextPropagator;
    /// use rizk_core::RizkBuilder;
    ///
    /// let builder = RizkBuilder::new().app_name("svc").propagator_factory(Box::new(|_config| {
    ///     Ok(Box::new(TraceContextPropagator::new()))
    /// }));
    /// ```
    pub fn propagator_factory(mut self, factory: PropagatorFactory) -> Self {
        self.plugins.propagator_factory = Some(factory);
        self
    }

    /// Adds a factory of an enricher: a transform that derives attributes from others, run
    /// first of the export-side transforms (the facade adds `rizk-cost`'s with the `cost`
    /// feature).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use rizk_core::RizkBuilder;
    /// use rizk_core::content::SpanTransform;
    ///
    /// #[derive(Debug)]
    /// struct Team;
    /// impl SpanTransform for Team {
    ///     fn transform(&self, span: &mut opentelemetry_sdk::trace::SpanData) {
    ///         span.attributes.push(opentelemetry::KeyValue::new("team", "search"));
    ///     }
    /// }
    /// let builder = RizkBuilder::new().app_name("svc")
    ///     .enricher_factory(Box::new(|_config| Ok(Some(Arc::new(Team) as Arc<dyn SpanTransform>))));
    /// # drop(builder);
    /// ```
    pub fn enricher_factory(mut self, factory: EnricherFactory) -> Self {
        self.plugins.enrichers.push(factory);
        self
    }

    /// Adds a factory that gives the meter provider its readers (or the cost estimator of
    /// `rizk.cost.usd`); see [`crate::meter`]. The facade adds the OTLP one and the pricer.
    ///
    /// ```
    /// use rizk_core::RizkBuilder;
    ///
    /// let builder = RizkBuilder::new().app_name("svc")
    ///     .meter_factory(Box::new(|_config, setup| {
    ///         setup.set_cost_estimator(std::sync::Arc::new(|_, _, _| None));
    ///         Ok(())
    ///     }));
    /// # drop(builder);
    /// ```
    pub fn meter_factory(mut self, factory: crate::meter::MeterFactory) -> Self {
        self.plugins.meter_factories.push(factory);
        self
    }

    /// Installs the factory that builds exporters living outside core (the facade does this).
    ///
    /// ```
    /// use rizk_core::RizkBuilder;
    /// use rizk_core::export::InMemoryExporter;
    ///
    /// let builder = RizkBuilder::new().app_name("svc").exporter_factory(Box::new(|_config, set| {
    ///     set.add("memory", InMemoryExporter::default());
    ///     Ok(())
    /// }));
    /// ```
    pub fn exporter_factory(mut self, factory: ExporterFactory) -> Self {
        self.plugins.exporter_factory = Some(factory);
        self
    }

    /// Registers an option group of another crate (its `RIZK_*` variables become known, and it
    /// is validated with the rest at `build_config` / `init`). Registering twice keeps the
    /// values already set. `rizk_exporters::register` and `rizk_http::register` call it; the
    /// facade's `Rizk::builder()` calls those.
    ///
    /// ```
    /// use rizk_core::RizkBuilder;
    /// use rizk_core::config::{Config, EnvSource, OptionGroup, Setting};
    ///
    /// #[derive(Debug, Clone, Default)]
    /// struct Region;
    /// impl OptionGroup for Region {
    ///     type Resolved = String;
    ///     const ENV_VARS: &'static [&'static str] = &["RIZK_REGION"];
    ///     fn resolve(&self, _core: &Config, env: &dyn EnvSource) -> rizk_core::Result<String> {
    ///         Ok(env.var("RIZK_REGION").unwrap_or_else(|| "eu".into()))
    ///     }
    ///     fn settings(_: &String) -> Vec<Setting> { Vec::new() }
    /// }
    ///
    /// let env = std::collections::BTreeMap::from([("RIZK_REGION".to_owned(), "us".to_owned())]);
    /// // Unregistered, the variable is unknown (a misspelling for all rizk can tell).
    /// assert!(RizkBuilder::new().app_name("svc").env(env.clone()).build_config().is_err());
    /// let config = RizkBuilder::new().app_name("svc").env(env).register_options::<Region>()
    ///     .build_config().unwrap();
    /// assert_eq!(config.group::<String>().unwrap(), "us");
    /// ```
    pub fn register_options<G: OptionGroup>(mut self) -> Self {
        self.input.groups.get_mut::<G>();
        self
    }

    /// The values of option group `G`, registering it if it was not: what the builder setters
    /// of a plug-in crate's extension trait write to.
    ///
    /// ```
    /// use rizk_core::RizkBuilder;
    /// use rizk_core::config::{Config, EnvSource, OptionGroup, Setting};
    ///
    /// #[derive(Debug, Clone, Default)]
    /// struct Region(Option<String>);
    /// impl OptionGroup for Region {
    ///     type Resolved = String;
    ///     const ENV_VARS: &'static [&'static str] = &[];
    ///     fn resolve(&self, _core: &Config, _env: &dyn EnvSource) -> rizk_core::Result<String> {
    ///         Ok(self.0.clone().unwrap_or_else(|| "eu".into()))
    ///     }
    ///     fn settings(_: &String) -> Vec<Setting> { Vec::new() }
    /// }
    ///
    /// let mut builder = RizkBuilder::new().app_name("svc").ignore_environment();
    /// builder.options_mut::<Region>().0 = Some("us".into());
    /// assert_eq!(builder.build_config().unwrap().group::<String>().unwrap(), "us");
    /// ```
    pub fn options_mut<G: OptionGroup>(&mut self) -> &mut G {
        self.input.groups.get_mut::<G>()
    }

    /// Every `RIZK_*` variable this builder reads: core's
    /// ([`config::rizk_env_vars`]) and those of the groups registered with it.
    ///
    /// ```
    /// let vars = rizk_core::RizkBuilder::new().env_vars();
    /// assert!(vars.contains(&"RIZK_APP_NAME"));
    /// ```
    pub fn env_vars(&self) -> Vec<&'static str> {
        config::rizk_env_vars()
            .chain(self.input.groups.env_vars())
            .collect()
    }

    /// Validates the configuration and installs the pipeline; see [`install()`](crate::install()).
    ///
    /// Prefer `rizk::Rizk::builder()`, which also knows the exporters compiled into the facade.
    ///
    /// ```
    /// let rizk = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .tracing_enabled(false).init().unwrap();
    /// assert!(!rizk_core::get_trace_config().enabled);
    /// rizk.shutdown();
    /// ```
    pub fn init(self) -> Result<RizkHandle> {
        let config = self.build_config();
        install::install(config, self.plugins)
    }

    /// Resolves and validates the configuration without installing anything.
    ///
    /// ```
    /// let config = rizk_core::RizkBuilder::new().app_name("svc").ignore_environment()
    ///     .build_config().unwrap();
    /// assert_eq!(config.app_name.value, "svc");
    /// ```
    pub fn build_config(&self) -> Result<Config> {
        let empty = std::collections::BTreeMap::new();
        let env: &dyn EnvSource = match (&self.env, self.input.ignore_environment) {
            (_, true) => &empty,
            (Some(env), false) => env.as_ref(),
            (None, false) => &ProcessEnv,
        };
        config::resolve(&self.input, env)
    }
}

/// Validates the configuration and installs the pipeline: the `init` behind `Rizk::init` and
/// [`RizkBuilder::init`].
///
/// Fails with [`RizkError::AlreadyInitialized`](crate::RizkError::AlreadyInitialized) while
/// another pipeline is installed, and with the error of the first invalid option otherwise.
/// With tracing disabled nothing is installed and every macro is a no-op, but the configuration
/// is still validated and reported.
///
/// ```
/// let rizk = rizk_core::install(
///     rizk_core::RizkBuilder::new().app_name("svc").ignore_environment().tracing_enabled(false),
/// )
/// .unwrap();
/// assert!(!rizk_core::get_trace_config().enabled);
/// rizk.shutdown();
/// ```
pub fn install(builder: RizkBuilder) -> Result<RizkHandle> {
    builder.init()
}
