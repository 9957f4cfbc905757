//! Exact rollups: the overview and group-bys.
//!
//! For a set of observations (those a [`Filter`] keeps, optionally one group of them), [`Stats`] holds:
//! - `observations`; `traces` = distinct trace ids among them; `errors` / `warnings` = observations with
//!   level ERROR / WARNING; `error_rate` = errors / observations; `success_rate` = 1 − error_rate (both
//!   `None` without observations); `trace_errors` = distinct traces whose trace level (the worst level
//!   over **all** the trace's observations) is ERROR, `trace_error_rate` = trace_errors / traces.
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

use crate::filter::{DimReader, Dimension, Filter, NO_GEN, Selection, select};
use crate::intern::{NONE, Sym};
use crate::quantile::{LatencyStats, TtftStats};
use crate::row::Level;
use crate::store::{GenRec, RowFlags, Store};
use crate::trace::TraceIndex;

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
    fn add(&mut self, o: &Tokens) {
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
const INPUT: u8 = 1;
const OUTPUT: u8 = 2;
const CACHED: u8 = 4;
const REASONING: u8 = 8;
const TOTAL: u8 = 16;

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
    let total_key = store.dicts.usage_keys.get("total");
    let mut sum = 0.0;
    for (k, v) in store.cost_of(g) {
        if Some(k) == total_key {
            return v;
        }
        sum += v;
    }
    sum
}

/// Per-row figures of a selected generation row.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct RowFig {
    pub tokens: Tokens,
    pub cost_usd: f64,
    /// `i64::MIN` when missing.
    pub ttft_ms: i64,
    pub estimated: bool,
    pub gen_index: u32,
}

/// A filtered selection with everything the kernels share.
pub(crate) struct Prepared<'s> {
    pub store: &'s Store,
    pub traces: &'s TraceIndex,
    pub sel: Selection,
    /// Per selected row: index into `figs`, or `NO_GEN`.
    pub fig_of: Vec<u32>,
    pub figs: Vec<RowFig>,
}

impl<'s> Prepared<'s> {
    pub(crate) fn new(store: &'s Store, filter: &Filter) -> Self {
        let sel = select(store, filter);
        Self::from_selection(store, sel)
    }

    pub(crate) fn from_selection(store: &'s Store, sel: Selection) -> Self {
        let classes: Vec<u8> = store
            .dicts
            .usage_keys
            .iter()
            .map(|(_, k)| usage_key_classes(k))
            .collect();
        let mut fig_of = Vec::with_capacity(sel.rows.len());
        let mut figs = Vec::new();
        for &gi in &sel.gens {
            if gi == NO_GEN {
                fig_of.push(NO_GEN);
                continue;
            }
            let Some(g) = store.gens.get(gi as usize) else {
                fig_of.push(NO_GEN);
                continue;
            };
            let mut t = Tokens::default();
            let mut sum_all = 0u64;
            let mut has_total = false;
            for (k, units) in store.usage_of(g) {
                let c = classes.get(k as usize).copied().unwrap_or(0);
                if c & INPUT != 0 {
                    t.input = t.input.saturating_add(units);
                }
                if c & OUTPUT != 0 {
                    t.output = t.output.saturating_add(units);
                }
                if c & CACHED != 0 {
                    t.cached = t.cached.saturating_add(units);
                }
                if c & REASONING != 0 {
                    t.reasoning = t.reasoning.saturating_add(units);
                }
                if c & TOTAL != 0 {
                    t.total = t.total.saturating_add(units);
                    has_total = true;
                }
                sum_all = sum_all.saturating_add(units);
            }
            if !has_total {
                t.total = sum_all;
            }
            fig_of.push(figs.len() as u32);
            figs.push(RowFig {
                tokens: t,
                cost_usd: row_cost(store, g),
                ttft_ms: store.ttft_ms(g).unwrap_or(i64::MIN),
                estimated: store.row_flags(g.row).has(RowFlags::COST_ESTIMATED),
                gen_index: gi,
            });
        }
        Self {
            store,
            traces: store.traces(),
            sel,
            fig_of,
            figs,
        }
    }

    pub(crate) fn fig(&self, sel_index: u32) -> Option<&RowFig> {
        let f = self
            .fig_of
            .get(sel_index as usize)
            .copied()
            .unwrap_or(NO_GEN);
        if f == NO_GEN {
            None
        } else {
            self.figs.get(f as usize)
        }
    }
}

/// Reusable buffers for [`stats_for`].
#[derive(Default)]
pub(crate) struct Scratch {
    latencies: Vec<i64>,
    trace_latencies: Vec<i64>,
    ttfts: Vec<i64>,
    trace_stamp: Vec<u32>,
    stamp: u32,
    cost_by_key: Vec<f64>,
    usage_by_key: Vec<u64>,
    usage_seen: Vec<bool>,
    usage_touched: Vec<Sym>,
    cost_seen: Vec<bool>,
    cost_touched: Vec<Sym>,
}

