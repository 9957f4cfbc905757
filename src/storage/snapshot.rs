//! Snapshot files: what is loaded, saved as one JSON-lines file, and any file of observations opened again.
//!
//! Format, version 2 (`.jsonl`, UTF-8, lines split on `\n` only):
//! 1. a header line `{"loupeSnapshot":2,"createdAt":"…","source":{…},"observations":N,"scores":M,…}`:
//!    where the data came from (demo, a Langfuse host and project name, or a file name) and never any key;
//! 2. data lines, in the order they were loaded, each one of
//!    - a v2 observations page as Langfuse sent it (`{"data":[…],"meta":{…}}`), a JSON array of v2
//!      observation objects, or one v2 observation object;
//!    - a models page as Langfuse sent it, wrapped: `{"loupeModelsPage":{"data":[…],"meta":{…}}}` (the
//!      prices Loupe estimates costs from);
//!    - a scores page, wrapped: `{"loupeScoresPage":{"data":[…],…}}`, either a v3 scores body (the demo)
//!      or the scores of one fetched page written again by `score_lines`.
//!
//! Version 1 is version 2 without scores lines; it is still read. Version 2 exists so that an older Loupe
//! refuses a file with scores ("written by a newer Loupe") instead of reporting its scores lines as bad
//! observations.
//!
//! [`Replay`] reads data lines, the same way for snapshots and for the local cache (which stores the same
//! lines): observations are upserted in order (a row that appears again replaces the earlier one by id),
//! scores likewise (by score id), and models are collected (a later definition of a model id wins).
//!
//! [`load_file`] reads a snapshot, or a plain JSON/JSONL file of v2 observation objects or pages (through
//! `decode::observations_any`), into a **new** store: the caller swaps it in only on success, so bad input
//! never loses what is loaded. Rows the decoder skips are counted and the first few reported. It also says
//! which byte ranges of the file hold data ([`DataSpan`]), so that saving a snapshot of an opened file
//! writes the same data lines without keeping a copy of the file in memory.

use std::borrow::Cow;

use crate::json::{self, Fields, ObjectWriter};
use loupe_core::{ModelPrice, ObservationRow, ScoreRow, Store};
use loupe_langfuse::decode::{DecodeError, RowIssue, models_page, observations_any, scores_page};

