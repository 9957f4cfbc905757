//! Projects, health, v2 metrics rows and error bodies (API.md §2, §4, §5, §8.1, §8.2, §8.11).

use serde_json::{Map, Value};

use super::DecodeError;
use super::value::{data_array, opt_f64, opt_string, opt_u64, parse_json, text_of, time_ms};
use crate::wire::{
    ApiErrorBody, Health, HistogramBin, Metric, MetricValue, MetricsRow, Project, ValidationIssue,
};

/// Decodes `GET /api/public/projects`: the key's project(s). Entries without an `id` are left out.
pub fn projects(body: &[u8]) -> Result<Vec<Project>, DecodeError> {
    let root = parse_json(body)?;
    let rows = data_array(&root, "a projects list")?;
    Ok(rows
        .iter()
        .filter_map(Value::as_object)
        .filter_map(|p| {
            let organization = p.get("organization").and_then(Value::as_object);
            Some(Project {
                id: opt_string(p.get("id"))?,
                name: opt_string(p.get("name")),
                organization_id: organization.and_then(|o| opt_string(o.get("id"))),
                organization_name: organization.and_then(|o| opt_string(o.get("name"))),
                retention_days: opt_u64(p.get("retentionDays"))
                    .filter(|&d| d > 0)
                    .and_then(|d| u32::try_from(d).ok()),
                metadata: pairs(p.get("metadata")),
            })
        })
        .collect())
}

/// Decodes `GET /api/public/health` (200 and 503 bodies alike).
pub fn health(body: &[u8]) -> Result<Health, DecodeError> {
    let root = parse_json(body)?;
    let Some(o) = root.as_object().filter(|o| o.contains_key("status")) else {
        return Err(DecodeError::NotAPage {
            expected: "a health response",
            found: "no `status` member".into(),
        });
    };
    Ok(Health {
        status: opt_string(o.get("status")).unwrap_or_default(),
        version: opt_string(o.get("version")),
    })
}

/// Aggregations Langfuse prefixes metric keys with (`<aggregation>_<measure>`), plus any `pNN` percentile.
fn is_aggregation(name: &str) -> bool {
    matches!(
        name,
        "sum" | "avg" | "count" | "max" | "min" | "uniq" | "histogram"
    ) || name
        .strip_prefix('p')
        .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
}

/// Decodes a `GET /api/public/v2/metrics` body into rows, in wire order (members within a row by key). Rows that are not objects are
/// left out.
pub fn metrics_rows(body: &[u8]) -> Result<Vec<MetricsRow>, DecodeError> {
    let root = parse_json(body)?;
    let rows = data_array(&root, "a metrics response")?;
    Ok(rows
        .iter()
        .filter_map(Value::as_object)
        .map(metrics_row)
        .collect())
}

fn metrics_row(o: &Map<String, Value>) -> MetricsRow {
    let mut row = MetricsRow::default();
    for (key, value) in o {
        if key == "time_dimension" {
            row.time_dimension = opt_string(Some(value));
            row.time_ms = time_ms(Some(value));
            continue;
        }
        let metric = key
            .split_once('_')
            .filter(|(agg, measure)| is_aggregation(agg) && !measure.is_empty());
        match metric {
            Some((aggregation, measure)) => row.metrics.push(Metric {
                key: key.clone(),
                aggregation: aggregation.to_owned(),
                measure: measure.to_owned(),
                value: metric_value(value),
            }),
            None => row
                .dimensions
                .push((key.clone(), text_of(value).filter(|t| !t.is_empty()))),
        }
    }
    row
}

/// A number (or quoted number), a histogram (`[[lower, upper, height], ...]`), or missing.
fn metric_value(value: &Value) -> MetricValue {
    match value {
        Value::Array(bins) => MetricValue::Histogram(
            bins.iter()
                .filter_map(|bin| {
                    let b = bin.as_array()?;
                    Some(HistogramBin {
                        lower: opt_f64(b.first())?,
                        upper: opt_f64(b.get(1))?,
                        height: opt_f64(b.get(2))?,
                    })
                })
                .collect(),
        ),
        other => opt_f64(Some(other)).map_or(MetricValue::Missing, MetricValue::Number),
    }
}

