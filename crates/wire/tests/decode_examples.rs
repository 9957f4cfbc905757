//! Every file of spec/langfuse/examples decoded, with figures checked by hand against the files.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "decode_support.rs"]
mod support;

use base64::Engine as _;
use loupe_core::{Level, ObservationType};
use loupe_wire::decode;
use support::{Row, example, ms};

fn v2_rows() -> (Vec<Row>, decode::PageSummary) {
    let body = example("observations-v2-page.json");
    let mut rows = Vec::new();
    let summary = decode::observations_page(&body, 1, |r| rows.push(Row::of(r))).unwrap();
    (rows, summary)
}

#[test]
fn v2_page_generation_usage_and_cost() {
    let (rows, summary) = v2_rows();
    assert_eq!(summary.rows, 2);
    assert!(summary.skipped.is_empty());
    let generation = &rows[1];
    assert_eq!(generation.id, "8c41d2e07a9b3f55");
    assert_eq!(generation.observation_type, ObservationType::Generation);
    assert_eq!(generation.model.as_deref(), Some("gpt-4o"));
    assert_eq!(
        generation.model_id.as_deref(),
        Some("b9854a5c92dc496b997d99d20")
    );
    assert_eq!(
        generation.usage,
        vec![
            ("input".into(), 1180),
            ("input_cached_tokens".into(), 1024),
            ("output".into(), 212),
            ("total".into(), 2416)
        ]
    );
    assert_eq!(generation.cost("input"), Some(0.00295));
    assert_eq!(generation.cost("input_cached_tokens"), Some(0.00128));
    assert_eq!(generation.cost("output"), Some(0.00212));
    assert_eq!(generation.cost("total"), Some(0.00635));
    // 1180 × 0.0000025 + 1024 × 0.00000125 + 212 × 0.00001 = 0.00635 (API.md §14).
    let parts: f64 = ["input", "input_cached_tokens", "output"]
        .iter()
        .map(|k| generation.cost(k).unwrap())
        .sum();
    assert!((parts - 0.00635).abs() < 1e-12);
    assert_eq!(generation.start_time_ms, ms("2026-08-12T09:14:03.201Z"));
    assert_eq!(generation.end_time_ms, Some(ms("2026-08-12T09:14:05.633Z")));
    // timeToFirstToken 0.711 s on the wire = completionStartTime − startTime.
    assert_eq!(
        generation.completion_start_time_ms.unwrap() - generation.start_time_ms,
        711
    );
    assert_eq!(
        generation.end_time_ms.unwrap() - generation.start_time_ms,
        2432
    );
    assert_eq!(
        generation.model_parameters,
        vec![
            ("temperature".into(), "0.2".into()),
            ("max_tokens".into(), "1024".into())
        ]
    );
    // `statusMessage: ""` is missing, not an empty message.
    assert_eq!(generation.status_message, None);
    assert_eq!(generation.level, Level::Default);
}

#[test]
fn v2_page_tool_row_and_empty_strings() {
    let (rows, _) = v2_rows();
    let tool = &rows[0];
    assert_eq!(tool.id, "a17e5b9c2d4f6081");
    assert_eq!(
        tool.trace_id.as_deref(),
        Some("3f1c9e2a7b5d4c8e9a0b1c2d3e4f5a6b")
    );
    assert_eq!(
        tool.parent_observation_id.as_deref(),
        Some("5d0b8f3e1c7a9e24")
    );
    assert_eq!(tool.observation_type, ObservationType::Tool);
    assert_eq!(tool.level, Level::Warning);
    assert_eq!(
        tool.status_message.as_deref(),
        Some("carrier API slow (retry 1)")
    );
    assert_eq!(tool.model, None, "`model: \"\"` is missing");
    assert_eq!(
        tool.model_id, None,
        "`internalModelId: \"\"` and `modelId: null` are missing"
    );
    assert!(tool.usage.is_empty() && tool.cost.is_empty());
    assert_eq!(tool.user_id.as_deref(), Some("user_8812"));
    assert_eq!(tool.session_id.as_deref(), Some("sess_2026-08-12_a91"));
    assert_eq!(tool.environment.as_deref(), Some("production"));
    assert_eq!(tool.version.as_deref(), Some("v14"));
    assert_eq!(tool.is_root, Some(false));
    assert_eq!(tool.end_time_ms.unwrap() - tool.start_time_ms, 2088);
    // No trace_context group was requested.
    assert_eq!(tool.trace_name, None);
    assert!(tool.tags.is_empty());
}

#[test]
fn v2_page_cursor_decodes_to_the_last_row() {
    let (rows, summary) = v2_rows();
    let cursor = summary.cursor.expect("first page has a cursor");
    let json = base64::engine::general_purpose::STANDARD
        .decode(cursor)
        .unwrap();
    let json = String::from_utf8(json).unwrap();
    let last = rows.last().unwrap();
    let expected = format!(
        r#"{{"lastStartTimeTo":"2026-08-12T09:14:03.201Z","lastTraceId":"{}","lastId":"{}"}}"#,
        last.trace_id.as_deref().unwrap(),
        last.id
    );
    assert_eq!(json, expected);
    assert_eq!(ms("2026-08-12T09:14:03.201Z"), last.start_time_ms);
}

