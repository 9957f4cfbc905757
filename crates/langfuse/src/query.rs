//! Typed requests → Langfuse URLs (API.md §6–§8).
//!
//! Each request struct builds the full URL for one page: `{base}/api/public/<route>?<params>`. Parameters are
//! emitted in a fixed order, every key and value is percent-encoded (RFC 3986 unreserved characters pass
//! through; the cursor's `+ / =` and the JSON `filter` are escaped), and times are ISO-8601 UTC with
//! milliseconds and `Z` (`2026-08-12T09:14:03.120Z`; Langfuse rejects offset-less times). Ranges are
//! half-open: `from` inclusive, `to` exclusive, as Langfuse applies them.
//!
//! Loupe's filters ([`ObservationFilters`]) map to Langfuse's simple query parameters when a single value of
//! a column that has one is selected, and to entries of the JSON `filter` parameter otherwise (several
//! values, or columns without a simple parameter). An empty list means "no filter on that column".
//! Analytics never requests the `io` group ([`FieldGroup::ANALYTICS`]); inputs and outputs are fetched per
//! trace on demand ([`trace_io_url`]).

use loupe_core::{Level, ObservationType};
use serde_json::json;

use crate::hosts::BaseUrl;

/// Rows per page of `/api/public/v2/observations` (Langfuse's maximum).
pub const OBSERVATIONS_PAGE_LIMIT: u32 = 1000;
/// Rows per page of `/api/public/v3/scores` (maximum).
pub const SCORES_PAGE_LIMIT: u32 = 100;
/// Rows per page of the page-based routes (models, legacy observations and traces; maximum).
pub const LEGACY_PAGE_LIMIT: u32 = 100;

/// A half-open time range `[from_ms, to_ms)` in Unix epoch milliseconds. Empty when `to_ms <= from_ms`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TimeRange {
    pub from_ms: i64,
    pub to_ms: i64,
}

impl TimeRange {
    /// `[from_ms, to_ms)`.
    pub fn new(from_ms: i64, to_ms: i64) -> Self {
        Self { from_ms, to_ms }
    }

    /// Length in milliseconds (0 when empty).
    pub fn duration_ms(&self) -> i64 {
        self.to_ms.saturating_sub(self.from_ms).max(0)
    }

    /// Whether the range holds no instant.
    pub fn is_empty(&self) -> bool {
        self.to_ms <= self.from_ms
    }

    /// Splits into `parts` consecutive ranges of near-equal length covering exactly this range (fewer when
    /// the range is shorter than `parts` milliseconds; none when empty). Ordered newest first, the order in
    /// which Langfuse returns rows.
    pub fn split(&self, parts: u32) -> Vec<TimeRange> {
        if self.is_empty() {
            return Vec::new();
        }
        let parts = i64::from(parts.max(1)).min(self.duration_ms());
        let len = self.duration_ms();
        let mut out = Vec::with_capacity(usize::try_from(parts).unwrap_or(0));
        for i in (0..parts).rev() {
            // i128 so that huge ranges cannot overflow the multiplication.
            let edge = |k: i64| {
                self.from_ms + ((i128::from(len) * i128::from(k)) / i128::from(parts)) as i64
            };
            out.push(TimeRange::new(edge(i), edge(i + 1)));
        }
        out
    }
}

/// Formats Unix epoch milliseconds as `YYYY-MM-DDTHH:MM:SS.mmmZ`. Values outside years 0000–9999 are clamped
/// to that span (Langfuse would reject them anyway).
pub fn iso_ms(epoch_ms: i64) -> String {
    const MAX_MS: i64 = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z
    const MIN_MS: i64 = -62_167_219_200_000; // 0000-01-01T00:00:00.000Z
    let ms = epoch_ms.clamp(MIN_MS, MAX_MS);
    let days = ms.div_euclid(86_400_000);
    let ms_of_day = ms.rem_euclid(86_400_000);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        ms_of_day / 3_600_000,
        (ms_of_day / 60_000) % 60,
        (ms_of_day / 1000) % 60,
        ms_of_day % 1000
    )
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0xf)]));
        }
    }
    out
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// An ordered list of query parameters that renders as an encoded query string.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Params(Vec<(&'static str, String)>);

