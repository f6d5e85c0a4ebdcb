//! Starting rizk: from a validated [`Config`] and the plug-ins the builder collected to the
//! installed pipeline, in named steps. Nothing global changes until the last step, so a bad
//! option installs nothing.

use std::sync::Arc;
use std::sync::atomic::AtomicU32;

use arc_swap::{ArcSwap, ArcSwapOption};
use opentelemetry::propagation::{TextMapCompositePropagator, TextMapPropagator};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry::{InstrumentationScope, KeyValue};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::{BaggagePropagator, TraceContextPropagator};
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanProcessor};

use crate::config::{Config, Source};
use crate::content::{ContentPolicy, ContentRedactor, SpanTransform};
use crate::content_transform::{ContentTransform, RedactorSlot};
use crate::error::{Result, RizkError};
use crate::export::{
    ConsoleExporter, ConventionTransform, ExportPipeline, ExportStage, ExporterSet,
    InlineMediaTransform, JsonLinesExporter, LimitStats, LimitTransform, StageParts, StageStats,
    Stages,
};
use crate::metrics::RuntimeMetrics;
use crate::runtime::{self, Installed, RizkHandle, Runtime};
use crate::sampling::{
    HeadSampler, HeadState, Ids, SamplingCounters, SamplingPolicy, TailStageMaker,
};
use crate::semconv;

/// Adds the exporters that live outside core (OTLP, Zipkin, ...) for a configuration.
///
/// The facade crate installs one that knows every exporter crate compiled in; core itself only
/// knows the console view and the trace file. It must return an error for any configured
/// destination it cannot serve, so that no option is silently ignored.
///
/// ```
/// use rizk_core::RizkBuilder;
/// use rizk_core::install::ExporterFactory;
///
/// let factory: ExporterFactory = Box::new(|_config, _exporters| Ok(()));
/// let builder = RizkBuilder::new().exporter_factory(factory);
/// # drop(builder);
/// ```
pub type ExporterFactory = Box<dyn FnOnce(&Config, &mut ExporterSet) -> Result<()> + Send>;

/// Builds the process's text-map propagator from the configuration; the facade installs
/// `rizk_http`'s, which reads its own options (`propagators`, `baggage_attributes`). Without
/// one rizk installs W3C Trace Context and Baggage.
///
/// ```
/// use rizk_core::install::PropagatorFactory;
/// use opentelemetry_sdk::propagation::TraceContextPropagator;
///
/// let factory: PropagatorFactory = Box::new(|_config| Ok(Box::new(TraceContextPropagator::new())));
/// # drop(factory);
/// ```
pub type PropagatorFactory =
    Box<dyn FnOnce(&Config) -> Result<Box<dyn TextMapPropagator + Send + Sync>> + Send>;

/// Builds a transform that derives attributes from others (cost from token counts and the
/// model: `rizk-cost`'s), from the configuration; run first of the export-side transforms.
/// `None`: the configuration turns it off.
///
/// ```
/// use std::sync::Arc;
/// use rizk_core::install::EnricherFactory;
/// use rizk_core::content::SpanTransform;
///
/// #[derive(Debug)]
/// struct Nothing;
/// impl SpanTransform for Nothing {
///     fn transform(&self, _span: &mut opentelemetry_sdk::trace::SpanData) {}
/// }
/// let factory: EnricherFactory = Box::new(|_config| Ok(Some(Arc::new(Nothing) as Arc<dyn SpanTransform>)));
/// # drop(factory);
/// ```
pub type EnricherFactory =
    Box<dyn FnOnce(&Config) -> Result<Option<Arc<dyn SpanTransform>>> + Send>;

/// Adds one exporter given to `RizkBuilder::with_exporter`.
pub(crate) type ExporterSlot = Box<dyn FnOnce(&mut ExporterSet) + Send>;

/// What the builder collected besides settings: the parts other crates and the application
/// plug in.
#[derive(Default)]
pub(crate) struct Plugins {
    pub(crate) processors: Vec<(String, Box<dyn SpanProcessor>)>,
    pub(crate) exporters: Vec<ExporterSlot>,
    pub(crate) transforms: Vec<Arc<dyn SpanTransform>>,
    pub(crate) enrichers: Vec<EnricherFactory>,
    pub(crate) exporter_factory: Option<ExporterFactory>,
    pub(crate) tail_stage: Option<TailStageMaker>,
    pub(crate) propagator_factory: Option<PropagatorFactory>,
    pub(crate) redactor: Option<Box<dyn ContentRedactor>>,
    pub(crate) meter_factories: Vec<crate::meter::MeterFactory>,
}

