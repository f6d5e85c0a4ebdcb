//! Loopback HTTP listeners that capture what exporters send, or misbehave on purpose.
//!
//! Every listener binds 127.0.0.1:0, serves from its own threads, and stops when dropped.

#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::needless_update
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use opentelemetry::trace::{Span as _, Tracer as _, TracerProvider as _};
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanExporter};
use rizk_core::config::ExportSettings;
use rizk_core::config::{Source, Sourced};
use rizk_core::export::{ExporterSet, QueueOptions, QueueSnapshot, QueueStats};

/// How a listener answers.
#[derive(Debug, Clone)]
pub enum Behaviour {
    /// Reads each request and answers this status (with these extra headers).
    Status(u16, Vec<(&'static str, &'static str)>),
    /// Reads each request, waits, then answers 200.
    Slow(Duration),
    /// Accepts connections and never reads or answers.
    BlackHole,
    /// Answers with bytes that are not TLS (for an `https` client).
    NotTls,
    /// Answers 503 to the first this many requests (a receiver at capacity), then 200.
    BusyFirst(usize),
}

/// One request as it arrived.
#[derive(Debug, Clone)]
pub struct Captured {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Captured {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn header_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .headers
            .iter()
            .map(|(n, _)| n.to_ascii_lowercase())
            .collect();
        names.sort();
        names
    }
}

pub struct Listener {
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
    requests: Arc<Mutex<Vec<Captured>>>,
    accepted: Arc<Mutex<Vec<TcpStream>>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Listener {
    pub fn start(behaviour: Behaviour) -> Listener {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let accepted = Arc::new(Mutex::new(Vec::new()));
        let thread = {
            let (stop, requests, accepted) = (stop.clone(), requests.clone(), accepted.clone());
            thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            stream.set_nonblocking(false).unwrap();
                            match &behaviour {
                                Behaviour::BlackHole => accepted.lock().unwrap().push(stream),
                                b => {
                                    let (b, requests, stop) =
                                        (b.clone(), requests.clone(), stop.clone());
                                    thread::spawn(move || serve(stream, &b, &requests, &stop));
                                }
                            }
                        }
                        Err(_) => thread::sleep(Duration::from_millis(5)),
                    }
                }
            })
        };
        Listener {
            addr,
            stop,
            requests,
            accepted,
            thread: Some(thread),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn requests(&self) -> Vec<Captured> {
        self.requests.lock().unwrap().clone()
    }

    /// Waits until `n` requests arrived (at most `limit`).
    pub fn wait_for(&self, n: usize, limit: Duration) -> Vec<Captured> {
        let start = Instant::now();
        while self.requests.lock().unwrap().len() < n && start.elapsed() < limit {
            thread::sleep(Duration::from_millis(10));
        }
        self.requests()
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.accepted.lock().unwrap().clear();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A port on 127.0.0.1 where nothing listens (connection refused).
pub fn refused_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}")
}

fn serve(
    stream: TcpStream,
    behaviour: &Behaviour,
    requests: &Mutex<Vec<Captured>>,
    stop: &AtomicBool,
) {
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut writer = stream.try_clone().unwrap();
    if let Behaviour::NotTls = behaviour {
        let _ = writer.write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n");
        return;
    }
    let mut reader = BufReader::new(stream);
    while !stop.load(Ordering::Relaxed) {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                continue;
            }
            Err(_) => return,
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or_default().to_owned();
        let path = parts.next().unwrap_or_default().to_owned();
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((n, v)) = h.split_once(':') {
                headers.push((n.trim().to_owned(), v.trim().to_owned()));
            }
        }
        let len = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse::<usize>().ok())
            .unwrap_or(0);
        let mut body = vec![0; len];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        // Pushed and counted under one lock: with two requests in flight, a count read later
        // could already include the other one, and a busy answer would be skipped.
        let seen = {
            let mut requests = requests.lock().unwrap();
            requests.push(Captured {
                method,
                path,
                headers,
                body,
            });
            requests.len()
        };
        let (status, extra) = match behaviour {
            Behaviour::Status(code, extra) => (*code, extra.clone()),
            Behaviour::BusyFirst(n) if seen <= *n => (503, Vec::new()),
            Behaviour::Slow(delay) => {
                thread::sleep(*delay);
                (200, Vec::new())
            }
            _ => (200, Vec::new()),
        };
        let mut answer = format!("HTTP/1.1 {status} X\r\ncontent-length: 0\r\n");
        for (n, v) in extra {
            answer.push_str(&format!("{n}: {v}\r\n"));
        }
        answer.push_str("\r\n");
        if writer.write_all(answer.as_bytes()).is_err() {
            return;
        }
    }
}

/// Export settings with a small queue and quick batches.
pub fn small_queue(queue: usize, batch: usize, shutdown: Duration) -> ExportSettings {
    ExportSettings {
        max_queue_size: Some(Sourced::new(queue, Source::Builder)),
        max_export_batch_size: Sourced::new(batch, Source::Builder),
        scheduled_delay: Sourced::new(Duration::from_millis(20), Source::Builder),
        shutdown_timeout: Sourced::new(shutdown, Source::Builder),
        ..ExportSettings::default()
    }
}

/// A local (not global) tracer provider whose only processor is an [`ExportQueue`] feeding
/// `exporter`.
pub struct Pipeline {
    pub provider: SdkTracerProvider,
    pub stats: Totals,
}

/// The counters of a pipeline with one exporter: spans accepted (`enqueued`) as its intake
/// counts them, drops at the intake and at the queue, and the exporter's outcomes.
pub struct Totals(Arc<QueueStats>, Vec<Arc<QueueStats>>);

impl Totals {
    pub fn snapshot(&self) -> QueueSnapshot {
        let intake = self.0.snapshot();
        let queues = self
            .1
            .iter()
            .fold(QueueSnapshot::default(), |sum, q| sum.plus(&q.snapshot()));
        QueueSnapshot {
            enqueued: intake.enqueued,
            ..intake.plus(&queues)
        }
    }
}

impl Pipeline {
    pub fn new(
        name: &str,
        exporter: impl SpanExporter + 'static,
        settings: &ExportSettings,
    ) -> Pipeline {
        let mut set = ExporterSet::new(settings.clone());
        set.add_with(
            name,
            exporter,
            QueueOptions::network(rizk_core::config::DEFAULT_MAX_REQUEST_BYTES),
        );
        let queue = set.into_processor();
        let (intake, queues) = queue.stats();
        let stats = Totals(intake, queues.into_iter().map(|(_, q)| q).collect());
        let provider = SdkTracerProvider::builder()
            .with_span_processor(queue)
            .with_resource(
                opentelemetry_sdk::Resource::builder()
                    .with_service_name("fault-test")
                    .build(),
            )
            .build();
        Pipeline { provider, stats }
    }

    /// Ends `n` spans as fast as possible; returns the time the application thread spent.
    pub fn spans(&self, n: usize) -> Duration {
        let tracer = self.provider.tracer("faults");
        let start = Instant::now();
        for i in 0..n {
            let mut span = tracer.start("task.unit_of_work");
            span.set_attribute(opentelemetry::KeyValue::new("i", i as i64));
            span.end();
        }
        start.elapsed()
    }
}
