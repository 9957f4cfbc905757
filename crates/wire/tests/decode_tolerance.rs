//! Tolerant decoding: what Langfuse (and other writers) really send, bad rows skipped and reported while the
//! rest of the page is kept, and page-level errors with clear reasons.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "decode_support.rs"]
mod support;

use loupe_core::{Level, ObservationType};
use loupe_wire::decode::{self, DecodeError, PageSummary};
use support::{Row, ms};

fn page(rows: &[&str]) -> String {
    format!(r#"{{"data":[{}],"meta":{{}}}}"#, rows.join(","))
}

fn decode_page(body: &str) -> (Vec<Row>, PageSummary) {
    let mut rows = Vec::new();
    let summary = decode::observations_page(body.as_bytes(), 7, |r| rows.push(Row::of(r))).unwrap();
    (rows, summary)
}

fn obs(id: &str, extra: &str) -> String {
    let sep = if extra.is_empty() { "" } else { "," };
    format!(r#"{{"id":"{id}","traceId":"t1","startTime":"2026-08-12T09:14:03.120Z"{sep}{extra}}}"#)
}

#[test]
fn bad_rows_are_skipped_and_reported_with_page_row_and_field() {
    let body = page(&[
        &obs("a", ""),
        &obs("b", r#""endTime":"yesterday""#),
        &obs("c", r#""usageDetails":{"input":-5}"#),
        r#"{"traceId":"t1","startTime":"2026-08-12T09:14:03.120Z"}"#,
        &obs("e", r#""costDetails":{"total":"lots"}"#),
        r#"{"id":"f","traceId":"t1"}"#,
        "42",
        &obs("h", r#""startTime":{"nested":true}"#),
        &obs("i", r#""tags":["x",{"y":1}]"#),
        &obs("j", r#""usageDetails":"many""#),
        &obs("k", ""),
    ]);
    let (rows, summary) = decode_page(&body);
    let ids: Vec<_> = rows.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["a", "k"]);
    assert_eq!(summary.rows, 2);
    let got: Vec<(u32, u32, &str)> = summary
        .skipped
        .iter()
        .map(|i| (i.page, i.row, i.field.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (7, 1, "endTime"),
            (7, 2, "usageDetails.input"),
            (7, 3, "id"),
            (7, 4, "costDetails.total"),
            (7, 5, "startTime"),
            (7, 6, ""),
            (7, 7, "startTime"),
            (7, 8, "tags"),
            (7, 9, "usageDetails"),
        ]
    );
    assert!(
        summary.skipped[0].reason.contains("not a timestamp"),
        "{}",
        summary.skipped[0].reason
    );
    assert!(
        summary.skipped[1].reason.contains("negative"),
        "{}",
        summary.skipped[1].reason
    );
    assert_eq!(summary.skipped[2].reason, "missing");
    assert!(
        summary.skipped[6].reason.contains("found an object"),
        "{}",
        summary.skipped[6].reason
    );
    assert!(
        summary.skipped[5].reason.contains("found a number"),
        "{}",
        summary.skipped[5].reason
    );
}

#[test]
fn empty_strings_are_missing_and_unknown_enums_keep_their_text() {
    let body = page(&[&obs(
        "a",
        r#""type":"RERANKER","level":"FATAL","name":"","userId":"","sessionId":"","version":"","statusMessage":"",
           "model":"","internalModelId":"","promptName":"","release":"","environment":"","parentObservationId":"",
           "endTime":"","completionStartTime":"","promptVersion":"""#,
    )]);
    let (rows, summary) = decode_page(&body);
    assert!(summary.skipped.is_empty(), "{:?}", summary.skipped);
    let r = &rows[0];
    assert_eq!(
        (r.observation_type, r.observation_type_text.as_deref()),
        (ObservationType::Other, Some("RERANKER"))
    );
    assert_eq!(
        (r.level, r.level_text.as_deref()),
        (Level::Other, Some("FATAL"))
    );
    for v in [
        &r.name,
        &r.user_id,
        &r.session_id,
        &r.version,
        &r.status_message,
        &r.model,
        &r.model_id,
    ] {
        assert_eq!(*v, None);
    }
    assert_eq!(
        (
            r.prompt_name.as_deref(),
            r.release.as_deref(),
            r.environment.as_deref()
        ),
        (None, None, None)
    );
    assert_eq!(
        (
            r.parent_observation_id.as_deref(),
            r.end_time_ms,
            r.completion_start_time_ms
        ),
        (None, None, None)
    );
    assert_eq!(r.prompt_version, None);
}

#[test]
fn missing_field_groups_leave_defaults() {
    // `core` only: no basic, time, usage or trace_context keys.
    let body = page(&[
        r#"{"id":"a","traceId":null,"startTime":"2026-08-12T09:14:03.120Z","endTime":null,
        "projectId":"p","parentObservationId":null,"type":"SPAN","modelId":null,"inputPrice":null,
        "outputPrice":null,"totalPrice":null,"latency":null,"timeToFirstToken":null}"#,
    ]);
    let (rows, _) = decode_page(&body);
    let r = &rows[0];
    assert_eq!(
        r.trace_id, None,
        "a null traceId is kept as missing, the row is not dropped"
    );
    assert_eq!(r.level, Level::Default);
    assert_eq!(r.is_root, None);
    assert!(r.usage.is_empty() && r.cost.is_empty() && r.tags.is_empty() && r.metadata.is_empty());
}

#[test]
fn numbers_in_every_shape() {
    let body = page(&[&obs(
        "a",
        r#""usageDetails":{"input":1.2e3,"output":"212","total":12.0,"input_cached_tokens":"1.5E+2",
            "big":18446744073709551615,"above_2_53":9007199254740993,"none":null,"blank":""},
           "costDetails":{"input":2.5e-6,"output":"0.0000025","total":1.25E-7,"none":null},
           "promptVersion":3.0"#,
    )]);
    let (rows, summary) = decode_page(&body);
    assert!(summary.skipped.is_empty(), "{:?}", summary.skipped);
    let r = &rows[0];
    assert_eq!(
        r.usage,
        vec![
            ("input".into(), 1200),
            ("output".into(), 212),
            ("total".into(), 12),
            ("input_cached_tokens".into(), 150),
            ("big".into(), u64::MAX),
            ("above_2_53".into(), 9_007_199_254_740_993),
        ]
    );
    assert_eq!(
        r.cost,
        vec![
            ("input".into(), 2.5e-6),
            ("output".into(), 0.0000025),
            ("total".into(), 1.25e-7)
        ]
    );
    assert_eq!(r.prompt_version, Some(3));
}

#[test]
fn metadata_and_model_parameters_keep_any_json_type() {
    let body = page(&[&obs(
        "a",
        r#""metadata":{"tenant":"acme","n":12,"f":-0.5e1,"ok":true,"none":null,"empty":"",
            "nested":{"service.name":"support-bot","list":[1,"two"]},"arr":[ ],"esc":"line\nbreak"},
           "modelParameters":{"temperature":0.2,"service_tier":"priority","stop":["\n"]}"#,
    )]);
    let (rows, summary) = decode_page(&body);
    assert!(summary.skipped.is_empty(), "{:?}", summary.skipped);
    let r = &rows[0];
    assert_eq!(r.meta("tenant"), Some("acme"));
    assert_eq!(r.meta("n"), Some("12"));
    assert_eq!(r.meta("f"), Some("-0.5e1"));
    assert_eq!(r.meta("ok"), Some("true"));
    assert_eq!(r.meta("none"), None);
    assert_eq!(r.meta("empty"), None);
    assert_eq!(
        r.meta("nested"),
        Some(r#"{"service.name":"support-bot","list":[1,"two"]}"#)
    );
    assert_eq!(r.meta("arr"), Some("[ ]"));
    assert_eq!(r.meta("esc"), Some("line\nbreak"));
    let nested: serde_json::Value = serde_json::from_str(r.meta("nested").unwrap()).unwrap();
    assert_eq!(nested["list"][1], "two");
    assert_eq!(
        r.model_parameters,
        vec![
            ("temperature".into(), "0.2".into()),
            ("service_tier".into(), "priority".into()),
            ("stop".into(), r#"["\n"]"#.into())
        ]
    );
}

#[test]
fn string_fields_holding_numbers_or_booleans_keep_their_text() {
    let body = page(&[&obs(
        "a",
        r#""version":14,"name":true,"isRootObservation":"true","tags":["a",7,null,""]"#,
    )]);
    let (rows, _) = decode_page(&body);
    let r = &rows[0];
    assert_eq!(r.version.as_deref(), Some("14"));
    assert_eq!(r.name.as_deref(), Some("true"));
    assert_eq!(r.is_root, Some(true));
    assert_eq!(r.tags, vec!["a".to_owned(), "7".to_owned()]);
}

#[test]
fn unicode_escapes_and_surrogate_pairs() {
    let body = page(&[&obs(
        "\\u0061\\u00e9",
        r#""name":"caf\u00e9 \ud83d\ude80 \u4e2d\u6587","statusMessage":"tab\there \"quoted\" back\\slash",
           "tags":["\ud83c\udff7\ufe0f tag","plain"],"metadata":{"k\u00e9y":"v\u00e0l"},
           "usageDetails":{"input_\u0063ached":5}"#,
    )]);
    let (rows, summary) = decode_page(&body);
    assert!(summary.skipped.is_empty(), "{:?}", summary.skipped);
    let r = &rows[0];
    assert_eq!(r.id, "aé");
    assert_eq!(r.name.as_deref(), Some("café 🚀 中文"));
    assert_eq!(
        r.status_message.as_deref(),
        Some("tab\there \"quoted\" back\\slash")
    );
    assert_eq!(r.tags, vec!["🏷️ tag".to_owned(), "plain".to_owned()]);
    assert_eq!(r.metadata, vec![("kéy".to_owned(), "vàl".to_owned())]);
    assert_eq!(r.usage, vec![("input_cached".to_owned(), 5)]);
}

#[test]
fn timestamps_with_offsets_and_other_precisions() {
    let body = page(&[&obs(
        "a",
        r#""startTime":"2026-08-12T11:14:03.120456+02:00","endTime":"2026-08-12T09:14:04Z",
           "completionStartTime":"2026-08-12T09:14:03.5Z""#,
    )]);
    let (rows, _) = decode_page(&body);
    let r = &rows[0];
    assert_eq!(r.start_time_ms, ms("2026-08-12T09:14:03.120Z"));
    assert_eq!(r.end_time_ms, Some(ms("2026-08-12T09:14:04.000Z")));
    assert_eq!(
        r.completion_start_time_ms,
        Some(ms("2026-08-12T09:14:03.500Z"))
    );
}

#[test]
fn jsonl_splits_on_newline_only_and_reports_bad_lines() {
    let line_sep = "\u{2028}";
    let body = format!(
        "{}\r\n\n   \n{}\n{{\"id\":\"broken\"\n{}\nnot json\n{}",
        obs("a", &format!(r#""name":"with{line_sep}separator""#)),
        obs("b", r#""name":"raw U+2028 escaped \u2028 too""#),
        obs("c", ""),
        obs("d", "")
    );
    let mut rows = Vec::new();
    let summary = decode::observations_any(body.as_bytes(), |r| rows.push(Row::of(r))).unwrap();
    let ids: Vec<_> = rows.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["a", "b", "c", "d"]);
    assert_eq!(rows[0].name.as_deref(), Some("with\u{2028}separator"));
    assert_eq!(
        rows[1].name.as_deref(),
        Some("raw U+2028 escaped \u{2028} too")
    );
    let bad: Vec<u32> = summary.skipped.iter().map(|i| i.row).collect();
    assert_eq!(bad, [4, 6], "zero-based line indexes of the broken lines");
    assert!(
        summary.skipped[0]
            .reason
            .starts_with("line 5: not valid JSON"),
        "{}",
        summary.skipped[0].reason
    );
}

#[test]
fn json_array_and_single_object_files() {
    let array = format!("[{}, {}]", obs("a", ""), obs("b", ""));
    let mut n = 0;
    decode::observations_any(array.as_bytes(), |_| n += 1).unwrap();
    assert_eq!(n, 2);
    let pretty = "{\n  \"id\": \"a\",\n  \"startTime\": \"2026-08-12T09:14:03.120Z\"\n}\n";
    let mut ids = Vec::new();
    decode::observations_any(pretty.as_bytes(), |r| ids.push(r.id.to_owned())).unwrap();
    assert_eq!(ids, ["a"]);
}

#[test]
fn bodies_that_are_not_pages_say_why() {
    let cases: [(&str, &str); 6] = [
        ("", "empty"),
        ("   \n", "empty"),
        (
            r#"{"message":"Invalid credentials. Confirm that you've configured the correct host."}"#,
            "Invalid credentials",
        ),
        ("[1,2]", "an array"),
        (
            r#"{"data":[{"id":"a","startTime":"2026-08-12T09:14:03.120Z"},"#,
            "not valid JSON",
        ),
        ("<html>502 Bad Gateway</html>", "not valid JSON"),
    ];
    for (body, expect) in cases {
        let err = decode::observations_page(body.as_bytes(), 1, |_| {}).unwrap_err();
        assert!(err.to_string().contains(expect), "{body:?}: {err}");
    }
    let truncated = format!(r#"{{"data":[{},{}"#, obs("a", ""), obs("b", ""));
    let mut n = 0;
    let err = decode::observations_page(truncated.as_bytes(), 1, |_| n += 1).unwrap_err();
    assert!(
        matches!(
            err,
            DecodeError::Syntax {
                rows_delivered: 2,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(n, 2);
    let trailing = format!(r#"{{"data":[{}]}} {{"data":[]}}"#, obs("a", ""));
    assert!(matches!(
        decode::observations_page(trailing.as_bytes(), 1, |_| {}),
        Err(DecodeError::Syntax { .. })
    ));
}

#[test]
fn page_keys_in_any_order_with_extra_members() {
    let body = format!(
        r#"{{"_deprecation":{{"message":"x"}},"meta":{{"cursor":"abc"}},"data":[{}]}}"#,
        obs("a", "")
    );
    let (rows, summary) = decode_page(&body);
    assert_eq!(rows.len(), 1);
    assert_eq!(summary.cursor.as_deref(), Some("abc"));
    for meta in [r#"{}"#, r#"{"cursor":null}"#, r#"{"cursor":""}"#] {
        let body = format!(r#"{{"data":[],"meta":{meta}}}"#);
        assert_eq!(decode_page(&body).1.cursor, None, "{meta}");
    }
}

#[test]
fn invalid_utf8_is_replaced_not_fatal() {
    let mut body = page(&[&obs("a", r#""name":"bad ?? bytes""#)]).into_bytes();
    let at = body.windows(2).position(|w| w == b"??").unwrap();
    body[at] = 0xff;
    body[at + 1] = 0xfe;
    let mut names = Vec::new();
    decode::observations_page(&body, 1, |r| names.push(r.name.map(str::to_owned))).unwrap();
    assert_eq!(names, [Some("bad \u{fffd}\u{fffd} bytes".to_owned())]);
}

#[test]
fn legacy_v1_rows_take_trace_context_and_back_compat_fields() {
    let body = r#"{"data":[{"id":"o1","traceId":"t1","startTime":"2026-08-12T09:14:03.120Z","type":"GENERATION",
        "model":"gpt-4o","modelId":"m1","usage":{"unit":"TOKENS","input":10,"output":5,"total":15},
        "calculatedInputCost":0.1,"calculatedOutputCost":0.2,"calculatedTotalCost":0.3,"promptVersion":null},
        {"id":"o2","traceId":"t2","startTime":"2026-08-12T09:14:03.120Z","usageDetails":{"input":1},
        "usage":{"unit":"TOKENS","input":99,"output":0,"total":99},"costDetails":{},"calculatedTotalCost":0}],
        "meta":{"page":1,"limit":50,"totalItems":2,"totalPages":1}}"#;
    let (traces, _) = decode::legacy_traces_page(
        br#"{"data":[{"id":"t1","name":"support-agent","userId":"u","sessionId":"s","release":"r1","tags":["a","b"],
        "timestamp":"2026-08-12T09:14:03.120Z","observations":["o1"]}],"meta":{"page":1,"totalPages":1}}"#,
    )
    .unwrap();
    let mut rows = Vec::new();
    let summary = decode::legacy_observations_page(
        body.as_bytes(),
        1,
        |id| traces.iter().find(|t| t.id == id).map(|t| t.context()),
        |r| rows.push(Row::of(r)),
    )
    .unwrap();
    assert_eq!(summary.rows, 2);
    let (a, b) = (&rows[0], &rows[1]);
    assert_eq!(a.trace_name.as_deref(), Some("support-agent"));
    assert_eq!(
        (
            a.user_id.as_deref(),
            a.session_id.as_deref(),
            a.release.as_deref()
        ),
        (Some("u"), Some("s"), Some("r1"))
    );
    assert_eq!(a.tags, ["a", "b"]);
    assert_eq!(
        a.usage,
        vec![
            ("input".into(), 10),
            ("output".into(), 5),
            ("total".into(), 15)
        ]
    );
    assert_eq!(
        a.cost,
        vec![
            ("input".into(), 0.1),
            ("output".into(), 0.2),
            ("total".into(), 0.3)
        ]
    );
    // usageDetails/costDetails win over the back-compat fields; an unknown trace has no context.
    assert_eq!(b.usage, vec![("input".into(), 1)]);
    assert!(b.cost.is_empty());
    assert_eq!(b.trace_name, None);
    let meta = decode::page_meta(body.as_bytes()).unwrap();
    assert_eq!(
        (meta.page, meta.total_pages, meta.total_items),
        (Some(1), Some(1), Some(2))
    );
}

#[test]
fn rows_with_different_key_orders_decode_alike() {
    // The decoder predicts each row's keys from the previous row; a change of order or of key set must not
    // change what comes out.
    let a = obs(
        "a",
        r#""name":"n","level":"ERROR","usageDetails":{"input":3},"tags":["t"]"#,
    );
    let b = r#"{"tags":["t"],"usageDetails":{"input":3},"level":"ERROR","name":"n","startTime":"2026-08-12T09:14:03.120Z","traceId":"t1","id":"a"}"#;
    let c = r#"{"id":"a","traceId":"t1","startTime" : "2026-08-12T09:14:03.120Z", "name":"n","level":"ERROR","usageDetails":{"input":3},"tags":["t"]}"#;
    let d = r#"{"\u0069d":"a","traceId":"t1","startTime":"2026-08-12T09:14:03.120Z","name":"n","level":"ERROR","usageDetails":{"input":3},"tags":["t"]}"#;
    let (rows, summary) = decode_page(&page(&[&a, b, &a, c, d, &a]));
    assert!(summary.skipped.is_empty(), "{:?}", summary.skipped);
    assert_eq!(rows.len(), 6);
    for r in &rows {
        assert_eq!(r, &rows[0]);
    }
    assert_eq!(rows[0].level, Level::Error);
}

#[test]
fn records_keep_raw_string_and_json_inputs() {
    let body = page(&[
        &obs(
            "a",
            r#""input":"{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}","output":"plain <b>text</b>""#,
        ),
        &obs(
            "b",
            r#""input":{"order_id":"44812"},"output":["a",1],"latency":"1.5e0""#,
        ),
        &obs("c", r#""input":null,"output":"""#),
    ]);
    let (records, summary) = decode::observation_records(body.as_bytes(), 2).unwrap();
    assert!(summary.skipped.is_empty());
    assert_eq!(
        records[0].input.as_deref(),
        Some(r#"{"messages":[{"role":"user","content":"hi"}]}"#)
    );
    assert_eq!(records[0].output.as_deref(), Some("plain <b>text</b>"));
    assert_eq!(records[1].input.as_deref(), Some(r#"{"order_id":"44812"}"#));
    assert_eq!(records[1].output.as_deref(), Some(r#"["a",1]"#));
    assert_eq!(records[1].latency_seconds, Some(1.5));
    assert_eq!(
        (records[2].input.as_deref(), records[2].output.as_deref()),
        (None, None)
    );
    assert_eq!(records[2].observation_type, None, "no `type` key");
}
