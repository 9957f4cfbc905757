//! Scores as `/api/public/v3/scores` returns them (API.md §9.4, §6.3): ordered `timestamp DESC, id DESC`,
//! core keys always, `details` (comment, configId, metadata), `annotation` (authorUserId, queueId) and
//! `subject` groups on request. The legacy ScoreV1 shape is written for `/traces/{id}`.

use crate::dataset::{Dataset, NONE, Score, push_obs_id, push_trace_id};
use crate::generate::{SCORE_KINDS, SENTIMENTS};
use crate::ids;
use crate::json::{push_iso_ms, push_iso_ms_quoted, push_js_number, push_json_str};

/// v3 score field groups.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct ScoreFields {
    pub details: bool,
    pub subject: bool,
    pub annotation: bool,
}

impl ScoreFields {
    /// All three groups.
    pub const ALL: Self = Self {
        details: true,
        subject: true,
        annotation: true,
    };
}

/// A borrowed view of one score.
#[derive(Clone, Copy)]
pub struct ScoreRef<'a> {
    ds: &'a Dataset,
    score: &'a Score,
}

const HELPFULNESS_CONFIG: &str = "cmf3cfg0001hl0a2b3c4d5e6f";
const QUEUE_ID: &str = "cmf3que0001qa0z9y8x7w6v5u";
const ANNOTATORS: &[&str] = &["cmf0usr0001an0a1b2c3d4e5f", "cmf0usr0002an0f6e5d4c3b2a"];

impl Dataset {
    /// Number of scores.
    pub fn score_count(&self) -> usize {
        self.scores.len()
    }

    /// Score `index` in v3 order.
    pub fn score(&self, index: usize) -> Option<ScoreRef<'_>> {
        Some(ScoreRef {
            ds: self,
            score: self.scores.get(index)?,
        })
    }

    /// Writes score `index` as a v3 object.
    pub fn write_v3_score(&self, index: usize, fields: ScoreFields, out: &mut String) {
        if let Some(s) = self.score(index) {
            s.write_v3(fields, out);
        }
    }

    /// Scores of trace `trace` (trace- and observation-level), in v3 order.
    pub fn trace_score_indexes(&self, trace: usize) -> Vec<usize> {
        self.scores
            .iter()
            .enumerate()
            .filter(|(_, s)| s.trace as usize == trace)
            .map(|(i, _)| i)
            .collect()
    }

    /// Position of the first score strictly after the v3 cursor (timestamp, id).
    pub fn score_position_after(&self, timestamp_ms: i64, id: &str) -> usize {
        let mut buf = String::with_capacity(36);
        self.scores.partition_point(|s| {
            if s.timestamp_ms != timestamp_ms {
                return s.timestamp_ms > timestamp_ms;
            }
            buf.clear();
            ids::push_uuid(&mut buf, s.id);
            buf.as_str() >= id
        })
    }
}

