#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The demo dataset as the app sees it: v2 pages, scores pages and the models list.

use std::collections::{HashMap, HashSet};

use loupe_synth::{
    SynthConfig, base64_standard_decode, base64_url_decode, demo_models_json, demo_pages,
    demo_scores_pages, xxhash32,
};
use serde_json::Value;

fn config(observations: usize) -> SynthConfig {
    SynthConfig {
        observations,
        ..SynthConfig::default()
    }
}

fn rows_of(pages: &[String]) -> Vec<Value> {
    pages
        .iter()
        .flat_map(|p| {
            let v: Value = serde_json::from_str(p).expect("page is JSON");
            v["data"].as_array().unwrap().clone()
        })
        .collect()
}

fn s<'a>(row: &'a Value, key: &str) -> &'a str {
    row[key].as_str().unwrap_or("")
}

#[test]
fn same_config_gives_same_bytes_and_seed_changes_them() {
    let a = demo_pages(&config(3000), 500);
    let b = demo_pages(&config(3000), 500);
    assert_eq!(a, b);
    let c = demo_pages(
        &SynthConfig {
            seed: 7,
            ..config(3000)
        },
        500,
    );
    assert_ne!(a, c);
    assert_eq!(
        demo_scores_pages(&config(3000), 50),
        demo_scores_pages(&config(3000), 50)
    );
}

#[test]
fn exact_row_count_inside_the_time_range() {
    let cfg = config(4321);
    let pages = demo_pages(&cfg, 1000);
    assert_eq!(pages.len(), 5);
    let rows = rows_of(&pages);
    assert_eq!(rows.len(), 4321);
    let from = loupe_synth::json::iso_ms(cfg.end_time_ms - cfg.span_ms);
    let to = loupe_synth::json::iso_ms(cfg.end_time_ms);
    for r in &rows {
        let start = s(r, "startTime");
        assert!(start >= from.as_str() && start < to.as_str(), "{start}");
    }
    let ids: HashSet<&str> = rows.iter().map(|r| s(r, "id")).collect();
    assert_eq!(ids.len(), rows.len(), "ids are unique");
}

#[test]
fn rows_follow_v2_order_and_cursors_point_at_the_last_row() {
    let pages = demo_pages(&config(2500), 700);
    let mut prev: Option<(String, u32, String)> = None;
    for (i, page) in pages.iter().enumerate() {
        let v: Value = serde_json::from_str(page).unwrap();
        let data = v["data"].as_array().unwrap();
        for r in data {
            let key = (
                s(r, "startTime").to_string(),
                xxhash32(s(r, "traceId").as_bytes()),
                s(r, "id").to_string(),
            );
            if let Some(p) = &prev {
                assert!(
                    key < *p,
                    "{key:?} must sort strictly after {p:?} (descending)"
                );
            }
            prev = Some(key);
        }
        let meta = v["meta"].as_object().unwrap();
        if i + 1 == pages.len() {
            assert!(meta.is_empty(), "last page has meta {{}}");
        } else {
            let cursor = meta["cursor"].as_str().unwrap();
            let decoded: Value =
                serde_json::from_slice(&base64_standard_decode(cursor).unwrap()).unwrap();
            let last = data.last().unwrap();
            assert_eq!(decoded["lastStartTimeTo"], last["startTime"]);
            assert_eq!(decoded["lastTraceId"], last["traceId"]);
            assert_eq!(decoded["lastId"], last["id"]);
            assert_eq!(decoded.as_object().unwrap().len(), 3);
        }
    }
}

