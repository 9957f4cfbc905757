//! The benchmark measures the app's data path: the same rows, costs and figures as decoding the demo pages
//! directly into a store.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use loupe_bench_wasm::Bench;
use loupe_core::{Filter, FixedOffset, Store, standard_rollups};
use loupe_langfuse::decode;

fn config() -> loupe_synth::SynthConfig {
    loupe_synth::SynthConfig {
        observations: 2_500,
        ..Default::default()
    }
}

#[test]
fn pages_and_models_give_the_figures_of_a_store_filled_directly() {
    let config = config();
    let pages = loupe_synth::demo_pages(&config, 1000);
    let models = loupe_synth::demo_models_json(&config);

    let mut bench = Bench::new();
    for (i, page) in pages.iter().enumerate() {
        bench.decode_page(page.as_bytes(), i as u32).unwrap();
    }
    assert!(bench.set_models(models.as_bytes()).unwrap() > 0);
    assert_eq!(bench.rows_delivered(), 2_500);
    assert_eq!(bench.rows_skipped(), 0);
    assert_eq!(
        bench.bytes_decoded(),
        pages.iter().map(|p| p.len() as u64).sum::<u64>()
    );
    let got = bench.rollups().clone();

    let mut store = Store::new();
    for (i, page) in pages.iter().enumerate() {
        decode::observations_page(page.as_bytes(), i as u32, |row| {
            store.upsert(row);
        })
        .unwrap();
    }
    store.set_models(decode::models_page(models.as_bytes()).unwrap().0);
    let want = standard_rollups(&store, &Filter::default(), &FixedOffset(0));
    assert_eq!(got, want);
    assert!(
        got.overview.stats.estimated_cost_rows > 0,
        "the data has estimated costs"
    );
    assert_eq!(got.group_bys.len(), 6);
    assert!(!got.hourly.buckets.is_empty());

    let json: serde_json::Value = serde_json::from_str(&bench.rollups_json().unwrap()).unwrap();
    assert_eq!(json["overview"]["observations"], 2_500);
    assert_eq!(json["group_bys"][0]["dimension"], "Model");

    // The lean kernel: its figures agree with the full ones, and its JSON carries the keys as text.
    let kernel = bench.kernel().clone();
    assert_eq!(kernel.overview.observations, 2_500);
    assert_eq!(kernel.overview.errors, want.overview.stats.errors);
    assert_eq!(kernel.overview.traces, want.overview.stats.traces);
    assert_eq!(
        kernel.overview.total_tokens,
        want.overview.stats.tokens.total
    );
    let json: serde_json::Value = serde_json::from_str(&bench.kernel_json().unwrap()).unwrap();
    assert_eq!(json["overview"]["observations"], 2_500);
    let models = &json["group_bys"][0];
    assert_eq!(models["dimension"], "Model");
    let groups = models["groups"].as_array().unwrap();
    assert_eq!(groups.len(), got.group_bys[0].groups.len());
    for g in groups {
        let key = g["key"].as_str().map(str::to_owned);
        let full = got.group_bys[0]
            .groups
            .iter()
            .find(|x| x.key == key)
            .unwrap();
        assert_eq!(g["observations"], full.stats.observations, "{key:?}");
        assert_eq!(g["output_tokens"], full.stats.tokens.output, "{key:?}");
    }
}

#[test]
fn a_bad_page_keeps_the_rows_before_it() {
    let pages = loupe_synth::demo_pages(&config(), 1000);
    let mut bench = Bench::new();
    bench.decode_page(pages[0].as_bytes(), 0).unwrap();
    let truncated = &pages[1].as_bytes()[..pages[1].len() / 2];
    assert!(bench.decode_page(truncated, 1).is_err());
    assert!(bench.store().len() >= 1000);
    assert!(bench.decode_page(b"not json", 2).is_err());
}
