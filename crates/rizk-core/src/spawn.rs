//! Keeping spawned work in its trace: the spec's `ensure_context_propagation`.
//!
//! Inside one task or thread the current span follows the code by itself (the macros keep it
//! current across every `.await`). Work handed to another task or thread starts with an empty
//! context unless it is carried over; these helpers carry the OpenTelemetry context and rizk's
//! inherited attributes together.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use opentelemetry::Context;

use crate::context::{self, Frame, FrameGuard};

/// Captures the current trace context now, to be entered later wherever the value runs.
///
/// The frame is the innermost rizk span's when it belongs to the current trace; under a span
/// that rizk's macros did not start (a server span from `rizk-http`, a `get_tracer` span) it
/// is a fresh frame of that trace, so that `set_span_context` inside the bound work is
/// inherited by the spans started under it there.
fn capture() -> (Context, Frame) {
    let cx = Context::current();
    let trace_id = {
        use opentelemetry::trace::TraceContextExt as _;
        let span = cx.span();
        let sc = span.span_context();
        sc.is_valid().then(|| sc.trace_id())
    };
    let frame = match trace_id {
        Some(trace_id) => context::current_frame_for(trace_id).unwrap_or(Frame {
            trace_id: Some(trace_id),
            inherited: None,
        }),
        None => context::current_frame().unwrap_or_default(),
    };
    (cx, frame)
}

/// Wraps a closure so that, wherever and whenever it runs, it runs inside the trace context
/// that was current when it was wrapped.
///
/// ```
/// use rizk_core::ensure_context_propagation;
///
/// let job = ensure_context_propagation(|| 2 + 2);
/// let handle = std::thread::spawn(job);
/// assert_eq!(handle.join().unwrap(), 4);
/// ```
pub fn ensure_context_propagation<F, R>(f: F) -> impl FnOnce() -> R
where
    F: FnOnce() -> R,
{
    let (cx, mut frame) = capture();
    move || {
        let _cx = cx.attach();
        let _frame = FrameGuard::push(&mut frame);
        f()
    }
}

/// Spawns an OS thread that continues the current trace.
///
/// ```
/// let handle = rizk_core::spawn_thread(|| "done");
/// assert_eq!(handle.join().unwrap(), "done");
/// ```
pub fn spawn_thread<F, T>(f: F) -> std::thread::JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    std::thread::spawn(ensure_context_propagation(f))
}

/// Spawns a tokio task that continues the current trace.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let answer = rizk_core::spawn(async { 42 }).await.unwrap();
/// assert_eq!(answer, 42);
/// # }
/// ```
#[cfg(feature = "tokio")]
pub fn spawn<F>(future: F) -> tokio::task::JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    tokio::spawn(future.in_current_trace())
}

/// Extension for futures: `.in_current_trace()` carries the current trace context into a
/// future that will be polled elsewhere (`tokio::spawn`, `JoinSet`, an executor of your own).
///
/// ```
/// use rizk_core::PropagateExt;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let task = tokio::spawn(async { "in the same trace" }.in_current_trace());
/// assert_eq!(task.await.unwrap(), "in the same trace");
/// # }
/// ```
pub trait PropagateExt: Sized {
    /// Binds `self` to the trace context current at this call.
    fn in_current_trace(self) -> Propagated<Self>;
}

impl<F: Future> PropagateExt for F {
    fn in_current_trace(self) -> Propagated<Self> {
        let (cx, frame) = capture();
        Propagated {
            inner: self,
            cx,
            frame,
        }
    }
}

pin_project_lite::pin_project! {
    /// A future bound to a trace context; see [`PropagateExt`].
    ///
    /// ```
    /// use opentelemetry::trace::Tracer;
    /// use rizk_core::{PropagateExt, Propagated};
    /// # let rizk = rizk_core::RizkBuilder::new().app_name("doc").console_exporter(false)
    /// #     .ignore_environment().init().unwrap();
    ///
    /// let (outer, later) = rizk_core::get_tracer("doc").in_span("parent", |_cx| {
    ///     let trace_id = || rizk_core::current_span().span_context().trace_id();
    ///     let later: Propagated<_> = async move { trace_id() }.in_current_trace();
    ///     (trace_id(), later)
    /// });
    /// let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// assert_eq!(runtime.block_on(later), outer); // polled after "parent" ended, still in its trace
    /// ```
    pub struct Propagated<F> {
        #[pin]
        inner: F,
        cx: Context,
        frame: Frame,
    }
}

impl<F: Future> Future for Propagated<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, task: &mut TaskContext<'_>) -> Poll<F::Output> {
        let this = self.project();
        let _cx = this.cx.clone().attach();
        let _frame = FrameGuard::push(this.frame);
        this.inner.poll(task)
    }
}
