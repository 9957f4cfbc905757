//! Pure planning: rate budgets, incremental refresh of the local cache, fetch estimates, "too large".
//!
//! No clock and no I/O: `now_ms` is always a parameter, times are Unix epoch milliseconds, ranges are
//! half-open [`TimeRange`]s.
//!
//! - [`RateBudget`] and [`PlanPreset`]: how many requests Langfuse allows per plan (API.md §5, code values of
//!   4.16), editable by the user. `None` means unlimited (self-hosted Langfuse never rate-limits).
//! - [`Coverage`]: which time ranges of one host + project (+ filter set, the caller's key) are in the local
//!   cache, and when each was fetched. [`plan_refresh`] returns the windows to fetch for a requested range:
//!   the time not yet covered, plus the tail of every covered range that was still "recent" when fetched
//!   (Langfuse may show rows up to about 15 minutes late, API.md §8.7), so late rows are picked up. Windows
//!   come out sorted newest first, non-overlapping, never beyond `now`.
//! - [`estimate_fetch`]: requests and time for a row count (from the metrics API) under a budget, and
//!   [`window_count`], the number of windows the scheduler splits a range into.
//! - [`judge_size`]: whether a range is too large for the browser (row ceiling, default 2,000,000, or more
//!   than 15 minutes under the budget), in which case the app offers server-side aggregates instead.

use crate::query::{OBSERVATIONS_PAGE_LIMIT, TimeRange};

const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 60 * MINUTE_MS;
const DAY_MS: i64 = 24 * HOUR_MS;

/// A Langfuse plan whose limits Loupe knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PlanPreset {
    Hobby,
    Core,
    Pro,
    Enterprise,
    /// Self-hosted Langfuse: no rate limits.
    SelfHosted,
}

impl PlanPreset {
    /// Every preset, in the order a picker shows them.
    pub const ALL: [PlanPreset; 5] = [
        Self::Hobby,
        Self::Core,
        Self::Pro,
        Self::Enterprise,
        Self::SelfHosted,
    ];

    /// A short label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Hobby => "Hobby",
            Self::Core => "Core",
            Self::Pro => "Pro",
            Self::Enterprise => "Enterprise",
            Self::SelfHosted => "Self-hosted (unlimited)",
        }
    }

    /// The preset's budget (Langfuse 4.16's enforced values, API.md §5).
    pub fn budget(self) -> RateBudget {
        match self {
            Self::Hobby => RateBudget {
                requests_per_minute: Some(30),
                legacy_requests_per_minute: Some(15),
                metrics: Some(MetricsAllowance {
                    calls: 100,
                    period_ms: DAY_MS,
                }),
            },
            Self::Core => RateBudget {
                requests_per_minute: Some(1000),
                legacy_requests_per_minute: Some(30),
                metrics: Some(MetricsAllowance {
                    calls: 100,
                    period_ms: HOUR_MS,
                }),
            },
            Self::Pro | Self::Enterprise => RateBudget {
                requests_per_minute: Some(1000),
                legacy_requests_per_minute: Some(100),
                metrics: Some(MetricsAllowance {
                    calls: 500,
                    period_ms: HOUR_MS,
                }),
            },
            Self::SelfHosted => RateBudget::UNLIMITED,
        }
    }
}

/// Calls allowed to `/api/public/v2/metrics` per fixed period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MetricsAllowance {
    pub calls: u32,
    pub period_ms: i64,
}

/// Request limits Loupe plans and paces against. Shared by every project of a Langfuse organization.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RateBudget {
    /// `public-api` (v2 observations, v3 scores, models) requests per minute; `None` = unlimited.
    pub requests_per_minute: Option<u32>,
    /// `public-api-legacy` (v1 observations, traces) requests per minute; `None` = unlimited.
    pub legacy_requests_per_minute: Option<u32>,
    /// `public-api-v2-metrics` calls; `None` = unlimited.
    pub metrics: Option<MetricsAllowance>,
}

