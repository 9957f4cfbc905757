//! Comparison of the same rollups over two filters (two time windows, or two releases).
//!
//! Each compared figure becomes a [`Delta`]: `absolute` = current − baseline, `relative` = absolute /
//! |baseline| (`None` when the baseline is 0 or either side is missing). Groups are matched by key; a
//! key present on one side only has `None` on the other. Groups are ordered by current observations
//! (descending), then baseline observations, then key (missing last).
//!
//! [`previous_period`] turns a filter with a time range `[from, to)` into the same filter over
//! `[from − (to − from), from)`; [`with_release`] restricts a filter to one release.

use serde::{Deserialize, Serialize};

use crate::filter::{Dimension, DimensionValues, Filter};
use crate::rollup::{GroupStats, Overview, Stats, group_by, overview};
use crate::store::Store;

/// One compared figure.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Delta {
    pub current: Option<f64>,
    pub baseline: Option<f64>,
    pub absolute: Option<f64>,
    pub relative: Option<f64>,
}

impl Delta {
    fn of(current: Option<f64>, baseline: Option<f64>) -> Self {
        let absolute = match (current, baseline) {
            (Some(c), Some(b)) => Some(c - b),
            _ => None,
        };
        let relative = match (absolute, baseline) {
            (Some(a), Some(b)) if b != 0.0 => Some(a / b.abs()),
            _ => None,
        };
        Self {
            current,
            baseline,
            absolute,
            relative,
        }
    }
}

/// The compared figures of one set of observations.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StatsDelta {
    pub observations: Delta,
    pub traces: Delta,
    pub errors: Delta,
    pub error_rate: Delta,
    pub cost_usd: Delta,
    pub input_tokens: Delta,
    pub output_tokens: Delta,
    pub total_tokens: Delta,
    pub latency_p50_ms: Delta,
    pub latency_p95_ms: Delta,
    pub latency_p99_ms: Delta,
    pub trace_latency_p50_ms: Delta,
    pub trace_latency_p95_ms: Delta,
    pub ttft_p50_ms: Delta,
    pub output_tokens_per_second: Delta,
}

fn figures(s: Option<&Stats>) -> [Option<f64>; 15] {
    let Some(s) = s else { return [None; 15] };
    let lat = s.latency_ms.as_ref();
    let tl = s.trace_latency_ms.as_ref();
    [
        Some(s.observations as f64),
        Some(s.traces as f64),
        Some(s.errors as f64),
        s.error_rate,
        Some(s.cost_usd),
        Some(s.tokens.input as f64),
        Some(s.tokens.output as f64),
        Some(s.tokens.total as f64),
        lat.map(|l| l.p50 as f64),
        lat.map(|l| l.p95 as f64),
        lat.map(|l| l.p99 as f64),
        tl.map(|l| l.p50 as f64),
        tl.map(|l| l.p95 as f64),
        s.ttft_ms.as_ref().map(|t| t.p50 as f64),
        s.output_tokens_per_second,
    ]
}

impl StatsDelta {
    /// Deltas between two optional stats.
    pub fn between(current: Option<&Stats>, baseline: Option<&Stats>) -> Self {
        let (c, b) = (figures(current), figures(baseline));
        let d = |i: usize| Delta::of(c.get(i).copied().flatten(), b.get(i).copied().flatten());
        Self {
            observations: d(0),
            traces: d(1),
            errors: d(2),
            error_rate: d(3),
            cost_usd: d(4),
            input_tokens: d(5),
            output_tokens: d(6),
            total_tokens: d(7),
            latency_p50_ms: d(8),
            latency_p95_ms: d(9),
            latency_p99_ms: d(10),
            trace_latency_p50_ms: d(11),
            trace_latency_p95_ms: d(12),
            ttft_p50_ms: d(13),
            output_tokens_per_second: d(14),
        }
    }
}

/// One group on both sides.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupDelta {
    pub key: Option<String>,
    pub current: Option<Stats>,
    pub baseline: Option<Stats>,
    pub delta: StatsDelta,
}

/// The comparison of two filters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub current: Overview,
    pub baseline: Overview,
    pub overview: StatsDelta,
    pub dimension: Option<Dimension>,
    pub groups: Vec<GroupDelta>,
}

