//! Fetched scores written back as data lines, for the cache and snapshots.
//!
//! The scheduler hands the app decoded score rows, not response bodies, so the app writes each row again
//! as a score object the same decoder reads (`decode::scores_page`), batched into one scores line per page:
//! `{"loupeScoresPage":{"data":[…]}}` (see `snapshot::SCORES_PAGE_PREFIX`). Written per row: `id`, `name`,
//! `dataType`, `value` (absent when missing; `null` for a number that is not finite), `source`,
//! `environment`, `timestamp` (ISO-8601 UTC, ms), the ids the score knows (`traceId`, `observationId`,
//! `sessionId`) and `subject.kind`. Decoding such a line gives back the same [`ScoreRow`]s, which the tests
//! check field by field.

use loupe_core::score::ScoreSubject;
use loupe_core::{ScoreDataType, ScoreRow, ScoreValue};
use loupe_synth::json::{push_js_number, push_json_str};

use super::snapshot::SCORES_PAGE_PREFIX;

/// Score rows collected until the next line is taken.
#[derive(Debug, Default)]
pub struct ScoreLines {
    data: String,
    rows: u32,
}

/// Langfuse's upper-case name of a data type (`OTHER` reads back as [`ScoreDataType::Other`]).
fn data_type_name(data_type: ScoreDataType) -> &'static str {
    match data_type {
        ScoreDataType::Numeric => "NUMERIC",
        ScoreDataType::Categorical => "CATEGORICAL",
        ScoreDataType::Boolean => "BOOLEAN",
        ScoreDataType::Correction => "CORRECTION",
        ScoreDataType::Text => "TEXT",
        ScoreDataType::Other => "OTHER",
    }
}

fn subject_kind(subject: ScoreSubject) -> &'static str {
    match subject {
        ScoreSubject::Trace => "trace",
        ScoreSubject::Observation => "observation",
        ScoreSubject::Session => "session",
        ScoreSubject::Experiment => "experiment",
        ScoreSubject::Other => "other",
    }
}

impl ScoreLines {
    /// Nothing collected.
    pub fn new() -> Self {
        Self::default()
    }

    /// Rows collected since the last line was taken.
    pub fn pending(&self) -> u32 {
        self.rows
    }

    /// Adds one score.
    pub fn push(&mut self, score: &ScoreRow<'_>) {
        let out = &mut self.data;
        out.push(if self.rows == 0 { '[' } else { ',' });
        self.rows += 1;
        let key = |out: &mut String, name: &str| {
            out.push_str(",\"");
            out.push_str(name);
            out.push_str("\":");
        };
        out.push_str("{\"id\":");
        push_json_str(out, score.id);
        key(out, "name");
        push_json_str(out, score.name);
        key(out, "dataType");
        push_json_str(out, data_type_name(score.data_type));
        match score.value {
            ScoreValue::Numeric(x) if x.is_finite() => {
                key(out, "value");
                push_js_number(out, x);
            }
            ScoreValue::Numeric(_) => {
                key(out, "value");
                out.push_str("null");
            }
            ScoreValue::Boolean(b) => {
                key(out, "value");
                out.push_str(if b { "true" } else { "false" });
            }
            ScoreValue::Text(text) => {
                key(out, "value");
                push_json_str(out, text);
            }
            ScoreValue::Missing => {}
        }
        key(out, "timestamp");
        push_json_str(out, &loupe_langfuse::query::iso_ms(score.timestamp_ms));
        for (name, value) in [
            ("source", score.source),
            ("environment", score.environment),
            ("traceId", score.trace_id),
            ("observationId", score.observation_id),
            ("sessionId", score.session_id),
        ] {
            if let Some(value) = value {
                key(out, name);
                push_json_str(out, value);
            }
        }
        key(out, "subject");
        out.push_str("{\"kind\":");
        push_json_str(out, subject_kind(score.subject));
        out.push_str("}}");
    }