#[test]
fn demo_rows_carry_exactly_the_keys_of_their_field_groups() {
    let expected: Vec<&str> = vec![
        "id",
        "traceId",
        "startTime",
        "endTime",
        "projectId",
        "parentObservationId",
        "type",
        "name",
        "level",
        "statusMessage",
        "version",
        "environment",
        "completionStartTime",
        "createdAt",
        "updatedAt",
        "metadata",
        "model",
        "internalModelId",
        "modelParameters",
        "usageDetails",
        "inputUsage",
        "outputUsage",
        "totalUsage",
        "costDetails",
        "inputCost",
        "outputCost",
        "totalCost",
        "usagePricingTierId",
        "usagePricingTierName",
        "promptId",
        "promptName",
        "promptVersion",
        "latency",
        "timeToFirstToken",
        "userId",
        "sessionId",
        "isRootObservation",
        "bookmarked",
        "public",
        "traceName",
        "tags",
        "release",
        "modelId",
        "inputPrice",
        "outputPrice",
        "totalPrice",
    ];
    for r in rows_of(&demo_pages(&config(1500), 1000)) {
        let keys: Vec<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
        let mut sorted_keys = keys.clone();
        sorted_keys.sort_unstable();
        let mut sorted_expected = expected.clone();
        sorted_expected.sort_unstable();
        assert_eq!(sorted_keys, sorted_expected);
        for k in [
            "statusMessage",
            "version",
            "userId",
            "sessionId",
            "model",
            "internalModelId",
            "promptId",
            "promptName",
            "release",
        ] {
            assert!(r[k].is_string(), "{k} is a string (\"\" when unset)");
        }
        for k in ["inputPrice", "outputPrice", "totalPrice"] {
            assert!(
                r[k].is_null() || r[k].is_string(),
                "{k} is a decimal string or null"
            );
        }
        assert!(r["totalCost"].is_number());
        assert!(r["traceName"].is_string());
    }
}

#[test]
fn trees_are_valid_and_legacy_traces_have_synthetic_roots() {
    let rows = rows_of(&demo_pages(&config(6000), 1000));
    let by_id: HashMap<&str, &Value> = rows.iter().map(|r| (s(r, "id"), r)).collect();
    let mut roots: HashMap<&str, usize> = HashMap::new();
    let (mut legacy, mut native) = (0, 0);
    let uuid = |x: &str| x.len() == 36 && x.chars().filter(|&c| c == '-').count() == 4;
    let hex = |x: &str, n: usize| {
        x.len() == n
            && x.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    };
    for r in &rows {
        let trace = s(r, "traceId");
        if r["isRootObservation"] == true {
            *roots.entry(trace).or_default() += 1;
            assert!(r["parentObservationId"].is_null());
        }
        if let Some(parent) = r["parentObservationId"].as_str() {
            // The last trace may be cut short, but parents always precede children in generation.
            let p = by_id.get(parent).expect("parent exists");
            assert_eq!(s(p, "traceId"), trace);
        }
        let id = s(r, "id");
        if let Some(rest) = id.strip_prefix("t-") {
            legacy += 1;
            assert_eq!(rest, trace);
            assert!(uuid(trace));
            assert!(r["endTime"].is_null());
            assert_eq!(s(r, "type"), "SPAN");
            assert_eq!(s(r, "name"), s(r, "traceName"));
            assert_eq!(r["isRootObservation"], true);
        } else if uuid(trace) {
            assert!(uuid(id));
            assert_eq!(
                r["isRootObservation"], false,
                "legacy top-level spans hang under t- roots"
            );
        } else {
            native += 1;
            assert!(hex(trace, 32) && hex(id, 16), "{trace} {id}");
        }
    }
    assert!(
        legacy > 20 && native > 1000,
        "legacy roots {legacy}, native rows {native}"
    );
    assert!(
        roots.values().all(|&n| n == 1),
        "one logical root per trace"
    );
}

/// prices[model id][tier id][usage key] from the models list.
type PriceTable = HashMap<String, HashMap<String, HashMap<String, f64>>>;

