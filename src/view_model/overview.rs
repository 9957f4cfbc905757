//! The overview's headline figures and its charts over time (observations by level, cost).

use loupe_charts::format;
use loupe_charts::{RGBColor, SeriesKey, StackedBar, Theme};
use loupe_core::series::boundaries;
use loupe_core::{BucketSize, Overview, StatsDelta, TimeSeries, UtcOffsets};
use loupe_langfuse::metrics::{FigureSource, OverviewFigures, SeriesPoint};

/// One headline figure.
#[derive(Clone, Debug, PartialEq)]
pub struct Kpi {
    /// Stable id (`data-testid="kpi-<id>"`).
    pub id: &'static str,
    pub label: &'static str,
    pub value: String,
    /// A second line of context.
    pub detail: String,
    /// Draws attention (e.g. a high error rate).
    pub alarming: bool,
    /// The change against the previous period of the same length (`▲ 12% vs previous period`), empty
    /// when that period is not loaded.
    pub change: String,
    /// `worse`, `better` or empty (a change that is neither, like more traffic).
    pub change_tone: &'static str,
}

/// Error rates above this are shown in the error colour.
const ALARMING_ERROR_RATE: f64 = 0.05;

/// The six headline figures: observations, traces, cost, tokens, P95 latency, error rate.
pub fn kpis(overview: &Overview) -> Vec<Kpi> {
    let stats = &overview.stats;
    let latency = stats.latency_ms.as_ref();
    let error_rate = stats.error_rate.unwrap_or(0.0);
    let cost_detail = if stats.estimated_cost_rows > 0 {
        format!(
            "{} rows estimated from model prices",
            format::count(stats.estimated_cost_rows)
        )
    } else {
        "as computed by Langfuse".to_owned()
    };
    vec![
        Kpi {
            id: "observations",
            label: "Observations",
            value: format::count(stats.observations),
            detail: format!(
                "{} errors, {} warnings",
                format::count(stats.errors),
                format::count(stats.warnings)
            ),
            alarming: false,
            change: String::new(),
            change_tone: "",
        },
        Kpi {
            id: "traces",
            label: "Traces",
            value: format::count(stats.traces),
            detail: match stats.trace_error_rate {
                Some(rate) => format!("{} with an error", format::percent(rate)),
                None => format::MISSING.to_owned(),
            },
            alarming: false,
            change: String::new(),
            change_tone: "",
        },
        Kpi {
            id: "cost",
            label: "Total cost",
            value: format::usd(stats.cost_usd),
            detail: cost_detail,
            alarming: false,
            change: String::new(),
            change_tone: "",
        },
        Kpi {
            id: "tokens",
            label: "Total tokens",
            value: format::tokens(stats.tokens.total),
            detail: format!(
                "{} in · {} out · {} cached",
                format::tokens(stats.tokens.input),
                format::tokens(stats.tokens.output),
                format::tokens(stats.tokens.cached)
            ),
            alarming: false,
            change: String::new(),
            change_tone: "",
        },
        Kpi {
            id: "p95",
            label: "P95 latency",
            value: latency.map_or_else(
                || format::MISSING.to_owned(),
                |l| format::duration_ms(l.p95 as f64),
            ),
            detail: latency.map_or_else(String::new, |l| {
                format!(
                    "P50 {} · P99 {}",
                    format::duration_ms(l.p50 as f64),
                    format::duration_ms(l.p99 as f64)
                )
            }),
            alarming: false,
            change: String::new(),
            change_tone: "",
        },
        Kpi {
            id: "error-rate",
            label: "Error rate",
            value: stats
                .error_rate
                .map_or_else(|| format::MISSING.to_owned(), format::percent),
            detail: format!("{} of observations", format::count(stats.errors)),
            alarming: error_rate > ALARMING_ERROR_RATE,
            change: String::new(),
            change_tone: "",
        },
    ]
}

