//! Observations (v2 pages, v1 pages, files of v2 objects) straight into [`ObservationRow`]s.
//!
//! One row decoder serves every dialect: it reads the keys it knows (v2 names, v1 names and the spec's
//! `providedModelName`), skips the rest without unescaping, and records strings as spans. Once the row's
//! object is closed, the spans are resolved against the input and the scratch buffer into recycled vectors,
//! the row is handed to the sink, and the vectors go back for the next row.

use std::borrow::Cow;

use loupe_core::{Level, ObservationRow, ObservationType};

use super::fast::{self, KeyToken};
use super::field::{
    FResult, Fail, FieldIssue, copy_key, field_fail, object_or_null, opt_bool, opt_f64, opt_i64,
    opt_text, opt_time, scalar_text, wrong_type,
};
use super::num::{self, IntError};
use super::page::{decode_page, trailing};
use super::scan::{Scanner, Str, SyntaxError, Tok};
use super::time::timestamp_ms;
use super::{DecodeError, PageSummary, RowIssue, body_text, snippet};
use crate::wire::{ObservationRecord, TraceContext};

/// Decodes a v2 observations page `{"data":[...],"meta":{"cursor"?}}` (API.md §8.7, §9.3).
///
/// Rows go to `sink` in page order; skipped rows are listed in the summary with `page` as given.
pub fn observations_page<F: FnMut(&ObservationRow<'_>)>(
    body: &[u8],
    page: u32,
    sink: F,
) -> Result<PageSummary, DecodeError> {
    ObservationDecoder::new().page(body, page, sink)
}

/// A v2 page decoder that keeps its buffers (and its learned key order) from one page to the next, so a
/// long fetch allocates nothing per page either. [`observations_page`] is this with a fresh decoder.
#[derive(Default)]
pub struct ObservationDecoder {
    rows: RowDecoder,
}

impl ObservationDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// A decoder that never takes the fast path (see `fast.rs`): the reference the fast path is tested
    /// against. Not for production use: it gives the same rows, more slowly.
    #[doc(hidden)]
    pub fn general_only() -> Self {
        Self {
            rows: RowDecoder {
                general_only: true,
                ..RowDecoder::default()
            },
        }
    }

    /// Same as [`observations_page`].
    pub fn page<F: FnMut(&ObservationRow<'_>)>(
        &mut self,
        body: &[u8],
        page: u32,
        mut sink: F,
    ) -> Result<PageSummary, DecodeError> {
        self.page_dyn(body, page, &mut sink)
    }

    /// [`Self::page`] with the sink behind `dyn`: the decoder is compiled once (here, at the data path's
    /// optimisation level), not once per caller's closure; one indirect call per row costs nothing beside
    /// the row's decoding.
    fn page_dyn(
        &mut self,
        body: &[u8],
        page: u32,
        sink: &mut dyn FnMut(&ObservationRow<'_>),
    ) -> Result<PageSummary, DecodeError> {
        let text = body_text(body)?;
        let mut summary = PageSummary {
            bytes: body.len(),
            ..PageSummary::default()
        };
        let rows = &mut self.rows;
        let meta = decode_page(
            &text,
            "a v2 observations page",
            &mut summary,
            &mut |sc, summary| rows.array_rows(sc, page, summary, &no_context, sink),
        )?;
        summary.cursor = meta.cursor;
        Ok(summary)
    }
}

/// Decodes a file of v2 observations: a page object (first key `data` or `meta`), a JSON array of
/// observation objects, a single observation object, or JSON lines (one object per line; lines split on
/// `\n` only, so U+2028 inside strings is fine; blank lines ignored; `\r\n` tolerated).
///
/// For JSON lines a bad line is a [`RowIssue`] whose `row` is the zero-based line index; the other lines are
/// kept. Issues carry page 0.
pub fn observations_any<F: FnMut(&ObservationRow<'_>)>(
    body: &[u8],
    mut sink: F,
) -> Result<PageSummary, DecodeError> {
    observations_any_dyn(body, &mut sink)
}

