//! A bounded export queue: the only thing between a finished span and an exporter.
//!
//! `on_end` (on the application's thread) does one non-blocking `try_send` into a channel the
//! worker never sleeps on, so no span wakes a thread: the worker sleeps on a control channel and
//! is woken once per full batch (or by its timer, a flush or shutdown). It batches, runs the
//! export-side transforms (redaction, hashing) and calls the exporter. When the
//! queue is full the span is dropped and counted; flush and shutdown wait at most their bound.
//! The SDK's own `BatchSpanProcessor` does not count drops where we can read them and, in 0.32,
//! does not bound its thread-based shutdown; hence this.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::task::{Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

use opentelemetry::Context;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{Span, SpanData, SpanExporter, SpanProcessor};

use super::stage::{ExportStage, StageFactory, StageSnapshot, StageStats};
use crate::config::ExportSettings;
use crate::content::SpanTransform;

/// Counters of one export queue, readable at any time.
///
/// ```
/// use rizk_core::export::QueueStats;
/// let stats = QueueStats::default();
/// assert_eq!(stats.snapshot().dropped_queue_full, 0);
/// ```
#[derive(Debug, Default)]
pub struct QueueStats {
    stages: Vec<Arc<StageStats>>,
    enqueued: AtomicU64,
    exported: AtomicU64,
    dropped_queue_full: AtomicU64,
    dropped_after_shutdown: AtomicU64,
    export_failed: AtomicU64,
    last_error: Mutex<Option<String>>,
}

/// A copy of [`QueueStats`] at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueSnapshot {
    /// Spans accepted into the queue.
    pub enqueued: u64,
    /// Spans the exporter accepted.
    pub exported: u64,
    /// Spans dropped because the queue was full.
    pub dropped_queue_full: u64,
    /// Spans that ended after shutdown.
    pub dropped_after_shutdown: u64,
    /// Spans in batches the exporter failed to send.
    pub export_failed: u64,
    /// The most recent export error.
    pub last_error: Option<String>,
}

impl QueueStats {
    /// Reads every counter.
    pub fn snapshot(&self) -> QueueSnapshot {
        QueueSnapshot {
            enqueued: self.enqueued.load(Ordering::Relaxed),
            exported: self.exported.load(Ordering::Relaxed),
            dropped_queue_full: self.dropped_queue_full.load(Ordering::Relaxed),
            dropped_after_shutdown: self.dropped_after_shutdown.load(Ordering::Relaxed),
            export_failed: self.export_failed.load(Ordering::Relaxed),
            last_error: self.last_error.lock().ok().and_then(|e| e.clone()),
        }
    }

    /// Spans waiting in the queue or in the batch being exported (not those a stage holds).
    pub fn depth(&self) -> u64 {
        let s = self.snapshot();
        let held: u64 = self
            .stages()
            .iter()
            .map(|st| st.buffered_spans + st.dropped_by_policy)
            .sum();
        s.enqueued
            .saturating_sub(s.exported + s.export_failed + held)
    }

    /// The counters of this queue's export stages (tail sampling), in order.
    pub fn stages(&self) -> Vec<StageSnapshot> {
        self.stages.iter().map(|s| s.snapshot()).collect()
    }
}

enum Control {
    /// A batch is ready: export it now rather than at the next scheduled delay.
    ExportNow,
    Flush(mpsc::Sender<OTelSdkResult>),
    Shutdown(Duration, mpsc::Sender<OTelSdkResult>),
}

/// A [`SpanProcessor`] that hands sampled spans to `exporter` through a bounded queue and a
/// worker thread of its own.
///
/// ```
/// use rizk_core::config::ExportSettings;
/// use rizk_core::export::{ExportQueue, InMemoryExporter};
///
/// let exporter = InMemoryExporter::default();
/// let queue = ExportQueue::new("memory", exporter.clone(), &ExportSettings::default(), Vec::new(), &[]);
/// assert_eq!(queue.stats().snapshot().enqueued, 0);
/// ```
pub struct ExportQueue {
    name: String,
    spans: SyncSender<SpanData>,
    control: SyncSender<Control>,
    /// Spans sent and not yet taken by the worker.
    pending: Arc<AtomicU64>,
    /// An `ExportNow` is on its way; the worker clears it when it takes the batch.
    wake_sent: Arc<AtomicBool>,
    batch_size: u64,
    stats: Arc<QueueStats>,
    worker: Mutex<Option<thread::JoinHandle<()>>>,
    resource: Arc<Mutex<Option<Resource>>>,
    shutdown_timeout: Duration,
}

