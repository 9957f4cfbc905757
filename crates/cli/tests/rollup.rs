//! `loupe rollup` run as a binary on the example files and on generated files.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../spec/langfuse/examples")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("loupe-cli-test-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(args: &[&str]) -> (Value, String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_loupe"))
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (json, stderr, out.status.code().unwrap_or(-1))
}

fn f64_at(v: &Value, pointer: &str) -> f64 {
    v.pointer(pointer)
        .and_then(Value::as_f64)
        .unwrap_or_else(|| panic!("{pointer} in {v}"))
}

fn u64_at(v: &Value, pointer: &str) -> u64 {
    v.pointer(pointer)
        .and_then(Value::as_u64)
        .unwrap_or_else(|| panic!("{pointer} in {v}"))
}

#[test]
fn the_v2_example_page_gives_the_hand_computed_figures() {
    let page = examples().join("observations-v2-page.json");
    let (out, stderr, code) = run(&["rollup", "--by", "model", page.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(u64_at(&out, "/overview/observations"), 2);
    assert_eq!(u64_at(&out, "/overview/warnings"), 1);
    // GENERATION: 1180 × 0.0000025 + 1024 × 0.00000125 + 212 × 0.00001 = 0.00635 USD.
    assert!((f64_at(&out, "/overview/cost_usd") - 0.00635).abs() < 1e-12);
    assert_eq!(u64_at(&out, "/overview/tokens/input"), 2204);
    assert_eq!(u64_at(&out, "/overview/tokens/cached"), 1024);
    // Only two rows of the trace on this page: 09:14:03.201 to 09:14:07.790.
    assert_eq!(u64_at(&out, "/overview/trace_latency_ms/max"), 4589);
    assert_eq!(u64_at(&out, "/overview/ttft_ms/p50"), 711);
    let groups = out
        .pointer("/group_by/0/groups")
        .unwrap()
        .as_array()
        .unwrap();
    let gpt = groups.iter().find(|g| g["key"] == "gpt-4o").unwrap();
    assert_eq!(gpt["observations"], 1);
    assert_eq!(gpt["latency_ms"]["p50"], 2432);
}

/// The three observations of `trace-detail.json` as v2 objects, one per line, and one bad line.
const TRACE_JSONL: &str = r#"{"id":"8c41d2e07a9b3f55","traceId":"3f1c9e2a7b5d4c8e9a0b1c2d3e4f5a6b","startTime":"2026-08-12T09:14:03.201Z","endTime":"2026-08-12T09:14:05.633Z","parentObservationId":"5d0b8f3e1c7a9e24","type":"GENERATION","name":"chat-completion","level":"DEFAULT","completionStartTime":"2026-08-12T09:14:03.912Z","model":"gpt-4o","usageDetails":{"input":1180,"input_cached_tokens":1024,"output":212,"total":2416},"costDetails":{"input":0.00295,"input_cached_tokens":0.00128,"output":0.00212,"total":0.00635},"userId":"user_8812","sessionId":"sess_2026-08-12_a91","environment":"production"}
{"id":"a17e5b9c2d4f6081","traceId":"3f1c9e2a7b5d4c8e9a0b1c2d3e4f5a6b","startTime":"2026-08-12T09:14:05.702Z","endTime":"2026-08-12T09:14:07.790Z","parentObservationId":"5d0b8f3e1c7a9e24","type":"TOOL","name":"lookup_order","level":"WARNING","statusMessage":"carrier API slow (retry 1)","userId":"user_8812","sessionId":"sess_2026-08-12_a91","environment":"production"}
{"id":"5d0b8f3e1c7a9e24","traceId":"3f1c9e2a7b5d4c8e9a0b1c2d3e4f5a6b","startTime":"2026-08-12T09:14:03.120Z","endTime":"2026-08-12T09:14:07.884Z","parentObservationId":null,"type":"AGENT","name":"support-agent","level":"DEFAULT","userId":"user_8812","sessionId":"sess_2026-08-12_a91","environment":"production","isRootObservation":true,"traceName":"support-agent","tags":["support","tier-1"],"release":"2026.08.3"}
{"id":"broken","traceId":"3f1c9e2a7b5d4c8e9a0b1c2d3e4f5a6b","startTime":"not a time"}
"#;

#[test]
fn json_lines_give_the_trace_latency_and_report_bad_rows() {
    let dir = scratch("jsonl");
    let file = dir.join("trace.jsonl");
    std::fs::write(&file, TRACE_JSONL).unwrap();
    let (out, stderr, code) = run(&[
        "rollup",
        "--by",
        "service",
        "--by",
        "tag",
        file.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("row 3") && stderr.contains("startTime"),
        "bad row not reported: {stderr}"
    );
    assert_eq!(u64_at(&out, "/files/0/skipped"), 1);
    assert_eq!(u64_at(&out, "/overview/observations"), 3);
    // 09:14:07.884 − 09:14:03.120 = 4.764 s.
    assert_eq!(u64_at(&out, "/overview/trace_latency_ms/max"), 4764);
    assert!((f64_at(&out, "/overview/cost_usd") - 0.00635).abs() < 1e-12);
    assert_eq!(
        out.pointer("/group_by/0/groups/0/key").unwrap(),
        "support-agent"
    );
    let tags: Vec<&str> = out
        .pointer("/group_by/1/groups")
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["key"].as_str().unwrap())
        .collect();
    assert_eq!(tags, ["support", "tier-1"]);
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn json_arrays_are_read_too() {
    let dir = scratch("array");
    let lines: Vec<&str> = TRACE_JSONL.lines().take(3).collect();
    let file = dir.join("trace.json");
    std::fs::write(&file, format!("[{}]", lines.join(","))).unwrap();
    let (out, stderr, code) = run(&["rollup", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(u64_at(&out, "/overview/observations"), 3);
    assert_eq!(u64_at(&out, "/overview/traces"), 1);
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn generated_pages_roll_up_consistently() {
    let config = loupe_synth::SynthConfig {
        observations: 5_000,
        ..loupe_synth::SynthConfig::default()
    };
    let dir = scratch("synth");
    let mut files = Vec::new();
    for (i, page) in loupe_synth::demo_pages(&config, 1000).iter().enumerate() {
        let path = dir.join(format!("page-{i}.json"));
        std::fs::write(&path, page).unwrap();
        files.push(path.to_str().unwrap().to_owned());
    }
    let models = dir.join("models.json");
    std::fs::write(&models, loupe_synth::demo_models_json(&config)).unwrap();

    let mut args: Vec<&str> = vec![
        "rollup",
        "--by",
        "model",
        "--tz",
        "Europe/Berlin",
        "--models",
        models.to_str().unwrap(),
    ];
    args.extend(files.iter().map(String::as_str));
    let (out, stderr, code) = run(&args);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(u64_at(&out, "/observations_loaded"), 5_000);
    let total = u64_at(&out, "/overview/observations");
    assert_eq!(total, 5_000);
    let groups = out
        .pointer("/group_by/0/groups")
        .unwrap()
        .as_array()
        .unwrap();
    assert_eq!(
        groups
            .iter()
            .map(|g| g["observations"].as_u64().unwrap())
            .sum::<u64>(),
        total
    );
    let cost: f64 = groups.iter().map(|g| g["cost_usd"].as_f64().unwrap()).sum();
    assert!((cost - f64_at(&out, "/overview/cost_usd")).abs() <= 1e-9 * cost);
    assert!(
        u64_at(&out, "/overview/estimated_cost_rows") > 0,
        "the models list prices some rows"
    );
    let buckets = out.pointer("/series/buckets").unwrap().as_array().unwrap();
    let in_series: u64 = buckets
        .iter()
        .filter_map(|b| b["stats"]["observations"].as_u64())
        .sum();
    assert_eq!(in_series, total);

    // A time split partitions the observations.
    let mid =
        (u64_at(&out, "/overview/first_start_ms") + u64_at(&out, "/overview/last_start_ms")) / 2;
    let mid = mid.to_string();
    let mut before: Vec<&str> = vec!["rollup", "--to", &mid];
    before.extend(files.iter().map(String::as_str));
    let mut after: Vec<&str> = vec!["rollup", "--from", &mid];
    after.extend(files.iter().map(String::as_str));
    let (a, _, _) = run(&before);
    let (b, _, _) = run(&after);
    assert_eq!(
        u64_at(&a, "/overview/observations") + u64_at(&b, "/overview/observations"),
        total
    );
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn usage_errors_exit_2_and_unreadable_files_exit_1() {
    let page = examples().join("observations-v2-page.json");
    let (_, stderr, code) = run(&["rollup", "--by", "colour", page.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(stderr.contains("unknown dimension"));
    let (out, stderr, code) = run(&["rollup", page.to_str().unwrap(), "/nonexistent/file.json"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        u64_at(&out, "/overview/observations"),
        2,
        "the readable file is still rolled up"
    );
}

#[test]
fn help_defines_every_figure() {
    let out = Command::new(env!("CARGO_BIN_EXE_loupe"))
        .args(["rollup", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for word in [
        "tokens.cached",
        "trace_latency_ms",
        "nearest rank",
        "estimated_cost_rows",
        "23 or 25 hours",
    ] {
        assert!(help.contains(word), "--help lacks {word}");
    }
}