impl Params {
    fn push(&mut self, key: &'static str, value: impl Into<String>) -> &mut Self {
        self.0.push((key, value.into()));
        self
    }

    fn url(&self, base: &BaseUrl, route: &str) -> String {
        let mut query = String::new();
        for (key, value) in &self.0 {
            query.push(if query.is_empty() { '?' } else { '&' });
            query.push_str(&percent_encode(key));
            query.push('=');
            query.push_str(&percent_encode(value));
        }
        base.api(&format!("{route}{query}"))
    }
}

/// A field group of `/api/public/v2/observations` (API.md §9.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FieldGroup {
    Core,
    Basic,
    Time,
    Io,
    Metadata,
    Model,
    Usage,
    Prompt,
    Metrics,
    TraceContext,
}

impl FieldGroup {
    /// What analytics needs: everything but `io` and `metadata`.
    pub const ANALYTICS: [FieldGroup; 8] = [
        Self::Core,
        Self::Basic,
        Self::Time,
        Self::Model,
        Self::Usage,
        Self::Prompt,
        Self::Metrics,
        Self::TraceContext,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Core => "core",
            Self::Basic => "basic",
            Self::Time => "time",
            Self::Io => "io",
            Self::Metadata => "metadata",
            Self::Model => "model",
            Self::Usage => "usage",
            Self::Prompt => "prompt",
            Self::Metrics => "metrics",
            Self::TraceContext => "trace_context",
        }
    }
}

/// How a list of tags filters: observations whose trace has any, or all, of them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum TagMatch {
    #[default]
    AnyOf,
    AllOf,
}

/// Loupe's server-side observation filters. Every list is "any of its values"; an empty list filters
/// nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObservationFilters {
    pub environments: Vec<String>,
    pub types: Vec<ObservationType>,
    pub levels: Vec<Level>,
    pub user_ids: Vec<String>,
    pub session_ids: Vec<String>,
    pub trace_names: Vec<String>,
    /// Model names as the SDK sent them (Langfuse's `model` / `providedModelName`).
    pub models: Vec<String>,
    pub tags: Vec<String>,
    pub tag_match: TagMatch,
    pub releases: Vec<String>,
    pub versions: Vec<String>,
}

impl ObservationFilters {
    /// Whether no filter is set.
    pub fn is_empty(&self) -> bool {
        self.environments.is_empty()
            && self.types.is_empty()
            && self.levels.is_empty()
            && self.user_ids.is_empty()
            && self.session_ids.is_empty()
            && self.trace_names.is_empty()
            && self.models.is_empty()
            && self.tags.is_empty()
            && self.releases.is_empty()
            && self.versions.is_empty()
    }

    /// Simple parameters plus the JSON `filter` array for `/api/public/v2/observations`.
    fn push_v2(&self, params: &mut Params) {
        let mut json_filters = Vec::new();
        for env in &self.environments {
            params.push("environment", env.clone());
        }
        let types: Vec<String> = self.types.iter().map(|t| t.as_str().to_owned()).collect();
        simple_or_options(params, &mut json_filters, "type", "type", &types);
        let levels: Vec<String> = self.levels.iter().map(|l| l.as_str().to_owned()).collect();
        simple_or_options(params, &mut json_filters, "level", "level", &levels);
        simple_or_options(
            params,
            &mut json_filters,
            "userId",
            "userId",
            &self.user_ids,
        );
        simple_or_options(
            params,
            &mut json_filters,
            "sessionId",
            "sessionId",
            &self.session_ids,
        );
        simple_or_options(
            params,
            &mut json_filters,
            "version",
            "version",
            &self.versions,
        );
        options_filter(&mut json_filters, "traceName", &self.trace_names);
        options_filter(&mut json_filters, "model", &self.models);
        options_filter(&mut json_filters, "release", &self.releases);
        if !self.tags.is_empty() {
            let operator = match self.tag_match {
                TagMatch::AnyOf => "any of",
                TagMatch::AllOf => "all of",
            };
            json_filters.push(json!({
                "type": "arrayOptions", "column": "tags", "operator": operator, "value": self.tags,
            }));
        }
        if !json_filters.is_empty() {
            params.push("filter", serde_json::Value::Array(json_filters).to_string());
        }
    }