/// Computes [`Stats`] over `members` (indices into the selection, ascending).
pub(crate) fn stats_for(p: &Prepared<'_>, members: &[u32], s: &mut Scratch) -> Stats {
    let store = p.store;
    let n_traces = p.traces.len();
    if s.trace_stamp.len() < n_traces {
        s.trace_stamp.resize(n_traces, 0);
    }
    s.stamp = s.stamp.wrapping_add(1);
    if s.stamp == 0 {
        s.trace_stamp.iter_mut().for_each(|x| *x = 0);
        s.stamp = 1;
    }
    let n_keys = store.dicts.usage_keys.len();
    s.cost_by_key.clear();
    s.cost_by_key.resize(n_keys, 0.0);
    s.usage_by_key.clear();
    s.usage_by_key.resize(n_keys, 0);
    for (seen, touched) in [
        (&mut s.usage_seen, &mut s.usage_touched),
        (&mut s.cost_seen, &mut s.cost_touched),
    ] {
        seen.clear();
        seen.resize(n_keys, false);
        touched.clear();
    }
    s.latencies.clear();
    s.trace_latencies.clear();
    s.ttfts.clear();

    let mut st = Stats::default();
    let mut tps_tokens = 0u128;
    let mut tps_ms = 0i128;
    for &i in members {
        let Some(&row) = p.sel.rows.get(i as usize) else {
            continue;
        };
        st.observations += 1;
        match store.level.get(row as usize) {
            Some(Level::Error) => st.errors += 1,
            Some(Level::Warning) => st.warnings += 1,
            _ => {}
        }
        let dur = store.duration_ms(row);
        if let Some(d) = dur {
            s.latencies.push(d);
        }
        let tr = store.trace.get(row as usize).copied().unwrap_or(NONE);
        if let Some(stamp) = s.trace_stamp.get_mut(tr as usize)
            && *stamp != s.stamp
        {
            *stamp = s.stamp;
            st.traces += 1;
            s.trace_latencies.push(p.traces.latency_ms(tr));
            if p.traces.severity.get(tr as usize).copied()
                == Some(crate::trace::severity(Level::Error))
            {
                st.trace_errors += 1;
            }
        }
        let Some(f) = p.fig(i) else { continue };
        st.tokens.add(&f.tokens);
        st.cost_usd += f.cost_usd;
        if f.estimated {
            st.estimated_cost_rows += 1;
        }
        if f.ttft_ms != i64::MIN {
            s.ttfts.push(f.ttft_ms);
        }
        if let Some(d) = dur
            && f.tokens.output > 0
            && d > 0
        {
            tps_tokens += u128::from(f.tokens.output);
            tps_ms += i128::from(d);
        }
        let Some(g) = store.gens.get(f.gen_index as usize) else {
            continue;
        };
        for (k, units) in store.usage_of(g) {
            if let Some(slot) = s.usage_by_key.get_mut(k as usize) {
                *slot = slot.saturating_add(units);
            }
            touch(&mut s.usage_seen, &mut s.usage_touched, k);
        }
        for (k, usd) in store.cost_of(g) {
            if let Some(slot) = s.cost_by_key.get_mut(k as usize) {
                *slot += usd;
            }
            touch(&mut s.cost_seen, &mut s.cost_touched, k);
        }
    }
    if st.observations > 0 {
        let rate = st.errors as f64 / st.observations as f64;
        st.error_rate = Some(rate);
        st.success_rate = Some(1.0 - rate);
    }
    if st.traces > 0 {
        st.trace_error_rate = Some(st.trace_errors as f64 / st.traces as f64);
    }
    if tps_ms > 0 {
        st.output_tokens_per_second = Some(tps_tokens as f64 / (tps_ms as f64 / 1000.0));
    }
    st.latency_ms = LatencyStats::from_values(&mut s.latencies);
    st.trace_latency_ms = LatencyStats::from_values(&mut s.trace_latencies);
    st.ttft_ms = TtftStats::from_values(&mut s.ttfts);
    for &k in &s.usage_touched {
        st.usage_by_key.push(KeyUnits {
            key: store.dicts.usage_keys.resolve(k).to_owned(),
            units: s.usage_by_key.get(k as usize).copied().unwrap_or(0),
        });
    }
    for &k in &s.cost_touched {
        st.cost_by_key.push(KeyCost {
            key: store.dicts.usage_keys.resolve(k).to_owned(),
            cost_usd: s.cost_by_key.get(k as usize).copied().unwrap_or(0.0),
        });
    }
    st.usage_by_key.sort_by(|a, b| a.key.cmp(&b.key));
    st.cost_by_key.sort_by(|a, b| a.key.cmp(&b.key));
    st
}

fn touch(seen: &mut [bool], touched: &mut Vec<Sym>, k: Sym) {
    if let Some(s) = seen.get_mut(k as usize)
        && !*s
    {
        *s = true;
        touched.push(k);
    }
}

