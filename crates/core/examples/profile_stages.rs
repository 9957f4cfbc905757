//! Runs one engine stage repeatedly on synthetic data, for `perf stat` / `perf record` (instruction counts
//! stay meaningful on a busy machine where wall time does not).
//! Usage: `profile_stages N STAGE REPEAT` with STAGE one of none, overview, model, session, standard.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]
#[path = "../tests/common/synthetic.rs"]
mod synthetic;
use loupe_core::*;
use std::time::Instant;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let stage = args.get(2).cloned().unwrap_or_else(|| "standard".into());
    let repeat: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(10);
    let store = synthetic::store(n, 1);
    let _ = store.trace_count();
    let f = Filter::default();
    let t = Instant::now();
    let mut sink = 0usize;
    for _ in 0..repeat {
        sink += match stage.as_str() {
            "none" => 0,
            "overview" => overview(&store, &f).stats.observations as usize,
            "model" => group_by(&store, &f, &Dimension::Model).len(),
            "session" => group_by(&store, &f, &Dimension::Session).len(),
            _ => standard_rollups(&store, &f, &FixedOffset(0))
                .group_bys
                .len(),
        };
    }
    println!(
        "{stage}: {:?} per run ({sink})",
        t.elapsed() / repeat.max(1) as u32
    );
}