fn observations_any_dyn(
    body: &[u8],
    sink: &mut dyn FnMut(&ObservationRow<'_>),
) -> Result<PageSummary, DecodeError> {
    let text = body_text(body)?;
    let mut decoder = RowDecoder::default();
    let mut summary = PageSummary {
        bytes: body.len(),
        ..PageSummary::default()
    };
    let mut probe = Scanner::new(&text);
    match probe.peek() {
        Some(b'[') => {
            let mut sc = Scanner::new(&text);
            decoder
                .array_rows(&mut sc, 0, &mut summary, &no_context, sink)
                .map_err(|e| DecodeError::syntax(e, summary.rows))?;
            if !sc.at_end() {
                return Err(trailing(&sc, summary.rows));
            }
            Ok(summary)
        }
        Some(b'{') => {
            let mut first_key = probe.clone();
            first_key.enter();
            let mut keybuf = String::new();
            let key = first_key.next_key(&mut true, &mut keybuf).ok().flatten();
            let is_page = key.is_some_and(|k| matches!(k.resolve(&text, &keybuf), "data" | "meta"));
            if is_page {
                let meta = decode_page(
                    &text,
                    "a v2 observations page",
                    &mut summary,
                    &mut |sc, summary| decoder.array_rows(sc, 0, summary, &no_context, sink),
                )?;
                summary.cursor = meta.cursor;
                return Ok(summary);
            }
            // One object spanning the whole text (pretty-printed or not) is a single observation.
            if probe.skip_value().is_ok() && probe.at_end() {
                let mut sc = Scanner::new(&text);
                decoder
                    .one_row(&mut sc, 0, 0, &mut summary, &no_context, sink)
                    .map_err(|e| DecodeError::syntax(e, summary.rows))?;
                return Ok(summary);
            }
            decoder.json_lines(&text, &mut summary, sink);
            Ok(summary)
        }
        _ => Err(DecodeError::NotAPage {
            expected: "observations (a page object, a JSON array or JSON lines)",
            found: format!("the body starts with {:?}", snippet(text.trim_start(), 40)),
        }),
    }
}

/// Decodes a v1 observations page (`/api/public/observations`, API.md §8.5, §9.2) on the fallback path.
///
/// v1 rows carry no user, session, trace name, tags or release: `context` is asked for them by trace id
/// (build it from `legacy_traces_page` results). Fields a row does carry win. The page-based paging numbers
/// (`totalPages`, ...) come from [`super::page_meta`].
pub fn legacy_observations_page<'c, F, C>(
    body: &[u8],
    page: u32,
    context: C,
    mut sink: F,
) -> Result<PageSummary, DecodeError>
where
    F: FnMut(&ObservationRow<'_>),
    C: Fn(&str) -> Option<TraceContext<'c>>,
{
    legacy_observations_page_dyn(body, page, &context, &mut sink)
}

fn legacy_observations_page_dyn<'c>(
    body: &[u8],
    page: u32,
    context: &dyn Fn(&str) -> Option<TraceContext<'c>>,
    sink: &mut dyn FnMut(&ObservationRow<'_>),
) -> Result<PageSummary, DecodeError> {
    let text = body_text(body)?;
    let mut decoder = RowDecoder::default();
    let mut summary = PageSummary {
        bytes: body.len(),
        ..PageSummary::default()
    };
    let meta = decode_page(
        &text,
        "a v1 observations page",
        &mut summary,
        &mut |sc, summary| decoder.array_rows(sc, page, summary, context, sink),
    )?;
    summary.cursor = meta.cursor;
    Ok(summary)
}

/// Decodes a v2 observations page (any field groups, `io` included) into owned records with every field,
/// for the trace detail view. Row rules, skipping and reporting are those of [`observations_page`].
pub fn observation_records(
    body: &[u8],
    page: u32,
) -> Result<(Vec<ObservationRecord>, PageSummary), DecodeError> {
    let text = body_text(body)?;
    let mut decoder = RowDecoder::default();
    let mut summary = PageSummary {
        bytes: body.len(),
        ..PageSummary::default()
    };
    let mut records = Vec::new();
    let meta = decode_page(
        &text,
        "a v2 observations page",
        &mut summary,
        &mut |sc, summary| {
            sc.enter();
            let mut first = true;
            let mut index = 0u32;
            while sc.next_element(&mut first)? {
                let start = sc.mark();
                let mut record = None;
                decoder.one_row(
                    sc,
                    page,
                    index,
                    summary,
                    &no_context,
                    &mut |row: &ObservationRow<'_>| {
                        record = Some(record_of(row));
                    },
                )?;
                if let Some(mut record) = record {
                    let object = sc.text().get(start..sc.pos()).unwrap_or("");
                    read_extras(object, &mut record);
                    records.push(record);
                }
                index = index.saturating_add(1);
            }
            Ok(())
        },
    )?;
    summary.cursor = meta.cursor;
    Ok((records, summary))
}