    /// The metrics-API filters (column = metrics dimension name, API.md §8.11) for the same selection.
    pub fn metrics_filters(&self) -> Vec<serde_json::Value> {
        let mut out = Vec::new();
        let mut push = |column: &str, values: Vec<String>| {
            if !values.is_empty() {
                out.push(json!({
                    "column": column, "operator": "any of", "value": values, "type": "stringOptions",
                }));
            }
        };
        push("environment", self.environments.clone());
        push(
            "type",
            self.types.iter().map(|t| t.as_str().to_owned()).collect(),
        );
        push(
            "level",
            self.levels.iter().map(|l| l.as_str().to_owned()).collect(),
        );
        push("userId", self.user_ids.clone());
        push("sessionId", self.session_ids.clone());
        push("traceName", self.trace_names.clone());
        push("providedModelName", self.models.clone());
        push("release", self.releases.clone());
        push("version", self.versions.clone());
        if !self.tags.is_empty() {
            let operator = match self.tag_match {
                TagMatch::AnyOf => "any of",
                TagMatch::AllOf => "all of",
            };
            out.push(json!({ "column": "tags", "operator": operator, "value": self.tags, "type": "arrayOptions" }));
        }
        out
    }
}

/// One value → the simple parameter; several → a `stringOptions` "any of" entry of the JSON filter (the
/// simple parameters are single-valued).
fn simple_or_options(
    params: &mut Params,
    json_filters: &mut Vec<serde_json::Value>,
    param: &'static str,
    column: &str,
    values: &[String],
) {
    match values {
        [] => {}
        [one] => {
            params.push(param, one.clone());
        }
        many => options_filter(json_filters, column, many),
    }
}

fn options_filter(json_filters: &mut Vec<serde_json::Value>, column: &str, values: &[String]) {
    if !values.is_empty() {
        json_filters.push(json!({
            "type": "stringOptions", "column": column, "operator": "any of", "value": values,
        }));
    }
}

/// `GET /api/public/v2/observations` for analytics: one time window, Loupe's filters, no `io`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObservationsQuery {
    pub range: TimeRange,
    pub filters: ObservationFilters,
    /// Field groups, in wire order. `core` is always sent first even when absent here.
    pub fields: Vec<FieldGroup>,
    /// Metadata keys to return untruncated (only meaningful with the `metadata` group).
    pub expand_metadata: Vec<String>,
    /// Rows per page, at most [`OBSERVATIONS_PAGE_LIMIT`].
    pub limit: u32,
}

impl ObservationsQuery {
    /// The analytics request for `range` and `filters`: [`FieldGroup::ANALYTICS`], 1000 rows per page.
    pub fn analytics(range: TimeRange, filters: ObservationFilters) -> Self {
        Self {
            range,
            filters,
            fields: FieldGroup::ANALYTICS.to_vec(),
            expand_metadata: Vec::new(),
            limit: OBSERVATIONS_PAGE_LIMIT,
        }
    }

    /// Adds the `metadata` group (needed when a view groups by a metadata key).
    pub fn with_metadata(mut self, expand_keys: Vec<String>) -> Self {
        if !self.fields.contains(&FieldGroup::Metadata) {
            self.fields.push(FieldGroup::Metadata);
        }
        self.expand_metadata = expand_keys;
        self
    }

    /// The same query over another window.
    pub fn with_range(&self, range: TimeRange) -> Self {
        Self {
            range,
            ..self.clone()
        }
    }

    /// The URL of one page; `cursor` is the previous page's `meta.cursor` (None for the first page).
    pub fn url(&self, base: &BaseUrl, cursor: Option<&str>) -> String {
        self.window_url(base, self.range, cursor)
    }