/// The one sink type the app's decoder calls use: the decoder is generic over its sink, so one type means
/// one copy of it in the wasm instead of one per closure.
pub type RowSink<'s> = &'s mut dyn FnMut(&ObservationRow<'_>);

/// The score sink type of the app's decoder calls (one copy of the scores decoder, as for [`RowSink`]).
pub type ScoreSink<'s> = &'s mut dyn FnMut(&ScoreRow<'_>);

/// The format version this build writes, and the newest it reads (it reads every older one too).
pub const SNAPSHOT_VERSION: u32 = 2;

/// Skipped rows reported by name (the rest are counted).
pub const REPORTED_ISSUES: usize = 3;

/// Where the data of a snapshot came from (`kind` is `demo`, `langfuse` or `file`). Names only: never a
/// key. A plain struct rather than a tagged enum: it only informs, and it decodes with far less code.
/// Every field may be missing; the unset ones are not written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SnapshotSource {
    pub kind: String,
    pub host: Option<String>,
    pub project: Option<String>,
    pub name: Option<String>,
}

impl SnapshotSource {
    /// The built-in demo.
    pub fn demo() -> Self {
        Self {
            kind: "demo".to_owned(),
            ..Self::default()
        }
    }

    /// A Langfuse project.
    pub fn langfuse(host: &str, project: Option<&str>) -> Self {
        Self {
            kind: "langfuse".to_owned(),
            host: Some(host.to_owned()),
            project: project.map(str::to_owned),
            ..Self::default()
        }
    }

    /// An opened file.
    pub fn file(name: &str) -> Self {
        Self {
            kind: "file".to_owned(),
            name: Some(name.to_owned()),
            ..Self::default()
        }
    }

    /// The JSON object.
    fn to_json(&self) -> String {
        let mut object = ObjectWriter::new();
        object.str("kind", &self.kind);
        for (key, value) in [
            ("host", &self.host),
            ("project", &self.project),
            ("name", &self.name),
        ] {
            if let Some(value) = value {
                object.str(key, value);
            }
        }
        object.finish()
    }

    /// Reads the JSON object (`None` when a field has the wrong type).
    fn from_fields(f: Fields<'_>) -> Option<Self> {
        Some(Self {
            kind: f.str_or_default("kind").ok()?,
            host: f.opt_str("host").ok()?,
            project: f.opt_str("project").ok()?,
            name: f.opt_str("name").ok()?,
        })
    }

    /// A few words: "the demo", "Bot on https://…", "data.jsonl".
    pub fn describe(&self) -> String {
        match self.kind.as_str() {
            "demo" => "the demo".to_owned(),
            "langfuse" => format!(
                "{} on {}",
                self.project.as_deref().unwrap_or("a Langfuse project"),
                self.host.as_deref().unwrap_or("Langfuse")
            ),
            _ => self.name.clone().unwrap_or_else(|| "a file".to_owned()),
        }
    }
}

/// The first line of a snapshot (keys in camelCase; only `loupeSnapshot` is required).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotHeader {
    pub loupe_snapshot: u32,
    /// ISO-8601 UTC.
    pub created_at: String,
    pub source: SnapshotSource,
    /// Observations in the store when saved.
    pub observations: u64,
    /// Scores in the store when saved (0 in version 1).
    pub scores: u64,
    /// First and last observation start (Unix ms).
    pub first_start_ms: Option<i64>,
    pub last_start_ms: Option<i64>,
    /// The app that wrote it (`loupe <version>`).
    pub app: String,
}

impl SnapshotHeader {
    /// The header line, newline included.
    pub fn line(&self) -> String {
        let mut line = ObjectWriter::new()
            .u64("loupeSnapshot", u64::from(self.loupe_snapshot))
            .str("createdAt", &self.created_at)
            .raw("source", &self.source.to_json())
            .u64("observations", self.observations)
            .u64("scores", self.scores)
            .opt_i64("firstStartMs", self.first_start_ms)
            .opt_i64("lastStartMs", self.last_start_ms)
            .str("app", &self.app)
            .finish();
        line.push('\n');
        line
    }

    /// Reads the fields of a header whose version is `loupe_snapshot` (`None` when one has the wrong
    /// type; missing ones take their defaults).
    fn from_fields(loupe_snapshot: u32, f: Fields<'_>) -> Option<Self> {
        let source = match f.object_or_default("source").ok()? {
            Some(source) => SnapshotSource::from_fields(source)?,
            None => SnapshotSource::default(),
        };
        Some(Self {
            loupe_snapshot,
            created_at: f.str_or_default("createdAt").ok()?,
            source,
            observations: f.u64_or_default("observations").ok()?,
            scores: f.u64_or_default("scores").ok()?,
            first_start_ms: f.opt_i64("firstStartMs").ok()?,
            last_start_ms: f.opt_i64("lastStartMs").ok()?,
            app: f.str_or_default("app").ok()?,
        })
    }
}

/// How a models-page line starts; it ends with the matching `}`.
pub const MODELS_PAGE_PREFIX: &str = "{\"loupeModelsPage\":";

/// The parts of the data line for a models page body: prefix, the body as one line, suffix.
pub fn models_line_parts(body: &[u8]) -> (&'static str, Cow<'_, [u8]>, &'static str) {
    (MODELS_PAGE_PREFIX, one_line(body), "}")
}

/// The models page inside a models line, if `line` is one.
fn models_page_of(line: &[u8]) -> Option<&[u8]> {
    line.trim_ascii()
        .strip_prefix(MODELS_PAGE_PREFIX.as_bytes())?
        .strip_suffix(b"}")
}

