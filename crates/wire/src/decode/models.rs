//! Models (`GET /api/public/models`, API.md §8.10, §9.6) into the engine's [`ModelPrice`].
//!
//! Small bodies (100 models a page at most), so they are read through `serde_json::Value` with tolerant
//! accessors. Prices may be numbers or decimal strings; default-tier `prices` may be `{type: {price}}` or
//! `{type: number}`; without `prices`, the flat `inputPrice`/`outputPrice`/`totalPrice` are used. Tiers are
//! ordered by ascending priority; a condition this build does not understand becomes
//! [`TierCondition::Unsupported`] with its JSON text (that tier then never matches).

use loupe_core::ModelPrice;
use loupe_core::pricing::{AttributeSource, CompareOp, PricingTier, TierCondition};
use serde_json::{Map, Value};

use super::DecodeError;
use super::value::{
    data_array, opt_bool, opt_f64, opt_i64, opt_string, page_meta_of, parse_json, time_ms,
};
use crate::wire::PageMeta;

/// Decodes a models page. Entries that are not objects are left out.
pub fn models_page(body: &[u8]) -> Result<(Vec<ModelPrice>, PageMeta), DecodeError> {
    let root = parse_json(body)?;
    let rows = data_array(&root, "a models page")?;
    let models = rows
        .iter()
        .filter_map(Value::as_object)
        .map(model)
        .collect();
    Ok((models, page_meta_of(&root)))
}

fn model(m: &Map<String, Value>) -> ModelPrice {
    let mut prices = price_map(m.get("prices"));
    if prices.is_empty() {
        for (key, field) in [
            ("input", "inputPrice"),
            ("output", "outputPrice"),
            ("total", "totalPrice"),
        ] {
            if let Some(p) = opt_f64(m.get(field)) {
                prices.push((key.to_owned(), p));
            }
        }
    }
    let mut tiers: Vec<PricingTier> = m
        .get("pricingTiers")
        .and_then(Value::as_array)
        .map(|tiers| {
            tiers
                .iter()
                .filter_map(Value::as_object)
                .map(tier)
                .collect()
        })
        .unwrap_or_default();
    loupe_core::sort::sort_by_key(&mut tiers, |t| t.priority);
    ModelPrice {
        id: opt_string(m.get("id")).unwrap_or_default(),
        model_name: opt_string(m.get("modelName")).unwrap_or_default(),
        match_pattern: opt_string(m.get("matchPattern")).unwrap_or_default(),
        start_date_ms: time_ms(m.get("startDate")),
        unit: opt_string(m.get("unit")),
        is_langfuse_managed: opt_bool(m.get("isLangfuseManaged")).unwrap_or(false),
        prices,
        tiers,
    }
}

/// `{usageType: {"price": p}}` or `{usageType: p}`, ordered by usage type; unreadable prices are left out.
fn price_map(value: Option<&Value>) -> Vec<(String, f64)> {
    let Some(map) = value.and_then(Value::as_object) else {
        return Vec::new();
    };
    map.iter()
        .filter_map(|(k, v)| {
            let p = match v {
                Value::Object(o) => opt_f64(o.get("price")),
                other => opt_f64(Some(other)),
            };
            p.map(|p| (k.clone(), p))
        })
        .collect()
}

fn tier(t: &Map<String, Value>) -> PricingTier {
    PricingTier {
        id: opt_string(t.get("id")).unwrap_or_default(),
        name: opt_string(t.get("name")).unwrap_or_default(),
        is_default: opt_bool(t.get("isDefault")).unwrap_or(false),
        priority: opt_i64(t.get("priority")).unwrap_or(0),
        conditions: t
            .get("conditions")
            .and_then(Value::as_array)
            .map(|cs| cs.iter().map(condition).collect())
            .unwrap_or_default(),
        prices: price_map(t.get("prices")),
    }
}

fn condition(c: &Value) -> TierCondition {
    let unsupported = || TierCondition::Unsupported(c.to_string());
    let Some(o) = c.as_object() else {
        return unsupported();
    };
    if let Some(pattern) = opt_string(o.get("usageDetailPattern")) {
        let operator = match opt_string(o.get("operator"))
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("gt") => CompareOp::Gt,
            Some("gte") => CompareOp::Gte,
            Some("lt") => CompareOp::Lt,
            Some("lte") => CompareOp::Lte,
            Some("eq") => CompareOp::Eq,
            Some("neq") => CompareOp::Neq,
            _ => return unsupported(),
        };
        let Some(value) = opt_f64(o.get("value")) else {
            return unsupported();
        };
        return TierCondition::Usage {
            usage_detail_pattern: pattern,
            operator,
            value,
            case_sensitive: opt_bool(o.get("caseSensitive")).unwrap_or(false),
        };
    }
    let source = match opt_string(o.get("source")).as_deref() {
        Some("model_parameters" | "modelParameters") => AttributeSource::ModelParameters,
        Some("metadata") => AttributeSource::Metadata,
        _ => return unsupported(),
    };
    let operator_ok = opt_string(o.get("operator")).is_none_or(|op| op.eq_ignore_ascii_case("in"));
    let (Some(key), true) = (opt_string(o.get("key")), operator_ok) else {
        return unsupported();
    };
    let values = match o.get("values") {
        Some(Value::Array(vs)) => vs.iter().filter_map(|v| opt_string(Some(v))).collect(),
        Some(v) => opt_string(Some(v)).into_iter().collect(),
        None => Vec::new(),
    };
    TierCondition::Attribute {
        source,
        key,
        values,
    }
}
