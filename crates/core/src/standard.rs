//! The standard rollup set: what the dashboard shows first, and what the benchmark times.
//!
//! [`standard_rollups`] computes, over one filter, in one pass of preparation shared by all parts:
//! the overview (counts, error rate, tokens, cost, exact latency quantiles at observation and trace
//! level), six group-bys ([`STANDARD_DIMENSIONS`]), a latency histogram of the observations (10 bins per
//! decade) and an hourly time series over the filter's time range (or the data's when the filter has
//! none).

use serde::{Deserialize, Serialize};

use crate::filter::{DimReader, Dimension, Filter};
use crate::histogram::{LatencyHistogram, histogram};
use crate::kernel::aggregate_many;
use crate::rollup::{
    GroupStats, Grouping, Overview, Prepared, Stats, dimension_grouping, groups_from, overview_from,
};
use crate::series::{BucketSize, SeriesSpec, TimeSeries, UtcOffsets, series_from, series_plan};
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

/// Computes the standard set (see the module docs): every grouping in one aggregation pass.
pub fn standard_rollups(
    store: &Store,
    filter: &Filter,
    offsets: &dyn UtcOffsets,
) -> StandardRollups {
    let p = Prepared::new(store, filter);
    // The overview's start range fixes the hourly series' range.
    let empty = overview_from(&p, Stats::default());
    let from_ms = filter.from_ms.or(empty.first_start_ms).unwrap_or(0);
    let to_ms = filter
        .to_ms
        .or(empty.last_start_ms.map(|t| t.saturating_add(1)))
        .unwrap_or(from_ms);
    let spec = SeriesSpec {
        from_ms,
        to_ms,
        target_points: 0,
        bucket: Some(BucketSize::Hour1),
    };
    let plan = series_plan(&p, &spec, offsets);
    let readers: Vec<DimReader<'_>> = STANDARD_DIMENSIONS
        .iter()
        .map(|d| DimReader::new(store, d))
        .collect();
    let groupings: Vec<Grouping> = readers.iter().map(|r| dimension_grouping(&p, r)).collect();
    let whole = Grouping::whole();
    let mut all: Vec<&Grouping> = vec![&whole, &plan.grouping];
    all.extend(groupings.iter());
    let mut stats = aggregate_many(&p, &all).into_iter();
    let overview = Overview {
        stats: stats
            .next()
            .and_then(|s| s.into_iter().next())
            .unwrap_or_default(),
        ..empty
    };
    let hourly = series_from(&plan, stats.next().unwrap_or_default());
    let group_bys = STANDARD_DIMENSIONS
        .iter()
        .zip(readers.iter().zip(&groupings))
        .zip(stats)
        .map(|((d, (reader, grouping)), st)| DimensionGroups {
            dimension: d.clone(),
            groups: groups_from(reader, grouping, st),
        })
        .collect();
    // The kept durations, already sorted (the histogram walks its edges alongside).
    let latency_histogram = histogram(&p.duration_sorted, 10);
    StandardRollups {
        overview,
        group_bys,
        latency_histogram,
        hourly,
    }
}
