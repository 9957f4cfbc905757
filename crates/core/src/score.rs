//! Scores as the engine takes them in (from `/api/public/v3/scores`, API.md §9.4).

use serde::{Deserialize, Serialize};

/// Score data types; `Other` keeps unknown values countable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ScoreDataType {
    Numeric,
    Categorical,
    Boolean,
    Correction,
    Text,
    Other,
}

impl ScoreDataType {
    /// Parses Langfuse's upper-case wire name; anything else is `Other`.
    pub fn parse(text: &str) -> Self {
        match text {
            "NUMERIC" => Self::Numeric,
            "CATEGORICAL" => Self::Categorical,
            "BOOLEAN" => Self::Boolean,
            "CORRECTION" => Self::Correction,
            "TEXT" => Self::Text,
            _ => Self::Other,
        }
    }
}

/// A score's value, typed by its data type.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ScoreValue<'a> {
    Numeric(f64),
    Boolean(bool),
    /// Categorical, text and correction values.
    Text(&'a str),
    Missing,
}

/// What a score is attached to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScoreSubject {
    Trace,
    Observation,
    Session,
    Experiment,
    Other,
}

/// One score as a decoder hands it to the engine. Borrowed; valid for one sink call.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoreRow<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub data_type: ScoreDataType,
    pub value: ScoreValue<'a>,
    /// `API`, `EVAL`, `ANNOTATION` or other text.
    pub source: Option<&'a str>,
    pub timestamp_ms: i64,
    pub environment: Option<&'a str>,
    pub subject: ScoreSubject,
    pub trace_id: Option<&'a str>,
    pub observation_id: Option<&'a str>,
    pub session_id: Option<&'a str>,
}
