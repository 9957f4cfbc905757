//! `loupe bench`: native benchmarks on `loupe-synth` data, printed as a table.
//!
//! For each size: v2 page bodies as the server sends them are decoded into a store (best of several runs;
//! MB/s and rows/s), the store's memory is counted twice (by the counting global allocator and by
//! `Store::memory_bytes`), and the rollup kernel (`kernel_rollups`: overview, six group-bys, exact
//! P50/P95/P99, histogram, hourly series, error rate) and the full standard set (`standard_rollups`, every
//! `Stats` figure) are timed best of 7 after a warm-up. These are native
//! figures for profiling; the targets are measured on the release wasm in a browser.

use std::alloc::System;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use loupe_core::{
    Dimension, Filter, FixedOffset, SeriesSpec, Store, group_by, kernel_rollups, overview,
    standard_rollups, time_series,
};
use loupe_synth::{Dataset, FieldGroups, SynthConfig};
use stats_alloc::{Region, StatsAlloc};

#[derive(clap::Args)]
pub struct BenchArgs {
    /// Observation counts to benchmark (comma-separated).
    #[arg(long, value_delimiter = ',', default_values_t = [100_000usize, 1_000_000])]
    pub sizes: Vec<usize>,
    /// Timed runs per figure (the best is reported).
    #[arg(long, default_value_t = 7)]
    pub runs: usize,
    /// Synthetic data seed.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

struct Figure {
    size: usize,
    name: &'static str,
    value: f64,
    unit: &'static str,
}

fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut out = f(); // warm-up
    let mut best = Duration::MAX;
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        out = f();
        best = best.min(t.elapsed());
    }
    (best, out)
}

fn pages(ds: &Dataset, page_size: usize) -> Vec<String> {
    pages_range(ds, 0, ds.len(), page_size)
}

fn load(pages: &[String]) -> Store {
    let mut store = Store::new();
    for (i, page) in pages.iter().enumerate() {
        let _ = loupe_langfuse::decode::observations_page(page.as_bytes(), i as u32, |row| {
            store.upsert(row);
        });
    }
    store
}

