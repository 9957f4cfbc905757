//! Time series: rollups per time bucket, aligned in the viewer's time zone.
//!
//! Contract:
//! - The engine never reads a time-zone database: the caller passes a [`UtcOffsets`] that tells the
//!   zone's UTC offset at any instant (the CLI implements it with jiff, the app with the browser's Intl).
//! - Bucket sizes come from a ladder (1m 5m 15m 1h 3h 6h 12h 1d 1w). [`BucketSize::for_span`] picks the
//!   smallest size that covers the span in at most the target number of points.
//! - Buckets are aligned on local wall-clock multiples of their size (days at local midnight, weeks on
//!   local Monday midnight), so a day bucket lasts 23 or 25 hours across a DST change and an hour bucket
//!   in a fall-back night is one real hour each time the local hour repeats.
//! - An observation belongs to the bucket containing its start time. The series covers
//!   `[from_ms, to_ms)` of the spec (intersected with the filter): the first bucket starts at the
//!   boundary at or before `from_ms`, the last one contains `to_ms − 1`.
//! - Buckets without observations are gaps (`stats: None`), never zeros.
//! - At most [`MAX_BUCKETS`] buckets: a fixed size that would need more is widened along the ladder.

use serde::{Deserialize, Serialize};

use crate::filter::Filter;
use crate::rollup::{Grouping, Prepared, Stats, aggregate};
use crate::store::Store;

/// The most buckets one series holds.
pub const MAX_BUCKETS: usize = 20_000;

const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 86_400_000;

/// The viewer's time-zone rules: UTC offset in seconds (east positive) at a UTC instant.
pub trait UtcOffsets {
    fn offset_seconds(&self, utc_ms: i64) -> i32;
}

/// A fixed UTC offset in seconds (`FixedOffset(0)` is UTC).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FixedOffset(pub i32);

impl UtcOffsets for FixedOffset {
    fn offset_seconds(&self, _utc_ms: i64) -> i32 {
        self.0
    }
}

/// Bucket sizes of the ladder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum BucketSize {
    #[serde(rename = "1m")]
    Minute1,
    #[serde(rename = "5m")]
    Minutes5,
    #[serde(rename = "15m")]
    Minutes15,
    #[serde(rename = "1h")]
    Hour1,
    #[serde(rename = "3h")]
    Hours3,
    #[serde(rename = "6h")]
    Hours6,
    #[serde(rename = "12h")]
    Hours12,
    #[serde(rename = "1d")]
    Day1,
    #[serde(rename = "1w")]
    Week1,
}

impl BucketSize {
    /// The ladder, smallest first.
    pub const LADDER: [BucketSize; 9] = [
        Self::Minute1,
        Self::Minutes5,
        Self::Minutes15,
        Self::Hour1,
        Self::Hours3,
        Self::Hours6,
        Self::Hours12,
        Self::Day1,
        Self::Week1,
    ];

    /// Nominal length in ms (days and weeks may differ by an hour across DST changes).
    pub fn nominal_ms(self) -> i64 {
        match self {
            Self::Minute1 => MINUTE_MS,
            Self::Minutes5 => 5 * MINUTE_MS,
            Self::Minutes15 => 15 * MINUTE_MS,
            Self::Hour1 => HOUR_MS,
            Self::Hours3 => 3 * HOUR_MS,
            Self::Hours6 => 6 * HOUR_MS,
            Self::Hours12 => 12 * HOUR_MS,
            Self::Day1 => DAY_MS,
            Self::Week1 => 7 * DAY_MS,
        }
    }

    /// The smallest size with at most `target_points` buckets over `span_ms` (the largest if none).
    pub fn for_span(span_ms: i64, target_points: u32) -> Self {
        let target = i64::from(target_points.max(1));
        Self::LADDER
            .iter()
            .copied()
            .find(|b| (span_ms.max(0) as u64).div_ceil(b.nominal_ms() as u64) <= target as u64)
            .unwrap_or(Self::Week1)
    }

