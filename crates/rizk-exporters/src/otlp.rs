//! OTLP over HTTP/protobuf and (feature `otlp-grpc`) over gRPC.

use std::time::Duration;

use opentelemetry_otlp::{Protocol, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use rizk_core::config::{OtlpCompression, OtlpProtocol};
use rizk_core::{Result, RizkError};

use crate::settings::OtlpSettings;
use crate::transport::{Diagnosed, FailureSlot, HttpTransport, Keep, TransportConfig};

/// An OTLP span exporter (HTTP/protobuf or gRPC) built by [`otlp_exporter`].
///
/// It sends exactly the headers of its [`OtlpSettings`] (nothing from the process
/// environment is added), bounds every request by the settings' timeout, and reports a failure
/// with its reason ("connection refused", "answered 503", "invalid peer certificate").
/// It blocks its caller while it exports: use it behind rizk's export queue (or the SDK's
/// batch processor), never on a tokio worker thread.
///
/// ```
/// use rizk_core::config::ExportSettings;
/// use rizk_core::export::{ExporterSet, QueueOptions};
/// use rizk_exporters::{OtlpExporter, OtlpSettings, otlp_exporter};
///
/// let settings = OtlpSettings::new(&url::Url::parse("http://localhost:4318").unwrap(), None);
/// let exporter: OtlpExporter = otlp_exporter(&settings, "otlp").unwrap();
/// let mut set = ExporterSet::new(ExportSettings::default());
/// set.add_with("otlp localhost", exporter, QueueOptions::network(4 << 20)); // behind a queue
/// assert_eq!(set.names(), ["otlp localhost"]);
/// ```
#[derive(Debug)]
pub struct OtlpExporter(Inner);

#[derive(Debug)]
enum Inner {
    Http(Diagnosed<opentelemetry_otlp::SpanExporter>),
    #[cfg(feature = "otlp-grpc")]
    Grpc(Diagnosed<crate::grpc::GrpcExporter>),
}

impl SpanExporter for OtlpExporter {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        match &self.0 {
            Inner::Http(e) => e.export(batch).await,
            #[cfg(feature = "otlp-grpc")]
            Inner::Grpc(e) => e.export(batch).await,
        }
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        match &self.0 {
            Inner::Http(e) => e.shutdown_with_timeout(timeout),
            #[cfg(feature = "otlp-grpc")]
            Inner::Grpc(e) => e.shutdown_with_timeout(timeout),
        }
    }

    fn force_flush(&self) -> OTelSdkResult {
        match &self.0 {
            Inner::Http(e) => e.force_flush(),
            #[cfg(feature = "otlp-grpc")]
            Inner::Grpc(e) => e.force_flush(),
        }
    }

    fn set_resource(&mut self, resource: &Resource) {
        match &mut self.0 {
            Inner::Http(e) => e.set_resource(resource),
            #[cfg(feature = "otlp-grpc")]
            Inner::Grpc(e) => e.set_resource(resource),
        }
    }
}

/// Builds an OTLP exporter for `settings`: HTTP/protobuf, or gRPC with the `otlp-grpc`
/// feature.
///
/// ```
/// use rizk_exporters::{OtlpSettings, otlp_exporter};
///
/// let mut settings = OtlpSettings::new(&url::Url::parse("http://localhost:4318").unwrap(), None);
/// settings.headers.push(("api-key".into(), "secret".into()));
/// let exporter = otlp_exporter(&settings, "otlp").unwrap();
/// assert!(!format!("{exporter:?}").contains("secret"));
/// ```
pub fn otlp_exporter(settings: &OtlpSettings, name: &str) -> Result<OtlpExporter> {
    match settings.protocol {
        OtlpProtocol::HttpProtobuf => otlp_http_exporter(settings, name),
        _ => grpc(settings, name),
    }
}

#[cfg(feature = "otlp-grpc")]
fn grpc(settings: &OtlpSettings, name: &str) -> Result<OtlpExporter> {
    let inner = crate::grpc::GrpcExporter::new(settings, name)?;
    Ok(OtlpExporter(Inner::Grpc(Diagnosed {
        inner,
        failure: None,
        // The gRPC exporter's errors already name the destination.
        destination: String::new(),
        service_name: settings.service_name.clone(),
    })))
}

#[cfg(not(feature = "otlp-grpc"))]
fn grpc(settings: &OtlpSettings, name: &str) -> Result<OtlpExporter> {
    Err(RizkError::Exporter {
        exporter: name.to_owned(),
        reason: format!(
            "OTLP/gRPC to {} needs the `otlp-grpc` feature of rizk (features = [\"otlp-grpc\"]); or send OTLP/HTTP instead: otlp_protocol http/protobuf (OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf) to the collector's HTTP port, usually 4318",
            settings.url
        ),
    })
}

/// The HTTP transport of an OTLP/HTTP exporter (spans, metrics): exactly the configured
/// headers plus the protocol's own, gzip when configured, TLS with `otlp_certificate`, the
/// retry policy; and where its first failure is kept for the report.
pub(crate) fn otlp_transport(
    settings: &OtlpSettings,
    name: &str,
) -> Result<(HttpTransport, FailureSlot)> {
    HttpTransport::new(TransportConfig {
        exporter: name,
        timeout: settings.timeout,
        headers: &settings.headers,
        keep: Keep::Only(&["content-type", "content-encoding"]),
        allow_gzip: settings.compression == OtlpCompression::Gzip,
        ca_certificate: settings.ca_certificate.as_ref(),
        retry: settings.retry,
    })
}

/// Builds an OTLP/HTTP (protobuf) exporter for `settings`, whatever their protocol says.
///
/// ```
/// use rizk_exporters::{OtlpSettings, otlp_http_exporter};
/// let settings = OtlpSettings::new(&url::Url::parse("http://localhost:4318").unwrap(), None);
/// let _exporter = otlp_http_exporter(&settings, "otlp").unwrap();
/// ```
pub fn otlp_http_exporter(settings: &OtlpSettings, name: &str) -> Result<OtlpExporter> {
    let gzip = settings.compression == OtlpCompression::Gzip;
    let (transport, failure) = otlp_transport(settings, name)?;
    let mut builder = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_http_client(transport)
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(settings.url.as_str())
        .with_timeout(settings.timeout);
    if gzip {
        builder = builder.with_compression(opentelemetry_otlp::Compression::Gzip);
    }
    let inner = builder.build().map_err(|e| RizkError::Exporter {
        exporter: name.to_owned(),
        reason: e.to_string(),
    })?;
    Ok(OtlpExporter(Inner::Http(Diagnosed {
        inner,
        failure: Some(failure),
        destination: format!("OTLP/HTTP to {}", settings.url),
        service_name: settings.service_name.clone(),
    })))
}