impl RateBudget {
    /// No limits (self-hosted).
    pub const UNLIMITED: RateBudget = RateBudget {
        requests_per_minute: None,
        legacy_requests_per_minute: None,
        metrics: None,
    };
}

/// A cached time range and when it was fetched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CoveredRange {
    pub range: TimeRange,
    /// When the fetch of this range started (rows arriving later than this may be missing from its tail).
    pub fetched_at_ms: i64,
}

/// The recent overlap re-fetched on refresh by default: Langfuse may surface rows up to ~15 minutes late.
pub const DEFAULT_REFRESH_OVERLAP_MS: i64 = 15 * MINUTE_MS;

/// Which time ranges of one host + project are cached. Entries are kept sorted by start and never overlap;
/// recording a range replaces older information about the same time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    entries: Vec<CoveredRange>,
}

impl Coverage {
    /// No coverage.
    pub fn new() -> Self {
        Self::default()
    }

    /// Rebuilds from stored entries (any order, overlaps allowed: later `fetched_at_ms` wins).
    pub fn from_entries(mut entries: Vec<CoveredRange>) -> Self {
        loupe_core::sort::sort_by_key(&mut entries, |e| e.fetched_at_ms);
        let mut coverage = Self::new();
        for entry in entries {
            coverage.record(entry.range, entry.fetched_at_ms);
        }
        coverage
    }

    /// The entries, sorted by start, non-overlapping (what the UI shows as "cached").
    pub fn entries(&self) -> &[CoveredRange] {
        &self.entries
    }

    /// Records that `range` was fetched completely by a fetch that started at `fetched_at_ms`.
    /// Empty ranges are ignored; the part of `range` after `fetched_at_ms` is dropped (nothing can be known
    /// about the future).
    pub fn record(&mut self, range: TimeRange, fetched_at_ms: i64) {
        let range = TimeRange::new(range.from_ms, range.to_ms.min(fetched_at_ms));
        if range.is_empty() {
            return;
        }
        let mut next = Vec::with_capacity(self.entries.len() + 2);
        for entry in self.entries.drain(..) {
            for rest in subtract(entry.range, range) {
                next.push(CoveredRange {
                    range: rest,
                    fetched_at_ms: entry.fetched_at_ms,
                });
            }
        }
        next.push(CoveredRange {
            range,
            fetched_at_ms,
        });
        loupe_core::sort::sort_by_key(&mut next, |e| e.range.from_ms);
        // Merge touching entries of the same fetch so the list stays short.
        let mut merged: Vec<CoveredRange> = Vec::with_capacity(next.len());
        for entry in next {
            match merged.last_mut() {
                Some(last)
                    if last.fetched_at_ms == entry.fetched_at_ms
                        && last.range.to_ms == entry.range.from_ms =>
                {
                    last.range.to_ms = entry.range.to_ms;
                }
                _ => merged.push(entry),
            }
        }
        self.entries = merged;
    }

    /// Forgets everything (the "clear cache" button).
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// The parts considered complete: each entry minus its last `overlap_ms` before `fetched_at_ms`.
    fn settled(&self, overlap_ms: i64) -> Vec<TimeRange> {
        let mut out: Vec<TimeRange> = Vec::with_capacity(self.entries.len());
        for entry in &self.entries {
            let settled_to = entry
                .range
                .to_ms
                .min(entry.fetched_at_ms.saturating_sub(overlap_ms.max(0)));
            let part = TimeRange::new(entry.range.from_ms, settled_to);
            if part.is_empty() {
                continue;
            }
            match out.last_mut() {
                Some(last) if last.to_ms >= part.from_ms => last.to_ms = last.to_ms.max(part.to_ms),
                _ => out.push(part),
            }
        }
        out
    }
}

