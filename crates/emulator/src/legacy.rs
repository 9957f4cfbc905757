//! Legacy v1 reads of a self-hosted Langfuse v3 (API.md §8.3-§8.5): page-based, `startTime DESC` for
//! observations and `timestamp DESC` for traces, null conventions of v1, no synthetic `t-` rows.

use loupe_synth::{Dataset, TraceFields};

use crate::filter::{self, Cond, Operand};
use crate::http::Answer;
use crate::observations::{scan, simple_conditions};
use crate::params::{Issues, Query, datetime_param, page_body, page_params};

pub(crate) fn observations(ds: &Dataset, q: &Query) -> Answer {
    let mut issues = Issues::default();
    let (page, limit) = page_params(q, &mut issues);
    // `type` and `level` are validated inside (invalid enum values are zod issues).
    let mut conds = simple_conditions(q, &mut issues, &[]);
    if let Some(answer) = issues.answer() {
        return answer;
    }
    if let Some(text) = q.get("filter") {
        match filter::parse_filter(text, filter::observation_columns()) {
            Ok(advanced) => conds = filter::merge(conds, advanced),
            Err(message) => return Answer::invalid_request(&message),
        }
    }
    let matching: Vec<usize> = scan(ds, &conds, 0, usize::MAX)
        .into_iter()
        .filter(|&i| ds.is_v1_observation(i))
        .collect();
    let from = (page - 1).saturating_mul(limit).min(matching.len());
    let to = from.saturating_add(limit).min(matching.len());
    let items: Vec<String> = matching
        .get(from..to)
        .unwrap_or(&[])
        .iter()
        .map(|&i| {
            let mut s = String::with_capacity(2000);
            ds.write_v1_observation(i, false, &mut s);
            s
        })
        .collect();
    Answer::ok(page_body(&items, page, limit, matching.len()))
}

pub(crate) fn observation(ds: &Dataset, id: &str) -> Answer {
    let found = ds.rows().find(|r| !r.is_synthetic_root() && r.id() == id);
    match found {
        Some(r) => {
            let mut s = String::with_capacity(2000);
            ds.write_v1_observation(r.index(), false, &mut s);
            Answer::ok(s)
        }
        None => Answer::not_found("Observation not found within authorized project"),
    }
}

pub(crate) fn traces(ds: &Dataset, q: &Query) -> Answer {
    let mut issues = Issues::default();
    let (page, limit) = page_params(q, &mut issues);
    let from_ts = datetime_param(q, &mut issues, "fromTimestamp");
    let to_ts = datetime_param(q, &mut issues, "toTimestamp");
    if let Some(answer) = issues.answer() {
        return answer;
    }
    let (order_field, descending) = match q.get("orderBy") {
        None => ("timestamp", true),
        Some(text) => {
            let Some((field, dir)) = text.split_once('.') else {
                return Answer::invalid_request(&format!("Invalid order by: {text}"));
            };
            if ![
                "id",
                "timestamp",
                "name",
                "userId",
                "release",
                "version",
                "public",
                "bookmarked",
                "sessionId",
            ]
            .contains(&field)
            {
                return Answer::invalid_request(&format!("Invalid order by column: {field}"));
            }
            match dir {
                "asc" => (field, false),
                "desc" => (field, true),
                _ => return Answer::invalid_request(&format!("Invalid order by direction: {dir}")),
            }
        }
    };
    let mut conds: Vec<Cond> = Vec::new();
    for (param, column) in [
        ("userId", "userId"),
        ("name", "traceName"),
        ("sessionId", "sessionId"),
        ("version", "version"),
        ("release", "release"),
    ] {
        if let Some(v) = q.get(param) {
            conds.push(Cond::eq(column, v));
        }
    }
    let tags = q.all("tags");
    if !tags.is_empty() {
        conds.push(Cond::new(
            "tags",
            "all of",
            Operand::List(tags.iter().map(|s| s.to_string()).collect()),
        ));
    }
    let envs = q.all("environment");
    if !envs.is_empty() {
        conds.push(Cond::new(
            "environment",
            "any of",
            Operand::List(envs.iter().map(|s| s.to_string()).collect()),
        ));
    }
    let mut matching: Vec<usize> = ds
        .traces_by_time()
        .iter()
        .map(|&t| t as usize)
        .filter(|&t| {
            let Some(ts) = ds.trace_timestamp_ms(t) else {
                return false;
            };
            if from_ts.is_some_and(|f| ts < f) || to_ts.is_some_and(|e| ts >= e) {
                return false;
            }
            ds.trace_context_row(t)
                .is_some_and(|r| filter::matches(&r, &conds))
        })
        .collect();
    if order_field != "timestamp" || !descending {
        let key = |t: usize| -> String {
            let Some(r) = ds.trace_context_row(t) else {
                return String::new();
            };
            match order_field {
                "id" => r.trace_id(),
                "name" => r.trace_name().to_string(),
                "userId" => r.user_id().unwrap_or_default(),
                "sessionId" => r.session_id().unwrap_or_default(),
                "release" => r.release().to_string(),
                "version" => r.version().to_string(),
                "timestamp" => format!("{:020}", ds.trace_timestamp_ms(t).unwrap_or(0)),
                _ => String::new(),
            }
        };
        matching.sort_by_cached_key(|&t| key(t));
        if descending {
            matching.reverse();
        }
    }
    let fields = TraceFields::parse(q.get("fields"));
    let from = (page - 1).saturating_mul(limit).min(matching.len());
    let to = from.saturating_add(limit).min(matching.len());
    let items: Vec<String> = matching
        .get(from..to)
        .unwrap_or(&[])
        .iter()
        .map(|&t| {
            let mut s = String::with_capacity(1500);
            ds.write_trace(t, fields, false, &mut s);
            s
        })
        .collect();
    Answer::ok(page_body(&items, page, limit, matching.len()))
}

pub(crate) fn trace(ds: &Dataset, id: &str, q: &Query) -> Answer {
    match ds.find_trace(id) {
        Some(t) => {
            let mut s = String::with_capacity(20_000);
            ds.write_trace(t, TraceFields::parse(q.get("fields")), true, &mut s);
            Answer::ok(s)
        }
        None => Answer::not_found(&format!("Trace {id} not found within authorized project")),
    }
}
