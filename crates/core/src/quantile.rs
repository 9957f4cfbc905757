//! Exact quantiles by the nearest-rank method.
//!
//! Definition: for `n` values sorted ascending `v[1..=n]` and a level `q = num / den` in (0, 1], the
//! quantile is `v[k]` with `k = ceil(q × n)` (computed in integers, so `q × n` has no rounding error),
//! clamped to `1..=n`. It is always one of the input values (no interpolation), so results are
//! bit-identical to indexing a sorted copy. P50 of `[1, 2]` is 1; P100 is the maximum.
//!
//! Computed with `select_nth_unstable` on a scratch buffer, narrowing the range for each higher rank,
//! in O(n) expected time instead of a full sort.

use serde::{Deserialize, Serialize};

/// A quantile level as an exact fraction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quantile {
    pub num: u64,
    pub den: u64,
}

pub const P50: Quantile = Quantile { num: 1, den: 2 };
pub const P75: Quantile = Quantile { num: 3, den: 4 };
pub const P90: Quantile = Quantile { num: 9, den: 10 };
pub const P95: Quantile = Quantile { num: 19, den: 20 };
pub const P99: Quantile = Quantile { num: 99, den: 100 };
pub const P999: Quantile = Quantile {
    num: 999,
    den: 1000,
};

/// Zero-based index of the nearest-rank quantile `q` among `n > 0` values.
pub fn nearest_rank_index(n: usize, q: Quantile) -> usize {
    if n == 0 || q.den == 0 {
        return 0;
    }
    // In 64 bits when the product fits (always, in practice: 128-bit division is a library call in
    // wasm), else in 128.
    let rank = match q.num.checked_mul(n as u64) {
        Some(product) => product.div_ceil(q.den).clamp(1, n as u64) as usize,
        None => (u128::from(q.num) * n as u128)
            .div_ceil(u128::from(q.den))
            .clamp(1, n as u128) as usize,
    };
    rank - 1
}

/// The nearest-rank quantiles of `values` at `levels` (in the order given). Reorders `values`.
/// Returns `None` for every level when `values` is empty.
pub fn quantiles<T: Ord + Copy>(values: &mut [T], levels: &[Quantile]) -> Vec<Option<T>> {
    let n = values.len();
    if n == 0 {
        return vec![None; levels.len()];
    }
    let mut order: Vec<(usize, usize)> = levels
        .iter()
        .enumerate()
        .map(|(i, &q)| (nearest_rank_index(n, q), i))
        .collect();
    order.sort_unstable();
    let mut out = vec![None; levels.len()];
    // Everything before `lo` is already known to be <= the last selected value.
    let mut lo = 0usize;
    let mut last: Option<(usize, T)> = None;
    for (k, slot) in order {
        let value = match last {
            Some((prev, v)) if prev == k => v,
            _ => {
                let Some(rest) = values.get_mut(lo..) else {
                    break;
                };
                let Some(local) = k.checked_sub(lo) else {
                    break;
                };
                if local >= rest.len() {
                    break;
                }
                let (_, v, _) = rest.select_nth_unstable(local);
                let v = *v;
                lo = k + 1;
                v
            }
        };
        last = Some((k, value));
        if let Some(o) = out.get_mut(slot) {
            *o = Some(value);
        }
    }
    out
}

/// Latency summary in milliseconds (nearest-rank quantiles; mean as `f64`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LatencyStats {
    pub count: u64,
    pub mean: f64,
    pub p50: i64,
    pub p75: i64,
    pub p90: i64,
    pub p95: i64,
    pub p99: i64,
    pub p999: i64,
    pub max: i64,
}

impl LatencyStats {
    /// Summarises `values` (reordered in place); `None` when empty.
    pub fn from_values(values: &mut [i64]) -> Option<Self> {
        if values.is_empty() {
            return None;
        }
        let sum: i128 = values.iter().map(|&v| i128::from(v)).sum();
        let max = values.iter().copied().max()?;
        let q = quantiles(values, &[P50, P75, P90, P95, P99, P999]);
        let get = |i: usize| q.get(i).copied().flatten().unwrap_or(max);
        Some(Self {
            count: values.len() as u64,
            mean: sum as f64 / values.len() as f64,
            p50: get(0),
            p75: get(1),
            p90: get(2),
            p95: get(3),
            p99: get(4),
            p999: get(5),
            max,
        })
    }
}