impl fmt::Debug for ExportQueue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExportQueue")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl ExportQueue {
    /// Starts the worker thread `rizk-export-<name>` that feeds `exporter`.
    pub fn new<E: SpanExporter + 'static>(
        name: impl Into<String>,
        exporter: E,
        settings: &ExportSettings,
        transforms: Vec<Arc<dyn SpanTransform>>,
        stages: &[StageFactory],
    ) -> Self {
        let name = name.into();
        let stage_stats: Vec<Arc<StageStats>> = stages.iter().map(|_| Arc::default()).collect();
        let stage_instances: Vec<Box<dyn ExportStage>> = stages
            .iter()
            .zip(&stage_stats)
            .map(|(make, stats)| make(stats.clone()))
            .collect();
        let (spans, span_rx) = mpsc::sync_channel(settings.max_queue_size.value.max(1));
        let (control, control_rx) = mpsc::sync_channel(16);
        let pending = Arc::new(AtomicU64::new(0));
        let wake_sent = Arc::new(AtomicBool::new(false));
        let stats = Arc::new(QueueStats {
            stages: stage_stats,
            ..QueueStats::default()
        });
        let resource = Arc::new(Mutex::new(None));
        let worker = Worker {
            exporter,
            spans: span_rx,
            control: control_rx,
            pending: pending.clone(),
            wake_sent: wake_sent.clone(),
            stats: stats.clone(),
            transforms,
            stages: stage_instances,
            batch_size: settings.max_export_batch_size.value.max(1),
            delay: settings.scheduled_delay.value,
            resource: resource.clone(),
            resource_applied: false,
            error_reported: false,
            queue_name: name.clone(),
        };
        let handle = thread::Builder::new()
            .name(format!("rizk-export-{name}"))
            .spawn(move || worker.run())
            .ok();
        ExportQueue {
            name,
            spans,
            control,
            pending,
            wake_sent,
            batch_size: settings.max_export_batch_size.value.max(1) as u64,
            stats,
            worker: Mutex::new(handle),
            resource,
            shutdown_timeout: settings.shutdown_timeout.value,
        }
    }

    /// The queue's counters.
    pub fn stats(&self) -> Arc<QueueStats> {
        self.stats.clone()
    }

    fn request(
        &self,
        make: impl FnOnce(mpsc::Sender<OTelSdkResult>) -> Control,
        timeout: Duration,
    ) -> OTelSdkResult {
        let (reply, answer) = mpsc::channel();
        let deadline = Instant::now() + timeout;
        let mut message = make(reply);
        // The control channel is small and may be full of ExportNow; wait within the bound.
        loop {
            match self.control.try_send(message) {
                Ok(()) => break,
                Err(TrySendError::Disconnected(_)) => return Err(OTelSdkError::AlreadyShutdown),
                Err(TrySendError::Full(back)) => {
                    if Instant::now() >= deadline {
                        return Err(OTelSdkError::Timeout(timeout));
                    }
                    message = back;
                    thread::sleep(Duration::from_millis(1));
                }
            }
        }
        match answer.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(result) => result,
            Err(_) => Err(OTelSdkError::Timeout(timeout)),
        }
    }
}

impl SpanProcessor for ExportQueue {
    fn on_start(&self, _span: &mut Span, _cx: &Context) {}