    /// The URL of one page of this query restricted to `window` instead of `self.range`.
    pub fn window_url(&self, base: &BaseUrl, window: TimeRange, cursor: Option<&str>) -> String {
        let mut params = Params::default();
        params.push("fields", fields_csv(&self.fields));
        if !self.expand_metadata.is_empty() && self.fields.contains(&FieldGroup::Metadata) {
            params.push("expandMetadata", self.expand_metadata.join(","));
        }
        params.push(
            "limit",
            self.limit.clamp(1, OBSERVATIONS_PAGE_LIMIT).to_string(),
        );
        params.push("fromStartTime", iso_ms(window.from_ms));
        params.push("toStartTime", iso_ms(window.to_ms));
        self.filters.push_v2(&mut params);
        if let Some(cursor) = cursor {
            params.push("cursor", cursor);
        }
        params.url(base, "v2/observations")
    }
}

fn fields_csv(fields: &[FieldGroup]) -> String {
    let mut names = vec![FieldGroup::Core.as_str()];
    for field in fields {
        if *field != FieldGroup::Core && !names.contains(&field.as_str()) {
            names.push(field.as_str());
        }
    }
    names.join(",")
}

/// `GET /api/public/v2/observations?traceId=…&fields=core,io`: one trace's inputs and outputs, on demand.
pub fn trace_io_url(base: &BaseUrl, trace_id: &str, cursor: Option<&str>) -> String {
    let mut params = Params::default();
    params
        .push("traceId", trace_id)
        .push("fields", "core,io")
        .push("limit", OBSERVATIONS_PAGE_LIMIT.to_string());
    if let Some(cursor) = cursor {
        params.push("cursor", cursor);
    }
    params.url(base, "v2/observations")
}

/// The cheapest v4 read: one row, core fields. Used to probe for the v4 read path.
pub fn v2_probe_url(base: &BaseUrl) -> String {
    let mut params = Params::default();
    params.push("limit", "1");
    params.url(base, "v2/observations")
}

/// `GET /api/public/v3/scores` over a time range (score timestamp).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScoresQuery {
    pub range: TimeRange,
    /// `environment` csv filter; empty = all.
    pub environments: Vec<String>,
    /// At most [`SCORES_PAGE_LIMIT`].
    pub limit: u32,
}

impl ScoresQuery {
    /// Scores in `range`, 100 per page.
    pub fn new(range: TimeRange) -> Self {
        Self {
            range,
            environments: Vec::new(),
            limit: SCORES_PAGE_LIMIT,
        }
    }

    /// The URL of one page (v3 scores is strict: only documented parameters are sent). `fields=subject`
    /// brings the trace, observation or session each score is about (without it a v3 score carries no
    /// trace id, and filters by model, service or text could not keep it); `details` and `annotation`
    /// (comments, metadata, authors) are not read.
    pub fn url(&self, base: &BaseUrl, cursor: Option<&str>) -> String {
        let mut params = Params::default();
        params.push("limit", self.limit.clamp(1, SCORES_PAGE_LIMIT).to_string());
        params.push("fields", "subject");
        params.push("fromTimestamp", iso_ms(self.range.from_ms));
        params.push("toTimestamp", iso_ms(self.range.to_ms));
        if !self.environments.is_empty() {
            params.push("environment", self.environments.join(","));
        }
        if let Some(cursor) = cursor {
            params.push("cursor", cursor);
        }
        params.url(base, "v3/scores")
    }
}

/// `GET /api/public/models?page=N&limit=100` (`page` starts at 1).
pub fn models_url(base: &BaseUrl, page: u32) -> String {
    let mut params = Params::default();
    params
        .push("page", page.max(1).to_string())
        .push("limit", LEGACY_PAGE_LIMIT.to_string());
    params.url(base, "models")
}

/// `GET /api/public/projects`: the key's project.
pub fn projects_url(base: &BaseUrl) -> String {
    base.api("projects")
}

/// `GET /api/public/health`: status and server version, no auth.
pub fn health_url(base: &BaseUrl) -> String {
    base.api("health")
}

/// `GET /api/public/v2/metrics?query=<JSON>`.
pub fn metrics_url(base: &BaseUrl, query: &serde_json::Value) -> String {
    let mut params = Params::default();
    params.push("query", query.to_string());
    params.url(base, "v2/metrics")
}

