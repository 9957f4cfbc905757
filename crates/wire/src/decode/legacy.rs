//! The v1 read path (self-hosted Langfuse v3 without the v4 endpoints): traces lists for trace context,
//! a trace's detail (its observations and scores), and sessions lists (API.md §8.3, §8.4, §8.8, §9.1).

use loupe_core::{ObservationRow, ScoreRow};

use super::field::scalar_text;
use super::observation::RowDecoder;
use super::page::{decode_page, trailing};
use super::scan::{Scanner, SyntaxError, Tok};
use super::score::ScoreDecoder;
use super::time::timestamp_ms;
use super::{DecodeError, PageSummary, body_text, snippet};
use crate::wire::{PageMeta, Session, TraceContextOwned};

/// Decodes a v1 traces page into trace contexts (for [`super::legacy_observations_page`]).
/// Rows that are not objects or have no `id` are left out.
pub fn legacy_traces_page(body: &[u8]) -> Result<(Vec<TraceContextOwned>, PageMeta), DecodeError> {
    let text = body_text(body)?;
    let mut summary = PageSummary::default();
    let mut traces = Vec::new();
    let mut scratch = String::new();
    let meta = decode_page(&text, "a v1 traces page", &mut summary, &mut |sc, _| {
        sc.enter();
        let mut first = true;
        while sc.next_element(&mut first)? {
            if sc.peek() == Some(b'{') {
                let trace = read_trace(sc, &mut scratch)?;
                if !trace.id.is_empty() {
                    traces.push(trace);
                }
            } else {
                sc.skip_value()?;
            }
        }
        Ok(())
    })?;
    Ok((traces, meta))
}

