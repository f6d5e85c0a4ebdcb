//! One exporter's queue: spans the stages released, waiting for this exporter's workers.
//!
//! Each exporter has its own queue and workers, so a slow or dead one cannot hold the others
//! back. Its spans keep their reservations in the shared [`MemoryBudget`] until they are
//! exported (or fail), and one queue may hold at most its share of the budget. Workers take
//! batches that respect both the batch size and the exporter's largest request
//! (`max_request_bytes`, by [`encoded_len`]); network exporters run several workers, so requests
//! overlap. A queue never blocks whoever offers to it: what does not fit is dropped, counted
//! and reported once.

use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock};
use std::task::{Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

use super::budget::MemoryBudget;
use super::size::encoded_len;

/// Counters of one export queue, readable at any time (also after shutdown).
///
/// ```
/// use rizk_core::export::QueueStats;
/// let stats = QueueStats::default();
/// assert_eq!(stats.snapshot().dropped_queue_full, 0);
/// ```
#[derive(Debug, Default)]
pub struct QueueStats {
    enqueued: AtomicU64,
    exported: AtomicU64,
    dropped_queue_full: AtomicU64,
    dropped_after_shutdown: AtomicU64,
    dropped_shutdown_timeout: AtomicU64,
    export_failed: AtomicU64,
    requests: AtomicU64,
    oversized: AtomicU64,
    waiting: AtomicU64,
    last_error: Mutex<Option<String>>,
}

/// A copy of [`QueueStats`] at one moment.
///
/// ```
/// use rizk_core::export::QueueSnapshot;
///
/// let s = QueueSnapshot { enqueued: 10, exported: 8, export_failed: 2, ..QueueSnapshot::default() };
/// assert_eq!(s.lost(), 2);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueSnapshot {
    /// Spans accepted into the queue.
    pub enqueued: u64,
    /// Spans the exporter accepted.
    pub exported: u64,
    /// Spans dropped because the export path's memory budget (or span count) was full.
    pub dropped_queue_full: u64,
    /// Spans that arrived after shutdown began.
    pub dropped_after_shutdown: u64,
    /// Spans still waiting when the shutdown bound ran out.
    pub dropped_shutdown_timeout: u64,
    /// Spans in requests the exporter failed to send.
    pub export_failed: u64,
    /// Export requests made (each at most the exporter's largest request).
    pub requests: u64,
    /// Spans too large for any request, sent alone with their largest values cut.
    pub oversized: u64,
    /// Spans waiting in the queue or in a request under way now.
    pub waiting: u64,
    /// The most recent export error.
    pub last_error: Option<String>,
}

impl QueueSnapshot {
    /// The counters of two queues added up (the last error of `other` wins when it has one).
    ///
    /// ```
    /// use rizk_core::export::QueueSnapshot;
    /// let a = QueueSnapshot { exported: 2, ..QueueSnapshot::default() };
    /// assert_eq!(a.plus(&a).exported, 4);
    /// ```
    pub fn plus(&self, other: &QueueSnapshot) -> QueueSnapshot {
        QueueSnapshot {
            enqueued: self.enqueued + other.enqueued,
            exported: self.exported + other.exported,
            dropped_queue_full: self.dropped_queue_full + other.dropped_queue_full,
            dropped_after_shutdown: self.dropped_after_shutdown + other.dropped_after_shutdown,
            dropped_shutdown_timeout: self.dropped_shutdown_timeout
                + other.dropped_shutdown_timeout,
            export_failed: self.export_failed + other.export_failed,
            requests: self.requests + other.requests,
            oversized: self.oversized + other.oversized,
            waiting: self.waiting + other.waiting,
            last_error: other.last_error.clone().or_else(|| self.last_error.clone()),
        }
    }

    /// Every span this queue lost, whatever the reason.
    ///
    /// ```
    /// let s = rizk_core::export::QueueSnapshot::default();
    /// assert_eq!(s.lost(), 0);
    /// ```
    pub fn lost(&self) -> u64 {
        self.dropped_queue_full
            + self.dropped_after_shutdown
            + self.dropped_shutdown_timeout
            + self.export_failed
    }
}

