//! A loopback OTLP/HTTP trace receiver for benchmarks and the soak run (feature `otlp-sink`).
//!
//! It listens on 127.0.0.1 (a free port), serves each connection on its own thread (HTTP/1.1,
//! keep-alive, `Content-Length` bodies, gzip when `Content-Encoding` says so), decodes every
//! `ExportTraceServiceRequest` with prost, counts its spans and answers 200 with an empty
//! `ExportTraceServiceResponse`.
//!
//! It must never be the bottleneck, and a full decode (every attribute into a `String`) runs at
//! only about 0.2 to 0.5 million spans/s on the project's 2-core machine, a third of the CPU the
//! exporters under test get. So requests are decoded with prost into a lean view of the same
//! schema (`TraceRequest`: resource spans > scope spans > spans, every span's fields walked
//! and skipped, nothing allocated per span), several million spans/s; the first request of
//! every sink is also decoded in full with opentelemetry-proto and the two counts must agree
//! (else the request is rejected), so the lean view cannot drift from the real schema. See
//! [`OtlpSink::decode_rates`].
//!
//! With [`OtlpSink::watching`] it also counts spans carrying a string that must not arrive
//! (content the redaction should have rewritten): the decompressed body is searched as bytes
//! (protobuf stores strings verbatim), and only a request that holds it is decoded in full to
//! count the spans.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{AnyValue, any_value};
use prost::Message;

/// `ExportTraceServiceRequest` as far as counting needs: `resource_spans` (field 1).
#[derive(Clone, PartialEq, prost::Message)]
struct TraceRequest {
    #[prost(message, repeated, tag = "1")]
    resource_spans: Vec<ResourceSpansView>,
}

/// `ResourceSpans`: `scope_spans` (field 2); the resource and schema URL are skipped.
#[derive(Clone, PartialEq, prost::Message)]
struct ResourceSpansView {
    #[prost(message, repeated, tag = "2")]
    scope_spans: Vec<ScopeSpansView>,
}

/// `ScopeSpans`: `spans` (field 2); the scope and schema URL are skipped.
#[derive(Clone, PartialEq, prost::Message)]
struct ScopeSpansView {
    #[prost(message, repeated, tag = "2")]
    spans: Vec<SpanView>,
}

/// A `Span` whose fields are all walked and skipped: a zero-sized value, so a request's spans
/// cost no allocation.
#[derive(Clone, Copy, PartialEq, prost::Message)]
struct SpanView {}

impl TraceRequest {
    fn spans(&self) -> u64 {
        self.resource_spans
            .iter()
            .flat_map(|r| &r.scope_spans)
            .map(|s| s.spans.len() as u64)
            .sum()
    }
}

/// What the sink has seen, shared with its connection threads.
#[derive(Default)]
struct Counters {
    spans: AtomicU64,
    requests: AtomicU64,
    /// Bytes of request bodies as sent (compressed when they were).
    body_bytes: AtomicU64,
    /// Requests that could not be read or decoded (answered 400).
    rejected: AtomicU64,
    /// Spans with an attribute or event value containing the watched string.
    leaks: AtomicU64,
    /// The first request body, decompressed: for [`OtlpSink::decode_rates`].
    sample: Mutex<Option<Vec<u8>>>,
}

/// A running receiver; stops accepting when dropped (open connections end with their client).
///
/// ```
/// let sink = rizk_test_support::otlp_sink::OtlpSink::start()?;
/// // Point an OTLP/HTTP exporter at `sink.endpoint()`, end spans, then:
/// assert!(sink.wait_for(0, std::time::Duration::from_secs(1)));
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct OtlpSink {
    addr: SocketAddr,
    counters: Arc<Counters>,
    stop: Arc<AtomicBool>,
    acceptor: Option<thread::JoinHandle<()>>,
}