fn price_table() -> (PriceTable, Vec<(regex::Regex, bool)>) {
    let models: Value = serde_json::from_str(&demo_models_json(&SynthConfig::default())).unwrap();
    let mut table = HashMap::new();
    let mut patterns = Vec::new();
    for m in models["data"].as_array().unwrap() {
        let mut tiers = HashMap::new();
        for t in m["pricingTiers"].as_array().unwrap() {
            let prices = t["prices"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_f64().unwrap()))
                .collect();
            tiers.insert(s(t, "id").to_string(), prices);
        }
        table.insert(s(m, "id").to_string(), tiers);
        patterns.push((
            regex::Regex::new(s(m, "matchPattern")).unwrap(),
            m["isLangfuseManaged"] == true,
        ));
    }
    (table, patterns)
}

#[test]
fn costs_are_price_times_units_and_uncosted_models_are_priceable() {
    let (table, patterns) = price_table();
    let rows = rows_of(&demo_pages(&config(20_000), 1000));
    let mut uncosted_with_usage = 0;
    let mut tiers_seen = HashSet::new();
    for r in &rows {
        let usage = r["usageDetails"].as_object().unwrap();
        let cost = r["costDetails"].as_object().unwrap();
        let sum_keys = |o: &serde_json::Map<String, Value>, part: &str| {
            o.iter()
                .filter(|(k, _)| k.contains(part))
                .map(|(_, v)| v.as_f64().unwrap())
                .sum::<f64>()
        };
        if !usage.is_empty() {
            let total = usage["total"].as_u64().unwrap();
            let parts: u64 = usage
                .iter()
                .filter(|(k, _)| *k != "total")
                .map(|(_, v)| v.as_u64().unwrap())
                .sum();
            assert_eq!(total, parts, "usage total is the sum of its parts");
            assert_eq!(r["inputUsage"].as_f64().unwrap(), sum_keys(usage, "input"));
            assert_eq!(
                r["outputUsage"].as_f64().unwrap(),
                sum_keys(usage, "output")
            );
        }
        if cost.is_empty() {
            assert_eq!(r["totalCost"].as_f64(), Some(0.0));
            assert!(r["usagePricingTierId"].is_null());
            if !usage.is_empty() {
                uncosted_with_usage += 1;
                let model = s(r, "model");
                assert!(
                    patterns
                        .iter()
                        .any(|(p, managed)| !managed && p.is_match(model)),
                    "{model} is priceable"
                );
                assert_eq!(s(r, "internalModelId"), "");
            }
            continue;
        }
        let tier_id = s(r, "usagePricingTierId");
        tiers_seen.insert(s(r, "usagePricingTierName").to_string());
        let prices = &table[s(r, "internalModelId")][tier_id];
        let mut sum = 0.0;
        for (k, v) in cost {
            if k == "total" {
                continue;
            }
            let want = prices[k] * usage[k].as_f64().unwrap();
            assert!(
                (v.as_f64().unwrap() - want).abs() <= want * 1e-12,
                "{k}: {v} vs {want}"
            );
            sum += v.as_f64().unwrap();
        }
        let total = cost["total"].as_f64().unwrap();
        if let Some(total_price) = prices.get("total") {
            assert!((total - total_price * usage["total"].as_f64().unwrap()).abs() < 1e-15);
        } else {
            assert!((total - sum).abs() <= total * 1e-12);
        }
        assert_eq!(r["totalCost"].as_f64(), Some(total));
        if cost.keys().any(|k| k.contains("input")) {
            assert!((r["inputCost"].as_f64().unwrap() - sum_keys(cost, "input")).abs() < 1e-12);
        }
    }
    assert!(
        uncosted_with_usage > 20,
        "{uncosted_with_usage} rows need a cost estimate"
    );
    for tier in ["Standard", "Large Context", "Priority", "HD"] {
        assert!(
            tiers_seen.contains(tier),
            "tier {tier} used; saw {tiers_seen:?}"
        );
    }
}

