//! Latency histograms on log-spaced bins, with a cumulative curve.
//!
//! Bins: edges at `10^(k / bins_per_decade)` ms for integer `k`, from the decade step at or below the
//! smallest positive latency (1 ms at least) to the first edge above the largest. Bin `i` holds the
//! latencies in `[lower_ms, upper_ms)`; latencies below the first edge (0 ms, or negative from clock skew)
//! fall in a leading bin that starts at the smallest value. `cumulative` counts every latency up to and
//! including the bin, `cumulative_share` = cumulative / total. Edge comparisons are exact (no logarithm of
//! the data), so a value lands in exactly one bin.

use serde::{Deserialize, Serialize};

/// One histogram bin.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistogramBin {
    pub lower_ms: f64,
    pub upper_ms: f64,
    pub count: u64,
    pub cumulative: u64,
    pub cumulative_share: f64,
}

/// A latency histogram.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LatencyHistogram {
    pub bins: Vec<HistogramBin>,
    pub total: u64,
}

/// What the histogram counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum HistogramLevel {
    /// One value per observation with an end time.
    Observation,
    /// One value per distinct trace of the kept observations.
    Trace,
}

fn edge(k: i32, bins_per_decade: u32) -> f64 {
    10f64.powf(f64::from(k) / f64::from(bins_per_decade))
}

/// The bin layout for values from `min_value` to `max`, the smallest positive one being `min_positive`.
struct Layout {
    edges: Vec<f64>,
    has_leading: bool,
    n_bins: usize,
}

impl Layout {
    fn new(min_value: i64, min_positive: i64, max: i64, bpd: u32) -> Self {
        // First edge: the grid point at or below the smallest positive value.
        let mut k_min = ((min_positive as f64).log10() * f64::from(bpd)).floor() as i32;
        while edge(k_min, bpd) > min_positive as f64 {
            k_min -= 1;
        }
        let mut edges = vec![edge(k_min, bpd)];
        let mut k = k_min;
        while edges.last().is_some_and(|&e| e <= max as f64) && edges.len() < 10_000 {
            k += 1;
            edges.push(edge(k, bpd));
        }
        let first_edge = edges.first().copied().unwrap_or(1.0);
        let has_leading = (min_value as f64) < first_edge;
        let n_bins = edges.len() - 1 + usize::from(has_leading);
        Self {
            edges,
            has_leading,
            n_bins,
        }
    }

    /// The bin of a value with `above` edges at or below it (0: the leading bin).
    fn bin_of(&self, above: usize) -> usize {
        let bin = if self.has_leading {
            above
        } else {
            above.saturating_sub(1)
        };
        bin.min(self.n_bins - 1)
    }

    fn finish(&self, counts: Vec<u64>, min_value: i64, total: u64) -> LatencyHistogram {
        let edges = &self.edges;
        let first_edge = edges.first().copied().unwrap_or(1.0);
        let mut bins = Vec::with_capacity(self.n_bins);
        let mut cumulative = 0u64;
        for (i, count) in counts.into_iter().enumerate() {
            let (lower, upper) = if self.has_leading {
                if i == 0 {
                    (min_value as f64, first_edge)
                } else {
                    (
                        edges.get(i - 1).copied().unwrap_or(0.0),
                        edges.get(i).copied().unwrap_or(0.0),
                    )
                }
            } else {
                (
                    edges.get(i).copied().unwrap_or(0.0),
                    edges.get(i + 1).copied().unwrap_or(0.0),
                )
            };
            cumulative += count;
            bins.push(HistogramBin {
                lower_ms: lower,
                upper_ms: upper,
                count,
                cumulative,
                cumulative_share: cumulative as f64 / total as f64,
            });
        }
        LatencyHistogram { bins, total }
    }
}

/// Builds a histogram of `values` (ms) with `bins_per_decade` bins per factor of ten (at least 1).
pub fn histogram(values: &[i64], bins_per_decade: u32) -> LatencyHistogram {
    let bpd = bins_per_decade.clamp(1, 100);
    let total = values.len() as u64;
    let Some(&max) = values.iter().max() else {
        return LatencyHistogram::default();
    };
    let min_value = values.iter().copied().min().unwrap_or(0);
    let min_positive = values
        .iter()
        .copied()
        .filter(|&v| v >= 1)
        .min()
        .unwrap_or(1);
    let layout = Layout::new(min_value, min_positive, max, bpd);
    let edges = &layout.edges;
    let mut counts = vec![0u64; layout.n_bins];
    if values.is_sorted() {
        // Ascending input (the rollups pass sorted durations): walk the edges alongside.
        let mut above = 0usize;
        for &v in values {
            let x = v as f64;
            while edges.get(above).is_some_and(|&e| e <= x) {
                above += 1;
            }
            if let Some(c) = counts.get_mut(layout.bin_of(above)) {
                *c += 1;
            }
        }
    } else {
        for &v in values {
            let x = v as f64;
            let above = edges.partition_point(|&e| e <= x);
            if let Some(c) = counts.get_mut(layout.bin_of(above)) {
                *c += 1;
            }
        }
    }
    layout.finish(counts, min_value, total)
}

