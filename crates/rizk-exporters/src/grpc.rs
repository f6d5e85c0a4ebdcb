//! OTLP/gRPC: the tonic exporter on a small tokio runtime of its own.
//!
//! The tonic exporter must be built inside a tokio runtime and its futures need one to run,
//! but rizk's export queue polls exporters on a plain thread. So this exporter owns a
//! one-worker multi-thread runtime (the worker keeps the HTTP/2 connection serviced between
//! exports) and runs each export on it with `block_on`, bounded by the export timeout.

use std::sync::Mutex;
use std::time::Duration;

use opentelemetry_otlp::tonic_types::transport::ClientTlsConfig;
use opentelemetry_otlp::{WithExportConfig, WithTonicConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use rizk_core::config::OtlpCompression;
use rizk_core::{Result, RizkError};
use tonic::metadata::{AsciiMetadataKey, AsciiMetadataValue, MetadataMap};

use crate::settings::OtlpSettings;

pub(crate) struct GrpcExporter {
    runtime: Mutex<Option<tokio::runtime::Runtime>>,
    inner: opentelemetry_otlp::SpanExporter,
    timeout: Duration,
    url: String,
    retry: crate::RetryPolicy,
}

impl std::fmt::Debug for GrpcExporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GrpcExporter")
            .field("url", &self.url)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl GrpcExporter {
    pub(crate) fn new(settings: &OtlpSettings, name: &str) -> Result<Self> {
        let error = |reason: String| RizkError::Exporter {
            exporter: name.to_owned(),
            reason,
        };
        let TonicParts {
            metadata,
            runtime,
            tls,
        } = tonic_parts(settings, name)?;
        let builder = configure_tonic(
            opentelemetry_otlp::SpanExporter::builder().with_tonic(),
            settings,
            metadata,
            tls,
        );
        let inner = {
            let _entered = runtime.enter();
            builder.build().map_err(|e| error(e.to_string()))?
        };
        Ok(GrpcExporter {
            runtime: Mutex::new(Some(runtime)),
            inner,
            timeout: settings.timeout,
            url: settings.url.to_string(),
            retry: settings.retry,
        })
    }

    /// One export, retried while the server says it is busy (the batch is cloned per attempt,
    /// which only happens on the retry path).
    fn run(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let mut batch = Some(batch);
        let (result, _) = crate::retry::run(self.retry, || {
            let attempt = batch.clone().unwrap_or_default();
            match self.run_once(attempt) {
                Err(OTelSdkError::InternalFailure(message))
                    if crate::retry::retryable_grpc(&message) =>
                {
                    crate::retry::Attempt::Retry(OTelSdkError::InternalFailure(message), None)
                }
                other => {
                    batch = None;
                    crate::retry::Attempt::Done(other)
                }
            }
        });
        result
    }

    fn run_once(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let guard = self.runtime.lock().map_err(|_| {
            OTelSdkError::InternalFailure("the gRPC runtime lock is poisoned".into())
        })?;
        let Some(runtime) = guard.as_ref() else {
            return Err(OTelSdkError::AlreadyShutdown);
        };
        let timeout = self.timeout;
        let url = &self.url;
        let export = async {
            match tokio::time::timeout(timeout, self.inner.export(batch)).await {
                Ok(result) => result.map_err(|e| {
                    OTelSdkError::InternalFailure(format!(
                        "OTLP/gRPC to {url} failed: {}",
                        crate::transport::message(&e)
                    ))
                }),
                Err(_) => Err(OTelSdkError::InternalFailure(format!(
                    "OTLP/gRPC to {url} failed: no answer within the export timeout of {timeout:?}"
                ))),
            }
        };
        if tokio::runtime::Handle::try_current().is_ok() {
            // Called from inside someone's tokio runtime (not through rizk's queue): block_on
            // would panic there, so block a scoped thread instead.
            std::thread::scope(|scope| {
                scope
                    .spawn(|| runtime.block_on(export))
                    .join()
                    .unwrap_or_else(|_| {
                        Err(OTelSdkError::InternalFailure(
                            "the gRPC export panicked".into(),
                        ))
                    })
            })
        } else {
            runtime.block_on(export)
        }
    }
}

/// What every OTLP/gRPC exporter of this crate (spans, metrics) is built from: exactly the
/// configured headers as metadata, a one-thread runtime of its own (tonic needs one, and the
/// application may have none), and for `https` the system's roots plus `otlp_certificate`.
pub(crate) struct TonicParts {
    pub(crate) metadata: MetadataMap,
    pub(crate) runtime: tokio::runtime::Runtime,
    pub(crate) tls: Option<ClientTlsConfig>,
}

/// The [`TonicParts`] of `settings`, errors naming the exporter `name`.
pub(crate) fn tonic_parts(settings: &OtlpSettings, name: &str) -> Result<TonicParts> {
    let error = |reason: String| RizkError::Exporter {
        exporter: name.to_owned(),
        reason,
    };
    let mut metadata = MetadataMap::new();
    for (key, value) in &settings.headers {
        let key = AsciiMetadataKey::from_bytes(key.to_ascii_lowercase().as_bytes())
            .map_err(|_| error(format!("{key:?} is not a valid gRPC metadata key")))?;
        let value = AsciiMetadataValue::try_from(value.expose()).map_err(|_| {
            error(format!(
                "the value of header {key:?} is not valid gRPC metadata; remove control and non-ASCII characters"
            ))
        })?;
        metadata.insert(key, value);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name(format!("rizk-{name}-grpc"))
        .enable_all()
        .build()
        .map_err(|e| error(format!("cannot start the gRPC runtime: {e}")))?;
    let tls = if settings.url.scheme() == "https" {
        let mut tls = ClientTlsConfig::new().with_native_roots();
        if let Some(path) = &settings.ca_certificate {
            let pem = std::fs::read(path).map_err(|e| {
                error(format!(
                    "cannot read otlp_certificate {}: {e}; give the path of a PEM file of CA certificates",
                    path.display()
                ))
            })?;
            tls = tls.ca_certificate(
                opentelemetry_otlp::tonic_types::transport::Certificate::from_pem(pem),
            );
        }
        Some(tls)
    } else {
        None
    };
    Ok(TonicParts {
        metadata,
        runtime,
        tls,
    })
}

/// Points a tonic exporter builder (spans or metrics) at `settings`: the endpoint, the timeout,
/// exactly the configured metadata (the library adds `OTEL_EXPORTER_OTLP_HEADERS` from the
/// environment before the interceptor runs; the interceptor replaces all), gzip, TLS.
pub(crate) fn configure_tonic<B: WithExportConfig + WithTonicConfig>(
    builder: B,
    settings: &OtlpSettings,
    metadata: MetadataMap,
    tls: Option<ClientTlsConfig>,
) -> B {
    let mut builder = builder
        .with_endpoint(settings.url.as_str().trim_end_matches('/'))
        .with_timeout(settings.timeout)
        .with_interceptor(move |mut request: tonic::Request<()>| {
            *request.metadata_mut() = metadata.clone();
            Ok(request)
        });
    if settings.compression == OtlpCompression::Gzip {
        builder = builder.with_compression(opentelemetry_otlp::Compression::Gzip);
    }
    if let Some(tls) = tls {
        builder = builder.with_tls_config(tls);
    }
    builder
}

impl SpanExporter for GrpcExporter {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        self.run(batch)
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        let result = self.inner.shutdown_with_timeout(timeout);
        if let Some(runtime) = self.runtime.lock().ok().and_then(|mut r| r.take()) {
            runtime.shutdown_background();
        }
        result
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}

impl Drop for GrpcExporter {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.get_mut().ok().and_then(Option::take) {
            // Never blocks, so dropping is safe anywhere, even inside another runtime.
            runtime.shutdown_background();
        }
    }
}
