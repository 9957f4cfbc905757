//! `loupe`: Loupe's native command line.
//!
//! - `loupe rollup [--by DIM]... [--tz ZONE] [--from T --to T] [--models FILE] FILE...` reads v2
//!   observation pages, JSON arrays or JSON lines of v2 observations, and prints the rollups as JSON on
//!   stdout; rows that cannot be decoded are reported on stderr (file, page, row, field, reason) and
//!   skipped.
//! - `loupe bench` runs the native benchmarks on synthetic data and prints a table of figures.

mod bench;
mod rollup;
mod tz;

use std::alloc::System;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};

/// Counting allocator: `loupe bench` reports the bytes a store really holds.
#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Definitions of every figure, printed by `loupe rollup --help`.
const DEFINITIONS: &str = "\
FIGURES (all exact; per group, over the observations the filter keeps)
  observations        observations kept (a row replaced by a later copy with the same trace id and
                      observation id counts once)
  traces              distinct trace ids among them
  errors, warnings    observations with level ERROR / WARNING
  error_rate          errors / observations; success_rate = (observations - errors) / observations
  trace_errors        distinct traces whose worst level over ALL their observations is ERROR
  tokens.input        sum of the units of every usage key containing \"input\"
  tokens.output       ... every usage key containing \"output\"
  tokens.cached       ... every usage key containing both \"input\" and \"cache\"
  tokens.reasoning    ... every usage key containing \"reasoning\"
  tokens.total        the \"total\" usage key, else the sum of all usage keys (per observation)
  usage_by_key        units per usage key, every key under its own name
  cost_usd            per observation the \"total\" cost key, else the sum of its cost keys; observations
                      without a Langfuse cost (none, or only zeros) are priced from --models (project
                      models first, then newest start date; pricing tiers by priority; price x units per
                      usage key) and counted in estimated_cost_rows
  cost_by_key         USD per cost key
  latency_ms          end - start of observations with an end time: mean, p50 p75 p90 p95 p99 p999
                      (nearest rank: the ceil(q*n)-th smallest value, no interpolation), max
  trace_latency_ms    the same over the distinct traces; a trace's latency is
                      max(max start, max end) - min start over all its observations (Langfuse v4)
  ttft_ms             completion start - start, p50 and p95
  output_tokens_per_second
                      sum of output tokens / sum of durations (s) over observations with both > 0

DIMENSIONS (--by)
  model, prompt, name, type, level, version      the observation's own value
  environment                                    the observation's, else its trace's
  service (trace name), user, session, release   the trace's: its root's (legacy t-<traceId> root, else
                                                 a parentless root) else the first observation's
  tag                                            each tag of the trace (an observation counts once per tag)
  metadata:KEY                                   the observation's metadata value for KEY
  A missing value is the group with \"key\": null.

SERIES
  Buckets from the ladder 1m 5m 15m 1h 3h 6h 12h 1d 1w (the smallest giving at most --points buckets),
  aligned on local wall-clock time in --tz (a day is 23 or 25 hours across DST changes); buckets without
  observations are null, not zeros.";

#[derive(Parser)]
#[command(
    name = "loupe",
    version,
    about = "Loupe: exact LLM observability rollups from Langfuse data"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Rollups of v2 observation files, printed as JSON.
    #[command(after_long_help = DEFINITIONS)]
    Rollup(rollup::RollupArgs),
    /// Native benchmarks of decoding and rollups on synthetic data.
    Bench(bench::BenchArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Rollup(args) => rollup::run(&args),
        Command::Bench(args) => bench::run(&args, GLOBAL),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("loupe: {message}");
            ExitCode::from(2)
        }
    }
}
