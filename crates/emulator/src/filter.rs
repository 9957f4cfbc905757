//! Filters over observation rows: the simple query parameters and the JSON `filter` parameter (API.md §7),
//! merged like Langfuse's `deriveFilters` (an advanced filter replaces the simple parameter on the same
//! column; everything else is ANDed).
//!
//! Column values come from [`loupe_synth::Row`]: strings (unset = `""`), numbers (`latency` and
//! `timeToFirstToken` in seconds, costs in USD, tokens), booleans, tag arrays, datetimes. A comparison with
//! a missing number or time is false.

use loupe_synth::{Level, ObsType, Row};
use serde_json::Value;

/// A column value of one row.
pub(crate) enum Val {
    Str(String),
    Num(Option<f64>),
    Bool(bool),
    Arr(Vec<&'static str>),
    Time(Option<i64>),
}

/// A comparison operand.
#[derive(Clone, Debug)]
pub(crate) enum Operand {
    Str(String),
    Num(f64),
    Bool(bool),
    List(Vec<String>),
    Time(i64),
    None,
}

/// One condition.
#[derive(Clone, Debug)]
pub(crate) struct Cond {
    pub column: String,
    pub key: Option<String>,
    pub op: String,
    pub value: Operand,
}

impl Cond {
    pub fn eq(column: &str, value: &str) -> Self {
        Self {
            column: column.to_string(),
            key: None,
            op: "=".to_string(),
            value: Operand::Str(value.to_string()),
        }
    }
    pub fn new(column: &str, op: &str, value: Operand) -> Self {
        Self {
            column: column.to_string(),
            key: None,
            op: op.to_string(),
            value,
        }
    }
}

/// Canonical column name (aliases folded).
pub(crate) fn canonical(column: &str) -> &str {
    match column {
        "traceTags" => "tags",
        "providedModelName" => "model",
        "tokens" => "totalTokens",
        other => other,
    }
}

const OBS_COLUMNS: &[&str] = &[
    "id",
    "type",
    "name",
    "traceId",
    "startTime",
    "endTime",
    "environment",
    "level",
    "statusMessage",
    "version",
    "userId",
    "sessionId",
    "isRootObservation",
    "traceName",
    "tags",
    "latency",
    "timeToFirstToken",
    "tokensPerSecond",
    "inputTokens",
    "outputTokens",
    "totalTokens",
    "inputCost",
    "outputCost",
    "totalCost",
    "model",
    "promptName",
    "promptVersion",
    "metadata",
    "parentObservationId",
    "release",
    "input",
    "output",
];

/// The value of `column` for `row`; `None` for an unknown column.
pub(crate) fn column(row: &Row<'_>, column: &str, key: Option<&str>) -> Option<Val> {
    let secs = |ms: Option<i64>| ms.map(|v| v as f64 / 1000.0);
    Some(match canonical(column) {
        "id" => Val::Str(row.id()),
        "type" => Val::Str(row.kind().as_str().to_string()),
        "name" => Val::Str(row.name().to_string()),
        "traceId" => Val::Str(row.trace_id()),
        "startTime" => Val::Time(Some(row.start_ms())),
        "endTime" => Val::Time(row.end_ms()),
        "environment" => Val::Str(row.environment().to_string()),
        "level" => Val::Str(row.level().as_str().to_string()),
        "statusMessage" => Val::Str(row.status_message()),
        "version" => Val::Str(row.version().to_string()),
        "userId" => Val::Str(row.user_id().unwrap_or_default()),
        "sessionId" => Val::Str(row.session_id().unwrap_or_default()),
        "isRootObservation" => Val::Bool(row.is_root()),
        "traceName" => Val::Str(row.trace_name().to_string()),
        "tags" => Val::Arr(row.tags().collect()),
        "latency" => Val::Num(secs(row.latency_ms())),
        "timeToFirstToken" => Val::Num(secs(row.ttft_ms())),
        "tokensPerSecond" => Val::Num(
            row.latency_ms()
                .filter(|&ms| ms > 0)
                .map(|ms| row.output_tokens() as f64 / (ms as f64 / 1000.0)),
        ),
        "inputTokens" => Val::Num(Some(row.input_tokens() as f64)),
        "outputTokens" => Val::Num(Some(row.output_tokens() as f64)),
        "totalTokens" => Val::Num(Some(row.total_tokens() as f64)),
        "inputCost" => Val::Num(row.input_cost_usd()),
        "outputCost" => Val::Num(row.output_cost_usd()),
        "totalCost" => Val::Num(Some(row.total_cost_usd())),
        "model" => Val::Str(row.model().unwrap_or("").to_string()),
        "promptName" => Val::Str(row.prompt().map_or("", |p| p.1).to_string()),
        "promptVersion" => Val::Num(row.prompt().map(|p| p.2 as f64)),
        "metadata" => Val::Str(key.and_then(|k| row.metadata(k)).unwrap_or_default()),
        "parentObservationId" => Val::Str(row.parent_id().unwrap_or_default()),
        "release" => Val::Str(row.release().to_string()),
        _ => return None,
    })
}

/// Parses the JSON `filter` parameter; `Err` is the InvalidRequestError message.
pub(crate) fn parse_filter(text: &str, columns: &[&str]) -> Result<Vec<Cond>, String> {
    let value: Value =
        serde_json::from_str(text).map_err(|_| "Invalid JSON in filter parameter".to_string())?;
    let Some(items) = value.as_array() else {
        return Err("Invalid filter: expected an array of filter conditions".to_string());
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let field = |k: &str| item.get(k).and_then(Value::as_str);
        let (Some(kind), Some(col), Some(op)) = (field("type"), field("column"), field("operator"))
        else {
            return Err(
                "Invalid filter: each condition needs type, column and operator".to_string(),
            );
        };
        if !columns.contains(&canonical(col)) && !columns.contains(&col) {
            return Err(format!("Invalid filter column: {col}"));
        }
        let ops: &[&str] = match kind {
            "datetime" => &[">", "<", ">=", "<="],
            "string" | "stringObject" => &[
                "=",
                "contains",
                "does not contain",
                "starts with",
                "ends with",
                "matches",
            ],
            "stringOptions" | "categoryOptions" => &["any of", "none of"],
            "arrayOptions" => &["any of", "none of", "all of"],
            "number" | "numberObject" => &["=", ">", "<", ">=", "<="],
            "boolean" | "booleanObject" => &["=", "<>"],
            "null" => &["is null", "is not null"],
            _ => return Err(format!("Invalid filter type: {kind}")),
        };
        if !ops.contains(&op) {
            return Err(format!("Invalid operator \"{op}\" for filter type {kind}"));
        }
        let raw = item.get("value").unwrap_or(&Value::Null);
        let bad = || format!("Invalid value for {kind} filter on column {col}");
        let value = match kind {
            "datetime" => Operand::Time(
                raw.as_str()
                    .and_then(loupe_synth::json::parse_iso_ms)
                    .ok_or_else(bad)?,
            ),
            "string" | "stringObject" => Operand::Str(raw.as_str().ok_or_else(bad)?.to_string()),
            "stringOptions" | "categoryOptions" | "arrayOptions" => Operand::List(
                raw.as_array()
                    .ok_or_else(bad)?
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
            ),
            "number" | "numberObject" => Operand::Num(raw.as_f64().ok_or_else(bad)?),
            "boolean" | "booleanObject" => Operand::Bool(raw.as_bool().ok_or_else(bad)?),
            _ => Operand::None,
        };
        if (col == "input" || col == "output") && !matches!(op, "=" | "matches") && kind == "string"
        {
            let has_anchor = items.iter().any(|i| {
                matches!(
                    i.get("column").and_then(Value::as_str),
                    Some("input" | "output")
                ) && matches!(
                    i.get("operator").and_then(Value::as_str),
                    Some("=" | "matches")
                )
            });
            if !has_anchor {
                return Err("Filters on input or output require at least one \"=\" or \"matches\" filter on input or output".to_string());
            }
        }
        out.push(Cond {
            column: canonical(col).to_string(),
            key: field("key").map(str::to_string),
            op: op.to_string(),
            value,
        });
    }
    Ok(out)
}

/// Columns the v2 observations `filter` accepts.
pub(crate) fn observation_columns() -> &'static [&'static str] {
    OBS_COLUMNS
}