/// Decodes a v1 trace detail (`GET /api/public/traces/{id}`): its context, its observations (to
/// `observations`, with the trace's context filled in) and its scores (to `scores`). The summary counts
/// observations and scores together; issues carry page 0, and `row` indexes the observation or score array.
pub fn legacy_trace_detail<F, G>(
    body: &[u8],
    mut observations: F,
    mut scores: G,
) -> Result<(TraceContextOwned, PageSummary), DecodeError>
where
    F: FnMut(&ObservationRow<'_>),
    G: FnMut(&ScoreRow<'_>),
{
    legacy_trace_detail_dyn(body, &mut observations, &mut scores)
}

/// [`legacy_trace_detail`] compiled once, not per pair of caller's closures.
fn legacy_trace_detail_dyn(
    body: &[u8],
    observations: &mut dyn FnMut(&ObservationRow<'_>),
    scores: &mut dyn FnMut(&ScoreRow<'_>),
) -> Result<(TraceContextOwned, PageSummary), DecodeError> {
    let text = body_text(body)?;
    let mut scratch = String::new();
    let mut summary = PageSummary {
        bytes: body.len(),
        ..PageSummary::default()
    };
    // First pass: the trace's own fields (the arrays may come before them).
    let mut sc = Scanner::new(&text);
    if sc.peek() != Some(b'{') {
        Scanner::new(&text)
            .skip_value()
            .map_err(|e| DecodeError::syntax(e, 0))?;
        return Err(DecodeError::NotAPage {
            expected: "a v1 trace",
            found: format!("{:?}", snippet(text.trim(), 60)),
        });
    }
    let trace = read_trace(&mut sc, &mut scratch).map_err(|e| DecodeError::syntax(e, 0))?;
    if !sc.at_end() {
        return Err(trailing(&sc, 0));
    }
    if trace.id.is_empty() {
        return Err(DecodeError::NotAPage {
            expected: "a v1 trace",
            found: "an object without an `id`".into(),
        });
    }
    // Second pass: the arrays.
    let context = trace.context();
    let lookup = |_: &str| Some(context);
    let mut rows = RowDecoder::default();
    let mut score_rows = ScoreDecoder::default();
    let mut sc = Scanner::new(&text);
    sc.enter();
    let mut first = true;
    let mut keybuf = String::new();
    let result: Result<(), SyntaxError> = (|| {
        while let Some(key) = sc.next_key(&mut first, &mut keybuf)? {
            match (key.resolve(&text, &keybuf), sc.peek()) {
                ("observations", Some(b'[')) => {
                    rows.array_rows(&mut sc, 0, &mut summary, &lookup, observations)?
                }
                ("scores", Some(b'[')) => {
                    score_rows.array_rows(&mut sc, 0, &mut summary, scores)?
                }
                _ => sc.skip_value()?,
            }
        }
        Ok(())
    })();
    result.map_err(|e| DecodeError::syntax(e, summary.rows))?;
    Ok((trace, summary))
}

/// Decodes a v1 sessions page (`GET /api/public/sessions`). Rows without an `id` are left out.
pub fn legacy_sessions_page(body: &[u8]) -> Result<(Vec<Session>, PageMeta), DecodeError> {
    let text = body_text(body)?;
    let mut summary = PageSummary::default();
    let mut sessions = Vec::new();
    let mut scratch = String::new();
    let mut keybuf = String::new();
    let meta = decode_page(&text, "a v1 sessions page", &mut summary, &mut |sc, _| {
        let text = sc.text();
        sc.enter();
        let mut first = true;
        while sc.next_element(&mut first)? {
            if sc.peek() != Some(b'{') {
                sc.skip_value()?;
                continue;
            }
            sc.enter();
            let mut session = Session::default();
            let mut first_key = true;
            while let Some(key) = sc.next_key(&mut first_key, &mut keybuf)? {
                let key = key.resolve(text, &keybuf);
                let slot = match key {
                    "id" => Some(&mut session.id),
                    "projectId" => Some(&mut session.project_id),
                    "environment" => Some(&mut session.environment),
                    "createdAt" => None,
                    _ => {
                        sc.skip_value()?;
                        continue;
                    }
                };
                let value = owned_text(sc, &mut scratch)?;
                match slot {
                    Some(slot) => *slot = value.unwrap_or_default(),
                    None => session.created_at_ms = value.as_deref().and_then(timestamp_ms),
                }
            }
            if !session.id.is_empty() {
                sessions.push(session);
            }
        }
        Ok(())
    })?;
    Ok((sessions, meta))
}

/// Reads one trace object (positioned on `{`), skipping its `observations`/`scores` arrays and io.
fn read_trace(
    sc: &mut Scanner<'_>,
    scratch: &mut String,
) -> Result<TraceContextOwned, SyntaxError> {
    let text = sc.text();
    let mut keybuf = String::new();
    let mut trace = TraceContextOwned::default();
    sc.enter();
    let mut first = true;
    while let Some(key) = sc.next_key(&mut first, &mut keybuf)? {
        match key.resolve(text, &keybuf) {
            "id" => trace.id = owned_text(sc, scratch)?.unwrap_or_default(),
            "name" => trace.name = owned_text(sc, scratch)?,
            "userId" => trace.user_id = owned_text(sc, scratch)?,
            "sessionId" => trace.session_id = owned_text(sc, scratch)?,
            "release" => trace.release = owned_text(sc, scratch)?,
            "version" => trace.version = owned_text(sc, scratch)?,
            "environment" => trace.environment = owned_text(sc, scratch)?,
            "timestamp" => {
                trace.timestamp_ms = owned_text(sc, scratch)?.as_deref().and_then(timestamp_ms)
            }
            "tags" => trace.tags = read_tags(sc, scratch)?,
            _ => sc.skip_value()?,
        }
    }
    Ok(trace)
}

/// A scalar as owned text (`""`, null and containers are `None`; containers are skipped).
fn owned_text(sc: &mut Scanner<'_>, scratch: &mut String) -> Result<Option<String>, SyntaxError> {
    let text = sc.text();
    scratch.clear();
    match scalar_text(sc, scratch)? {
        Ok(value) => Ok(value.map(|s| s.resolve(text, scratch).to_owned())),
        Err(_) => {
            sc.skip_value()?;
            Ok(None)
        }
    }
}

/// Tags: an array of scalars (others dropped) or one string.
fn read_tags(sc: &mut Scanner<'_>, scratch: &mut String) -> Result<Vec<String>, SyntaxError> {
    let mut tags = Vec::new();
    match sc.token(scratch)? {
        Tok::Array => sc.enter(),
        Tok::Object => {
            sc.skip_value()?;
            return Ok(tags);
        }
        Tok::Str(s) => {
            let text = sc.text();
            tags.extend(
                Some(s.resolve(text, scratch))
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned),
            );
            return Ok(tags);
        }
        _ => return Ok(tags),
    }
    let mut first = true;
    while sc.next_element(&mut first)? {
        tags.extend(owned_text(sc, scratch)?);
    }
    Ok(tags)
}
