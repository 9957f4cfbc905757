#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `/api/public/v3/scores` and `/api/public/models`.

mod common;

use std::collections::HashSet;

use common::{enc, get, start};
use loupe_emulator::EmulatorConfig;
use serde_json::Value;

async fn all_scores(addr: std::net::SocketAddr, query: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut target = format!("/api/public/v3/scores?limit=100{query}");
    loop {
        let resp = get(addr, &target).await;
        assert_eq!(resp.status, 200, "{}", resp.body);
        let v = resp.json();
        assert_eq!(v["meta"]["limit"], 100);
        out.extend(v["data"].as_array().unwrap().iter().cloned());
        match v["meta"].get("cursor").and_then(Value::as_str) {
            Some(c) => target = format!("/api/public/v3/scores?limit=100{query}&cursor={}", enc(c)),
            None => return out,
        }
    }
}

#[tokio::test]
async fn scores_page_completely_and_filter() {
    let server = start(EmulatorConfig::default(), 5000).await;
    let addr = server.addr();
    let all = all_scores(addr, "&fields=subject,details").await;
    assert_eq!(all.len(), server.dataset().score_count());
    let ids: HashSet<&str> = all.iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), all.len());
    for pair in all.windows(2) {
        let k = |s: &Value| {
            (
                s["timestamp"].as_str().unwrap().to_string(),
                s["id"].as_str().unwrap().to_string(),
            )
        };
        assert!(k(&pair[0]) > k(&pair[1]));
    }
    let helpful = all_scores(addr, "&name=helpfulness").await;
    assert_eq!(
        helpful.len(),
        all.iter().filter(|s| s["name"] == "helpfulness").count()
    );
    assert!(
        helpful[0].get("subject").is_none(),
        "core fields only without `fields`"
    );
    let high = all_scores(addr, "&dataType=NUMERIC&valueMin=0.9&name=helpfulness").await;
    assert!(high.iter().all(|s| s["value"].as_f64().unwrap() >= 0.9));
    assert_eq!(
        high.len(),
        all.iter()
            .filter(|s| s["name"] == "helpfulness" && s["value"].as_f64().unwrap() >= 0.9)
            .count()
    );
    let trace = all
        .iter()
        .find(|s| s["subject"]["kind"] == "observation")
        .unwrap()["subject"]["traceId"]
        .as_str()
        .unwrap()
        .to_string();
    let of_trace = all_scores(addr, &format!("&traceId={trace}&fields=subject")).await;
    assert!(!of_trace.is_empty());
    assert!(
        of_trace
            .iter()
            .all(|s| s["subject"]["id"] == trace.as_str()
                || s["subject"]["traceId"] == trace.as_str())
    );
    let bad = get(addr, "/api/public/v3/scores?observationId=abc").await;
    assert_eq!(bad.status, 400);
    let bad = get(addr, "/api/public/v3/scores?fields=everything").await;
    assert_eq!(bad.status, 400);
    server.shutdown().await;
}

#[tokio::test]
async fn models_page_like_langfuse() {
    let server = start(EmulatorConfig::default(), 5000).await;
    let addr = server.addr();
    let first = get(addr, "/api/public/models?limit=5").await.json();
    let total = first["meta"]["totalItems"].as_u64().unwrap();
    assert_eq!(first["meta"]["page"], 1);
    assert_eq!(
        first["meta"]["totalPages"].as_u64().unwrap(),
        total.div_ceil(5)
    );
    let mut names = Vec::new();
    for page in 1..=total.div_ceil(5) {
        let v = get(addr, &format!("/api/public/models?limit=5&page={page}"))
            .await
            .json();
        names.extend(
            v["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["id"].as_str().unwrap().to_string()),
        );
    }
    assert_eq!(names.len() as u64, total);
    let past = get(addr, "/api/public/models?limit=5&page=99").await.json();
    assert_eq!(past["data"].as_array().unwrap().len(), 0);
    let default = get(addr, "/api/public/models").await.json();
    assert_eq!(default["meta"]["limit"], 50);
    let one = get(addr, &format!("/api/public/models/{}", names[0]))
        .await
        .json();
    assert_eq!(one["id"], names[0].as_str());
    let missing = get(addr, "/api/public/models/nope").await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["message"], "No model with this id found.");
    server.shutdown().await;
}
