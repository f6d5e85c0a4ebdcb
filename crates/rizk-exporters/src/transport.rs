//! The HTTP transport every HTTP exporter shares, and the wrapper that turns an exporter
//! library's vague error into the reason.
//!
//! Why not the exporter libraries' own clients:
//! - exactly the configured headers: `opentelemetry-otlp` merges `OTEL_EXPORTER_OTLP_HEADERS`
//!   and `OTEL_EXPORTER_OTLP_TRACES_HEADERS` from the process environment into every exporter it
//!   builds, so a New Relic key meant for one endpoint would also reach the Rizk dashboard. The
//!   transport drops every header the library set except the ones named in [`Keep`], then
//!   adds the configured ones;
//! - the reason of a failure: the OTLP library reports any network error as "network error";
//!   the transport records the real one (connection refused, timed out, certificate unknown);
//! - safe construction: a blocking reqwest client cannot be built inside a tokio runtime, so
//!   it is built on a short-lived thread of its own;
//! - no redirects (a redirect could carry credentials elsewhere) and one bound per request.

use std::collections::HashMap;
use std::error::Error as StdError;
use std::fmt;
use std::io::Read as _;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;
use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_ENCODING, HeaderMap, HeaderName, HeaderValue};
use http::{Request, Response};
use opentelemetry::KeyValue;
use opentelemetry_http::{HttpClient, HttpError};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use rizk_core::{Result, RizkError, Secret};

use crate::retry::{Attempt, RetryPolicy};
use crate::settings::USER_AGENT;

/// The last failure of one exporter, in words, written by the transport and read by
/// [`Diagnosed`]. Kept per thread: an exporter's requests overlap on several worker threads,
/// and each export call runs (transport included) on the one thread that polls it.
#[derive(Debug, Clone, Default)]
pub(crate) struct FailureSlot(Arc<Mutex<HashMap<ThreadId, String>>>);

impl FailureSlot {
    fn set(&self, reason: String) {
        if let Ok(mut slot) = self.0.lock() {
            slot.insert(std::thread::current().id(), reason);
        }
    }

    pub(crate) fn take(&self) -> Option<String> {
        self.0
            .lock()
            .ok()
            .and_then(|mut slot| slot.remove(&std::thread::current().id()))
    }
}

/// Which headers of the exporter library's request survive.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Keep {
    /// All of them (Zipkin, Datadog: their libraries read no headers from the environment).
    #[cfg_attr(not(any(feature = "zipkin", feature = "datadog")), allow(dead_code))]
    All,
    /// Only these (OTLP: `content-type` and `content-encoding`).
    Only(&'static [&'static str]),
}

/// An [`HttpClient`] that sends exactly the configured headers and records why a request
/// failed.
pub(crate) struct HttpTransport {
    client: reqwest::blocking::Client,
    headers: HeaderMap,
    keep: Keep,
    allow_gzip: bool,
    failure: FailureSlot,
    retry: RetryPolicy,
}

impl fmt::Debug for HttpTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Header names only: values are secrets.
        let names: Vec<&str> = self.headers.keys().map(HeaderName::as_str).collect();
        f.debug_struct("HttpTransport")
            .field("headers", &names)
            .field("keep", &self.keep)
            .finish_non_exhaustive()
    }
}

/// What [`HttpTransport::new`] needs.
pub(crate) struct TransportConfig<'a> {
    pub(crate) exporter: &'a str,
    pub(crate) timeout: Duration,
    pub(crate) headers: &'a [(String, Secret)],
    pub(crate) keep: Keep,
    pub(crate) allow_gzip: bool,
    pub(crate) ca_certificate: Option<&'a PathBuf>,
    pub(crate) retry: RetryPolicy,
}

