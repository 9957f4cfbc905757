//! Native stand-in for the wasm benchmark's decode lines, for profiling with repeatable instruction counts:
//! `cargo run --release -p loupe-bench-wasm --example decode_store -- FILE MODE [PAGES] [REPEAT]`.
//!
//! `FILE` is an `obs-N.jsonl` written by the `pages` example (one page body per line); `MODE` is `store`
//! (decode into a fresh [`Bench`] store, as "engine decode into store") or `count` (decode only, rows
//! counted, as "engine decode only"). The work runs in [`run_pages`], never inlined, so that
//! `valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*run_pages*'` counts it alone.
use std::hint::black_box;
use std::time::Instant;

use loupe_bench_wasm::Bench;

#[inline(never)]
fn run_pages(pages: &[&[u8]], store: bool) -> u64 {
    if store {
        let mut bench = Bench::new();
        for (i, page) in pages.iter().enumerate() {
            if let Err(e) = bench.decode_page(page, i as u32) {
                eprintln!("{e}");
            }
        }
        bench.store().len() as u64
    } else {
        let mut rows = 0u64;
        for (i, page) in pages.iter().enumerate() {
            if let Ok(s) = loupe_langfuse::decode::observations_page(page, i as u32, |_| {}) {
                rows += u64::from(s.rows);
            }
        }
        rows
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: decode_store FILE store|count [PAGES] [REPEAT]";
    let file = args.next().ok_or(usage)?;
    let store = match args.next().as_deref() {
        Some("store") => true,
        Some("count") => false,
        _ => return Err(usage.into()),
    };
    let limit: usize = args
        .next()
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(usize::MAX);
    let repeat: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(1);
    let text = std::fs::read(file)?;
    let pages: Vec<&[u8]> = text
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .take(limit)
        .collect();
    let bytes: usize = pages.iter().map(|p| p.len()).sum();
    let mut best = f64::INFINITY;
    let mut rows = 0;
    for _ in 0..repeat {
        let t = Instant::now();
        rows = black_box(run_pages(black_box(&pages), store));
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "{rows} rows, {bytes} bytes, best {:.2} ms, {:.0} MB/s, {:.0} ns/row",
        best * 1e3,
        bytes as f64 / best / 1e6,
        best * 1e9 / rows.max(1) as f64
    );
    Ok(())
}