/// `a` minus `b`: zero, one or two ranges, in order.
fn subtract(a: TimeRange, b: TimeRange) -> Vec<TimeRange> {
    if a.is_empty() {
        return Vec::new();
    }
    if b.is_empty() || b.to_ms <= a.from_ms || b.from_ms >= a.to_ms {
        return vec![a];
    }
    let mut out = Vec::with_capacity(2);
    if b.from_ms > a.from_ms {
        out.push(TimeRange::new(a.from_ms, b.from_ms));
    }
    if b.to_ms < a.to_ms {
        out.push(TimeRange::new(b.to_ms, a.to_ms));
    }
    out
}

/// The windows to fetch so that `requested` is complete in the cache: `requested`, clipped to `now_ms`,
/// minus the settled part of `coverage` (every covered range minus its last `overlap_ms` before it was
/// fetched). Newest first, non-overlapping.
pub fn plan_refresh(
    coverage: &Coverage,
    requested: TimeRange,
    now_ms: i64,
    overlap_ms: i64,
) -> Vec<TimeRange> {
    let requested = TimeRange::new(requested.from_ms, requested.to_ms.min(now_ms));
    let mut gaps = vec![requested];
    for settled in coverage.settled(overlap_ms) {
        gaps = gaps
            .into_iter()
            .flat_map(|gap| subtract(gap, settled))
            .collect();
    }
    gaps.retain(|g| !g.is_empty());
    gaps.reverse();
    gaps
}

/// Typical time for one page request (a 1000-row page over a decent link), used when nothing was measured.
pub const DEFAULT_REQUEST_MS: i64 = 1_500;

/// How many windows a range with about `estimated_rows` rows is split into for `concurrency` parallel
/// requests: at least eight pages per window (each window costs up to one extra, partial page), at most
/// `concurrency`, at least one.
pub fn window_count(estimated_rows: u64, concurrency: u32) -> u32 {
    let pages = estimated_rows.div_ceil(u64::from(OBSERVATIONS_PAGE_LIMIT));
    let by_size = u32::try_from(pages / 8).unwrap_or(u32::MAX);
    by_size.clamp(1, concurrency.max(1))
}

/// What fetching a range costs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FetchEstimate {
    /// Page requests (an upper bound: every window may end with a partial page).
    pub requests: u64,
    /// Windows the range is split into.
    pub windows: u32,
    /// Expected wall-clock time, including waits for the rate budget.
    pub duration_ms: i64,
}

impl FetchEstimate {
    /// Duration in minutes (fractional), for display.
    pub fn minutes(&self) -> f64 {
        self.duration_ms as f64 / MINUTE_MS as f64
    }
}

/// Requests and time to fetch `rows` observations in `windows` windows with up to `concurrency` requests in
/// flight, each taking about `request_ms`, paced by `budget.requests_per_minute`.
///
/// Pacing model (the scheduler's): at most N requests start in any 60 s, so request k (from 0) starts no
/// earlier than ⌊k / N⌋ minutes after the first.
pub fn estimate_fetch(
    rows: u64,
    windows: u32,
    concurrency: u32,
    request_ms: i64,
    budget: &RateBudget,
) -> FetchEstimate {
    let windows = windows.max(1);
    let pages = rows.div_ceil(u64::from(OBSERVATIONS_PAGE_LIMIT));
    let requests = (pages + u64::from(windows) - 1).max(u64::from(windows));
    let request_ms = request_ms.max(0);
    let concurrency = u64::from(concurrency.clamp(1, windows));
    let transfer_ms = i64::try_from(requests.div_ceil(concurrency))
        .unwrap_or(i64::MAX)
        .saturating_mul(request_ms);
    let duration_ms = match budget.requests_per_minute {
        Some(per_minute) => {
            // As the scheduler's pacer: a budget of 0 is taken as 1 per minute.
            let per_minute = per_minute.max(1);
            let paced_minutes =
                i64::try_from((requests - 1) / u64::from(per_minute)).unwrap_or(i64::MAX);
            paced_minutes
                .saturating_mul(MINUTE_MS)
                .saturating_add(request_ms)
                .max(transfer_ms)
        }
        None => transfer_ms,
    };
    FetchEstimate {
        requests,
        windows,
        duration_ms,
    }
}

