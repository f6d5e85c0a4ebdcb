//! Real trace backends ("peers") for the end-to-end tests: Arize Phoenix, the Datadog APM test
//! agent and MLflow's tracking server, installed from PyPI into pinned virtual environments
//! under `target/peers/`, started on 127.0.0.1, checked for readiness over plain HTTP, and
//! stopped by PID.
//!
//! Layout (all under the workspace's `target/peers/`):
//! - `phoenix/`, `ddagent/`, `mlflow/`: the virtual environments; `.xtask-installed` records the pinned
//!   requirement that was installed, so a second `install` is a no-op.
//! - `mcp-python/`: Python's MCP SDK and the OpenTelemetry SDK, a venv only (nothing runs from it:
//!   rizk-mcp's cross-language tests start its Python themselves).
//! - `run/<peer>.pid`, `run/<peer>.log`: the PID and the output of a running peer.
//! - `run/phoenix-workdir/`: Phoenix's throwaway database, made fresh at each start.
//! - `run/ddagent-snapshots/`: the test agent's snapshot directory (unless overridden).
//! - `run/mlflow-data/`: MLflow's throwaway database and artifacts, made fresh at each start.
//!
//! Linux only: liveness and process groups are read from `/proc`, signals are sent with `kill`.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::util::{self, Error, Result};

/// Phoenix's HTTP port: UI, REST API and OTLP/HTTP (`/v1/traces`).
pub(crate) const PHOENIX_HTTP_PORT: u16 = 16006;
/// Phoenix's OTLP/gRPC port (Phoenix binds it on all interfaces whatever `PHOENIX_HOST` says).
pub(crate) const PHOENIX_GRPC_PORT: u16 = 14317;
/// The Datadog test agent's trace intake and test API (the Datadog agent's usual port).
pub(crate) const DDAGENT_PORT: u16 = 8126;
/// The Datadog test agent's OTLP/HTTP port (moved off 4318).
pub(crate) const DDAGENT_OTLP_HTTP_PORT: u16 = 24318;
/// The Datadog test agent's OTLP/gRPC port (moved off 4317).
pub(crate) const DDAGENT_OTLP_GRPC_PORT: u16 = 24317;

/// MLflow's tracking server: REST API and OTLP/HTTP (`/v1/traces`).
pub(crate) const MLFLOW_PORT: u16 = 15000;

/// Environment variable that overrides the Datadog test agent's snapshot directory.
pub(crate) const DDAGENT_SNAPSHOT_DIR_VAR: &str = "E2E_DDAGENT_SNAPSHOT_DIR";

/// The MCP venv's pinned requirements: Python's official MCP SDK (2.x speaks protocol
/// 2026-07-28 and propagates trace context in `params._meta` by itself) and the OpenTelemetry
/// SDK it needs to record spans (1.45.2 is what pip resolves with mcp 2.3.0). No OTLP exporter:
/// the test scripts write their spans to a file.
const MCP_PYTHON_REQUIREMENTS: &[&str] = &["mcp==2.3.0", "opentelemetry-sdk==1.45.2"];

/// How long a peer gets to exit after SIGTERM before it gets SIGKILL.
const TERM_GRACE: Duration = Duration::from_secs(15);
/// How long a peer gets to vanish after SIGKILL.
const KILL_GRACE: Duration = Duration::from_secs(5);

/// One of the peers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Peer {
    /// Arize Phoenix (OpenInference / OTLP backend).
    Phoenix,
    /// The Datadog APM test agent.
    Ddagent,
    /// MLflow's tracking server (GenAI and OpenInference keys, its own token usage and cost).
    Mlflow,
}

/// Every peer, in start order (the slow ones first).
pub(crate) const ALL: &[Peer] = &[Peer::Phoenix, Peer::Mlflow, Peer::Ddagent];