/// The headline figures from Langfuse's metrics API (ranges too large to fetch), each marked as computed by
/// Langfuse. Traces are not among them: the metrics API counts observations.
pub fn server_kpis(figures: &OverviewFigures) -> Vec<Kpi> {
    let by = match figures.source {
        FigureSource::Langfuse => "computed by Langfuse",
    };
    let error_rate = (figures.observations > 0)
        .then(|| figures.error_observations as f64 / figures.observations as f64);
    let latency = |ms: Option<f64>| format::duration_opt_ms(ms);
    vec![
        Kpi {
            id: "observations",
            label: "Observations",
            value: format::count(figures.observations),
            detail: format!(
                "{} errors · {by}",
                format::count(figures.error_observations)
            ),
            alarming: false,
            change: String::new(),
            change_tone: "",
        },
        Kpi {
            id: "traces",
            label: "Traces",
            value: format::MISSING.to_owned(),
            detail: "needs the rows: fetch a narrower range".to_owned(),
            alarming: false,
            change: String::new(),
            change_tone: "",
        },
        Kpi {
            id: "cost",
            label: "Total cost",
            value: format::usd(figures.total_cost_usd),
            detail: by.to_owned(),
            alarming: false,
            change: String::new(),
            change_tone: "",
        },
        Kpi {
            id: "tokens",
            label: "Total tokens",
            value: format::tokens(figures.total_tokens),
            detail: format!(
                "{} in · {} out · {by}",
                format::tokens(figures.input_tokens),
                format::tokens(figures.output_tokens)
            ),
            alarming: false,
            change: String::new(),
            change_tone: "",
        },
        Kpi {
            id: "p95",
            label: "P95 latency",
            value: latency(figures.latency_p95_ms),
            detail: format!(
                "P50 {} · P99 {} · approximate, {by}",
                latency(figures.latency_p50_ms),
                latency(figures.latency_p99_ms)
            ),
            alarming: false,
            change: String::new(),
            change_tone: "",
        },
        Kpi {
            id: "error-rate",
            label: "Error rate",
            value: error_rate.map_or_else(|| format::MISSING.to_owned(), format::percent),
            detail: format!(
                "{} of observations · {by}",
                format::count(figures.error_observations)
            ),
            alarming: error_rate.unwrap_or(0.0) > ALARMING_ERROR_RATE,
            change: String::new(),
            change_tone: "",
        },
    ]
}

/// The headline figures with their change against `baseline`, the same filter over the period of equal
/// length just before (see loupe-core's `previous_period`). Callers pass a baseline only when that period
/// is wholly loaded, so a change never compares with missing rows. Rates change in percentage points, the
/// rest in percent; more cost, latency or errors is `worse`, less is `better`, traffic is neither.
pub fn with_changes(mut kpis: Vec<Kpi>, current: &Overview, baseline: &Overview) -> Vec<Kpi> {
    if baseline.stats.observations == 0 {
        return kpis;
    }
    let delta = StatsDelta::between(Some(&current.stats), Some(&baseline.stats));
    for kpi in &mut kpis {
        let (d, rising_is_worse, points) = match kpi.id {
            "observations" => (delta.observations, None, false),
            "traces" => (delta.traces, None, false),
            "cost" => (delta.cost_usd, Some(true), false),
            "tokens" => (delta.total_tokens, None, false),
            "p95" => (delta.latency_p95_ms, Some(true), false),
            "error-rate" => (delta.error_rate, Some(true), true),
            _ => continue,
        };
        let amount = if points {
            d.absolute.map(|a| a * 100.0)
        } else {
            d.relative.map(|r| r * 100.0)
        };
        let Some(amount) = amount.filter(|a| a.is_finite()) else {
            continue;
        };
        let unit = if points { " pt" } else { "%" };
        let shown = format!("{:.1}", amount.abs());
        let (arrow, direction) = if shown == "0.0" {
            ("=", 0)
        } else if amount > 0.0 {
            ("▲", 1)
        } else {
            ("▼", -1)
        };
        kpi.change = if direction == 0 {
            "= same as previous period".to_owned()
        } else {
            format!("{arrow} {shown}{unit} vs previous period")
        };
        kpi.change_tone = match (rising_is_worse, direction) {
            (Some(true), 1) => "worse",
            (Some(true), -1) => "better",
            _ => "",
        };
    }
    kpis
}

/// What the headline shows while data is loading: the same cards, values pending.
pub fn kpis_pending() -> Vec<Kpi> {
    kpis(&Overview::default())
        .into_iter()
        .map(|kpi| Kpi {
            value: PENDING.to_owned(),
            detail: String::new(),
            alarming: false,
            ..kpi
        })
        .collect()
}

/// A value that is still being computed.
pub const PENDING: &str = "…";

/// What a time chart counts per bucket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChartMetric {
    /// Observations, stacked as the rest, warnings and errors.
    Observations,
    /// Cost in USD (Langfuse's, or estimated from model prices where it gave none).
    Cost,
}