/// Ceilings above which a range is not fetched row by row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SizeLimits {
    /// Rows the browser is asked to hold (default 2,000,000).
    pub max_rows: u64,
    /// Longest acceptable fetch under the budget (default 15 minutes).
    pub max_duration_ms: i64,
}

impl Default for SizeLimits {
    fn default() -> Self {
        Self {
            max_rows: 2_000_000,
            max_duration_ms: 15 * MINUTE_MS,
        }
    }
}

/// Why a range is too large.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TooLarge {
    /// More rows than the ceiling.
    Rows { rows: u64, max_rows: u64 },
    /// The fetch would take longer than allowed under the budget.
    Duration {
        duration_ms: i64,
        max_duration_ms: i64,
    },
}

impl std::fmt::Display for TooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Rows { rows, max_rows } => write!(
                f,
                "This range holds {rows} observations, more than the {max_rows} Loupe loads into the browser. \
                 Overview figures come from Langfuse's metrics API; narrow the range to see individual rows."
            ),
            Self::Duration {
                duration_ms,
                max_duration_ms,
            } => write!(
                f,
                "Fetching this range would take about {} minutes under your plan's rate limit (more than {}). \
                 Overview figures come from Langfuse's metrics API; narrow the range to see individual rows.",
                duration_ms.div_euclid(MINUTE_MS).max(1),
                max_duration_ms.div_euclid(MINUTE_MS)
            ),
        }
    }
}

/// The verdict for a range with `rows` observations: `Ok(estimate)` to fetch it, or why not (row ceiling
/// first, then duration).
pub fn judge_size(
    rows: u64,
    estimate: &FetchEstimate,
    limits: &SizeLimits,
) -> Result<FetchEstimate, TooLarge> {
    if rows > limits.max_rows {
        return Err(TooLarge::Rows {
            rows,
            max_rows: limits.max_rows,
        });
    }
    if estimate.duration_ms > limits.max_duration_ms {
        return Err(TooLarge::Duration {
            duration_ms: estimate.duration_ms,
            max_duration_ms: limits.max_duration_ms,
        });
    }
    Ok(*estimate)
}

