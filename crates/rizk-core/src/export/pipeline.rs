//! The one span processor rizk registers with the SDK: from a span's end on the application
//! thread to every exporter's queue.
//!
//! - On the application thread, `on_end` weighs the span ([`memory_size`]), reserves that much
//!   of the memory budget and sends it on an unbounded channel that no thread sleeps on: no
//!   lock, no system call. A span that does not fit in the budget is dropped, counted, and
//!   reported once. The stage thread is woken once per full batch, not per span.
//! - On the stage thread (`rizk-export`), every span passes through [`Stages`] once, then one
//!   copy per exporter goes into that exporter's [`ExportQueue`].
//!
//! The SDK clones a span's data once per registered processor, so rizk registers only this
//! one; user processors given to the builder are called from here.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use opentelemetry::Context;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{Span, SpanData, SpanProcessor};

use super::ExporterSet;
pub(crate) use super::budget::MemoryBudget;
use super::queue::{ExportQueue, QueueStats};
use super::size::memory_size;
use super::stages::Stages;
use crate::metrics::RuntimeMetrics;

enum Control {
    /// A batch is ready: take it now rather than at the next scheduled delay.
    ExportNow,
    /// Take everything, release what holds are due, reply when it is in the exporters' queues.
    Flush(mpsc::Sender<()>),
    /// Take everything, drain the holds, reply, end.
    Shutdown(mpsc::Sender<()>),
}

/// The exporters' queues with their names, shared by the processor and the stage thread.
type Queues = Arc<Vec<(String, ExportQueue)>>;

/// The span processor behind every rizk pipeline: stages once per span, then one bounded
/// queue per exporter. Built from an [`ExporterSet`].
///
/// ```
/// use rizk_core::config::ExportSettings;
/// use rizk_core::export::{ExporterSet, InMemoryExporter};
/// use opentelemetry::trace::{Tracer, TracerProvider};
///
/// let spans = InMemoryExporter::default();
/// let mut set = ExporterSet::new(ExportSettings::default());
/// set.add("memory", spans.clone());
/// let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder()
///     .with_span_processor(set.into_processor())
///     .build();
/// provider.tracer("doc").in_span("work", |_| {});
/// provider.force_flush().unwrap();
/// assert_eq!(spans.spans()[0].name, "work");
/// ```
pub struct ExportPipeline {
    ingress: Sender<(SpanData, usize)>,
    control: SyncSender<Control>,
    /// Spans sent and not yet taken by the stage thread (also the intake's `waiting` count).
    pending: Arc<AtomicU64>,
    /// An `ExportNow` is on its way; the stage thread clears it when it takes the spans.
    wake_sent: Arc<AtomicBool>,
    batch_size: u64,
    budget: Arc<MemoryBudget>,
    /// Counters of the path before the exporters' queues (drops at the budget).
    stats: Arc<QueueStats>,
    full_reported: AtomicBool,
    queues: Queues,
    processors: Vec<Box<dyn SpanProcessor>>,
    metrics: Arc<RuntimeMetrics>,
    worker: Mutex<Option<thread::JoinHandle<()>>>,
    shutdown_timeout: Duration,
}

impl std::fmt::Debug for ExportPipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.queues.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("ExportPipeline")
            .field("exporters", &names)
            .finish_non_exhaustive()
    }
}

impl ExportPipeline {
    /// Starts the stage thread for `set`'s exporters, with `stages` in front of them.
    pub(crate) fn start(
        set: ExporterSet,
        stages: Stages,
        processors: Vec<Box<dyn SpanProcessor>>,
        metrics: Arc<RuntimeMetrics>,
    ) -> Self {
        let ExporterSet {
            settings,
            budget,
            queues,
        } = set;
        // Each exporter may hold an equal share of the budget, so that a dead one leaves room
        // for the others.
        let share = budget.max_bytes() / queues.len().max(1);
        for (_, queue) in &queues {
            queue.set_share(share);
        }
        let queues: Queues = Arc::new(queues);
        let (ingress, spans) = mpsc::channel();
        let (control, control_rx) = mpsc::sync_channel(16);
        let pending = Arc::new(AtomicU64::new(0));
        let wake_sent = Arc::new(AtomicBool::new(false));
        let batch_size = settings.max_export_batch_size.value.max(1);
        let stage_thread = StageThread {
            spans,
            control: control_rx,
            pending: pending.clone(),
            wake_sent: wake_sent.clone(),
            budget: budget.clone(),
            stages,
            queues: queues.clone(),
            batch_size,
            delay: settings.scheduled_delay.value,
        };
        let worker = thread::Builder::new()
            .name("rizk-export".into())
            .spawn(move || stage_thread.run())
            .ok();
        ExportPipeline {
            ingress,
            control,
            pending,
            wake_sent,
            batch_size: batch_size as u64,
            budget,
            stats: Arc::default(),
            full_reported: AtomicBool::new(false),
            queues,
            processors,
            metrics,
            worker: Mutex::new(worker),
            shutdown_timeout: settings.shutdown_timeout.value,
        }
    }