impl HttpTransport {
    pub(crate) fn new(config: TransportConfig<'_>) -> Result<(Self, FailureSlot)> {
        let exporter = config.exporter;
        let mut headers = HeaderMap::new();
        for (name, value) in config.headers {
            let header =
                HeaderName::from_bytes(name.to_ascii_lowercase().as_bytes()).map_err(|_| {
                    RizkError::Exporter {
                        exporter: exporter.to_owned(),
                        reason: format!(
                            "{name:?} is not a valid header name; use letters, digits and '-'"
                        ),
                    }
                })?;
            let mut value = HeaderValue::from_str(value.expose()).map_err(|_| RizkError::Exporter {
                exporter: exporter.to_owned(),
                reason: format!(
                    "the value of header {name:?} is not a valid header value; remove control and non-ASCII characters"
                ),
            })?;
            value.set_sensitive(true);
            headers.insert(header, value);
        }
        headers.insert(
            http::header::USER_AGENT,
            HeaderValue::from_static(USER_AGENT),
        );
        let pem = match config.ca_certificate {
            Some(path) => Some(std::fs::read(path).map_err(|e| RizkError::Exporter {
                exporter: exporter.to_owned(),
                reason: format!(
                    "cannot read otlp_certificate {}: {e}; give the path of a PEM file of CA certificates",
                    path.display()
                ),
            })?),
            None => None,
        };
        let client = build_client(config.timeout, pem).map_err(|reason| RizkError::Exporter {
            exporter: exporter.to_owned(),
            reason,
        })?;
        let failure = FailureSlot::default();
        Ok((
            HttpTransport {
                client,
                headers,
                keep: config.keep,
                allow_gzip: config.allow_gzip,
                failure: failure.clone(),
                retry: config.retry,
            },
            failure,
        ))
    }

    fn keeps(&self, name: &HeaderName) -> bool {
        match self.keep {
            Keep::All => true,
            Keep::Only(names) => names.iter().any(|n| name.as_str().eq_ignore_ascii_case(n)),
        }
    }

    /// Sends `request` with the headers it keeps plus the configured ones.
    pub(crate) fn send(
        &self,
        request: Request<Bytes>,
    ) -> std::result::Result<Response<Bytes>, HttpError> {
        let (parts, mut body) = request.into_parts();
        let mut headers = HeaderMap::new();
        for (name, value) in &parts.headers {
            if self.keeps(name) {
                headers.append(name.clone(), value.clone());
            }
        }
        if !self.allow_gzip
            && headers
                .get(CONTENT_ENCODING)
                .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"gzip"))
        {
            // The OTLP library compresses when OTEL_EXPORTER_OTLP_COMPRESSION says so, even
            // for a destination configured without compression: undo it.
            let mut plain = Vec::new();
            flate2_decode(&body, &mut plain)?;
            body = Bytes::from(plain);
            headers.remove(CONTENT_ENCODING);
        }
        for (name, value) in &self.headers {
            headers.insert(name.clone(), value.clone());
        }
        let url = parts.uri.to_string();
        let (result, attempts) = crate::retry::run(self.retry, || {
            self.attempt(&parts.method, &url, &headers, &body)
        });
        if attempts > 1 && result.as_ref().is_ok_and(|r| r.status().is_success()) {
            // Delivered after all: the failure of an earlier attempt is not the batch's.
            let _ = self.failure.take();
        }
        result
    }

    /// One attempt of a request: the answer, or why it failed and whether to retry.
    fn attempt(
        &self,
        method: &http::Method,
        url: &str,
        headers: &HeaderMap,
        body: &Bytes,
    ) -> Attempt<Response<Bytes>, HttpError> {
        let sent = self
            .client
            .request(method.clone(), url)
            .headers(headers.clone())
            .body(body.to_vec())
            .send();
        let response = match sent {
            Ok(response) => response,
            Err(error) => {
                self.failure
                    .set(format!("{method} {url} failed: {}", chain(&error)));
                // A request that timed out may succeed later; a refused one will not soon.
                return if error.is_timeout() {
                    Attempt::Retry(Box::new(error), None)
                } else {
                    Attempt::Done(Err(Box::new(error)))
                };
            }
        };
        let status = response.status();
        let response_headers = response.headers().clone();
        let retry_after = response_headers
            .get(http::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok());
        if !status.is_success() {
            let retry = retry_after
                .map(|v| format!(" (retry-after {v})"))
                .unwrap_or_default();
            self.failure.set(format!(
                "{method} {url} answered {status}{retry}; this batch is dropped"
            ));
        }
        let asked = crate::retry::retry_after(retry_after);
        let bytes = match response.bytes() {
            Ok(bytes) => bytes,
            Err(error) => {
                self.failure.set(format!(
                    "{method} {url}: reading the answer failed: {}",
                    chain(&error)
                ));
                return Attempt::Done(Err(Box::new(error)));
            }
        };
        let out = Response::builder()
            .status(status)
            .body(bytes)
            .map(|mut out| {
                *out.headers_mut() = response_headers;
                out
            })
            .map_err(|e| Box::new(e) as HttpError);
        if crate::retry::retryable_status(status.as_u16()) {
            // When the retries run out, the failure slot already says what the receiver
            // answered; the exporter library only needs to see a failure.
            return Attempt::Retry(
                Box::new(std::io::Error::other(format!("answered {status}"))),
                asked,
            );
        }
        Attempt::Done(out)
    }
}

