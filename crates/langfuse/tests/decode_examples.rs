//! Every file of shared/langfuse/examples decoded, with figures checked by hand against the files.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "decode_support.rs"]
mod support;

use base64::Engine as _;
use loupe_core::{Level, ObservationType};
use loupe_langfuse::decode;
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
