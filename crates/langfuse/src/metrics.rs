//! Server-side aggregates from `GET /api/public/v2/metrics` (API.md §8.11), for ranges too large to fetch.
//!
//! - Query builders return the JSON `query` object Loupe sends: the row count of a range (to decide whether
//!   to fetch, [`crate::plan::judge_size`]), the overview figures, the error count (a `level` filter), a time
//!   series, and top-N groups by model, trace name or environment (`config.row_limit` + a descending
//!   `orderBy`, which Langfuse requires for top-N).
//! - Readers turn decoded rows ([`crate::wire::MetricsRow`]) into typed figures. Every figure type carries
//!   [`FigureSource::Langfuse`] so the UI can mark it "computed by Langfuse (ClickHouse)": these are
//!   ClickHouse's numbers (its percentiles are approximate), not Loupe's exact ones.
//! - Units: latency measures are **milliseconds** on this API (seconds on observation rows); costs USD;
//!   counts and tokens are integers (ClickHouse may quote 64-bit numbers; the decoder accepts both). A
//!   missing measure reads as 0 for sums and counts and `None` for percentiles.
//! - [`MetricsBudget`]: calls used and left in the plan's period (Hobby: 100 per day), persisted by the app.
//!   The client refuses a call when the budget is spent instead of burning a 429.

use serde_json::{Value, json};

use crate::client::{Client, decode_error};
use crate::decode;
use crate::error::ApiError;
use crate::plan::MetricsAllowance;
use crate::query::{self, ObservationFilters, TimeRange, iso_ms};
use crate::transport::{CancelToken, Transport};
use crate::wire::MetricsRow;

/// Where a figure was computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub enum FigureSource {
    /// By Langfuse's metrics API on ClickHouse.
    Langfuse,
}

impl FigureSource {
    /// The label the UI shows next to such figures.
    pub fn label(self) -> &'static str {
        match self {
            Self::Langfuse => "computed by Langfuse (ClickHouse)",
        }
    }
}

/// Time bucket size of a series.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Granularity {
    Auto,
    Minute,
    Hour,
    Day,
    Week,
    Month,
}

impl Granularity {
    fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Minute => "minute",
            Self::Hour => "hour",
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
        }
    }
}

/// A dimension Loupe groups by on the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GroupBy {
    /// The model name as sent by the SDK (`providedModelName`).
    Model,
    /// The trace name (Loupe's "service").
    TraceName,
    Environment,
}

impl GroupBy {
    /// The metrics-API dimension name.
    pub fn field(self) -> &'static str {
        match self {
            Self::Model => "providedModelName",
            Self::TraceName => "traceName",
            Self::Environment => "environment",
        }
    }
}

/// What top-N groups are ranked by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GroupOrder {
    Observations,
    CostUsd,
}

const COUNT: &str = "count_count";
const COST: &str = "sum_totalCost";
const TOKENS: &str = "sum_totalTokens";
const INPUT_TOKENS: &str = "sum_inputTokens";
const OUTPUT_TOKENS: &str = "sum_outputTokens";
const P50: &str = "p50_latency";
const P95: &str = "p95_latency";
const P99: &str = "p99_latency";

fn metric(aggregation: &str, measure: &str) -> Value {
    json!({"measure": measure, "aggregation": aggregation})
}

fn base_query(range: TimeRange, filters: &ObservationFilters, metrics: Vec<Value>) -> Value {
    json!({
        "view": "observations",
        "dimensions": [],
        "metrics": metrics,
        "filters": filters.metrics_filters(),
        "timeDimension": null,
        "fromTimestamp": iso_ms(range.from_ms),
        "toTimestamp": iso_ms(range.to_ms),
        "orderBy": null,
    })
}

/// The number of observations in `range` matching `filters` (one call).
pub fn row_count_query(range: TimeRange, filters: &ObservationFilters) -> Value {
    base_query(range, filters, vec![metric("count", "count")])
}

/// Count, cost, tokens and latency percentiles for `range` (one call).
pub fn overview_query(range: TimeRange, filters: &ObservationFilters) -> Value {
    base_query(
        range,
        filters,
        vec![
            metric("count", "count"),
            metric("sum", "totalCost"),
            metric("sum", "totalTokens"),
            metric("sum", "inputTokens"),
            metric("sum", "outputTokens"),
            metric("p50", "latency"),
            metric("p95", "latency"),
            metric("p99", "latency"),
        ],
    )
}

