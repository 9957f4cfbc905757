//! Decode throughput on realistic pages: `loupe_synth::demo_pages` (the demo's field groups, 1000 rows a
//! page, as the server sends them), reported in MB/s of response body. `serde_json::Value` parsing of the
//! same bytes is measured beside it as the native stand-in for `JSON.parse` (the wasm comparison against
//! `JSON.parse` itself runs in the browser benchmark).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use loupe_synth::SynthConfig;
use loupe_wire::decode;
use std::hint::black_box;

fn pages() -> Vec<String> {
    let config = SynthConfig {
        observations: 20_000,
        ..SynthConfig::default()
    };
    loupe_synth::demo_pages(&config, 1000)
}

fn bench_observations(c: &mut Criterion) {
    let pages = pages();
    let bytes: usize = pages.iter().map(String::len).sum();
    let mut group = c.benchmark_group("v2 observations, 20 pages x 1000 rows");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(20);
    group.bench_function("decode::observations_page (count rows)", |b| {
        b.iter(|| {
            let mut rows = 0u64;
            for (i, page) in pages.iter().enumerate() {
                decode::observations_page(page.as_bytes(), i as u32, |_| rows += 1).unwrap();
            }
            black_box(rows)
        })
    });
    group.bench_function("decode::ObservationDecoder reused across pages", |b| {
        let mut decoder = decode::ObservationDecoder::new();
        b.iter(|| {
            let mut rows = 0u64;
            for (i, page) in pages.iter().enumerate() {
                decoder
                    .page(page.as_bytes(), i as u32, |_| rows += 1)
                    .unwrap();
            }
            black_box(rows)
        })
    });
    group.bench_function("decode::observations_page (read every field)", |b| {
        b.iter(|| {
            let mut acc = 0u64;
            for (i, page) in pages.iter().enumerate() {
                decode::observations_page(page.as_bytes(), i as u32, |r| {
                    acc = acc
                        .wrapping_add(r.id.len() as u64)
                        .wrapping_add(r.start_time_ms as u64)
                        .wrapping_add(r.usage.iter().map(|u| u.1).sum::<u64>())
                        .wrapping_add(
                            r.cost
                                .iter()
                                .map(|c| c.1.to_bits())
                                .fold(0, u64::wrapping_add),
                        )
                        .wrapping_add(r.tags.len() as u64 + r.metadata.len() as u64)
                        .wrapping_add(r.name.map_or(0, str::len) as u64);
                })
                .unwrap();
            }
            black_box(acc)
        })
    });
    group.bench_function("serde_json::Value (reference)", |b| {
        b.iter(|| {
            for page in &pages {
                black_box(serde_json::from_str::<serde_json::Value>(page).unwrap());
            }
        })
    });
    group.finish();
}

fn bench_scores(c: &mut Criterion) {
    let config = SynthConfig {
        observations: 20_000,
        ..SynthConfig::default()
    };
    let pages = loupe_synth::demo_scores_pages(&config, 100);
    let bytes: usize = pages.iter().map(String::len).sum();
    let mut group = c.benchmark_group("v3 scores");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(20);
    group.bench_function("decode::scores_page", |b| {
        b.iter(|| {
            let mut rows = 0u64;
            for (i, page) in pages.iter().enumerate() {
                decode::scores_page(page.as_bytes(), i as u32, |_| rows += 1).unwrap();
            }
            black_box(rows)
        })
    });
    group.finish();
}

fn bench_timestamps(c: &mut Criterion) {
    let mut group = c.benchmark_group("timestamps");
    group.throughput(Throughput::Elements(1));
    group.bench_function("fast path", |b| {
        b.iter(|| decode::timestamp_ms(black_box("2026-08-12T09:14:03.120Z")))
    });
    group.bench_function("offset fallback", |b| {
        b.iter(|| decode::timestamp_ms(black_box("2026-08-12T11:14:03.120456+02:00")))
    });
    group.finish();
}

criterion_group!(benches, bench_observations, bench_scores, bench_timestamps);
criterion_main!(benches);