impl OtlpSink {
    /// Starts a receiver on 127.0.0.1 with a free port.
    /// ```
    /// let sink = rizk_test_support::otlp_sink::OtlpSink::start()?;
    /// assert_eq!((sink.spans(), sink.requests(), sink.rejected()), (0, 0, 0));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn start() -> io::Result<OtlpSink> {
        Self::start_inner(None)
    }

    /// Starts a receiver that also counts spans with any string value containing `needle`
    /// ([`OtlpSink::leaks`]).
    /// ```
    /// let sink = rizk_test_support::otlp_sink::OtlpSink::watching("jane.doe@example.com")?;
    /// assert_eq!(sink.leaks(), 0);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn watching(needle: &'static str) -> io::Result<OtlpSink> {
        Self::start_inner(Some(needle))
    }

    fn start_inner(needle: Option<&'static str>) -> io::Result<OtlpSink> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let counters = Arc::new(Counters::default());
        let stop = Arc::new(AtomicBool::new(false));
        let acceptor = {
            let (counters, stop) = (counters.clone(), stop.clone());
            thread::Builder::new()
                .name("otlp-sink".into())
                .spawn(move || {
                    for stream in listener.incoming() {
                        if stop.load(Ordering::Relaxed) {
                            return;
                        }
                        let Ok(stream) = stream else { continue };
                        let counters = counters.clone();
                        let _ =
                            thread::Builder::new()
                                .name("otlp-sink-conn".into())
                                .spawn(move || {
                                    let _ = serve(stream, &counters, needle);
                                });
                    }
                })?
        };
        Ok(OtlpSink {
            addr,
            counters,
            stop,
            acceptor: Some(acceptor),
        })
    }

    /// The base endpoint, as `OTEL_EXPORTER_OTLP_ENDPOINT` takes it (`/v1/traces` is appended
    /// by the exporter).
    /// ```
    /// let sink = rizk_test_support::otlp_sink::OtlpSink::start()?;
    /// assert!(sink.endpoint().starts_with("http://127.0.0.1:"));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Spans received and decoded so far.
    /// ```
    /// let sink = rizk_test_support::otlp_sink::OtlpSink::start()?;
    /// assert_eq!(sink.spans(), 0);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn spans(&self) -> u64 {
        self.counters.spans.load(Ordering::Relaxed)
    }

    /// Export requests answered 200 so far.
    /// ```
    /// let sink = rizk_test_support::otlp_sink::OtlpSink::start()?;
    /// assert_eq!(sink.requests(), 0);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn requests(&self) -> u64 {
        self.counters.requests.load(Ordering::Relaxed)
    }

    /// Bytes of request bodies as they arrived (compressed, when they were).
    /// ```
    /// let sink = rizk_test_support::otlp_sink::OtlpSink::start()?;
    /// assert_eq!(sink.body_bytes(), 0);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn body_bytes(&self) -> u64 {
        self.counters.body_bytes.load(Ordering::Relaxed)
    }

    /// Requests that could not be read or decoded.
    /// ```
    /// use std::io::{Read, Write};
    /// let sink = rizk_test_support::otlp_sink::OtlpSink::start()?;
    /// let mut stream = std::net::TcpStream::connect(sink.endpoint().trim_start_matches("http://"))?;
    /// stream.write_all(b"POST /v1/traces HTTP/1.1\r\nContent-Length: 3\r\n\r\nbad")?;
    /// let mut answer = [0u8; 12];
    /// stream.read_exact(&mut answer)?;
    /// assert!(answer.starts_with(b"HTTP/1.1 400"));
    /// assert_eq!(sink.rejected(), 1);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn rejected(&self) -> u64 {
        self.counters.rejected.load(Ordering::Relaxed)
    }

    /// Spans that carried the watched string (0 unless started with [`OtlpSink::watching`]).
    /// ```
    /// let sink = rizk_test_support::otlp_sink::OtlpSink::start()?;
    /// assert_eq!(sink.leaks(), 0, "not watching anything");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn leaks(&self) -> u64 {
        self.counters.leaks.load(Ordering::Relaxed)
    }

    /// Waits until at least `spans` spans arrived; `false` if `limit` passed first.
    /// ```
    /// use std::time::Duration;
    /// let sink = rizk_test_support::otlp_sink::OtlpSink::start()?;
    /// assert!(sink.wait_for(0, Duration::ZERO));
    /// assert!(!sink.wait_for(1, Duration::from_millis(10)), "nothing was sent");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn wait_for(&self, spans: u64, limit: Duration) -> bool {
        let start = Instant::now();
        // Tight at first (a benchmark times this wait), then gentler.
        let mut pause = Duration::from_micros(50);
        while self.spans() < spans {
            if start.elapsed() >= limit {
                return false;
            }
            thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(5));
        }
        true
    }

    /// Spans per second this machine decodes on the calling thread, `(lean, full)`: as the
    /// sink counts them, and fully with opentelemetry-proto; measured on the first request
    /// received, decoded `rounds` times each. `None` before any request arrived.
    /// ```
    /// let sink = rizk_test_support::otlp_sink::OtlpSink::start()?;
    /// assert_eq!(sink.decode_rates(1), None, "no request yet");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn decode_rates(&self, rounds: u32) -> Option<(f64, f64)> {
        let sample = self.counters.sample.lock().ok()?.clone()?;
        let rate = |decode: &dyn Fn() -> Option<u64>| -> Option<f64> {
            let start = Instant::now();
            let mut spans = 0;
            for _ in 0..rounds {
                spans += decode()?;
            }
            Some(spans as f64 / start.elapsed().as_secs_f64())
        };
        let lean = rate(&|| Some(TraceRequest::decode(sample.as_slice()).ok()?.spans()))?;
        let full = rate(&|| {
            let request = ExportTraceServiceRequest::decode(sample.as_slice()).ok()?;
            Some(count_spans(&request, None).0)
        })?;
        Some((lean, full))
    }
}

