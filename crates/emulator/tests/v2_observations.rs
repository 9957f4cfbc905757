#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `/api/public/v2/observations`: paging order and completeness, filters, field groups.

mod common;

use std::collections::HashSet;

use common::{enc, get, start};
use loupe_emulator::EmulatorConfig;
use serde_json::Value;

/// Follows cursors from `first` until `meta.cursor` is absent; returns all rows.
async fn fetch_all(addr: std::net::SocketAddr, first: &str) -> Vec<Value> {
    let mut rows = Vec::new();
    let mut target = first.to_string();
    for _ in 0..10_000 {
        let resp = get(addr, &target).await;
        assert_eq!(resp.status, 200, "{}", resp.body);
        let v = resp.json();
        rows.extend(v["data"].as_array().unwrap().iter().cloned());
        match v["meta"].get("cursor").and_then(Value::as_str) {
            Some(c) => {
                let sep = if first.contains('?') { '&' } else { '?' };
                target = format!("{first}{sep}cursor={}", enc(c));
            }
            None => {
                assert_eq!(v["meta"], serde_json::json!({}), "meta is {{}} at the end");
                return rows;
            }
        }
    }
    panic!("paging did not end");
}

fn key(r: &Value) -> (String, u32, String) {
    let s = |k: &str| r[k].as_str().unwrap().to_string();
    (
        s("startTime"),
        loupe_synth::xxhash32(s("traceId").as_bytes()),
        s("id"),
    )
}

#[tokio::test]
async fn paging_100k_rows_returns_each_row_once_in_order() {
    let server = start(EmulatorConfig::default(), 100_000).await;
    let rows = fetch_all(
        server.addr(),
        "/api/public/v2/observations?limit=1000&fields=core",
    )
    .await;
    assert_eq!(rows.len(), 100_000);
    let ids: HashSet<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 100_000, "no row twice");
    for pair in rows.windows(2) {
        assert!(
            key(&pair[0]) > key(&pair[1]),
            "{:?} then {:?}",
            key(&pair[0]),
            key(&pair[1])
        );
    }
    server.shutdown().await;
}