/// Simple conditions replaced by advanced ones on the same column, then both lists joined.
pub(crate) fn merge(simple: Vec<Cond>, advanced: Vec<Cond>) -> Vec<Cond> {
    let mut out: Vec<Cond> = simple
        .into_iter()
        .filter(|s| {
            !advanced
                .iter()
                .any(|a| canonical(&a.column) == canonical(&s.column))
        })
        .collect();
    out.extend(advanced);
    out
}

fn cmp_num(op: &str, a: f64, b: f64) -> bool {
    match op {
        "=" => a == b,
        ">" => a > b,
        "<" => a < b,
        ">=" => a >= b,
        "<=" => a <= b,
        _ => false,
    }
}

/// Evaluates one condition on a value.
pub(crate) fn holds(cond: &Cond, val: &Val) -> bool {
    match (&cond.value, val) {
        (Operand::None, v) => {
            let is_null = match v {
                Val::Str(s) => s.is_empty(),
                Val::Num(n) => n.is_none(),
                Val::Time(t) => t.is_none(),
                Val::Arr(a) => a.is_empty(),
                Val::Bool(_) => false,
            };
            (cond.op == "is null") == is_null
        }
        (Operand::Str(want), Val::Str(have)) => match cond.op.as_str() {
            "=" => have == want,
            "contains" => have.contains(want.as_str()),
            "does not contain" => !have.contains(want.as_str()),
            "starts with" => have.starts_with(want.as_str()),
            "ends with" => have.ends_with(want.as_str()),
            "matches" => have.contains(want.as_str()),
            _ => false,
        },
        (Operand::Str(want), Val::Num(Some(have))) => want
            .parse::<f64>()
            .is_ok_and(|w| cmp_num(&cond.op, *have, w)),
        (Operand::List(list), Val::Str(have)) => {
            let any = list.iter().any(|w| w == have);
            if cond.op == "none of" { !any } else { any }
        }
        (Operand::List(list), Val::Arr(tags)) => match cond.op.as_str() {
            "any of" => list.iter().any(|w| tags.contains(&w.as_str())),
            "none of" => !list.iter().any(|w| tags.contains(&w.as_str())),
            "all of" => list.iter().all(|w| tags.contains(&w.as_str())),
            _ => false,
        },
        (Operand::Num(want), Val::Num(Some(have))) => cmp_num(&cond.op, *have, *want),
        (Operand::Num(want), Val::Str(have)) => have
            .parse::<f64>()
            .is_ok_and(|h| cmp_num(&cond.op, h, *want)),
        (Operand::Bool(want), Val::Bool(have)) => (cond.op == "=") == (have == want),
        (Operand::Time(want), Val::Time(Some(have))) => {
            cmp_num(&cond.op, *have as f64, *want as f64)
        }
        _ => false,
    }
}

/// True when `row` satisfies every condition.
pub(crate) fn matches(row: &Row<'_>, conds: &[Cond]) -> bool {
    conds
        .iter()
        .all(|c| column(row, &c.column, c.key.as_deref()).is_some_and(|v| holds(c, &v)))
}

/// The observation types and levels Langfuse accepts in simple parameters.
pub(crate) fn type_names() -> Vec<&'static str> {
    ObsType::ALL.iter().map(|t| t.as_str()).collect()
}

pub(crate) fn level_names() -> Vec<&'static str> {
    Level::ALL.iter().map(|l| l.as_str()).collect()
}