/// How a scores-page line starts; it ends with the matching `}`.
pub const SCORES_PAGE_PREFIX: &str = "{\"loupeScoresPage\":";

/// The parts of the data line for a scores page body: prefix, the body as one line, suffix.
pub fn scores_line_parts(body: &[u8]) -> (&'static str, Cow<'_, [u8]>, &'static str) {
    (SCORES_PAGE_PREFIX, one_line(body), "}")
}

/// The scores page inside a scores line, if `line` is one.
fn scores_page_of(line: &[u8]) -> Option<&[u8]> {
    line.trim_ascii()
        .strip_prefix(SCORES_PAGE_PREFIX.as_bytes())?
        .strip_suffix(b"}")
}

/// Data lines read into a new store; see the module docs.
#[derive(Debug, Default)]
pub struct Replay {
    store: Store,
    models: Vec<ModelPrice>,
    /// Rows the decoder delivered (a row repeated counts each time).
    pub rows: u64,
    /// Scores the decoder delivered (a score repeated counts each time).
    pub scores: u64,
    /// Rows, or whole lines, skipped.
    pub skipped: u64,
    /// The first [`REPORTED_ISSUES`] of them.
    pub issues: Vec<RowIssue>,
}

impl Replay {
    /// Nothing read yet.
    pub fn new() -> Self {
        Self::default()
    }

    fn note(&mut self, issues: Vec<RowIssue>) {
        self.skipped += issues.len() as u64;
        let room = REPORTED_ISSUES.saturating_sub(self.issues.len());
        self.issues.extend(issues.into_iter().take(room));
    }

    /// Reads one data line (blank lines are ignored); `line_no` (1-based) names it in reports. Returns
    /// whether the line as a whole could be read (its bad rows aside).
    pub fn line(&mut self, line: &[u8], line_no: u32) -> bool {
        if line.trim_ascii().is_empty() {
            return true;
        }
        if let Some(page) = scores_page_of(line) {
            return self.scores_page(page, line_no);
        }
        if let Some(page) = models_page_of(line) {
            return match models_page(page) {
                Ok((models, _)) => {
                    self.models.extend(models);
                    true
                }
                Err(e) => {
                    self.note(vec![line_issue(line_no, &e.to_string())]);
                    false
                }
            };
        }
        let store = &mut self.store;
        let sink: RowSink<'_> = &mut |row: &ObservationRow<'_>| {
            store.upsert(row);
        };
        match observations_any(line, sink) {
            Ok(summary) => {
                self.rows += u64::from(summary.rows);
                self.note(summary.skipped);
                true
            }
            Err(e) => {
                // Rows before a syntax error were delivered; count them, report the line.
                if let DecodeError::Syntax { rows_delivered, .. } = e {
                    self.rows += u64::from(rows_delivered);
                }
                self.note(vec![line_issue(line_no, &e.to_string())]);
                false
            }
        }
    }

    /// Reads one scores page body (`page_no` names it in reports); returns whether it could be read.
    pub fn scores_page(&mut self, body: &[u8], page_no: u32) -> bool {
        let store = &mut self.store;
        let sink: ScoreSink<'_> = &mut |row: &ScoreRow<'_>| store.add_score(row);
        match scores_page(body, page_no, sink) {
            Ok(summary) => {
                self.scores += u64::from(summary.rows);
                self.note(summary.skipped);
                true
            }
            Err(e) => {
                self.note(vec![line_issue(page_no, &e.to_string())]);
                false
            }
        }
    }

    /// The store, with the models list set (for a model id defined twice, the later definition).
    pub fn finish(mut self) -> (Store, u64, u64, Vec<RowIssue>) {
        if !self.models.is_empty() {
            let mut seen = std::collections::HashSet::new();
            let mut models: Vec<ModelPrice> = self
                .models
                .into_iter()
                .rev()
                .filter(|m| seen.insert(m.id.clone()))
                .collect();
            models.reverse();
            self.store.set_models(models);
        }
        (self.store, self.rows, self.skipped, self.issues)
    }
}

