//! Exact rollups: the overview and group-bys.
//!
//! For a set of observations (those a [`Filter`] keeps, optionally one group of them), [`Stats`] holds:
//! - `observations`; `traces` = distinct trace ids among them; `errors` / `warnings` = observations with
//!   level ERROR / WARNING; `error_rate` = errors / observations; `success_rate` =
//!   (observations − errors) / observations (both `None` without observations); `trace_errors` =
//!   distinct traces whose trace level (the worst level over **all** the trace's observations) is
//!   ERROR, `trace_error_rate` = trace_errors / traces.
//! - tokens, summed over observations with usage (exact `u64`, saturating at `u64::MAX`):
//!   `input` = Σ units of every usage key containing `input`; `output` = keys containing `output`;
//!   `cached` = keys containing both `input` and `cache` (cache reads and writes on the input side, e.g.
//!   `input_cached_tokens`, `input_cache_read`, `input_cache_creation`); `reasoning` = keys containing
//!   `reasoning`; `total` = the `total` key when present, else the sum of all keys. Matching is on the
//!   exact (case-sensitive) key text. `usage_by_key` lists every key under its own name.
//! - cost (USD): per observation the `total` cost key when present, else the sum of its cost keys;
//!   estimated costs (see [`crate::estimate`]) included and counted in `estimated_cost_rows`;
//!   `cost_by_key` per cost key.
//! - `latency_ms`: over observations with an end time, `end − start` in ms (mean, nearest-rank P50, P75,
//!   P90, P95, P99, P99.9, max; see [`crate::quantile`]). `trace_latency_ms`: the same over the distinct
//!   traces, each trace's latency from all its observations ([`crate::trace`]).
//! - `ttft_ms`: completion start − start, ms, over observations that have a completion start time.
//! - `output_tokens_per_second` = Σ output tokens / Σ duration (s), over observations with output
//!   tokens > 0 and duration > 0 (a ratio of sums, so long generations weigh more).
//!
//! Groups from [`group_by`] are ordered by observations (descending), then by key (missing last).

use serde::{Deserialize, Serialize};

use crate::filter::{DimReader, Dimension, Filter};
use crate::intern::{NONE, Sym};
pub(crate) use crate::kernel::{Grouping, Prepared, aggregate};
use crate::quantile::{LatencyStats, TtftStats};
use crate::store::{GenRec, Store, TOTAL_KEY};

/// Token sums.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tokens {
    pub input: u64,
    pub output: u64,
    pub cached: u64,
    pub reasoning: u64,
    pub total: u64,
}

impl Tokens {
    pub(crate) fn add(&mut self, o: &Tokens) {
        self.input = self.input.saturating_add(o.input);
        self.output = self.output.saturating_add(o.output);
        self.cached = self.cached.saturating_add(o.cached);
        self.reasoning = self.reasoning.saturating_add(o.reasoning);
        self.total = self.total.saturating_add(o.total);
    }
}

/// Units of one usage key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyUnits {
    pub key: String,
    pub units: u64,
}

/// Cost of one cost key.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeyCost {
    pub key: String,
    pub cost_usd: f64,
}

/// Every figure for one set of observations. See the module docs for definitions.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    pub observations: u64,
    pub traces: u64,
    pub errors: u64,
    pub warnings: u64,
    pub error_rate: Option<f64>,
    pub success_rate: Option<f64>,
    pub trace_errors: u64,
    pub trace_error_rate: Option<f64>,
    pub tokens: Tokens,
    pub usage_by_key: Vec<KeyUnits>,
    pub cost_usd: f64,
    pub cost_by_key: Vec<KeyCost>,
    pub estimated_cost_rows: u64,
    pub latency_ms: Option<LatencyStats>,
    pub trace_latency_ms: Option<LatencyStats>,
    pub ttft_ms: Option<TtftStats>,
    pub output_tokens_per_second: Option<f64>,
}

/// The rollup of the whole filtered set.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Overview {
    #[serde(flatten)]
    pub stats: Stats,
    /// Earliest and latest start time among the kept observations.
    pub first_start_ms: Option<i64>,
    pub last_start_ms: Option<i64>,
}

/// One group of a [`group_by`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupStats {
    /// The dimension value; `None` for observations without one.
    pub key: Option<String>,
    #[serde(flatten)]
    pub stats: Stats,
}

/// Token-class bits of a usage key.
pub(crate) const INPUT: u8 = 1;
pub(crate) const OUTPUT: u8 = 2;
pub(crate) const CACHED: u8 = 4;
pub(crate) const REASONING: u8 = 8;
pub(crate) const TOTAL: u8 = 16;

/// Token classes of a usage key name (see the module docs).
pub fn usage_key_classes(key: &str) -> u8 {
    let mut c = 0;
    if key.contains("input") {
        c |= INPUT;
        if key.contains("cache") {
            c |= CACHED;
        }
    }
    if key.contains("output") {
        c |= OUTPUT;
    }
    if key.contains("reasoning") {
        c |= REASONING;
    }
    if key == "total" {
        c |= TOTAL;
    }
    c
}