    /// Counters of the path before the exporters' queues (drops at the memory budget), then
    /// of each exporter's queue, by description.
    ///
    /// ```
    /// use rizk_core::config::ExportSettings;
    /// use rizk_core::export::{ExporterSet, InMemoryExporter};
    /// let mut set = ExporterSet::new(ExportSettings::default());
    /// set.add("memory", InMemoryExporter::default());
    /// let (intake, queues) = set.into_processor().stats();
    /// assert_eq!(intake.snapshot().dropped_queue_full, 0);
    /// assert_eq!(queues[0].0, "memory");
    /// ```
    pub fn stats(&self) -> (Arc<QueueStats>, Vec<(String, Arc<QueueStats>)>) {
        let per_exporter = self
            .queues
            .iter()
            .map(|(name, q)| (name.clone(), q.stats()))
            .collect();
        (self.stats.clone(), per_exporter)
    }

    /// Spans ended and not yet taken by the stage thread.
    pub(crate) fn pending(&self) -> Arc<AtomicU64> {
        self.pending.clone()
    }

    /// The memory budget the whole path shares.
    pub(crate) fn budget(&self) -> Arc<MemoryBudget> {
        self.budget.clone()
    }

    /// Sends `make(reply)` to the stage thread and waits for the reply until `deadline`.
    fn request(&self, make: impl FnOnce(mpsc::Sender<()>) -> Control, deadline: Instant) -> bool {
        let (reply, answer) = mpsc::channel();
        let mut message = make(reply);
        // The control channel is small and may be full of ExportNow; wait within the bound.
        loop {
            match self.control.try_send(message) {
                Ok(()) => break,
                Err(TrySendError::Disconnected(_)) => return false,
                Err(TrySendError::Full(back)) => {
                    if Instant::now() >= deadline {
                        return false;
                    }
                    message = back;
                    thread::sleep(Duration::from_millis(1));
                }
            }
        }
        answer
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .is_ok()
    }

    fn report_full(&self) {
        if !self.full_reported.swap(true, Ordering::Relaxed) {
            crate::diagnostics::alert(&format!(
                "spans are being dropped: the export path holds its whole memory budget ({} MiB) \
                 because the exporters cannot keep up; raise max_queue_bytes \
                 (RIZK_MAX_QUEUE_BYTES), or max_queue_size if you set one, or lower the sampling \
                 rate. Every drop is counted in get_tracing_metrics()",
                self.budget.max_bytes() / (1024 * 1024)
            ));
        }
    }
}

impl SpanProcessor for ExportPipeline {
    fn on_start(&self, span: &mut Span, cx: &Context) {
        for processor in &self.processors {
            processor.on_start(span, cx);
        }
    }

    fn on_end(&self, span: SpanData) {
        self.metrics.span_ended(span.end_time);
        for processor in &self.processors {
            processor.on_end(span.clone());
        }
        if !span.span_context.is_sampled() || self.queues.is_empty() {
            return;
        }
        let bytes = memory_size(&span);
        if !self.budget.try_reserve(bytes) {
            self.stats.count_full(1);
            self.report_full();
            return;
        }
        // Counted before it is sent: the stage thread subtracts what it takes, and must never
        // see a span it could subtract before it was added.
        let pending = self.pending.fetch_add(1, Ordering::Relaxed).wrapping_add(1);
        if self.ingress.send((span, bytes)).is_err() {
            self.pending.fetch_sub(1, Ordering::Relaxed);
            self.budget.release(1, bytes);
            self.stats.count_after_shutdown(1);
            return;
        }
        self.stats.count_enqueued(1);
        if pending >= self.batch_size && !self.wake_sent.swap(true, Ordering::AcqRel) {
            let _ = self.control.try_send(Control::ExportNow);
        }
    }