fn record_of(r: &ObservationRow<'_>) -> ObservationRecord {
    let s = |v: Option<&str>| v.map(str::to_owned);
    ObservationRecord {
        id: r.id.to_owned(),
        trace_id: s(r.trace_id),
        parent_observation_id: s(r.parent_observation_id),
        start_time_ms: r.start_time_ms,
        end_time_ms: r.end_time_ms,
        completion_start_time_ms: r.completion_start_time_ms,
        observation_type: Some(r.observation_type),
        observation_type_text: s(r.observation_type_text),
        name: s(r.name),
        level: Some(r.level),
        level_text: s(r.level_text),
        status_message: s(r.status_message),
        version: s(r.version),
        environment: s(r.environment),
        user_id: s(r.user_id),
        session_id: s(r.session_id),
        is_root: r.is_root,
        trace_name: s(r.trace_name),
        tags: r.tags.iter().map(|t| (*t).to_owned()).collect(),
        release: s(r.release),
        model: s(r.model),
        model_id: s(r.model_id),
        prompt_name: s(r.prompt_name),
        prompt_version: r.prompt_version,
        usage: r.usage.iter().map(|&(k, v)| (k.to_owned(), v)).collect(),
        cost: r.cost.iter().map(|&(k, v)| (k.to_owned(), v)).collect(),
        metadata: r
            .metadata
            .iter()
            .map(|&(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        model_parameters: r
            .model_parameters
            .iter()
            .map(|&(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        ..ObservationRecord::default()
    }
}

/// Fills the fields the engine row does not carry from one row's object text (already decoded once, so it
/// is valid JSON). Values of unexpected types are left missing: the row itself was accepted.
fn read_extras(object: &str, record: &mut ObservationRecord) {
    let mut sc = Scanner::new(object);
    let mut scratch = String::new();
    let mut keybuf = String::new();
    let mut first = true;
    if sc.peek() != Some(b'{') {
        return;
    }
    sc.enter();
    let mut type_seen = false;
    let mut level_seen = false;
    while let Ok(Some(key)) = sc.next_key(&mut first, &mut keybuf) {
        let key = key.resolve(object, &keybuf).to_owned();
        let start = sc.mark();
        scratch.clear();
        let Ok(tok) = sc.token(&mut scratch) else {
            return;
        };
        let as_text = |tok: Tok, scratch: &str| match tok {
            Tok::Str(s) if !s.is_empty() => Some(s.resolve(object, scratch).to_owned()),
            Tok::Num(a, b) => object.get(a..b).map(str::to_owned),
            Tok::Bool(v) => Some(v.to_string()),
            _ => None,
        };
        let as_f64 = |tok: Tok, scratch: &str| match tok {
            Tok::Str(s) => num::parse_f64(s.resolve(object, scratch)).ok().flatten(),
            Tok::Num(a, b) => num::parse_f64(object.get(a..b).unwrap_or(""))
                .ok()
                .flatten(),
            _ => None,
        };
        match key.as_str() {
            "type" => type_seen = true,
            "level" => level_seen = true,
            "projectId" => record.project_id = as_text(tok, &scratch),
            "createdAt" => {
                record.created_at_ms = as_text(tok, &scratch).as_deref().and_then(timestamp_ms)
            }
            "updatedAt" => {
                record.updated_at_ms = as_text(tok, &scratch).as_deref().and_then(timestamp_ms)
            }
            "bookmarked" => {
                record.bookmarked = if let Tok::Bool(v) = tok {
                    Some(v)
                } else {
                    None
                }
            }
            "public" => {
                record.public = if let Tok::Bool(v) = tok {
                    Some(v)
                } else {
                    None
                }
            }
            "promptId" => record.prompt_id = as_text(tok, &scratch),
            "latency" => record.latency_seconds = as_f64(tok, &scratch),
            "timeToFirstToken" => record.time_to_first_token_seconds = as_f64(tok, &scratch),
            "inputPrice" => record.input_price_usd = as_f64(tok, &scratch),
            "outputPrice" => record.output_price_usd = as_f64(tok, &scratch),
            "totalPrice" => record.total_price_usd = as_f64(tok, &scratch),
            "totalCost" => record.total_cost_usd = as_f64(tok, &scratch),
            "usagePricingTierId" => record.usage_pricing_tier_id = as_text(tok, &scratch),
            "usagePricingTierName" => record.usage_pricing_tier_name = as_text(tok, &scratch),
            "input" | "output" => {
                let value = match tok {
                    Tok::Object | Tok::Array => {
                        if sc.skip_value().is_err() {
                            return;
                        }
                        object.get(start..sc.pos()).map(str::to_owned)
                    }
                    Tok::Str(s) if s.is_empty() => None,
                    Tok::Str(s) => Some(s.resolve(object, &scratch).to_owned()),
                    other => as_text(other, &scratch),
                };
                if key == "input" {
                    record.input = value;
                } else {
                    record.output = value;
                }
                continue;
            }
            _ => {}
        }
        if matches!(tok, Tok::Object | Tok::Array) && sc.skip_value().is_err() {
            return;
        }
    }
    if !type_seen {
        record.observation_type = None;
    }
    if !level_seen {
        record.level = None;
    }
}

fn no_context(_: &str) -> Option<TraceContext<'static>> {
    None
}

/// The observation keys the decoder reads (v2 and v1 names); everything else is skipped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Key {
    Id,
    TraceId,
    StartTime,
    EndTime,
    ParentObservationId,
    Type,
    Name,
    Level,
    StatusMessage,
    Version,
    Environment,
    UserId,
    SessionId,
    IsRootObservation,
    CompletionStartTime,
    Model,
    ModelId,
    InternalModelId,
    PromptName,
    PromptVersion,
    TraceName,
    Release,
    Tags,
    UsageDetails,
    CostDetails,
    Metadata,
    ModelParameters,
    LegacyUsage,
    CalculatedInputCost,
    CalculatedOutputCost,
    CalculatedTotalCost,
    Other,
}

impl Key {
    #[inline]
    fn of(key: &str) -> Key {
        match key {
            "id" => Key::Id,
            "traceId" => Key::TraceId,
            "startTime" => Key::StartTime,
            "endTime" => Key::EndTime,
            "parentObservationId" => Key::ParentObservationId,
            "type" => Key::Type,
            "name" => Key::Name,
            "level" => Key::Level,
            "statusMessage" => Key::StatusMessage,
            "version" => Key::Version,
            "environment" => Key::Environment,
            "userId" => Key::UserId,
            "sessionId" => Key::SessionId,
            "isRootObservation" => Key::IsRootObservation,
            "completionStartTime" => Key::CompletionStartTime,
            "model" | "providedModelName" => Key::Model,
            "modelId" => Key::ModelId,
            "internalModelId" => Key::InternalModelId,
            "promptName" => Key::PromptName,
            "promptVersion" => Key::PromptVersion,
            "traceName" => Key::TraceName,
            "release" => Key::Release,
            "tags" => Key::Tags,
            "usageDetails" => Key::UsageDetails,
            "costDetails" => Key::CostDetails,
            "metadata" => Key::Metadata,
            "modelParameters" => Key::ModelParameters,
            "usage" => Key::LegacyUsage,
            "calculatedInputCost" => Key::CalculatedInputCost,
            "calculatedOutputCost" => Key::CalculatedOutputCost,
            "calculatedTotalCost" => Key::CalculatedTotalCost,
            _ => Key::Other,
        }
    }
}

/// A half-open range of one of the decoder's span vectors.
#[derive(Clone, Copy, Debug, Default)]
struct Span {
    start: usize,
    end: usize,
}

impl Span {
    fn get<T>(self, v: &[T]) -> &[T] {
        v.get(self.start..self.end).unwrap_or(&[])
    }
}

/// One row's fields as spans and numbers, before resolution.
#[derive(Clone, Copy, Debug, Default)]
struct Raw {
    id: Option<Str>,
    trace_id: Option<Str>,
    parent: Option<Str>,
    start_ms: Option<i64>,
    end_ms: Option<i64>,
    completion_start_ms: Option<i64>,
    obs_type: Option<Str>,
    name: Option<Str>,
    level: Option<Str>,
    status_message: Option<Str>,
    version: Option<Str>,
    environment: Option<Str>,
    user_id: Option<Str>,
    session_id: Option<Str>,
    is_root: Option<bool>,
    trace_name: Option<Str>,
    release: Option<Str>,
    model: Option<Str>,
    model_id: Option<Str>,
    internal_model_id: Option<Str>,
    prompt_name: Option<Str>,
    prompt_version: Option<i64>,
    tags: Span,
    usage: Option<Span>,
    cost: Option<Span>,
    metadata: Span,
    params: Span,
    /// v1 back-compat `usage` object, used only when `usageDetails` is absent (older servers).
    legacy_usage: Option<Span>,
    /// v1 `calculatedInputCost`, `calculatedOutputCost`, `calculatedTotalCost`, used only without `costDetails`.
    legacy_cost: [Option<f64>; 3],
}

/// Reusable buffers for decoding rows; grows to the largest row and then stops allocating.
#[derive(Default)]
pub(super) struct RowDecoder {
    scratch: String,
    keybuf: String,
    /// The keys of the previous row, in order, as written: the prediction for the next row.
    key_order: Vec<(String, Key)>,
    /// `key_order` as key tokens, for the fast path (see [`fast`]); rebuilt when `plan_stale`.
    plan: Vec<(KeyToken, Key)>,
    plan_stale: bool,
    /// Never take the fast path (the tests' reference).
    general_only: bool,
    tags: Vec<Str>,
    usage: Vec<(Str, u64)>,
    cost: Vec<(Str, f64)>,
    pairs: Vec<(Str, Str)>,
    // Resolved views, recycled across rows (see `recycle`).
    out_tags: Vec<&'static str>,
    out_usage: Vec<(&'static str, u64)>,
    out_cost: Vec<(&'static str, f64)>,
    out_metadata: Vec<(&'static str, &'static str)>,
    out_params: Vec<(&'static str, &'static str)>,
}

/// Empties a vector and retypes it, keeping its allocation: collecting an emptied `IntoIter` into a vector
/// of a same-layout type is done in place by std, so per-row vectors of borrowed `&str` cost no allocation.
fn recycle<T, U>(mut v: Vec<T>) -> Vec<U> {
    v.clear();
    v.into_iter().filter_map(|_| None).collect()
}

impl RowDecoder {
    /// Decodes the rows of an array (positioned on `[`), reporting bad rows in `summary`.
    pub(super) fn array_rows<'c>(
        &mut self,
        sc: &mut Scanner<'_>,
        page: u32,
        summary: &mut PageSummary,
        context: &dyn Fn(&str) -> Option<TraceContext<'c>>,
        sink: &mut dyn FnMut(&ObservationRow<'_>),
    ) -> Result<(), SyntaxError> {
        sc.enter();
        let mut first = true;
        let mut index = 0u32;
        while sc.next_element(&mut first)? {
            self.one_row(sc, page, index, summary, context, sink)?;
            index = index.saturating_add(1);
        }
        Ok(())
    }

    /// Decodes one row (any JSON value; non-objects are reported) and hands it to the sink.
    pub(super) fn one_row<'c>(
        &mut self,
        sc: &mut Scanner<'_>,
        page: u32,
        row: u32,
        summary: &mut PageSummary,
        context: &dyn Fn(&str) -> Option<TraceContext<'c>>,
        sink: &mut dyn FnMut(&ObservationRow<'_>),
    ) -> Result<(), SyntaxError> {
        let issue = if sc.peek() == Some(b'{') {
            let read = match self.fast_row(sc) {
                Some(raw) => Ok(raw),
                None => self.read_row(sc)?,
            };
            match read {
                Ok(raw) => match self.emit(sc.text(), &raw, context, sink) {
                    Ok(()) => {
                        summary.rows = summary.rows.saturating_add(1);
                        return Ok(());
                    }
                    Err(issue) => issue,
                },
                Err(issue) => issue,
            }
        } else {
            let kind = sc.token(&mut self.scratch)?;
            if matches!(kind, Tok::Array) {
                sc.skip_value()?;
            }
            FieldIssue {
                field: Cow::Borrowed(""),
                reason: format!("expected an observation object, found {}", kind.kind()),
            }
        };
        summary.skipped.push(RowIssue {
            page,
            row,
            field: issue.field.into_owned(),
            reason: issue.reason,
        });
        Ok(())
    }

    /// Decodes JSON lines; every line is a row, bad lines are issues.
    fn json_lines(
        &mut self,
        text: &str,
        summary: &mut PageSummary,
        sink: &mut dyn FnMut(&ObservationRow<'_>),
    ) {
        for (index, line) in text.split('\n').enumerate() {
            let row = u32::try_from(index).unwrap_or(u32::MAX);
            let line = line.trim_matches([' ', '\t', '\r']);
            if line.is_empty() {
                continue;
            }
            let mut sc = Scanner::new(line);
            let before = summary.skipped.len();
            let result = self.one_row(&mut sc, 0, row, summary, &no_context, sink);
            let complaint = match result {
                Err(e) => Some(format!("line {}: not valid JSON ({e})", index + 1)),
                Ok(()) if !sc.at_end() && summary.skipped.len() == before => Some(format!(
                    "line {}: unexpected characters after the object",
                    index + 1
                )),
                Ok(()) => None,
            };
            if let Some(reason) = complaint {
                summary.skipped.push(RowIssue {
                    page: 0,
                    row,
                    field: String::new(),
                    reason,
                });
            }
        }
    }

    /// Reads one observation object (positioned on `{`). `Ok(Err(_))` when a field made the row
    /// undecodable; the object has then still been consumed completely.
    fn read_row(&mut self, sc: &mut Scanner<'_>) -> Result<Result<Raw, FieldIssue>, SyntaxError> {
        self.scratch.clear();
        self.tags.clear();
        self.usage.clear();
        self.cost.clear();
        self.pairs.clear();
        let text = sc.text();
        let mut raw = Raw::default();
        let mut issue: Option<FieldIssue> = None;
        sc.enter();
        let mut first = true;
        let mut slot = 0usize;
        while sc.next_member(&mut first)? {
            let key = match self.key_order.get(slot) {
                Some((raw, key)) if sc.eat_key(raw.as_bytes()) => *key,
                _ => {
                    let at = sc.pos();
                    let span = sc.key(&mut self.keybuf)?;
                    let key = Key::of(span.resolve(text, &self.keybuf));
                    self.learn_key(slot, sc.raw_key(at, span), key);
                    key
                }
            };
            slot += 1;
            let result = self.read_field(sc, key, &mut raw);
            match result {
                Ok(()) => {}
                Err(Fail::Syntax(e)) => return Err(e),
                Err(Fail::Field(f)) => {
                    if issue.is_none() {
                        issue = Some(*f);
                    }
                }
            }
        }
        if self.key_order.len() > slot {
            // A shorter row: the next one is predicted to be like it.
            self.key_order.truncate(slot);
            self.plan_stale = true;
        }
        if let Some(f) = issue {
            return Ok(Err(f));
        }
        if raw.id.is_none() {
            return Ok(Err(FieldIssue {
                field: Cow::Borrowed("id"),
                reason: "missing".into(),
            }));
        }
        if raw.start_ms.is_none() {
            return Ok(Err(FieldIssue {
                field: Cow::Borrowed("startTime"),
                reason: "missing".into(),
            }));
        }
        Ok(Ok(raw))
    }

    /// Reads one observation object (positioned on `{`) on the fast path: the keys of the previous row
    /// in the same order, values of their usual types (see [`fast`]). `None` leaves the position alone:
    /// the general path ([`RowDecoder::read_row`]) then decodes the row.
    // Not inlined into `one_row`: inlined there it compiles to about 12% more instructions per row
    // (measured natively with cachegrind).
    #[inline(never)]
    fn fast_row(&mut self, sc: &mut Scanner<'_>) -> Option<Raw> {
        if self.plan_stale {
            self.plan = self
                .key_order
                .iter()
                .enumerate()
                .map(|(i, (raw, key))| {
                    let token = if i == 0 {
                        KeyToken::new(raw)
                    } else {
                        KeyToken::after_comma(raw)
                    };
                    (token, *key)
                })
                .collect();
            self.plan_stale = false;
        }
        if self.plan.is_empty() || self.general_only {
            return None;
        }
        let text = sc.text();
        let b = text.as_bytes();
        let mut p = sc.pos();
        let Self {
            plan,
            tags,
            usage,
            cost,
            pairs,
            scratch,
            ..
        } = self;
        scratch.clear();
        tags.clear();
        usage.clear();
        cost.clear();
        pairs.clear();
        let mut raw = Raw::default();
        if !fast::eat(b, &mut p, b'{') {
            return None;
        }
        for (token, key) in plan.iter() {
            // Tokens after the first carry their `,` (see `KeyToken::after_comma`).
            if !token.eat(b, &mut p) {
                return None;
            }
            let p = &mut p;
            match key {
                Key::Id => raw.id = fast::text(b, p)?,
                Key::TraceId => raw.trace_id = fast::text(b, p)?,
                Key::StartTime => raw.start_ms = fast::timestamp(b, p)?,
                Key::EndTime => raw.end_ms = fast::timestamp(b, p)?,
                Key::ParentObservationId => raw.parent = fast::text(b, p)?,
                Key::Type => raw.obs_type = fast::text(b, p)?,
                Key::Name => raw.name = fast::text(b, p)?,
                Key::Level => raw.level = fast::text(b, p)?,
                Key::StatusMessage => raw.status_message = fast::text(b, p)?,
                Key::Version => raw.version = fast::text(b, p)?,
                Key::Environment => raw.environment = fast::text(b, p)?,
                Key::UserId => raw.user_id = fast::text(b, p)?,
                Key::SessionId => raw.session_id = fast::text(b, p)?,
                Key::IsRootObservation => raw.is_root = fast::boolean(b, p)?,
                Key::CompletionStartTime => raw.completion_start_ms = fast::timestamp(b, p)?,
                Key::Model => raw.model = fast::text(b, p)?,
                Key::ModelId => raw.model_id = fast::text(b, p)?,
                Key::InternalModelId => raw.internal_model_id = fast::text(b, p)?,
                Key::PromptName => raw.prompt_name = fast::text(b, p)?,
                Key::PromptVersion => raw.prompt_version = fast::integer(b, p)?,
                Key::TraceName => raw.trace_name = fast::text(b, p)?,
                Key::Release => raw.release = fast::text(b, p)?,
                Key::Tags => raw.tags = fast_tags(b, p, tags)?,
                Key::UsageDetails => raw.usage = Some(fast_usage(b, p, usage)?),
                Key::CostDetails => raw.cost = Some(fast_cost(text, b, p, cost)?),
                Key::Metadata => raw.metadata = fast_pairs(text, b, p, pairs)?,
                Key::ModelParameters => raw.params = fast_pairs(text, b, p, pairs)?,
                Key::Other => fast::skip(text, b, p)?,
                Key::LegacyUsage
                | Key::CalculatedInputCost
                | Key::CalculatedOutputCost
                | Key::CalculatedTotalCost => return None,
            }
        }
        if !fast::eat(b, &mut p, b'}') || raw.id.is_none() || raw.start_ms.is_none() {
            return None;
        }
        sc.set_pos(p);
        Some(raw)
    }

    /// Remembers that rows have `key` (written as `raw`) at position `slot`, for the next row's prediction.
    #[cold]
    fn learn_key(&mut self, slot: usize, raw: Option<&str>, key: Key) {
        let Some(raw) = raw else { return };
        if slot > 256 {
            return; // a runaway object; prediction is pointless there
        }
        let len = self.key_order.len();
        self.plan_stale = true;
        match self.key_order.get_mut(slot) {
            Some(entry) => {
                entry.0.clear();
                entry.0.push_str(raw);
                entry.1 = key;
            }
            None if slot == len => self.key_order.push((raw.to_owned(), key)),
            None => {}
        }
    }

    /// Reads the value of `key` into `raw` (or skips it).
    #[inline]
    fn read_field(&mut self, sc: &mut Scanner<'_>, key: Key, raw: &mut Raw) -> FResult<()> {
        let s = &mut self.scratch;
        match key {
            Key::Id => raw.id = opt_text(sc, s, "id")?,
            Key::TraceId => raw.trace_id = opt_text(sc, s, "traceId")?,
            Key::StartTime => raw.start_ms = opt_time(sc, s, "startTime")?,
            Key::EndTime => raw.end_ms = opt_time(sc, s, "endTime")?,
            Key::ParentObservationId => raw.parent = opt_text(sc, s, "parentObservationId")?,
            Key::Type => raw.obs_type = opt_text(sc, s, "type")?,
            Key::Name => raw.name = opt_text(sc, s, "name")?,
            Key::Level => raw.level = opt_text(sc, s, "level")?,
            Key::StatusMessage => raw.status_message = opt_text(sc, s, "statusMessage")?,
            Key::Version => raw.version = opt_text(sc, s, "version")?,
            Key::Environment => raw.environment = opt_text(sc, s, "environment")?,
            Key::UserId => raw.user_id = opt_text(sc, s, "userId")?,
            Key::SessionId => raw.session_id = opt_text(sc, s, "sessionId")?,
            Key::IsRootObservation => raw.is_root = opt_bool(sc, s, "isRootObservation")?,
            Key::CompletionStartTime => {
                raw.completion_start_ms = opt_time(sc, s, "completionStartTime")?
            }
            Key::Model => raw.model = opt_text(sc, s, "model")?,
            Key::ModelId => raw.model_id = opt_text(sc, s, "modelId")?,
            Key::InternalModelId => raw.internal_model_id = opt_text(sc, s, "internalModelId")?,
            Key::PromptName => raw.prompt_name = opt_text(sc, s, "promptName")?,
            Key::PromptVersion => raw.prompt_version = opt_i64(sc, s, "promptVersion")?,
            Key::TraceName => raw.trace_name = opt_text(sc, s, "traceName")?,
            Key::Release => raw.release = opt_text(sc, s, "release")?,
            Key::Tags => raw.tags = self.read_tags(sc)?,
            Key::UsageDetails => raw.usage = Some(self.read_usage(sc, "usageDetails")?),
            Key::CostDetails => raw.cost = Some(self.read_cost(sc)?),
            Key::Metadata => raw.metadata = self.read_pairs(sc, "metadata")?,
            Key::ModelParameters => raw.params = self.read_pairs(sc, "modelParameters")?,
            Key::LegacyUsage => raw.legacy_usage = Some(self.read_usage(sc, "usage")?),
            Key::CalculatedInputCost => raw.legacy_cost[0] = opt_f64(sc, s, "calculatedInputCost")?,
            Key::CalculatedOutputCost => {
                raw.legacy_cost[1] = opt_f64(sc, s, "calculatedOutputCost")?
            }
            Key::CalculatedTotalCost => raw.legacy_cost[2] = opt_f64(sc, s, "calculatedTotalCost")?,
            Key::Other => sc.skip_value()?,
        }
        Ok(())
    }

    /// `tags`: an array of strings (numbers and booleans keep their text, nulls and `""` are dropped), or a
    /// single string standing for one tag.
    fn read_tags(&mut self, sc: &mut Scanner<'_>) -> FResult<Span> {
        let start = self.tags.len();
        match sc.token(&mut self.scratch)? {
            Tok::Array => {}
            Tok::Null => return Ok(Span { start, end: start }),
            Tok::Str(s) => {
                if !s.is_empty() {
                    self.tags.push(s);
                }
                return Ok(Span {
                    start,
                    end: self.tags.len(),
                });
            }
            tok => return wrong_type(sc, tok, "tags", "an array of strings"),
        }
        sc.enter();
        let mut first = true;
        let mut bad: Option<Tok> = None;
        while sc.next_element(&mut first)? {
            match scalar_text(sc, &mut self.scratch)? {
                Ok(Some(s)) => self.tags.push(s),
                Ok(None) => {}
                Err(tok) => {
                    sc.skip_value()?;
                    bad.get_or_insert(tok);
                }
            }
        }
        match bad {
            Some(tok) => field_fail(
                "tags",
                format!("expected an array of strings, found {} in it", tok.kind()),
            ),
            None => Ok(Span {
                start,
                end: self.tags.len(),
            }),
        }
    }

    /// A `{key: units}` object (`usageDetails`, v1 `usage`). Missing values are dropped; a non-numeric `unit`
    /// member (v1 `usage.unit`) is ignored.
    fn read_usage(&mut self, sc: &mut Scanner<'_>, field: &'static str) -> FResult<Span> {
        let start = self.usage.len();
        let text = sc.text();
        if !object_or_null(sc, &mut self.scratch, field)? {
            return Ok(Span { start, end: start });
        }
        let mut first = true;
        let mut issue: Option<FieldIssue> = None;
        while let Some(key) = sc.next_key(&mut first, &mut self.keybuf)? {
            let key = copy_key(key, &self.keybuf, &mut self.scratch);
            if field == "usage" && key.resolve(text, &self.scratch) == "unit" {
                sc.skip_value()?;
                continue;
            }
            let tok = sc.token(&mut self.scratch)?;
            let parsed = match tok {
                Tok::Num(a, b) => num::parse_units(text.get(a..b).unwrap_or("")),
                Tok::Str(s) if s.is_empty() => Ok(None),
                Tok::Str(s) => num::parse_units(s.resolve(text, &self.scratch)),
                Tok::Null => Ok(None),
                Tok::Bool(_) => Err(IntError::NotANumber),
                Tok::Object | Tok::Array => {
                    sc.skip_value()?;
                    Err(IntError::NotANumber)
                }
            };
            match parsed {
                Ok(Some(units)) => self.usage.push((key, units)),
                Ok(None) => {}
                Err(e) => {
                    if issue.is_none() {
                        let name = key.resolve(text, &self.scratch);
                        let reason = match tok {
                            Tok::Num(a, b) => format!(
                                "{}: {}",
                                e.reason(),
                                snippet(text.get(a..b).unwrap_or(""), 40)
                            ),
                            Tok::Str(s) => format!(
                                "{}: {:?}",
                                e.reason(),
                                snippet(s.resolve(text, &self.scratch), 40)
                            ),
                            _ => format!("expected a token count, found {}", tok.kind()),
                        };
                        issue = Some(FieldIssue {
                            field: format!("{field}.{name}").into(),
                            reason,
                        });
                    }
                }
            }
        }
        match issue {
            Some(f) => Err(Fail::Field(Box::new(f))),
            None => Ok(Span {
                start,
                end: self.usage.len(),
            }),
        }
    }

    /// `costDetails`: `{key: USD}`, numbers or decimal strings; missing values are dropped.
    fn read_cost(&mut self, sc: &mut Scanner<'_>) -> FResult<Span> {
        let start = self.cost.len();
        let text = sc.text();
        if !object_or_null(sc, &mut self.scratch, "costDetails")? {
            return Ok(Span { start, end: start });
        }
        let mut first = true;
        let mut issue: Option<FieldIssue> = None;
        while let Some(key) = sc.next_key(&mut first, &mut self.keybuf)? {
            let key = copy_key(key, &self.keybuf, &mut self.scratch);
            let tok = sc.token(&mut self.scratch)?;
            let parsed = match tok {
                Tok::Num(a, b) => num::parse_f64(text.get(a..b).unwrap_or("")),
                Tok::Str(s) => num::parse_f64(s.resolve(text, &self.scratch)),
                Tok::Null => Ok(None),
                Tok::Bool(_) | Tok::Object | Tok::Array => {
                    if !matches!(tok, Tok::Bool(_)) {
                        sc.skip_value()?;
                    }
                    Err(IntError::NotANumber)
                }
            };
            match parsed {
                Ok(Some(usd)) => self.cost.push((key, usd)),
                Ok(None) => {}
                Err(_) => {
                    if issue.is_none() {
                        let name = key.resolve(text, &self.scratch);
                        let reason = match tok {
                            Tok::Str(s) => format!(
                                "not a cost: {:?}",
                                snippet(s.resolve(text, &self.scratch), 40)
                            ),
                            _ => format!("expected a cost in USD, found {}", tok.kind()),
                        };
                        issue = Some(FieldIssue {
                            field: format!("costDetails.{name}").into(),
                            reason,
                        });
                    }
                }
            }
        }
        match issue {
            Some(f) => Err(Fail::Field(Box::new(f))),
            None => Ok(Span {
                start,
                end: self.cost.len(),
            }),
        }
    }

    /// `metadata` / `modelParameters`: scalars as text, nested values as their JSON text; nulls and `""`
    /// dropped.
    fn read_pairs(&mut self, sc: &mut Scanner<'_>, field: &'static str) -> FResult<Span> {
        let start = self.pairs.len();
        if !object_or_null(sc, &mut self.scratch, field)? {
            return Ok(Span { start, end: start });
        }
        let mut first = true;
        while let Some(key) = sc.next_key(&mut first, &mut self.keybuf)? {
            let key = copy_key(key, &self.keybuf, &mut self.scratch);
            let at = sc.mark();
            match scalar_text(sc, &mut self.scratch)? {
                Ok(Some(value)) => self.pairs.push((key, value)),
                Ok(None) => {}
                Err(_) => {
                    sc.skip_value()?;
                    self.pairs.push((key, Str::Input(at, sc.pos())));
                }
            }
        }
        Ok(Span {
            start,
            end: self.pairs.len(),
        })
    }

    /// Resolves `raw` and hands the row to the sink.
    fn emit<'c>(
        &mut self,
        input: &str,
        raw: &Raw,
        context: &dyn Fn(&str) -> Option<TraceContext<'c>>,
        sink: &mut dyn FnMut(&ObservationRow<'_>),
    ) -> Result<(), FieldIssue> {
        let scratch = self.scratch.as_str();
        let r = |s: Str| s.resolve(input, scratch);
        let opt = |s: Option<Str>| s.map(r);
        let Some(id) = opt(raw.id) else {
            return Err(FieldIssue {
                field: Cow::Borrowed("id"),
                reason: "missing".into(),
            });
        };
        let Some(start_time_ms) = raw.start_ms else {
            return Err(FieldIssue {
                field: Cow::Borrowed("startTime"),
                reason: "missing".into(),
            });
        };
        let trace_id = opt(raw.trace_id);
        let ctx = match trace_id {
            Some(t) => context(t),
            None => None,
        };
        let ctx = ctx.unwrap_or_default();

        let (observation_type, observation_type_text) = match opt(raw.obs_type) {
            Some(text) => match ObservationType::parse(text) {
                ObservationType::Other => (ObservationType::Other, Some(text)),
                t => (t, None),
            },
            None => (ObservationType::Span, None),
        };
        let (level, level_text) = match opt(raw.level) {
            Some(text) => match Level::parse(text) {
                Level::Other => (Level::Other, Some(text)),
                l => (l, None),
            },
            None => (Level::Default, None),
        };

        let mut tags: Vec<&str> = recycle(std::mem::take(&mut self.out_tags));
        tags.extend(raw.tags.get(&self.tags).iter().map(|&s| r(s)));
        if tags.is_empty() {
            tags.extend(ctx.tags.iter().map(String::as_str));
        }
        let mut usage: Vec<(&str, u64)> = recycle(std::mem::take(&mut self.out_usage));
        match (raw.usage, raw.legacy_usage) {
            (Some(span), _) => usage.extend(span.get(&self.usage).iter().map(|&(k, v)| (r(k), v))),
            // Older v1 servers: only the back-compat `usage` object (zero means "none" there).
            (None, Some(span)) => usage.extend(
                span.get(&self.usage)
                    .iter()
                    .map(|&(k, v)| (r(k), v))
                    .filter(|&(k, v)| v != 0 && matches!(k, "input" | "output" | "total")),
            ),
            (None, None) => {}
        }
        let mut cost: Vec<(&str, f64)> = recycle(std::mem::take(&mut self.out_cost));
        match raw.cost {
            Some(span) => cost.extend(span.get(&self.cost).iter().map(|&(k, v)| (r(k), v))),
            None => {
                for (key, value) in ["input", "output", "total"]
                    .into_iter()
                    .zip(raw.legacy_cost)
                {
                    if let Some(usd) = value.filter(|&v| v != 0.0) {
                        cost.push((key, usd));
                    }
                }
            }
        }
        let mut metadata: Vec<(&str, &str)> = recycle(std::mem::take(&mut self.out_metadata));
        metadata.extend(
            raw.metadata
                .get(&self.pairs)
                .iter()
                .map(|&(k, v)| (r(k), r(v))),
        );
        let mut params: Vec<(&str, &str)> = recycle(std::mem::take(&mut self.out_params));
        params.extend(
            raw.params
                .get(&self.pairs)
                .iter()
                .map(|&(k, v)| (r(k), r(v))),
        );

        let row = ObservationRow {
            id,
            trace_id,
            parent_observation_id: opt(raw.parent),
            start_time_ms,
            end_time_ms: raw.end_ms,
            completion_start_time_ms: raw.completion_start_ms,
            observation_type,
            observation_type_text,
            name: opt(raw.name),
            level,
            level_text,
            status_message: opt(raw.status_message),
            version: opt(raw.version),
            environment: opt(raw.environment),
            user_id: opt(raw.user_id).or(ctx.user_id),
            session_id: opt(raw.session_id).or(ctx.session_id),
            is_root: raw.is_root,
            trace_name: opt(raw.trace_name).or(ctx.name),
            tags: &tags,
            release: opt(raw.release).or(ctx.release),
            model: opt(raw.model),
            model_id: opt(raw.model_id).or(opt(raw.internal_model_id)),
            prompt_name: opt(raw.prompt_name),
            prompt_version: raw.prompt_version,
            usage: &usage,
            cost: &cost,
            metadata: &metadata,
            model_parameters: &params,
        };
        sink(&row);

        self.out_tags = recycle(tags);
        self.out_usage = recycle(usage);
        self.out_cost = recycle(cost);
        self.out_metadata = recycle(metadata);
        self.out_params = recycle(params);
        Ok(())
    }
}

/// `tags` on the fast path: `null`, one plain string, or an array of plain strings and nulls.
#[inline(always)]
fn fast_tags(b: &[u8], p: &mut usize, tags: &mut Vec<Str>) -> Option<Span> {
    let start = tags.len();
    match b.get(*p) {
        Some(b'[') => {
            *p += 1;
            if !fast::eat(b, p, b']') {
                loop {
                    if let Some(s) = fast::text(b, p)? {
                        tags.push(s);
                    }
                    if fast::eat(b, p, b']') {
                        break;
                    }
                    if !fast::eat(b, p, b',') {
                        return None;
                    }
                }
            }
        }
        _ => {
            if let Some(s) = fast::text(b, p)? {
                tags.push(s);
            }
        }
    }
    Some(Span {
        start,
        end: tags.len(),
    })
}

/// Walks a flat object on the fast path (`null` is an empty one): `member` reads each value after its
/// plain key and `:`.
#[inline(always)]
fn fast_object(
    b: &[u8],
    p: &mut usize,
    mut member: impl FnMut(Str, &mut usize) -> Option<()>,
) -> Option<()> {
    if b.get(*p) == Some(&b'n') {
        return fast::text(b, p)?.is_none().then_some(());
    }
    if !fast::eat(b, p, b'{') {
        return None;
    }
    if fast::eat(b, p, b'}') {
        return Some(());
    }
    loop {
        let key = fast::plain_string(b, p)?;
        if !fast::eat(b, p, b':') {
            return None;
        }
        member(key, p)?;
        if fast::eat(b, p, b'}') {
            return Some(());
        }
        if !fast::eat(b, p, b',') {
            return None;
        }
    }
}

/// `usageDetails` on the fast path: plain integer counts (`null` values dropped).
#[inline(always)]
fn fast_usage(b: &[u8], p: &mut usize, usage: &mut Vec<(Str, u64)>) -> Option<Span> {
    let start = usage.len();
    fast_object(b, p, |key, p| {
        if let Some(units) = fast::integer(b, p)? {
            usage.push((key, u64::try_from(units).ok()?));
        }
        Some(())
    })?;
    Some(Span {
        start,
        end: usage.len(),
    })
}

/// `costDetails` on the fast path: JSON numbers (`null` values dropped).
#[inline(always)]
fn fast_cost(text: &str, b: &[u8], p: &mut usize, cost: &mut Vec<(Str, f64)>) -> Option<Span> {
    let start = cost.len();
    fast_object(b, p, |key, p| {
        if b.get(*p) == Some(&b'n') {
            return fast::text(b, p)?.is_none().then_some(());
        }
        cost.push((key, fast::number(text, b, p)?));
        Some(())
    })?;
    Some(Span {
        start,
        end: cost.len(),
    })
}

/// `metadata` / `modelParameters` on the fast path: the general path's rules (scalars as text, nested
/// values as their JSON text, nulls and `""` dropped) for values without escapes.
#[inline(always)]
fn fast_pairs(text: &str, b: &[u8], p: &mut usize, pairs: &mut Vec<(Str, Str)>) -> Option<Span> {
    let start = pairs.len();
    fast_object(b, p, |key, p| {
        let at = *p;
        let value = match b.get(at) {
            Some(b'"') => fast::plain_string(b, p)?,
            Some(b'n' | b't' | b'f') => match fast::boolean(b, p)? {
                None => return Some(()),
                Some(true) => Str::Static("true"),
                Some(false) => Str::Static("false"),
            },
            Some(b'-' | b'0'..=b'9') => {
                let mut sc = Scanner::new_at(text, at);
                let (a, z) = sc.number_token().ok()?;
                *p = z;
                Str::Input(a, z)
            }
            _ => {
                let mut sc = Scanner::new_at(text, at);
                sc.skip_value().ok()?;
                *p = sc.pos();
                Str::Input(at, *p)
            }
        };
        if !value.is_empty() {
            pairs.push((key, value));
        }
        Some(())
    })?;
    Some(Span {
        start,
        end: pairs.len(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn recycle_keeps_the_allocation() {
        let mut v: Vec<(&'static str, u64)> = Vec::with_capacity(16);
        v.push(("a", 1));
        let ptr = v.as_ptr() as usize;
        let w: Vec<(&str, u64)> = recycle(v);
        assert!(w.is_empty());
        assert_eq!(w.capacity(), 16);
        assert_eq!(w.as_ptr() as usize, ptr);
    }
}
