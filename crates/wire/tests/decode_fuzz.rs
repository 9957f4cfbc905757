//! Property tests: no decoder panics on any input (random bytes, random JSON, mutated valid pages), and on a
//! well-formed page every row is either delivered or reported, never lost.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "decode_support.rs"]
mod support;

use loupe_wire::decode;
use loupe_wire::wire::TraceContextOwned;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// Runs every decoder on `body`; returns nothing, only must not panic.
fn all_decoders(body: &[u8]) {
    let ctx = TraceContextOwned {
        id: "t".into(),
        tags: vec!["x".into()],
        ..TraceContextOwned::default()
    };
    let mut n = 0u64;
    let _ = decode::observations_page(body, 1, |r| n += r.usage.len() as u64 + 1);
    let _ = decode::observations_any(body, |r| n += r.metadata.len() as u64 + 1);
    let _ = decode::observation_records(body, 1);
    let _ = decode::legacy_observations_page(
        body,
        1,
        |_| Some(ctx.context()),
        |r| n += r.tags.len() as u64,
    );
    let _ = decode::legacy_traces_page(body);
    let mut m = 0u64;
    let _ = decode::legacy_trace_detail(body, |_| n += 1, |_| m += 1);
    n += m;
    let _ = decode::legacy_sessions_page(body);
    let _ = decode::scores_page(body, 1, |s| n += s.name.len() as u64);
    let _ = decode::models_page(body);
    let _ = decode::projects(body);
    let _ = decode::health(body);
    let _ = decode::metrics_rows(body);
    let _ = decode::page_meta(body);
    let error = decode::error_body(body);
    let _ = error.describe();
    let _ = decode::timestamp_ms(&String::from_utf8_lossy(body));
    std::hint::black_box(n);
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|v| json!(v)),
        any::<u64>().prop_map(|v| json!(v)),
        any::<f64>()
            .prop_filter("finite", |v| v.is_finite())
            .prop_map(|v| json!(v)),
        ".{0,12}".prop_map(Value::String),
        prop_oneof![
            Just("2026-08-12T09:14:03.120Z"),
            Just("2026-08-12T09:14:03+02:00"),
            Just(""),
            Just("GENERATION"),
            Just("ERROR"),
            Just("1e3"),
            Just("-0.5"),
        ]
        .prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((field_name(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Mostly real Langfuse keys, so random values land on the fields the decoders read.
fn field_name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "id",
            "traceId",
            "startTime",
            "endTime",
            "type",
            "level",
            "name",
            "usageDetails",
            "costDetails",
            "metadata",
            "modelParameters",
            "tags",
            "promptVersion",
            "isRootObservation",
            "completionStartTime",
            "usage",
            "calculatedTotalCost",
            "data",
            "meta",
            "cursor",
            "value",
            "dataType",
            "subject",
            "kind",
            "timestamp",
            "message",
            "error",
            "details",
            "retryAfterSeconds",
            "prices",
            "pricingTiers",
            "conditions",
            "status",
            "observations",
            "scores",
            "count_count",
            "time_dimension",
            "input",
        ])
        .prop_map(str::to_owned),
        "[a-zA-Z_]{1,8}",
    ]
}

/// A valid observation object with every field group.
fn valid_observation(i: usize) -> Value {
    json!({
        "id": format!("obs-{i}"), "traceId": "t", "startTime": "2026-08-12T09:14:03.201Z",
        "endTime": "2026-08-12T09:14:05.633Z", "type": "GENERATION", "name": "chat", "level": "DEFAULT",
        "statusMessage": "", "userId": "u", "sessionId": "s", "isRootObservation": false,
        "completionStartTime": "2026-08-12T09:14:03.912Z", "model": "gpt-4o", "modelId": "m",
        "modelParameters": {"temperature": 0.2}, "usageDetails": {"input": 10, "output": 2, "total": 12},
        "costDetails": {"total": 0.001}, "metadata": {"k": "v", "n": {"x": [1]}}, "tags": ["a"],
        "traceName": "svc", "release": "r", "promptName": "p", "promptVersion": 2, "inputPrice": "0.0000025"
    })
}

fn valid_page(rows: usize) -> Vec<u8> {
    let data: Vec<Value> = (0..rows).map(valid_observation).collect();
    serde_json::to_vec(&json!({"data": data, "meta": {"cursor": "abc"}})).unwrap()
}

#[derive(Clone, Debug)]
enum Mutation {
    Flip(usize, u8),
    Delete(usize, usize),
    Insert(usize, Vec<u8>),
    Truncate(usize),
    Duplicate(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<usize>(), 0usize..40).prop_map(|(i, n)| Mutation::Delete(i, n)),
        (
            any::<usize>(),
            prop::collection::vec(
                prop_oneof![
                    Just(b'{'),
                    Just(b'}'),
                    Just(b'['),
                    Just(b']'),
                    Just(b'"'),
                    Just(b'\\'),
                    Just(b','),
                    Just(b':'),
                    Just(b'\n'),
                    any::<u8>()
                ],
                1..6
            )
        )
            .prop_map(|(i, v)| Mutation::Insert(i, v)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), 1usize..60).prop_map(|(i, n)| Mutation::Duplicate(i, n)),
    ]
}