impl QueueStats {
    /// Reads every counter.
    ///
    /// ```
    /// use rizk_core::export::{QueueSnapshot, QueueStats};
    ///
    /// assert_eq!(QueueStats::default().snapshot(), QueueSnapshot::default());
    /// ```
    pub fn snapshot(&self) -> QueueSnapshot {
        QueueSnapshot {
            enqueued: self.enqueued.load(Ordering::Relaxed),
            exported: self.exported.load(Ordering::Relaxed),
            dropped_queue_full: self.dropped_queue_full.load(Ordering::Relaxed),
            dropped_after_shutdown: self.dropped_after_shutdown.load(Ordering::Relaxed),
            dropped_shutdown_timeout: self.dropped_shutdown_timeout.load(Ordering::Relaxed),
            export_failed: self.export_failed.load(Ordering::Relaxed),
            requests: self.requests.load(Ordering::Relaxed),
            oversized: self.oversized.load(Ordering::Relaxed),
            waiting: self.waiting.load(Ordering::Relaxed),
            last_error: self.last_error.lock().ok().and_then(|e| e.clone()),
        }
    }

    pub(crate) fn count_enqueued(&self, spans: u64) {
        self.enqueued.fetch_add(spans, Ordering::Relaxed);
    }

    pub(crate) fn count_full(&self, spans: u64) {
        self.dropped_queue_full.fetch_add(spans, Ordering::Relaxed);
    }

    pub(crate) fn count_after_shutdown(&self, spans: u64) {
        self.dropped_after_shutdown
            .fetch_add(spans, Ordering::Relaxed);
    }
}

/// How one exporter's queue behaves: fixed by the kind of exporter.
///
/// ```
/// use rizk_core::export::QueueOptions;
/// let network = QueueOptions::network(4 * 1024 * 1024);
/// assert!(network.concurrent);
/// assert!(!QueueOptions::local().concurrent);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct QueueOptions {
    /// Whether requests may overlap (`max_concurrent_exports` workers). Local exporters that
    /// write in order (console, file) run one.
    pub concurrent: bool,
    /// The largest request the receiver takes, in encoded bytes; batches are split to stay
    /// under it. `None`: no bound (local exporters).
    pub max_request_bytes: Option<usize>,
}

impl QueueOptions {
    /// An exporter that writes locally, in order, with no request size.
    ///
    /// ```
    /// use rizk_core::export::QueueOptions;
    ///
    /// let options = QueueOptions::local();
    /// assert!(!options.concurrent);
    /// assert_eq!(options.max_request_bytes, None);
    /// ```
    pub fn local() -> Self {
        QueueOptions {
            concurrent: false,
            max_request_bytes: None,
        }
    }

    /// An exporter that sends requests over the network, concurrently, each under
    /// `max_request_bytes`.
    ///
    /// ```
    /// use rizk_core::export::QueueOptions;
    ///
    /// let options = QueueOptions::network(4 << 20);
    /// assert!(options.concurrent);
    /// assert_eq!(options.max_request_bytes, Some(4 << 20));
    /// ```
    pub fn network(max_request_bytes: usize) -> Self {
        QueueOptions {
            concurrent: true,
            max_request_bytes: Some(max_request_bytes),
        }
    }
}

/// What an exporter's queue needs from the export settings.
#[derive(Debug, Clone, Copy)]
pub(crate) struct QueueLimits {
    pub(crate) batch_size: usize,
    pub(crate) delay: Duration,
    pub(crate) workers: usize,
}

struct Item {
    span: SpanData,
    bytes: usize,
}

#[derive(Default)]
struct State {
    items: VecDeque<Item>,
    /// Bytes of the spans in `items` and in requests under way: what counts against the
    /// queue's share.
    bytes: usize,
    /// Since when the oldest waiting span waits.
    oldest: Option<Instant>,
    /// Requests under way.
    in_flight: usize,
    /// Flushes waiting: export partial batches at once.
    urgent: usize,
    closed: bool,
}

struct Shared {
    state: Mutex<State>,
    /// Workers wait here for spans.
    work: Condvar,
    /// Flush and shutdown wait here for the queue to empty.
    idle: Condvar,
    budget: Arc<MemoryBudget>,
    /// The most this queue may hold, in bytes: its share of the budget.
    share: AtomicUsize,
    limits: QueueLimits,
    max_request_bytes: Option<usize>,
    stats: Arc<QueueStats>,
    name: String,
    full_reported: AtomicBool,
    failure_reported: AtomicBool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Flush, shutdown and resource of the exporter behind a queue, whatever its type. The
/// exporter sits behind a lock only for `set_resource` (once, before the first span): workers
/// share it for reading.
trait ExporterControl: Send + Sync {
    fn force_flush(&self) -> OTelSdkResult;
    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult;
    fn set_resource(&self, resource: &Resource);
}

impl<E: SpanExporter> ExporterControl for RwLock<E> {
    fn force_flush(&self) -> OTelSdkResult {
        read(self).force_flush()
    }
    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        read(self).shutdown_with_timeout(timeout)
    }
    fn set_resource(&self, resource: &Resource) {
        self.write()
            .unwrap_or_else(|p| p.into_inner())
            .set_resource(resource);
    }
}

