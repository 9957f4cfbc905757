//! `/api/public/models` items (API.md §9.6): every model definition the data uses, with default-tier
//! prices (`inputPrice`/`outputPrice`/`totalPrice`, `prices`) and all pricing tiers, in list order.

use crate::catalog::{Condition, MODELS, ModelDef};
use crate::dataset::usd;
use crate::json::{push_i64, push_js_number, push_json_str, push_u64};

fn opt_str(out: &mut String, v: Option<&str>) {
    match v {
        Some(s) => push_json_str(out, s),
        None => out.push_str("null"),
    }
}

fn item(m: &ModelDef) -> String {
    let mut out = String::with_capacity(900);
    out.push_str("{\"id\":");
    push_json_str(&mut out, m.id);
    out.push_str(",\"createdAt\":");
    push_json_str(&mut out, m.created_at);
    out.push_str(",\"modelName\":");
    push_json_str(&mut out, m.model_name);
    out.push_str(",\"matchPattern\":");
    push_json_str(&mut out, m.match_pattern);
    out.push_str(",\"startDate\":");
    opt_str(&mut out, m.start_date);
    out.push_str(",\"tokenizerId\":");
    opt_str(&mut out, m.tokenizer_id);
    out.push_str(",\"tokenizerConfig\":");
    out.push_str(m.tokenizer_config.unwrap_or("null"));
    out.push_str(",\"unit\":");
    push_json_str(&mut out, m.unit);
    let default = m.default_tier();
    let price = |k: &str| {
        default
            .and_then(|t| t.prices.iter().find(|(key, _)| *key == k))
            .map(|(_, p)| *p)
    };
    for (k, wire) in [
        ("input", "inputPrice"),
        ("output", "outputPrice"),
        ("total", "totalPrice"),
    ] {
        out.push_str(",\"");
        out.push_str(wire);
        out.push_str("\":");
        match price(k) {
            Some(p) => push_js_number(&mut out, usd(p)),
            None => out.push_str("null"),
        }
    }
    out.push_str(",\"prices\":{");
    for (i, (k, p)) in default.map_or(&[][..], |t| t.prices).iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_json_str(&mut out, k);
        out.push_str(":{\"price\":");
        push_js_number(&mut out, usd(*p));
        out.push('}');
    }
    out.push_str("},\"isLangfuseManaged\":");
    out.push_str(if m.managed { "true" } else { "false" });
    out.push_str(",\"pricingTiers\":[");
    for (i, tier) in m.tiers.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"id\":");
        push_json_str(&mut out, tier.id);
        out.push_str(",\"name\":");
        push_json_str(&mut out, tier.name);
        out.push_str(",\"isDefault\":");
        out.push_str(if i == 0 { "true" } else { "false" });
        out.push_str(",\"priority\":");
        push_i64(&mut out, tier.priority);
        out.push_str(",\"conditions\":[");
        for (j, c) in tier.conditions.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            match c {
                Condition::UsageGreaterThan {
                    usage_pattern,
                    value,
                    ..
                } => {
                    out.push_str("{\"usageDetailPattern\":");
                    push_json_str(&mut out, usage_pattern);
                    out.push_str(",\"operator\":\"gt\",\"value\":");
                    push_u64(&mut out, *value);
                    out.push_str(",\"caseSensitive\":false}");
                }
                Condition::ModelParameterIn { key, values } => {
                    out.push_str("{\"source\":\"model_parameters\",\"key\":");
                    push_json_str(&mut out, key);
                    out.push_str(",\"operator\":\"in\",\"values\":[");
                    for (k, v) in values.iter().enumerate() {
                        if k > 0 {
                            out.push(',');
                        }
                        push_json_str(&mut out, v);
                    }
                    out.push_str("]}");
                }
            }
        }
        out.push_str("],\"prices\":{");
        for (j, (k, p)) in tier.prices.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            push_json_str(&mut out, k);
            out.push(':');
            push_js_number(&mut out, usd(*p));
        }
        out.push_str("}}");
    }
    out.push_str("]}");
    out
}

/// Every model item, in list order.
pub(crate) fn model_items() -> Vec<String> {
    MODELS.iter().map(item).collect()
}

/// A `/api/public/models` page body for `page` (1-based) of `limit` items.
pub fn models_page(page: usize, limit: usize) -> String {
    let items = model_items();
    let total = items.len();
    let limit = limit.max(1);
    let from = page.saturating_sub(1).saturating_mul(limit);
    let mut out = String::from("{\"data\":[");
    let slice = items
        .get(from.min(total)..from.saturating_add(limit).min(total))
        .unwrap_or(&[]);
    out.push_str(&slice.join(","));
    out.push_str("],\"meta\":{\"page\":");
    push_u64(&mut out, page as u64);
    out.push_str(",\"limit\":");
    push_u64(&mut out, limit as u64);
    out.push_str(",\"totalItems\":");
    push_u64(&mut out, total as u64);
    out.push_str(",\"totalPages\":");
    push_u64(&mut out, total.div_ceil(limit) as u64);
    out.push_str("}}");
    out
}