#[test]
fn v2_page_through_observations_any_is_identical() {
    let (rows, summary) = v2_rows();
    let body = example("observations-v2-page.json");
    let mut again = Vec::new();
    let any = decode::observations_any(&body, |r| again.push(Row::of(r))).unwrap();
    assert_eq!(again, rows);
    assert_eq!(any.cursor, summary.cursor);
}

#[test]
fn trace_detail_observations_scores_and_context() {
    let body = example("trace-detail.json");
    let mut rows = Vec::new();
    let mut scores = Vec::new();
    let (trace, summary) = decode::legacy_trace_detail(
        &body,
        |r| rows.push(Row::of(r)),
        |s| {
            scores.push((
                s.id.to_owned(),
                s.name.to_owned(),
                format!("{:?}", s.value),
                s.trace_id.map(str::to_owned),
                s.subject,
            ))
        },
    )
    .unwrap();
    assert_eq!(trace.id, "3f1c9e2a7b5d4c8e9a0b1c2d3e4f5a6b");
    assert_eq!(trace.name.as_deref(), Some("support-agent"));
    assert_eq!(trace.tags, ["support", "tier-1"]);
    assert_eq!(trace.release.as_deref(), Some("2026.08.3"));
    assert_eq!(trace.timestamp_ms, Some(ms("2026-08-12T09:14:03.120Z")));
    assert_eq!(summary.rows, 4, "three observations and one score");
    assert!(summary.skipped.is_empty());
    let ids: Vec<_> = rows.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        ["8c41d2e07a9b3f55", "a17e5b9c2d4f6081", "5d0b8f3e1c7a9e24"]
    );
    // Every observation carries the trace context v1 rows lack.
    for r in &rows {
        assert_eq!(r.trace_name.as_deref(), Some("support-agent"));
        assert_eq!(r.user_id.as_deref(), Some("user_8812"));
        assert_eq!(r.session_id.as_deref(), Some("sess_2026-08-12_a91"));
        assert_eq!(r.tags, ["support", "tier-1"]);
    }
    let generation = &rows[0];
    assert_eq!(generation.usage("input"), Some(1180));
    assert_eq!(generation.usage("total"), Some(2416));
    assert_eq!(generation.cost("total"), Some(0.00635));
    assert_eq!(generation.status_message, None);
    let agent = &rows[2];
    assert_eq!(agent.observation_type, ObservationType::Agent);
    assert_eq!(agent.parent_observation_id, None);
    // Trace latency = 09:14:07.884 − 09:14:03.120 = 4.764 s (API.md §14).
    let start = rows.iter().map(|r| r.start_time_ms).min().unwrap();
    let end = rows.iter().filter_map(|r| r.end_time_ms).max().unwrap();
    assert_eq!(end - start, 4764);
    // Metadata: scalars as text, nested as JSON text (OTel resourceAttributes kept for the engine to strip).
    assert_eq!(rows[1].meta("carrier"), Some("dhl"));
    assert_eq!(agent.meta("channel"), Some("web"));
    let resource: serde_json::Value =
        serde_json::from_str(agent.meta("resourceAttributes").unwrap()).unwrap();
    assert_eq!(resource["service.name"], "support-bot");
    assert_eq!(scores.len(), 1);
    let (id, name, value, trace_id, subject) = &scores[0];
    assert_eq!(
        (id.as_str(), name.as_str()),
        ("b6e2f1d4-7a3c-4e58-9f10-2c8d4a6b1e37", "helpfulness")
    );
    assert_eq!(value, "Numeric(0.9)");
    assert_eq!(
        trace_id.as_deref(),
        Some("3f1c9e2a7b5d4c8e9a0b1c2d3e4f5a6b")
    );
    assert_eq!(*subject, loupe_core::score::ScoreSubject::Trace);
}

#[test]
fn traces_list_contexts_and_meta() {
    let (traces, meta) = decode::legacy_traces_page(&example("traces-list.json")).unwrap();
    assert_eq!(traces.len(), 2);
    assert_eq!(traces[0].user_id.as_deref(), Some("user_8812"));
    assert_eq!(traces[1].id, "9b7d1e4f20c34a6e8f5d2b1a0c9e7f38");
    assert_eq!(traces[1].name.as_deref(), Some("classify-ticket"));
    assert_eq!(
        (traces[1].user_id.as_deref(), traces[1].release.as_deref()),
        (None, None)
    );
    assert!(traces[1].tags.is_empty());
    assert_eq!(traces[1].timestamp_ms, Some(ms("2026-08-12T09:13:41.007Z")));
    assert_eq!(
        (meta.page, meta.limit, meta.total_items, meta.total_pages),
        (Some(1), Some(2), Some(1843), Some(922))
    );
}