fn read<E>(lock: &RwLock<E>) -> std::sync::RwLockReadGuard<'_, E> {
    lock.read().unwrap_or_else(|p| p.into_inner())
}

/// One exporter behind its own bounded queue and worker threads (`rizk-export-<name>`).
///
/// ```
/// use opentelemetry::trace::Tracer;
/// # let spans = rizk_core::export::InMemoryExporter::default();
/// # let rizk = rizk_core::RizkBuilder::new().app_name("doc").console_exporter(false)
/// #     .ignore_environment().with_exporter("memory", spans.clone()).init().unwrap();
///
/// // Every exporter given to the builder gets a queue; export_stats() reads their counters.
/// rizk_core::get_tracer("doc").in_span("work", |_cx| {});
/// rizk.flush().unwrap();
/// let stats = rizk_core::export_stats();
/// let (_, memory) = stats.iter().find(|(name, _)| name == "memory").unwrap();
/// assert_eq!(memory.exported, 1);
/// ```
pub struct ExportQueue {
    shared: Arc<Shared>,
    exporter: Arc<dyn ExporterControl>,
    workers: Mutex<Vec<thread::JoinHandle<()>>>,
}

impl fmt::Debug for ExportQueue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExportQueue")
            .field("name", &self.shared.name)
            .finish_non_exhaustive()
    }
}