    /// Parses `1m`, `5m`, `15m`, `1h`, `3h`, `6h`, `12h`, `1d`, `1w`.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "1m" => Self::Minute1,
            "5m" => Self::Minutes5,
            "15m" => Self::Minutes15,
            "1h" => Self::Hour1,
            "3h" => Self::Hours3,
            "6h" => Self::Hours6,
            "12h" => Self::Hours12,
            "1d" => Self::Day1,
            "1w" => Self::Week1,
            _ => return None,
        })
    }

    fn next_larger(self) -> Option<Self> {
        let i = Self::LADDER.iter().position(|&b| b == self)?;
        Self::LADDER.get(i + 1).copied()
    }
}

/// What series to compute.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeriesSpec {
    pub from_ms: i64,
    pub to_ms: i64,
    /// Used to pick the bucket size when `bucket` is `None`.
    pub target_points: u32,
    pub bucket: Option<BucketSize>,
}

/// One bucket: `[start_ms, end_ms)` and its rollup (`None`: no observation, a gap).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeriesBucket {
    pub start_ms: i64,
    pub end_ms: i64,
    pub stats: Option<Stats>,
}

/// A time series.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimeSeries {
    pub bucket: BucketSize,
    pub buckets: Vec<SeriesBucket>,
}

fn offset_ms(offsets: &dyn UtcOffsets, utc_ms: i64) -> i64 {
    i64::from(offsets.offset_seconds(utc_ms)) * 1000
}

/// The UTC instant of a local wall-clock time: the earliest one when the local time repeats, the first
/// instant after the gap when it does not exist (spring forward).
pub fn local_to_utc(local_ms: i64, offsets: &dyn UtcOffsets) -> i64 {
    let probes = [local_ms, local_ms - 2 * DAY_MS, local_ms + 2 * DAY_MS];
    let mut best: Option<i64> = None;
    let mut fallback = i64::MIN;
    for p in probes {
        let o = offset_ms(offsets, p);
        let u = local_ms - o;
        if offset_ms(offsets, u) == o {
            best = Some(best.map_or(u, |b: i64| b.min(u)));
        }
        fallback = fallback.max(u);
    }
    best.unwrap_or(fallback)
}

/// The bucket boundary at or before `t`.
pub fn floor_boundary(t: i64, size: BucketSize, offsets: &dyn UtcOffsets) -> i64 {
    let off = offset_ms(offsets, t);
    let local = t + off;
    let b = match size {
        BucketSize::Day1 => local_to_utc(local.div_euclid(DAY_MS) * DAY_MS, offsets),
        BucketSize::Week1 => {
            // 1970-01-01 was a Thursday; Monday-aligned day numbers are (days + 3) multiples of 7.
            let days = local.div_euclid(DAY_MS);
            let monday = (days + 3).div_euclid(7) * 7 - 3;
            local_to_utc(monday * DAY_MS, offsets)
        }
        _ => {
            let step = size.nominal_ms();
            local.div_euclid(step) * step - off
        }
    };
    if b > t { b - size.nominal_ms() } else { b }
}

/// The boundary after boundary `b`.
pub fn next_boundary(b: i64, size: BucketSize, offsets: &dyn UtcOffsets) -> i64 {
    let step = size.nominal_ms();
    let next = match size {
        BucketSize::Day1 | BucketSize::Week1 => {
            let local = b + offset_ms(offsets, b);
            local_to_utc(local + step, offsets)
        }
        _ => {
            let c = b + step;
            let oc = offset_ms(offsets, c);
            if oc == offset_ms(offsets, b) {
                c
            } else {
                let local = c + oc;
                local.div_euclid(step) * step - oc
            }
        }
    };
    // Always move forward, whatever the offsets say.
    if next > b { next } else { b + step }
}

/// Bucket boundaries covering `[from_ms, to_ms)`: `bounds[i]..bounds[i + 1]` is bucket `i`.
pub fn boundaries(
    from_ms: i64,
    to_ms: i64,
    size: BucketSize,
    offsets: &dyn UtcOffsets,
) -> Vec<i64> {
    let mut bounds = vec![floor_boundary(from_ms, size, offsets)];
    let mut b = bounds.first().copied().unwrap_or(from_ms);
    while b < to_ms && bounds.len() <= MAX_BUCKETS {
        b = next_boundary(b, size, offsets);
        bounds.push(b);
    }
    bounds
}