impl Drop for OtlpSink {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wake the blocking accept so that the acceptor sees `stop`.
        let _ = TcpStream::connect(self.addr);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

/// Serves one connection until the client closes it (or asks to).
fn serve(stream: TcpStream, counters: &Counters, needle: Option<&str>) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::with_capacity(64 * 1024, stream);
    let mut line = String::new();
    let mut body = Vec::new();
    let mut inflated = Vec::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        if line.trim().is_empty() {
            continue; // a stray CRLF between requests
        }
        let mut length = 0usize;
        let mut gzip = false;
        let mut close = line.ends_with("HTTP/1.0\r\n");
        loop {
            line.clear();
            if reader.read_line(&mut line)? == 0 {
                return Ok(());
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            let Some((name, value)) = header.split_once(':') else {
                continue;
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length = value.parse().unwrap_or(0);
            } else if name.eq_ignore_ascii_case("content-encoding") {
                gzip = value.eq_ignore_ascii_case("gzip");
            } else if name.eq_ignore_ascii_case("connection") {
                close = value.eq_ignore_ascii_case("close");
            }
        }
        body.resize(length, 0);
        reader.read_exact(&mut body)?;
        counters
            .body_bytes
            .fetch_add(length as u64, Ordering::Relaxed);
        let payload = if gzip {
            inflated.clear();
            flate2::read::GzDecoder::new(body.as_slice())
                .read_to_end(&mut inflated)
                .map(|_| inflated.as_slice())
        } else {
            Ok(body.as_slice())
        };
        let counted = payload
            .ok()
            .and_then(|bytes| count_request(bytes, counters, needle));
        match counted {
            Some((spans, leaks)) => {
                counters.spans.fetch_add(spans, Ordering::Relaxed);
                counters.leaks.fetch_add(leaks, Ordering::Relaxed);
                counters.requests.fetch_add(1, Ordering::Relaxed);
                let answer = ExportTraceServiceResponse::default().encode_to_vec();
                write!(
                    writer,
                    "HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: {}\r\n\r\n",
                    answer.len()
                )?;
                writer.write_all(&answer)?;
            }
            None => {
                counters.rejected.fetch_add(1, Ordering::Relaxed);
                writer.write_all(
                    b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                )?;
                return Ok(());
            }
        }
        if close {
            return Ok(());
        }
    }
}

/// Decodes one request body: its spans, and how many of them carry `needle`; `None` if it is
/// not a valid `ExportTraceServiceRequest`.
fn count_request(body: &[u8], counters: &Counters, needle: Option<&str>) -> Option<(u64, u64)> {
    let spans = TraceRequest::decode(body).ok()?.spans();
    // The first request is decoded in full as well: the lean view must count the same.
    if let Ok(mut sample) = counters.sample.lock()
        && sample.is_none()
    {
        let full = ExportTraceServiceRequest::decode(body).ok()?;
        if count_spans(&full, None).0 != spans {
            return None;
        }
        *sample = Some(body.to_vec());
    }
    let leaks = match needle {
        Some(needle) if contains(body, needle.as_bytes()) => {
            let full = ExportTraceServiceRequest::decode(body).ok()?;
            count_spans(&full, Some(needle)).1
        }
        _ => 0,
    };
    Some((spans, leaks))
}

/// Whether `needle` occurs in `haystack`.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    let Some((&first, _)) = needle.split_first() else {
        return true;
    };
    haystack
        .windows(needle.len())
        .any(|w| w[0] == first && w == needle)
}

/// Spans in `request`, and how many of them carry `needle` in a string value.
fn count_spans(request: &ExportTraceServiceRequest, needle: Option<&str>) -> (u64, u64) {
    let mut spans = 0;
    let mut leaks = 0;
    for resource in &request.resource_spans {
        for scope in &resource.scope_spans {
            spans += scope.spans.len() as u64;
            let Some(needle) = needle else { continue };
            for span in &scope.spans {
                let leaked = span.name.contains(needle)
                    || span
                        .attributes
                        .iter()
                        .any(|kv| kv.value.as_ref().is_some_and(|v| holds(v, needle)))
                    || span.events.iter().any(|e| {
                        e.name.contains(needle)
                            || e.attributes
                                .iter()
                                .any(|kv| kv.value.as_ref().is_some_and(|v| holds(v, needle)))
                    })
                    || span
                        .status
                        .as_ref()
                        .is_some_and(|s| s.message.contains(needle));
                leaks += u64::from(leaked);
            }
        }
    }
    (spans, leaks)
}

/// Whether a value (or any value inside it) is a string containing `needle`.
fn holds(value: &AnyValue, needle: &str) -> bool {
    match &value.value {
        Some(any_value::Value::StringValue(s)) => s.contains(needle),
        Some(any_value::Value::ArrayValue(array)) => array.values.iter().any(|v| holds(v, needle)),
        Some(any_value::Value::KvlistValue(list)) => list
            .values
            .iter()
            .any(|kv| kv.value.as_ref().is_some_and(|v| holds(v, needle))),
        _ => false,
    }
}
