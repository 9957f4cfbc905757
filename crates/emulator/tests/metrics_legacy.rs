#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `/api/public/v2/metrics` against figures computed from the rows, and the legacy v1 reads.

mod common;

use std::collections::HashMap;

use common::{BASIC, enc, get, request, start};
use loupe_emulator::EmulatorConfig;
use serde_json::{Value, json};

async fn all_rows(addr: std::net::SocketAddr) -> Vec<Value> {
    let mut rows = Vec::new();
    let base = "/api/public/v2/observations?limit=1000&fields=core,basic,model,usage,metrics";
    let mut target = base.to_string();
    loop {
        let v = get(addr, &target).await.json();
        rows.extend(v["data"].as_array().unwrap().iter().cloned());
        match v["meta"].get("cursor").and_then(Value::as_str) {
            Some(c) => target = format!("{base}&cursor={}", enc(c)),
            None => return rows,
        }
    }
}

async fn metrics(addr: std::net::SocketAddr, query: Value) -> common::Resp {
    get(
        addr,
        &format!("/api/public/v2/metrics?query={}", enc(&query.to_string())),
    )
    .await
}

fn p95(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let pos = 0.95 * (v.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    v[lo] + (v[hi] - v[lo]) * (pos - lo as f64)
}

#[tokio::test]
async fn metrics_match_the_rows_exactly() {
    let server = start(EmulatorConfig::default(), 5000).await;
    let addr = server.addr();
    let rows = all_rows(addr).await;
    let query = json!({
        "view": "observations",
        "dimensions": [{"field": "providedModelName"}],
        "metrics": [{"measure": "count", "aggregation": "count"}, {"measure": "totalCost", "aggregation": "sum"},
                    {"measure": "latency", "aggregation": "p95"}, {"measure": "totalTokens", "aggregation": "sum"}],
        "filters": [{"column": "type", "operator": "=", "value": "GENERATION", "type": "string"}],
        "timeDimension": {"granularity": "day"},
        "fromTimestamp": "2026-11-18T00:00:00.000Z",
        "toTimestamp": "2026-11-27T00:00:00.000Z",
        "orderBy": null
    });
    let resp = metrics(addr, query).await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    let data = resp.json()["data"].as_array().unwrap().clone();
    // (model, day) -> (count, cost, latencies ms, tokens)
    type Figures = (u64, f64, Vec<f64>, u64);
    let mut want: HashMap<(String, String), Figures> = HashMap::new();
    for r in rows.iter().filter(|r| r["type"] == "GENERATION") {
        let day = r["startTime"].as_str().unwrap()[..10].to_string();
        let e = want
            .entry((r["model"].as_str().unwrap().to_string(), day))
            .or_default();
        e.0 += 1;
        e.1 += r["totalCost"].as_f64().unwrap();
        if let Some(l) = r["latency"].as_f64() {
            e.2.push((l * 1000.0).round());
        }
        e.3 += r["totalUsage"].as_u64().unwrap();
    }
    let filled: Vec<&Value> = data.iter().filter(|d| d["count_count"] == 0).collect();
    assert!(
        filled.iter().any(|d| d["time_dimension"] == "2026-11-18"),
        "WITH FILL rows for days before the data"
    );
    let real: Vec<&Value> = data.iter().filter(|d| d["count_count"] != 0).collect();
    assert_eq!(real.len(), want.len());
    for d in real {
        let key = (
            d["providedModelName"].as_str().unwrap().to_string(),
            d["time_dimension"].as_str().unwrap().to_string(),
        );
        let (count, cost, lat, tokens) = want.get(&key).unwrap().clone();
        assert_eq!(d["count_count"].as_u64(), Some(count), "{key:?}");
        assert!(
            (d["sum_totalCost"].as_f64().unwrap() - cost).abs() < 1e-9,
            "{key:?}"
        );
        assert_eq!(d["sum_totalTokens"].as_u64(), Some(tokens));
        assert!(
            (d["p95_latency"].as_f64().unwrap() - p95(lat)).abs() < 1e-6,
            "{key:?}"
        );
    }
    let days: Vec<&str> = data
        .iter()
        .map(|d| d["time_dimension"].as_str().unwrap())
        .collect();
    assert!(days.windows(2).all(|w| w[0] <= w[1]), "ordered by time");

    // Totals without dimensions.
    let resp = metrics(
        addr,
        json!({"view":"observations","metrics":[{"measure":"count","aggregation":"count"}],
        "fromTimestamp":"2026-11-01T00:00:00Z","toTimestamp":"2026-12-01T00:00:00Z"}),
    )
    .await;
    assert_eq!(resp.json(), json!({"data":[{"count_count": rows.len()}]}));

    // High-cardinality dimensions need a row limit and a descending metric order.
    let resp = metrics(addr, json!({"view":"observations","dimensions":[{"field":"traceId"}],
        "metrics":[{"measure":"count","aggregation":"count"}],"fromTimestamp":"2026-11-01T00:00:00Z","toTimestamp":"2026-12-01T00:00:00Z"})).await;
    assert_eq!(resp.status, 400);
    let resp = metrics(addr, json!({"view":"observations","dimensions":[{"field":"traceId"}],
        "metrics":[{"measure":"totalCost","aggregation":"sum"}],"orderBy":[{"field":"sum_totalCost","direction":"desc"}],
        "config":{"row_limit":5},"fromTimestamp":"2026-11-01T00:00:00Z","toTimestamp":"2026-12-01T00:00:00Z"})).await;
    let top = resp.json()["data"].as_array().unwrap().clone();
    assert_eq!(top.len(), 5);
    assert!(
        top.windows(2)
            .all(|w| w[0]["sum_totalCost"].as_f64() >= w[1]["sum_totalCost"].as_f64())
    );
    server.shutdown().await;
}

#[tokio::test]
async fn metrics_budget_per_day_answers_429() {
    let server = start(
        EmulatorConfig {
            metrics_per_day: Some(2),
            ..EmulatorConfig::default()
        },
        5000,
    )
    .await;
    let q = json!({"view":"observations","metrics":[{"measure":"count","aggregation":"count"}],
        "fromTimestamp":"2026-11-01T00:00:00Z","toTimestamp":"2026-12-01T00:00:00Z"});
    let statuses = [
        metrics(server.addr(), q.clone()).await.status,
        metrics(server.addr(), q.clone()).await.status,
        metrics(server.addr(), q.clone()).await.status,
    ];
    assert_eq!(statuses, [200, 200, 429]);
    assert_eq!(
        get(server.addr(), "/api/public/models").await.status,
        200,
        "other resources unaffected"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn legacy_only_serves_v1_and_hides_v4() {
    let server = start(
        EmulatorConfig {
            legacy_only: true,
            ..EmulatorConfig::default()
        },
        5000,
    )
    .await;
    let addr = server.addr();
    let ds = server.dataset().clone();
    let resp = request(
        addr,
        "GET",
        "/api/public/v2/observations",
        &[("Authorization", BASIC), ("Origin", "http://a.test")],
    )
    .await
    .unwrap();
    assert_eq!(resp.status, 404);
    assert_eq!(resp.json()["error"], "LangfuseNotFoundError");
    assert_eq!(
        resp.header("access-control-allow-origin"),
        Some("http://a.test")
    );
    let resp = request(addr, "GET", "/api/public/v2/observations", &[])
        .await
        .unwrap();
    assert_eq!(resp.status, 401, "auth runs first");

    let synthetic = ds.rows().filter(|r| r.is_synthetic_root()).count();
    let v = get(addr, "/api/public/observations?limit=100").await.json();
    assert_eq!(
        v["meta"]["totalItems"].as_u64(),
        Some((ds.len() - synthetic) as u64),
        "no t- rows in v3"
    );
    assert_eq!(
        v["meta"]["totalPages"].as_u64(),
        Some((ds.len() - synthetic).div_ceil(100) as u64)
    );
    let first = &v["data"][0];
    assert_eq!(first["unit"], "TOKENS");
    assert!(first["usage"].is_object());
    let id = first["id"].as_str().unwrap();
    let one = get(addr, &format!("/api/public/observations/{id}"))
        .await
        .json();
    assert_eq!(one["id"], id);
    let gens = get(addr, "/api/public/observations?type=GENERATION&limit=100")
        .await
        .json();
    assert!(
        gens["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["type"] == "GENERATION")
    );
    assert_eq!(
        get(addr, "/api/public/observations?type=NOPE").await.status,
        400
    );

    let traces = get(addr, "/api/public/traces?limit=50").await.json();
    assert_eq!(
        traces["meta"]["totalItems"].as_u64(),
        Some(ds.trace_count() as u64)
    );
    let t0 = &traces["data"][0];
    let stamps: Vec<&str> = traces["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["timestamp"].as_str().unwrap())
        .collect();
    assert!(stamps.windows(2).all(|w| w[0] >= w[1]), "timestamp DESC");
    let trace_id = t0["id"].as_str().unwrap();
    let detail = get(addr, &format!("/api/public/traces/{trace_id}"))
        .await
        .json();
    assert_eq!(
        detail["observations"].as_array().unwrap().len(),
        t0["observations"].as_array().unwrap().len()
    );
    assert!(detail["observations"][0].is_object());
    assert!(
        detail["observations"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| !o["id"].as_str().unwrap().starts_with("t-"))
    );
    let cost: f64 = detail["observations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["calculatedTotalCost"].as_f64().unwrap())
        .sum();
    assert!((detail["totalCost"].as_f64().unwrap() - cost).abs() < 1e-9);
    let lite = get(addr, "/api/public/traces?limit=1&fields=core")
        .await
        .json();
    assert_eq!(lite["data"][0]["latency"], -1);
    assert_eq!(lite["data"][0]["observations"], json!([]));
    assert!(lite["data"][0]["input"].is_null());
    let missing = get(addr, "/api/public/traces/nope").await;
    assert_eq!(
        (missing.status, missing.json()["message"].clone()),
        (404, json!("Trace nope not found within authorized project"))
    );
    let by_env = get(addr, "/api/public/traces?environment=staging&limit=100")
        .await
        .json();
    assert!(
        by_env["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["environment"] == "staging")
    );
    server.shutdown().await;
}