/// `size`, or the next larger size of the ladder that covers `span_ms` in at most [`MAX_BUCKETS`].
pub(crate) fn widened(mut size: BucketSize, span_ms: i64) -> BucketSize {
    while span_ms.max(0) / size.nominal_ms() > MAX_BUCKETS as i64 {
        match size.next_larger() {
            Some(b) => size = b,
            None => break,
        }
    }
    size
}

/// The bucket of `bounds` (from [`boundaries`], nominal step `step_ms`) holding `t`, or `u32::MAX`.
/// `last` is the previous answer: rows arrive roughly in time order, so it is tried first.
#[inline]
pub(crate) fn bucket_of(t: i64, bounds: &[i64], step_ms: i64, last: &mut usize) -> u32 {
    if let (Some(&lo), Some(&hi)) = (bounds.get(*last), bounds.get(*last + 1))
        && lo <= t
        && t < hi
    {
        return *last as u32;
    }
    let n_buckets = bounds.len().saturating_sub(1);
    let first = bounds.first().copied().unwrap_or(0);
    // Buckets are nominal-sized except across DST changes: guess, then correct by a few steps.
    let mut k = ((t.saturating_sub(first) / step_ms.max(1)).max(0) as usize + 1).min(bounds.len());
    while k > 0 && bounds.get(k - 1).is_some_and(|&b| b > t) {
        k -= 1;
    }
    while bounds.get(k).is_some_and(|&b| b <= t) {
        k += 1;
    }
    if k == 0 || k > n_buckets {
        u32::MAX
    } else {
        *last = k - 1;
        *last as u32
    }
}

/// The buckets of a series: their grouping of the selected rows, boundaries and size.
pub(crate) struct SeriesPlan {
    pub grouping: Grouping,
    bounds: Vec<i64>,
    size: BucketSize,
}

/// Plans the buckets of `spec` over the selection (see the module docs).
pub(crate) fn series_plan(
    p: &Prepared<'_>,
    spec: &SeriesSpec,
    offsets: &dyn UtcOffsets,
) -> SeriesPlan {
    let span = spec.to_ms.saturating_sub(spec.from_ms);
    let size = widened(
        spec.bucket
            .unwrap_or_else(|| BucketSize::for_span(span, spec.target_points)),
        span,
    );
    let bounds = boundaries(spec.from_ms, spec.to_ms, size, offsets);
    let n_buckets = bounds.len().saturating_sub(1);
    // Rows arrive roughly in time order: `bucket_of` tries the previous row's bucket first.
    let mut last = 0usize;
    let gids: Vec<u32> = p
        .sel
        .rows
        .iter()
        .map(|&row| {
            let t = p.store.start_ms.get(row as usize).copied().unwrap_or(0);
            if t < spec.from_ms || t >= spec.to_ms {
                return u32::MAX;
            }
            bucket_of(t, &bounds, size.nominal_ms(), &mut last)
        })
        .collect();
    SeriesPlan {
        grouping: Grouping::single(gids, (0..n_buckets as u32).collect()),
        bounds,
        size,
    }
}

/// The series of a plan from its buckets' stats (empty buckets become gaps).
pub(crate) fn series_from(plan: &SeriesPlan, stats: Vec<Stats>) -> TimeSeries {
    let buckets = plan
        .bounds
        .windows(2)
        .zip(stats)
        .map(|(w, stats)| SeriesBucket {
            start_ms: w[0],
            end_ms: w[1],
            stats: (stats.observations > 0).then_some(stats),
        })
        .collect();
    TimeSeries {
        bucket: plan.size,
        buckets,
    }
}