impl ChartMetric {
    /// The bar values of one bucket, in legend order.
    fn values(self, stats: &loupe_core::Stats) -> Vec<f64> {
        match self {
            Self::Observations => {
                let other = stats
                    .observations
                    .saturating_sub(stats.errors + stats.warnings);
                vec![other as f64, stats.warnings as f64, stats.errors as f64]
            }
            Self::Cost => vec![stats.cost_usd],
        }
    }

    /// The bar values of one server-side point (no level split there: one colour for observations).
    fn server_values(self, point: &SeriesPoint) -> Vec<f64> {
        match self {
            Self::Observations => vec![point.observations as f64, 0.0, 0.0],
            Self::Cost => vec![point.total_cost_usd],
        }
    }

    /// The legend, coloured from the theme (same order as the stacked values).
    pub fn series(self, theme: &Theme) -> Vec<SeriesKey> {
        let key = |label: &str, color: RGBColor| SeriesKey {
            label: label.to_owned(),
            color,
        };
        match self {
            Self::Observations => vec![
                key("OK", theme.ok),
                key("Warnings", theme.warning),
                key("Errors", theme.error),
            ],
            Self::Cost => vec![key("Cost", theme.series[1])],
        }
    }

    /// A y-axis tick.
    pub fn y_label(self, y: f64) -> String {
        match self {
            Self::Observations => format::count(y.max(0.0).round() as u64),
            Self::Cost => format::usd(y.max(0.0)),
        }
    }

    /// What an empty chart says.
    pub fn empty_message(self) -> &'static str {
        match self {
            Self::Observations => "No observations in this range",
            Self::Cost => "No cost in this range",
        }
    }
}

/// A bar chart over time: one (stacked) bar per non-empty bucket.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TimeChart {
    pub from_ms: i64,
    pub to_ms: i64,
    pub bucket_ms: i64,
    pub bars: Vec<StackedBar>,
    /// Tick positions, aligned to local hours/days in the viewer's zone.
    pub ticks: Vec<i64>,
    /// The nominal distance between ticks (decides the label format).
    pub tick_step_ms: i64,
}

/// About this many ticks fit under a dashboard-wide chart.
const TARGET_TICKS: u32 = 7;

/// Tick positions inside `[from_ms, to_ms)` on local clock boundaries (at least hourly).
pub fn time_ticks(from_ms: i64, to_ms: i64, offsets: &dyn UtcOffsets) -> (Vec<i64>, i64) {
    let step = BucketSize::for_span(to_ms - from_ms, TARGET_TICKS).max(BucketSize::Hour1);
    let ticks = boundaries(from_ms, to_ms, step, offsets)
        .into_iter()
        .filter(|t| (from_ms..to_ms).contains(t))
        .collect();
    (ticks, step.nominal_ms())
}

impl TimeChart {
    /// Builds the chart of `metric` from a series; empty buckets are gaps.
    pub fn from_series(series: &TimeSeries, metric: ChartMetric, offsets: &dyn UtcOffsets) -> Self {
        let bars = series
            .buckets
            .iter()
            .filter_map(|bucket| {
                let stats = bucket.stats.as_ref()?;
                Some(StackedBar {
                    start_ms: bucket.start_ms,
                    values: metric.values(stats),
                })
            })
            .collect();
        let from_ms = series.buckets.first().map_or(0, |b| b.start_ms);
        let to_ms = series.buckets.last().map_or(0, |b| b.end_ms);
        let (ticks, tick_step_ms) = time_ticks(from_ms, to_ms, offsets);
        Self {
            from_ms,
            to_ms,
            bucket_ms: series.bucket.nominal_ms(),
            bars,
            ticks,
            tick_step_ms,
        }
    }

