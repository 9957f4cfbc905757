//! The standard rollup set: what the dashboard shows first, and what the benchmark times.
//!
//! [`standard_rollups`] computes, over one filter, in one pass of preparation shared by all parts:
//! the overview (counts, error rate, tokens, cost, exact latency quantiles at observation and trace
//! level), six group-bys ([`STANDARD_DIMENSIONS`]), a latency histogram of the observations (10 bins per
//! decade) and an hourly time series over the filter's time range (or the data's when the filter has
//! none).

use serde::{Deserialize, Serialize};

use crate::filter::{Dimension, Filter};
use crate::histogram::{LatencyHistogram, histogram};
use crate::rollup::{GroupStats, Overview, Prepared, Scratch, group_by_prepared, overview_of};
use crate::series::{BucketSize, SeriesSpec, TimeSeries, UtcOffsets, series_of};
use crate::store::Store;

/// The six group-bys of the standard set.
pub const STANDARD_DIMENSIONS: [Dimension; 6] = [
    Dimension::Model,
    Dimension::Service,
    Dimension::User,
    Dimension::Session,
    Dimension::Environment,
    Dimension::ObservationType,
];

/// One group-by of the standard set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DimensionGroups {
    pub dimension: Dimension,
    pub groups: Vec<GroupStats>,
}

/// Everything [`standard_rollups`] computes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StandardRollups {
    pub overview: Overview,
    pub group_bys: Vec<DimensionGroups>,
    pub latency_histogram: LatencyHistogram,
    pub hourly: TimeSeries,
}

/// Computes the standard set (see the module docs).
pub fn standard_rollups(
    store: &Store,
    filter: &Filter,
    offsets: &dyn UtcOffsets,
) -> StandardRollups {
    let p = Prepared::new(store, filter);
    let mut scratch = Scratch::default();
    let overview = overview_of(&p, &mut scratch);
    let group_bys = STANDARD_DIMENSIONS
        .iter()
        .map(|d| DimensionGroups {
            dimension: d.clone(),
            groups: group_by_prepared(&p, d, &mut scratch),
        })
        .collect();
    let latencies: Vec<i64> = p
        .sel
        .rows
        .iter()
        .filter_map(|&r| store.duration_ms(r))
        .collect();
    let latency_histogram = histogram(&latencies, 10);
    let from_ms = filter.from_ms.or(overview.first_start_ms).unwrap_or(0);
    let to_ms = filter
        .to_ms
        .or(overview.last_start_ms.map(|t| t.saturating_add(1)))
        .unwrap_or(from_ms);
    let spec = SeriesSpec {
        from_ms,
        to_ms,
        target_points: 0,
        bucket: Some(BucketSize::Hour1),
    };
    let hourly = series_of(&p, &spec, offsets, &mut scratch);
    StandardRollups {
        overview,
        group_bys,
        latency_histogram,
        hourly,
    }
}
