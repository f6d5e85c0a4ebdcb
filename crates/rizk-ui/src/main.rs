//! `rizk ui`: the local trace viewer; `rizk view`: a trace file as one HTML page.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use clap::{Parser, Subcommand};
use rizk_ui::{Retention, ServerConfig, Store, UiError};

#[derive(Parser)]
#[command(name = "rizk", version, about = "A local LLM trace viewer")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Receive OTLP/HTTP on 127.0.0.1 and serve the trace pages.
    Ui {
        /// The port of both the OTLP receiver (`POST /v1/traces`) and the pages.
        #[arg(long, default_value_t = 4318)]
        port: u16,
        /// The SQLite file the traces are kept in (created if missing; kept across restarts).
        #[arg(long, default_value = "rizk-traces.sqlite")]
        db: PathBuf,
        /// Keep at most this many spans (the oldest traces go first).
        #[arg(long)]
        max_spans: Option<u64>,
        /// Drop traces older than this (30m, 12h, 7d).
        #[arg(long)]
        retention: Option<String>,
        /// The largest OTLP request accepted, in MiB (before and after gzip).
        #[arg(long, default_value_t = 32)]
        max_body_mb: usize,
        /// JSON-lines trace files (rizk's file exporter) to load at start.
        #[arg(long)]
        import: Vec<PathBuf>,
    },
    /// Write one self-contained HTML page of a JSON-lines trace file.
    View {
        /// The trace file (rizk's JsonLinesExporter output).
        file: PathBuf,
        /// The page to write.
        #[arg(short, long, default_value = "trace.html")]
        output: PathBuf,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rizk: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), UiError> {
    match cli.command {
        Command::View { file, output } => {
            let n = rizk_ui::export_html(&file, &output)?;
            eprintln!("wrote {} ({n} traces)", output.display());
            Ok(())
        }
        Command::Ui {
            port,
            db,
            max_spans,
            retention,
            max_body_mb,
            import,
        } => {
            let started = Instant::now();
            let max_age = retention
                .as_deref()
                .map(rizk_ui::parse_duration)
                .transpose()?;
            let mut store = Store::open(&db, Retention { max_spans, max_age })?;
            for file in &import {
                let spans = rizk_ui::read_jsonl(file)?;
                let added = store.insert(&spans)?;
                eprintln!("imported {added} spans from {}", file.display());
            }
            let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
            let config = ServerConfig {
                max_body_bytes: max_body_mb.saturating_mul(1 << 20),
            };
            let bind = |source| UiError::Bind {
                addr: addr.to_string(),
                source,
            };
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .map_err(bind)?;
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind(addr).await.map_err(bind)?;
                // The port bound (differs from the flag's with `--port 0`).
                let addr = listener.local_addr().map_err(bind)?;
                eprintln!(
                    "rizk ui: {} spans in {} (ready in {} ms)\n  open      http://{addr}/\n  send OTLP OTEL_EXPORTER_OTLP_ENDPOINT=http://{addr}",
                    store.span_count(),
                    db.display(),
                    started.elapsed().as_millis()
                );
                let app = rizk_ui::router(Arc::new(Mutex::new(store)), config);
                axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = tokio::signal::ctrl_c().await;
                    })
                    .await
                    .map_err(bind)
            })
        }
    }
}
