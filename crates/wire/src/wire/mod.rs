//! Owned wire types for the Langfuse responses Loupe reads that are not streamed into the engine.
//!
//! Observations and scores for analytics are not here: they are decoded straight into borrowed engine rows
//! ([`loupe_core::ObservationRow`], [`loupe_core::ScoreRow`]) by [`crate::decode`]. What lives here is what
//! callers keep as values: page metadata, legacy trace context and sessions, projects, health, metrics rows,
//! error bodies, and [`ObservationRecord`] (every field of one observation, for the trace detail view).
//! Models become [`loupe_core::ModelPrice`] directly.
//!
//! Conventions: names follow Rust style with units where they apply (`*_ms` are Unix epoch milliseconds UTC,
//! `*_usd` dollars, `*_seconds` seconds); "missing" is `None` or empty; Langfuse's `""` is missing.

use serde::Serialize;

/// Paging metadata of a list response. Page-based lists fill `page`, `limit`, `total_items`, `total_pages`
/// (API.md §6.1); cursor lists fill `cursor` (and `limit` for v3 scores).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PageMeta {
    pub page: Option<u32>,
    pub limit: Option<u32>,
    pub total_items: Option<u64>,
    pub total_pages: Option<u32>,
    /// The next page's cursor; `None` on the last page.
    pub cursor: Option<String>,
}

/// Trace-level fields the v1 observations endpoint does not carry, looked up by trace id while decoding
/// legacy observation pages (borrowed from a [`TraceContextOwned`]).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TraceContext<'a> {
    pub name: Option<&'a str>,
    pub user_id: Option<&'a str>,
    pub session_id: Option<&'a str>,
    pub release: Option<&'a str>,
    pub tags: &'a [String],
}

/// A legacy (v1) trace as the fallback path needs it: its context for observations, plus what identifies it.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TraceContextOwned {
    pub id: String,
    pub name: Option<String>,
    pub user_id: Option<String>,
    pub session_id: Option<String>,
    pub release: Option<String>,
    pub version: Option<String>,
    pub environment: Option<String>,
    pub tags: Vec<String>,
    /// Trace `timestamp`.
    pub timestamp_ms: Option<i64>,
}

impl TraceContextOwned {
    /// The borrowed context for observation decoding.
    pub fn context(&self) -> TraceContext<'_> {
        TraceContext {
            name: self.name.as_deref(),
            user_id: self.user_id.as_deref(),
            session_id: self.session_id.as_deref(),
            release: self.release.as_deref(),
            tags: &self.tags,
        }
    }
}

/// A v1 session (`GET /api/public/sessions`, API.md §9.5): only a grouping key with a creation time.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Session {
    pub id: String,
    pub created_at_ms: Option<i64>,
    pub project_id: String,
    pub environment: String,
}

/// A project as `GET /api/public/projects` lists it (API.md §8.2): the key's own project.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Project {
    pub id: String,
    pub name: Option<String>,
    pub organization_id: Option<String>,
    pub organization_name: Option<String>,
    /// Data retention; `None` when Langfuse keeps data indefinitely (absent, null or 0 on the wire).
    pub retention_days: Option<u32>,
    /// Project metadata: scalars as text, nested values as JSON text.
    pub metadata: Vec<(String, String)>,
}

/// `GET /api/public/health` (API.md §8.1): `status` is `"OK"` when healthy, a reason otherwise (503).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Health {
    pub status: String,
    /// Langfuse server version, e.g. `"4.16.0"`.
    pub version: Option<String>,
}

impl Health {
    pub fn is_ok(&self) -> bool {
        self.status.eq_ignore_ascii_case("ok")
    }
}

/// One row of a `GET /api/public/v2/metrics` response (API.md §8.11); members ordered by key.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct MetricsRow {
    /// Dimension name → value as text (`None` for null/`""`; arrays such as tags as JSON text).
    pub dimensions: Vec<(String, Option<String>)>,
    /// `time_dimension` as sent: `YYYY-MM-DD` (day/week/month) or `YYYY-MM-DDTHH:MM:SSZ` (minute/hour).
    pub time_dimension: Option<String>,
    /// Start of the time bucket, UTC.
    pub time_ms: Option<i64>,
    /// `<aggregation>_<measure>` members. Units are the API's: latency measures in **milliseconds**, costs USD.
    pub metrics: Vec<Metric>,
}

impl MetricsRow {
    /// A dimension's value by name.
    pub fn dimension(&self, name: &str) -> Option<&str> {
        self.dimensions
            .iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.as_deref())
    }

    /// A metric by its wire key (`count_count`, `p95_latency`, ...).
    pub fn metric(&self, key: &str) -> Option<&MetricValue> {
        self.metrics.iter().find(|m| m.key == key).map(|m| &m.value)
    }

    /// A numeric metric by its wire key.
    pub fn number(&self, key: &str) -> Option<f64> {
        match self.metric(key)? {
            MetricValue::Number(n) => Some(*n),
            _ => None,
        }
    }
}

