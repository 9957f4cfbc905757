//! `GET /api/public/v2/metrics?query=<JSON>` for the `observations` view (API.md §8.11), computed exactly
//! from the data: dimensions, measures (`latency` and `timeToFirstToken` in ms), aggregations (`count sum
//! avg min max p50 p75 p90 p95 p99 uniq`; percentiles by linear interpolation between closest ranks),
//! filters on dimension columns, a time dimension with WITH FILL zero rows for empty buckets, `orderBy`,
//! `config.row_limit` and the high-cardinality rules.
//!
//! Time buckets are UTC: minute/hour as `YYYY-MM-DDTHH:MM:SSZ`, day/week (Monday)/month as `YYYY-MM-DD`.

use std::collections::{BTreeMap, HashSet};

use loupe_synth::json::{civil_from_days, days_from_civil, push_js_number, push_json_str};
use loupe_synth::{Dataset, Row};
use serde_json::Value;

use crate::filter::{self, Cond, Operand};
use crate::http::Answer;
use crate::observations::scan;
use crate::params::{Issues, Query};

const DIMENSIONS: &[&str] = &[
    "environment",
    "type",
    "name",
    "level",
    "version",
    "tags",
    "release",
    "traceName",
    "providedModelName",
    "promptName",
    "promptVersion",
    "isRootObservation",
    "id",
    "traceId",
    "userId",
    "sessionId",
    "parentObservationId",
];
const HIGH_CARDINALITY: &[&str] = &[
    "id",
    "traceId",
    "userId",
    "sessionId",
    "parentObservationId",
];
const MEASURES: &[&str] = &[
    "count",
    "latency",
    "timeToFirstToken",
    "inputTokens",
    "outputTokens",
    "totalTokens",
    "inputCost",
    "outputCost",
    "totalCost",
    "traceId",
    "uniqueUserIds",
    "uniqueSessionIds",
];
const AGGREGATIONS: &[&str] = &[
    "count", "sum", "avg", "min", "max", "p50", "p75", "p90", "p95", "p99", "uniq",
];

fn dimension_value(row: &Row<'_>, field: &str) -> Value {
    match field {
        "providedModelName" => Value::String(row.model().unwrap_or("").to_string()),
        "tags" => Value::Array(row.tags().map(|t| Value::String(t.to_string())).collect()),
        "promptVersion" => row.prompt().map_or(Value::Null, |p| Value::from(p.2)),
        "isRootObservation" => Value::Bool(row.is_root()),
        other => match filter::column(row, other, None) {
            Some(filter::Val::Str(s)) => Value::String(s),
            _ => Value::Null,
        },
    }
}

/// The measure's value for a row: number, or a string for distinct counts.
enum MeasureValue {
    Num(Option<f64>),
    Key(Option<String>),
}

fn measure_value(row: &Row<'_>, measure: &str) -> MeasureValue {
    let n = |v: f64| MeasureValue::Num(Some(v));
    match measure {
        "count" => n(1.0),
        "latency" => MeasureValue::Num(row.latency_ms().map(|v| v as f64)),
        "timeToFirstToken" => MeasureValue::Num(row.ttft_ms().map(|v| v as f64)),
        "inputTokens" => n(row.input_tokens() as f64),
        "outputTokens" => n(row.output_tokens() as f64),
        "totalTokens" => n(row.total_tokens() as f64),
        "inputCost" => n(row.input_cost_usd().unwrap_or(0.0)),
        "outputCost" => n(row.output_cost_usd().unwrap_or(0.0)),
        "totalCost" => MeasureValue::Num(Some(row.total_cost_e12() as f64)),
        "traceId" => MeasureValue::Key(Some(row.trace_id())),
        "uniqueUserIds" => MeasureValue::Key(row.user_id()),
        "uniqueSessionIds" => MeasureValue::Key(row.session_id()),
        _ => MeasureValue::Num(None),
    }
}