    /// The scores line of the rows collected so far (`None` when there are none), and a fresh start.
    pub fn take_line(&mut self) -> Option<String> {
        if self.rows == 0 {
            return None;
        }
        let mut line = String::with_capacity(self.data.len() + SCORES_PAGE_PREFIX.len() + 16);
        line.push_str(SCORES_PAGE_PREFIX);
        line.push_str("{\"data\":");
        line.push_str(&self.data);
        line.push_str("]}}");
        self.data.clear();
        self.rows = 0;
        Some(line)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::storage::snapshot::Replay;

    /// An owned copy of a score row, to compare what went in with what came out.
    #[derive(Debug, PartialEq)]
    struct Owned {
        id: String,
        name: String,
        data_type: ScoreDataType,
        value: String,
        source: Option<String>,
        timestamp_ms: i64,
        environment: Option<String>,
        subject: ScoreSubject,
        ids: [Option<String>; 3],
    }

    fn owned(row: &ScoreRow<'_>) -> Owned {
        let s = |v: Option<&str>| v.map(str::to_owned);
        Owned {
            id: row.id.to_owned(),
            name: row.name.to_owned(),
            data_type: row.data_type,
            value: format!("{:?}", row.value),
            source: s(row.source),
            timestamp_ms: row.timestamp_ms,
            environment: s(row.environment),
            subject: row.subject,
            ids: [s(row.trace_id), s(row.observation_id), s(row.session_id)],
        }
    }

    fn decoded(body: &[u8]) -> Vec<Owned> {
        let mut rows = Vec::new();
        loupe_langfuse::decode::scores_page(body, 1, |row: &ScoreRow<'_>| rows.push(owned(row)))
            .unwrap();
        rows
    }

    #[test]
    fn written_scores_decode_to_the_same_rows() {
        let config = loupe_synth::SynthConfig {
            observations: 3_000,
            ..crate::state::demo::demo_config()
        };
        let pages = loupe_synth::demo_scores_pages(&config, 100);
        let mut lines = ScoreLines::new();
        let mut expected = Vec::new();
        for page in &pages {
            loupe_langfuse::decode::scores_page(page.as_bytes(), 1, |row: &ScoreRow<'_>| {
                expected.push(owned(row));
                lines.push(row);
            })
            .unwrap();
        }
        assert!(expected.len() > 50, "the demo has scores");
        let line = lines.take_line().unwrap();
        assert!(
            lines.take_line().is_none(),
            "taking a line empties the buffer"
        );
        let page = line
            .strip_prefix(SCORES_PAGE_PREFIX)
            .and_then(|rest| rest.strip_suffix('}'))
            .unwrap();
        assert_eq!(decoded(page.as_bytes()), expected);
        // And the line replays into a store like the pages it came from.
        let mut replay = Replay::new();
        assert!(replay.line(line.as_bytes(), 1));
        let (store, ..) = replay.finish();
        assert_eq!(store.score_count(), expected.len());
    }

    #[test]
    fn every_kind_of_value_and_subject_survives() {
        let rows = [
            ScoreRow {
                id: "a\"1",
                name: "quality\nline",
                data_type: ScoreDataType::Numeric,
                value: ScoreValue::Numeric(-0.125),
                source: Some("EVAL"),
                timestamp_ms: 1_795_740_300_123,
                environment: None,
                subject: ScoreSubject::Observation,
                trace_id: Some("t1"),
                observation_id: Some("o1"),
                session_id: None,
            },
            ScoreRow {
                id: "b",
                name: "ok",
                data_type: ScoreDataType::Boolean,
                value: ScoreValue::Boolean(false),
                source: None,
                timestamp_ms: 0,
                environment: Some("prod"),
                subject: ScoreSubject::Session,
                trace_id: None,
                observation_id: None,
                session_id: Some("s1"),
            },
            ScoreRow {
                id: "c",
                name: "mood",
                data_type: ScoreDataType::Categorical,
                value: ScoreValue::Text("<b>x</b>"),
                source: None,
                timestamp_ms: 5,
                environment: None,
                subject: ScoreSubject::Experiment,
                trace_id: None,
                observation_id: None,
                session_id: None,
            },
            ScoreRow {
                id: "d",
                name: "odd",
                data_type: ScoreDataType::Other,
                value: ScoreValue::Missing,
                source: None,
                timestamp_ms: 5,
                environment: None,
                subject: ScoreSubject::Other,
                trace_id: Some("t2"),
                observation_id: None,
                session_id: None,
            },
            ScoreRow {
                id: "e",
                name: "comment",
                data_type: ScoreDataType::Text,
                value: ScoreValue::Text("fine"),
                source: Some("ANNOTATION"),
                timestamp_ms: 7,
                environment: None,
                subject: ScoreSubject::Trace,
                trace_id: Some("t3"),
                observation_id: None,
                session_id: None,
            },
        ];
        let mut lines = ScoreLines::new();
        for row in &rows {
            lines.push(row);
        }
        assert_eq!(lines.pending(), 5);
        let line = lines.take_line().unwrap();
        assert!(!line.contains('\n'), "one line: {line}");
        let page = &line[SCORES_PAGE_PREFIX.len()..line.len() - 1];
        let expected: Vec<Owned> = rows.iter().map(owned).collect();
        assert_eq!(decoded(page.as_bytes()), expected);
    }

    #[test]
    fn a_number_that_is_not_finite_reads_back_as_missing() {
        let mut lines = ScoreLines::new();
        lines.push(&ScoreRow {
            id: "n",
            name: "x",
            data_type: ScoreDataType::Numeric,
            value: ScoreValue::Numeric(f64::NAN),
            source: None,
            timestamp_ms: 1,
            environment: None,
            subject: ScoreSubject::Trace,
            trace_id: Some("t"),
            observation_id: None,
            session_id: None,
        });
        let line = lines.take_line().unwrap();
        let page = &line[SCORES_PAGE_PREFIX.len()..line.len() - 1];
        assert_eq!(decoded(page.as_bytes())[0].value, "Missing");
    }
}
