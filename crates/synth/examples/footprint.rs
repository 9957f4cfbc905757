//! Generation time and memory for a large dataset:
//! `cargo run --release -p loupe-synth --example footprint -- 1000000`.
//! Prints the wall time, the dataset's heap bytes per observation, and the process's resident set growth
//! per observation (Linux `/proc/self/statm`).

fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

fn main() {
    let observations = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000usize);
    let config = loupe_synth::SynthConfig {
        observations,
        ..Default::default()
    };
    let before = resident_bytes().unwrap_or(0);
    let started = std::time::Instant::now();
    let ds = loupe_synth::Dataset::generate(&config);
    let elapsed = started.elapsed();
    let after = resident_bytes().unwrap_or(0);
    let n = ds.len().max(1) as f64;
    println!("observations           {}", ds.len());
    println!("traces                 {}", ds.trace_count());
    println!("scores                 {}", ds.score_count());
    println!("generation time        {:.2} s", elapsed.as_secs_f64());
    println!("heap bytes/observation {:.1}", ds.heap_bytes() as f64 / n);
    println!(
        "resident growth/obs    {:.1} (RSS {} MB -> {} MB)",
        after.saturating_sub(before) as f64 / n,
        before >> 20,
        after >> 20
    );
}