/// Rows grouped by a key: `members[offsets[g]..offsets[g + 1]]` are the selection indices of group `g`.
pub(crate) struct Groups {
    pub keys: Vec<Sym>,
    pub offsets: Vec<u32>,
    pub members: Vec<u32>,
}

/// Groups the selection by one symbol per (row, value) pair, by counting sort (stable: members ascending).
pub(crate) fn group_pairs(n_syms: usize, pairs: &[(u32, Sym)]) -> Groups {
    // Dense group ids in first-seen symbol order.
    let mut group_of = vec![u32::MAX; n_syms.max(1)];
    let mut keys = Vec::new();
    let mut counts: Vec<u32> = Vec::new();
    let mut gids = Vec::with_capacity(pairs.len());
    for &(_, sym) in pairs {
        let slot = match group_of.get_mut(sym as usize) {
            Some(s) => s,
            None => continue,
        };
        if *slot == u32::MAX {
            *slot = keys.len() as u32;
            keys.push(sym);
            counts.push(0);
        }
        let g = *slot;
        if let Some(c) = counts.get_mut(g as usize) {
            *c += 1;
        }
        gids.push(g);
    }
    let mut offsets = Vec::with_capacity(keys.len() + 1);
    let mut acc = 0u32;
    offsets.push(0);
    for &c in &counts {
        acc += c;
        offsets.push(acc);
    }
    let mut cursor: Vec<u32> = offsets.iter().take(keys.len()).copied().collect();
    let mut members = vec![0u32; acc as usize];
    for (&(i, _), &g) in pairs.iter().zip(&gids) {
        if let Some(c) = cursor.get_mut(g as usize) {
            if let Some(m) = members.get_mut(*c as usize) {
                *m = i;
            }
            *c += 1;
        }
    }
    Groups {
        keys,
        offsets,
        members,
    }
}

impl Groups {
    pub(crate) fn members_of(&self, g: usize) -> &[u32] {
        let s = self.offsets.get(g).copied().unwrap_or(0) as usize;
        let e = self.offsets.get(g + 1).copied().unwrap_or(0) as usize;
        self.members.get(s..e).unwrap_or(&[])
    }
}

/// (selection index, dimension symbol) pairs for a dimension; multi-valued dimensions give several.
pub(crate) fn dimension_pairs(p: &Prepared<'_>, reader: &DimReader<'_>) -> Vec<(u32, Sym)> {
    let mut pairs = Vec::with_capacity(p.sel.rows.len());
    for (i, (&row, &gi)) in p.sel.rows.iter().zip(&p.sel.gens).enumerate() {
        if reader.is_multi() {
            let tags = reader.tags(row);
            if tags.is_empty() {
                pairs.push((i as u32, NONE));
            }
            for &t in tags {
                pairs.push((i as u32, t));
            }
        } else {
            let gen_index = if gi == NO_GEN {
                None
            } else {
                Some(gi as usize)
            };
            pairs.push((i as u32, reader.value(row, gen_index)));
        }
    }
    pairs
}

pub(crate) fn overview_of(p: &Prepared<'_>, s: &mut Scratch) -> Overview {
    let all: Vec<u32> = (0..p.sel.rows.len() as u32).collect();
    let stats = stats_for(p, &all, s);
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

pub(crate) fn group_by_prepared(
    p: &Prepared<'_>,
    dimension: &Dimension,
    s: &mut Scratch,
) -> Vec<GroupStats> {
    let reader = DimReader::new(p.store, dimension);
    let pairs = dimension_pairs(p, &reader);
    let groups = group_pairs(reader.cardinality(), &pairs);
    let mut out: Vec<GroupStats> = (0..groups.keys.len())
        .map(|g| GroupStats {
            key: groups.keys.get(g).and_then(|&k| reader.label(k)),
            stats: stats_for(p, groups.members_of(g), s),
        })
        .collect();
    out.sort_by(|a, b| {
        b.stats
            .observations
            .cmp(&a.stats.observations)
            .then_with(|| match (&a.key, &b.key) {
                (Some(x), Some(y)) => x.cmp(y),
                (Some(_), None) => core::cmp::Ordering::Less,
                (None, Some(_)) => core::cmp::Ordering::Greater,
                (None, None) => core::cmp::Ordering::Equal,
            })
    });
    out
}

/// The rollup of every observation `filter` keeps.
pub fn overview(store: &Store, filter: &Filter) -> Overview {
    let p = Prepared::new(store, filter);
    overview_of(&p, &mut Scratch::default())
}

/// The rollup per value of `dimension` over the observations `filter` keeps.
pub fn group_by(store: &Store, filter: &Filter, dimension: &Dimension) -> Vec<GroupStats> {
    let p = Prepared::new(store, filter);
    group_by_prepared(&p, dimension, &mut Scratch::default())
}