fn line_issue(line: u32, reason: &str) -> RowIssue {
    RowIssue {
        page: 0,
        row: line,
        field: String::new(),
        reason: format!("line {line}: {reason}"),
    }
}

/// `body` as one line: JSON cannot hold a raw line break inside a string, so every `\n` and `\r` of valid
/// JSON is insignificant whitespace and becomes a space. Borrowed when there is none (the usual case).
pub fn one_line(body: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    if body.iter().any(|b| matches!(b, b'\n' | b'\r')) {
        std::borrow::Cow::Owned(
            body.iter()
                .map(|b| if matches!(b, b'\n' | b'\r') { b' ' } else { *b })
                .collect(),
        )
    } else {
        std::borrow::Cow::Borrowed(body)
    }
}

/// A byte range of an opened file that holds data, and how to write it as data lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataSpan {
    /// Already lines (JSONL, or the data lines of a snapshot): written as they are.
    Lines { start: usize, end: usize },
    /// One JSON value over several lines (a pretty-printed page or array): written through [`one_line`].
    Value { start: usize, end: usize },
}

/// An opened file, decoded.
#[derive(Debug)]
pub struct FileLoad {
    pub store: Store,
    /// Rows the decoder delivered (a row repeated in the file counts each time).
    pub rows: u64,
    /// Scores the decoder delivered (snapshots only).
    pub scores: u64,
    /// Rows (or snapshot lines) skipped.
    pub skipped: u64,
    /// The first [`REPORTED_ISSUES`] skipped rows.
    pub issues: Vec<RowIssue>,
    /// Set when the file is a Loupe snapshot.
    pub header: Option<SnapshotHeader>,
    pub spans: Vec<DataSpan>,
}

/// Why a file was not loaded. The `Display` text is the message; what is loaded stays loaded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("The file is empty.")]
    Empty,
    #[error(
        "This snapshot was written by a newer Loupe (format {0}; this one reads format {SNAPSHOT_VERSION}). Open it with an up-to-date Loupe."
    )]
    NewerVersion(u32),
    #[error(
        "The file is not Langfuse observations: {0}. Loupe opens its own snapshots, and JSON or JSON-lines files of v2 observation objects or v2 observation pages."
    )]
    NotObservations(String),
    #[error("The file holds no observation Loupe could read{}.", first_issue(.0))]
    NoRows(Option<String>),
}

fn first_issue(issue: &Option<String>) -> String {
    issue
        .as_ref()
        .map(|i| format!(" (first problem: {i})"))
        .unwrap_or_default()
}

/// Decodes an opened file; see the module docs.
pub fn load_file(bytes: &[u8]) -> Result<FileLoad, FileError> {
    let offset = if bytes.starts_with("\u{feff}".as_bytes()) {
        3
    } else {
        0
    };
    let body = bytes.get(offset..).unwrap_or_default();
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(FileError::Empty);
    }
    let first_end = body.iter().position(|b| *b == b'\n').unwrap_or(body.len());
    let first_line = body.get(..first_end).unwrap_or_default();
    let mut replay = Replay::new();
    let mut spans = Vec::new();
    let header = snapshot_header(first_line)?;
    if header.is_some() {
        let mut start = first_end.saturating_add(1);
        let mut line_no: u32 = 2;
        while start < body.len() {
            let end = body
                .get(start..)
                .and_then(|rest| rest.iter().position(|b| *b == b'\n'))
                .map_or(body.len(), |at| start + at);
            let line = body.get(start..end).unwrap_or_default();
            if !line.trim_ascii().is_empty() {
                replay.line(line, line_no);
                push_lines(&mut spans, offset + start, offset + end);
            }
            start = end.saturating_add(1);
            line_no = line_no.saturating_add(1);
        }
    } else {
        read_observations(body, &mut replay)?;
        let (start, end) = (offset, offset + body.len());
        spans.push(if is_json_lines(body) {
            DataSpan::Lines { start, end }
        } else {
            DataSpan::Value { start, end }
        });
    }
    let scores = replay.scores;
    let (store, rows, skipped, issues) = replay.finish();
    if rows == 0 && scores == 0 {
        return Err(FileError::NoRows(issues.first().map(ToString::to_string)));
    }
    Ok(FileLoad {
        store,
        rows,
        scores,
        skipped,
        issues,
        header,
        spans,
    })
}

