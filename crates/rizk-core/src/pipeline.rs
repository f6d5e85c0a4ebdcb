//! The one span processor rizk registers with the SDK.
//!
//! The SDK clones a span's data once per registered processor when it ends (even for the last
//! one), so rizk registers a single processor that stamps inherited attributes at start and hands
//! the data on at end, moving it into the last consumer and cloning only for the others.

use std::time::Duration;

use opentelemetry::Context;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{Span, SpanData, SpanProcessor};

use crate::context;
use crate::export::ExportQueue;
use crate::metrics::RuntimeMetrics;

/// Inheritance, then every export queue and user processor.
#[derive(Debug, Default)]
pub(crate) struct Pipeline {
    pub(crate) queues: Vec<ExportQueue>,
    pub(crate) processors: Vec<Box<dyn SpanProcessor>>,
    pub(crate) metrics: std::sync::Arc<RuntimeMetrics>,
}

impl Pipeline {
    fn each(&self, mut f: impl FnMut(&dyn SpanProcessor) -> OTelSdkResult) -> OTelSdkResult {
        let mut first_error = Ok(());
        let all = self.queues.iter().map(|q| q as &dyn SpanProcessor);
        for processor in all.chain(self.processors.iter().map(|p| p.as_ref())) {
            if let Err(e) = f(processor)
                && first_error.is_ok()
            {
                first_error = Err(e);
            }
        }
        first_error
    }
}

impl SpanProcessor for Pipeline {
    fn on_start(&self, span: &mut Span, cx: &Context) {
        context::stamp_inherited(span, cx);
        for processor in &self.processors {
            processor.on_start(span, cx);
        }
    }

    fn on_end(&self, span: SpanData) {
        self.metrics.span_ended(span.end_time);
        let consumers = self.queues.len() + self.processors.len();
        let mut span = Some(span);
        let mut index = 0;
        let mut hand_on = |processor: &dyn SpanProcessor| {
            index += 1;
            let data = if index == consumers {
                span.take()
            } else {
                span.clone()
            };
            if let Some(data) = data {
                processor.on_end(data);
            }
        };
        for queue in &self.queues {
            hand_on(queue);
        }
        for processor in &self.processors {
            hand_on(processor.as_ref());
        }
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.each(|p| p.force_flush())
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        let deadline = std::time::Instant::now() + timeout;
        self.each(|p| {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return Err(OTelSdkError::Timeout(timeout));
            }
            p.shutdown_with_timeout(left)
        })
    }

    fn set_resource(&mut self, resource: &Resource) {
        for queue in &mut self.queues {
            queue.set_resource(resource);
        }
        for processor in &mut self.processors {
            processor.set_resource(resource);
        }
    }
}
