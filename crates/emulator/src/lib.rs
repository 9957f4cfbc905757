//! A local server that behaves like Langfuse 4.16's public API for everything Loupe reads.
//!
//! Contract:
//! - [`serve`] binds `127.0.0.1:<port>` (0 = a free port), generates the data with `loupe-synth` (or takes
//!   a shared [`Dataset`]) and answers until [`Emulator::shutdown`]. It returns once the socket is bound.
//! - Routes under `/api/public/`: `health`, `projects`, `models`, `models/{id}`, `v2/observations`,
//!   `v3/scores`, `v2/metrics`, and the legacy reads `observations`, `observations/{id}`, `traces`,
//!   `traces/{id}` (only with `legacy_only`, which also answers 404 on the v4 routes).
//! - Langfuse's behaviour is reproduced where Loupe can observe it (API.md §2-§6, §8, §13): CORS echo and
//!   204 preflights, Basic auth with the exact 401/403 bodies, zod-style 400s, 405s, cursor formats and
//!   orders, `meta` shapes, JS number formatting (written by `loupe-synth`, never through client types).
//! - Faults are injected by configuration: a fixed-window rate limit per minute (429 with Langfuse's body
//!   and headers), a daily metrics budget, a share of 500/502/503 answers, slow answers, truncated bodies
//!   and dropped connections, chosen deterministically from `fault_seed` and the request's sequence number.

mod auth;
mod faults;
mod filter;
mod http;
mod legacy;
mod metrics;
mod observations;
mod params;
mod routes;
mod scores;

use std::net::SocketAddr;
use std::sync::Arc;

pub use loupe_synth::{Dataset, SynthConfig};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Default public key (`--public-key`).
pub const DEFAULT_PUBLIC_KEY: &str = "pk-lf-loupe-demo";
/// Default secret key (`--secret-key`).
pub const DEFAULT_SECRET_KEY: &str = "sk-lf-loupe-demo";

/// How to run the emulator.
#[derive(Clone, Debug)]
pub struct EmulatorConfig {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Data to serve (seed, observations, time range).
    pub synth: SynthConfig,
    pub public_key: String,
    pub secret_key: String,
    /// Emulate a self-hosted v3: legacy reads on, v4 routes answer 404.
    pub legacy_only: bool,
    /// Requests per minute per resource (`public-api`, `public-api-legacy`); `None` = unlimited.
    pub rate_limit_per_minute: Option<u32>,
    /// `/v2/metrics` calls per day; `None` = unlimited.
    pub metrics_per_day: Option<u32>,
    /// Share of requests answered 500/502/503.
    pub fail_share: f64,
    /// Delay added to every answer, ms.
    pub slow_ms: u64,
    /// Share of answers whose body is cut in half (connection closed early).
    pub truncate_share: f64,
    /// Share of requests whose connection is closed without an answer.
    pub drop_share: f64,
    /// Seed of the fault choice.
    pub fault_seed: u64,
    /// Routes that always fail: a request whose path is one of these (e.g. `/api/public/v3/scores`) is
    /// answered 503, whatever the shares; health checks excepted. Lets a test break one kind of read.
    pub fail_paths: Vec<String>,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            port: 0,
            synth: SynthConfig::default(),
            public_key: DEFAULT_PUBLIC_KEY.to_string(),
            secret_key: DEFAULT_SECRET_KEY.to_string(),
            legacy_only: false,
            rate_limit_per_minute: None,
            metrics_per_day: None,
            fail_share: 0.0,
            slow_ms: 0,
            truncate_share: 0.0,
            drop_share: 0.0,
            fault_seed: 0,
            fail_paths: Vec::new(),
        }
    }
}

/// Errors of the emulator layer.
#[derive(Debug)]
pub enum EmulatorError {
    /// Binding or reading the socket failed.
    Io(std::io::Error),
    /// A configuration value is out of range.
    Config(String),
}

impl std::fmt::Display for EmulatorError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Io(e) => write!(f, "emulator I/O error: {e}"),
            Self::Config(msg) => write!(f, "invalid emulator configuration: {msg}"),
        }
    }
}

impl std::error::Error for EmulatorError {}

impl From<std::io::Error> for EmulatorError {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e)
    }
}

/// A running emulator.
pub struct Emulator {
    addr: SocketAddr,
    dataset: Arc<Dataset>,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl Emulator {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The data being served.
    pub fn dataset(&self) -> &Arc<Dataset> {
        &self.dataset
    }

    /// Stops accepting connections and waits for the accept loop to end.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
    }

    /// Waits until the server stops (it runs until shut down).
    pub async fn wait(self) {
        let _ = self.task.await;
    }
}

/// Generates the data for `config.synth` and serves it.
pub async fn serve(config: EmulatorConfig) -> Result<Emulator, EmulatorError> {
    let synth = config.synth.clone();
    let dataset = tokio::task::spawn_blocking(move || Dataset::generate(&synth))
        .await
        .map_err(|e| EmulatorError::Config(format!("data generation failed: {e}")))?;
    serve_dataset(config, Arc::new(dataset)).await
}

/// Serves an already generated dataset (lets several test servers share one).
pub async fn serve_dataset(
    config: EmulatorConfig,
    dataset: Arc<Dataset>,
) -> Result<Emulator, EmulatorError> {
    for (name, share) in [
        ("fail-share", config.fail_share),
        ("truncate-share", config.truncate_share),
        ("drop-share", config.drop_share),
    ] {
        if !(0.0..=1.0).contains(&share) {
            return Err(EmulatorError::Config(format!(
                "--{name} must be within 0..1, got {share}"
            )));
        }
    }
    let listener = TcpListener::bind(("127.0.0.1", config.port)).await?;
    let addr = listener.local_addr()?;
    let state = Arc::new(http::State::new(config, dataset.clone()));
    let (tx, rx) = oneshot::channel();
    let task = tokio::spawn(http::accept_loop(listener, state, rx));
    Ok(Emulator {
        addr,
        dataset,
        shutdown: Some(tx),
        task,
    })
}