/// The number of `ERROR` observations (the level filter replaces any level filter of `filters`).
pub fn error_count_query(range: TimeRange, filters: &ObservationFilters) -> Value {
    let errors = ObservationFilters {
        levels: vec![loupe_core::Level::Error],
        ..filters.clone()
    };
    row_count_query(range, &errors)
}

/// Count, cost, tokens and P95 latency per time bucket.
pub fn series_query(
    range: TimeRange,
    filters: &ObservationFilters,
    granularity: Granularity,
) -> Value {
    let mut q = base_query(
        range,
        filters,
        vec![
            metric("count", "count"),
            metric("sum", "totalCost"),
            metric("sum", "totalTokens"),
            metric("p95", "latency"),
        ],
    );
    q["timeDimension"] = json!({"granularity": granularity.as_str()});
    q
}

/// The top `n` groups (1..=1000) of `group_by`, ranked descending by `order`.
pub fn top_groups_query(
    range: TimeRange,
    filters: &ObservationFilters,
    group_by: GroupBy,
    order: GroupOrder,
    n: u32,
) -> Value {
    let mut q = base_query(
        range,
        filters,
        vec![
            metric("count", "count"),
            metric("sum", "totalCost"),
            metric("sum", "totalTokens"),
            metric("p95", "latency"),
        ],
    );
    q["dimensions"] = json!([{"field": group_by.field()}]);
    let order_field = match order {
        GroupOrder::Observations => COUNT,
        GroupOrder::CostUsd => COST,
    };
    q["orderBy"] = json!([{"field": order_field, "direction": "desc"}]);
    q["config"] = json!({"row_limit": n.clamp(1, 1000)});
    q
}

fn count_of(row: &MetricsRow, key: &str) -> u64 {
    match row.number(key) {
        Some(n) if n.is_finite() && n > 0.0 => n.round() as u64,
        _ => 0,
    }
}

fn sum_of(row: &MetricsRow, key: &str) -> f64 {
    row.number(key).filter(|n| n.is_finite()).unwrap_or(0.0)
}

fn ms_of(row: &MetricsRow, key: &str) -> Option<f64> {
    row.number(key).filter(|n| n.is_finite() && *n >= 0.0)
}

/// The row count from a [`row_count_query`] answer (0 when Langfuse returned no row).
pub fn read_row_count(rows: &[MetricsRow]) -> u64 {
    rows.iter().map(|r| count_of(r, COUNT)).sum()
}

/// Overview figures for a range.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct OverviewFigures {
    pub observations: u64,
    pub error_observations: u64,
    pub total_cost_usd: f64,
    pub total_tokens: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    /// Observation latency percentiles, milliseconds (ClickHouse's approximate quantiles).
    pub latency_p50_ms: Option<f64>,
    pub latency_p95_ms: Option<f64>,
    pub latency_p99_ms: Option<f64>,
    pub source: FigureSource,
}

/// Overview figures from the answers to [`overview_query`] and [`error_count_query`].
pub fn read_overview(overview: &[MetricsRow], errors: &[MetricsRow]) -> OverviewFigures {
    let row = overview.first();
    let observations = row.map_or(0, |r| count_of(r, COUNT));
    // With no observation, ClickHouse answers 0 for percentiles: that is no latency, not a latency of 0.
    let percentile = |key| row.filter(|_| observations > 0).and_then(|r| ms_of(r, key));
    OverviewFigures {
        observations,
        error_observations: read_row_count(errors),
        total_cost_usd: row.map_or(0.0, |r| sum_of(r, COST)),
        total_tokens: row.map_or(0, |r| count_of(r, TOKENS)),
        input_tokens: row.map_or(0, |r| count_of(r, INPUT_TOKENS)),
        output_tokens: row.map_or(0, |r| count_of(r, OUTPUT_TOKENS)),
        latency_p50_ms: percentile(P50),
        latency_p95_ms: percentile(P95),
        latency_p99_ms: percentile(P99),
        source: FigureSource::Langfuse,
    }
}

/// One bucket of a server-side series.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SeriesPoint {
    /// Bucket start, UTC.
    pub bucket_start_ms: i64,
    pub observations: u64,
    pub total_cost_usd: f64,
    pub total_tokens: u64,
    /// `None` for an empty bucket (Langfuse fills gaps with zero rows).
    pub latency_p95_ms: Option<f64>,
    pub source: FigureSource,
}