#[test]
fn the_data_has_a_realistic_shape() {
    let rows = rows_of(&demo_pages(&config(20_000), 1000));
    let count = |pred: &dyn Fn(&Value) -> bool| rows.iter().filter(|r| pred(r)).count();
    let types: HashSet<&str> = rows.iter().map(|r| s(r, "type")).collect();
    assert_eq!(types.len(), 10, "{types:?}");
    let envs: HashSet<&str> = rows.iter().map(|r| s(r, "environment")).collect();
    assert_eq!(envs.len(), 3);
    let services: HashSet<&str> = rows.iter().map(|r| s(r, "traceName")).collect();
    assert!(services.len() >= 5);
    let errors = count(&|r| s(r, "level") == "ERROR");
    let warnings = count(&|r| s(r, "level") == "WARNING");
    assert!(errors > 50 && errors < 1600, "errors {errors}");
    assert!(warnings > 50 && warnings < 1600, "warnings {warnings}");
    let messages: HashSet<&str> = rows
        .iter()
        .map(|r| s(r, "statusMessage"))
        .filter(|m| !m.is_empty())
        .collect();
    let prefixes: HashSet<&str> = messages.iter().map(|m| m.get(..18).unwrap_or(m)).collect();
    assert!(prefixes.len() >= 12, "{prefixes:?}");
    assert!(
        messages.len() > prefixes.len() * 3,
        "patterns recur with variable parts"
    );
    assert!(count(&|r| r["usageDetails"].get("input_cached_tokens").is_some()) > 100);
    assert!(count(&|r| r["usageDetails"].get("input_cache_read").is_some()) > 50);
    assert!(count(&|r| r["usageDetails"].get("output_reasoning_tokens").is_some()) > 50);
    assert!(count(&|r| s(r, "model") == "dall-e-3" && r["totalCost"].as_f64() > Some(0.0)) > 20);
    let streamed = count(&|r| !r["timeToFirstToken"].is_null());
    assert!(streamed > 1000);
    assert!(
        rows.iter()
            .all(|r| r["timeToFirstToken"].as_f64().unwrap_or(0.0)
                <= r["latency"].as_f64().unwrap_or(f64::MAX))
    );
    let releases: HashSet<&str> = rows
        .iter()
        .filter(|r| s(r, "environment") == "production")
        .map(|r| s(r, "release"))
        .collect();
    assert_eq!(releases.len(), 2, "a release rolls out mid-range");
    assert!(count(&|r| !s(r, "promptName").is_empty()) > 1000);
    assert!(count(&|r| r["modelParameters"].get("service_tier").is_some()) > 20);
    // Users: long tail (the busiest user far above the median).
    let mut per_user: HashMap<&str, usize> = HashMap::new();
    for r in rows.iter().filter(|r| !s(r, "userId").is_empty()) {
        *per_user.entry(s(r, "userId")).or_default() += 1;
    }
    let mut counts: Vec<usize> = per_user.values().copied().collect();
    counts.sort_unstable();
    assert!(counts.len() > 30);
    assert!(
        counts[counts.len() - 1] > 8 * counts[counts.len() / 2],
        "{:?}",
        &counts[counts.len() - 5..]
    );
    // Sessions of several turns.
    let mut traces_per_session: HashMap<&str, HashSet<&str>> = HashMap::new();
    for r in rows.iter().filter(|r| !s(r, "sessionId").is_empty()) {
        traces_per_session
            .entry(s(r, "sessionId"))
            .or_default()
            .insert(s(r, "traceId"));
    }
    assert!(traces_per_session.values().filter(|t| t.len() >= 3).count() > 50);
    // Latencies are long-tailed: p99 far above the median for generations.
    let mut lat: Vec<f64> = rows
        .iter()
        .filter(|r| s(r, "type") == "GENERATION")
        .filter_map(|r| r["latency"].as_f64())
        .collect();
    lat.sort_by(f64::total_cmp);
    assert!(lat[lat.len() * 99 / 100] > 4.0 * lat[lat.len() / 2]);
}