/// The header when `line` is one; an error only for a snapshot of a newer format.
fn snapshot_header(line: &[u8]) -> Result<Option<SnapshotHeader>, FileError> {
    // Text, not bytes: the decoder already links serde_json's string reader, so no second copy of it.
    let Some(value) = std::str::from_utf8(line).ok().and_then(json::parse) else {
        return Ok(None);
    };
    let Some(fields) = Fields::of(&value) else {
        return Ok(None);
    };
    let Some(version) = fields.opt_u32("loupeSnapshot").ok().flatten() else {
        return Ok(None);
    };
    if version > SNAPSHOT_VERSION {
        return Err(FileError::NewerVersion(version));
    }
    Ok(SnapshotHeader::from_fields(version, fields))
}

/// Appends a data line, merging it with the previous span when they are adjacent.
fn push_lines(spans: &mut Vec<DataSpan>, start: usize, end: usize) {
    if let Some(DataSpan::Lines { end: last_end, .. }) = spans.last_mut()
        && *last_end + 1 == start
    {
        *last_end = end;
        return;
    }
    spans.push(DataSpan::Lines { start, end });
}

/// A whole non-snapshot file: any error of the decoder refuses it.
fn read_observations(body: &[u8], replay: &mut Replay) -> Result<(), FileError> {
    let store = &mut replay.store;
    let sink: RowSink<'_> = &mut |row: &ObservationRow<'_>| {
        store.upsert(row);
    };
    let summary =
        observations_any(body, sink).map_err(|e| FileError::NotObservations(e.to_string()))?;
    replay.rows = u64::from(summary.rows);
    replay.note(summary.skipped);
    Ok(())
}

