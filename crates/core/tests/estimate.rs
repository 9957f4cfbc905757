//! Cost estimation from a models list shaped like `examples/models-list.json` (API.md §10).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use loupe_core::pricing::{AttributeSource, CompareOp, PricingTier, TierCondition};
use loupe_core::{Filter, ModelPrice, ObservationRow, ObservationType, RowFlags, Store, overview};

fn tier(
    id: &str,
    default: bool,
    priority: i64,
    conditions: Vec<TierCondition>,
    prices: &[(&str, f64)],
) -> PricingTier {
    PricingTier {
        id: id.into(),
        name: id.into(),
        is_default: default,
        priority,
        conditions,
        prices: prices.iter().map(|&(k, v)| (k.to_owned(), v)).collect(),
    }
}

fn model(
    id: &str,
    name: &str,
    pattern: &str,
    managed: bool,
    start: Option<i64>,
    tiers: Vec<PricingTier>,
) -> ModelPrice {
    let prices = tiers
        .iter()
        .find(|t| t.is_default)
        .map(|t| t.prices.clone())
        .unwrap_or_default();
    ModelPrice {
        id: id.into(),
        model_name: name.into(),
        match_pattern: pattern.into(),
        start_date_ms: start,
        unit: Some("TOKENS".into()),
        is_langfuse_managed: managed,
        prices,
        tiers,
    }
}

/// The two gpt-4o definitions of the example (project override first), a managed model with a
/// parameter tier and a usage tier, and an image model priced per image.
fn models() -> Vec<ModelPrice> {
    vec![
        model(
            "managed-4o",
            "gpt-4o",
            "(?i)^(openai/)?(gpt-4o)$",
            true,
            None,
            vec![tier(
                "d",
                true,
                0,
                vec![],
                &[
                    ("input", 0.0000025),
                    ("input_cached_tokens", 0.00000125),
                    ("output", 0.00001),
                ],
            )],
        ),
        model(
            "project-4o",
            "gpt-4o",
            "(?i)^(openai/)?(gpt-4o)$",
            false,
            Some(1_782_864_000_000),
            vec![tier(
                "d",
                true,
                0,
                vec![],
                &[("input", 0.000002), ("output", 0.000008)],
            )],
        ),
        model(
            "claude",
            "claude-sonnet",
            "(?i)^claude-sonnet",
            true,
            None,
            vec![
                tier(
                    "default",
                    true,
                    0,
                    vec![],
                    &[("input", 0.000003), ("output", 0.000015)],
                ),
                tier(
                    "fast",
                    false,
                    1,
                    vec![TierCondition::Attribute {
                        source: AttributeSource::ModelParameters,
                        key: "service_tier".into(),
                        values: vec!["fast".into(), "priority".into()],
                    }],
                    &[("input", 0.000006), ("output", 0.00003)],
                ),
                tier(
                    "long",
                    false,
                    2,
                    vec![TierCondition::Usage {
                        usage_detail_pattern: "^input".into(),
                        operator: CompareOp::Gt,
                        value: 200_000.0,
                        case_sensitive: false,
                    }],
                    &[("input", 0.000006), ("output", 0.0000225)],
                ),
            ],
        ),
        model(
            "img",
            "image-1",
            "^image-1$",
            true,
            None,
            vec![tier("d", true, 0, vec![], &[("output_image", 0.04)])],
        ),
    ]
}

fn generation<'a>(id: &'a str, model: &'a str, usage: &'a [(&'a str, u64)]) -> ObservationRow<'a> {
    let mut r = ObservationRow::new(id, "t", 0);
    r.observation_type = ObservationType::Generation;
    r.model = Some(model);
    r.usage = usage;
    r
}

fn cost(store: &Store, id: &str) -> f64 {
    let row = store.find_row("t", id).unwrap();
    assert!(
        store.row_flags(row).has(RowFlags::COST_ESTIMATED),
        "{id} estimated"
    );
    let tree = loupe_core::trace_tree(store, "t").unwrap();
    tree.rows
        .iter()
        .find(|r| r.observation_id == id)
        .unwrap()
        .cost_usd
}

#[test]
fn costs_are_estimated_by_model_tier_and_unit() {
    let mut store = Store::new();
    let usage = [
        ("input", 1180u64),
        ("input_cached_tokens", 1024),
        ("output", 212),
        ("total", 2416),
    ];
    store.upsert(&generation("a", "gpt-4o", &usage));
    store.set_models(models());
    // The project override wins over the managed definition: 1180 × 2e-6 + 212 × 8e-6 (no cached price).
    let want = 1180.0 * 0.000002 + 212.0 * 0.000008;
    assert!((cost(&store, "a") - want).abs() <= 1e-15);

    let claude_usage = [("input", 1000u64), ("output", 100)];
    let fast = [("service_tier", "fast")];
    let mut r = generation("b", "claude-sonnet-4-5", &claude_usage);
    r.model_parameters = &fast;
    store.upsert(&r);
    assert!((cost(&store, "b") - (1000.0 * 0.000006 + 100.0 * 0.00003)).abs() <= 1e-15);
    let long_usage = [
        ("input", 150_000u64),
        ("input_cache_read", 60_000),
        ("output", 10),
    ];
    store.upsert(&generation("c", "claude-sonnet-4-5", &long_usage));
    // 210,000 input-side units > 200,000: the long-context tier; the cache key has no price there.
    assert!((cost(&store, "c") - (150_000.0 * 0.000006 + 10.0 * 0.0000225)).abs() <= 1e-12);
    let images = [("output_image", 3u64)];
    store.upsert(&generation("d", "image-1", &images));
    assert!((cost(&store, "d") - 0.12).abs() <= 1e-15);

    // A Langfuse cost wins; an all-zero cost does not.
    let given = [("total", 0.5)];
    let mut r = generation("e", "gpt-4o", &usage);
    r.cost = &given;
    store.upsert(&r);
    let zero = [("input", 0.0), ("total", 0.0)];
    let mut r = generation("f", "gpt-4o", &usage);
    r.cost = &zero;
    store.upsert(&r);
    let unknown = [("input", 10u64)];
    store.upsert(&generation("g", "llama", &unknown));
    let o = overview(&store, &Filter::default());
    assert_eq!(o.stats.estimated_cost_rows, 5, "a b c d f");
    assert!(
        !store
            .row_flags(store.find_row("t", "e").unwrap())
            .has(RowFlags::COST_ESTIMATED)
    );
    assert!(
        !store
            .row_flags(store.find_row("t", "g").unwrap())
            .has(RowFlags::COST_ESTIMATED)
    );

    // Replacing the models list re-estimates, and an empty list removes the estimates.
    store.set_models(Vec::new());
    let o = overview(&store, &Filter::default());
    assert_eq!(o.stats.estimated_cost_rows, 0);
    assert!((o.stats.cost_usd - 0.5).abs() <= 1e-15);
}