/// The points of a [`series_query`] answer, in time order; rows without a readable bucket are dropped.
pub fn read_series(rows: &[MetricsRow]) -> Vec<SeriesPoint> {
    let mut points: Vec<SeriesPoint> = rows
        .iter()
        .filter_map(|r| {
            let observations = count_of(r, COUNT);
            Some(SeriesPoint {
                bucket_start_ms: r.time_ms?,
                observations,
                total_cost_usd: sum_of(r, COST),
                total_tokens: count_of(r, TOKENS),
                latency_p95_ms: if observations > 0 {
                    ms_of(r, P95)
                } else {
                    None
                },
                source: FigureSource::Langfuse,
            })
        })
        .collect();
    loupe_core::sort::sort_by_key(&mut points, |p| p.bucket_start_ms);
    points
}

/// One group of a server-side top-N.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct GroupFigures {
    /// The dimension value; `None` for observations without one.
    pub key: Option<String>,
    pub observations: u64,
    pub total_cost_usd: f64,
    pub total_tokens: u64,
    pub latency_p95_ms: Option<f64>,
    pub source: FigureSource,
}

/// The groups of a [`top_groups_query`] answer, in Langfuse's (ranked) order.
pub fn read_groups(rows: &[MetricsRow], group_by: GroupBy) -> Vec<GroupFigures> {
    rows.iter()
        .map(|r| GroupFigures {
            key: r.dimension(group_by.field()).map(str::to_owned),
            observations: count_of(r, COUNT),
            total_cost_usd: sum_of(r, COST),
            total_tokens: count_of(r, TOKENS),
            latency_p95_ms: ms_of(r, P95),
            source: FigureSource::Langfuse,
        })
        .collect()
}

/// Metrics-API calls made in the plan's period, to show "used / left" and to refuse calls beyond it.
/// The app persists [`MetricsBudget::calls_ms`] (the budget spans page reloads).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MetricsBudget {
    /// `None` = unlimited.
    pub allowance: Option<MetricsAllowance>,
    calls_ms: Vec<i64>,
    blocked_until_ms: i64,
}

impl MetricsBudget {
    /// A fresh budget.
    pub fn new(allowance: Option<MetricsAllowance>) -> Self {
        Self {
            allowance,
            calls_ms: Vec::new(),
            blocked_until_ms: i64::MIN,
        }
    }

    /// A budget with previously made calls (Unix ms), e.g. from storage.
    pub fn with_calls(allowance: Option<MetricsAllowance>, mut calls_ms: Vec<i64>) -> Self {
        calls_ms.sort_unstable();
        Self {
            allowance,
            calls_ms,
            blocked_until_ms: i64::MIN,
        }
    }

    /// Call times within the current period (what to persist).
    pub fn calls_ms(&self) -> &[i64] {
        &self.calls_ms
    }

    fn prune(&mut self, now_ms: i64) {
        if let Some(a) = self.allowance {
            self.calls_ms.retain(|t| *t > now_ms - a.period_ms);
        }
    }

    /// Calls made in the period ending now.
    pub fn used(&self, now_ms: i64) -> u32 {
        let count = match self.allowance {
            Some(a) => self
                .calls_ms
                .iter()
                .filter(|t| **t > now_ms - a.period_ms)
                .count(),
            None => self.calls_ms.len(),
        };
        u32::try_from(count).unwrap_or(u32::MAX)
    }

    /// Calls left now; `None` when unlimited.
    pub fn left(&self, now_ms: i64) -> Option<u32> {
        let a = self.allowance?;
        if now_ms < self.blocked_until_ms {
            return Some(0);
        }
        Some(a.calls.saturating_sub(self.used(now_ms)))
    }

    /// When the next call becomes possible if none is left (the oldest call leaving the period, or the end
    /// of a server-imposed wait); `None` when a call is possible now.
    pub fn next_call_at_ms(&self, now_ms: i64) -> Option<i64> {
        if self.left(now_ms).is_none_or(|left| left > 0) {
            return None;
        }
        let a = self.allowance?;
        let in_period: Vec<i64> = self
            .calls_ms
            .iter()
            .copied()
            .filter(|t| *t > now_ms - a.period_ms)
            .collect();
        let by_period = if in_period.len() >= usize::try_from(a.calls).unwrap_or(usize::MAX) {
            in_period.first().map_or(now_ms, |t| t + a.period_ms)
        } else {
            now_ms
        };
        Some(by_period.max(self.blocked_until_ms))
    }

    /// Records a call made at `now_ms`.
    pub fn record(&mut self, now_ms: i64) {
        self.prune(now_ms);
        self.calls_ms.push(now_ms);
    }

    /// Langfuse answered 429: no call until `until_ms`.
    pub fn block_until(&mut self, until_ms: i64) {
        self.blocked_until_ms = self.blocked_until_ms.max(until_ms);
    }
}

