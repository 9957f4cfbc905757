//! One stage of the engine's data path on `loupe-synth` data, for `valgrind --tool=callgrind` (instruction
//! counts stay meaningful on a busy machine where wall time does not).
//!
//! Usage: `profile N STAGE [REPEAT]`, STAGE one of `decode` (decode only), `load` (decode + upsert, then
//! `set_models`), `kernel` (`standard_rollups` on a loaded store, trace index already built), `lean`
//! (`kernel_rollups`, likewise), `cold`
//! (`standard_rollups` on a fresh load, trace index included), `all` (load + kernel). Each stage runs in a
//! function of its own (`stage_*`), so callgrind can count just it:
//! `valgrind --tool=callgrind --collect-atstart=no --toggle-collect='profile::stage_*' profile 100000 load`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::hint::black_box;
use std::time::Instant;

use loupe_core::{Filter, FixedOffset, ModelPrice, Store, standard_rollups};
use loupe_synth::{Dataset, FieldGroups, SynthConfig};

fn pages(ds: &Dataset, page_size: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut s = 0;
    while s < ds.len() {
        let e = (s + page_size).min(ds.len());
        let mut body = String::from("{\"data\":[");
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

#[inline(never)]
fn stage_decode(pages: &[String]) -> usize {
    let mut decoder = loupe_langfuse::decode::ObservationDecoder::new();
    let mut n = 0usize;
    for (i, page) in pages.iter().enumerate() {
        let _ = decoder.page(page.as_bytes(), i as u32, |_| n += 1);
    }
    n
}

#[inline(never)]
fn stage_load(pages: &[String], models: &[ModelPrice]) -> Store {
    let mut store = Store::new();
    for (i, page) in pages.iter().enumerate() {
        let _ = loupe_langfuse::decode::observations_page(page.as_bytes(), i as u32, |row| {
            store.upsert(row);
        });
    }
    store.set_models(models.to_vec());
    store
}

#[inline(never)]
fn stage_kernel(store: &Store) -> usize {
    let t = Instant::now();
    let r = standard_rollups(store, &Filter::default(), &FixedOffset(0));
    let computed = t.elapsed();
    let n = r.group_bys.iter().map(|g| g.groups.len()).sum();
    drop(r);
    if std::env::var("LOUPE_T").is_ok() {
        eprintln!(
            "standard_rollups {computed:?}, drop {:?}",
            t.elapsed() - computed
        );
    }
    n
}

#[inline(never)]
fn stage_lean(store: &Store) -> usize {
    let t = Instant::now();
    let r = loupe_core::kernel_rollups(store, &Filter::default(), &FixedOffset(0));
    let computed = t.elapsed();
    let n = r.group_bys.iter().map(|g| g.groups.len()).sum();
    drop(r);
    if std::env::var("LOUPE_T").is_ok() {
        eprintln!(
            "kernel_rollups {computed:?}, drop {:?}",
            t.elapsed() - computed
        );
    }
    n
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let stage = args.get(2).cloned().unwrap_or_else(|| "all".into());
    let repeat: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(1);
    let config = SynthConfig {
        seed: 42,
        observations: n,
        ..SynthConfig::default()
    };
    let ds = Dataset::generate(&config);
    let all = pages(&ds, 1000);
    let bytes: usize = all.iter().map(String::len).sum();
    let models_json = loupe_synth::demo_models_json(&config);
    let models = loupe_langfuse::decode::models_page(models_json.as_bytes())
        .map(|(m, _)| m)
        .unwrap_or_default();
    let loaded = matches!(stage.as_str(), "kernel" | "lean").then(|| {
        let s = stage_load(&all, &models);
        let _ = s.trace_count();
        s
    });
    let t = Instant::now();
    for _ in 0..repeat.max(1) {
        match stage.as_str() {
            "decode" => {
                black_box(stage_decode(&all));
            }
            "load" => {
                black_box(stage_load(&all, &models));
            }
            "kernel" => {
                black_box(stage_kernel(loaded.as_ref().expect("loaded")));
            }
            "lean" => {
                black_box(stage_lean(loaded.as_ref().expect("loaded")));
            }
            "cold" | "all" => {
                let s = stage_load(&all, &models);
                black_box(stage_kernel(&s));
            }
            "groups" => {
                let s = stage_load(&all, &models);
                let r = standard_rollups(&s, &Filter::default(), &FixedOffset(0));
                for g in &r.group_bys {
                    let keys: usize = g
                        .groups
                        .iter()
                        .map(|x| x.stats.usage_by_key.len() + x.stats.cost_by_key.len())
                        .sum();
                    println!(
                        "{:?}: {} groups, {keys} key entries",
                        g.dimension,
                        g.groups.len()
                    );
                }
                println!(
                    "hourly: {} buckets; traces {}",
                    r.hourly.buckets.len(),
                    s.trace_count()
                );
            }
            other => panic!("unknown stage {other}"),
        }
    }
    let per = t.elapsed() / repeat.max(1) as u32;
    println!(
        "{stage}: {per:?} per run, {:.0} MB/s over {bytes} page bytes",
        bytes as f64 / 1e6 / per.as_secs_f64()
    );
}
