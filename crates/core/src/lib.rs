//! Loupe's analytics engine.
//!
//! Pure Rust: no web dependencies, no clock, no time-zone database, no I/O. Callers pass `now` and the
//! viewer's UTC-offset rules in. Data enters as [`ObservationRow`]s and [`ScoreRow`]s and leaves as plain
//! serialisable view models (numbers and ids, never formatted strings).
//!
//! Data flow: decoders call [`Store::upsert`] per observation; [`Store::set_models`] supplies prices for
//! cost estimation; every rollup takes the store and a [`Filter`] and is exact.
//!
//! Where each definition is written down:
//! - traces (start, end, latency, level, root, name/user/session/tags/release, orphans, cycles):
//!   [`trace`];
//! - dimensions and filter semantics: [`filter`];
//! - per-group figures (counts, error rate, token classes, cost, latency, TTFT, tokens per second):
//!   [`rollup`];
//! - quantiles (nearest rank, exact): [`quantile`];
//! - time buckets and time zones: [`series`];
//! - latency histograms: [`histogram`](mod@histogram); the standard set with every figure: [`standard`];
//!   the issue's lean kernel (the benchmark's): [`compact`];
//! - cost estimation from the models list: [`estimate`];
//! - scores: [`scores`]; error patterns: [`patterns`]; sessions, users, throughput: [`entities`];
//!   comparisons: [`compare`](mod@compare); trace waterfall and session timeline: [`views`];
//! - storage layout and memory: [`store`], [`intern`], [`ids`]; one sort for cold paths: [`sort`].
//!
//! Every rollup is checked against a naive reference implementation in `tests/reference.rs`.

pub mod compact;
pub mod compare;
pub mod entities;
pub mod estimate;
pub mod filter;
pub mod histogram;
pub mod ids;
pub mod intern;
mod kernel;
pub mod patterns;
pub mod pricing;
pub mod quantile;
mod radix;
pub mod rollup;
pub mod row;
pub mod score;
pub mod scores;
pub mod series;
pub mod sort;
pub mod standard;
pub mod store;
pub mod trace;
mod upsert;
pub mod views;
mod waiting;

pub use compact::{
    BucketFigures, DimensionFigures, Figures, GroupFigures, KERNEL_DIMENSIONS, KernelRollups,
    Latency, kernel_rollups,
};
pub use compare::{
    Comparison, Delta, GroupDelta, StatsDelta, compare, previous_period, with_release,
};
pub use entities::{
    SessionSummary, Throughput, TraceList, TraceOrder, TraceSummary, UserSummary, sessions,
    throughput, traces, users,
};
pub use filter::{Dimension, DimensionValues, Filter};
pub use histogram::{HistogramBin, HistogramLevel, LatencyHistogram, histogram, latency_histogram};
pub use patterns::{ErrorPattern, PatternOptions, Ranked, error_patterns, template};
pub use pricing::ModelPrice;
pub use quantile::{LatencyStats, TtftStats};
pub use rollup::{GroupStats, KeyCost, KeyUnits, Overview, Stats, Tokens, group_by, overview};
pub use row::{Level, ObservationRow, ObservationType};
pub use score::{ScoreDataType, ScoreRow, ScoreValue};
pub use scores::{NumericSummary, ScoreSummary, ValueBin, ValueCount, score_summaries};
pub use series::{
    BucketSize, FixedOffset, SeriesBucket, SeriesSpec, TimeSeries, UtcOffsets, time_series,
};
pub use standard::{DimensionGroups, STANDARD_DIMENSIONS, StandardRollups, standard_rollups};
pub use store::{RowFlags, Store, Upsert};
pub use views::{
    SessionTimeline, TimelineTrace, TraceIssues, TraceTree, TreeFlags, TreeRow, session_timeline,
    trace_tree,
};