impl Peer {
    /// The short name used for directories, PID and log files.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Phoenix => "phoenix",
            Self::Ddagent => "ddagent",
            Self::Mlflow => "mlflow",
        }
    }

    /// The pinned PyPI requirement.
    fn requirement(self) -> &'static str {
        match self {
            Self::Phoenix => "arize-phoenix==20.26.1",
            Self::Ddagent => "ddapm-test-agent==1.69.1",
            // 3.18.0 is listed on PyPI but cannot be installed (a dependency is unpublished).
            Self::Mlflow => "mlflow==3.17.2",
        }
    }

    /// The console script that starts the server, inside the venv's `bin/`.
    fn executable(self) -> &'static str {
        match self {
            Self::Phoenix => "phoenix",
            Self::Ddagent => "ddapm-test-agent",
            Self::Mlflow => "mlflow",
        }
    }

    /// The loopback ports the peer listens on, with what each is for.
    pub(crate) fn ports(self) -> &'static [(u16, &'static str)] {
        match self {
            Self::Phoenix => &[
                (PHOENIX_HTTP_PORT, "HTTP: UI, REST, OTLP/HTTP"),
                (PHOENIX_GRPC_PORT, "OTLP/gRPC"),
            ],
            Self::Ddagent => &[
                (DDAGENT_PORT, "trace intake and test API"),
                (DDAGENT_OTLP_HTTP_PORT, "OTLP/HTTP"),
                (DDAGENT_OTLP_GRPC_PORT, "OTLP/gRPC"),
            ],
            Self::Mlflow => &[(MLFLOW_PORT, "REST API, OTLP/HTTP")],
        }
    }

    /// The readiness check: a GET on this port and path must answer 200.
    fn readiness(self) -> (u16, &'static str) {
        match self {
            Self::Phoenix => (PHOENIX_HTTP_PORT, "/healthz"),
            Self::Ddagent => (DDAGENT_PORT, "/info"),
            Self::Mlflow => (MLFLOW_PORT, "/health"),
        }
    }

    /// How long the peer may take to become ready (Phoenix needs 10 to 17 s on 2 cores).
    fn ready_timeout(self) -> Duration {
        match self {
            Self::Phoenix | Self::Mlflow => Duration::from_secs(120),
            Self::Ddagent => Duration::from_secs(30),
        }
    }

    /// The readiness URL, for messages.
    fn ready_url(self) -> String {
        let (port, path) = self.readiness();
        format!("http://127.0.0.1:{port}{path}")
    }

    /// The virtual environment's directory.
    fn venv(self) -> PathBuf {
        peers_dir().join(self.name())
    }

    /// The venv's `bin/` directory (used to recognise the peer's processes).
    fn bin_dir(self) -> PathBuf {
        self.venv().join("bin")
    }

    /// The PID file of a running peer.
    fn pid_file(self) -> PathBuf {
        run_dir().join(format!("{}.pid", self.name()))
    }

    /// The log file of a running peer.
    pub(crate) fn log_file(self) -> PathBuf {
        run_dir().join(format!("{}.log", self.name()))
    }

    /// Whether the pinned version is installed.
    fn is_installed(self) -> bool {
        venv_installed(
            &self.venv(),
            &[self.requirement()],
            &self.bin_dir().join(self.executable()),
        )
    }
}

/// The marker file of a venv (what was installed there).
fn marker(venv: &Path) -> PathBuf {
    venv.join(".xtask-installed")
}

/// Whether `venv` holds exactly `requirements` (its marker says so) and `check` exists.
fn venv_installed(venv: &Path, requirements: &[&str], check: &Path) -> bool {
    let recorded = fs::read_to_string(marker(venv)).unwrap_or_default();
    recorded.trim() == requirements.join(" ") && check.is_file()
}

/// The MCP venv (`target/peers/mcp-python/`).
fn mcp_python_venv() -> PathBuf {
    peers_dir().join("mcp-python")
}

/// `target/peers/` in the workspace.
fn peers_dir() -> PathBuf {
    util::root().join("target").join("peers")
}

/// `target/peers/run/`: PID files, logs and the peers' data.
pub(crate) fn run_dir() -> PathBuf {
    peers_dir().join("run")
}

/// Phoenix's working directory (its SQLite database), made fresh at each start.
fn phoenix_workdir() -> PathBuf {
    run_dir().join("phoenix-workdir")
}

/// MLflow's database and artifacts, made fresh at each start.
fn mlflow_data() -> PathBuf {
    run_dir().join("mlflow-data")
}

/// The test agent's snapshot directory: `$E2E_DDAGENT_SNAPSHOT_DIR` or `target/peers/run/ddagent-snapshots`.
pub(crate) fn ddagent_snapshot_dir() -> PathBuf {
    match std::env::var_os(DDAGENT_SNAPSHOT_DIR_VAR) {
        Some(dir) if !dir.is_empty() => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                util::root().join(dir)
            }
        }
        _ => run_dir().join("ddagent-snapshots"),
    }
}

