//! Native benchmarks of the engine's kernels, for profiling (the wasm figures come from `make bench`).
//!
//! - `upsert`: filling a store from borrowed rows (100,000 observations);
//! - `kernel_rollups`: the rollup kernel (overview, six group-bys, exact P50/P95/P99, histogram, hourly
//!   series, error rate) and `standard_rollups` (the same groupings with every `Stats` figure) at 100,000
//!   and 1,000,000 observations;
//! - `group_by/model`, `time_series/auto`: single rollups at 100,000.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/synthetic.rs"]
mod synthetic;

use criterion::{Criterion, criterion_group, criterion_main};
use loupe_core::{
    Dimension, Filter, FixedOffset, SeriesSpec, Store, group_by, kernel_rollups, standard_rollups,
    time_series,
};

fn bench(c: &mut Criterion) {
    let mut rows = c.benchmark_group("upsert");
    rows.sample_size(10);
    rows.bench_function("100k", |b| {
        b.iter(|| {
            let mut store = Store::new();
            synthetic::generate(100_000, 1, |row| {
                store.upsert(row);
            });
            store
        })
    });
    rows.finish();

    for n in [100_000usize, 1_000_000] {
        let store = synthetic::store(n, 1);
        let _ = store.trace_count(); // build the cached trace index outside the timing
        let mut group = c.benchmark_group("kernel_rollups");
        group.sample_size(10);
        group.bench_function(format!("{}k", n / 1000), |b| {
            b.iter(|| kernel_rollups(&store, &Filter::default(), &FixedOffset(0)))
        });
        group.finish();
        let mut group = c.benchmark_group("standard_rollups");
        group.sample_size(10);
        group.bench_function(format!("{}k", n / 1000), |b| {
            b.iter(|| standard_rollups(&store, &Filter::default(), &FixedOffset(0)))
        });
        group.finish();
    }

    let store = synthetic::store(100_000, 1);
    let _ = store.trace_count();
    c.bench_function("group_by/model/100k", |b| {
        b.iter(|| group_by(&store, &Filter::default(), &Dimension::Model))
    });
    let (from, to) = store.time_range_ms().unwrap();
    let spec = SeriesSpec {
        from_ms: from,
        to_ms: to + 1,
        target_points: 200,
        bucket: None,
    };
    c.bench_function("time_series/auto/100k", |b| {
        b.iter(|| time_series(&store, &Filter::default(), &spec, &FixedOffset(0)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