    fn on_end(&self, span: SpanData) {
        if !span.span_context.is_sampled() {
            return;
        }
        match self.spans.try_send(span) {
            Ok(()) => {
                self.stats.enqueued.fetch_add(1, Ordering::Relaxed);
                let pending = self.pending.fetch_add(1, Ordering::Relaxed) + 1;
                if pending >= self.batch_size && !self.wake_sent.swap(true, Ordering::AcqRel) {
                    let _ = self.control.try_send(Control::ExportNow);
                }
            }
            Err(TrySendError::Full(_)) => {
                self.stats
                    .dropped_queue_full
                    .fetch_add(1, Ordering::Relaxed);
            }
            Err(TrySendError::Disconnected(_)) => {
                self.stats
                    .dropped_after_shutdown
                    .fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.request(Control::Flush, self.shutdown_timeout)
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        let timeout = timeout.min(self.shutdown_timeout);
        let result = self.request(|reply| Control::Shutdown(timeout, reply), timeout);
        if result.is_ok()
            && let Some(handle) = self.worker.lock().ok().and_then(|mut w| w.take())
        {
            let _ = handle.join();
        }
        result
    }

    fn set_resource(&mut self, resource: &Resource) {
        if let Ok(mut slot) = self.resource.lock() {
            *slot = Some(resource.clone());
        }
    }
}

struct Worker<E> {
    exporter: E,
    spans: Receiver<SpanData>,
    control: Receiver<Control>,
    pending: Arc<AtomicU64>,
    wake_sent: Arc<AtomicBool>,
    stats: Arc<QueueStats>,
    transforms: Vec<Arc<dyn SpanTransform>>,
    stages: Vec<Box<dyn ExportStage>>,
    batch_size: usize,
    delay: Duration,
    resource: Arc<Mutex<Option<Resource>>>,
    resource_applied: bool,
    error_reported: bool,
    queue_name: String,
}

impl<E: SpanExporter> Worker<E> {
    fn run(mut self) {
        let mut batch: Vec<SpanData> = Vec::with_capacity(self.batch_size);
        let mut deadline = Instant::now() + self.delay;
        loop {
            let wait = deadline.saturating_duration_since(Instant::now());
            match self.control.recv_timeout(wait) {
                Ok(Control::ExportNow) => {
                    // Failures are counted and reported inside export().
                    let _ = self.drain(&mut batch);
                    // Under steady load ExportNow always wins over the timer: run the
                    // scheduled work (tail-sampling deadlines) when it is due all the same.
                    if Instant::now() >= deadline {
                        let _ = self.tick_stages();
                        deadline = Instant::now() + self.delay;
                    }
                }
                Ok(Control::Flush(reply)) => {
                    let result = self.drain(&mut batch).and(self.tick_stages());
                    let _ = reply.send(result.and_then(|()| self.exporter.force_flush()));
                }
                Ok(Control::Shutdown(timeout, reply)) => {
                    let result = self.drain(&mut batch).and(self.drain_stages());
                    let shut = self.exporter.shutdown_with_timeout(timeout);
                    let _ = reply.send(result.and(shut));
                    return;
                }
                Err(RecvTimeoutError::Timeout) => {
                    let _ = self.drain(&mut batch);
                    let _ = self.tick_stages();
                    deadline = Instant::now() + self.delay;
                }
                Err(RecvTimeoutError::Disconnected) => {
                    let _ = self.drain(&mut batch);
                    let _ = self.drain_stages();
                    let _ = self.exporter.shutdown();
                    return;
                }
            }
        }
    }

    /// Exports everything queued so far, in batches.
    fn drain(&mut self, batch: &mut Vec<SpanData>) -> OTelSdkResult {
        // Taking the queue now: the next full batch may wake us again.
        self.wake_sent.store(false, Ordering::Release);
        let mut result = Ok(());
        loop {
            while batch.len() < self.batch_size {
                match self.spans.try_recv() {
                    Ok(span) => {
                        self.pending.fetch_sub(1, Ordering::Relaxed);
                        batch.push(span);
                    }
                    Err(_) => break,
                }
            }
            if batch.is_empty() {
                return result;
            }
            let taken = std::mem::replace(batch, Vec::with_capacity(self.batch_size));
            let mut released =
                self.through_stages(0, taken, |stage, spans, now| stage.process(spans, now));
            if let Err(e) = self.export(&mut released) {
                result = Err(e);
            }
        }
    }

    /// Passes `spans` through the stages from `first` on; `step` calls the first of them.
    fn through_stages(
        &mut self,
        first: usize,
        spans: Vec<SpanData>,
        step: impl FnOnce(&mut dyn ExportStage, Vec<SpanData>, Instant) -> Vec<SpanData>,
    ) -> Vec<SpanData> {
        let now = Instant::now();
        let Some(stage) = self.stages.get_mut(first) else {
            return spans;
        };
        let mut spans = step(stage.as_mut(), spans, now);
        for stage in self.stages.iter_mut().skip(first + 1) {
            spans = stage.process(spans, now);
        }
        spans
    }

    /// Lets every stage release what became due, and exports it.
    fn tick_stages(&mut self) -> OTelSdkResult {
        let mut result = Ok(());
        for index in 0..self.stages.len() {
            let mut released =
                self.through_stages(index, Vec::new(), |stage, _, now| stage.tick(now));
            if let Err(e) = self.export(&mut released) {
                result = Err(e);
            }
        }
        result
    }

    /// Shutdown: every stage decides what it holds; the kept spans are exported.
    fn drain_stages(&mut self) -> OTelSdkResult {
        let mut result = Ok(());
        for index in 0..self.stages.len() {
            let mut released = self.through_stages(index, Vec::new(), |stage, _, _| stage.drain());
            if let Err(e) = self.export(&mut released) {
                result = Err(e);
            }
        }
        result
    }

    fn export(&mut self, batch: &mut Vec<SpanData>) -> OTelSdkResult {
        if batch.is_empty() {
            return Ok(());
        }
        if !self.resource_applied
            && let Some(resource) = self.resource.lock().ok().and_then(|r| r.clone())
        {
            self.exporter.set_resource(&resource);
            self.resource_applied = true;
        }
        for span in batch.iter_mut() {
            for transform in &self.transforms {
                transform.transform(span);
            }
        }
        let count = batch.len() as u64;
        let spans = std::mem::replace(batch, Vec::with_capacity(self.batch_size));
        let result = block_on(self.exporter.export(spans));
        match &result {
            Ok(()) => {
                self.stats.exported.fetch_add(count, Ordering::Relaxed);
            }
            Err(error) => {
                self.stats.export_failed.fetch_add(count, Ordering::Relaxed);
                let message = error.to_string();
                if !self.error_reported {
                    // Once, not once per batch: a dead collector must not flood stderr.
                    self.error_reported = true;
                    crate::diagnostics::warn(&format!(
                        "exporter {:?} failed: {message}; later failures are counted in get_tracing_metrics()",
                        self.queue_name
                    ));
                }
                if let Ok(mut last) = self.stats.last_error.lock() {
                    *last = Some(message);
                }
            }
        }
        result
    }
}

/// Polls a future to completion on this thread. Exporters bound their own I/O time.
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    struct ThreadWaker(Thread);
    impl Wake for ThreadWaker {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
    let mut cx = std::task::Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(value) = future.as_mut().poll(&mut cx) {
            return value;
        }
        thread::park();
    }
}