/// One output row being accumulated: dimension values, time label, one accumulator per metric.
type Group = (Vec<Value>, Option<String>, Vec<Acc>);

#[derive(Default)]
struct Acc {
    values: Vec<f64>,
    keys: HashSet<String>,
    rows: u64,
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let (a, b) = (
        sorted.get(lo).copied().unwrap_or(0.0),
        sorted.get(hi).copied().unwrap_or(0.0),
    );
    a + (b - a) * (pos - lo as f64)
}

fn aggregate(acc: &Acc, measure: &str, aggregation: &str) -> f64 {
    let cost = measure == "totalCost";
    let unscale = |v: f64| if cost { v / 1e12 } else { v };
    let vals = &acc.values;
    match aggregation {
        "count" => acc.rows as f64,
        "uniq" => acc.keys.len() as f64,
        "sum" => unscale(vals.iter().sum()),
        "avg" if vals.is_empty() => 0.0,
        "avg" => unscale(vals.iter().sum::<f64>() / vals.len() as f64),
        "min" | "max" if vals.is_empty() => 0.0,
        "min" => unscale(vals.iter().copied().fold(f64::INFINITY, f64::min)),
        "max" => unscale(vals.iter().copied().fold(f64::NEG_INFINITY, f64::max)),
        p => {
            let q = p.trim_start_matches('p').parse::<f64>().unwrap_or(50.0) / 100.0;
            let mut sorted = vals.clone();
            sorted.sort_by(f64::total_cmp);
            unscale(percentile(&sorted, q))
        }
    }
}

/// Start of the bucket holding `ms`, and its label.
fn bucket(ms: i64, granularity: &str) -> (i64, String) {
    const DAY: i64 = 86_400_000;
    let days = ms.div_euclid(DAY);
    let date = |d: i64| {
        let (y, m, dd) = civil_from_days(d);
        format!("{y:04}-{m:02}-{dd:02}")
    };
    match granularity {
        "minute" | "hour" => {
            let size = if granularity == "minute" {
                60_000
            } else {
                3_600_000
            };
            let start = ms - ms.rem_euclid(size);
            let iso = loupe_synth::json::iso_ms(start);
            (start, format!("{}Z", iso.get(..19).unwrap_or("")))
        }
        "week" => {
            let monday = days - (days + 3).rem_euclid(7);
            (monday * DAY, date(monday))
        }
        "month" => {
            let (y, m, _) = civil_from_days(days);
            let first = days_from_civil(y, m, 1);
            (first * DAY, date(first))
        }
        _ => (days * DAY, date(days)),
    }
}

fn next_bucket(start: i64, granularity: &str) -> i64 {
    const DAY: i64 = 86_400_000;
    match granularity {
        "minute" => start + 60_000,
        "hour" => start + 3_600_000,
        "week" => start + 7 * DAY,
        "month" => {
            let (y, m, _) = civil_from_days(start.div_euclid(DAY));
            let (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
            days_from_civil(y, m, 1) * DAY
        }
        _ => start + DAY,
    }
}

fn auto_granularity(span_ms: i64) -> &'static str {
    match span_ms {
        s if s <= 2 * 3_600_000 => "minute",
        s if s <= 3 * 86_400_000 => "hour",
        s if s <= 90 * 86_400_000 => "day",
        s if s <= 365 * 86_400_000 => "week",
        _ => "month",
    }
}