#[test]
fn sessions_list() {
    let (sessions, meta) = decode::legacy_sessions_page(&example("sessions-list.json")).unwrap();
    let ids: Vec<_> = sessions.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["sess_2026-08-12_a91", "sess_2026-08-12_a77"]);
    assert_eq!(
        sessions[1].created_at_ms,
        Some(ms("2026-08-12T08:57:31.066Z"))
    );
    assert_eq!(sessions[0].environment, "production");
    assert_eq!((meta.total_items, meta.total_pages), (Some(311), Some(156)));
}

#[test]
fn models_list_prices_tiers_and_conditions() {
    use loupe_core::pricing::{AttributeSource, TierCondition};
    let (models, meta) = decode::models_page(&example("models-list.json")).unwrap();
    assert_eq!((meta.page, meta.total_pages), (Some(41), Some(84)));
    assert_eq!(models.len(), 2);
    let project = &models[0];
    assert!(!project.is_langfuse_managed);
    assert_eq!(project.start_date_ms, Some(ms("2026-07-01T00:00:00.000Z")));
    assert_eq!(
        project.prices,
        vec![("input".into(), 0.000002), ("output".into(), 0.000008)]
    );
    let managed = &models[1];
    assert_eq!(managed.model_name, "gpt-4o");
    assert_eq!(managed.match_pattern, "(?i)^(openai/)?(gpt-4o)$");
    assert!(managed.is_langfuse_managed);
    assert_eq!(managed.start_date_ms, None);
    assert_eq!(managed.unit.as_deref(), Some("TOKENS"));
    assert_eq!(managed.prices.len(), 5);
    assert!(
        managed
            .prices
            .contains(&("input_cached_tokens".into(), 0.00000125))
    );
    assert_eq!(managed.tiers.len(), 2);
    assert!(managed.tiers[0].is_default && managed.tiers[0].conditions.is_empty());
    let fast = &managed.tiers[1];
    assert_eq!((fast.name.as_str(), fast.priority), ("Fast mode", 1));
    assert!(fast.prices.contains(&("input".into(), 0.00000425)));
    assert_eq!(
        fast.conditions,
        vec![TierCondition::Attribute {
            source: AttributeSource::ModelParameters,
            key: "service_tier".into(),
            values: vec!["fast".into(), "priority".into()],
        }]
    );
}

#[test]
fn metrics_rows_dimensions_and_measures() {
    let rows = decode::metrics_rows(&example("metrics-v2.json")).unwrap();
    assert_eq!(rows.len(), 4);
    let r = &rows[0];
    assert_eq!(r.dimension("providedModelName"), Some("gpt-4o"));
    assert_eq!(r.time_dimension.as_deref(), Some("2026-08-10"));
    assert_eq!(r.time_ms, Some(ms("2026-08-10T00:00:00.000Z")));
    assert_eq!(r.number("count_count"), Some(388.0));
    assert_eq!(r.number("sum_totalCost"), Some(2.40517));
    assert_eq!(r.number("p95_latency"), Some(3912.65));
    assert_eq!(r.number("sum_totalTokens"), Some(951_204.0));
    let keys: Vec<(&str, &str)> = r
        .metrics
        .iter()
        .map(|m| (m.aggregation.as_str(), m.measure.as_str()))
        .collect();
    assert_eq!(
        keys,
        [
            ("count", "count"),
            ("p95", "latency"),
            ("sum", "totalCost"),
            ("sum", "totalTokens")
        ]
    );
    let total: f64 = rows.iter().filter_map(|r| r.number("count_count")).sum();
    assert_eq!(total, 388.0 + 1204.0 + 412.0 + 1311.0);
}

#[test]
fn v2_page_as_full_records() {
    let (records, summary) =
        decode::observation_records(&example("observations-v2-page.json"), 1).unwrap();
    let (rows, _) = v2_rows();
    assert_eq!(records.len(), 2);
    assert_eq!(summary.cursor, v2_rows().1.cursor);
    let generation = &records[1];
    // The engine fields are those of the row decoder.
    assert_eq!(generation.id, rows[1].id);
    assert_eq!(generation.usage, rows[1].usage);
    assert_eq!(generation.cost, rows[1].cost);
    assert_eq!(
        generation.observation_type,
        Some(ObservationType::Generation)
    );
    // Prices arrive as decimal strings; Langfuse's own latency figures in seconds.
    assert_eq!(generation.input_price_usd, Some(0.0000025));
    assert_eq!(generation.output_price_usd, Some(0.00001));
    assert_eq!(generation.total_price_usd, None);
    assert_eq!(generation.total_cost_usd, Some(0.00635));
    assert_eq!(generation.latency_seconds, Some(2.432));
    assert_eq!(generation.time_to_first_token_seconds, Some(0.711));
    assert_eq!(
        generation.usage_pricing_tier_name.as_deref(),
        Some("Standard")
    );
    assert_eq!(
        generation.project_id.as_deref(),
        Some("cm3k9x2pq0001ab8d7f3e2c1z")
    );
    assert_eq!(
        generation.created_at_ms,
        Some(ms("2026-08-12T09:14:05.870Z"))
    );
    assert_eq!(
        (generation.bookmarked, generation.public),
        (Some(false), Some(false))
    );
    assert_eq!(records[0].total_cost_usd, Some(0.0));
    assert_eq!(records[0].input, None, "no io group requested");
}
