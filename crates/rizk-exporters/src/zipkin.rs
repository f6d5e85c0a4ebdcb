//! Zipkin v2 JSON, through `opentelemetry-zipkin`.
//!
//! `opentelemetry-zipkin` 0.32 writes no `localEndpoint.serviceName` (it ignores the resource)
//! and writes `"parentId": "0000000000000000"` on root spans. The HTTP client it is given here
//! fixes both in the JSON before it leaves: every span gets the configured service name, and
//! a root span has no `parentId` (as the Zipkin API says: "absent if this the root span").

// `opentelemetry-zipkin` is deprecated upstream (Zipkin also ingests OTLP now); it is isolated
// in this module behind the `zipkin` feature.
#![allow(deprecated)]

use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use opentelemetry_http::{HttpClient, HttpError};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use rizk_core::{Result, RizkError};
use serde_json::Value;

use crate::settings::ZipkinSettings;
use crate::transport::{Diagnosed, HttpTransport, Keep, TransportConfig};

/// A Zipkin span exporter built by [`zipkin_exporter`].
///
/// ```
/// use rizk_core::config::ExportSettings;
/// use rizk_core::export::{ExporterSet, QueueOptions};
/// use rizk_exporters::{ZipkinExporter, ZipkinSettings, zipkin_exporter};
///
/// let settings = ZipkinSettings::new(&url::Url::parse("http://localhost:9411").unwrap(), "shop");
/// let exporter: ZipkinExporter = zipkin_exporter(&settings).unwrap();
/// let mut set = ExporterSet::new(ExportSettings::default());
/// set.add_with("zipkin localhost", exporter, QueueOptions::network(4 << 20));
/// assert_eq!(set.names(), ["zipkin localhost"]);
/// ```
#[derive(Debug)]
pub struct ZipkinExporter(Diagnosed<opentelemetry_zipkin::ZipkinExporter>);

impl SpanExporter for ZipkinExporter {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        self.0.export(batch).await
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.0.shutdown_with_timeout(timeout)
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.0.set_resource(resource);
    }
}

/// Builds a Zipkin exporter that POSTs v2 JSON to `settings.endpoint`.
///
/// ```
/// use rizk_exporters::{ZipkinSettings, zipkin_exporter};
/// let settings = ZipkinSettings::new(&url::Url::parse("http://localhost:9411").unwrap(), "shop");
/// let _exporter = zipkin_exporter(&settings).unwrap();
/// ```
pub fn zipkin_exporter(settings: &ZipkinSettings) -> Result<ZipkinExporter> {
    let (transport, failure) = HttpTransport::new(TransportConfig {
        exporter: "zipkin",
        timeout: settings.timeout,
        headers: &[],
        keep: Keep::All,
        allow_gzip: false,
        ca_certificate: None,
        retry: crate::RetryPolicy::default(),
    })?;
    let client = ZipkinClient {
        transport,
        service_name: settings.service_name.clone(),
    };
    let inner = opentelemetry_zipkin::ZipkinExporter::builder()
        .with_collector_endpoint(settings.endpoint.as_str())
        .with_http_client(client)
        .build()
        .map_err(|e| RizkError::Exporter {
            exporter: "zipkin".into(),
            reason: e.to_string(),
        })?;
    Ok(ZipkinExporter(Diagnosed {
        inner,
        failure: Some(failure),
        destination: format!("Zipkin at {}", settings.endpoint),
        service_name: None,
    }))
}

#[derive(Debug)]
struct ZipkinClient {
    transport: HttpTransport,
    service_name: String,
}

#[async_trait::async_trait]
impl HttpClient for ZipkinClient {
    async fn send_bytes(
        &self,
        request: Request<Bytes>,
    ) -> std::result::Result<Response<Bytes>, HttpError> {
        let (parts, body) = request.into_parts();
        let body = fix_spans(&body, &self.service_name)?;
        self.transport
            .send(Request::from_parts(parts, Bytes::from(body)))
    }
}

/// Sets `localEndpoint.serviceName` on every span and removes an all-zero `parentId`.
pub(crate) fn fix_spans(
    body: &[u8],
    service_name: &str,
) -> std::result::Result<Vec<u8>, HttpError> {
    let mut spans: Value = serde_json::from_slice(body)?;
    if let Some(list) = spans.as_array_mut() {
        for span in list.iter_mut().filter_map(Value::as_object_mut) {
            let endpoint = span
                .entry("localEndpoint")
                .or_insert_with(|| Value::Object(serde_json::Map::new()));
            if let Some(endpoint) = endpoint.as_object_mut() {
                endpoint.insert("serviceName".into(), Value::String(service_name.to_owned()));
            }
            let root = span
                .get("parentId")
                .and_then(Value::as_str)
                .is_some_and(|id| id.bytes().all(|b| b == b'0'));
            if root {
                span.remove("parentId");
            }
        }
    }
    Ok(serde_json::to_vec(&spans)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fix_spans_names_the_service_and_drops_zero_parents() {
        let body = br#"[{"traceId":"0af7651916cd43dd8448eb211c80319c","id":"b7ad6b7169203331","parentId":"0000000000000000","localEndpoint":{}},
                        {"traceId":"0af7651916cd43dd8448eb211c80319c","id":"00f067aa0ba902b7","parentId":"b7ad6b7169203331"}]"#;
        let fixed: Value = serde_json::from_slice(&fix_spans(body, "shop").unwrap()).unwrap();
        assert_eq!(fixed[0]["localEndpoint"]["serviceName"], "shop");
        assert!(fixed[0].get("parentId").is_none());
        assert_eq!(fixed[1]["localEndpoint"]["serviceName"], "shop");
        assert_eq!(fixed[1]["parentId"], "b7ad6b7169203331");
    }
}
