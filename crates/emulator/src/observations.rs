//! `GET /api/public/v2/observations` (API.md §6.2, §8.7, §9.3): parameter validation, filters, cursor
//! paging with `limit + 1` probing, `meta.cursor` omitted on the last page.

use loupe_synth::{Dataset, FieldGroups, Level, ObsType};
use serde_json::Value;

use crate::filter::{self, Cond, Operand};
use crate::http::Answer;
use crate::params::{Issues, Query, datetime_param, int_param};

/// Decodes a v2 cursor into (startTime ms, traceId, id).
pub(crate) fn decode_cursor(text: &str) -> Option<(i64, String, String)> {
    let bytes = loupe_synth::base64_standard_decode(text.trim())?;
    let v: Value = serde_json::from_slice(&bytes).ok()?;
    let ms = loupe_synth::json::parse_iso_ms(v.get("lastStartTimeTo")?.as_str()?)?;
    Some((
        ms,
        v.get("lastTraceId")?.as_str()?.to_string(),
        v.get("lastId")?.as_str()?.to_string(),
    ))
}

/// Index of the first row whose start is below `t_ms` (rows are sorted by start DESC).
pub(crate) fn first_below(ds: &Dataset, t_ms: i64) -> usize {
    let (mut lo, mut hi) = (0usize, ds.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if ds.row(mid).is_some_and(|r| r.start_ms() >= t_ms) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// Row indexes in `[from, ..)` order that satisfy `conds`, at most `max`; uses time bounds and a trace
/// id condition to avoid scanning everything.
pub(crate) fn scan(ds: &Dataset, conds: &[Cond], from: usize, max: usize) -> Vec<usize> {
    let mut lower: Option<i64> = None;
    let mut upper: Option<i64> = None;
    let mut trace: Option<&str> = None;
    for c in conds {
        match (c.column.as_str(), c.op.as_str(), &c.value) {
            ("startTime", ">=", Operand::Time(t)) => lower = Some(lower.map_or(*t, |l| l.max(*t))),
            ("startTime", ">", Operand::Time(t)) => {
                lower = Some(lower.map_or(t + 1, |l| l.max(t + 1)))
            }
            ("startTime", "<", Operand::Time(t)) => upper = Some(upper.map_or(*t, |u| u.min(*t))),
            ("startTime", "<=", Operand::Time(t)) => {
                upper = Some(upper.map_or(t + 1, |u| u.min(t + 1)))
            }
            ("traceId", "=", Operand::Str(id)) => trace = Some(id.as_str()),
            _ => {}
        }
    }
    let mut out = Vec::new();
    if max == 0 {
        return out;
    }
    if let Some(trace_id) = trace {
        let Some(t) = ds.find_trace(trace_id) else {
            return out;
        };
        for &i in ds.trace_row_indexes(t) {
            let i = i as usize;
            if i >= from && ds.row(i).is_some_and(|r| filter::matches(&r, conds)) {
                out.push(i);
                if out.len() >= max {
                    break;
                }
            }
        }
        return out;
    }
    let start = upper.map_or(from, |u| from.max(first_below(ds, u)));
    let end = lower.map_or(ds.len(), |l| first_below(ds, l));
    for i in start..end {
        if ds.row(i).is_some_and(|r| filter::matches(&r, conds)) {
            out.push(i);
            if out.len() >= max {
                break;
            }
        }
    }
    out
}

/// The simple query parameters as conditions; issues collect zod errors.
pub(crate) fn simple_conditions(q: &Query, issues: &mut Issues, extra: &[&str]) -> Vec<Cond> {
    let mut conds = Vec::new();
    for key in ["name", "userId", "sessionId", "traceId", "version"]
        .iter()
        .chain(extra)
    {
        if let Some(v) = q.get(key) {
            conds.push(Cond::eq(key, v));
        }
    }
    if let Some(t) = q.get("type") {
        if ObsType::parse(t).is_none() {
            issues.invalid_value("type", &filter::type_names());
        }
        conds.push(Cond::eq("type", t));
    }
    if let Some(l) = q.get("level") {
        if Level::parse(l).is_none() {
            issues.invalid_value("level", &filter::level_names());
        }
        conds.push(Cond::eq("level", l));
    }
    if let Some(p) = q.get_raw("parentObservationId") {
        conds.push(if p.is_empty() {
            Cond::new("parentObservationId", "is null", Operand::None)
        } else {
            Cond::eq("parentObservationId", p)
        });
    }
    let envs = q.all("environment");
    if !envs.is_empty() {
        conds.push(Cond::new(
            "environment",
            "any of",
            Operand::List(envs.iter().map(|s| s.to_string()).collect()),
        ));
    }
    if let Some(from) = datetime_param(q, issues, "fromStartTime") {
        conds.push(Cond::new("startTime", ">=", Operand::Time(from)));
    }
    if let Some(to) = datetime_param(q, issues, "toStartTime") {
        conds.push(Cond::new("startTime", "<", Operand::Time(to)));
    }
    conds
}

/// Handles the v2 list.
pub(crate) fn v2(ds: &Dataset, q: &Query) -> Answer {
    let mut issues = Issues::default();
    let limit = int_param(q, &mut issues, "limit", 50, 0, true, 1000).max(0) as usize;
    let mut conds = simple_conditions(q, &mut issues, &[]);
    match q.get("isRootObservation") {
        Some("true") => conds.push(Cond::new("isRootObservation", "=", Operand::Bool(true))),
        Some("false") => conds.push(Cond::new("isRootObservation", "=", Operand::Bool(false))),
        Some(_) => issues.invalid_boolean("isRootObservation"),
        None => {}
    }
    match q.get("parseIoAsJson") {
        None | Some("false") => {}
        Some("true") => {
            return Answer::invalid_request(
                "parseIoAsJson is no longer supported: input and output are always returned as raw strings. Remove the parameter or set it to false.",
            );
        }
        Some(_) => issues.invalid_boolean("parseIoAsJson"),
    }
    if let Some(answer) = issues.answer() {
        return answer;
    }
    let from = match q.get("cursor") {
        None => 0,
        Some(c) => match decode_cursor(c) {
            Some((ms, trace, id)) => ds.position_after(ms, &trace, &id),
            None => return Answer::invalid_request("Invalid cursor format"),
        },
    };
    let advanced = match q.get("filter") {
        None => Vec::new(),
        Some(text) => match filter::parse_filter(text, filter::observation_columns()) {
            Ok(c) => c,
            Err(message) => return Answer::invalid_request(&message),
        },
    };
    let conds = filter::merge(conds, advanced);
    let fields = FieldGroups::parse(q.get("fields"));
    let found = scan(ds, &conds, from, limit + 1);
    let page = &found[..found.len().min(limit)];
    let mut body = String::with_capacity(page.len() * 1500 + 64);
    body.push_str("{\"data\":[");
    for (n, &i) in page.iter().enumerate() {
        if n > 0 {
            body.push(',');
        }
        ds.write_v2_observation(i, fields, &mut body);
    }
    body.push_str("],\"meta\":{");
    if found.len() > limit
        && let Some(cursor) = page.last().and_then(|&i| ds.v2_cursor_after(i))
    {
        body.push_str("\"cursor\":");
        loupe_synth::json::push_json_str(&mut body, &cursor);
    }
    body.push_str("}}");
    Answer::ok(body)
}
