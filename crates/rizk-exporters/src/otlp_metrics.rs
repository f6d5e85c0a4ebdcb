//! The OTLP metrics exporter: HTTP/protobuf through rizk's transport (exactly the configured
//! headers, the same TLS and failure reasons as the traces), or gRPC on a runtime of its own.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use opentelemetry_otlp::{Protocol, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::metrics::Temporality;
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use rizk_core::config::{OtlpCompression, OtlpProtocol};
use rizk_core::{Result, RizkError};

use crate::settings::OtlpSettings;
use crate::transport::{FailureSlot, message};

const NAME: &str = "otlp metrics";

/// The metrics exporter rizk's periodic reader drives; the first failure is reported once on
/// stderr with its reason, later ones only in debug mode.
#[derive(Debug)]
pub(crate) struct MetricsExporter {
    inner: Inner,
    failure: Option<FailureSlot>,
    destination: String,
    reported: AtomicBool,
}

#[derive(Debug)]
enum Inner {
    Http(opentelemetry_otlp::MetricExporter),
    #[cfg(feature = "otlp-grpc")]
    Grpc(grpc::GrpcMetrics),
}

/// Builds the exporter for `settings`.
pub(crate) fn exporter(
    settings: &OtlpSettings,
    temporality: Temporality,
) -> Result<MetricsExporter> {
    let error = |reason: String| RizkError::Exporter {
        exporter: NAME.to_owned(),
        reason,
    };
    let (inner, failure) = match settings.protocol {
        OtlpProtocol::HttpProtobuf => {
            let gzip = settings.compression == OtlpCompression::Gzip;
            let (transport, failure) = crate::otlp::otlp_transport(settings, NAME)?;
            let mut builder = opentelemetry_otlp::MetricExporter::builder()
                .with_http()
                .with_http_client(transport)
                .with_protocol(Protocol::HttpBinary)
                .with_endpoint(settings.url.as_str())
                .with_timeout(settings.timeout)
                .with_temporality(temporality);
            if gzip {
                builder = builder.with_compression(opentelemetry_otlp::Compression::Gzip);
            }
            let inner = builder.build().map_err(|e| error(e.to_string()))?;
            (Inner::Http(inner), Some(failure))
        }
        _ => (grpc_inner(settings, temporality)?, None),
    };
    Ok(MetricsExporter {
        inner,
        failure,
        destination: format!("OTLP metrics to {}", settings.url),
        reported: AtomicBool::new(false),
    })
}

#[cfg(feature = "otlp-grpc")]
fn grpc_inner(settings: &OtlpSettings, temporality: Temporality) -> Result<Inner> {
    Ok(Inner::Grpc(grpc::GrpcMetrics::new(settings, temporality)?))
}

#[cfg(not(feature = "otlp-grpc"))]
fn grpc_inner(settings: &OtlpSettings, _: Temporality) -> Result<Inner> {
    Err(RizkError::Exporter {
        exporter: NAME.to_owned(),
        reason: format!(
            "OTLP/gRPC metrics to {} need the `otlp-grpc` feature of rizk; or send them over HTTP: OTEL_EXPORTER_OTLP_METRICS_PROTOCOL=http/protobuf to the collector's HTTP port, usually 4318",
            settings.url
        ),
    })
}

impl PushMetricExporter for MetricsExporter {
    async fn export(&self, metrics: &ResourceMetrics) -> OTelSdkResult {
        if let Some(slot) = &self.failure {
            let _ = slot.take();
        }
        let result = match &self.inner {
            Inner::Http(e) => e.export(metrics).await,
            #[cfg(feature = "otlp-grpc")]
            Inner::Grpc(e) => e.export(metrics),
        };
        result.map_err(|error| {
            let reason = self
                .failure
                .as_ref()
                .and_then(FailureSlot::take)
                .unwrap_or_else(|| format!("{}: {}", self.destination, message(&error)));
            let line = format!("rizk: metrics export failed: {reason}");
            if !self.reported.swap(true, Ordering::Relaxed) {
                rizk_core::diagnostics::alert(&line);
            } else {
                rizk_core::diagnostics::debug(&line);
            }
            OTelSdkError::InternalFailure(reason)
        })
    }