/// Installs the pipeline for `config` (the result of validating the builder's options).
///
/// Fails with [`RizkError::AlreadyInitialized`] while another pipeline is installed, and with
/// the error of the first invalid option otherwise. With tracing disabled nothing is installed
/// and every macro is a no-op, but the configuration is still validated and reported.
pub(crate) fn install(config: Result<Config>, plugins: Plugins) -> Result<RizkHandle> {
    let mut slot = runtime::installed();
    if let Some(existing) = slot.as_ref() {
        return Err(RizkError::AlreadyInitialized {
            app_name: existing.config.app_name.value.clone(),
        });
    }
    let config = config?;
    // Made last: a handle dropped on an error path would shut down (and lock the slot held here).
    let timeout = config.export.shutdown_timeout.value;
    if !config.tracing_enabled.value {
        runtime::publish(
            &mut slot,
            None,
            Installed {
                config,
                exporters: Vec::new(),
                metrics_exporters: Vec::new(),
            },
        );
        return Ok(RizkHandle::new(timeout));
    }
    let Plugins {
        processors,
        exporters,
        transforms,
        enrichers,
        exporter_factory,
        tail_stage,
        propagator_factory,
        redactor,
        meter_factories,
    } = plugins;

    let head = head_sampler(&config);
    let content = content_stage(&config, redactor)?;
    let tail_stage_installed = tail_stage.is_some();
    let enrichers = enrichers
        .into_iter()
        .filter_map(|make| make(&config).transpose())
        .collect::<Result<Vec<_>>>()?;
    let (stages, stage_stats, limits) =
        stages(&config, &head, tail_stage, enrichers, transforms, &content)?;
    let set = exporter_set(&config, exporter_factory, exporters)?;
    let propagator = propagator(&config, propagator_factory)?;
    let meters = crate::meter::build(
        &config,
        meter_factories,
        resource(&config),
        config.trace_debug.value,
    )?;

    let mut names: Vec<String> = set.names().into_iter().map(str::to_owned).collect();
    let mut extra = Vec::new();
    for (description, processor) in processors {
        names.push(description);
        extra.push(processor);
    }
    let metrics = Arc::new(RuntimeMetrics::default());
    let pipeline = ExportPipeline::start(set, stages, extra, metrics.clone());
    let (intake, queues) = pipeline.stats();
    let budget = pipeline.budget();
    let intake_pending = pipeline.pending();
    let provider = SdkTracerProvider::builder()
        .with_resource(resource(&config))
        .with_sampler(head.clone())
        .with_id_generator(Ids)
        .with_span_limits(config.limits.sdk_span_limits())
        .with_span_processor(pipeline)
        .build();
    let tracer = provider.tracer_with_scope(
        InstrumentationScope::builder("rizk")
            .with_version(env!("CARGO_PKG_VERSION"))
            .with_schema_url(semconv::SCHEMA_URL)
            .build(),
    );

    // The last step: from here on the pipeline is global.
    opentelemetry::global::set_tracer_provider(provider.clone());
    opentelemetry::global::set_text_map_propagator(BoxedPropagator(propagator));
    meters.publish();
    crate::diagnostics::set_debug_mode(config.trace_debug.value);
    crate::diagnostics::debug(&format!(
        "tracing {:?}: sampling {}, content {}, exporters: {}; metrics: {}",
        config.app_name.value,
        config.trace_sampling_rate.value,
        if config.trace_content.value {
            "on"
        } else {
            "off"
        },
        names.join(", "),
        if meters.names.is_empty() {
            "none".to_owned()
        } else {
            meters.names.join(", ")
        }
    ));
    let metrics_exporters = meters.names.clone();
    let runtime = Runtime {
        tracer,
        provider,
        meter_provider: meters.provider,
        head,
        metrics,
        tail_stage_installed,
        content: content.policy.clone(),
        redactor: content.redactor.clone(),
        intake,
        budget,
        intake_pending,
        limits,
        queues,
        stages: stage_stats,
    };
    runtime::publish(
        &mut slot,
        Some(runtime),
        Installed {
            config,
            exporters: names,
            metrics_exporters,
        },
    );
    Ok(RizkHandle::new(timeout))
}

/// The head sampler for the configured rate, rules, custom sampler and tail policy.
fn head_sampler(config: &Config) -> HeadSampler {
    HeadSampler {
        state: Arc::new(ArcSwap::from_pointee(HeadState {
            head: config.trace_sampling_rate.value,
            operation_rates: config.sampling.operation_rates.clone(),
            custom: config.sampling.custom.clone(),
            tail: config.sampling.intelligent.clone().map(Arc::new),
        })),
        counters: Arc::new(SamplingCounters::default()),
    }
}

/// The content policy and the redactor, shared by the export stage and `update_config`.
fn content_stage(
    config: &Config,
    redactor: Option<Box<dyn ContentRedactor>>,
) -> Result<Arc<ContentTransform>> {
    let redaction = config.content.content_redaction_enabled.as_ref();
    if redactor.is_none() && redaction.is_some_and(|s| s.value) {
        return Err(RizkError::invalid(
            "content_redaction_enabled",
            redaction.map_or(Source::Default, |s| s.source),
            "no redactor is installed",
            "initialise through rizk::Rizk::builder() with the `redaction` feature (on by default), or pass one with content_redactor(..)",
        ));
    }
    let policy = ContentPolicy::from_config(config, redactor.is_some());
    let redactor: RedactorSlot = Arc::new(ArcSwapOption::new(redactor.map(Arc::new)));
    Ok(Arc::new(ContentTransform {
        policy: Arc::new(AtomicU32::new(policy.to_bits())),
        redactor,
    }))
}

