//! The one shape in which an observation enters the engine.
//!
//! Decoders (Langfuse pages, JSONL imports, snapshots, the demo generator) produce an [`ObservationRow`]
//! that borrows from their input or from a scratch buffer they reuse, and hand it to a sink such as
//! [`crate::Store::upsert`]. Nothing here allocates.
//!
//! Conventions:
//! - Times are Unix epoch milliseconds, UTC (`*_ms`). Durations are derived from them, never taken from the
//!   wire's `latency` seconds.
//! - "Missing" is `None` or an empty slice. Decoders map Langfuse's `""` to `None` before building a row.
//! - Unknown enum values keep their text in `*_text` alongside the `Other` variant.
//! - Usage is a list of (Langfuse usage key, units) in wire order; cost is (cost key, USD).

use serde::{Deserialize, Serialize};

/// Langfuse observation types (API.md §9.2), with `Other` for values this build does not know.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[repr(u8)]
pub enum ObservationType {
    Span = 0,
    Generation,
    Event,
    Agent,
    Tool,
    Chain,
    Retriever,
    Evaluator,
    Embedding,
    Guardrail,
    Other,
}

impl ObservationType {
    /// Every known variant, in declaration order (`Other` last).
    pub const ALL: [ObservationType; 11] = [
        Self::Span,
        Self::Generation,
        Self::Event,
        Self::Agent,
        Self::Tool,
        Self::Chain,
        Self::Retriever,
        Self::Evaluator,
        Self::Embedding,
        Self::Guardrail,
        Self::Other,
    ];

    /// Parses Langfuse's upper-case wire name; anything else is `Other`.
    pub fn parse(text: &str) -> Self {
        match text {
            "SPAN" => Self::Span,
            "GENERATION" => Self::Generation,
            "EVENT" => Self::Event,
            "AGENT" => Self::Agent,
            "TOOL" => Self::Tool,
            "CHAIN" => Self::Chain,
            "RETRIEVER" => Self::Retriever,
            "EVALUATOR" => Self::Evaluator,
            "EMBEDDING" => Self::Embedding,
            "GUARDRAIL" => Self::Guardrail,
            _ => Self::Other,
        }
    }

    /// The wire name (`"OTHER"` for unknown values; the original text is kept elsewhere).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Span => "SPAN",
            Self::Generation => "GENERATION",
            Self::Event => "EVENT",
            Self::Agent => "AGENT",
            Self::Tool => "TOOL",
            Self::Chain => "CHAIN",
            Self::Retriever => "RETRIEVER",
            Self::Evaluator => "EVALUATOR",
            Self::Embedding => "EMBEDDING",
            Self::Guardrail => "GUARDRAIL",
            Self::Other => "OTHER",
        }
    }
}

/// Langfuse log levels, ordered by severity (`Debug < Default < Warning < Error`); `Other` sorts last and
/// is never treated as an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[repr(u8)]
pub enum Level {
    Debug = 0,
    Default,
    Warning,
    Error,
    Other,
}

impl Level {
    /// Every variant, in severity order (`Other` last).
    pub const ALL: [Level; 5] = [
        Self::Debug,
        Self::Default,
        Self::Warning,
        Self::Error,
        Self::Other,
    ];

    /// Parses Langfuse's upper-case wire name; anything else is `Other`.
    pub fn parse(text: &str) -> Self {
        match text {
            "DEBUG" => Self::Debug,
            "DEFAULT" => Self::Default,
            "WARNING" => Self::Warning,
            "ERROR" => Self::Error,
            _ => Self::Other,
        }
    }

    /// The wire name (`"OTHER"` for unknown values).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Debug => "DEBUG",
            Self::Default => "DEFAULT",
            Self::Warning => "WARNING",
            Self::Error => "ERROR",
            Self::Other => "OTHER",
        }
    }
}

/// One observation as a decoder hands it to the engine. Borrowed; valid for one sink call.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ObservationRow<'a> {
    /// Observation id (opaque; 16-hex, UUID or `t-<traceId>` for legacy synthetic roots).
    pub id: &'a str,
    /// Trace id; `None` only for malformed rows, which are still kept.
    pub trace_id: Option<&'a str>,
    /// Physical parent observation id.
    pub parent_observation_id: Option<&'a str>,
    pub start_time_ms: i64,
    pub end_time_ms: Option<i64>,
    /// First token of a streamed completion.
    pub completion_start_time_ms: Option<i64>,
    pub observation_type: ObservationType,
    /// The wire text when `observation_type` is `Other`.
    pub observation_type_text: Option<&'a str>,
    pub name: Option<&'a str>,
    pub level: Level,
    /// The wire text when `level` is `Other`.
    pub level_text: Option<&'a str>,
    pub status_message: Option<&'a str>,
    pub version: Option<&'a str>,
    pub environment: Option<&'a str>,
    pub user_id: Option<&'a str>,
    pub session_id: Option<&'a str>,
    /// Langfuse's logical-root flag (`isRootObservation`), when the `basic` group was fetched.
    pub is_root: Option<bool>,
    /// Trace context group.
    pub trace_name: Option<&'a str>,
    pub tags: &'a [&'a str],
    pub release: Option<&'a str>,
    /// Model name as the SDK sent it (wire `model`).
    pub model: Option<&'a str>,
    /// Langfuse's matched model id (wire `modelId` / `internalModelId`).
    pub model_id: Option<&'a str>,
    pub prompt_name: Option<&'a str>,
    pub prompt_version: Option<i64>,
    /// `usageDetails`: (key, units).
    pub usage: &'a [(&'a str, u64)],
    /// `costDetails`: (key, USD). Empty when Langfuse computed no cost.
    pub cost: &'a [(&'a str, f64)],
    /// Scalar metadata values as text (nested values as their JSON text), in wire order.
    pub metadata: &'a [(&'a str, &'a str)],
    /// Scalar model parameters as text (used by pricing-tier conditions such as `service_tier`).
    pub model_parameters: &'a [(&'a str, &'a str)],
}

impl<'a> ObservationRow<'a> {
    /// A row with only the required fields set; everything else missing.
    pub fn new(id: &'a str, trace_id: &'a str, start_time_ms: i64) -> Self {
        Self {
            id,
            trace_id: Some(trace_id),
            parent_observation_id: None,
            start_time_ms,
            end_time_ms: None,
            completion_start_time_ms: None,
            observation_type: ObservationType::Span,
            observation_type_text: None,
            name: None,
            level: Level::Default,
            level_text: None,
            status_message: None,
            version: None,
            environment: None,
            user_id: None,
            session_id: None,
            is_root: None,
            trace_name: None,
            tags: &[],
            release: None,
            model: None,
            model_id: None,
            prompt_name: None,
            prompt_version: None,
            usage: &[],
            cost: &[],
            metadata: &[],
            model_parameters: &[],
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn enums_round_trip_their_wire_names() {
        for t in ObservationType::ALL {
            if t != ObservationType::Other {
                assert_eq!(ObservationType::parse(t.as_str()), t);
            }
        }
        for l in Level::ALL {
            if l != Level::Other {
                assert_eq!(Level::parse(l.as_str()), l);
            }
        }
        assert_eq!(ObservationType::parse("span"), ObservationType::Other);
        assert_eq!(Level::parse("FATAL"), Level::Other);
    }

    #[test]
    fn levels_order_by_severity() {
        assert!(Level::Error > Level::Warning);
        assert!(Level::Warning > Level::Default);
        assert!(Level::Default > Level::Debug);
    }
}