/// One `<aggregation>_<measure>` member of a metrics row.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Metric {
    /// The wire key, e.g. `sum_totalCost`.
    pub key: String,
    /// `sum`, `avg`, `count`, `max`, `min`, `p50`...`p99`, `histogram`, `uniq`.
    pub aggregation: String,
    /// `count`, `latency`, `totalCost`, ...
    pub measure: String,
    pub value: MetricValue,
}

/// A metric's value: numbers (64-bit counts may arrive quoted on older ClickHouse), or histogram bins.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub enum MetricValue {
    Number(f64),
    Histogram(Vec<HistogramBin>),
    #[default]
    Missing,
}

/// One histogram bin `[lower, upper, height]`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct HistogramBin {
    pub lower: f64,
    pub upper: f64,
    pub height: f64,
}

/// An error response body (API.md §2, §4, §5), whatever its shape.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ApiErrorBody {
    /// `message`, else `error` text, else `status`, else a short snippet of the body (HTML tags removed);
    /// `None` only for an empty (or whitespace) body.
    pub message: Option<String>,
    /// `error` when it is a string (`"InvalidRequestError"`, `"LangfuseNotFoundError"`, ...).
    pub error: Option<String>,
    /// Validation issues when `error` (or `errors`) is an array of zod issues.
    pub issues: Vec<ValidationIssue>,
    /// `code` (`"rate_limited"` on 429).
    pub code: Option<String>,
    /// `status` (health-style 503 bodies).
    pub status: Option<String>,
    /// `details.retryAfterSeconds` on 429: the only retry hint a browser can read (API.md §3, §5).
    pub retry_after_seconds: Option<f64>,
    /// `details.limit`, `details.remaining`, `details.resetAt` on 429.
    pub limit: Option<u64>,
    pub remaining: Option<u64>,
    pub reset_at_ms: Option<i64>,
}

impl ApiErrorBody {
    /// The message with validation issues appended, for showing to a user:
    /// `Invalid request data: limit: Too big: expected number to be <=100`.
    pub fn describe(&self) -> String {
        let mut out = self.message.clone().unwrap_or_default();
        for (i, issue) in self.issues.iter().enumerate() {
            out.push_str(if i == 0 { ": " } else { "; " });
            if !issue.path.is_empty() {
                out.push_str(&issue.path.join("."));
                out.push_str(": ");
            }
            out.push_str(if issue.message.is_empty() {
                &issue.code
            } else {
                &issue.message
            });
        }
        out
    }
}

/// One zod validation issue of a 400 body.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ValidationIssue {
    pub code: String,
    pub message: String,
    /// The parameter path, e.g. `["limit"]`.
    pub path: Vec<String>,
}

/// One observation with every field Loupe reads, owned: for the trace detail view (inputs, outputs, prices)
/// and exports, where the borrowed [`loupe_core::ObservationRow`] does not fit. Decoded by
/// [`crate::decode::observation_records`] with the same rules as the engine rows; the row fields mean what
/// they mean there.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ObservationRecord {
    pub id: String,
    pub trace_id: Option<String>,
    pub parent_observation_id: Option<String>,
    pub start_time_ms: i64,
    pub end_time_ms: Option<i64>,
    pub completion_start_time_ms: Option<i64>,
    /// `None` when the wire `type` is absent (the engine row then says `Span`).
    pub observation_type: Option<loupe_core::ObservationType>,
    pub observation_type_text: Option<String>,
    pub name: Option<String>,
    pub level: Option<loupe_core::Level>,
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
    // Fields the engine does not take.
    pub project_id: Option<String>,
    pub created_at_ms: Option<i64>,
    pub updated_at_ms: Option<i64>,
    pub bookmarked: Option<bool>,
    pub public: Option<bool>,
    pub prompt_id: Option<String>,
    /// Input as stored: v2 sends the raw stored string (JSON text or plain text); a v1 JSON value other than
    /// a string is kept as its JSON text. Render as text, never as HTML.
    pub input: Option<String>,
    pub output: Option<String>,
    /// Langfuse's own figures, as sent (seconds). Loupe derives durations from the timestamps instead.
    pub latency_seconds: Option<f64>,
    pub time_to_first_token_seconds: Option<f64>,
    /// Default-tier prices of the matched model, USD per unit (v2 sends decimal strings).
    pub input_price_usd: Option<f64>,
    pub output_price_usd: Option<f64>,
    pub total_price_usd: Option<f64>,
    /// `totalCost` as sent (0 when Langfuse computed none).
    pub total_cost_usd: Option<f64>,
    pub usage_pricing_tier_id: Option<String>,
    pub usage_pricing_tier_name: Option<String>,
}