    fn force_flush(&self) -> OTelSdkResult {
        match &self.inner {
            Inner::Http(e) => e.force_flush(),
            #[cfg(feature = "otlp-grpc")]
            Inner::Grpc(e) => e.inner.force_flush(),
        }
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        match &self.inner {
            Inner::Http(e) => e.shutdown_with_timeout(timeout),
            #[cfg(feature = "otlp-grpc")]
            Inner::Grpc(e) => e.shutdown(timeout),
        }
    }

    fn temporality(&self) -> Temporality {
        match &self.inner {
            Inner::Http(e) => e.temporality(),
            #[cfg(feature = "otlp-grpc")]
            Inner::Grpc(e) => e.inner.temporality(),
        }
    }
}

#[cfg(feature = "otlp-grpc")]
mod grpc {
    //! The tonic metrics exporter on a one-worker tokio runtime of its own: the periodic reader
    //! polls exporters on a plain thread (see `crate::grpc` for the span exporter's twin).

    use std::sync::Mutex;
    use std::time::Duration;

    use crate::grpc::{TonicParts, configure_tonic, tonic_parts};
    use crate::settings::OtlpSettings;

    use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
    use opentelemetry_sdk::metrics::Temporality;
    use opentelemetry_sdk::metrics::data::ResourceMetrics;
    use opentelemetry_sdk::metrics::exporter::PushMetricExporter;

    use rizk_core::{Result, RizkError};

    pub(super) struct GrpcMetrics {
        runtime: Mutex<Option<tokio::runtime::Runtime>>,
        pub(super) inner: opentelemetry_otlp::MetricExporter,
        timeout: Duration,
    }

    impl std::fmt::Debug for GrpcMetrics {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("GrpcMetrics").finish_non_exhaustive()
        }
    }

    impl GrpcMetrics {
        pub(super) fn new(settings: &OtlpSettings, temporality: Temporality) -> Result<Self> {
            let error = |reason: String| RizkError::Exporter {
                exporter: super::NAME.to_owned(),
                reason,
            };
            let TonicParts {
                metadata,
                runtime,
                tls,
            } = tonic_parts(settings, super::NAME)?;
            let builder = configure_tonic(
                opentelemetry_otlp::MetricExporter::builder()
                    .with_tonic()
                    .with_temporality(temporality),
                settings,
                metadata,
                tls,
            );
            let inner = {
                let _entered = runtime.enter();
                builder.build().map_err(|e| error(e.to_string()))?
            };
            Ok(GrpcMetrics {
                runtime: Mutex::new(Some(runtime)),
                inner,
                timeout: settings.timeout,
            })
        }

        pub(super) fn export(&self, metrics: &ResourceMetrics) -> OTelSdkResult {
            let guard = self.runtime.lock().map_err(|_| {
                OTelSdkError::InternalFailure("the gRPC runtime lock is poisoned".into())
            })?;
            let Some(runtime) = guard.as_ref() else {
                return Err(OTelSdkError::AlreadyShutdown);
            };
            runtime.block_on(async {
                tokio::time::timeout(self.timeout, self.inner.export(metrics))
                    .await
                    .unwrap_or(Err(OTelSdkError::Timeout(self.timeout)))
            })
        }

        pub(super) fn shutdown(&self, timeout: Duration) -> OTelSdkResult {
            let result = self.inner.shutdown_with_timeout(timeout);
            if let Some(runtime) = self.runtime.lock().ok().and_then(|mut g| g.take()) {
                runtime.shutdown_timeout(timeout);
            }
            result
        }
    }
}
