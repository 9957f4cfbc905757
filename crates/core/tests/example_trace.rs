//! The trace of `shared/langfuse/examples/trace-detail.json`, built as rows by hand, against figures
//! computed by hand (API.md §14): GENERATION cost 0.00635 USD, trace latency 4.764 s.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use loupe_core::{
    Dimension, Filter, Level, ObservationRow, ObservationType, Store, group_by, overview,
};

const TRACE: &str = "3f1c9e2a7b5d4c8e9a0b1c2d3e4f5a6b";
// 2026-08-12T09:14:03.120Z
const T0: i64 = 1_786_526_043_120;

fn example_store() -> Store {
    let mut store = Store::new();
    let tags = ["support", "tier-1"];
    let usage = [
        ("input", 1180u64),
        ("input_cached_tokens", 1024),
        ("output", 212),
        ("total", 2416),
    ];
    let cost = [
        ("input", 0.00295),
        ("input_cached_tokens", 0.00128),
        ("output", 0.00212),
        ("total", 0.00635),
    ];
    let meta = [("channel", "web")];

    let mut root = ObservationRow::new("5d0b8f3e1c7a9e24", TRACE, T0);
    root.end_time_ms = Some(T0 + 4764);
    root.observation_type = ObservationType::Agent;
    root.name = Some("support-agent");
    root.user_id = Some("user_8812");
    root.session_id = Some("sess_2026-08-12_a91");
    root.environment = Some("production");
    root.release = Some("2026.08.3");
    root.version = Some("v14");
    root.tags = &tags;
    root.metadata = &meta;
    root.is_root = Some(true);

    let mut generation = ObservationRow::new("8c41d2e07a9b3f55", TRACE, T0 + 81);
    generation.parent_observation_id = Some("5d0b8f3e1c7a9e24");
    generation.end_time_ms = Some(T0 + 2513);
    generation.completion_start_time_ms = Some(T0 + 792);
    generation.observation_type = ObservationType::Generation;
    generation.name = Some("chat-completion");
    generation.model = Some("gpt-4o");
    generation.usage = &usage;
    generation.cost = &cost;
    generation.environment = Some("production");

    let mut tool = ObservationRow::new("a17e5b9c2d4f6081", TRACE, T0 + 2582);
    tool.parent_observation_id = Some("5d0b8f3e1c7a9e24");
    tool.end_time_ms = Some(T0 + 4670);
    tool.observation_type = ObservationType::Tool;
    tool.name = Some("lookup_order");
    tool.level = Level::Warning;
    tool.status_message = Some("carrier API slow (retry 1)");
    tool.environment = Some("production");

    // Children before their parent, as v2 pages (start time descending) deliver them.
    store.upsert(&tool);
    store.upsert(&generation);
    store.upsert(&root);
    store
}

#[test]
fn overview_matches_hand_computed_figures() {
    let store = example_store();
    let o = overview(&store, &Filter::default());
    let s = &o.stats;
    assert_eq!(s.observations, 3);
    assert_eq!(s.traces, 1);
    assert_eq!((s.errors, s.warnings), (0, 1));
    assert_eq!(s.error_rate, Some(0.0));
    assert!((s.cost_usd - 0.00635).abs() <= 1e-9 * 0.00635);
    assert_eq!(s.tokens.input, 1180 + 1024);
    assert_eq!(s.tokens.output, 212);
    assert_eq!(s.tokens.cached, 1024);
    assert_eq!(s.tokens.total, 2416);
    let trace_latency = s.trace_latency_ms.as_ref().unwrap();
    assert_eq!(trace_latency.max, 4764);
    assert_eq!(trace_latency.p50, 4764);
    let lat = s.latency_ms.as_ref().unwrap();
    assert_eq!(lat.count, 3);
    assert_eq!(lat.max, 4764);
    assert_eq!(lat.p50, 2432); // sorted 2088, 2432, 4764 → rank ceil(1.5) = 2
    assert_eq!(s.ttft_ms.as_ref().unwrap().p50, 711);
    // 212 output tokens over 2.432 s.
    assert!((s.output_tokens_per_second.unwrap() - 212.0 / 2.432).abs() < 1e-9);
    assert_eq!(o.first_start_ms, Some(T0));
}

#[test]
fn trace_level_dimensions_come_from_the_root() {
    let store = example_store();
    let by_user = group_by(&store, &Filter::default(), &Dimension::User);
    assert_eq!(by_user.len(), 1);
    assert_eq!(by_user[0].key.as_deref(), Some("user_8812"));
    assert_eq!(by_user[0].stats.observations, 3);
    let by_service = group_by(&store, &Filter::default(), &Dimension::Service);
    assert_eq!(by_service[0].key.as_deref(), Some("support-agent"));
    let by_tag = group_by(&store, &Filter::default(), &Dimension::Tag);
    let tags: Vec<_> = by_tag
        .iter()
        .map(|g| (g.key.clone().unwrap(), g.stats.observations))
        .collect();
    assert_eq!(
        tags,
        vec![("support".to_owned(), 3), ("tier-1".to_owned(), 3)]
    );
    let by_model = group_by(&store, &Filter::default(), &Dimension::Model);
    assert_eq!(by_model[0].key, None);
    assert_eq!(by_model[0].stats.observations, 2);
    assert_eq!(by_model[1].key.as_deref(), Some("gpt-4o"));
    assert_eq!(by_model[1].stats.traces, 1);
    assert_eq!(
        by_model[1].stats.trace_latency_ms.as_ref().unwrap().max,
        4764
    );
    let by_meta = group_by(
        &store,
        &Filter::default(),
        &Dimension::Metadata("channel".into()),
    );
    assert_eq!(
        by_meta
            .iter()
            .find(|g| g.key.as_deref() == Some("web"))
            .unwrap()
            .stats
            .observations,
        1
    );
}