/// The environment variables that tell e2e tests where the peers are.
pub(crate) fn e2e_env() -> Vec<(&'static str, String)> {
    vec![
        (
            "E2E_PHOENIX_URL",
            format!("http://127.0.0.1:{PHOENIX_HTTP_PORT}"),
        ),
        (
            "E2E_PHOENIX_GRPC",
            format!("http://127.0.0.1:{PHOENIX_GRPC_PORT}"),
        ),
        (
            "E2E_DDAGENT_URL",
            format!("http://127.0.0.1:{DDAGENT_PORT}"),
        ),
        (
            "E2E_DDAGENT_OTLP_HTTP",
            format!("http://127.0.0.1:{DDAGENT_OTLP_HTTP_PORT}"),
        ),
        ("E2E_MLFLOW_URL", format!("http://127.0.0.1:{MLFLOW_PORT}")),
        (
            DDAGENT_SNAPSHOT_DIR_VAR,
            ddagent_snapshot_dir().display().to_string(),
        ),
        // A Python with the OpenTelemetry SDK (Phoenix's venv has it): the cross-language
        // propagation peer of rizk-http's e2e tests.
        (
            "E2E_PYTHON",
            Peer::Phoenix.bin_dir().join("python").display().to_string(),
        ),
        // Python's MCP SDK 2.x with the OpenTelemetry SDK: the cross-language peer of
        // rizk-mcp's e2e tests.
        (
            "E2E_MCP_PYTHON",
            mcp_python_venv()
                .join("bin")
                .join("python")
                .display()
                .to_string(),
        ),
    ]
}

/// Installs the pinned peers into their virtual environments (skipped when already there);
/// with every peer (`peers install`, `e2e`), the MCP venv and the browser of rizk-ui's test too.
pub(crate) fn install(peers: &[Peer]) -> Result<()> {
    for &peer in peers {
        install_venv(
            peer.name(),
            &peer.venv(),
            &[peer.requirement()],
            &peer.bin_dir().join(peer.executable()),
        )?;
    }
    if peers.len() == ALL.len() {
        let venv = mcp_python_venv();
        let python = venv.join("bin").join("python");
        install_venv("mcp-python", &venv, MCP_PYTHON_REQUIREMENTS, &python)?;
        install_browser();
    }
    Ok(())
}

/// Debian's headless Chromium and its WebDriver, for rizk-ui's `e2e_ui_browser`. Not a peer
/// that runs: the test starts `chromedriver` itself, and skips (passing) without it, so a
/// failure here is a warning, not an error.
fn install_browser() {
    if on_path("chromedriver") {
        eprintln!("peers: chromedriver already on PATH (the browser test's WebDriver)");
        return;
    }
    let fix = "install them by hand (Debian: `sudo apt-get install chromium chromium-driver`); \
               without chromedriver the browser test e2e_ui_browser skips";
    if !on_path("apt-get") {
        eprintln!("peers: warning: no apt-get to install Chromium: {fix}");
        return;
    }
    let started = Instant::now();
    eprintln!("peers: installing Debian's chromium and chromium-driver (about 500 MB)");
    let installed =
        util::run(Command::new("apt-get").args(["update", "-qq"]), fix).and_then(|()| {
            util::run(
                Command::new("apt-get")
                    .args(["install", "-y", "-qq", "chromium", "chromium-driver"])
                    .env("DEBIAN_FRONTEND", "noninteractive"),
                fix,
            )
        });
    match installed {
        Ok(()) => eprintln!(
            "peers: installed chromium and chromium-driver in {}",
            util::human(started.elapsed())
        ),
        Err(e) => eprintln!("peers: warning: {e}"),
    }
}

/// Whether an executable of this name is in a `PATH` directory.
fn on_path(name: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(name).is_file()))
}

/// Installs `requirements` into the venv `venv` (for `name`, in messages), unless its marker
/// says they are there and `check` (a file the install makes) exists.
fn install_venv(name: &str, venv: &Path, requirements: &[&str], check: &Path) -> Result<()> {
    let what = requirements.join(" ");
    if venv_installed(venv, requirements, check) {
        eprintln!("peers: {what} already installed in {}", venv.display());
        return Ok(());
    }
    let started = Instant::now();
    eprintln!("peers: installing {what} into {} ({name})", venv.display());
    if venv.exists() {
        fs::remove_dir_all(venv).map_err(|e| {
            Error::new(
                format!("could not remove the old venv {}: {e}", venv.display()),
                "remove it by hand and run `cargo xtask peers install` again",
            )
        })?;
    }
    let python = std::env::var_os("PYTHON").unwrap_or_else(|| "python3".into());
    util::run(
        Command::new(&python).args(["-m", "venv"]).arg(venv),
        "install Python 3 (3.10 or newer) with its venv module (Debian: `apt-get install python3-venv`), \
         or point PYTHON at one: `PYTHON=/path/to/python3 cargo xtask peers install`",
    )?;
    util::run(
        Command::new(venv.join("bin").join("python"))
            .args([
                "-m",
                "pip",
                "install",
                "--no-input",
                "--progress-bar",
                "off",
            ])
            .args(requirements),
        "pip could not install the pinned peer: check that PyPI is reachable (pip's index and proxy \
         settings) and read pip's message above; then run `cargo xtask peers install` again",
    )?;
    let marker = marker(venv);
    fs::write(&marker, format!("{what}\n")).map_err(|e| {
        Error::new(
            format!("could not write {}: {e}", marker.display()),
            "check that target/ is writable",
        )
    })?;
    eprintln!(
        "peers: installed {what} in {}",
        util::human(started.elapsed())
    );
    Ok(())
}