/// The whole pre-fetch decision from a row count (from [`crate::metrics::row_count_query`]): the windows the
/// scheduler will use ([`window_count`]), the estimate, and the verdict of [`judge_size`].
pub fn assess_fetch(
    rows: u64,
    concurrency: u32,
    request_ms: i64,
    budget: &RateBudget,
    limits: &SizeLimits,
) -> Result<FetchEstimate, TooLarge> {
    let windows = window_count(rows, concurrency);
    judge_size(
        rows,
        &estimate_fetch(rows, windows, concurrency, request_ms, budget),
        limits,
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    const T0: i64 = 1_786_000_000_000;

    fn r(from_min: i64, to_min: i64) -> TimeRange {
        TimeRange::new(T0 + from_min * MINUTE_MS, T0 + to_min * MINUTE_MS)
    }

    #[test]
    fn presets_match_langfuse_limits() {
        let hobby = PlanPreset::Hobby.budget();
        assert_eq!(hobby.requests_per_minute, Some(30));
        assert_eq!(
            hobby.metrics,
            Some(MetricsAllowance {
                calls: 100,
                period_ms: DAY_MS
            })
        );
        assert_eq!(PlanPreset::Core.budget().requests_per_minute, Some(1000));
        assert_eq!(
            PlanPreset::Core.budget().metrics,
            Some(MetricsAllowance {
                calls: 100,
                period_ms: HOUR_MS
            })
        );
        assert_eq!(
            PlanPreset::Pro.budget().metrics,
            Some(MetricsAllowance {
                calls: 500,
                period_ms: HOUR_MS
            })
        );
        assert_eq!(PlanPreset::Enterprise.budget(), PlanPreset::Pro.budget());
        assert_eq!(PlanPreset::SelfHosted.budget(), RateBudget::UNLIMITED);
    }

    #[test]
    fn empty_cache_fetches_the_whole_range_up_to_now() {
        let windows = plan_refresh(
            &Coverage::new(),
            r(0, 120),
            T0 + 60 * MINUTE_MS,
            DEFAULT_REFRESH_OVERLAP_MS,
        );
        assert_eq!(windows, [r(0, 60)]);
    }

    #[test]
    fn refresh_fetches_only_new_time_plus_the_recent_overlap() {
        let mut cov = Coverage::new();
        // Fetched [0, 60) at minute 60; an hour later the user refreshes [0, 120).
        cov.record(r(0, 60), T0 + 60 * MINUTE_MS);
        let windows = plan_refresh(
            &cov,
            r(0, 120),
            T0 + 120 * MINUTE_MS,
            DEFAULT_REFRESH_OVERLAP_MS,
        );
        assert_eq!(windows, [r(45, 120)]);
        // A zero overlap trusts the cache up to its end.
        assert_eq!(
            plan_refresh(&cov, r(0, 120), T0 + 120 * MINUTE_MS, 0),
            [r(60, 120)]
        );
    }

    #[test]
    fn old_ranges_fetched_long_after_the_fact_are_settled() {
        let mut cov = Coverage::new();
        // Yesterday's hour fetched today: complete, no overlap needed.
        cov.record(r(0, 60), T0 + 2 * DAY_MS);
        assert!(
            plan_refresh(&cov, r(0, 60), T0 + 3 * DAY_MS, DEFAULT_REFRESH_OVERLAP_MS).is_empty()
        );
        // A request around it fetches both sides, newest first.
        let windows = plan_refresh(
            &cov,
            r(-30, 90),
            T0 + 3 * DAY_MS,
            DEFAULT_REFRESH_OVERLAP_MS,
        );
        assert_eq!(windows, [r(60, 90), r(-30, 0)]);
    }

    #[test]
    fn recording_replaces_older_information_and_keeps_entries_disjoint() {
        let mut cov = Coverage::new();
        cov.record(r(0, 60), T0 + 60 * MINUTE_MS);
        cov.record(r(45, 120), T0 + 120 * MINUTE_MS);
        assert_eq!(
            cov.entries(),
            [
                CoveredRange {
                    range: r(0, 45),
                    fetched_at_ms: T0 + 60 * MINUTE_MS
                },
                CoveredRange {
                    range: r(45, 120),
                    fetched_at_ms: T0 + 120 * MINUTE_MS
                },
            ]
        );
        // Refresh after both: only the overlap before the last fetch plus new time.
        let windows = plan_refresh(
            &cov,
            r(0, 150),
            T0 + 150 * MINUTE_MS,
            DEFAULT_REFRESH_OVERLAP_MS,
        );
        assert_eq!(windows, [r(105, 150)]);
        // The future is never recorded.
        cov.record(r(200, 300), T0 + 250 * MINUTE_MS);
        assert_eq!(cov.entries().last().unwrap().range, r(200, 250));
        // Rebuilding from stored entries gives the same coverage.
        assert_eq!(Coverage::from_entries(cov.entries().to_vec()), cov);
        cov.clear();
        assert!(cov.entries().is_empty());
    }

    #[test]
    fn windows_never_overlap_and_cover_every_gap() {
        let mut cov = Coverage::new();
        cov.record(r(10, 20), T0 + DAY_MS);
        cov.record(r(30, 40), T0 + DAY_MS);
        cov.record(r(35, 50), T0 + DAY_MS + 1);
        let windows = plan_refresh(&cov, r(0, 60), T0 + 2 * DAY_MS, DEFAULT_REFRESH_OVERLAP_MS);
        assert_eq!(windows, [r(50, 60), r(20, 30), r(0, 10)]);
    }

    #[test]
    fn window_count_keeps_windows_large() {
        assert_eq!(window_count(0, 4), 1);
        assert_eq!(window_count(5_000, 4), 1);
        assert_eq!(window_count(16_000, 4), 2);
        assert_eq!(window_count(100_000, 4), 4);
        assert_eq!(window_count(100_000, 0), 1);
    }

    #[test]
    fn hobby_estimate_for_100k_rows() {
        let budget = PlanPreset::Hobby.budget();
        let windows = window_count(100_000, 4);
        let e = estimate_fetch(100_000, windows, 4, DEFAULT_REQUEST_MS, &budget);
        // 100 full pages plus at most one partial page per extra window.
        assert_eq!(e.requests, 103);
        // 30 per minute: request 102 starts after 3 full minutes.
        assert_eq!(e.duration_ms, 3 * MINUTE_MS + DEFAULT_REQUEST_MS);
        // Unlimited: bounded by transfer time only.
        let fast = estimate_fetch(
            100_000,
            windows,
            4,
            DEFAULT_REQUEST_MS,
            &RateBudget::UNLIMITED,
        );
        assert_eq!(fast.duration_ms, 26 * DEFAULT_REQUEST_MS);
        assert!(judge_size(100_000, &e, &SizeLimits::default()).is_ok());
    }

    #[test]
    fn too_large_by_rows_or_by_time() {
        let limits = SizeLimits::default();
        let hobby = PlanPreset::Hobby.budget();
        let e = estimate_fetch(2_500_000, 4, 4, DEFAULT_REQUEST_MS, &hobby);
        assert_eq!(
            judge_size(2_500_000, &e, &limits),
            Err(TooLarge::Rows {
                rows: 2_500_000,
                max_rows: 2_000_000
            })
        );
        // 600k rows on Hobby: ~600 requests at 30/min ≈ 20 minutes.
        let e = estimate_fetch(600_000, 4, 4, DEFAULT_REQUEST_MS, &hobby);
        let verdict = judge_size(600_000, &e, &limits);
        assert!(
            matches!(verdict, Err(TooLarge::Duration { .. })),
            "{verdict:?}"
        );
        assert!(verdict.unwrap_err().to_string().contains("20 minutes"));
        // The same on Pro is fine.
        let e = estimate_fetch(600_000, 4, 4, DEFAULT_REQUEST_MS, &PlanPreset::Pro.budget());
        assert!(judge_size(600_000, &e, &limits).is_ok());
        // Editable ceiling.
        let strict = SizeLimits {
            max_rows: 10_000,
            ..limits
        };
        assert!(judge_size(20_000, &e, &strict).is_err());
    }

    #[test]
    fn assess_combines_windows_estimate_and_verdict() {
        let limits = SizeLimits::default();
        let hobby = PlanPreset::Hobby.budget();
        let ok = assess_fetch(100_000, 4, DEFAULT_REQUEST_MS, &hobby, &limits).unwrap();
        assert_eq!((ok.windows, ok.requests), (4, 103));
        assert!(matches!(
            assess_fetch(1_000_000, 4, DEFAULT_REQUEST_MS, &hobby, &limits),
            Err(TooLarge::Duration { .. })
        ));
        assert!(
            assess_fetch(
                1_000_000,
                4,
                DEFAULT_REQUEST_MS,
                &RateBudget::UNLIMITED,
                &limits
            )
            .is_ok()
        );
    }

    #[test]
    fn estimate_of_nothing_is_one_request_per_window() {
        let e = estimate_fetch(0, 3, 3, 100, &RateBudget::UNLIMITED);
        assert_eq!(e.requests, 3);
        assert_eq!(e.duration_ms, 100);
    }
}
