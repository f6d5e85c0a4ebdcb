//! Errors of the viewer, each naming the fix.

use std::path::PathBuf;

/// What went wrong opening, filling or serving the trace store.
#[derive(Debug, thiserror::Error)]
pub enum UiError {
    /// The SQLite file could not be opened or set up.
    #[error(
        "opening the trace store {path}: {source}; check that the directory exists and is writable, or pass --db with another file"
    )]
    Open {
        /// The database file.
        path: PathBuf,
        /// Why SQLite refused it.
        source: rusqlite::Error,
    },
    /// A query or write on the store failed.
    #[error("trace store: {0}; if the file is corrupt, move it away and start again")]
    Sql(#[from] rusqlite::Error),
    /// A file to import or write could not be read or written.
    #[error("{path}: {source}; check the path and its permissions")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A line of a JSON-lines trace file is not a span object.
    #[error(
        "{path} line {line}: {message}; each line must be one span object as rizk's JsonLinesExporter writes it (trace_id, span_id, name, start_unix_nano, ...)"
    )]
    JsonLine {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        message: String,
    },
    /// The listening socket could not be bound.
    #[error(
        "listening on {addr}: {source}; another collector or viewer may hold the port: stop it or pass --port"
    )]
    Bind {
        /// The address asked for.
        addr: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// A `--retention` value that is not a duration.
    #[error("retention {0:?} is not a duration: write a number and a unit, like 30m, 12h or 7d")]
    Retention(String),
}

/// Why an OTLP request was refused (answered with its HTTP status, never a crash).
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The body (or what it inflates to) is above the limit: 413.
    #[error(
        "request body above {limit} bytes; send smaller batches (BatchSpanProcessor max_export_batch_size) or start the viewer with a larger --max-body-mb"
    )]
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// A content type other than protobuf or JSON: 415.
    #[error("content type {0:?} is not OTLP: send application/x-protobuf or application/json")]
    UnsupportedType(String),
    /// The gzip stream is broken: 400.
    #[error(
        "the body is not valid gzip ({0}); drop Content-Encoding: gzip or send a whole gzip stream"
    )]
    Gzip(String),
    /// The body does not decode as an ExportTraceServiceRequest: 400.
    #[error("the body is not an OTLP ExportTraceServiceRequest: {0}")]
    Decode(String),
    /// The store failed: 500.
    #[error("{0}")]
    Store(#[from] UiError),
}
