//! Scores, projects, health, metrics variants and error bodies, with the shapes API.md documents.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use loupe_core::score::ScoreSubject;
use loupe_core::{ScoreDataType, ScoreValue};
use loupe_wire::decode::{self, DecodeError};
use loupe_wire::wire::MetricValue;

#[derive(Debug, PartialEq)]
struct Score {
    id: String,
    data_type: ScoreDataType,
    value: String,
    subject: ScoreSubject,
    trace_id: Option<String>,
    observation_id: Option<String>,
    session_id: Option<String>,
    source: Option<String>,
}

fn scores(body: &str) -> (Vec<Score>, decode::PageSummary) {
    let mut out = Vec::new();
    let summary = decode::scores_page(body.as_bytes(), 3, |s| {
        out.push(Score {
            id: s.id.to_owned(),
            data_type: s.data_type,
            value: match s.value {
                ScoreValue::Numeric(v) => format!("n:{v}"),
                ScoreValue::Boolean(b) => format!("b:{b}"),
                ScoreValue::Text(t) => format!("t:{t}"),
                ScoreValue::Missing => "missing".into(),
            },
            subject: s.subject,
            trace_id: s.trace_id.map(str::to_owned),
            observation_id: s.observation_id.map(str::to_owned),
            session_id: s.session_id.map(str::to_owned),
            source: s.source.map(str::to_owned),
        })
    })
    .unwrap();
    (out, summary)
}

const BASE: &str = r#""projectId":"p","source":"API","timestamp":"2026-08-12T09:15:09.871Z","environment":"production",
    "createdAt":"2026-08-12T09:15:10.020Z","updatedAt":"2026-08-12T09:15:10.020Z""#;

#[test]
fn v3_scores_by_data_type_and_subject() {
    let body = format!(
        r#"{{"data":[
        {{"id":"s1","name":"helpfulness","dataType":"NUMERIC","value":0.9,{BASE},"subject":{{"kind":"trace","id":"t1"}}}},
        {{"id":"s2","name":"correct","dataType":"BOOLEAN","value":true,{BASE},"subject":{{"kind":"observation","id":"o1","traceId":"t1"}}}},
        {{"id":"s3","name":"topic","dataType":"CATEGORICAL","value":"billing",{BASE},"subject":{{"kind":"session","id":"sess"}}}},
        {{"id":"s4","name":"note","dataType":"TEXT","value":"fine",{BASE},"subject":{{"kind":"experiment","id":"run1"}}}},
        {{"id":"s5","name":"fix","dataType":"CORRECTION","value":"",{BASE},"subject":null}},
        {{"id":"s6","name":"future","dataType":"EMBEDDING_SIMILARITY","value":1e-3,{BASE}}},
        {{"id":"s7","name":"numeric-string","dataType":"NUMERIC","value":"0.25",{BASE}}}
        ],"meta":{{"limit":50,"cursor":"eyJ2IjoxfQ"}}}}"#
    );
    let (rows, summary) = scores(&body);
    assert!(summary.skipped.is_empty(), "{:?}", summary.skipped);
    assert_eq!(summary.cursor.as_deref(), Some("eyJ2IjoxfQ"));
    let values: Vec<&str> = rows.iter().map(|s| s.value.as_str()).collect();
    assert_eq!(
        values,
        [
            "n:0.9",
            "b:true",
            "t:billing",
            "t:fine",
            "missing",
            "n:0.001",
            "n:0.25"
        ]
    );
    assert_eq!(rows[0].subject, ScoreSubject::Trace);
    assert_eq!(rows[0].trace_id.as_deref(), Some("t1"));
    assert_eq!(rows[1].subject, ScoreSubject::Observation);
    assert_eq!(
        (
            rows[1].observation_id.as_deref(),
            rows[1].trace_id.as_deref()
        ),
        (Some("o1"), Some("t1"))
    );
    assert_eq!(
        (rows[2].subject, rows[2].session_id.as_deref()),
        (ScoreSubject::Session, Some("sess"))
    );
    assert_eq!(rows[3].subject, ScoreSubject::Experiment);
    assert_eq!(rows[4].subject, ScoreSubject::Other);
    assert_eq!(rows[5].data_type, ScoreDataType::Other);
    assert_eq!(rows[0].source.as_deref(), Some("API"));
}

