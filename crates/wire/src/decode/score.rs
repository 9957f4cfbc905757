//! Scores straight into [`ScoreRow`]s: v3 rows (`/api/public/v3/scores`, API.md §9.4) and, with the same
//! decoder, v1/v2 rows (trace detail, `/v2/scores`), which carry `traceId`/`observationId`/`sessionId` at the
//! top level and a `stringValue` beside a numeric `value`.
//!
//! Value by data type: NUMERIC takes a number (or numeric string); BOOLEAN takes `true`/`false`, `0`/`1` or
//! the v1 `stringValue` `"True"`/`"False"`; CATEGORICAL, TEXT and CORRECTION take a string `value`, else
//! `stringValue`, else a number's text. An unknown data type keeps whatever the value is. A value that does
//! not fit its type is [`ScoreValue::Missing`] rather than a skipped row: the score still counts.
//! Subject: the v3 `subject` object wins; without it the top-level ids decide (observation, then trace,
//! session, dataset run). Rows without `id`, `name` or a valid `timestamp` are skipped and reported.

use std::borrow::Cow;

use loupe_core::score::ScoreSubject;
use loupe_core::{ScoreDataType, ScoreRow, ScoreValue};

use super::field::{Fail, FieldIssue, opt_text, opt_time, wrong_type};
use super::num;
use super::page::decode_page;
use super::scan::{Scanner, Str, SyntaxError, Tok};
use super::{DecodeError, PageSummary, RowIssue, body_text};

/// Decodes a scores page `{"data":[...],"meta":{"limit","cursor"?}}` (v3; v2 pages decode too).
pub fn scores_page<F: FnMut(&ScoreRow<'_>)>(
    body: &[u8],
    page: u32,
    mut sink: F,
) -> Result<PageSummary, DecodeError> {
    scores_page_dyn(body, page, &mut sink)
}