fn apply(body: &mut Vec<u8>, m: &Mutation) {
    let len = body.len().max(1);
    match *m {
        Mutation::Flip(i, b) => {
            if let Some(x) = body.get_mut(i % len) {
                *x = b;
            }
        }
        Mutation::Delete(i, n) => {
            let start = (i % len).min(body.len());
            let end = (start + n).min(body.len());
            body.drain(start..end);
        }
        Mutation::Insert(i, ref bytes) => {
            let at = (i % len).min(body.len());
            body.splice(at..at, bytes.iter().copied());
        }
        Mutation::Truncate(i) => body.truncate(i % len),
        Mutation::Duplicate(i, n) => {
            let start = (i % len).min(body.len());
            let end = (start + n).min(body.len());
            let copy = body[start..end].to_vec();
            body.splice(end..end, copy);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..600)) {
        all_decoders(&body);
    }

    #[test]
    fn random_json_never_panics(value in json_value()) {
        let text = serde_json::to_vec(&value).unwrap();
        all_decoders(&text);
        let page = serde_json::to_vec(&json!({"data": [value.clone(), value.clone()], "meta": value})).unwrap();
        all_decoders(&page);
    }

    #[test]
    fn mutated_pages_never_panic(mutations in prop::collection::vec(mutation(), 1..5), rows in 1usize..4) {
        let mut body = valid_page(rows);
        for m in &mutations {
            apply(&mut body, m);
        }
        all_decoders(&body);
        for name in ["observations-v2-page.json", "trace-detail.json", "models-list.json", "metrics-v2.json",
                     "traces-list.json", "sessions-list.json"] {
            let mut body = support::example(name);
            for m in &mutations {
                apply(&mut body, m);
            }
            all_decoders(&body);
        }
    }

    /// Replacing any field of valid rows with any JSON value never loses a row silently: every row is either
    /// delivered or reported, and the untouched rows are always delivered.
    #[test]
    fn every_row_is_delivered_or_reported(field in field_name(), value in json_value(), target in 0usize..3) {
        let mut rows: Vec<Value> = (0..3).map(valid_observation).collect();
        rows[target][field.as_str()] = value;
        let body = serde_json::to_vec(&json!({"data": rows})).unwrap();
        let mut ids = Vec::new();
        let summary = decode::observations_page(&body, 9, |r| ids.push(r.id.to_owned())).unwrap();
        prop_assert_eq!(summary.rows as usize + summary.skipped.len(), 3);
        prop_assert_eq!(summary.rows as usize, ids.len());
        for i in (0..3).filter(|&i| i != target) {
            let id = format!("obs-{i}");
            prop_assert!(ids.contains(&id));
        }
        for issue in &summary.skipped {
            prop_assert_eq!(issue.page, 9);
            prop_assert_eq!(issue.row as usize, target);
            prop_assert!(!issue.reason.is_empty());
        }
    }

    /// The fast path (rows shaped like the previous one) decodes exactly as the general path: same rows,
    /// same issues, same errors, on valid rows with any field replaced by any value and on mutated pages.
    #[test]
    fn the_fast_path_decodes_as_the_general_path(
        edits in prop::collection::vec((field_name(), json_value(), 0usize..6), 0..4),
        mutations in prop::collection::vec(mutation(), 0..3),
    ) {
        let mut rows: Vec<Value> = (0..6).map(valid_observation).collect();
        for (field, value, target) in &edits {
            rows[*target][field.as_str()] = value.clone();
        }
        let mut body = serde_json::to_vec(&json!({"data": rows, "meta": {}})).unwrap();
        for m in &mutations {
            apply(&mut body, m);
        }
        let decode_with = |mut decoder: decode::ObservationDecoder| {
            let mut got = Vec::new();
            let result = decoder.page(&body, 3, |r| got.push(support::Row::of(r)));
            (got, result)
        };
        let fast = decode_with(decode::ObservationDecoder::new());
        let general = decode_with(decode::ObservationDecoder::general_only());
        prop_assert_eq!(fast, general);
    }

    /// Usage counts written as any u64 come back exactly, whatever their size.
    #[test]
    fn usage_counts_are_exact(units in any::<u64>(), as_string in any::<bool>(), as_float in any::<bool>()) {
        let text = if as_float { format!("{units}.0") } else { units.to_string() };
        let value = if as_string { format!("\"{text}\"") } else { text };
        let body = format!(
            r#"{{"data":[{{"id":"a","startTime":"2026-08-12T09:14:03.120Z","usageDetails":{{"input":{value}}}}}]}}"#
        );
        let mut got = None;
        decode::observations_page(body.as_bytes(), 1, |r| got = r.usage.first().map(|u| u.1)).unwrap();
        prop_assert_eq!(got, Some(units));
    }
}