/// The first index in `0..n` where `pred` stops holding (`pred` true then false along the range).
fn partition_index(n: usize, pred: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0usize, n);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// [`histogram`] of `n` values given in ascending order by `value(i)`, with one binary search per
/// edge instead of a look at every value (the same bins and counts).
pub(crate) fn histogram_of_sorted(
    n: usize,
    value: impl Fn(usize) -> i64,
    bins_per_decade: u32,
) -> LatencyHistogram {
    if n == 0 {
        return LatencyHistogram::default();
    }
    let bpd = bins_per_decade.clamp(1, 100);
    let min_value = value(0);
    let max = value(n - 1);
    let positive_at = partition_index(n, |i| value(i) < 1);
    let min_positive = if positive_at < n {
        value(positive_at)
    } else {
        1
    };
    let layout = Layout::new(min_value, min_positive, max, bpd);
    let mut counts = vec![0u64; layout.n_bins];
    // Values below edge k are those with fewer than k + 1 edges at or below them.
    let mut below_prev = 0usize;
    for (k, &e) in layout.edges.iter().enumerate() {
        let below = partition_index(n, |i| (value(i) as f64) < e);
        if let Some(c) = counts.get_mut(layout.bin_of(k)) {
            *c += (below - below_prev) as u64;
        }
        below_prev = below;
    }
    if let Some(c) = counts.get_mut(layout.bin_of(layout.edges.len())) {
        *c += (n - below_prev) as u64;
    }
    layout.finish(counts, min_value, n as u64)
}

/// The latency histogram of the observations `filter` keeps (or of their distinct traces).
pub fn latency_histogram(
    store: &crate::Store,
    filter: &crate::Filter,
    level: HistogramLevel,
    bins_per_decade: u32,
) -> LatencyHistogram {
    let p = crate::kernel::Prepared::new(store, filter);
    let values: Vec<i64> = match level {
        HistogramLevel::Observation => p.duration_sorted.clone(),
        HistogramLevel::Trace => p
            .run_trace
            .iter()
            .map(|&t| p.traces.latency_ms.get(t as usize).copied().unwrap_or(0))
            .collect(),
    };
    histogram(&values, bins_per_decade)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn every_value_lands_in_the_bin_that_contains_it() {
        let values = [0, 1, 2, 9, 10, 11, 99, 100, 1000, 54_321];
        let h = histogram(&values, 2);
        assert_eq!(h.total, 10);
        assert_eq!(h.bins.iter().map(|b| b.count).sum::<u64>(), 10);
        for &v in &values {
            let x = v as f64;
            let hits = h
                .bins
                .iter()
                .filter(|b| b.lower_ms <= x && x < b.upper_ms)
                .count();
            assert_eq!(hits, 1, "{v} in {:?}", h.bins);
        }
        assert_eq!(h.bins.last().unwrap().cumulative, 10);
        assert_eq!(h.bins.last().unwrap().cumulative_share, 1.0);
        assert!(h.bins.windows(2).all(|w| w[0].upper_ms == w[1].lower_ms));
    }

    #[test]
    fn sorted_and_unsorted_inputs_agree() {
        let values = [900, 3, 0, 77, 77, 12_000, 1, 450, 2];
        let mut sorted = values.to_vec();
        sorted.sort_unstable();
        assert_eq!(histogram(&values, 5), histogram(&sorted, 5));
    }

    #[test]
    fn binary_searched_bins_match_the_walk() {
        for values in [
            vec![0i64, 1, 2, 9, 10, 11, 99, 100, 1000, 54_321],
            vec![-3, 0],
            vec![5],
            vec![0, 0, 0],
            vec![1, 1, 1_000_000_000_000],
            vec![i64::MIN, -1, 7, i64::MAX],
        ] {
            let mut sorted = values.clone();
            sorted.sort_unstable();
            for bpd in [1, 3, 10] {
                assert_eq!(
                    histogram_of_sorted(sorted.len(), |i| sorted[i], bpd),
                    histogram(&sorted, bpd),
                    "{sorted:?} {bpd}"
                );
            }
        }
        assert_eq!(histogram_of_sorted(0, |_| 0, 10).total, 0);
    }

    #[test]
    fn empty_and_single_values() {
        assert_eq!(histogram(&[], 10).total, 0);
        let h = histogram(&[5], 10);
        assert_eq!(h.bins.iter().filter(|b| b.count == 1).count(), 1);
        let h = histogram(&[-3, 0], 10);
        assert_eq!(h.bins[0].count, 2);
        assert_eq!(h.bins[0].lower_ms, -3.0);
    }
}