/// The rollup per time bucket of the observations `filter` keeps.
pub fn time_series(
    store: &Store,
    filter: &Filter,
    spec: &SeriesSpec,
    offsets: &dyn UtcOffsets,
) -> TimeSeries {
    let p = Prepared::new(store, filter);
    let plan = series_plan(&p, spec, offsets);
    let stats = aggregate(&p, &plan.grouping);
    series_from(&plan, stats)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    /// Europe/Berlin-like rules for 2026: CET (+1), CEST (+2) from 2026-03-29T01:00Z to 2026-10-25T01:00Z.
    struct Berlin;
    const SPRING: i64 = 1_774_746_000_000; // 2026-03-29T01:00:00Z
    const FALL: i64 = 1_792_890_000_000; // 2026-10-25T01:00:00Z
    impl UtcOffsets for Berlin {
        fn offset_seconds(&self, utc_ms: i64) -> i32 {
            if (SPRING..FALL).contains(&utc_ms) {
                7200
            } else {
                3600
            }
        }
    }

    #[test]
    fn ladder_picks_the_smallest_size_within_target() {
        assert_eq!(BucketSize::for_span(HOUR_MS, 60), BucketSize::Minute1);
        assert_eq!(BucketSize::for_span(HOUR_MS, 59), BucketSize::Minutes5);
        assert_eq!(BucketSize::for_span(DAY_MS, 24), BucketSize::Hour1);
        assert_eq!(BucketSize::for_span(30 * DAY_MS, 40), BucketSize::Day1);
        assert_eq!(BucketSize::for_span(3650 * DAY_MS, 10), BucketSize::Week1);
    }

    #[test]
    fn day_buckets_are_23_and_25_hours_across_dst() {
        // Local midnight 2026-03-29 in Berlin is 2026-03-28T23:00Z.
        let b = boundaries(
            SPRING - 2 * HOUR_MS,
            SPRING + 30 * HOUR_MS,
            BucketSize::Day1,
            &Berlin,
        );
        assert_eq!(b[0], SPRING - 2 * HOUR_MS);
        assert_eq!(b[1] - b[0], 23 * HOUR_MS);
        assert_eq!(b[2] - b[1], 24 * HOUR_MS);
        let b = boundaries(
            FALL - 3 * HOUR_MS,
            FALL + 30 * HOUR_MS,
            BucketSize::Day1,
            &Berlin,
        );
        // Local midnight 2026-10-25 is 2026-10-24T22:00Z (CEST).
        assert_eq!(b[0], FALL - 3 * HOUR_MS);
        assert_eq!(b[1] - b[0], 25 * HOUR_MS);
    }

    #[test]
    fn hour_buckets_stay_one_real_hour_across_dst() {
        for t in [SPRING, FALL] {
            let b = boundaries(t - 3 * HOUR_MS, t + 3 * HOUR_MS, BucketSize::Hour1, &Berlin);
            assert!(b.windows(2).all(|w| w[1] - w[0] == HOUR_MS), "{b:?}");
        }
        // Three-hour buckets stay aligned on local multiples of 3h: 00:00–03:00 local is 2h on the spring night.
        let b = boundaries(
            SPRING - 2 * HOUR_MS,
            SPRING + 6 * HOUR_MS,
            BucketSize::Hours3,
            &Berlin,
        );
        assert_eq!(b[1] - b[0], 2 * HOUR_MS);
        assert_eq!(b[2] - b[1], 3 * HOUR_MS);
    }

    #[test]
    fn weeks_start_on_local_monday() {
        // 2026-08-12 is a Wednesday; the week starts Monday 2026-08-10 00:00 local (+2) = 08-09T22:00Z.
        let wed = 1_786_492_800_000; // 2026-08-12T00:00:00Z
        let b = floor_boundary(wed, BucketSize::Week1, &Berlin);
        assert_eq!(b, wed - 2 * DAY_MS - 2 * HOUR_MS);
    }

    #[test]
    fn fixed_offsets_align_on_local_hours() {
        let india = FixedOffset(5 * 3600 + 1800);
        let t = 1_786_492_800_000 + 10 * MINUTE_MS;
        let b = floor_boundary(t, BucketSize::Hour1, &india);
        assert_eq!((b + 5 * HOUR_MS + 30 * MINUTE_MS).rem_euclid(HOUR_MS), 0);
        assert!(b <= t && t < b + HOUR_MS);
    }
}