    /// The chart of `metric` for a server-side series over `[from_ms, to_ms)`; buckets without
    /// observations are gaps.
    pub fn from_server_series(
        points: &[SeriesPoint],
        metric: ChartMetric,
        from_ms: i64,
        to_ms: i64,
        bucket_ms: i64,
        offsets: &dyn UtcOffsets,
    ) -> Self {
        let bars = points
            .iter()
            .filter(|p| p.observations > 0)
            .map(|p| StackedBar {
                start_ms: p.bucket_start_ms,
                values: metric.server_values(p),
            })
            .collect();
        let (ticks, tick_step_ms) = time_ticks(from_ms, to_ms, offsets);
        Self {
            from_ms,
            to_ms,
            bucket_ms: bucket_ms.max(1),
            bars,
            ticks,
            tick_step_ms,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use loupe_core::{FixedOffset, SeriesBucket, Stats};

    fn stats(observations: u64, errors: u64, warnings: u64) -> Stats {
        Stats {
            observations,
            errors,
            warnings,
            ..Stats::default()
        }
    }

    #[test]
    fn kpis_show_the_figures_formatted() {
        let mut overview = Overview {
            stats: Stats {
                error_rate: Some(0.08),
                cost_usd: 12.345,
                estimated_cost_rows: 3,
                ..stats(12_345, 988, 10)
            },
            ..Overview::default()
        };
        overview.stats.traces = 2_000;
        overview.stats.tokens.total = 1_234_567;
        let kpis = kpis(&overview);
        let by_id = |id: &str| kpis.iter().find(|k| k.id == id).unwrap().clone();
        assert_eq!(kpis.len(), 6);
        assert_eq!(by_id("observations").value, "12,345");
        assert_eq!(by_id("traces").value, "2,000");
        assert_eq!(by_id("cost").value, "$12.35");
        assert!(by_id("cost").detail.contains("3 rows estimated"));
        assert_eq!(by_id("tokens").value, "1.23M");
        assert_eq!(by_id("p95").value, format::MISSING, "no latency, no figure");
        assert_eq!(by_id("error-rate").value, "8%");
        assert!(by_id("error-rate").alarming);
    }

    #[test]
    fn pending_kpis_keep_their_ids_and_hide_their_values() {
        let pending = kpis_pending();
        let ids: Vec<_> = pending.iter().map(|k| k.id).collect();
        assert_eq!(
            ids,
            [
                "observations",
                "traces",
                "cost",
                "tokens",
                "p95",
                "error-rate"
            ]
        );
        assert!(pending.iter().all(|k| k.value == PENDING && !k.alarming));
    }

    #[test]
    fn traffic_stacks_errors_warnings_and_the_rest_and_keeps_gaps() {
        let series = three_hours();
        let chart = TimeChart::from_series(&series, ChartMetric::Observations, &FixedOffset(0));
        assert_eq!(
            (chart.from_ms, chart.to_ms, chart.bucket_ms),
            (0, 10_800_000, 3_600_000)
        );
        assert_eq!(chart.bars.len(), 2, "the empty hour is a gap");
        assert_eq!(chart.bars[0].values, vec![5.0, 3.0, 2.0]);
        assert_eq!(chart.bars[1].start_ms, 7_200_000);
        assert_eq!(chart.ticks, vec![0, 3_600_000, 7_200_000]);
        assert_eq!(ChartMetric::Observations.series(&Theme::light()).len(), 3);
    }

    #[test]
    fn cost_is_one_bar_of_dollars_per_bucket_with_the_same_gaps() {
        let chart = TimeChart::from_series(&three_hours(), ChartMetric::Cost, &FixedOffset(0));
        let bars: Vec<_> = chart
            .bars
            .iter()
            .map(|b| (b.start_ms, b.values.clone()))
            .collect();
        assert_eq!(bars, vec![(0, vec![1.25]), (7_200_000, vec![0.5])]);
        assert_eq!(ChartMetric::Cost.series(&Theme::light()).len(), 1);
        assert_eq!(ChartMetric::Cost.y_label(0.5), format::usd(0.5));
        assert_eq!(ChartMetric::Observations.y_label(1234.4), "1,234");
    }

    fn three_hours() -> TimeSeries {
        let with_cost = |mut s: Stats, cost_usd: f64| {
            s.cost_usd = cost_usd;
            s
        };
        TimeSeries {
            bucket: BucketSize::Hour1,
            buckets: vec![
                SeriesBucket {
                    start_ms: 0,
                    end_ms: 3_600_000,
                    stats: Some(with_cost(stats(10, 2, 3), 1.25)),
                },
                SeriesBucket {
                    start_ms: 3_600_000,
                    end_ms: 7_200_000,
                    stats: None,
                },
                SeriesBucket {
                    start_ms: 7_200_000,
                    end_ms: 10_800_000,
                    stats: Some(with_cost(stats(4, 0, 0), 0.5)),
                },
            ],
        }
    }

    #[test]
    fn changes_against_the_previous_period_say_which_way_and_whether_it_is_worse() {
        let at = |observations: u64, errors: u64, cost_usd: f64| Overview {
            stats: Stats {
                error_rate: Some(errors as f64 / observations.max(1) as f64),
                cost_usd,
                ..stats(observations, errors, 0)
            },
            ..Overview::default()
        };
        let (current, baseline) = (at(120, 6, 2.0), at(100, 2, 2.5));
        let changed = with_changes(kpis(&current), &current, &baseline);
        let by_id = |id: &str| changed.iter().find(|k| k.id == id).unwrap().clone();
        assert_eq!(by_id("observations").change, "▲ 20.0% vs previous period");
        assert_eq!(by_id("observations").change_tone, "");
        assert_eq!(by_id("cost").change, "▼ 20.0% vs previous period");
        assert_eq!(by_id("cost").change_tone, "better");
        assert_eq!(by_id("error-rate").change, "▲ 3.0 pt vs previous period");
        assert_eq!(by_id("error-rate").change_tone, "worse");
        assert_eq!(by_id("p95").change, "", "no latency on either side");
        // No rows in the previous period: no change at all.
        let alone = with_changes(kpis(&current), &current, &Overview::default());
        assert!(
            alone
                .iter()
                .all(|k| k.change.is_empty() && k.change_tone.is_empty())
        );
        let same = with_changes(kpis(&baseline), &baseline, &baseline);
        assert_eq!(same[0].change, "= same as previous period");
    }

    fn server_figures() -> OverviewFigures {
        OverviewFigures {
            observations: 2_000,
            error_observations: 150,
            total_cost_usd: 3.5,
            total_tokens: 1_500_000,
            input_tokens: 1_000_000,
            output_tokens: 500_000,
            latency_p50_ms: Some(800.0),
            latency_p95_ms: Some(4_200.0),
            latency_p99_ms: None,
            source: FigureSource::Langfuse,
        }
    }

    #[test]
    fn server_kpis_are_marked_as_computed_by_langfuse() {
        let kpis = server_kpis(&server_figures());
        let by_id = |id: &str| kpis.iter().find(|k| k.id == id).unwrap().clone();
        let ids: Vec<_> = kpis.iter().map(|k| k.id).collect();
        assert_eq!(
            ids,
            [
                "observations",
                "traces",
                "cost",
                "tokens",
                "p95",
                "error-rate"
            ]
        );
        assert_eq!(by_id("observations").value, "2,000");
        assert_eq!(by_id("traces").value, format::MISSING);
        assert_eq!(by_id("error-rate").value, "7.5%");
        assert!(by_id("error-rate").alarming);
        assert_eq!(by_id("p95").value, "4.2 s");
        for kpi in kpis.iter().filter(|k| k.id != "traces") {
            assert!(kpi.detail.contains("computed by Langfuse"), "{kpi:?}");
        }
        let empty = server_kpis(&OverviewFigures {
            observations: 0,
            error_observations: 0,
            ..server_figures()
        });
        assert_eq!(
            empty.iter().find(|k| k.id == "error-rate").unwrap().value,
            format::MISSING
        );
    }

    #[test]
    fn a_server_series_draws_one_bar_per_non_empty_bucket() {
        let point = |start_ms: i64, observations: u64| SeriesPoint {
            bucket_start_ms: start_ms,
            observations,
            total_cost_usd: observations as f64 / 10.0,
            total_tokens: 0,
            latency_p95_ms: None,
            source: FigureSource::Langfuse,
        };
        let hour = 3_600_000;
        let points = [point(0, 5), point(hour, 0), point(2 * hour, 7)];
        let chart = |metric| {
            TimeChart::from_server_series(&points, metric, 0, 3 * hour, hour, &FixedOffset(0))
        };
        let traffic = chart(ChartMetric::Observations);
        assert_eq!(traffic.bars.len(), 2, "the empty hour is a gap");
        assert_eq!(traffic.bars[1].values, vec![7.0, 0.0, 0.0]);
        let cost = chart(ChartMetric::Cost);
        assert_eq!(cost.bars.len(), 2);
        assert_eq!(cost.bars[1].values, vec![0.7]);
        let chart = traffic;
        assert_eq!(
            (chart.from_ms, chart.to_ms, chart.bucket_ms),
            (0, 3 * hour, hour)
        );
    }

    #[test]
    fn ticks_fall_on_local_midnights() {
        let day = 86_400_000;
        // Seven days starting at 05:00 UTC, viewed at UTC+2: ticks at 22:00 UTC (local midnight).
        let from = 1_795_132_800_000 + 5 * 3_600_000;
        let (ticks, step) = time_ticks(from, from + 7 * day, &FixedOffset(7200));
        assert_eq!(step, day);
        assert_eq!(ticks.len(), 7);
        for tick in ticks {
            assert_eq!((tick + 7_200_000).rem_euclid(day), 0, "{tick}");
        }
    }
}