impl LatencyStats {
    /// Summarises values already sorted ascending, whose exact sum is `sum`; `None` when empty.
    pub fn from_sorted(sorted: &[i64], sum: i128) -> Option<Self> {
        let n = sorted.len();
        let max = *sorted.last()?;
        let at = |q: Quantile| sorted.get(nearest_rank_index(n, q)).copied().unwrap_or(max);
        Some(Self {
            count: n as u64,
            mean: sum as f64 / n as f64,
            p50: at(P50),
            p75: at(P75),
            p90: at(P90),
            p95: at(P95),
            p99: at(P99),
            p999: at(P999),
            max,
        })
    }
}

/// Time-to-first-token summary in milliseconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TtftStats {
    pub count: u64,
    pub p50: i64,
    pub p95: i64,
}

impl TtftStats {
    /// Summarises `values` (reordered in place); `None` when empty.
    pub fn from_values(values: &mut [i64]) -> Option<Self> {
        let q = quantiles(values, &[P50, P95]);
        Some(Self {
            count: values.len() as u64,
            p50: q.first().copied().flatten()?,
            p95: q.get(1).copied().flatten()?,
        })
    }
}

impl TtftStats {
    /// Summarises values already sorted ascending; `None` when empty.
    pub fn from_sorted(sorted: &[i64]) -> Option<Self> {
        let n = sorted.len();
        Some(Self {
            count: n as u64,
            p50: *sorted.get(nearest_rank_index(n, P50))?,
            p95: *sorted.get(nearest_rank_index(n, P95))?,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn oracle(values: &[i64], q: Quantile) -> i64 {
        let mut sorted = values.to_vec();
        sorted.sort_unstable();
        let k = ((q.num as f64 / q.den as f64) * values.len() as f64)
            .ceil()
            .max(1.0) as usize;
        sorted[k.min(values.len()) - 1]
    }

    #[test]
    fn nearest_rank_examples() {
        assert_eq!(quantiles(&mut [1, 2], &[P50]), vec![Some(1)]);
        assert_eq!(quantiles(&mut [3, 1, 2], &[P50]), vec![Some(2)]);
        assert_eq!(quantiles(&mut [5], &[P50, P999]), vec![Some(5), Some(5)]);
        assert_eq!(quantiles::<i64>(&mut [], &[P50]), vec![None]);
        let mut hundred: Vec<i64> = (1..=100).rev().collect();
        assert_eq!(
            quantiles(&mut hundred, &[P99, P50, P95, P999]),
            vec![Some(99), Some(50), Some(95), Some(100)]
        );
    }

    proptest! {
        #[test]
        fn matches_a_sorted_oracle(values in proptest::collection::vec(any::<i64>(), 1..400)) {
            let levels = [P999, P50, P75, P90, P95, P99, P50];
            let mut scratch = values.clone();
            let got = quantiles(&mut scratch, &levels);
            for (q, g) in levels.iter().zip(got) {
                // Integer rank arithmetic; the float oracle is exact for these small n.
                prop_assert_eq!(g, Some(oracle(&values, *q)));
            }
        }

        #[test]
        fn sorted_and_unsorted_summaries_agree(values in proptest::collection::vec(-5i64..1_000_000, 1..300)) {
            let mut sorted = values.clone();
            sorted.sort_unstable();
            let sum: i128 = values.iter().map(|&v| i128::from(v)).sum();
            let mut scratch = values.clone();
            prop_assert_eq!(LatencyStats::from_sorted(&sorted, sum), LatencyStats::from_values(&mut scratch));
            let mut scratch = values.clone();
            prop_assert_eq!(TtftStats::from_sorted(&sorted), TtftStats::from_values(&mut scratch));
        }

        #[test]
        fn ties_and_small_ranges(values in proptest::collection::vec(0i64..4, 1..50)) {
            let mut scratch = values.clone();
            let got = LatencyStats::from_values(&mut scratch).unwrap();
            prop_assert_eq!(got.p50, oracle(&values, P50));
            prop_assert_eq!(got.p999, oracle(&values, P999));
            prop_assert_eq!(got.max, *values.iter().max().unwrap());
        }
    }
}