/// The export-side stages, by role; export/stages.rs puts them in their one order.
fn stages(
    config: &Config,
    head: &HeadSampler,
    tail_stage: Option<TailStageMaker>,
    enrichers: Vec<Arc<dyn SpanTransform>>,
    transforms: Vec<Arc<dyn SpanTransform>>,
    content: &Arc<ContentTransform>,
) -> Result<(Stages, Vec<Arc<StageStats>>, Arc<LimitStats>)> {
    let limit_stats = Arc::new(LimitStats::default());
    let media = InlineMediaTransform::from_options(&config.limits, limit_stats.clone())
        .map(|t| Arc::new(t) as Arc<dyn SpanTransform>);
    let limits = LimitTransform::from_options(&config.limits, limit_stats.clone())
        .map(|t| Arc::new(t) as Arc<dyn SpanTransform>);
    let mut tail: Option<Box<dyn ExportStage>> = None;
    let mut stage_stats = Vec::new();
    match tail_stage {
        Some(make) => {
            let stats = Arc::new(StageStats::default());
            let factory = make(SamplingPolicy {
                state: head.state.clone(),
            });
            tail = Some(factory(stats.clone()));
            stage_stats.push(stats);
        }
        None if config.sampling.intelligent.is_some() => {
            return Err(RizkError::invalid(
                "intelligent_sampling",
                Source::Builder,
                "this build has no tail-sampling stage",
                "initialise through rizk::Rizk::builder() with the `sampling` feature (on by default)",
            ));
        }
        None => {}
    }
    let conventions = ConventionTransform::from_options(&config.conventions)
        .map(|t| Arc::new(t) as Arc<dyn SpanTransform>);
    let stages = Stages::new(StageParts {
        tail,
        enrichers,
        conventions,
        media,
        content: content.clone(),
        limits,
        user: transforms,
    });
    Ok((stages, stage_stats, limit_stats))
}

/// The console view and the trace file (core's own exporters), then those of the factory and
/// those given one by one.
fn exporter_set(
    config: &Config,
    factory: Option<ExporterFactory>,
    given: Vec<ExporterSlot>,
) -> Result<ExporterSet> {
    let mut set = ExporterSet::new(config.export.clone());
    if config.console_exporter.value {
        let why = match config.console_exporter.source {
            Source::Derived if config.trace_debug.value => " (debug mode)",
            Source::Derived => " (default: no endpoint or api_key configured)",
            _ => "",
        };
        let target = config.console_target.value;
        set.add(
            format!("console {target:?}{why}"),
            ConsoleExporter::new(target),
        );
    }
    if let Some(path) = &config.trace_file {
        let exporter = JsonLinesExporter::create(&path.value).map_err(|e| {
            RizkError::invalid(
                "trace_file",
                path.source,
                format!(
                    "{} cannot be opened for appending ({e})",
                    path.value.display()
                ),
                "give a path in a directory that exists and is writable",
            )
        })?;
        set.add(format!("file {}", path.value.display()), exporter);
    }
    match factory {
        Some(factory) => factory(config, &mut set)?,
        None if config.opentelemetry_endpoint.is_some() || config.api_key.is_some() => {
            return Err(RizkError::Exporter {
                exporter: "otlp".into(),
                reason: "an endpoint or api_key is configured, but rizk-core alone has no OTLP exporter; initialise through the `rizk` crate (feature `otlp`, on by default)".into(),
            });
        }
        None => {}
    }
    for add in given {
        add(&mut set);
    }
    Ok(set)
}

/// The process's propagator: the factory's, or W3C Trace Context and Baggage.
fn propagator(
    config: &Config,
    factory: Option<PropagatorFactory>,
) -> Result<Box<dyn TextMapPropagator + Send + Sync>> {
    match factory {
        Some(factory) => factory(config),
        None => Ok(Box::new(TextMapCompositePropagator::new(vec![
            Box::new(TraceContextPropagator::new()),
            Box::new(BaggagePropagator::new()),
        ]))),
    }
}

/// `service.name`, and the Phoenix project of the same name.
fn resource(config: &Config) -> Resource {
    let app_name = config.app_name.value.clone();
    Resource::builder()
        .with_service_name(app_name.clone())
        .with_attribute(KeyValue::new(semconv::OPENINFERENCE_PROJECT_NAME, app_name))
        .build()
}

/// Lets a boxed propagator be installed as the global one.
#[derive(Debug)]
struct BoxedPropagator(Box<dyn TextMapPropagator + Send + Sync>);

impl TextMapPropagator for BoxedPropagator {
    fn inject_context(
        &self,
        cx: &opentelemetry::Context,
        injector: &mut dyn opentelemetry::propagation::Injector,
    ) {
        self.0.inject_context(cx, injector);
    }
    fn extract_with_context(
        &self,
        cx: &opentelemetry::Context,
        extractor: &dyn opentelemetry::propagation::Extractor,
    ) -> opentelemetry::Context {
        self.0.extract_with_context(cx, extractor)
    }
    fn fields(&self) -> opentelemetry::propagation::text_map_propagator::FieldIter<'_> {
        self.0.fields()
    }
}