/// `GET /api/public/observations` (v1, legacy fallback): page-based, 100 rows per page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LegacyObservationsQuery {
    pub range: TimeRange,
    pub filters: ObservationFilters,
}

impl LegacyObservationsQuery {
    /// The URL of page `page` (1-based). v1 has no trace-context filters (trace name, tags, release, model,
    /// session): those are applied by the caller after the join, so only the columns v1 knows are sent.
    pub fn url(&self, base: &BaseUrl, page: u32) -> String {
        let mut params = Params::default();
        params
            .push("page", page.max(1).to_string())
            .push("limit", LEGACY_PAGE_LIMIT.to_string());
        params.push("fromStartTime", iso_ms(self.range.from_ms));
        params.push("toStartTime", iso_ms(self.range.to_ms));
        for env in &self.filters.environments {
            params.push("environment", env.clone());
        }
        if let [one] = self.filters.types.as_slice() {
            params.push("type", one.as_str());
        }
        if let [one] = self.filters.levels.as_slice() {
            params.push("level", one.as_str());
        }
        if let [one] = self.filters.user_ids.as_slice() {
            params.push("userId", one.clone());
        }
        if let [one] = self.filters.versions.as_slice() {
            params.push("version", one.clone());
        }
        params.url(base, "observations")
    }
}

/// The cheapest legacy read: one v1 observation. Used to probe for the fallback path.
pub fn legacy_probe_url(base: &BaseUrl) -> String {
    let mut params = Params::default();
    params.push("page", "1").push("limit", "1");
    params.url(base, "observations")
}

/// How much earlier than the observation window legacy traces are fetched: Langfuse itself joins
/// observations to traces within one hour of the trace timestamp (API.md §8.4).
pub const LEGACY_TRACE_LOOKBACK_MS: i64 = 3_600_000;

/// `GET /api/public/traces` (legacy fallback): trace context for the v1 observations of a window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LegacyTracesQuery {
    /// Trace timestamps to cover (already widened by [`LEGACY_TRACE_LOOKBACK_MS`] by the caller).
    pub range: TimeRange,
    pub environments: Vec<String>,
}

impl LegacyTracesQuery {
    /// Traces whose timestamp can own an observation starting in `observation_window`.
    pub fn for_observation_window(
        observation_window: TimeRange,
        environments: Vec<String>,
    ) -> Self {
        Self {
            range: TimeRange::new(
                observation_window
                    .from_ms
                    .saturating_sub(LEGACY_TRACE_LOOKBACK_MS),
                observation_window.to_ms,
            ),
            environments,
        }
    }