/// A peer process started by this xtask run.
#[derive(Debug)]
struct Started {
    /// Which peer.
    peer: Peer,
    /// The process (also its process-group id).
    child: Child,
}

/// Peers that this run started; they are stopped by PID on [`PeerGuard::stop`], or on drop (when a
/// test run fails or panics) unless [`PeerGuard::detach`] hands them over to `peers stop`.
#[derive(Debug, Default)]
pub(crate) struct PeerGuard {
    /// The peers to stop.
    started: Vec<Started>,
}

impl PeerGuard {
    /// Stops every peer this guard holds; reports the first failure.
    pub(crate) fn stop(mut self) -> Result<()> {
        self.stop_all()
    }

    /// Leaves the peers running (for `peers start`); `cargo xtask peers stop` stops them later.
    pub(crate) fn detach(mut self) {
        self.started.clear();
    }

    /// Stops and forgets every held peer.
    fn stop_all(&mut self) -> Result<()> {
        let mut first_error = None;
        // Stop in reverse start order.
        while let Some(mut s) = self.started.pop() {
            let pid = s.child.id();
            if let Err(e) = stop_pid(s.peer, pid, Some(&mut s.child)) {
                eprintln!("peers: {e}");
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

impl Drop for PeerGuard {
    fn drop(&mut self) {
        if !self.started.is_empty() {
            eprintln!("peers: stopping the peers this run started");
            // Errors were printed; nothing more can be done in drop.
            let _ = self.stop_all();
        }
    }
}

/// How a started peer relates to the terminal that started it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// In its own process group, to outlive the command (`peers start`): a Ctrl-C in the
    /// terminal does not reach it, and `stop` signals its whole group.
    Detached,
    /// In xtask's process group (`e2e`): a Ctrl-C that ends the run ends the peers too, where
    /// xtask itself gets no chance to stop them.
    Attached,
}

/// Starts the given peers (installing them first) and waits until each answers its readiness
/// check. Peers that are already running and ready (from `cargo xtask peers start`) are reused
/// and left running; the returned guard holds only the peers started here.
pub(crate) fn start(peers: &[Peer], mode: Mode) -> Result<PeerGuard> {
    install(peers)?;
    let mut guard = PeerGuard::default();
    let mut to_start = Vec::new();
    for &peer in peers {
        match running_pid(peer) {
            Some(pid) if http_status(peer.readiness().0, peer.readiness().1).ok() == Some(200) => {
                eprintln!(
                    "peers: {} is already running (pid {pid}) and ready at {}: reusing it; \
                     `cargo xtask peers stop` stops it",
                    peer.name(),
                    peer.ready_url()
                );
            }
            Some(pid) => {
                eprintln!(
                    "peers: {} (pid {pid}) is running but not ready: restarting it",
                    peer.name()
                );
                stop_pid(peer, pid, None)?;
                remove_pid_file(peer);
                to_start.push(peer);
            }
            None => to_start.push(peer),
        }
    }
    // Check every port before starting anything, so a clash fails before any work is done.
    for &peer in &to_start {
        check_ports_free(peer)?;
    }
    fs::create_dir_all(run_dir()).map_err(|e| {
        Error::new(
            format!("could not create {}: {e}", run_dir().display()),
            "check that target/ is writable",
        )
    })?;
    let started_at = Instant::now();
    // Spawn all first (Phoenix is slow to start), then wait for each.
    for &peer in &to_start {
        let child = spawn(peer, mode)?;
        guard.started.push(Started { peer, child });
    }
    wait_ready(&mut guard.started, started_at)?;
    Ok(guard)
}

/// Fails when one of the peer's ports is taken on 127.0.0.1.
fn check_ports_free(peer: Peer) -> Result<()> {
    for &(port, what) in peer.ports() {
        // Binding 127.0.0.1 also fails when something listens on 0.0.0.0 with this port.
        if let Err(e) = TcpListener::bind((Ipv4Addr::LOCALHOST, port)) {
            return Err(Error::new(
                format!(
                    "port {port} on 127.0.0.1 ({} {what}) is not free: {e}",
                    peer.name()
                ),
                format!(
                    "find its owner with `ss -ltnp 'sport = :{port}'` and stop it; if it is a peer \
                     left running by xtask, `cargo xtask peers stop` stops it"
                ),
            ));
        }
    }
    Ok(())
}

/// Spawns one peer, output to its log file, and writes its PID file.
fn spawn(peer: Peer, mode: Mode) -> Result<Child> {
    let log_path = peer.log_file();
    let io_error = |what: &str, path: &Path, e: io::Error| {
        Error::new(
            format!("could not {what} {}: {e}", path.display()),
            "check that target/ is writable",
        )
    };
    let log = File::create(&log_path).map_err(|e| io_error("create", &log_path, e))?;
    let log_err = log
        .try_clone()
        .map_err(|e| io_error("open", &log_path, e))?;
    let mut cmd = Command::new(peer.bin_dir().join(peer.executable()));
    match peer {
        Peer::Phoenix => {
            let workdir = phoenix_workdir();
            if workdir.exists() {
                fs::remove_dir_all(&workdir).map_err(|e| io_error("remove", &workdir, e))?;
            }
            fs::create_dir_all(&workdir).map_err(|e| io_error("create", &workdir, e))?;
            cmd.arg("serve")
                .env("PHOENIX_WORKING_DIR", &workdir)
                .env("PHOENIX_HOST", "127.0.0.1")
                .env("PHOENIX_PORT", PHOENIX_HTTP_PORT.to_string())
                .env("PHOENIX_GRPC_PORT", PHOENIX_GRPC_PORT.to_string())
                .env("PHOENIX_TELEMETRY_ENABLED", "false")
                .env("PHOENIX_ALLOW_EXTERNAL_RESOURCES", "false")
                .env("PHOENIX_DISABLE_AGENT_ASSISTANT", "true")
                .env("PHOENIX_LOG_MIGRATIONS", "false");
        }
        Peer::Ddagent => {
            let snapshots = ddagent_snapshot_dir();
            fs::create_dir_all(&snapshots).map_err(|e| io_error("create", &snapshots, e))?;
            cmd.args(["--host", "127.0.0.1"])
                .args(["--port", &DDAGENT_PORT.to_string()])
                .args(["--otlp-http-port", &DDAGENT_OTLP_HTTP_PORT.to_string()])
                .args(["--otlp-grpc-port", &DDAGENT_OTLP_GRPC_PORT.to_string()])
                .arg("--snapshot-dir")
                .arg(&snapshots)
                .arg("--disable-llmobs-data-forwarding");
        }
        Peer::Mlflow => {
            let data = mlflow_data();
            if data.exists() {
                fs::remove_dir_all(&data).map_err(|e| io_error("remove", &data, e))?;
            }
            fs::create_dir_all(&data).map_err(|e| io_error("create", &data, e))?;
            cmd.args(["server", "--host", "127.0.0.1"])
                .args(["--port", &MLFLOW_PORT.to_string()])
                .args(["--workers", "1"])
                .arg("--backend-store-uri")
                .arg(format!("sqlite:///{}", data.join("mlflow.db").display()))
                .arg("--default-artifact-root")
                .arg(data.join("artifacts"))
                // Job execution costs 2 GB; the empty catalog URI keeps it from fetching a
                // price catalog from the internet; no telemetry.
                .env("MLFLOW_SERVER_ENABLE_JOB_EXECUTION", "false")
                .env("MLFLOW_DISABLE_TELEMETRY", "true")
                .env("DO_NOT_TRACK", "true")
                .env("MLFLOW_MODEL_CATALOG_URI", "");
            // It forks its web workers: a group of its own, so stopping signals them all.
            cmd.process_group(0);
        }
    }
    cmd.env("PYTHONUNBUFFERED", "1")
        .current_dir(run_dir())
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err);
    if mode == Mode::Detached {
        cmd.process_group(0);
    }
    let shown = util::display(&cmd);
    eprintln!(
        "peers: starting {}: {shown} (log: {})",
        peer.name(),
        log_path.display()
    );
    let child = cmd.spawn().map_err(|e| {
        Error::new(
            format!("could not start {}: {e}", peer.name()),
            "reinstall the peer: `rm -rf target/peers/<peer>` then `cargo xtask peers install`",
        )
    })?;
    let pid_file = peer.pid_file();
    fs::write(&pid_file, format!("{}\n", child.id()))
        .map_err(|e| io_error("write", &pid_file, e))?;
    Ok(child)
}

/// Waits until every started peer answers its readiness check, or fails (printing the log of the
/// peer at fault) when one exits or runs out of time.
fn wait_ready(started: &mut [Started], started_at: Instant) -> Result<()> {
    let mut pending: Vec<&mut Started> = started.iter_mut().collect();
    while !pending.is_empty() {
        let mut still = Vec::new();
        for s in pending {
            let peer = s.peer;
            if let Ok(Some(status)) = s.child.try_wait() {
                print_log_tail(peer);
                return Err(Error::new(
                    format!(
                        "{} exited ({}) before it answered {}",
                        peer.name(),
                        util::describe(status),
                        peer.ready_url()
                    ),
                    format!(
                        "read its log above or in {}; a port in use or a broken venv are the \
                         usual causes (`rm -rf {}` then `cargo xtask peers install`)",
                        peer.log_file().display(),
                        peer.venv().display()
                    ),
                ));
            }
            let (port, path) = peer.readiness();
            if http_status(port, path).ok() == Some(200) {
                eprintln!(
                    "peers: {} ready at {} after {} (pid {})",
                    peer.name(),
                    peer.ready_url(),
                    util::human(started_at.elapsed()),
                    s.child.id()
                );
                continue;
            }
            if started_at.elapsed() >= peer.ready_timeout() {
                print_log_tail(peer);
                return Err(Error::new(
                    format!(
                        "{} did not answer 200 on {} within {} s",
                        peer.name(),
                        peer.ready_url(),
                        peer.ready_timeout().as_secs()
                    ),
                    format!(
                        "read its log above or in {}; on a loaded machine try again",
                        peer.log_file().display()
                    ),
                ));
            }
            still.push(s);
        }
        pending = still;
        if !pending.is_empty() {
            thread::sleep(Duration::from_millis(250));
        }
    }
    Ok(())
}

/// Prints the last lines of a peer's log to stderr.
fn print_log_tail(peer: Peer) {
    let text = fs::read_to_string(peer.log_file()).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let from = lines.len().saturating_sub(40);
    eprintln!("---- last lines of {} ----", peer.log_file().display());
    for line in &lines[from..] {
        eprintln!("{line}");
    }
    eprintln!("----");
}

/// Stops the given peers: the ones in PID files and any other process running from their venvs.
pub(crate) fn stop(peers: &[Peer]) -> Result<()> {
    let mut first_error = None;
    for &peer in peers {
        let mut pids: Vec<u32> = running_pid(peer).into_iter().collect();
        for pid in untracked_pids(peer) {
            if !pids.contains(&pid) {
                eprintln!(
                    "peers: found {} process {pid} with no PID file: stopping it too",
                    peer.name()
                );
                pids.push(pid);
            }
        }
        if pids.is_empty() {
            eprintln!("peers: {} is not running", peer.name());
        }
        for pid in pids {
            if let Err(e) = stop_pid(peer, pid, None) {
                eprintln!("peers: {e}");
                first_error.get_or_insert(e);
            }
        }
        remove_pid_file(peer);
    }
    first_error.map_or(Ok(()), Err)
}

/// Stops one peer process: SIGTERM to its process group (or to the process alone when it does
/// not lead one), SIGKILL after [`TERM_GRACE`], and waits until no process of the group is left.
fn stop_pid(peer: Peer, pid: u32, mut child: Option<&mut Child>) -> Result<()> {
    let group = proc_stat(pid).is_some_and(|s| s.pgrp == pid);
    let target = if group {
        format!("-{pid}")
    } else {
        pid.to_string()
    };
    let gone = |child: &mut Option<&mut Child>| {
        let gone = if group {
            group_members(pid).is_empty()
        } else {
            !is_alive(pid)
        };
        if gone && let Some(c) = child.as_deref_mut() {
            // Reap our own child (it has exited), else it lingers as a zombie.
            let _ = c.wait();
        }
        gone
    };
    let started = Instant::now();
    signal("TERM", &target);
    while started.elapsed() < TERM_GRACE {
        if gone(&mut child) {
            eprintln!(
                "peers: stopped {} (pid {pid}) in {}",
                peer.name(),
                util::human(started.elapsed())
            );
            // Their databases are throwaway; fresh ones are made at the next start.
            match peer {
                Peer::Phoenix => {
                    let _ = fs::remove_dir_all(phoenix_workdir());
                }
                Peer::Mlflow => {
                    let _ = fs::remove_dir_all(mlflow_data());
                }
                Peer::Ddagent => {}
            }
            return Ok(());
        }
        thread::sleep(Duration::from_millis(100));
    }
    eprintln!(
        "peers: {} (pid {pid}) still running {} s after SIGTERM: sending SIGKILL",
        peer.name(),
        TERM_GRACE.as_secs()
    );
    signal("KILL", &target);
    let killed = Instant::now();
    while killed.elapsed() < KILL_GRACE {
        if gone(&mut child) {
            eprintln!("peers: killed {} (pid {pid})", peer.name());
            return Ok(());
        }
        thread::sleep(Duration::from_millis(100));
    }
    Err(Error::new(
        format!(
            "could not stop {} (pid {pid}) even with SIGKILL",
            peer.name()
        ),
        format!("look at it with `ps -o pid,pgid,stat,cmd -g {pid}` and kill it by hand"),
    ))
}

/// Sends a signal with `kill` (std has no safe `kill(2)` for processes that are not our children).
fn signal(name: &str, target: &str) {
    // A target that is already gone is fine: the caller checks /proc afterwards.
    let _ = Command::new("kill")
        .args(["-s", name, "--", target])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// The PID in the peer's PID file, if that process is alive and runs from the peer's venv.
fn running_pid(peer: Peer) -> Option<u32> {
    let pid: u32 = fs::read_to_string(peer.pid_file())
        .ok()?
        .trim()
        .parse()
        .ok()?;
    (is_alive(pid) && runs_from(pid, &peer.bin_dir())).then_some(pid)
}

/// Live processes whose command line runs from the peer's venv (e.g. after a lost PID file).
fn untracked_pids(peer: Peer) -> Vec<u32> {
    let bin = peer.bin_dir();
    let mut pids: Vec<u32> = proc_pids()
        .into_iter()
        .filter(|&pid| pid != std::process::id() && is_alive(pid) && runs_from(pid, &bin))
        .collect();
    pids.sort_unstable();
    // Stop only group leaders (or lone processes): signalling a leader covers its group.
    pids.iter()
        .copied()
        .filter(|&pid| proc_stat(pid).is_none_or(|s| s.pgrp == pid || !pids.contains(&s.pgrp)))
        .collect()
}

/// Removes the peer's PID file (missing is fine).
fn remove_pid_file(peer: Peer) {
    let _ = fs::remove_file(peer.pid_file());
}

/// Prints, for each peer, whether it is installed, running and ready; fails if one is not.
pub(crate) fn status(peers: &[Peer]) -> Result<()> {
    let mut all_ready = true;
    for &peer in peers {
        let installed = if peer.is_installed() {
            "installed"
        } else {
            "not installed"
        };
        let (port, path) = peer.readiness();
        let running = match running_pid(peer) {
            Some(pid) => format!("running (pid {pid})"),
            None if peer.pid_file().exists() => "not running (stale PID file)".to_owned(),
            None => match untracked_pids(peer).first() {
                Some(pid) => format!("running without PID file (pid {pid})"),
                None => "not running".to_owned(),
            },
        };
        let ready = match http_status(port, path) {
            Ok(200) => "ready".to_owned(),
            Ok(code) => {
                all_ready = false;
                format!("answers {code}")
            }
            Err(_) => {
                all_ready = false;
                "no answer".to_owned()
            }
        };
        let ports: Vec<String> = peer
            .ports()
            .iter()
            .map(|(port, what)| format!("{port} ({what})"))
            .collect();
        #[expect(clippy::print_stdout, reason = "status is the command's output")]
        {
            println!(
                "{:8} {}: {installed}; {running}; {} -> {ready}",
                peer.name(),
                peer.requirement(),
                peer.ready_url()
            );
            println!("{:8} ports on 127.0.0.1: {}", "", ports.join(", "));
            println!("{:8} log: {}", "", peer.log_file().display());
        }
    }
    if all_ready {
        Ok(())
    } else {
        Err(Error::new(
            "not every peer is ready",
            "start them with `cargo xtask peers start`",
        ))
    }
}

/// The fields of `/proc/<pid>/stat` that xtask needs.
#[derive(Debug, Clone, Copy)]
struct ProcStat {
    /// The state letter (`R`, `S`, `Z`, ...).
    state: char,
    /// The process-group id.
    pgrp: u32,
}

/// Reads `/proc/<pid>/stat`.
fn proc_stat(pid: u32) -> Option<ProcStat> {
    let text = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat(&text)
}

/// Parses the text of `/proc/<pid>/stat` (the command name may hold spaces and parentheses).
fn parse_stat(text: &str) -> Option<ProcStat> {
    let rest = &text[text.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let _ppid = fields.next()?;
    let pgrp = fields.next()?.parse().ok()?;
    Some(ProcStat { state, pgrp })
}

/// Whether a process exists and is not a zombie.
fn is_alive(pid: u32) -> bool {
    proc_stat(pid).is_some_and(|s| !matches!(s.state, 'Z' | 'X' | 'x'))
}

/// Whether the process's command line mentions `dir` (its interpreter or script lives there).
fn runs_from(pid: u32, dir: &Path) -> bool {
    let Ok(raw) = fs::read(format!("/proc/{pid}/cmdline")) else {
        return false;
    };
    let needle = dir.to_string_lossy();
    raw.split(|&b| b == 0)
        .any(|arg| String::from_utf8_lossy(arg).starts_with(needle.as_ref()))
}

/// Every PID in `/proc`.
fn proc_pids() -> Vec<u32> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect()
}

/// Live (non-zombie) members of a process group.
fn group_members(pgid: u32) -> Vec<u32> {
    proc_pids()
        .into_iter()
        .filter(|&pid| {
            proc_stat(pid).is_some_and(|s| s.pgrp == pgid && !matches!(s.state, 'Z' | 'X' | 'x'))
        })
        .collect()
}

/// `GET http://127.0.0.1:{port}{path}` and return the status code (short timeouts).
pub(crate) fn http_status(port: u16, path: &str) -> io::Result<u16> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(1))?;
    stream.set_read_timeout(Some(Duration::from_secs(3)))?;
    stream.set_write_timeout(Some(Duration::from_secs(3)))?;
    // One write: a request split over several segments can be half-read by a server that
    // answers and closes at once, and a close with unread bytes resets the connection.
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: */*\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes())?;
    let mut head = Vec::new();
    let mut buf = [0u8; 256];
    while !head.windows(2).any(|w| w == b"\r\n") && head.len() < 4096 {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    parse_status_line(&head).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "the answer is not an HTTP status line",
        )
    })
}

/// Reads the status code from `HTTP/1.1 200 OK\r\n...`.
fn parse_status_line(head: &[u8]) -> Option<u16> {
    let text = String::from_utf8_lossy(head);
    let line = text.lines().next()?;
    let mut parts = line.split_whitespace();
    if !parts.next()?.starts_with("HTTP/") {
        return None;
    }
    parts.next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_stat_with_odd_names() {
        let s = parse_stat("1234 (python3 (x) y) S 1 1234 1234 0 -1 4194560 1 0").expect("parses");
        assert_eq!(s.state, 'S');
        assert_eq!(s.pgrp, 1234);
    }

    #[test]
    fn parses_status_lines() {
        assert_eq!(
            parse_status_line(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n"),
            Some(200)
        );
        assert_eq!(parse_status_line(b"HTTP/1.0 404 Not Found\r\n"), Some(404));
        assert_eq!(parse_status_line(b"SSH-2.0-OpenSSH\r\n"), None);
    }

    #[test]
    fn ports_are_distinct() {
        let mut ports: Vec<u16> = ALL
            .iter()
            .flat_map(|p| p.ports().iter().map(|(port, _)| *port))
            .collect();
        let n = ports.len();
        ports.sort_unstable();
        ports.dedup();
        assert_eq!(ports.len(), n);
    }

    #[test]
    fn this_process_is_alive_and_leads_no_stray_group() {
        let me = std::process::id();
        assert!(is_alive(me));
        assert!(proc_stat(me).is_some());
    }

    #[test]
    fn http_status_reads_a_loopback_answer() {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let server = thread::spawn(move || {
            let (mut conn, _) = listener.accept().expect("accept");
            // Read the whole request head before answering: closing with unread bytes
            // sends a reset, which may discard the answer before the client reads it.
            let mut head = Vec::new();
            let mut buf = [0u8; 1024];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = conn.read(&mut buf).expect("read");
                if n == 0 {
                    break;
                }
                head.extend_from_slice(&buf[..n]);
            }
            conn.write_all(b"HTTP/1.1 204 No Content\r\n\r\n")
                .expect("write");
        });
        assert_eq!(http_status(port, "/healthz").expect("answer"), 204);
        server.join().expect("server thread");
    }
}