impl ExportQueue {
    /// Starts the workers that feed `exporter`.
    pub(crate) fn start<E: SpanExporter + 'static>(
        name: String,
        exporter: E,
        options: QueueOptions,
        limits: QueueLimits,
        budget: Arc<MemoryBudget>,
    ) -> Self {
        let exporter = Arc::new(RwLock::new(exporter));
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            work: Condvar::new(),
            idle: Condvar::new(),
            share: AtomicUsize::new(budget.max_bytes()),
            budget,
            limits,
            max_request_bytes: options.max_request_bytes,
            stats: Arc::default(),
            name,
            full_reported: AtomicBool::new(false),
            failure_reported: AtomicBool::new(false),
        });
        let count = if options.concurrent {
            limits.workers.max(1)
        } else {
            1
        };
        let workers = (0..count)
            .filter_map(|i| {
                let shared = shared.clone();
                let exporter = exporter.clone();
                thread::Builder::new()
                    .name(format!("rizk-export-{}-{i}", shared.name))
                    .spawn(move || work(&shared, &*exporter))
                    .ok()
            })
            .collect();
        ExportQueue {
            shared,
            exporter,
            workers: Mutex::new(workers),
        }
    }

    /// Hands the SDK's resource (service name, ...) to the exporter.
    pub(crate) fn set_resource(&self, resource: &Resource) {
        self.exporter.set_resource(resource);
    }

    /// The queue's counters.
    ///
    /// ```
    /// use opentelemetry::trace::Tracer;
    /// # let spans = rizk_core::export::InMemoryExporter::default();
    /// # let rizk = rizk_core::RizkBuilder::new().app_name("doc").console_exporter(false)
    /// #     .ignore_environment().with_exporter("memory", spans.clone()).init().unwrap();
    ///
    /// // The same counters, per exporter, through export_stats():
    /// rizk_core::get_tracer("doc").in_span("work", |_cx| {});
    /// rizk.flush().unwrap();
    /// for (_exporter, stats) in rizk_core::export_stats() {
    ///     assert_eq!((stats.enqueued, stats.lost()), (1, 0));
    /// }
    /// ```
    pub fn stats(&self) -> Arc<QueueStats> {
        self.shared.stats.clone()
    }

    /// Limits this queue to `bytes` of the budget (its share among the exporters).
    pub(crate) fn set_share(&self, bytes: usize) {
        self.shared.share.store(bytes, Ordering::Relaxed);
    }

    /// Takes spans (each with its memory size) for export; never blocks on the exporter.
    /// `admitted`: the spans were already admitted to the budget at the intake (the last
    /// exporter's copy), so only this queue's share bounds them; other copies need room in
    /// the budget too.
    pub(crate) fn offer(&self, spans: impl IntoIterator<Item = (SpanData, usize)>, admitted: bool) {
        let shared = &*self.shared;
        let share = shared.share.load(Ordering::Relaxed);
        let mut full = 0;
        let mut state = shared.lock();
        let before = state.items.len();
        for (span, bytes) in spans {
            if state.closed {
                shared.stats.count_after_shutdown(1);
                continue;
            }
            if state.bytes + bytes > share {
                full += 1;
                continue;
            }
            if admitted {
                shared.budget.reserve_anyway(bytes);
            } else if !shared.budget.try_reserve(bytes) {
                full += 1;
                continue;
            }
            state.bytes += bytes;
            state.items.push_back(Item { span, bytes });
        }
        let added = state.items.len() - before;
        if added > 0 {
            state.oldest.get_or_insert_with(Instant::now);
            shared
                .stats
                .enqueued
                .fetch_add(added as u64, Ordering::Relaxed);
            shared
                .stats
                .waiting
                .fetch_add(added as u64, Ordering::Relaxed);
        }
        drop(state);
        if added > 0 {
            shared.work.notify_all();
        }
        if full > 0 {
            shared.stats.count_full(full);
            if !shared.full_reported.swap(true, Ordering::Relaxed) {
                crate::diagnostics::alert(&format!(
                    "exporter {:?} cannot keep up: its queue reached {} MiB, so spans are being dropped; \
                     raise max_queue_bytes (RIZK_MAX_QUEUE_BYTES) or lower the sampling rate. \
                     Every drop is counted in get_tracing_metrics()",
                    shared.name,
                    share / (1024 * 1024)
                ));
            }
        }
    }

    /// Waits until every span offered so far has been exported (or failed), then flushes the
    /// exporter; at most until `deadline`.
    pub(crate) fn flush(&self, deadline: Instant) -> OTelSdkResult {
        let shared = &*self.shared;
        let mut state = shared.lock();
        state.urgent += 1;
        shared.work.notify_all();
        let (mut state, drained) = wait_idle(shared, state, deadline);
        state.urgent -= 1;
        drop(state);
        if !drained {
            return Err(OTelSdkError::Timeout(
                deadline.saturating_duration_since(Instant::now()),
            ));
        }
        self.exporter.force_flush()
    }

    /// Exports what is waiting until `deadline`, counts what is left as lost, and shuts the
    /// exporter down.
    pub(crate) fn shutdown(&self, deadline: Instant) -> OTelSdkResult {
        let shared = &*self.shared;
        let mut state = shared.lock();
        state.closed = true;
        shared.work.notify_all();
        let (mut state, drained) = wait_idle(shared, state, deadline);
        let left: Vec<Item> = state.items.drain(..).collect();
        let bytes: usize = left.iter().map(|i| i.bytes).sum();
        state.bytes -= bytes;
        drop(state);
        if !left.is_empty() {
            shared.budget.release(left.len(), bytes);
            let n = left.len() as u64;
            shared
                .stats
                .dropped_shutdown_timeout
                .fetch_add(n, Ordering::Relaxed);
            shared.stats.waiting.fetch_sub(n, Ordering::Relaxed);
        }
        let left_time = deadline.saturating_duration_since(Instant::now());
        let shut = self.exporter.shutdown_with_timeout(left_time);
        if drained {
            // Every worker has seen `closed` with nothing to do and is ending.
            let handles =
                std::mem::take(&mut *self.workers.lock().unwrap_or_else(|p| p.into_inner()));
            for handle in handles {
                let _ = handle.join();
            }
        }
        shut
    }
}

/// Waits until nothing is waiting or under way, or until `deadline`; returns whether it
/// emptied.
fn wait_idle<'a>(
    shared: &'a Shared,
    mut state: MutexGuard<'a, State>,
    deadline: Instant,
) -> (MutexGuard<'a, State>, bool) {
    loop {
        if state.items.is_empty() && state.in_flight == 0 {
            return (state, true);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return (state, false);
        }
        state = shared
            .idle
            .wait_timeout(state, left)
            .unwrap_or_else(|p| p.into_inner())
            .0;
    }
}