    fn force_flush(&self) -> OTelSdkResult {
        let deadline = Instant::now() + self.shutdown_timeout;
        let mut result = if self.request(Control::Flush, deadline) {
            Ok(())
        } else {
            Err(OTelSdkError::Timeout(self.shutdown_timeout))
        };
        for (_, queue) in self.queues.iter() {
            if let Err(e) = queue.flush(deadline)
                && result.is_ok()
            {
                result = Err(e);
            }
        }
        for processor in &self.processors {
            if let Err(e) = processor.force_flush()
                && result.is_ok()
            {
                result = Err(e);
            }
        }
        result
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        let timeout = timeout.min(self.shutdown_timeout);
        let deadline = Instant::now() + timeout;
        let mut result = if self.request(Control::Shutdown, deadline) {
            if let Some(handle) = self.worker.lock().ok().and_then(|mut w| w.take()) {
                let _ = handle.join();
            }
            Ok(())
        } else {
            Err(OTelSdkError::Timeout(timeout))
        };
        for (_, queue) in self.queues.iter() {
            if let Err(e) = queue.shutdown(deadline)
                && result.is_ok()
            {
                result = Err(e);
            }
        }
        for processor in &self.processors {
            let left = deadline.saturating_duration_since(Instant::now());
            if let Err(e) = processor.shutdown_with_timeout(left)
                && result.is_ok()
            {
                result = Err(e);
            }
        }
        result
    }

    fn set_resource(&mut self, resource: &Resource) {
        for (_, queue) in self.queues.iter() {
            queue.set_resource(resource);
        }
        for processor in &mut self.processors {
            processor.set_resource(resource);
        }
    }
}

/// The `rizk-export` thread: takes ended spans, runs the stages, fans out.
struct StageThread {
    spans: Receiver<(SpanData, usize)>,
    control: Receiver<Control>,
    pending: Arc<AtomicU64>,
    wake_sent: Arc<AtomicBool>,
    budget: Arc<MemoryBudget>,
    stages: Stages,
    queues: Queues,
    batch_size: usize,
    delay: Duration,
}

impl StageThread {
    fn run(mut self) {
        let mut deadline = Instant::now() + self.delay;
        loop {
            let wait = deadline.saturating_duration_since(Instant::now());
            match self.control.recv_timeout(wait) {
                Ok(Control::ExportNow) => {
                    self.take_all();
                    // Under steady load ExportNow always wins over the timer: run the
                    // scheduled work (tail-sampling deadlines) when it is due all the same.
                    if Instant::now() >= deadline {
                        self.tick();
                        deadline = Instant::now() + self.delay;
                    }
                }
                Ok(Control::Flush(reply)) => {
                    self.take_all();
                    self.tick();
                    let _ = reply.send(());
                }
                Ok(Control::Shutdown(reply)) => {
                    self.take_all();
                    let kept = self.stages.drain(Instant::now());
                    self.fan_out(kept);
                    let _ = reply.send(());
                    return;
                }
                Err(RecvTimeoutError::Timeout) => {
                    self.take_all();
                    self.tick();
                    deadline = Instant::now() + self.delay;
                }
                Err(RecvTimeoutError::Disconnected) => {
                    self.take_all();
                    let kept = self.stages.drain(Instant::now());
                    self.fan_out(kept);
                    return;
                }
            }
        }
    }

    /// Passes everything sent so far through the stages, a batch at a time.
    fn take_all(&mut self) {
        // Taking the channel now: the next full batch may wake us again.
        self.wake_sent.store(false, Ordering::Release);
        loop {
            let mut batch = Vec::with_capacity(self.batch_size);
            let mut bytes = 0;
            while batch.len() < self.batch_size {
                match self.spans.try_recv() {
                    Ok((span, size)) => {
                        bytes += size;
                        batch.push(span);
                    }
                    Err(_) => break,
                }
            }
            if batch.is_empty() {
                return;
            }
            self.pending
                .fetch_sub(batch.len() as u64, Ordering::Relaxed);
            // The batch's reservations are given back and taken again, reweighed after the
            // stages, by the exporters' queues: the last exporter's copy takes them whatever
            // the bound (they were admitted at the intake), so a single exporter never drops
            // what the intake admitted. The bound can be passed by what the stages add: a
            // batch's growth, or a trace tail sampling releases at once.
            self.budget.release(batch.len(), bytes);
            let kept = self.stages.process(batch, Instant::now());
            self.fan_out(kept);
        }
    }

    fn tick(&mut self) {
        let released = self.stages.tick(Instant::now());
        self.fan_out(released);
    }

    /// One copy per exporter, moved into the last.
    fn fan_out(&self, spans: Vec<SpanData>) {
        let Some(((_, last), others)) = self.queues.split_last() else {
            return;
        };
        if spans.is_empty() {
            return;
        }
        let weighed: Vec<(SpanData, usize)> = spans
            .into_iter()
            .map(|span| {
                let bytes = memory_size(&span);
                (span, bytes)
            })
            .collect();
        for (_, queue) in others {
            queue.offer(weighed.iter().cloned(), false);
        }
        last.offer(weighed, true);
    }
}