/// The same filter over the period of equal length just before its time range (`None` without one).
pub fn previous_period(filter: &Filter) -> Option<Filter> {
    let (from, to) = (filter.from_ms?, filter.to_ms?);
    let len = to.checked_sub(from)?;
    Some(Filter {
        from_ms: Some(from.checked_sub(len)?),
        to_ms: Some(from),
        ..filter.clone()
    })
}

/// `filter` restricted to one release.
pub fn with_release(filter: &Filter, release: &str) -> Filter {
    let mut f = filter.clone();
    f.include
        .push(DimensionValues::new(Dimension::Release, [release]));
    f
}

/// Compares the rollups of `current` and `baseline`, and their groups by `dimension` if given.
pub fn compare(
    store: &Store,
    current: &Filter,
    baseline: &Filter,
    dimension: Option<&Dimension>,
) -> Comparison {
    let (cur, base) = (overview(store, current), overview(store, baseline));
    let groups = dimension.map_or_else(Vec::new, |d| {
        let (c, b) = (group_by(store, current, d), group_by(store, baseline, d));
        let mut out: Vec<GroupDelta> = c
            .iter()
            .map(|g: &GroupStats| {
                let other = b.iter().find(|x| x.key == g.key).map(|x| x.stats.clone());
                GroupDelta {
                    key: g.key.clone(),
                    delta: StatsDelta::between(Some(&g.stats), other.as_ref()),
                    current: Some(g.stats.clone()),
                    baseline: other,
                }
            })
            .collect();
        for g in &b {
            if !c.iter().any(|x| x.key == g.key) {
                out.push(GroupDelta {
                    key: g.key.clone(),
                    delta: StatsDelta::between(None, Some(&g.stats)),
                    current: None,
                    baseline: Some(g.stats.clone()),
                });
            }
        }
        let obs = |s: &Option<Stats>| s.as_ref().map_or(0, |s| s.observations);
        crate::sort::sort_by(&mut out, |x, y| {
            obs(&y.current)
                .cmp(&obs(&x.current))
                .then_with(|| obs(&y.baseline).cmp(&obs(&x.baseline)))
                .then_with(|| match (&x.key, &y.key) {
                    (Some(a), Some(b)) => a.cmp(b),
                    (Some(_), None) => core::cmp::Ordering::Less,
                    (None, Some(_)) => core::cmp::Ordering::Greater,
                    (None, None) => core::cmp::Ordering::Equal,
                })
        });
        out
    });
    Comparison {
        overview: StatsDelta::between(Some(&cur.stats), Some(&base.stats)),
        current: cur,
        baseline: base,
        dimension: dimension.cloned(),
        groups,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::{Level, ObservationRow};

    #[test]
    fn previous_period_and_release_comparisons() {
        let mut s = Store::new();
        for (i, (start, release, level)) in [
            (10, "r1", Level::Default),
            (20, "r1", Level::Error),
            (110, "r2", Level::Default),
            (120, "r2", Level::Default),
            (130, "r2", Level::Default),
        ]
        .into_iter()
        .enumerate()
        {
            let id = format!("o{i}");
            let mut r = ObservationRow::new(&id, &id, start);
            r.release = Some(release);
            r.level = level;
            r.end_time_ms = Some(start + 10 * (i as i64 + 1));
            s.upsert(&r);
        }
        let now = Filter::time_range(100, 200);
        let before = previous_period(&now).unwrap();
        assert_eq!((before.from_ms, before.to_ms), (Some(0), Some(100)));
        let c = compare(&s, &now, &before, Some(&Dimension::Release));
        assert_eq!(c.overview.observations.absolute, Some(1.0));
        assert_eq!(c.overview.observations.relative, Some(0.5));
        assert_eq!(c.overview.error_rate.current, Some(0.0));
        assert_eq!(c.overview.error_rate.relative, Some(-1.0));
        let keys: Vec<_> = c.groups.iter().map(|g| g.key.clone().unwrap()).collect();
        assert_eq!(keys, ["r2", "r1"]);
        assert!(c.groups[0].baseline.is_none() && c.groups[1].current.is_none());
        let by_release = compare(
            &s,
            &with_release(&Filter::default(), "r2"),
            &with_release(&Filter::default(), "r1"),
            None,
        );
        assert_eq!(by_release.overview.errors.absolute, Some(-1.0));
        assert_eq!(by_release.overview.errors.relative, Some(-1.0));
        assert!(previous_period(&Filter::default()).is_none());
        assert_eq!(Delta::of(Some(1.0), Some(0.0)).relative, None);
    }
}
