//! `loupe-emulator`: serves synthetic Langfuse data on 127.0.0.1 and prints one line
//! `listening on http://127.0.0.1:PORT` when ready.

use clap::Parser;
use loupe_emulator::{DEFAULT_PUBLIC_KEY, DEFAULT_SECRET_KEY, EmulatorConfig, SynthConfig};

/// A local server that speaks the Langfuse 4.16 public API (v2 observations, v3 scores, models,
/// projects, health, v2 metrics; legacy v1 reads with --legacy-only), serving deterministic synthetic
/// data, with Langfuse's auth, CORS, error bodies, rate limits and injectable faults.
#[derive(Parser, Debug)]
#[command(name = "loupe-emulator", version)]
struct Args {
    /// Port on 127.0.0.1 (0 picks a free port; the chosen one is printed).
    #[arg(long, default_value_t = 3000)]
    port: u16,
    /// Seed of the synthetic data (same seed and size, same data).
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Number of observations to serve.
    #[arg(long, default_value_t = 20_000)]
    observations: usize,
    /// Days of data, ending at --end.
    #[arg(long, default_value_t = 7)]
    days: u32,
    /// End of the data's time range (ISO-8601 with offset).
    #[arg(long, default_value = "2026-11-27T00:00:00Z")]
    end: String,
    /// Public key accepted in Basic auth.
    #[arg(long, default_value = DEFAULT_PUBLIC_KEY)]
    public_key: String,
    /// Secret key accepted in Basic auth.
    #[arg(long, default_value = DEFAULT_SECRET_KEY)]
    secret_key: String,
    /// Emulate a self-hosted Langfuse v3: serve the legacy /observations and /traces reads, and answer
    /// 404 on /v2/observations, /v3/scores and /v2/metrics.
    #[arg(long)]
    legacy_only: bool,
    /// Requests per minute per resource (public-api and public-api-legacy buckets, fixed windows),
    /// answered with 429 and Langfuse's body and headers beyond it. Default: unlimited (self-hosted).
    #[arg(long)]
    rate_limit_per_minute: Option<u32>,
    /// /v2/metrics calls per UTC day (Cloud Hobby: 100). Default: unlimited.
    #[arg(long)]
    metrics_per_day: Option<u32>,
    /// Share (0..1) of requests answered with 500 (JSON), 502 (HTML from a proxy, no CORS) or 503 (JSON).
    #[arg(long, default_value_t = 0.0)]
    fail_share: f64,
    /// Milliseconds added before every answer (health excepted).
    #[arg(long, default_value_t = 0)]
    slow_ms: u64,
    /// Share (0..1) of answers whose body is cut in half before the connection closes.
    #[arg(long, default_value_t = 0.0)]
    truncate_share: f64,
    /// Share (0..1) of requests whose connection is closed without any answer.
    #[arg(long, default_value_t = 0.0)]
    drop_share: f64,
    /// Seed of the fault choice (which request gets which fault).
    #[arg(long, default_value_t = 0)]
    fault_seed: u64,
    /// A route answered 503 Service Unavailable on every request (repeatable), e.g.
    /// `--fail-path /api/public/v3/scores` for a Langfuse whose scores read is down.
    #[arg(long = "fail-path", value_name = "PATH")]
    fail_paths: Vec<String>,
    /// Share (0..1) of traces ingested through the legacy pipeline (t-<traceId> roots, UUID ids).
    #[arg(long, default_value_t = 0.15)]
    legacy_share: f64,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let Some(end_time_ms) = loupe_synth::json::parse_iso_ms(&args.end) else {
        eprintln!(
            "--end must be an ISO-8601 datetime with offset, got {}",
            args.end
        );
        std::process::exit(2);
    };
    let config = EmulatorConfig {
        port: args.port,
        synth: SynthConfig {
            seed: args.seed,
            observations: args.observations,
            end_time_ms,
            span_ms: i64::from(args.days.max(1)) * 86_400_000,
            legacy_share: args.legacy_share.clamp(0.0, 1.0),
        },
        public_key: args.public_key,
        secret_key: args.secret_key,
        legacy_only: args.legacy_only,
        rate_limit_per_minute: args.rate_limit_per_minute,
        metrics_per_day: args.metrics_per_day,
        fail_share: args.fail_share,
        slow_ms: args.slow_ms,
        truncate_share: args.truncate_share,
        drop_share: args.drop_share,
        fault_seed: args.fault_seed,
        fail_paths: args.fail_paths,
    };
    match loupe_emulator::serve(config).await {
        Ok(server) => {
            println!("listening on {}", server.base_url());
            tokio::select! {
                _ = tokio::signal::ctrl_c() => server.shutdown().await,
            }
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