/// A worker: takes the next request's worth of spans and exports it, until the queue closes
/// and empties.
fn work<E: SpanExporter>(shared: &Shared, exporter: &RwLock<E>) {
    loop {
        let Some(batch) = next_batch(shared) else {
            return;
        };
        let count = batch.len();
        let bytes: usize = batch.iter().map(|i| i.bytes).sum();
        let spans: Vec<SpanData> = batch.into_iter().map(|i| i.span).collect();
        let result = block_on(read(exporter).export(spans));
        record(shared, count as u64, result);
        shared.budget.release(count, bytes);
        shared
            .stats
            .waiting
            .fetch_sub(count as u64, Ordering::Relaxed);
        let mut state = shared.lock();
        state.in_flight -= 1;
        state.bytes -= bytes;
        let idle = state.items.is_empty() && state.in_flight == 0;
        drop(state);
        if idle {
            shared.idle.notify_all();
        }
    }
}

/// Waits for a batch that is due: full, or waiting longer than the delay, or asked for by a
/// flush or shutdown. `None` once the queue is closed and empty.
fn next_batch(shared: &Shared) -> Option<Vec<Item>> {
    let limits = shared.limits;
    let mut state = shared.lock();
    loop {
        let now = Instant::now();
        let due = state.items.len() >= limits.batch_size
            || (!state.items.is_empty()
                && (state.urgent > 0
                    || state.closed
                    || state.oldest.is_some_and(|t| now >= t + limits.delay)));
        if due {
            break;
        }
        if state.closed && state.items.is_empty() {
            return None;
        }
        state = match state.oldest {
            Some(since) => {
                let wait = (since + limits.delay).saturating_duration_since(now);
                shared
                    .work
                    .wait_timeout(state, wait)
                    .unwrap_or_else(|p| p.into_inner())
                    .0
            }
            None => shared.work.wait(state).unwrap_or_else(|p| p.into_inner()),
        };
    }
    let mut batch = Vec::with_capacity(limits.batch_size.min(state.items.len()));
    let mut request = 0usize;
    while batch.len() < limits.batch_size {
        let Some(next) = state.items.front() else {
            break;
        };
        let mut oversized = false;
        if let Some(max) = shared.max_request_bytes {
            let size = encoded_len(&next.span);
            if !batch.is_empty() && request + size > max {
                break;
            }
            // Alone and still too large: its largest values are cut below.
            oversized = size > max;
            request += size;
        }
        let Some(mut item) = state.items.pop_front() else {
            break;
        };
        if let (true, Some(max)) = (oversized, shared.max_request_bytes) {
            shared.stats.oversized.fetch_add(1, Ordering::Relaxed);
            // A request has room for more than the span's strings: keep a margin for the rest
            // of the request (resource, scope) so the receiver takes it.
            super::limits::fit_to_request(&mut item.span, max.saturating_sub(max / 16));
            batch.push(item);
            break;
        }
        batch.push(item);
    }
    state.oldest = (!state.items.is_empty()).then(Instant::now);
    state.in_flight += 1;
    let more = !state.items.is_empty();
    drop(state);
    if more {
        // Another worker can start on the rest while this request is under way.
        shared.work.notify_one();
    }
    Some(batch)
}

/// Counts a request's outcome; the first failure is reported once, whatever the debug setting.
fn record(shared: &Shared, count: u64, result: OTelSdkResult) {
    let stats = &shared.stats;
    stats.requests.fetch_add(1, Ordering::Relaxed);
    match result {
        Ok(()) => {
            stats.exported.fetch_add(count, Ordering::Relaxed);
        }
        Err(error) => {
            stats.export_failed.fetch_add(count, Ordering::Relaxed);
            // The exporter's own words, without the SDK's "Operation failed: " in front.
            let message = match error {
                OTelSdkError::InternalFailure(text) => text,
                other => other.to_string(),
            };
            if !shared.failure_reported.swap(true, Ordering::Relaxed) {
                // Once, not once per request: a dead collector must not flood stderr.
                crate::diagnostics::alert(&format!(
                    "exporter {:?} failed: {message}; its spans are lost, and later failures are \
                     counted in get_tracing_metrics()",
                    shared.name
                ));
            }
            if let Ok(mut last) = stats.last_error.lock() {
                *last = Some(message);
            }
        }
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