#[test]
fn v1_scores_use_top_level_ids_and_string_value() {
    let body = format!(
        r#"{{"data":[
        {{"id":"a","name":"ok","dataType":"BOOLEAN","value":1,"stringValue":"True",{BASE},"traceId":"t","observationId":"o"}},
        {{"id":"b","name":"cat","dataType":"CATEGORICAL","value":2,"stringValue":"refund",{BASE},"traceId":"t"}},
        {{"id":"c","name":"txt","dataType":"TEXT","stringValue":"hello",{BASE},"sessionId":"s"}}
        ],"meta":{{"page":1,"limit":50,"totalItems":3,"totalPages":1}}}}"#
    );
    let (rows, _) = scores(&body);
    assert_eq!(
        (rows[0].value.as_str(), rows[0].subject),
        ("b:true", ScoreSubject::Observation)
    );
    assert_eq!(
        (rows[1].value.as_str(), rows[1].subject),
        ("t:refund", ScoreSubject::Trace)
    );
    assert_eq!(
        (rows[2].value.as_str(), rows[2].subject),
        ("t:hello", ScoreSubject::Session)
    );
}

#[test]
fn bad_score_rows_are_reported() {
    let body = format!(
        r#"{{"data":[{{"id":"a","name":"x","dataType":"NUMERIC","value":1,{BASE}}},
        {{"id":"b","dataType":"NUMERIC","value":1,{BASE}}},
        {{"id":"c","name":"x","value":{{"nested":1}},{BASE}}},
        {{"id":"d","name":"x","timestamp":"not a time"}},
        {{"id":"e","name":"x","dataType":"NUMERIC","value":2,{BASE}}}]}}"#
    );
    let (rows, summary) = scores(&body);
    assert_eq!(
        rows.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
        ["a", "e"]
    );
    let got: Vec<(u32, u32, &str)> = summary
        .skipped
        .iter()
        .map(|i| (i.page, i.row, i.field.as_str()))
        .collect();
    assert_eq!(got, [(3, 1, "name"), (3, 2, "value"), (3, 3, "timestamp")]);
}

