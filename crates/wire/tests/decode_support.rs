//! Helpers shared by the decode_* integration tests (included with `#[path]`; no tests of its own).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use loupe_core::{Level, ObservationRow, ObservationType};

/// An owned copy of an [`ObservationRow`], for assertions after the sink call.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub id: String,
    pub trace_id: Option<String>,
    pub parent_observation_id: Option<String>,
    pub start_time_ms: i64,
    pub end_time_ms: Option<i64>,
    pub completion_start_time_ms: Option<i64>,
    pub observation_type: ObservationType,
    pub observation_type_text: Option<String>,
    pub name: Option<String>,
    pub level: Level,
    pub level_text: Option<String>,
    pub status_message: Option<String>,
    pub version: Option<String>,
    pub environment: Option<String>,
    pub user_id: Option<String>,
    pub session_id: Option<String>,
    pub is_root: Option<bool>,
    pub trace_name: Option<String>,
    pub tags: Vec<String>,
    pub release: Option<String>,
    pub model: Option<String>,
    pub model_id: Option<String>,
    pub prompt_name: Option<String>,
    pub prompt_version: Option<i64>,
    pub usage: Vec<(String, u64)>,
    pub cost: Vec<(String, f64)>,
    pub metadata: Vec<(String, String)>,
    pub model_parameters: Vec<(String, String)>,
}

fn s(v: Option<&str>) -> Option<String> {
    v.map(str::to_owned)
}

impl Row {
    pub fn of(r: &ObservationRow<'_>) -> Row {
        Row {
            id: r.id.to_owned(),
            trace_id: s(r.trace_id),
            parent_observation_id: s(r.parent_observation_id),
            start_time_ms: r.start_time_ms,
            end_time_ms: r.end_time_ms,
            completion_start_time_ms: r.completion_start_time_ms,
            observation_type: r.observation_type,
            observation_type_text: s(r.observation_type_text),
            name: s(r.name),
            level: r.level,
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
            usage: r.usage.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect(),
            cost: r.cost.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect(),
            metadata: r
                .metadata
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            model_parameters: r
                .model_parameters
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    pub fn usage(&self, key: &str) -> Option<u64> {
        self.usage.iter().find(|(k, _)| k == key).map(|(_, v)| *v)
    }

    pub fn cost(&self, key: &str) -> Option<f64> {
        self.cost.iter().find(|(k, _)| k == key).map(|(_, v)| *v)
    }

    pub fn meta(&self, key: &str) -> Option<&str> {
        self.metadata
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Reads a file from the shared examples directory.
pub fn example(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../../spec/langfuse/examples/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Milliseconds for a `YYYY-MM-DDTHH:MM:SS.mmmZ` literal (checked independently of the decoder's parser by
/// the unit tests; here only to keep expectations readable).
pub fn ms(text: &str) -> i64 {
    loupe_wire::decode::timestamp_ms(text).unwrap()
}