#[test]
fn score_pages_are_v3_shaped_and_ordered() {
    let pages = demo_scores_pages(&config(8000), 100);
    let mut seen = Vec::new();
    for (i, page) in pages.iter().enumerate() {
        let v: Value = serde_json::from_str(page).unwrap();
        assert_eq!(v["meta"]["limit"], 100);
        let data = v["data"].as_array().unwrap();
        if i + 1 < pages.len() {
            let cursor = v["meta"]["cursor"].as_str().unwrap();
            let decoded: Value =
                serde_json::from_slice(&base64_url_decode(cursor).unwrap()).unwrap();
            assert_eq!(decoded["v"], 1);
            assert_eq!(decoded["lastId"], data.last().unwrap()["id"]);
            assert_eq!(decoded["lastTimestamp"], data.last().unwrap()["timestamp"]);
        } else {
            assert!(v["meta"].get("cursor").is_none());
        }
        seen.extend(data.iter().cloned());
    }
    assert!(seen.len() > 100);
    for pair in seen.windows(2) {
        let a = (s(&pair[0], "timestamp"), s(&pair[0], "id"));
        let b = (s(&pair[1], "timestamp"), s(&pair[1], "id"));
        assert!(a > b);
    }
    let kinds: HashSet<(&str, &str)> = seen
        .iter()
        .map(|x| (s(x, "dataType"), s(x, "source")))
        .collect();
    for want in [
        ("NUMERIC", "EVAL"),
        ("CATEGORICAL", "EVAL"),
        ("BOOLEAN", "EVAL"),
        ("BOOLEAN", "API"),
    ] {
        assert!(kinds.contains(&want), "{want:?} in {kinds:?}");
    }
    for x in &seen {
        match s(x, "dataType") {
            "NUMERIC" => assert!(x["value"].is_number()),
            "BOOLEAN" => assert!(x["value"].is_boolean()),
            _ => assert!(x["value"].is_string()),
        }
        let kind = s(&x["subject"], "kind");
        assert!(kind == "trace" || (kind == "observation" && x["subject"]["traceId"].is_string()));
    }
    assert!(
        seen.iter()
            .any(|x| s(&x["subject"], "kind") == "observation")
    );
}

#[test]
fn models_list_prices_every_used_model_with_tiers_and_an_override() {
    let models: Value = serde_json::from_str(&demo_models_json(&SynthConfig::default())).unwrap();
    let data = models["data"].as_array().unwrap();
    assert_eq!(
        models["meta"]["totalItems"].as_u64(),
        Some(data.len() as u64)
    );
    let gpt4o: Vec<&Value> = data
        .iter()
        .filter(|m| s(m, "modelName") == "gpt-4o")
        .collect();
    assert_eq!(gpt4o.len(), 2);
    assert_eq!(
        gpt4o[0]["isLangfuseManaged"], false,
        "project override listed first"
    );
    assert_eq!(gpt4o[1]["isLangfuseManaged"], true);
    assert!(data.iter().any(|m| s(m, "unit") == "IMAGES"));
    assert!(data.iter().any(|m| {
        m["pricingTiers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["conditions"][0].get("usageDetailPattern").is_some())
    }));
    assert_eq!(gpt4o[1]["inputPrice"].as_f64(), Some(0.0000025));
    let text = demo_models_json(&SynthConfig::default());
    assert!(
        text.contains("\"inputPrice\":0.0000025"),
        "JS number formatting"
    );
    assert!(
        text.contains("\"input\":1.5e-7"),
        "exponent notation below 1e-6"
    );
    let (_, patterns) = price_table();
    let rows = rows_of(&demo_pages(&config(5000), 1000));
    for model in rows.iter().map(|r| s(r, "model")).filter(|m| !m.is_empty()) {
        assert!(patterns.iter().any(|(p, _)| p.is_match(model)), "{model}");
    }
}
