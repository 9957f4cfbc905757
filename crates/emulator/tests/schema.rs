#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Every response shape the emulator serves, validated against the official OpenAPI spec
//! (`spec/langfuse/openapi.yml`), converted to JSON Schema 2020-12 and adjusted where API.md §12 says the
//! server differs: v2 observations use `model` (not `providedModelName`) and carry `inputUsage outputUsage
//! totalUsage inputCost outputCost usagePricingTierId`; those objects, models and pricing tiers are checked
//! strictly (no unknown keys), so a misspelt field fails here.

mod common;

use common::{enc, get, start};
use loupe_emulator::EmulatorConfig;
use serde_json::{Map, Value, json};

fn spec_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../spec/langfuse/openapi.yml")
}

/// OpenAPI 3.0 `nullable` → JSON Schema: `type: [t, "null"]`, `null` in enums, `anyOf` around `$ref`.
fn convert(v: &Value) -> Value {
    match v {
        Value::Array(items) => Value::Array(items.iter().map(convert).collect()),
        Value::Object(obj) => {
            let mut out: Map<String, Value> = obj
                .iter()
                .filter(|(k, _)| *k != "nullable")
                .map(|(k, v)| (k.clone(), convert(v)))
                .collect();
            if obj.get("nullable") == Some(&Value::Bool(true)) {
                if let Some(Value::String(t)) = out.get("type").cloned() {
                    out.insert("type".into(), json!([t, "null"]));
                }
                if let Some(Value::Array(mut e)) = out.get("enum").cloned() {
                    e.push(Value::Null);
                    out.insert("enum".into(), Value::Array(e));
                }
                if let Some(r) = out.remove("$ref") {
                    let rest = Value::Object(out);
                    return json!({"anyOf": [{"$ref": r}, {"type": "null"}], "allOf": [rest]});
                }
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

fn schemas() -> Value {
    let text =
        std::fs::read_to_string(spec_path()).expect("spec/langfuse/openapi.yml in the repository");
    let spec: Value = serde_norway::from_str(&text).expect("valid YAML");
    let mut schemas = convert(&spec["components"]["schemas"]);
    // API.md §12.1 and §12.3: the server's v2 observation keys.
    let v2 = schemas["ObservationV2"].as_object_mut().unwrap();
    let props = v2["properties"].as_object_mut().unwrap();
    let model = props.remove("providedModelName").unwrap();
    props.insert("model".into(), model);
    for k in ["inputUsage", "outputUsage", "totalUsage"] {
        props.insert(k.into(), json!({"type": "integer"}));
    }
    for k in ["inputCost", "outputCost"] {
        props.insert(k.into(), json!({"type": ["number", "null"]}));
    }
    props.insert(
        "usagePricingTierId".into(),
        json!({"type": ["string", "null"]}),
    );
    v2.insert("additionalProperties".into(), json!(false));
    for strict in ["Model", "PricingTier"] {
        schemas[strict]
            .as_object_mut()
            .unwrap()
            .insert("additionalProperties".into(), json!(false));
    }
    schemas
}

fn validate(schemas: &Value, name: &str, instance: &Value) {
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": format!("#/components/schemas/{name}"),
        "components": {"schemas": schemas},
    });
    let validator = jsonschema::validator_for(&root).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .take(10)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{name}: {errors:#?}");
}

#[test]
fn the_strict_schema_rejects_a_wrong_field_name() {
    let schemas = schemas();
    let root =
        json!({"$ref": "#/components/schemas/ObservationV2", "components": {"schemas": schemas}});
    let validator = jsonschema::validator_for(&root).unwrap();
    let ok = json!({"id":"a","traceId":"b","startTime":"2026-01-01T00:00:00.000Z","endTime":null,"projectId":"p","parentObservationId":null,"type":"SPAN","modelId":null,"inputPrice":null,"outputPrice":null,"totalPrice":null});
    assert!(validator.is_valid(&ok));
    let mut wrong = ok.clone();
    wrong["providedModelName"] = json!("gpt-4o");
    assert!(
        !validator.is_valid(&wrong),
        "providedModelName is not what the server sends"
    );
    let mut wrong = ok;
    wrong["inputPrice"] = json!(0.0000025);
    assert!(!validator.is_valid(&wrong), "v2 prices are strings");
}

#[tokio::test]
async fn every_served_shape_matches_the_spec() {
    let schemas = schemas();
    let server = start(EmulatorConfig::default(), 5000).await;
    let addr = server.addr();
    let all_groups = "core,basic,time,io,metadata,model,usage,prompt,metrics,trace_context";
    for query in [
        format!("limit=1000&fields={all_groups}"),
        "limit=200".to_string(),
        "limit=100&fields=core".to_string(),
    ] {
        let page = get(addr, &format!("/api/public/v2/observations?{query}"))
            .await
            .json();
        validate(&schemas, "ObservationsV2Response", &page);
    }
    let scores = get(
        addr,
        "/api/public/v3/scores?limit=100&fields=details,subject,annotation",
    )
    .await
    .json();
    validate(&schemas, "GetScoresV3Response", &scores);
    validate(
        &schemas,
        "GetScoresV3Response",
        &get(addr, "/api/public/v3/scores?limit=100").await.json(),
    );
    validate(
        &schemas,
        "PaginatedModels",
        &get(addr, "/api/public/models?limit=100").await.json(),
    );
    let one = get(addr, "/api/public/models?limit=1").await.json();
    let id = one["data"][0]["id"].as_str().unwrap().to_string();
    validate(
        &schemas,
        "Model",
        &get(addr, &format!("/api/public/models/{id}")).await.json(),
    );
    validate(
        &schemas,
        "HealthResponse",
        &common::request(addr, "GET", "/api/public/health", &[])
            .await
            .unwrap()
            .json(),
    );
    validate(
        &schemas,
        "Projects",
        &get(addr, "/api/public/projects").await.json(),
    );
    let q = json!({"view":"observations","dimensions":[{"field":"type"}],"metrics":[{"measure":"latency","aggregation":"p95"}],
        "timeDimension":{"granularity":"day"},"fromTimestamp":"2026-11-20T00:00:00Z","toTimestamp":"2026-11-27T00:00:00Z"});
    let m = get(
        addr,
        &format!("/api/public/v2/metrics?query={}", enc(&q.to_string())),
    )
    .await
    .json();
    validate(&schemas, "MetricsV2Response", &m);
    server.shutdown().await;

    let legacy = start(
        EmulatorConfig {
            legacy_only: true,
            ..EmulatorConfig::default()
        },
        5000,
    )
    .await;
    let addr = legacy.addr();
    validate(
        &schemas,
        "legacyObservationsViews",
        &get(addr, "/api/public/observations?limit=100").await.json(),
    );
    let traces = get(addr, "/api/public/traces?limit=100").await.json();
    validate(&schemas, "Traces", &traces);
    for t in traces["data"].as_array().unwrap().iter().take(20) {
        let detail = get(
            addr,
            &format!("/api/public/traces/{}", t["id"].as_str().unwrap()),
        )
        .await
        .json();
        validate(&schemas, "TraceWithFullDetails", &detail);
    }
    legacy.shutdown().await;
}