#[test]
fn projects_and_health() {
    let projects = decode::projects(
        br#"{"data":[{"id":"cm3k","name":"Support bot","organization":{"id":"org1","name":"Acme"},
        "metadata":{"tier":"pro","n":2},"retentionDays":30}]}"#,
    )
    .unwrap();
    assert_eq!(projects.len(), 1);
    let p = &projects[0];
    assert_eq!(
        (p.id.as_str(), p.name.as_deref()),
        ("cm3k", Some("Support bot"))
    );
    assert_eq!(
        (p.organization_id.as_deref(), p.organization_name.as_deref()),
        (Some("org1"), Some("Acme"))
    );
    assert_eq!(p.retention_days, Some(30));
    assert_eq!(
        p.metadata,
        vec![
            ("n".to_owned(), "2".to_owned()),
            ("tier".to_owned(), "pro".to_owned())
        ]
    );
    let no_retention =
        decode::projects(br#"{"data":[{"id":"x","name":"y","metadata":{},"retentionDays":0}]}"#)
            .unwrap();
    assert_eq!(no_retention[0].retention_days, None);

    let ok = decode::health(br#"{"status":"OK","version":"4.16.0"}"#).unwrap();
    assert!(ok.is_ok());
    assert_eq!(ok.version.as_deref(), Some("4.16.0"));
    let down =
        decode::health(br#"{"status":"Database not available","version":"4.16.0"}"#).unwrap();
    assert!(!down.is_ok());
    assert!(matches!(
        decode::health(b"[]"),
        Err(DecodeError::NotAPage { .. })
    ));
}

#[test]
fn metrics_quoted_numbers_histograms_and_time_buckets() {
    let rows = decode::metrics_rows(
        br#"{"data":[{"time_dimension":"2026-08-12T09:00:00Z","environment":null,"tags":["a","b"],
        "count_count":"18446744073709551615","histogram_latency":[[0,10.5,3],[10.5,21,"4"]],"uniq_userId":7,
        "avg_totalCost":null}]}"#,
    )
    .unwrap();
    let r = &rows[0];
    assert_eq!(
        r.time_ms,
        loupe_wire::decode::timestamp_ms("2026-08-12T09:00:00.000Z")
    );
    assert_eq!(r.dimension("environment"), None);
    assert_eq!(r.dimension("tags"), Some(r#"["a","b"]"#));
    assert_eq!(r.number("count_count"), Some(18_446_744_073_709_551_615.0));
    assert_eq!(r.number("uniq_userId"), Some(7.0));
    assert_eq!(r.metric("avg_totalCost"), Some(&MetricValue::Missing));
    let Some(MetricValue::Histogram(bins)) = r.metric("histogram_latency") else {
        panic!("histogram")
    };
    assert_eq!(bins.len(), 2);
    assert_eq!(
        (bins[1].lower, bins[1].upper, bins[1].height),
        (10.5, 21.0, 4.0)
    );
    assert!(matches!(
        decode::metrics_rows(br#"{"message":"Invalid request data"}"#),
        Err(DecodeError::NotAPage { .. })
    ));
}

#[test]
fn error_bodies_of_every_documented_shape() {
    let rate = decode::error_body(
        br#"{"message":"Rate limit exceeded","code":"rate_limited","details":{"retryAfterSeconds":12,"limit":30,
        "remaining":0,"resetAt":"2026-08-12T09:15:00.000Z"}}"#,
    );
    assert_eq!(rate.message.as_deref(), Some("Rate limit exceeded"));
    assert_eq!(rate.code.as_deref(), Some("rate_limited"));
    assert_eq!(rate.retry_after_seconds, Some(12.0));
    assert_eq!((rate.limit, rate.remaining), (Some(30), Some(0)));
    assert_eq!(
        rate.reset_at_ms,
        loupe_wire::decode::timestamp_ms("2026-08-12T09:15:00.000Z")
    );

    let zod = decode::error_body(
        br#"{"message":"Invalid request data","error":[{"origin":"number","code":"too_big","maximum":100,
        "inclusive":true,"path":["limit"],"message":"Too big: expected number to be <=100"}]}"#,
    );
    assert_eq!(zod.error, None);
    assert_eq!(zod.issues.len(), 1);
    assert_eq!(zod.issues[0].path, ["limit"]);
    assert_eq!(
        zod.describe(),
        "Invalid request data: limit: Too big: expected number to be <=100"
    );

    let typed =
        decode::error_body(br#"{"message":"Invalid cursor format","error":"InvalidRequestError"}"#);
    assert_eq!(typed.error.as_deref(), Some("InvalidRequestError"));
    assert_eq!(typed.describe(), "Invalid cursor format");

    let otel = decode::error_body(br#"{"error":"Invalid content type"}"#);
    assert_eq!(otel.message.as_deref(), Some("Invalid content type"));

    let html = decode::error_body(b"<html><body><h1>502 Bad Gateway</h1>\n<hr>nginx</body></html>");
    assert_eq!(html.message.as_deref(), Some("502 Bad Gateway nginx"));
    assert_eq!(decode::error_body(b"").message, None);
    assert_eq!(
        decode::error_body(b"\xff\xfe garbage").message.as_deref(),
        Some("\u{fffd}\u{fffd} garbage")
    );
    assert_eq!(
        decode::error_body(b"[1,2]").message.as_deref(),
        Some("[1,2]")
    );
}
