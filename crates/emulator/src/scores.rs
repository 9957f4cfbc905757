//! `GET /api/public/v3/scores` (API.md §6.3, §8.9): strict parameters, csv filters, base64url cursor,
//! `timestamp DESC, id DESC` order, `meta: {limit, cursor?}`.

use loupe_synth::{Dataset, ScoreFields, ScoreRef};
use serde_json::Value;

use crate::http::Answer;
use crate::params::{Issues, Query, int_param};

const ALLOWED: &[&str] = &[
    "limit",
    "cursor",
    "fields",
    "id",
    "name",
    "source",
    "dataType",
    "environment",
    "configId",
    "queueId",
    "authorUserId",
    "traceId",
    "sessionId",
    "observationId",
    "experimentId",
    "value",
    "valueMin",
    "valueMax",
    "fromTimestamp",
    "toTimestamp",
];

const CSV_FILTERS: &[&str] = &[
    "id",
    "name",
    "source",
    "dataType",
    "environment",
    "configId",
    "queueId",
    "authorUserId",
    "traceId",
    "sessionId",
    "observationId",
    "experimentId",
];

/// Lenient date coercion (`new Date(text)`): ISO with or without offset (UTC assumed), or a date.
fn lenient_date(text: &str) -> Option<i64> {
    loupe_synth::json::parse_iso_ms(text)
        .or_else(|| loupe_synth::json::parse_iso_ms(&format!("{text}Z")))
        .or_else(|| loupe_synth::json::parse_iso_ms(&format!("{text}T00:00:00Z")))
}

fn field(s: &ScoreRef<'_>, key: &str) -> Option<String> {
    Some(match key {
        "id" => s.id(),
        "name" => s.name().to_string(),
        "source" => s.source().to_string(),
        "dataType" => s.data_type().to_string(),
        "environment" => s.environment().to_string(),
        "configId" => s.config_id()?.to_string(),
        "queueId" => s.queue_id()?.to_string(),
        "authorUserId" => s.author_user_id()?.to_string(),
        "traceId" => s.trace_id(),
        "sessionId" => s.session_id()?,
        "observationId" => s.observation_id()?,
        _ => return None,
    })
}

pub(crate) fn v3(ds: &Dataset, q: &Query) -> Answer {
    let mut issues = Issues::default();
    let unknown: Vec<&str> = q
        .keys()
        .into_iter()
        .filter(|k| !ALLOWED.contains(k))
        .collect();
    if !unknown.is_empty() {
        issues.unrecognized_keys(&unknown);
    }
    let limit = int_param(q, &mut issues, "limit", 50, 1, true, 100).clamp(1, 100) as usize;
    if let Some(answer) = issues.answer() {
        return answer;
    }
    let mut fields = ScoreFields::default();
    for name in q.all("fields") {
        match name {
            "details" => fields.details = true,
            "subject" => fields.subject = true,
            "annotation" => fields.annotation = true,
            other => {
                return Answer::invalid_request(&format!(
                    "Invalid fields value: {other}. Allowed: details, subject, annotation"
                ));
            }
        }
    }
    if q.get("observationId").is_some() && q.get("traceId").is_none() {
        return Answer::invalid_request("observationId filter requires traceId");
    }
    let subjects = ["traceId", "sessionId", "experimentId"]
        .iter()
        .filter(|k| q.get(k).is_some())
        .count();
    if subjects > 1 {
        return Answer::invalid_request(
            "Only one of traceId, sessionId or experimentId can be provided",
        );
    }
    let data_types = q.all("dataType");
    let values = q.all("value");
    let one_value_type = matches!(
        data_types.as_slice(),
        ["NUMERIC" | "BOOLEAN" | "CATEGORICAL"]
    );
    if !values.is_empty() && !one_value_type {
        return Answer::invalid_request(
            "value filter requires exactly one dataType of NUMERIC, BOOLEAN or CATEGORICAL",
        );
    }
    let parse_num = |k: &str| {
        q.get(k)
            .map(|v| v.parse::<f64>().map_err(|_| k.to_string()))
    };
    let (value_min, value_max) = match (
        parse_num("valueMin").transpose(),
        parse_num("valueMax").transpose(),
    ) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(k), _) | (_, Err(k)) => {
            return Answer::invalid_request(&format!("{k} must be a number"));
        }
    };
    if (value_min.is_some() || value_max.is_some()) && data_types != ["NUMERIC"] {
        return Answer::invalid_request("valueMin and valueMax require dataType=NUMERIC");
    }
    let mut bounds = [None, None];
    for (slot, key) in bounds.iter_mut().zip(["fromTimestamp", "toTimestamp"]) {
        if let Some(text) = q.get(key) {
            match lenient_date(text) {
                Some(ms) => *slot = Some(ms),
                None => return Answer::invalid_request(&format!("Invalid {key}: {text}")),
            }
        }
    }
    let from = match q.get("cursor") {
        None => 0,
        Some(c) => {
            let decoded = loupe_synth::base64_url_decode(c)
                .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
                .and_then(|v| {
                    let ts = loupe_synth::json::parse_iso_ms(v.get("lastTimestamp")?.as_str()?)?;
                    Some((ts, v.get("lastId")?.as_str()?.to_string()))
                });
            match decoded {
                Some((ts, id)) => ds.score_position_after(ts, &id),
                None => return Answer::invalid_request("Invalid cursor"),
            }
        }
    };
    let filters: Vec<(&str, Vec<&str>)> = CSV_FILTERS
        .iter()
        .map(|k| (*k, q.all(k)))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let mut found = Vec::new();
    for i in from..ds.score_count() {
        let Some(s) = ds.score(i) else { break };
        if bounds[0].is_some_and(|f| s.timestamp_ms() < f)
            || bounds[1].is_some_and(|t| s.timestamp_ms() >= t)
        {
            continue;
        }
        let ok = filters
            .iter()
            .all(|(k, wanted)| field(&s, k).is_some_and(|v| wanted.contains(&v.as_str())))
            && (values.is_empty() || values.contains(&s.value_text().as_str()))
            && value_min.is_none_or(|m| s.numeric_value() >= m)
            && value_max.is_none_or(|m| s.numeric_value() <= m);
        if ok {
            found.push(i);
            if found.len() > limit {
                break;
            }
        }
    }
    let page = &found[..found.len().min(limit)];
    let mut body = String::from("{\"data\":[");
    for (n, &i) in page.iter().enumerate() {
        if n > 0 {
            body.push(',');
        }
        ds.write_v3_score(i, fields, &mut body);
    }
    body.push_str(&format!("],\"meta\":{{\"limit\":{limit}"));
    if found.len() > limit
        && let Some(s) = page.last().and_then(|&i| ds.score(i))
    {
        body.push_str(",\"cursor\":");
        loupe_synth::json::push_json_str(&mut body, &s.cursor());
    }
    body.push_str("}}");
    Answer::ok(body)
}