fn flate2_decode(body: &[u8], out: &mut Vec<u8>) -> std::result::Result<(), HttpError> {
    flate2::read::GzDecoder::new(body).read_to_end(out)?;
    Ok(())
}

#[async_trait::async_trait]
impl HttpClient for HttpTransport {
    async fn send_bytes(
        &self,
        request: Request<Bytes>,
    ) -> std::result::Result<Response<Bytes>, HttpError> {
        self.send(request)
    }
}

/// Builds the blocking client on a thread of its own: reqwest's blocking client refuses to be
/// built inside a tokio runtime, and `Rizk::init` is often called from `#[tokio::main]`.
fn build_client(
    timeout: Duration,
    ca_pem: Option<Vec<u8>>,
) -> std::result::Result<reqwest::blocking::Client, String> {
    std::thread::Builder::new()
        .name("rizk-http-init".into())
        .spawn(move || {
            let mut builder = reqwest::blocking::Client::builder()
                .timeout(timeout)
                .connect_timeout(timeout)
                .redirect(reqwest::redirect::Policy::none())
                .user_agent(USER_AGENT);
            if let Some(pem) = ca_pem {
                let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                    format!("otlp_certificate is not a PEM file of certificates: {e}")
                })?;
                if certs.is_empty() {
                    return Err("otlp_certificate contains no PEM certificate".to_owned());
                }
                for cert in certs {
                    builder = builder.add_root_certificate(cert);
                }
            }
            builder
                .build()
                .map_err(|e| format!("cannot build the HTTP client: {}", chain(&e)))
        })
        .map_err(|e| format!("cannot start a thread to build the HTTP client: {e}"))?
        .join()
        .map_err(|_| "building the HTTP client panicked".to_owned())?
}

/// An error and its causes, joined by ": ", repeated parts left out.
pub(crate) fn chain(error: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current: Option<&(dyn StdError + 'static)> = Some(error);
    while let Some(e) = current {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = e.source();
    }
    parts.join(": ")
}

/// Wraps an exporter: replaces its error with the recorded reason (or prefixes it with the
/// destination), and replaces `service.name` in the resource when asked.
#[derive(Debug)]
pub(crate) struct Diagnosed<E> {
    pub(crate) inner: E,
    pub(crate) failure: Option<FailureSlot>,
    pub(crate) destination: String,
    pub(crate) service_name: Option<String>,
}

impl<E: SpanExporter> SpanExporter for Diagnosed<E> {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        if let Some(slot) = &self.failure {
            let _ = slot.take();
        }
        match self.inner.export(batch).await {
            Ok(()) => Ok(()),
            Err(error) => {
                let reason = self.failure.as_ref().and_then(FailureSlot::take);
                Err(OTelSdkError::InternalFailure(match reason {
                    Some(reason) => reason,
                    None if self.destination.is_empty() => message(&error),
                    None => format!("{}: {}", self.destination, message(&error)),
                }))
            }
        }
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn set_resource(&mut self, resource: &Resource) {
        match &self.service_name {
            Some(name) => self.inner.set_resource(&with_service_name(resource, name)),
            None => self.inner.set_resource(resource),
        }
    }
}

/// The text of an SDK error without the "Operation failed: " its `Display` adds.
pub(crate) fn message(error: &OTelSdkError) -> String {
    match error {
        OTelSdkError::InternalFailure(text) => text.clone(),
        other => other.to_string(),
    }
}

/// `resource` with `service.name` replaced by `name`.
pub(crate) fn with_service_name(resource: &Resource, name: &str) -> Resource {
    Resource::builder_empty()
        .with_attributes(
            resource
                .iter()
                .filter(|(key, _)| key.as_str() != "service.name")
                .map(|(key, value)| KeyValue::new(key.clone(), value.clone())),
        )
        .with_service_name(name.to_owned())
        .build()
}