impl ScoreRef<'_> {
    fn kind(&self) -> (&'static str, &'static str, &'static str) {
        SCORE_KINDS
            .get(usize::from(self.score.kind))
            .copied()
            .unwrap_or(("", "NUMERIC", "API"))
    }
    pub fn id(&self) -> String {
        let mut s = String::with_capacity(36);
        ids::push_uuid(&mut s, self.score.id);
        s
    }
    pub fn name(&self) -> &'static str {
        self.kind().0
    }
    /// `NUMERIC`, `CATEGORICAL` or `BOOLEAN`.
    pub fn data_type(&self) -> &'static str {
        self.kind().1
    }
    /// `EVAL`, `ANNOTATION` or `API`.
    pub fn source(&self) -> &'static str {
        self.kind().2
    }
    pub fn timestamp_ms(&self) -> i64 {
        self.score.timestamp_ms
    }
    /// Numeric value (0/1 for booleans, category index for categorical).
    pub fn numeric_value(&self) -> f64 {
        self.score.value
    }
    /// The value as v3 filters compare it: number text, `true`/`false`, or the category.
    pub fn value_text(&self) -> String {
        match self.data_type() {
            "BOOLEAN" => (if self.score.value != 0.0 {
                "true"
            } else {
                "false"
            })
            .to_string(),
            "CATEGORICAL" => self.category().to_string(),
            _ => crate::json::js_number(self.score.value),
        }
    }
    fn category(&self) -> &'static str {
        SENTIMENTS
            .get(self.score.value as usize)
            .copied()
            .unwrap_or("neutral")
    }
    pub fn trace_index(&self) -> usize {
        self.score.trace as usize
    }
    pub fn trace_id(&self) -> String {
        let mut s = String::with_capacity(36);
        if let Some(t) = self.ds.traces.get(self.score.trace as usize) {
            push_trace_id(&mut s, t);
        }
        s
    }
    pub fn observation_id(&self) -> Option<String> {
        let o = self.ds.rows.get(self.score.obs as usize)?;
        let t = self.ds.traces.get(o.trace as usize)?;
        let mut s = String::with_capacity(40);
        push_obs_id(&mut s, o, t);
        Some(s)
    }
    pub fn environment(&self) -> &'static str {
        self.ds
            .traces
            .get(self.score.trace as usize)
            .and_then(|t| {
                crate::catalog::ENVIRONMENTS
                    .get(usize::from(t.env))
                    .copied()
            })
            .unwrap_or("default")
    }
    /// Session of the scored trace (scores here are never attached to sessions directly).
    pub fn session_id(&self) -> Option<String> {
        let first = *self
            .ds
            .trace_row_indexes(self.score.trace as usize)
            .first()?;
        self.ds.row(first as usize)?.session_id()
    }
    pub fn config_id(&self) -> Option<&'static str> {
        (self.score.kind == 0).then_some(HELPFULNESS_CONFIG)
    }
    pub fn queue_id(&self) -> Option<&'static str> {
        (self.source() == "ANNOTATION").then_some(QUEUE_ID)
    }
    pub fn author_user_id(&self) -> Option<&'static str> {
        (self.source() == "ANNOTATION").then(|| {
            ANNOTATORS
                .get((self.score.id % 2) as usize)
                .copied()
                .unwrap_or("")
        })
    }
    fn comment(&self) -> Option<&'static str> {
        match (self.score.kind, self.score.value) {
            (0, v) if v < 0.3 => Some("Answer did not address the question"),
            (3, _) => Some("Reviewed in weekly QA"),
            _ => None,
        }
    }
    fn created_ms(&self) -> i64 {
        self.score.timestamp_ms + 40 + (self.score.id % 900) as i64
    }

    fn push_value(&self, out: &mut String, v3: bool) {
        match self.data_type() {
            "BOOLEAN" if v3 => out.push_str(if self.score.value != 0.0 {
                "true"
            } else {
                "false"
            }),
            "CATEGORICAL" if v3 => push_json_str(out, self.category()),
            _ => push_js_number(out, self.score.value),
        }
    }

    /// Writes the v3 object.
    pub fn write_v3(&self, fields: ScoreFields, out: &mut String) {
        out.push_str("{\"id\":\"");
        ids::push_uuid(out, self.score.id);
        out.push_str("\",\"projectId\":");
        push_json_str(out, crate::PROJECT_ID);
        out.push_str(",\"name\":");
        push_json_str(out, self.name());
        out.push_str(",\"dataType\":");
        push_json_str(out, self.data_type());
        out.push_str(",\"value\":");
        self.push_value(out, true);
        out.push_str(",\"source\":");
        push_json_str(out, self.source());
        out.push_str(",\"timestamp\":");
        push_iso_ms_quoted(out, self.score.timestamp_ms);
        out.push_str(",\"environment\":");
        push_json_str(out, self.environment());
        out.push_str(",\"createdAt\":");
        push_iso_ms_quoted(out, self.created_ms());
        out.push_str(",\"updatedAt\":");
        push_iso_ms_quoted(out, self.created_ms());
        if fields.details {
            out.push_str(",\"comment\":");
            opt(out, self.comment());
            out.push_str(",\"configId\":");
            opt(out, self.config_id());
            out.push_str(",\"metadata\":{}");
        }
        if fields.annotation {
            out.push_str(",\"authorUserId\":");
            opt(out, self.author_user_id());
            out.push_str(",\"queueId\":");
            opt(out, self.queue_id());
        }
        if fields.subject {
            match self.observation_id() {
                Some(obs) => {
                    out.push_str(",\"subject\":{\"kind\":\"observation\",\"id\":");
                    push_json_str(out, &obs);
                    out.push_str(",\"traceId\":");
                    push_json_str(out, &self.trace_id());
                    out.push('}');
                }
                None => {
                    out.push_str(",\"subject\":{\"kind\":\"trace\",\"id\":");
                    push_json_str(out, &self.trace_id());
                    out.push('}');
                }
            }
        }
        out.push('}');
    }

    /// Writes the legacy ScoreV1 object (trace detail).
    pub fn write_v1(&self, out: &mut String) {
        out.push_str("{\"id\":\"");
        ids::push_uuid(out, self.score.id);
        out.push_str("\",\"projectId\":");
        push_json_str(out, crate::PROJECT_ID);
        out.push_str(",\"environment\":");
        push_json_str(out, self.environment());
        out.push_str(",\"name\":");
        push_json_str(out, self.name());
        out.push_str(",\"value\":");
        self.push_value(out, false);
        out.push_str(",\"source\":");
        push_json_str(out, self.source());
        out.push_str(",\"authorUserId\":");
        opt(out, self.author_user_id());
        out.push_str(",\"comment\":");
        opt(out, self.comment());
        out.push_str(",\"metadata\":{},\"configId\":");
        opt(out, self.config_id());
        out.push_str(",\"queueId\":");
        opt(out, self.queue_id());
        out.push_str(",\"executionTraceId\":null,\"createdAt\":");
        push_iso_ms_quoted(out, self.created_ms());
        out.push_str(",\"updatedAt\":");
        push_iso_ms_quoted(out, self.created_ms());
        out.push_str(",\"timestamp\":");
        push_iso_ms_quoted(out, self.score.timestamp_ms);
        out.push_str(",\"traceId\":");
        push_json_str(out, &self.trace_id());
        out.push_str(",\"observationId\":");
        opt(out, self.observation_id().as_deref());
        out.push_str(",\"stringValue\":");
        match self.data_type() {
            "BOOLEAN" => out.push_str(if self.score.value != 0.0 {
                "\"True\""
            } else {
                "\"False\""
            }),
            "CATEGORICAL" => push_json_str(out, self.category()),
            _ => out.push_str("null"),
        }
        out.push_str(",\"dataType\":");
        push_json_str(out, self.data_type());
        out.push('}');
    }

    /// The v3 cursor after this score: base64url of `{"v":1,"lastTimestamp":…,"lastId":…}`.
    pub fn cursor(&self) -> String {
        let mut json = String::from("{\"v\":1,\"lastTimestamp\":\"");
        push_iso_ms(&mut json, self.score.timestamp_ms);
        json.push_str("\",\"lastId\":\"");
        ids::push_uuid(&mut json, self.score.id);
        json.push_str("\"}");
        ids::base64_url(&json)
    }

    /// True for an observation-level score.
    pub fn is_observation_score(&self) -> bool {
        self.score.obs != NONE
    }
}

fn opt(out: &mut String, v: Option<&str>) {
    match v {
        Some(s) => push_json_str(out, s),
        None => out.push_str("null"),
    }
}