/// Whether `body` is JSON lines: its first line is a whole JSON value and more follows.
fn is_json_lines(body: &[u8]) -> bool {
    let Some(at) = body.iter().position(|b| *b == b'\n') else {
        return false;
    };
    let (first, rest) = body.split_at(at);
    !rest.trim_ascii().is_empty()
        && std::str::from_utf8(first.trim_ascii())
            .is_ok_and(|t| serde_json::from_str::<serde::de::IgnoredAny>(t).is_ok())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use loupe_core::{Filter, overview};

    const OBS_A: &str = r#"{"id":"a","traceId":"t1","startTime":"2026-11-26T10:00:00.000Z","endTime":"2026-11-26T10:00:01.000Z","type":"GENERATION","level":"ERROR","totalCost":0.5}"#;
    const OBS_B: &str = r#"{"id":"b","traceId":"t1","startTime":"2026-11-26T10:00:02.000Z","type":"SPAN","level":"DEFAULT"}"#;
    const OBS_B2: &str = r#"{"id":"b","traceId":"t1","startTime":"2026-11-26T10:00:02.000Z","type":"SPAN","level":"WARNING"}"#;

    fn page(rows: &[&str]) -> String {
        format!(r#"{{"data":[{}],"meta":{{}}}}"#, rows.join(","))
    }

    fn header() -> SnapshotHeader {
        SnapshotHeader {
            loupe_snapshot: SNAPSHOT_VERSION,
            created_at: "2026-11-27T00:00:00.000Z".into(),
            source: SnapshotSource::langfuse("https://cloud.langfuse.com", Some("Bot")),
            observations: 2,
            scores: 0,
            first_start_ms: None,
            last_start_ms: None,
            app: "loupe test".into(),
        }
    }

    fn models_line(body: &str) -> String {
        let (prefix, page, suffix) = models_line_parts(body.as_bytes());
        format!("{prefix}{}{suffix}\n", String::from_utf8_lossy(&page))
    }

    #[test]
    fn a_snapshot_replays_its_pages_in_order_with_later_rows_winning() {
        let models = loupe_synth::demo_models_json(&loupe_synth::SynthConfig::default());
        let text = format!(
            "{}{}{}\n{}\n",
            header().line(),
            models_line(&models),
            page(&[OBS_A, OBS_B]),
            page(&[OBS_B2])
        );
        let load = load_file(text.as_bytes()).unwrap();
        assert_eq!(load.header, Some(header()));
        assert_eq!((load.rows, load.skipped), (3, 0));
        assert_eq!(load.store.len(), 2, "b arrived twice and was replaced");
        assert!(
            !load.store.models().is_empty(),
            "the models line set the prices"
        );
        let figures = overview(&load.store, &Filter::default());
        assert_eq!((figures.stats.errors, figures.stats.warnings), (1, 1));
        // Every line after the header is data (models lines too), in one span.
        let data_start = text.find('\n').unwrap() + 1;
        assert_eq!(
            load.spans,
            [DataSpan::Lines {
                start: data_start,
                end: text.len() - 1
            }]
        );
    }

    fn scores_line(body: &str) -> String {
        let (prefix, page, suffix) = scores_line_parts(body.as_bytes());
        format!("{prefix}{}{suffix}\n", String::from_utf8_lossy(&page))
    }

    const SCORE_1: &str = r#"{"id":"s1","name":"helpfulness","dataType":"NUMERIC","value":0.5,"timestamp":"2026-11-26T10:00:05.000Z","subject":{"kind":"trace","id":"t1"}}"#;
    const SCORE_1B: &str = r#"{"id":"s1","name":"helpfulness","dataType":"NUMERIC","value":0.9,"timestamp":"2026-11-26T10:00:05.000Z","subject":{"kind":"trace","id":"t1"}}"#;
    const SCORE_2: &str = r#"{"id":"s2","name":"ok","dataType":"BOOLEAN","value":true,"timestamp":"2026-11-26T10:00:06.000Z"}"#;

    #[test]
    fn a_snapshot_replays_its_scores_with_later_scores_winning() {
        let text = format!(
            "{}{}\n{}{}",
            header().line(),
            page(&[OBS_A, OBS_B]),
            scores_line(&format!(
                "{{\n\"data\":[{SCORE_1},{SCORE_2}],\"meta\":{{\"limit\":100}}}}"
            )),
            scores_line(&page(&[SCORE_1B]))
        );
        let load = load_file(text.as_bytes()).unwrap();
        assert_eq!((load.rows, load.scores, load.skipped), (2, 3, 0));
        assert_eq!(
            load.store.score_count(),
            2,
            "s1 arrived twice and was replaced"
        );
        let summaries = loupe_core::score_summaries(&load.store, &Filter::default());
        let helpfulness = summaries.iter().find(|s| s.name == "helpfulness").unwrap();
        assert_eq!(helpfulness.numeric.as_ref().unwrap().mean, 0.9);
        // A broken scores line is reported by its line number; the rest stays.
        let broken = format!(
            "{}{}\n{{\"loupeScoresPage\":{{\"data\":[oops}}\n{}",
            header().line(),
            page(&[OBS_A]),
            scores_line(&page(&[SCORE_2]))
        );
        let load = load_file(broken.as_bytes()).unwrap();
        assert_eq!((load.scores, load.skipped), (1, 1));
        assert!(
            load.issues[0].reason.contains("line 3"),
            "{:?}",
            load.issues
        );
        // A version 1 snapshot (no scores lines) still opens.
        let v1 = SnapshotHeader {
            loupe_snapshot: 1,
            ..header()
        };
        let load = load_file(format!("{}{}\n", v1.line(), page(&[OBS_A])).as_bytes()).unwrap();
        assert_eq!((load.rows, load.scores), (1, 0));
        assert_eq!(load.header.unwrap().loupe_snapshot, 1);
    }

    #[test]
    fn a_model_defined_twice_keeps_its_later_definition() {
        let models = loupe_synth::demo_models_json(&loupe_synth::SynthConfig::default());
        let once = load_file(
            format!(
                "{}{}{}\n",
                header().line(),
                models_line(&models),
                page(&[OBS_A])
            )
            .as_bytes(),
        )
        .unwrap();
        let twice = format!(
            "{}{}{}{}\n",
            header().line(),
            models_line(&models),
            models_line(&models),
            page(&[OBS_A])
        );
        let twice = load_file(twice.as_bytes()).unwrap();
        assert_eq!(twice.store.models(), once.store.models());
        let mut replay = Replay::new();
        assert!(
            !replay.line(br#"{"loupeModelsPage":{"data":7}}"#, 2),
            "a broken models line is reported"
        );
        assert_eq!(replay.skipped, 1);
    }

    #[test]
    fn plain_observation_files_load_as_jsonl_arrays_or_pages() {
        let jsonl = format!("{OBS_A}\n\n{OBS_B}\n");
        let load = load_file(jsonl.as_bytes()).unwrap();
        assert_eq!((load.rows, load.store.len()), (2, 2));
        assert_eq!(load.header, None);
        assert_eq!(
            load.spans,
            [DataSpan::Lines {
                start: 0,
                end: jsonl.len()
            }]
        );

        let pretty = format!("[\n  {OBS_A},\n  {OBS_B}\n]\n");
        let load = load_file(pretty.as_bytes()).unwrap();
        assert_eq!(load.store.len(), 2);
        assert_eq!(
            load.spans,
            [DataSpan::Value {
                start: 0,
                end: pretty.len()
            }]
        );

        let with_bom = format!("\u{feff}{}", page(&[OBS_A]));
        assert_eq!(load_file(with_bom.as_bytes()).unwrap().store.len(), 1);
    }

    #[test]
    fn bad_rows_are_skipped_and_reported() {
        let jsonl = format!("{OBS_A}\n{{\"id\":\"x\"}}\n{OBS_B}\n");
        let load = load_file(jsonl.as_bytes()).unwrap();
        assert_eq!((load.store.len(), load.skipped), (2, 1));
        assert_eq!(load.issues.len(), 1);
    }

    #[test]
    fn bad_files_are_refused_with_a_sentence() {
        assert_eq!(load_file(b"").unwrap_err(), FileError::Empty);
        assert_eq!(load_file(b" \n\t").unwrap_err(), FileError::Empty);
        let not_json = load_file(b"hello, world").unwrap_err();
        assert!(
            matches!(not_json, FileError::NotObservations(_)),
            "{not_json:?}"
        );
        assert!(not_json.to_string().contains("not Langfuse observations"));
        // Broken JSON lines: every line is reported, none is a row.
        let broken = load_file(b"{not json at all\n{nor this").unwrap_err();
        assert!(matches!(broken, FileError::NoRows(Some(_))), "{broken:?}");
        assert!(broken.to_string().contains("not valid JSON"), "{broken}");
        let no_rows = load_file(br#"[{"name":"no id"}]"#).unwrap_err();
        assert!(matches!(no_rows, FileError::NoRows(Some(_))), "{no_rows:?}");
        let newer = format!("{{\"loupeSnapshot\":3}}\n{}\n", page(&[OBS_A]));
        assert_eq!(
            load_file(newer.as_bytes()).unwrap_err(),
            FileError::NewerVersion(3)
        );
        let header_only = header().line();
        assert!(matches!(
            load_file(header_only.as_bytes()),
            Err(FileError::NoRows(None))
        ));
    }

    #[test]
    fn a_broken_snapshot_line_is_reported_and_the_rest_kept() {
        let text = format!(
            "{}{}\n{{\"data\":[oops\n{}\n",
            header().line(),
            page(&[OBS_A]),
            page(&[OBS_B])
        );
        let load = load_file(text.as_bytes()).unwrap();
        assert_eq!((load.store.len(), load.skipped), (2, 1));
        assert!(
            load.issues[0].reason.contains("line 3"),
            "{:?}",
            load.issues
        );
    }

    #[test]
    fn one_line_turns_line_breaks_into_spaces_only_when_there_are_some() {
        assert!(matches!(
            one_line(b"{\"a\":1}"),
            std::borrow::Cow::Borrowed(_)
        ));
        assert_eq!(one_line(b"{\r\n\"a\":\n1}").as_ref(), b"{  \"a\": 1}");
        let pretty = format!("{{\n\"data\": [\n{OBS_A}\n],\n\"meta\": {{}}\n}}");
        let line = one_line(pretty.as_bytes()).into_owned();
        assert_eq!(load_file(&line).unwrap().store.len(), 1);
    }

    #[test]
    fn the_header_line_is_what_serde_wrote_before() {
        // Snapshots written by earlier builds (serde, camelCase) must still open, and read the same.
        let header = SnapshotHeader {
            loupe_snapshot: 1,
            source: SnapshotSource::langfuse("https://x", Some("Bot \"q\"")),
            first_start_ms: Some(-5),
            ..header()
        };
        let line = r#"{"loupeSnapshot":1,"createdAt":"2026-11-27T00:00:00.000Z","source":{"kind":"langfuse","host":"https://x","project":"Bot \"q\""},"observations":2,"firstStartMs":-5,"lastStartMs":null,"app":"loupe test"}"#;
        assert_eq!(snapshot_header(line.as_bytes()), Ok(Some(header.clone())));
        // Version 2 adds the scores count after the observations count; otherwise the same bytes.
        let v2 = SnapshotHeader {
            loupe_snapshot: 2,
            scores: 7,
            ..header.clone()
        };
        assert_eq!(
            v2.line(),
            format!(
                "{}\n",
                line.replace(r#""loupeSnapshot":1"#, r#""loupeSnapshot":2"#)
                    .replace(r#""observations":2,"#, r#""observations":2,"scores":7,"#)
            )
        );
        assert_eq!(
            snapshot_header(v2.line().trim_end().as_bytes()),
            Ok(Some(v2))
        );
        let file = SnapshotHeader {
            source: SnapshotSource::file("a.jsonl"),
            ..header
        };
        assert!(
            file.line()
                .contains(r#""source":{"kind":"file","name":"a.jsonl"},"#)
        );
        // Only the version is required; a field of the wrong type (null included) is no header.
        let minimal = snapshot_header(br#"{"loupeSnapshot":1}"#).unwrap().unwrap();
        assert_eq!(minimal.source, SnapshotSource::default());
        assert_eq!(
            snapshot_header(br#"{"loupeSnapshot":1,"createdAt":null}"#),
            Ok(None)
        );
        assert_eq!(
            snapshot_header(br#"{"loupeSnapshot":1,"source":{"kind":3}}"#),
            Ok(None)
        );
        assert_eq!(snapshot_header(br#"{"loupeSnapshot":"1"}"#), Ok(None));
        assert_eq!(
            snapshot_header(br#"{"loupeSnapshot":3}"#),
            Err(FileError::NewerVersion(3))
        );
    }

    #[test]
    fn the_header_never_carries_keys() {
        let line = header().line();
        for word in ["sk-lf", "pk-lf", "secret", "Key\""] {
            assert!(!line.contains(word), "{line}");
        }
    }
}