impl<T: Transport> Client<T> {
    /// Runs one metrics query within `budget`: refused with [`ApiError::RateLimited`] when the budget is
    /// spent (no request is sent), recorded otherwise.
    pub async fn metrics(
        &self,
        query: &Value,
        budget: &mut MetricsBudget,
        cancel: &CancelToken,
    ) -> Result<Vec<MetricsRow>, ApiError> {
        let now = self.transport().now_ms();
        if let Some(at) = budget.next_call_at_ms(now) {
            return Err(ApiError::RateLimited {
                retry_after_seconds: Some(((at - now).max(0) as f64 / 1000.0).ceil()),
                message: format!(
                    "the plan's metrics budget of {} calls is used",
                    budget.allowance.map_or(0, |a| a.calls)
                ),
            });
        }
        budget.record(now);
        let url = query::metrics_url(self.base_url(), query);
        match self.get(&url, cancel).await {
            Ok(response) => decode::metrics_rows(&response.body).map_err(decode_error),
            Err(e) => {
                if let ApiError::RateLimited {
                    retry_after_seconds,
                    ..
                } = &e
                {
                    let wait_ms = retry_after_seconds
                        .filter(|s| s.is_finite() && *s >= 0.0)
                        .map_or(60_000.0, |s| s * 1000.0);
                    budget.block_until(now.saturating_add(wait_ms.min(86_400_000.0) as i64));
                }
                Err(e)
            }
        }
    }

    /// The number of observations in `range` matching `filters` (one metrics call).
    pub async fn count_observations(
        &self,
        range: TimeRange,
        filters: &ObservationFilters,
        budget: &mut MetricsBudget,
        cancel: &CancelToken,
    ) -> Result<u64, ApiError> {
        let rows = self
            .metrics(&row_count_query(range, filters), budget, cancel)
            .await?;
        Ok(read_row_count(&rows))
    }

    /// Overview figures (two metrics calls: the figures and the error count).
    pub async fn overview_figures(
        &self,
        range: TimeRange,
        filters: &ObservationFilters,
        budget: &mut MetricsBudget,
        cancel: &CancelToken,
    ) -> Result<OverviewFigures, ApiError> {
        let overview = self
            .metrics(&overview_query(range, filters), budget, cancel)
            .await?;
        let errors = self
            .metrics(&error_count_query(range, filters), budget, cancel)
            .await?;
        Ok(read_overview(&overview, &errors))
    }

    /// A time series (one metrics call).
    pub async fn series_figures(
        &self,
        range: TimeRange,
        filters: &ObservationFilters,
        granularity: Granularity,
        budget: &mut MetricsBudget,
        cancel: &CancelToken,
    ) -> Result<Vec<SeriesPoint>, ApiError> {
        let rows = self
            .metrics(&series_query(range, filters, granularity), budget, cancel)
            .await?;
        Ok(read_series(&rows))
    }

