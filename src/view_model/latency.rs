//! The latency page: the distribution as chart bins with percentile markers, and percentiles per model.

use loupe_charts::{Bin, Marker, format};
use loupe_core::{GroupStats, LatencyHistogram, LatencyStats};

/// The histogram's bins for the chart.
pub fn chart_bins(histogram: &LatencyHistogram) -> Vec<Bin> {
    histogram
        .bins
        .iter()
        .map(|bin| Bin {
            // Zero-length durations share the first bin; a log axis needs a positive lower edge.
            lower: bin.lower_ms.max(0.5),
            upper: bin.upper_ms.max(1.0),
            count: bin.count as f64,
            cumulative_share: bin.cumulative_share,
        })
        .collect()
}

/// P50, P95 and P99 as chart markers.
pub fn percentile_markers(stats: &LatencyStats) -> Vec<Marker> {
    [("P50", stats.p50), ("P95", stats.p95), ("P99", stats.p99)]
        .into_iter()
        .map(|(name, ms)| Marker {
            x: (ms as f64).max(0.5),
            label: format!("{name} {}", format::duration_ms(ms as f64)),
        })
        .collect()
}

/// One row of the percentile table.
#[derive(Clone, Debug, PartialEq)]
pub struct PercentileRow {
    pub label: String,
    pub count: String,
    pub mean: String,
    /// P50, P75, P90, P95, P99, P99.9, max.
    pub percentiles: [String; 7],
}

/// The column heads of [`PercentileRow::percentiles`].
pub const PERCENTILE_HEADS: [&str; 7] = ["P50", "P75", "P90", "P95", "P99", "P99.9", "Max"];

fn percentile_row(label: String, stats: &LatencyStats) -> PercentileRow {
    let d = |ms: i64| format::duration_ms(ms as f64);
    PercentileRow {
        label,
        count: format::count(stats.count),
        mean: format::duration_ms(stats.mean),
        percentiles: [
            d(stats.p50),
            d(stats.p75),
            d(stats.p90),
            d(stats.p95),
            d(stats.p99),
            d(stats.p999),
            d(stats.max),
        ],
    }
}

/// An "All" row followed by one row per group with latencies, slowest P95 first.
pub fn percentile_rows(all: Option<&LatencyStats>, groups: &[GroupStats]) -> Vec<PercentileRow> {
    let with_latency: Vec<(&GroupStats, &LatencyStats)> = groups
        .iter()
        .filter_map(|g| g.stats.latency_ms.as_ref().map(|l| (g, l)))
        .collect();
    let with_latency = super::sorted_by(with_latency, &|(a, la), (b, lb)| {
        lb.p95.cmp(&la.p95).then_with(|| a.key.cmp(&b.key))
    });
    all.map(|stats| percentile_row("All".to_owned(), stats))
        .into_iter()
        .chain(with_latency.into_iter().map(|(group, stats)| {
            percentile_row(
                group.key.clone().unwrap_or_else(|| "(none)".to_owned()),
                stats,
            )
        }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use loupe_core::{HistogramBin, Stats};

    fn latency(p95: i64) -> LatencyStats {
        LatencyStats {
            count: 3,
            mean: 10.5,
            p50: 5,
            p75: 7,
            p90: 9,
            p95,
            p99: 20,
            p999: 21,
            max: 22,
        }
    }

    #[test]
    fn bins_get_positive_edges_for_the_log_axis() {
        let histogram = LatencyHistogram {
            bins: vec![HistogramBin {
                lower_ms: 0.0,
                upper_ms: 1.0,
                count: 2,
                cumulative: 2,
                cumulative_share: 0.5,
            }],
            total: 4,
        };
        let bins = chart_bins(&histogram);
        assert_eq!(bins[0].lower, 0.5);
        assert_eq!(bins[0].count, 2.0);
    }

    #[test]
    fn markers_name_the_percentiles() {
        let markers = percentile_markers(&latency(1500));
        let labels: Vec<_> = markers.iter().map(|m| m.label.as_str()).collect();
        assert_eq!(labels, ["P50 5 ms", "P95 1.5 s", "P99 20 ms"]);
    }

    #[test]
    fn rows_start_with_all_then_slowest_first() {
        let group = |key: &str, l: Option<LatencyStats>| GroupStats {
            key: Some(key.into()),
            stats: Stats {
                latency_ms: l,
                ..Stats::default()
            },
        };
        let groups = [
            group("fast", Some(latency(10))),
            group("none", None),
            group("slow", Some(latency(900))),
        ];
        let rows = percentile_rows(Some(&latency(500)), &groups);
        let labels: Vec<_> = rows.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(labels, ["All", "slow", "fast"]);
        assert_eq!(rows[1].percentiles[3], "900 ms");
        assert_eq!(rows[0].mean, "10 ms");
    }
}