pub(crate) fn v2(ds: &Dataset, q: &Query) -> Answer {
    let Some(text) = q.get("query") else {
        let mut issues = Issues::default();
        issues.missing_string("query");
        return issues
            .answer()
            .unwrap_or_else(|| Answer::invalid_request("Missing query parameter"));
    };
    let Ok(query) = serde_json::from_str::<Value>(text) else {
        return Answer::invalid_request("Invalid JSON in query parameter");
    };
    let view = query.get("view").and_then(Value::as_str).unwrap_or("");
    if view != "observations" {
        return Answer::invalid_request(&format!(
            "Unsupported view: {view}. The emulator serves the observations view."
        ));
    }
    let strs = |v: Option<&Value>, key: &str| -> Vec<String> {
        v.and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.get(key).and_then(Value::as_str).map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let dims = strs(query.get("dimensions"), "field");
    for d in &dims {
        if !DIMENSIONS.contains(&d.as_str()) {
            return Answer::invalid_request(&format!("Invalid dimension: {d}"));
        }
    }
    let mut metrics: Vec<(String, String)> = Vec::new();
    for m in query
        .get("metrics")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let measure = m.get("measure").and_then(Value::as_str).unwrap_or("");
        let aggregation = m.get("aggregation").and_then(Value::as_str).unwrap_or("");
        if !MEASURES.contains(&measure) {
            return Answer::invalid_request(&format!("Invalid measure: {measure}"));
        }
        if !AGGREGATIONS.contains(&aggregation) {
            return Answer::invalid_request(&format!("Invalid aggregation: {aggregation}"));
        }
        metrics.push((measure.to_string(), aggregation.to_string()));
    }
    let time = |k: &str| {
        query
            .get(k)
            .and_then(Value::as_str)
            .and_then(loupe_synth::json::parse_iso_ms)
    };
    let (Some(from), Some(to)) = (time("fromTimestamp"), time("toTimestamp")) else {
        return Answer::invalid_request("fromTimestamp and toTimestamp are required ISO datetimes");
    };
    if from >= to {
        return Answer::invalid_request("fromTimestamp must be before toTimestamp");
    }
    let granularity = query
        .get("timeDimension")
        .and_then(|t| t.get("granularity"))
        .and_then(Value::as_str)
        .map(|g| {
            if g == "auto" {
                auto_granularity(to - from)
            } else {
                g
            }
        });
    if let Some(g) = granularity
        && !["minute", "hour", "day", "week", "month"].contains(&g)
    {
        return Answer::invalid_request(&format!("Invalid granularity: {g}"));
    }
    let order: Vec<(String, bool)> = query
        .get("orderBy")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|o| {
                    Some((
                        o.get("field")?.as_str()?.to_string(),
                        o.get("direction").and_then(Value::as_str) == Some("desc"),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    let row_limit = query
        .get("config")
        .and_then(|c| c.get("row_limit"))
        .and_then(Value::as_u64);
    if let Some(hc) = dims.iter().find(|d| HIGH_CARDINALITY.contains(&d.as_str())) {
        if granularity.is_some() {
            return Answer::invalid_request(&format!(
                "Dimension {hc} has high cardinality and cannot be combined with a time dimension"
            ));
        }
        let metric_desc = order
            .iter()
            .any(|(f, desc)| *desc && metrics.iter().any(|(m, a)| format!("{a}_{m}") == *f));
        if row_limit.is_none() || !metric_desc {
            return Answer::invalid_request(&format!(
                "Dimension {hc} has high cardinality: set config.row_limit and an orderBy entry with direction desc on a metric"
            ));
        }
    }
    let filter_text = query
        .get("filters")
        .map(Value::to_string)
        .unwrap_or_else(|| "[]".to_string());
    let mut columns: Vec<&str> = DIMENSIONS.to_vec();
    columns.extend([
        "model",
        "startTime",
        "latency",
        "totalCost",
        "metadata",
        "traceTags",
    ]);
    let mut conds: Vec<Cond> = match filter::parse_filter(&filter_text, &columns) {
        Ok(c) => c,
        Err(message) => return Answer::invalid_request(&message),
    };
    conds.push(Cond::new("startTime", ">=", Operand::Time(from)));
    conds.push(Cond::new("startTime", "<", Operand::Time(to)));

    // Group rows.
    let mut groups: BTreeMap<(i64, String), Group> = BTreeMap::new();
    for i in scan(ds, &conds, 0, usize::MAX) {
        let Some(row) = ds.row(i) else { continue };
        let dim_values: Vec<Value> = dims.iter().map(|d| dimension_value(&row, d)).collect();
        let (bucket_start, label) =
            granularity.map_or((0, String::new()), |g| bucket(row.start_ms(), g));
        let key = (bucket_start, Value::Array(dim_values.clone()).to_string());
        let entry = groups.entry(key).or_insert_with(|| {
            (
                dim_values,
                granularity.map(|_| label),
                metrics.iter().map(|_| Acc::default()).collect(),
            )
        });
        for ((measure, _), acc) in metrics.iter().zip(entry.2.iter_mut()) {
            acc.rows += 1;
            match measure_value(&row, measure) {
                MeasureValue::Num(Some(v)) => acc.values.push(v),
                MeasureValue::Key(Some(k)) => {
                    acc.keys.insert(k);
                }
                _ => {}
            }
        }
    }
    // WITH FILL: one zero row per empty bucket.
    if let Some(g) = granularity {
        let (mut b, _) = bucket(from, g);
        let mut guard = 0;
        while b < to && guard < 100_000 {
            guard += 1;
            if !groups.keys().any(|(start, _)| *start == b) {
                let label = bucket(b, g).1;
                let empty: Vec<Value> = dims.iter().map(|_| Value::String(String::new())).collect();
                groups.insert(
                    (b, String::new()),
                    (
                        empty,
                        Some(label),
                        metrics.iter().map(|_| Acc::default()).collect(),
                    ),
                );
            }
            b = next_bucket(b, g);
        }
    }
    let mut rows: Vec<serde_json::Map<String, Value>> = groups
        .into_values()
        .map(|(dim_values, label, accs)| {
            let mut obj = serde_json::Map::new();
            for (d, v) in dims.iter().zip(dim_values) {
                obj.insert(d.clone(), v);
            }
            if let Some(l) = label {
                obj.insert("time_dimension".to_string(), Value::String(l));
            }
            for ((measure, aggregation), acc) in metrics.iter().zip(&accs) {
                let v = aggregate(acc, measure, aggregation);
                obj.insert(
                    format!("{aggregation}_{measure}"),
                    serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number),
                );
            }
            obj
        })
        .collect();
    if !order.is_empty() {
        rows.sort_by(|a, b| {
            for (field, desc) in &order {
                let (x, y) = (a.get(field), b.get(field));
                let ord = match (x.and_then(Value::as_f64), y.and_then(Value::as_f64)) {
                    (Some(p), Some(q)) => p.total_cmp(&q),
                    _ => x.map(Value::to_string).cmp(&y.map(Value::to_string)),
                };
                let ord = if *desc { ord.reverse() } else { ord };
                if ord.is_ne() {
                    return ord;
                }
            }
            std::cmp::Ordering::Equal
        });
    }
    rows.truncate(row_limit.unwrap_or(if granularity.is_some() { u64::MAX } else { 100 }) as usize);
    // Written by hand to keep JS number formatting and key order.
    let mut body = String::from("{\"data\":[");
    for (n, obj) in rows.iter().enumerate() {
        if n > 0 {
            body.push(',');
        }
        body.push('{');
        let mut keys: Vec<String> = dims.clone();
        if granularity.is_some() {
            keys.push("time_dimension".to_string());
        }
        keys.extend(metrics.iter().map(|(m, a)| format!("{a}_{m}")));
        for (k_i, k) in keys.iter().enumerate() {
            if k_i > 0 {
                body.push(',');
            }
            push_json_str(&mut body, k);
            body.push(':');
            match obj.get(k) {
                Some(Value::Number(num)) => push_js_number(&mut body, num.as_f64().unwrap_or(0.0)),
                Some(v) => body.push_str(&v.to_string()),
                None => body.push_str("null"),
            }
        }
        body.push('}');
    }
    body.push_str("]}");
    Answer::ok(body)
}