/// Reads an error body. Never fails: a body that is not a JSON object gives `message` = a short text
/// snippet of it (HTML tags dropped, whitespace collapsed; empty for an empty body).
pub fn error_body(body: &[u8]) -> ApiErrorBody {
    let Ok(Value::Object(o)) = parse_json(body) else {
        let message = text_snippet(&String::from_utf8_lossy(body));
        return ApiErrorBody {
            message: (!message.is_empty()).then_some(message),
            ..ApiErrorBody::default()
        };
    };
    let mut out = ApiErrorBody {
        error: o
            .get("error")
            .and_then(Value::as_str)
            .filter(|e| !e.is_empty())
            .map(str::to_owned),
        code: opt_string(o.get("code")),
        status: opt_string(o.get("status")),
        ..ApiErrorBody::default()
    };
    for key in ["error", "errors"] {
        if let Some(Value::Array(issues)) = o.get(key) {
            out.issues.extend(issues.iter().map(validation_issue));
        }
    }
    if let Some(details) = o.get("details").and_then(Value::as_object) {
        out.retry_after_seconds = opt_f64(details.get("retryAfterSeconds")).filter(|s| *s >= 0.0);
        out.limit = opt_u64(details.get("limit"));
        out.remaining = opt_u64(details.get("remaining"));
        out.reset_at_ms = time_ms(details.get("resetAt"));
    }
    out.message = opt_string(o.get("message"))
        .or_else(|| out.error.clone())
        .or_else(|| out.status.clone())
        .or_else(|| Some(text_snippet(&Value::Object(o.clone()).to_string())));
    out
}

fn validation_issue(v: &Value) -> ValidationIssue {
    let Some(o) = v.as_object() else {
        return ValidationIssue {
            message: text_of(v).unwrap_or_default(),
            ..ValidationIssue::default()
        };
    };
    ValidationIssue {
        code: opt_string(o.get("code")).unwrap_or_default(),
        message: opt_string(o.get("message")).unwrap_or_default(),
        path: match o.get("path") {
            Some(Value::Array(parts)) => parts.iter().filter_map(text_of).collect(),
            _ => Vec::new(),
        },
    }
}

/// Metadata-like objects as (key, text) pairs: scalars as text, nested values as JSON text, nulls dropped.
fn pairs(value: Option<&Value>) -> Vec<(String, String)> {
    value
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), text_of(v)?)))
                .collect()
        })
        .unwrap_or_default()
}

/// Up to 200 characters of `text` with HTML tags removed and whitespace collapsed.
fn text_snippet(text: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    let mut pending_space = false;
    let mut count = 0usize;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                pending_space = true;
            }
            _ if in_tag => {}
            c if c.is_whitespace() => pending_space = true,
            c => {
                if pending_space && !out.is_empty() {
                    out.push(' ');
                    count += 1;
                }
                pending_space = false;
                if count >= 200 {
                    out.push('…');
                    break;
                }
                out.push(c);
                count += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_drop_tags_and_collapse_whitespace() {
        assert_eq!(
            text_snippet(
                "<html><head><title>502 Bad Gateway</title></head>\n<body>nginx</body></html>"
            ),
            "502 Bad Gateway nginx"
        );
        assert_eq!(text_snippet(""), "");
        assert_eq!(text_snippet(&"x".repeat(500)).chars().count(), 201);
    }

    #[test]
    fn aggregation_prefixes() {
        assert!(is_aggregation("p95") && is_aggregation("histogram") && is_aggregation("uniq"));
        assert!(!is_aggregation("time") && !is_aggregation("p") && !is_aggregation("px"));
    }
}