    /// The URL of page `page` (1-based), `core` fields only (no io, scores, observation ids, metrics).
    pub fn url(&self, base: &BaseUrl, page: u32) -> String {
        let mut params = Params::default();
        params
            .push("page", page.max(1).to_string())
            .push("limit", LEGACY_PAGE_LIMIT.to_string());
        params.push("fromTimestamp", iso_ms(self.range.from_ms));
        params.push("toTimestamp", iso_ms(self.range.to_ms));
        params.push("fields", "core");
        for env in &self.environments {
            params.push("environment", env.clone());
        }
        params.url(base, "traces")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn base() -> BaseUrl {
        BaseUrl::parse("https://example.com/langfuse").unwrap()
    }

    /// Splits a URL's query into decoded (key, value) pairs, to assert on meaning rather than escaping.
    fn decoded_params(url: &str) -> Vec<(String, String)> {
        let query = url.split_once('?').map(|(_, q)| q).unwrap_or("");
        query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap();
                (decode(k), decode(v))
            })
            .collect()
    }

    fn decode(text: &str) -> String {
        let bytes = text.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                assert_ne!(bytes[i], b'+', "a literal + would be read as a space");
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    }

    fn param<'a>(pairs: &'a [(String, String)], key: &str) -> Vec<&'a str> {
        pairs
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    #[test]
    fn iso_ms_matches_known_instants() {
        assert_eq!(iso_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso_ms(1_786_526_043_120), "2026-08-12T09:14:03.120Z");
        assert_eq!(iso_ms(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(iso_ms(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(iso_ms(i64::MAX), "9999-12-31T23:59:59.999Z");
        assert_eq!(iso_ms(i64::MIN), "0000-01-01T00:00:00.000Z");
    }

    #[test]
    fn percent_encoding_escapes_cursor_and_json() {
        assert_eq!(percent_encode("ab+/=c"), "ab%2B%2F%3Dc");
        assert_eq!(percent_encode("a b&c"), "a%20b%26c");
        assert_eq!(percent_encode("~-._"), "~-._");
        assert_eq!(percent_encode("é"), "%C3%A9");
    }

    #[test]
    fn analytics_url_has_fields_limit_range_and_no_io() {
        let q = ObservationsQuery::analytics(
            TimeRange::new(1_786_526_043_120, 1_786_529_643_120),
            ObservationFilters::default(),
        );
        let url = q.url(&base(), None);
        assert!(
            url.starts_with("https://example.com/langfuse/api/public/v2/observations?"),
            "{url}"
        );
        let p = decoded_params(&url);
        assert_eq!(
            param(&p, "fields"),
            ["core,basic,time,model,usage,prompt,metrics,trace_context"]
        );
        assert_eq!(param(&p, "limit"), ["1000"]);
        assert_eq!(param(&p, "fromStartTime"), ["2026-08-12T09:14:03.120Z"]);
        assert_eq!(param(&p, "toStartTime"), ["2026-08-12T10:14:03.120Z"]);
        assert!(param(&p, "filter").is_empty());
        assert!(param(&p, "cursor").is_empty());
        assert!(!param(&p, "fields")[0].contains("io"));
    }

    #[test]
    fn cursor_is_percent_encoded_and_round_trips() {
        let cursor = "eyJsYXN0U3RhcnRUaW1lVG8iOiIyMDI2In0+/==";
        let q = ObservationsQuery::analytics(TimeRange::new(0, 1), ObservationFilters::default());
        let url = q.url(&base(), Some(cursor));
        assert!(
            url.contains("cursor=eyJsYXN0U3RhcnRUaW1lVG8iOiIyMDI2In0%2B%2F%3D%3D"),
            "{url}"
        );
        assert_eq!(param(&decoded_params(&url), "cursor"), [cursor]);
    }

    #[test]
    fn metadata_group_only_when_asked() {
        let q = ObservationsQuery::analytics(TimeRange::new(0, 1), ObservationFilters::default())
            .with_metadata(vec!["tenant".into()]);
        let p = decoded_params(&q.url(&base(), None));
        assert_eq!(
            param(&p, "fields"),
            ["core,basic,time,model,usage,prompt,metrics,trace_context,metadata"]
        );
        assert_eq!(param(&p, "expandMetadata"), ["tenant"]);
    }

    #[test]
    fn single_values_use_simple_params_and_lists_use_the_json_filter() {
        let filters = ObservationFilters {
            environments: vec!["production".into(), "staging".into()],
            types: vec![ObservationType::Generation],
            levels: vec![Level::Error, Level::Warning],
            user_ids: vec!["u 1&2".into()],
            session_ids: vec![],
            trace_names: vec!["checkout".into()],
            models: vec!["gpt-4o".into(), "gpt-4o-mini".into()],
            tags: vec!["beta".into()],
            tag_match: TagMatch::AllOf,
            releases: vec!["r1".into()],
            versions: vec!["v14".into()],
        };
        let q = ObservationsQuery::analytics(TimeRange::new(0, 1), filters);
        let p = decoded_params(&q.url(&base(), None));
        assert_eq!(param(&p, "environment"), ["production", "staging"]);
        assert_eq!(param(&p, "type"), ["GENERATION"]);
        assert!(param(&p, "level").is_empty());
        assert_eq!(param(&p, "userId"), ["u 1&2"]);
        assert_eq!(param(&p, "version"), ["v14"]);
        let filter: serde_json::Value = serde_json::from_str(param(&p, "filter")[0]).unwrap();
        assert_eq!(
            filter,
            json!([
                {"type": "stringOptions", "column": "level", "operator": "any of", "value": ["ERROR", "WARNING"]},
                {"type": "stringOptions", "column": "traceName", "operator": "any of", "value": ["checkout"]},
                {"type": "stringOptions", "column": "model", "operator": "any of", "value": ["gpt-4o", "gpt-4o-mini"]},
                {"type": "stringOptions", "column": "release", "operator": "any of", "value": ["r1"]},
                {"type": "arrayOptions", "column": "tags", "operator": "all of", "value": ["beta"]},
            ])
        );
    }

    #[test]
    fn trace_io_is_fetched_per_trace() {
        let url = trace_io_url(&base(), "3f1c", None);
        assert_eq!(
            url,
            "https://example.com/langfuse/api/public/v2/observations?traceId=3f1c&fields=core%2Cio&limit=1000"
        );
    }

    #[test]
    fn other_routes() {
        let b = base();
        let scores = ScoresQuery::new(TimeRange::new(0, 86_400_000)).url(&b, Some("eyJ2IjoxfQ"));
        let p = decoded_params(&scores);
        assert!(scores.contains("/api/public/v3/scores?"));
        assert_eq!(param(&p, "limit"), ["100"]);
        assert_eq!(param(&p, "fields"), ["subject"]);
        assert_eq!(param(&p, "fromTimestamp"), ["1970-01-01T00:00:00.000Z"]);
        assert_eq!(param(&p, "toTimestamp"), ["1970-01-02T00:00:00.000Z"]);
        assert_eq!(param(&p, "cursor"), ["eyJ2IjoxfQ"]);
        assert_eq!(
            models_url(&b, 0),
            "https://example.com/langfuse/api/public/models?page=1&limit=100"
        );
        assert_eq!(
            projects_url(&b),
            "https://example.com/langfuse/api/public/projects"
        );
        assert_eq!(
            health_url(&b),
            "https://example.com/langfuse/api/public/health"
        );
        assert_eq!(
            legacy_probe_url(&b),
            "https://example.com/langfuse/api/public/observations?page=1&limit=1"
        );
        assert_eq!(
            v2_probe_url(&b),
            "https://example.com/langfuse/api/public/v2/observations?limit=1"
        );
        let m = metrics_url(&b, &json!({"view": "observations"}));
        assert_eq!(
            param(&decoded_params(&m), "query"),
            [r#"{"view":"observations"}"#]
        );
    }

    #[test]
    fn legacy_routes_are_page_based_with_limit_100() {
        let b = base();
        let window = TimeRange::new(7_200_000, 10_800_000);
        let obs = LegacyObservationsQuery {
            range: window,
            filters: ObservationFilters::default(),
        }
        .url(&b, 3);
        let p = decoded_params(&obs);
        assert!(obs.contains("/api/public/observations?"));
        assert_eq!(param(&p, "page"), ["3"]);
        assert_eq!(param(&p, "limit"), ["100"]);
        assert_eq!(param(&p, "fromStartTime"), ["1970-01-01T02:00:00.000Z"]);
        let traces = LegacyTracesQuery::for_observation_window(window, vec![]).url(&b, 1);
        let p = decoded_params(&traces);
        assert!(traces.contains("/api/public/traces?"));
        assert_eq!(param(&p, "fromTimestamp"), ["1970-01-01T01:00:00.000Z"]);
        assert_eq!(param(&p, "toTimestamp"), ["1970-01-01T03:00:00.000Z"]);
        assert_eq!(param(&p, "fields"), ["core"]);
    }

    #[test]
    fn split_covers_the_range_exactly_newest_first() {
        let r = TimeRange::new(1000, 1010);
        let parts = r.split(3);
        assert_eq!(parts.len(), 3);
        assert_eq!(parts.first().unwrap().to_ms, 1010);
        assert_eq!(parts.last().unwrap().from_ms, 1000);
        for pair in parts.windows(2) {
            assert_eq!(pair[0].from_ms, pair[1].to_ms, "contiguous");
        }
        assert_eq!(TimeRange::new(0, 2).split(5).len(), 2);
        assert!(TimeRange::new(5, 5).split(4).is_empty());
        assert_eq!(TimeRange::new(i64::MIN / 2, i64::MAX / 2).split(7).len(), 7);
    }
}