/// [`scores_page`] compiled once, not per caller's closure.
fn scores_page_dyn(
    body: &[u8],
    page: u32,
    sink: &mut dyn FnMut(&ScoreRow<'_>),
) -> Result<PageSummary, DecodeError> {
    let text = body_text(body)?;
    let mut decoder = ScoreDecoder::default();
    let mut summary = PageSummary {
        bytes: body.len(),
        ..PageSummary::default()
    };
    let meta = decode_page(&text, "a scores page", &mut summary, &mut |sc, summary| {
        decoder.array_rows(sc, page, summary, sink)
    })?;
    summary.cursor = meta.cursor;
    Ok(summary)
}

#[derive(Clone, Copy, Debug, Default)]
enum RawValue {
    #[default]
    Absent,
    Number(usize, usize),
    Bool(bool),
    Text(Str),
}

#[derive(Clone, Copy, Debug, Default)]
struct RawScore {
    id: Option<Str>,
    name: Option<Str>,
    data_type: Option<Str>,
    value: RawValue,
    string_value: Option<Str>,
    source: Option<Str>,
    timestamp_ms: Option<i64>,
    environment: Option<Str>,
    trace_id: Option<Str>,
    observation_id: Option<Str>,
    session_id: Option<Str>,
    dataset_run_id: Option<Str>,
    subject_kind: Option<Str>,
    subject_id: Option<Str>,
    subject_trace_id: Option<Str>,
}

#[derive(Default)]
pub(super) struct ScoreDecoder {
    scratch: String,
    keybuf: String,
}

impl ScoreDecoder {
    pub(super) fn array_rows(
        &mut self,
        sc: &mut Scanner<'_>,
        page: u32,
        summary: &mut PageSummary,
        sink: &mut dyn FnMut(&ScoreRow<'_>),
    ) -> Result<(), SyntaxError> {
        sc.enter();
        let mut first = true;
        let mut index = 0u32;
        while sc.next_element(&mut first)? {
            let issue = if sc.peek() == Some(b'{') {
                match self.read_row(sc)? {
                    Ok(raw) => self.emit(sc.text(), &raw, sink).err(),
                    Err(issue) => Some(issue),
                }
            } else {
                let tok = sc.token(&mut self.scratch)?;
                if matches!(tok, Tok::Array) {
                    sc.skip_value()?;
                }
                Some(FieldIssue {
                    field: Cow::Borrowed(""),
                    reason: format!("expected a score object, found {}", tok.kind()),
                })
            };
            match issue {
                None => summary.rows = summary.rows.saturating_add(1),
                Some(f) => summary.skipped.push(RowIssue {
                    page,
                    row: index,
                    field: f.field.into_owned(),
                    reason: f.reason,
                }),
            }
            index = index.saturating_add(1);
        }
        Ok(())
    }

    fn read_row(
        &mut self,
        sc: &mut Scanner<'_>,
    ) -> Result<Result<RawScore, FieldIssue>, SyntaxError> {
        self.scratch.clear();
        let text = sc.text();
        let mut raw = RawScore::default();
        let mut issue = None;
        sc.enter();
        let mut first = true;
        while let Some(key) = sc.next_key(&mut first, &mut self.keybuf)? {
            let key = match key.resolve(text, &self.keybuf) {
                "id" => 0,
                "name" => 1,
                "dataType" => 2,
                "value" => 3,
                "stringValue" => 4,
                "source" => 5,
                "timestamp" => 6,
                "environment" => 7,
                "traceId" => 8,
                "observationId" => 9,
                "sessionId" => 10,
                "datasetRunId" => 11,
                "subject" => 12,
                _ => u8::MAX,
            };
            let s = &mut self.scratch;
            let result = match key {
                0 => opt_text(sc, s, "id").map(|v| raw.id = v),
                1 => opt_text(sc, s, "name").map(|v| raw.name = v),
                2 => opt_text(sc, s, "dataType").map(|v| raw.data_type = v),
                3 => read_value(sc, s).map(|v| raw.value = v),
                4 => opt_text(sc, s, "stringValue").map(|v| raw.string_value = v),
                5 => opt_text(sc, s, "source").map(|v| raw.source = v),
                6 => opt_time(sc, s, "timestamp").map(|v| raw.timestamp_ms = v),
                7 => opt_text(sc, s, "environment").map(|v| raw.environment = v),
                8 => opt_text(sc, s, "traceId").map(|v| raw.trace_id = v),
                9 => opt_text(sc, s, "observationId").map(|v| raw.observation_id = v),
                10 => opt_text(sc, s, "sessionId").map(|v| raw.session_id = v),
                11 => opt_text(sc, s, "datasetRunId").map(|v| raw.dataset_run_id = v),
                12 => self.read_subject(sc, &mut raw),
                _ => sc.skip_value().map_err(Fail::Syntax),
            };
            match result {
                Ok(()) => {}
                Err(Fail::Syntax(e)) => return Err(e),
                Err(Fail::Field(f)) => {
                    issue.get_or_insert(f);
                }
            }
        }
        if let Some(f) = issue {
            return Ok(Err(*f));
        }
        for (present, field) in [
            (raw.id.is_some(), "id"),
            (raw.name.is_some(), "name"),
            (raw.timestamp_ms.is_some(), "timestamp"),
        ] {
            if !present {
                return Ok(Err(FieldIssue {
                    field: Cow::Borrowed(field),
                    reason: "missing".into(),
                }));
            }
        }
        Ok(Ok(raw))
    }

    /// `subject`: `{"kind", "id", "traceId"?}` or null.
    fn read_subject(&mut self, sc: &mut Scanner<'_>, raw: &mut RawScore) -> Result<(), Fail> {
        match sc.token(&mut self.scratch)? {
            Tok::Object => sc.enter(),
            Tok::Null => return Ok(()),
            tok => return wrong_type(sc, tok, "subject", "an object"),
        }
        let text = sc.text();
        let mut first = true;
        let mut issue = None;
        while let Some(key) = sc.next_key(&mut first, &mut self.keybuf)? {
            let s = &mut self.scratch;
            let result = match key.resolve(text, &self.keybuf) {
                "kind" => opt_text(sc, s, "subject.kind").map(|v| raw.subject_kind = v),
                "id" => opt_text(sc, s, "subject.id").map(|v| raw.subject_id = v),
                "traceId" => opt_text(sc, s, "subject.traceId").map(|v| raw.subject_trace_id = v),
                _ => sc.skip_value().map_err(Fail::Syntax),
            };
            match result {
                Ok(()) => {}
                Err(Fail::Syntax(e)) => return Err(Fail::Syntax(e)),
                Err(Fail::Field(f)) => {
                    issue.get_or_insert(f);
                }
            }
        }
        match issue {
            Some(f) => Err(Fail::Field(f)),
            None => Ok(()),
        }
    }

    fn emit(
        &self,
        input: &str,
        raw: &RawScore,
        sink: &mut dyn FnMut(&ScoreRow<'_>),
    ) -> Result<(), FieldIssue> {
        let r = |s: Str| s.resolve(input, &self.scratch);
        let opt = |s: Option<Str>| s.map(r);
        let (Some(id), Some(name), Some(timestamp_ms)) =
            (opt(raw.id), opt(raw.name), raw.timestamp_ms)
        else {
            return Err(FieldIssue {
                field: Cow::Borrowed("id"),
                reason: "missing".into(),
            });
        };
        let data_type = opt(raw.data_type).map_or(ScoreDataType::Other, ScoreDataType::parse);
        let number =
            |a: usize, b: usize| num::parse_f64(input.get(a..b).unwrap_or("")).ok().flatten();
        let string_value = opt(raw.string_value);
        let value = match (data_type, raw.value) {
            (ScoreDataType::Numeric, RawValue::Number(a, b)) => {
                number(a, b).map(ScoreValue::Numeric)
            }
            (ScoreDataType::Numeric, RawValue::Text(s)) => {
                num::parse_f64(r(s)).ok().flatten().map(ScoreValue::Numeric)
            }
            (ScoreDataType::Numeric, _) => None,
            (ScoreDataType::Boolean, RawValue::Bool(b)) => Some(ScoreValue::Boolean(b)),
            (ScoreDataType::Boolean, RawValue::Number(a, b)) => {
                number(a, b).map(|v| ScoreValue::Boolean(v != 0.0))
            }
            (ScoreDataType::Boolean, RawValue::Text(s)) => {
                parse_bool(r(s)).map(ScoreValue::Boolean)
            }
            (ScoreDataType::Boolean, RawValue::Absent) => {
                string_value.and_then(parse_bool).map(ScoreValue::Boolean)
            }
            (ScoreDataType::Categorical | ScoreDataType::Text | ScoreDataType::Correction, v) => {
                match (v, string_value) {
                    (RawValue::Text(s), _) => Some(ScoreValue::Text(r(s))),
                    (_, Some(text)) => Some(ScoreValue::Text(text)),
                    (RawValue::Number(a, b), None) => input.get(a..b).map(ScoreValue::Text),
                    (RawValue::Bool(b), None) => {
                        Some(ScoreValue::Text(if b { "true" } else { "false" }))
                    }
                    (RawValue::Absent, None) => None,
                }
            }
            (ScoreDataType::Other, RawValue::Number(a, b)) => number(a, b).map(ScoreValue::Numeric),
            (ScoreDataType::Other, RawValue::Bool(b)) => Some(ScoreValue::Boolean(b)),
            (ScoreDataType::Other, RawValue::Text(s)) => Some(ScoreValue::Text(r(s))),
            (ScoreDataType::Other, RawValue::Absent) => string_value.map(ScoreValue::Text),
        }
        .unwrap_or(ScoreValue::Missing);

        let mut trace_id = opt(raw.trace_id);
        let mut observation_id = opt(raw.observation_id);
        let mut session_id = opt(raw.session_id);
        let subject_id = opt(raw.subject_id);
        let kind = opt(raw.subject_kind);
        let is = |name: &str| kind.is_some_and(|k| k.eq_ignore_ascii_case(name));
        let subject = match kind {
            Some(_) if is("trace") => {
                trace_id = subject_id.or(trace_id);
                ScoreSubject::Trace
            }
            Some(_) if is("observation") => {
                observation_id = subject_id.or(observation_id);
                trace_id = opt(raw.subject_trace_id).or(trace_id);
                ScoreSubject::Observation
            }
            Some(_) if is("session") => {
                session_id = subject_id.or(session_id);
                ScoreSubject::Session
            }
            Some(_) if is("experiment") => ScoreSubject::Experiment,
            Some(_) => ScoreSubject::Other,
            None if observation_id.is_some() => ScoreSubject::Observation,
            None if trace_id.is_some() => ScoreSubject::Trace,
            None if session_id.is_some() => ScoreSubject::Session,
            None if raw.dataset_run_id.is_some() => ScoreSubject::Experiment,
            None => ScoreSubject::Other,
        };
        sink(&ScoreRow {
            id,
            name,
            data_type,
            value,
            source: opt(raw.source),
            timestamp_ms,
            environment: opt(raw.environment),
            subject,
            trace_id,
            observation_id,
            session_id,
        });
        Ok(())
    }
}

/// `value` of any type; `""` and null are absent. Containers fail the field.
fn read_value(sc: &mut Scanner<'_>, scratch: &mut String) -> Result<RawValue, Fail> {
    Ok(match sc.token(scratch)? {
        Tok::Num(a, b) => RawValue::Number(a, b),
        Tok::Bool(b) => RawValue::Bool(b),
        Tok::Str(s) if s.is_empty() => RawValue::Absent,
        Tok::Str(s) => RawValue::Text(s),
        Tok::Null => RawValue::Absent,
        tok => return wrong_type(sc, tok, "value", "a number, boolean or string"),
    })
}

fn parse_bool(text: &str) -> Option<bool> {
    match text.trim() {
        t if t.eq_ignore_ascii_case("true") || t == "1" => Some(true),
        t if t.eq_ignore_ascii_case("false") || t == "0" => Some(false),
        _ => None,
    }
}