pub fn run(args: &BenchArgs, alloc: &'static StatsAlloc<System>) -> Result<ExitCode, String> {
    let mut figures = Vec::new();
    for &size in &args.sizes {
        let config = SynthConfig {
            seed: args.seed,
            observations: size,
            ..SynthConfig::default()
        };
        let ds = Dataset::generate(&config);
        let models_json = loupe_synth::demo_models_json(&config);
        let models = loupe_langfuse::decode::models_page(models_json.as_bytes())
            .map(|(m, _)| m)
            .unwrap_or_default();

        // Decode: bodies prepared in chunks so a million rows never sit in memory as JSON all at once.
        let chunk_rows = 100_000;
        let mut decode_time = Duration::ZERO;
        let mut bytes = 0usize;
        let region = Region::new(alloc);
        let mut store = Store::new();
        store.set_models(models.clone());
        let mut start = 0;
        while start < ds.len() {
            let end = (start + chunk_rows).min(ds.len());
            let sub = pages_range(&ds, start, end, 1000);
            bytes += sub.iter().map(String::len).sum::<usize>();
            let t = Instant::now();
            for (i, page) in sub.iter().enumerate() {
                let _ =
                    loupe_langfuse::decode::observations_page(page.as_bytes(), i as u32, |row| {
                        store.upsert(row);
                    });
            }
            decode_time += t.elapsed();
            drop(sub);
            start = end;
        }
        store.shrink_to_fit();
        let change = region.change();
        let live = change
            .bytes_allocated
            .saturating_sub(change.bytes_deallocated);
        let secs = decode_time.as_secs_f64();
        figures.push(Figure {
            size,
            name: "decode + upsert (first load)",
            value: bytes as f64 / 1e6 / secs,
            unit: "MB/s",
        });
        figures.push(Figure {
            size,
            name: "decode + upsert (first load)",
            value: size as f64 / secs,
            unit: "rows/s",
        });
        figures.push(Figure {
            size,
            name: "page bytes per observation",
            value: bytes as f64 / size as f64,
            unit: "B",
        });
        figures.push(Figure {
            size,
            name: "store memory (allocator)",
            value: live as f64 / size as f64,
            unit: "B/obs",
        });
        figures.push(Figure {
            size,
            name: "store memory (memory_bytes)",
            value: store.memory_bytes() as f64 / size as f64,
            unit: "B/obs",
        });

        if size <= 200_000 {
            let all = pages(&ds, 1000);
            let total: usize = all.iter().map(String::len).sum();
            let (t, _) = best(args.runs.min(5), || load(&all));
            figures.push(Figure {
                size,
                name: "decode + upsert (best)",
                value: total as f64 / 1e6 / t.as_secs_f64(),
                unit: "MB/s",
            });
            let (t, _) = best(args.runs.min(5), || {
                let mut n = 0usize;
                for (i, page) in all.iter().enumerate() {
                    let _ = loupe_langfuse::decode::observations_page(
                        page.as_bytes(),
                        i as u32,
                        |_| n += 1,
                    );
                }
                n
            });
            figures.push(Figure {
                size,
                name: "decode only (best)",
                value: total as f64 / 1e6 / t.as_secs_f64(),
                unit: "MB/s",
            });
        }

        let _ = store.trace_count(); // trace index built once, as the app does after a load
        figures.push(Figure {
            size,
            name: "trace index cache",
            value: store.cache_bytes() as f64 / size as f64,
            unit: "B/obs",
        });
        let filter = Filter::default();
        let (t, _) = best(args.runs, || {
            kernel_rollups(&store, &filter, &FixedOffset(0))
        });
        figures.push(Figure {
            size,
            name: "kernel_rollups (kernel)",
            value: t.as_secs_f64() * 1e3,
            unit: "ms",
        });
        let (t, _) = best(args.runs, || {
            standard_rollups(&store, &filter, &FixedOffset(0))
        });
        figures.push(Figure {
            size,
            name: "standard_rollups (every Stats figure)",
            value: t.as_secs_f64() * 1e3,
            unit: "ms",
        });
        let (t, _) = best(args.runs, || overview(&store, &filter));
        figures.push(Figure {
            size,
            name: "overview",
            value: t.as_secs_f64() * 1e3,
            unit: "ms",
        });
        let (t, _) = best(args.runs, || group_by(&store, &filter, &Dimension::Model));
        figures.push(Figure {
            size,
            name: "group_by model",
            value: t.as_secs_f64() * 1e3,
            unit: "ms",
        });
        let (t, _) = best(args.runs, || group_by(&store, &filter, &Dimension::Session));
        figures.push(Figure {
            size,
            name: "group_by session",
            value: t.as_secs_f64() * 1e3,
            unit: "ms",
        });
        let (from, to) = store.time_range_ms().unwrap_or((0, 1));
        let spec = SeriesSpec {
            from_ms: from,
            to_ms: to + 1,
            target_points: 200,
            bucket: None,
        };
        let (t, _) = best(args.runs, || {
            time_series(&store, &filter, &spec, &FixedOffset(0))
        });
        figures.push(Figure {
            size,
            name: "time_series (~200 points)",
            value: t.as_secs_f64() * 1e3,
            unit: "ms",
        });
    }

    let now = jiff::Timestamp::now();
    println!(
        "loupe bench — native, {} (UTC), {} logical CPUs",
        now,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!("| observations | figure | value | unit |");
    println!("|---:|---|---:|---|");
    for f in &figures {
        println!("| {} | {} | {:.1} | {} |", f.size, f.name, f.value, f.unit);
    }
    Ok(ExitCode::SUCCESS)
}

/// v2 page bodies for rows `from..to`, as the server writes them (`fields` of the demo).
fn pages_range(ds: &Dataset, from: usize, to: usize, page_size: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut s = from;
    while s < to {
        let e = (s + page_size).min(to);
        let mut body = String::with_capacity((e - s) * 1400 + 64);
        body.push_str("{\"data\":[");
        for i in s..e {
            if i > s {
                body.push(',');
            }
            ds.write_v2_observation(i, FieldGroups::DEMO, &mut body);
        }
        body.push_str("],\"meta\":{}}");
        out.push(body);
        s = e;
    }
    out
}