/// Observation total cost: the `total` key, else the sum of the keys.
pub(crate) fn row_cost(store: &Store, g: &GenRec) -> f64 {
    let mut sum = 0.0;
    for (k, v) in store.cost_of(g) {
        if k == TOTAL_KEY {
            return v;
        }
        sum += v;
    }
    sum
}

/// The overview of the selection from its stats (those of [`Grouping::whole`]).
pub(crate) fn overview_from(p: &Prepared<'_>, stats: Stats) -> Overview {
    let starts = p
        .sel
        .rows
        .iter()
        .filter_map(|&r| p.store.start_ms.get(r as usize).copied());
    let (first, last) = starts.fold((None, None), |(lo, hi): (Option<i64>, Option<i64>), v| {
        (
            Some(lo.map_or(v, |x| x.min(v))),
            Some(hi.map_or(v, |x| x.max(v))),
        )
    });
    Overview {
        stats,
        first_start_ms: first,
        last_start_ms: last,
    }
}

/// The groups of the selection by a dimension: dense group ids in first-seen order, keyed by symbol.
pub(crate) fn dimension_grouping(p: &Prepared<'_>, reader: &DimReader<'_>) -> Grouping {
    let mut group_of = vec![u32::MAX; reader.cardinality().max(1)];
    let mut keys: Vec<Sym> = Vec::new();
    let mut id = |sym: Sym| -> u32 {
        match group_of.get_mut(sym as usize) {
            Some(slot) => {
                if *slot == u32::MAX {
                    *slot = keys.len() as u32;
                    keys.push(sym);
                }
                *slot
            }
            None => u32::MAX,
        }
    };
    if let Some(column) = reader.trace_column() {
        // Trace-level: one group per trace, assigned over the kept traces only.
        let mut gid_of_trace = vec![u32::MAX; p.traces.len()];
        for &t in &p.run_trace {
            let sym = column.get(t as usize).copied().unwrap_or(NONE);
            if let Some(slot) = gid_of_trace.get_mut(t as usize) {
                *slot = id(sym);
            }
        }
        Grouping::by_trace(gid_of_trace, keys)
    } else if reader.is_multi() {
        let mut offsets = Vec::with_capacity(p.sel.rows.len() + 1);
        let mut gids = Vec::with_capacity(p.sel.rows.len());
        offsets.push(0u32);
        for &row in &p.sel.rows {
            let tags = reader.tags(row);
            if tags.is_empty() {
                gids.push(id(NONE));
            }
            for &t in tags {
                gids.push(id(t));
            }
            offsets.push(gids.len() as u32);
        }
        Grouping::multi(offsets, gids, keys)
    } else {
        let gids = reader.values_for(&p.sel).into_iter().map(id).collect();
        Grouping::single(gids, keys)
    }
}

/// Groups in output order: observations descending, then key ascending, missing last.
pub(crate) fn group_order<'l>(
    stats: &[Stats],
    label: impl Fn(usize) -> Option<&'l [u8]>,
) -> Vec<usize> {
    // Labels resolved once, not per comparison. Ties (no label on either side) keep group order.
    let keys: Vec<(u64, Option<&[u8]>)> = stats
        .iter()
        .enumerate()
        .map(|(g, s)| (s.observations, label(g)))
        .collect();
    crate::sort::sorted_indices(keys.len(), &mut |a, b| {
        let (Some(x), Some(y)) = (keys.get(a), keys.get(b)) else {
            return core::cmp::Ordering::Equal;
        };
        y.0.cmp(&x.0).then_with(|| match (x.1, y.1) {
            (Some(p), Some(q)) => p.cmp(q),
            (Some(_), None) => core::cmp::Ordering::Less,
            (None, Some(_)) => core::cmp::Ordering::Greater,
            (None, None) => core::cmp::Ordering::Equal,
        })
    })
}

/// The groups of a dimension grouping from their stats, in output order.
pub(crate) fn groups_from(
    reader: &DimReader<'_>,
    grouping: &Grouping,
    stats: Vec<Stats>,
) -> Vec<GroupStats> {
    let key_of = |g: usize| grouping.keys.get(g).copied().unwrap_or(NONE);
    let order = group_order(&stats, |g| reader.label_bytes(key_of(g)));
    let mut stats: Vec<Option<Stats>> = stats.into_iter().map(Some).collect();
    order
        .into_iter()
        .map(|g| GroupStats {
            key: reader.label(key_of(g)),
            stats: stats.get_mut(g).and_then(Option::take).unwrap_or_default(),
        })
        .collect()
}

/// The rollup of every observation `filter` keeps.
pub fn overview(store: &Store, filter: &Filter) -> Overview {
    let p = Prepared::new(store, filter);
    let stats = aggregate(&p, &Grouping::whole())
        .into_iter()
        .next()
        .unwrap_or_default();
    overview_from(&p, stats)
}

/// The rollup per value of `dimension` over the observations `filter` keeps.
pub fn group_by(store: &Store, filter: &Filter, dimension: &Dimension) -> Vec<GroupStats> {
    let p = Prepared::new(store, filter);
    let reader = DimReader::new(store, dimension);
    let grouping = dimension_grouping(&p, &reader);
    let stats = aggregate(&p, &grouping);
    groups_from(&reader, &grouping, stats)
}