    /// Top-N groups (one metrics call).
    #[allow(clippy::too_many_arguments)] // each argument is one independent choice of the view
    pub async fn top_groups(
        &self,
        range: TimeRange,
        filters: &ObservationFilters,
        group_by: GroupBy,
        order: GroupOrder,
        n: u32,
        budget: &mut MetricsBudget,
        cancel: &CancelToken,
    ) -> Result<Vec<GroupFigures>, ApiError> {
        let rows = self
            .metrics(
                &top_groups_query(range, filters, group_by, order, n),
                budget,
                cancel,
            )
            .await?;
        Ok(read_groups(&rows, group_by))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::plan::PlanPreset;

    const DAY: i64 = 86_400_000;

    fn range() -> TimeRange {
        TimeRange::new(1_786_320_000_000, 1_786_492_800_000) // 2026-08-10 .. 2026-08-12
    }

    #[test]
    fn row_count_query_shape() {
        let filters = ObservationFilters {
            environments: vec!["production".into()],
            ..Default::default()
        };
        assert_eq!(
            row_count_query(range(), &filters),
            json!({
                "view": "observations", "dimensions": [],
                "metrics": [{"measure": "count", "aggregation": "count"}],
                "filters": [{"column": "environment", "operator": "any of", "value": ["production"], "type": "stringOptions"}],
                "timeDimension": null,
                "fromTimestamp": "2026-08-10T00:00:00.000Z", "toTimestamp": "2026-08-12T00:00:00.000Z",
                "orderBy": null,
            })
        );
    }

    #[test]
    fn error_count_filters_on_level() {
        let q = error_count_query(range(), &ObservationFilters::default());
        assert_eq!(
            q["filters"],
            json!([{"column": "level", "operator": "any of", "value": ["ERROR"], "type": "stringOptions"}])
        );
    }

    #[test]
    fn series_and_top_n_shapes() {
        let s = series_query(range(), &ObservationFilters::default(), Granularity::Hour);
        assert_eq!(s["timeDimension"], json!({"granularity": "hour"}));
        let t = top_groups_query(
            range(),
            &ObservationFilters::default(),
            GroupBy::Model,
            GroupOrder::CostUsd,
            5000,
        );
        assert_eq!(t["dimensions"], json!([{"field": "providedModelName"}]));
        assert_eq!(
            t["orderBy"],
            json!([{"field": "sum_totalCost", "direction": "desc"}])
        );
        assert_eq!(t["config"], json!({"row_limit": 1000}));
        assert_eq!(
            t["timeDimension"],
            Value::Null,
            "top-N by a dimension cannot have a time dimension"
        );
    }

    #[test]
    fn reads_the_example_answer() {
        let body = include_bytes!("../../../spec/langfuse/examples/metrics-v2.json");
        let rows = decode::metrics_rows(body).unwrap();
        let points = read_series(&rows);
        assert_eq!(points.len(), 4);
        assert_eq!(points[0].bucket_start_ms, 1_786_320_000_000);
        assert_eq!(
            points.iter().map(|p| p.observations).sum::<u64>(),
            388 + 1204 + 412 + 1311
        );
        assert_eq!(points[0].latency_p95_ms, Some(3912.65));
        let groups = read_groups(&rows, GroupBy::Model);
        assert_eq!(groups[1].key.as_deref(), Some("gpt-4o-mini"));
        assert_eq!(groups[1].total_tokens, 1_203_377);
        assert!((groups[1].total_cost_usd - 0.1837425).abs() < 1e-12);
        assert_eq!(
            groups[0].source.label(),
            "computed by Langfuse (ClickHouse)"
        );
    }

    #[test]
    fn overview_reads_quoted_counts_and_treats_empty_ranges_as_no_latency() {
        let body = br#"{"data":[{"count_count":"1200","sum_totalCost":1.5,"sum_totalTokens":"9007199254740993","sum_inputTokens":10,"sum_outputTokens":5,"p50_latency":120.5,"p95_latency":900,"p99_latency":2400}]}"#;
        let errors = br#"{"data":[{"count_count":17}]}"#;
        let o = read_overview(
            &decode::metrics_rows(body).unwrap(),
            &decode::metrics_rows(errors).unwrap(),
        );
        assert_eq!(o.observations, 1200);
        assert_eq!(o.error_observations, 17);
        assert_eq!(o.latency_p95_ms, Some(900.0));
        assert_eq!(o.input_tokens, 10);
        let empty = br#"{"data":[{"count_count":0,"sum_totalCost":0,"p50_latency":0,"p95_latency":0,"p99_latency":0}]}"#;
        let o = read_overview(&decode::metrics_rows(empty).unwrap(), &[]);
        assert_eq!(
            (o.observations, o.latency_p50_ms, o.error_observations),
            (0, None, 0)
        );
        assert_eq!(read_overview(&[], &[]).observations, 0);
    }

    #[test]
    fn budget_counts_calls_in_the_period() {
        let mut b = MetricsBudget::new(PlanPreset::Hobby.budget().metrics);
        let t0 = 1_786_000_000_000;
        for i in 0..100 {
            assert_eq!(b.next_call_at_ms(t0 + i), None);
            b.record(t0 + i);
        }
        assert_eq!(b.used(t0 + 100), 100);
        assert_eq!(b.left(t0 + 100), Some(0));
        assert_eq!(b.next_call_at_ms(t0 + 100), Some(t0 + DAY));
        assert_eq!(b.left(t0 + DAY + 50), Some(51));
        let restored = MetricsBudget::with_calls(b.allowance, b.calls_ms().to_vec());
        assert_eq!(restored.used(t0 + 100), 100);
        let mut unlimited = MetricsBudget::new(None);
        unlimited.record(t0);
        assert_eq!(
            (unlimited.left(t0), unlimited.next_call_at_ms(t0)),
            (None, None)
        );
        let mut blocked = MetricsBudget::new(PlanPreset::Pro.budget().metrics);
        blocked.block_until(t0 + 5_000);
        assert_eq!(blocked.left(t0), Some(0));
        assert_eq!(blocked.next_call_at_ms(t0), Some(t0 + 5_000));
        assert_eq!(blocked.left(t0 + 5_000), Some(500));
    }
}