#[tokio::test]
async fn filters_select_exactly_the_matching_rows() {
    let server = start(EmulatorConfig::default(), 5000).await;
    let addr = server.addr();
    let all = fetch_all(addr, "/api/public/v2/observations?limit=1000&fields=core,basic,metrics,trace_context,usage,model,metadata").await;
    assert_eq!(all.len(), 5000);
    let ids = |rows: &[Value]| {
        rows.iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let expect = |pred: &dyn Fn(&Value) -> bool| {
        ids(&all.iter().filter(|r| pred(r)).cloned().collect::<Vec<_>>())
    };
    let s = |r: &Value, k: &str| r[k].as_str().unwrap_or("").to_string();
    let base = "/api/public/v2/observations?limit=1000&fields=core";

    let got = fetch_all(addr, &format!("{base}&type=GENERATION")).await;
    assert_eq!(ids(&got), expect(&|r| s(r, "type") == "GENERATION"));
    assert!(!got.is_empty());

    let got = fetch_all(
        addr,
        &format!("{base}&environment=staging&environment=development"),
    )
    .await;
    assert_eq!(ids(&got), expect(&|r| s(r, "environment") != "production"));
    let got = fetch_all(addr, &format!("{base}&environment=staging,development")).await;
    assert_eq!(ids(&got), expect(&|r| s(r, "environment") != "production"));

    let mid = s(&all[2500], "startTime");
    let low = s(&all[4000], "startTime");
    let got = fetch_all(
        addr,
        &format!(
            "{base}&fromStartTime={}&toStartTime={}",
            enc(&low),
            enc(&mid)
        ),
    )
    .await;
    assert_eq!(
        ids(&got),
        expect(&|r| s(r, "startTime") >= low && s(r, "startTime") < mid)
    );

    let trace = s(&all[100], "traceId");
    let got = fetch_all(addr, &format!("{base}&traceId={trace}")).await;
    assert_eq!(ids(&got), expect(&|r| s(r, "traceId") == trace));
    assert!(got.len() > 1);

    let got = fetch_all(addr, &format!("{base}&isRootObservation=true")).await;
    assert_eq!(ids(&got), expect(&|r| r["isRootObservation"] == true));
    let got = fetch_all(addr, &format!("{base}&parentObservationId=")).await;
    assert_eq!(ids(&got), expect(&|r| r["parentObservationId"].is_null()));

    let filter = r#"[{"type":"number","column":"latency","operator":">=","value":5},{"type":"arrayOptions","column":"tags","operator":"any of","value":["beta","gitlab"]},{"type":"stringObject","column":"metadata","key":"region","operator":"=","value":"us-east-1"}]"#;
    let got = fetch_all(addr, &format!("{base}&filter={}", enc(filter))).await;
    let want = expect(&|r| {
        r["latency"].as_f64().is_some_and(|l| l >= 5.0)
            && r["tags"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t == "beta" || t == "gitlab")
            && r["metadata"]["region"] == "us-east-1"
    });
    assert_eq!(ids(&got), want);
    assert!(!want.is_empty());

    // An advanced filter replaces the simple parameter on the same column; others still apply.
    let filter = r#"[{"type":"stringOptions","column":"type","operator":"any of","value":["TOOL","RETRIEVER"]}]"#;
    let got = fetch_all(
        addr,
        &format!(
            "{base}&type=GENERATION&environment=production&filter={}",
            enc(filter)
        ),
    )
    .await;
    assert_eq!(
        ids(&got),
        expect(&|r| matches!(s(r, "type").as_str(), "TOOL" | "RETRIEVER")
            && s(r, "environment") == "production")
    );

    let filter = r#"[{"type":"string","column":"model","operator":"starts with","value":"claude"},{"type":"number","column":"totalCost","operator":">","value":0.01}]"#;
    let got = fetch_all(addr, &format!("{base}&filter={}", enc(filter))).await;
    assert_eq!(
        ids(&got),
        expect(&|r| s(r, "model").starts_with("claude") && r["totalCost"].as_f64().unwrap() > 0.01)
    );

    let filter = r#"[{"type":"string","column":"traceName","operator":"=","value":"rag-qa"},{"type":"string","column":"level","operator":"=","value":"WARNING"}]"#;
    let got = fetch_all(addr, &format!("{base}&filter={}", enc(filter))).await;
    assert_eq!(
        ids(&got),
        expect(&|r| s(r, "traceName") == "rag-qa" && s(r, "level") == "WARNING")
    );
    server.shutdown().await;
}

#[tokio::test]
async fn limits_and_field_groups_behave_like_langfuse() {
    let server = start(EmulatorConfig::default(), 5000).await;
    let addr = server.addr();
    let v = get(addr, "/api/public/v2/observations").await.json();
    assert_eq!(v["data"].as_array().unwrap().len(), 50, "default limit 50");
    let row = &v["data"][0];
    for k in [
        "name",
        "level",
        "userId",
        "isRootObservation",
        "latency",
        "timeToFirstToken",
        "modelId",
        "inputPrice",
    ] {
        assert!(row.get(k).is_some(), "{k} present with default groups");
    }
    for k in [
        "usageDetails",
        "model",
        "traceName",
        "metadata",
        "createdAt",
        "input",
    ] {
        assert!(row.get(k).is_none(), "{k} absent with default groups");
    }
    let v = get(addr, "/api/public/v2/observations?limit=3&fields=bogus")
        .await
        .json();
    let keys: HashSet<&str> = v["data"][0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let want: HashSet<&str> = [
        "id",
        "traceId",
        "startTime",
        "endTime",
        "projectId",
        "parentObservationId",
        "type",
        "latency",
        "timeToFirstToken",
        "modelId",
        "inputPrice",
        "outputPrice",
        "totalPrice",
    ]
    .into_iter()
    .collect();
    assert_eq!(
        keys, want,
        "unknown groups fall back to core; always-present keys stay"
    );
    let v = get(addr, "/api/public/v2/observations?limit=0")
        .await
        .json();
    assert_eq!(v["data"].as_array().unwrap().len(), 0);
    let v = get(
        addr,
        "/api/public/v2/observations?limit=1000&fields=io&type=GENERATION",
    )
    .await
    .json();
    let generation = &v["data"][0];
    assert!(
        generation["input"].as_str().unwrap().starts_with('['),
        "io is the raw stored string"
    );
    server.shutdown().await;
}
