//! The aggregation kernel behind every rollup (definitions in [`crate::rollup`]).
//!
//! Per query, [`Prepared`] lays the kept observations out flat (level, duration, trace, the generation
//! rows) and sorts them once by duration and once by first-token time (a stable radix sort on the
//! integer milliseconds). Traces come already ordered by latency from the trace index, which the store
//! caches until its next change. [`aggregate_many`] then computes any number of group-bys together, in
//! O(rows + groups) with no hash map per row:
//! - counts come from a histogram of each grouping's group ids (per-trace counts, made once, for the
//!   overview and the trace-level dimensions);
//! - each generation row's usage and cost values are read from the store once and added to every
//!   grouping's dense per-group arrays (token classes are derived per group at the end: saturating sums
//!   of non-negative numbers give the same result in any grouping);
//! - quantiles come from one walk of the duration order (and of the first-token order) shared by every
//!   grouping: each group counts the values it has seen and keeps the value at each of its nearest
//!   ranks, known up front from its count, so no per-group list is built or sorted;
//! - trace figures come from one walk of the traces in latency order: a trace belongs to one group when
//!   the dimension is trace-level (service, user, session, release, the overview), else to the set of
//!   groups its kept rows fall in (a bit set per trace for up to 64 groups, else de-duplicated
//!   `(group, trace)` pairs).
//!
//! Results are bit-identical to sorting each group's values (see the property tests in
//! `tests/reference.rs`).

use std::cell::OnceCell;

use crate::filter::{Filter, NO_GEN, Selection, select};
use crate::intern::{NONE, Sym};
use crate::quantile::{
    LatencyStats, P50, P75, P90, P95, P99, P999, Quantile, TtftStats, nearest_rank_index,
};
use crate::radix::{order_key, sort_by_key, sort_pairs_u32};
use crate::rollup::{
    CACHED, INPUT, KeyCost, KeyUnits, OUTPUT, REASONING, Stats, TOTAL, Tokens, usage_key_classes,
};
use crate::row::Level;
use crate::store::{
    COST_TOTAL_DERIVED, GenRec, MS_ESCAPE, MS_NONE, RowFlags, Store, TOTAL_KEY, gk,
};
use crate::trace::{TraceIndex, severity};

/// Sentinel duration / first-token time: missing.
pub(crate) const NO_MS: i64 = i64::MIN;

/// A selected generation row.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RowFig {
    /// Index of the row in the selection.
    pub sel: u32,
    /// Index of its record in `Store::gens`.
    pub gen_index: u32,
}

/// The key layout of one kind of usage record (its usage-key shape and whether `total` is derived).
struct UsageLayout {
    /// Stored keys in order, then `TOTAL_KEY` when the total is derived.
    keys: Vec<Sym>,
    stored: usize,
    /// Token-class bits per key of `keys`.
    classes: Vec<u8>,
    has_total: bool,
    /// Bit set of `keys`.
    mask: Vec<u64>,
}

/// The key layout of one kind of cost record.
struct CostLayout {
    keys: Vec<Sym>,
    stored: usize,
    /// Position of the first `total` key, if any.
    total_at: Option<usize>,
    mask: Vec<u64>,
}

/// Layouts of the store's generation records, so that a row's values are read with no lookup.
struct Layouts {
    usage: Vec<UsageLayout>,
    /// Per generation-key symbol: its usage layout.
    usage_of_genkey: Vec<u32>,
    cost: Vec<CostLayout>,
    /// Per cost-shape value (`shape * 2 + derived`): its cost layout.
    cost_of_shape: Vec<u32>,
}

impl Layouts {
    fn new(store: &Store) -> Self {
        let d = &store.dicts;
        let n_keys = d.usage_keys.len();
        let words = n_keys.div_ceil(64).max(1);
        let classes: Vec<u8> = d
            .usage_keys
            .iter()
            .map(|(_, k)| usage_key_classes(k))
            .collect();
        let mask_of = |keys: &[Sym]| {
            let mut m = vec![0u64; words];
            for &k in keys {
                if let Some(w) = m.get_mut(k as usize / 64) {
                    *w |= 1 << (k % 64);
                }
            }
            m
        };
        let mut usage = Vec::new();
        let mut usage_index: hashbrown::HashMap<(Sym, bool), u32> = hashbrown::HashMap::new();
        let usage_of_genkey = d
            .genkeys
            .entries()
            .iter()
            .map(|key| {
                let derived = key[gk::FLAGS] & gk::USAGE_TOTAL_DERIVED != 0;
                *usage_index
                    .entry((key[gk::USAGE_SHAPE], derived))
                    .or_insert_with(|| {
                        let mut keys = d.shapes.resolve(key[gk::USAGE_SHAPE]).to_vec();
                        let stored = keys.len();
                        if derived {
                            keys.push(TOTAL_KEY);
                        }
                        let cls: Vec<u8> = keys
                            .iter()
                            .map(|&k| classes.get(k as usize).copied().unwrap_or(0))
                            .collect();
                        usage.push(UsageLayout {
                            has_total: cls.iter().any(|&c| c & TOTAL != 0),
                            mask: mask_of(&keys),
                            classes: cls,
                            keys,
                            stored,
                        });
                        (usage.len() - 1) as u32
                    })
            })
            .collect();
        let mut cost = Vec::new();
        let cost_of_shape = (0..d.shapes.len() as u32 * 2)
            .map(|v| {
                let derived = v & 1 == 1;
                let mut keys = d.shapes.resolve(v / 2).to_vec();
                let stored = keys.len();
                if derived {
                    keys.push(TOTAL_KEY);
                }
                cost.push(CostLayout {
                    total_at: keys.iter().position(|&k| k == TOTAL_KEY),
                    mask: mask_of(&keys),
                    keys,
                    stored,
                });
                (cost.len() - 1) as u32
            })
            .collect();
        Self {
            usage,
            usage_of_genkey,
            cost,
            cost_of_shape,
        }
    }

    /// The (usage, cost) layout indexes of one generation record; `u32::MAX` where it has none.
    #[inline]
    fn of(&self, g: &GenRec) -> (u32, u32) {
        let usage = self
            .usage_of_genkey
            .get(g.key as usize)
            .copied()
            .unwrap_or(u32::MAX);
        let shape = (g.cost_shape & !COST_TOTAL_DERIVED) as usize;
        let cost = self
            .cost_of_shape
            .get(shape * 2 + usize::from(g.cost_shape & COST_TOTAL_DERIVED != 0))
            .copied()
            .unwrap_or(u32::MAX);
        (usage, cost)
    }
}

/// One generation row's values, read from the store (see [`Prepared::values`]).
#[derive(Default)]
pub(crate) struct FigValues {
    /// (usage key, units), a derived `total` last.
    pub usage: Vec<(Sym, u64)>,
    /// (cost key, USD), a derived `total` last.
    pub cost: Vec<(Sym, f64)>,
    pub tokens: Tokens,
    /// The `total` cost key, else the sum of the cost keys.
    pub cost_usd: f64,
    pub estimated: bool,
    /// Layout indices (for the key bit sets).
    usage_layout: u32,
    cost_layout: u32,
}

/// Generation rows decoded once per chunk of [`CHUNK`] rows and shared by every grouping: the chunk
/// stays in cache while each grouping's tight loop reads it.
#[derive(Default)]
struct GenChunk {
    figs: Vec<ChunkFig>,
    /// Usage values of the chunk's rows, each row's in its layout's key order (derived total last).
    usage: Vec<u64>,
    /// Cost values, likewise.
    cost: Vec<f64>,
}

/// One decoded generation row.
#[derive(Clone, Copy)]
struct ChunkFig {
    sel: u32,
    usage_layout: u32,
    cost_layout: u32,
    usage_at: u32,
    cost_at: u32,
    /// The row's `total` tokens (its `total` key, else the sum of its keys).
    total_tokens: u64,
    cost_usd: f64,
    estimated: bool,
    /// Output tokens and duration counted for tokens per second (both 0 when not counted).
    tps_tokens: u64,
    tps_ms: i64,
}

/// Generation rows per chunk.
const CHUNK: usize = 1024;

/// Row counts of one group (or trace).
#[derive(Clone, Copy, Default)]
struct Counts {
    observations: u32,
    errors: u32,
    warnings: u32,
    /// Rows with a duration.
    timed: u32,
}

/// A filtered selection with everything the aggregations share.
pub(crate) struct Prepared<'s> {
    pub store: &'s Store,
    pub traces: &'s TraceIndex,
    pub sel: Selection,
    /// Per selected row: `Level as u8`.
    pub level: Vec<u8>,
    /// Per selected row: duration in ms, or [`NO_MS`].
    pub duration_ms: Vec<i64>,
    /// Per selected row: its trace symbol.
    pub trace_of: Vec<Sym>,
    /// The selected generation rows, in selection order.
    pub figs: Vec<RowFig>,
    /// Selection indices of ERROR and WARNING observations, and of observations without a duration.
    pub errors: Vec<u32>,
    pub warnings: Vec<u32>,
    untimed: Vec<u32>,
    /// Selection indices with a duration, ascending by duration (stable), and those durations.
    pub by_duration: Vec<u32>,
    pub duration_sorted: Vec<i64>,
    /// Selection indices with a first-token time, ascending (stable), and those times.
    pub by_ttft: Vec<u32>,
    pub ttft_sorted: Vec<i64>,
    /// The traces with at least one kept row, in ascending trace latency.
    pub run_trace: Vec<Sym>,
    /// The same traces in symbol order (per-trace arrays are read sequentially then).
    kept_traces: Vec<Sym>,
    layouts: Layouts,
    /// Row counts per trace, made on first use by a trace-level grouping.
    trace_counts: OnceCell<Vec<Counts>>,
}

/// `(order, values)` of the non-missing `values`, ascending and stable.
fn sorted_order(values: &[i64]) -> (Vec<u32>, Vec<i64>) {
    // Millisecond figures almost always fit a `u32`: sort 8-byte pairs then.
    let fits = values
        .iter()
        .all(|&v| v == NO_MS || (0..=i64::from(u32::MAX)).contains(&v));
    if fits {
        let pairs: Vec<(u32, u32)> = values
            .iter()
            .enumerate()
            .filter(|&(_, &v)| v != NO_MS)
            .map(|(i, &v)| (v as u32, i as u32))
            .collect();
        let pairs = sort_pairs_u32(pairs);
        let order = pairs.iter().map(|&(_, i)| i).collect();
        let sorted = pairs.iter().map(|&(v, _)| i64::from(v)).collect();
        return (order, sorted);
    }
    let pairs: Vec<(u64, u32)> = values
        .iter()
        .enumerate()
        .filter(|&(_, &v)| v != NO_MS)
        .map(|(i, &v)| (order_key(v), i as u32))
        .collect();
    let order = sort_by_key(pairs);
    let sorted = order
        .iter()
        .map(|&i| values.get(i as usize).copied().unwrap_or(0))
        .collect();
    (order, sorted)
}

impl<'s> Prepared<'s> {
    pub(crate) fn new(store: &'s Store, filter: &Filter) -> Self {
        Self::from_selection(store, select(store, filter))
    }

    pub(crate) fn from_selection(store: &'s Store, sel: Selection) -> Self {
        let traces = store.traces();
        let n = sel.rows.len();
        let mut level = Vec::with_capacity(n);
        let mut duration_ms = Vec::with_capacity(n);
        let mut trace_of = Vec::with_capacity(n);
        let mut ttft_ms = Vec::with_capacity(n);
        let mut figs = Vec::new();
        let mut errors = Vec::new();
        let mut warnings = Vec::new();
        let mut untimed = Vec::new();
        for (i, (&row, &gi)) in sel.rows.iter().zip(&sel.gens).enumerate() {
            let r = row as usize;
            let lvl = store.level.get(r).copied().unwrap_or(Level::Default);
            if lvl == Level::Error {
                errors.push(i as u32);
            } else if lvl == Level::Warning {
                warnings.push(i as u32);
            }
            level.push(lvl as u8);
            let d = match store.dur_ms.get(r).copied() {
                Some(d) if d < MS_ESCAPE => i64::from(d),
                Some(MS_ESCAPE) => store.dur_big.get(&row).copied().unwrap_or(NO_MS),
                _ => NO_MS,
            };
            if d == NO_MS {
                untimed.push(i as u32);
            }
            duration_ms.push(d);
            trace_of.push(store.trace.get(r).copied().unwrap_or(NONE));
            let ttft = match (gi != NO_GEN)
                .then(|| store.gens.get(gi as usize))
                .flatten()
            {
                Some(g) => {
                    figs.push(RowFig {
                        sel: i as u32,
                        gen_index: gi,
                    });
                    match g.ttft_ms {
                        MS_NONE => NO_MS,
                        _ => store.ttft_ms(g).unwrap_or(NO_MS),
                    }
                }
                None => NO_MS,
            };
            ttft_ms.push(ttft);
        }
        let (by_duration, duration_sorted) = sorted_order(&duration_ms);
        let (by_ttft, ttft_sorted) = sorted_order(&ttft_ms);
        drop(ttft_ms);

        // Traces with kept rows, in the cached latency order and in symbol order.
        let (run_trace, kept_traces): (Vec<Sym>, Vec<Sym>) = if n == store.len() {
            let kept = (0..traces.len() as Sym)
                .filter(|&t| traces.observations.get(t as usize).is_some_and(|&c| c > 0))
                .collect();
            (traces.by_latency.clone(), kept)
        } else {
            let mut kept = vec![false; traces.len()];
            for &t in &trace_of {
                if let Some(k) = kept.get_mut(t as usize) {
                    *k = true;
                }
            }
            let is_kept = |t: Sym| kept.get(t as usize).copied().unwrap_or(false);
            (
                traces
                    .by_latency
                    .iter()
                    .copied()
                    .filter(|&t| is_kept(t))
                    .collect(),
                (0..traces.len() as Sym).filter(|&t| is_kept(t)).collect(),
            )
        };

        Self {
            store,
            traces,
            sel,
            level,
            duration_ms,
            trace_of,
            figs,
            errors,
            warnings,
            untimed,
            by_duration,
            duration_sorted,
            by_ttft,
            ttft_sorted,
            run_trace,
            kept_traces,
            layouts: Layouts::new(store),
            trace_counts: OnceCell::new(),
        }
    }

    /// Reads a generation row's usage and cost values (exact, derived totals last), its tokens by
    /// class and its cost, into `out`.
    pub(crate) fn values(&self, fig: RowFig, out: &mut FigValues) {
        out.usage.clear();
        out.cost.clear();
        out.tokens = Tokens::default();
        out.cost_usd = 0.0;
        let store = self.store;
        let Some(g) = store.gens.get(fig.gen_index as usize) else {
            return;
        };
        out.estimated = store
            .flags
            .get(g.row as usize)
            .is_some_and(|f| f & RowFlags::COST_ESTIMATED != 0);
        let l = &self.layouts;
        let (ui, ci) = l.of(g);
        out.usage_layout = ui;
        out.cost_layout = ci;
        let off = g.off as usize;
        let mut stored_usage = 0;
        if let Some(u) = l.usage.get(ui as usize) {
            stored_usage = u.stored;
            let slots = store.vals.get(off..off + u.stored).unwrap_or(&[]);
            let mut sum = 0u64;
            for (j, (&k, &v)) in u.keys.iter().zip(slots).enumerate() {
                let units = if v == u32::MAX {
                    store.big.get(&(g.off + j as u32)).copied().unwrap_or(0)
                } else {
                    u64::from(v)
                };
                sum = sum.saturating_add(units);
                out.usage.push((k, units));
            }
            if u.keys.len() > u.stored {
                out.usage.push((TOTAL_KEY, sum));
            }
            let t = &mut out.tokens;
            for (&(_, units), &c) in out.usage.iter().zip(&u.classes) {
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
                }
            }
            if !u.has_total {
                t.total = out
                    .usage
                    .iter()
                    .fold(0u64, |acc, &(_, v)| acc.saturating_add(v));
            }
        }
        if let Some(c) = l.cost.get(ci as usize) {
            let base = off + stored_usage;
            let slots = store.vals.get(base..base + 2 * c.stored).unwrap_or(&[]);
            let mut sum = 0.0;
            for (&k, pair) in c.keys.iter().zip(slots.chunks_exact(2)) {
                let usd = f64::from_bits(u64::from(pair[0]) | u64::from(pair[1]) << 32);
                sum += usd;
                out.cost.push((k, usd));
            }
            if c.keys.len() > c.stored {
                out.cost.push((TOTAL_KEY, sum));
            }
            out.cost_usd = match c.total_at {
                Some(at) => out.cost.get(at).map_or(0.0, |&(_, v)| v),
                None => out.cost.iter().map(|&(_, v)| v).sum(),
            };
        }
    }

    /// Decodes `figs` into `out` (cleared first).
    fn decode_chunk(&self, figs: &[RowFig], out: &mut GenChunk) {
        out.figs.clear();
        out.usage.clear();
        out.cost.clear();
        let store = self.store;
        let l = &self.layouts;
        for &fig in figs {
            let Some(g) = store.gens.get(fig.gen_index as usize) else {
                continue;
            };
            let (usage_layout, cost_layout) = l.of(g);
            let usage_at = out.usage.len() as u32;
            let cost_at = out.cost.len() as u32;
            let off = g.off as usize;
            let (mut total_tokens, mut output, mut stored_usage) = (0u64, 0u64, 0usize);
            if let Some(u) = l.usage.get(usage_layout as usize) {
                stored_usage = u.stored;
                let slots = store.vals.get(off..off + u.stored).unwrap_or(&[]);
                let mut sum = 0u64;
                for (j, &v) in slots.iter().enumerate() {
                    let units = if v == u32::MAX {
                        store.big.get(&(g.off + j as u32)).copied().unwrap_or(0)
                    } else {
                        u64::from(v)
                    };
                    sum = sum.saturating_add(units);
                    out.usage.push(units);
                }
                if u.keys.len() > u.stored {
                    out.usage.push(sum);
                }
                let values = out.usage.get(usage_at as usize..).unwrap_or(&[]);
                let (mut total_keys, mut all) = (0u64, 0u64);
                for (&units, &c) in values.iter().zip(&u.classes) {
                    if c & OUTPUT != 0 {
                        output = output.saturating_add(units);
                    }
                    if c & TOTAL != 0 {
                        total_keys = total_keys.saturating_add(units);
                    }
                    all = all.saturating_add(units);
                }
                total_tokens = if u.has_total { total_keys } else { all };
            }
            let mut cost_usd = 0.0;
            if let Some(c) = l.cost.get(cost_layout as usize) {
                let base = off + stored_usage;
                let slots = store.vals.get(base..base + 2 * c.stored).unwrap_or(&[]);
                let mut sum = 0.0;
                for pair in slots.chunks_exact(2) {
                    let usd = f64::from_bits(u64::from(pair[0]) | u64::from(pair[1]) << 32);
                    sum += usd;
                    out.cost.push(usd);
                }
                if c.keys.len() > c.stored {
                    out.cost.push(sum);
                }
                cost_usd = match c.total_at {
                    Some(at) => out.cost.get(cost_at as usize + at).copied().unwrap_or(0.0),
                    None => sum,
                };
            }
            let dur = self
                .duration_ms
                .get(fig.sel as usize)
                .copied()
                .unwrap_or(NO_MS);
            let counted = dur > 0 && output > 0;
            out.figs.push(ChunkFig {
                sel: fig.sel,
                usage_layout,
                cost_layout,
                usage_at,
                cost_at,
                total_tokens,
                cost_usd,
                estimated: store
                    .flags
                    .get(g.row as usize)
                    .is_some_and(|f| f & RowFlags::COST_ESTIMATED != 0),
                tps_tokens: if counted { output } else { 0 },
                tps_ms: if counted { dur } else { 0 },
            });
        }
    }

    /// Row counts per trace (made once per query).
    fn trace_counts(&self) -> &[Counts] {
        self.trace_counts.get_or_init(|| {
            let mut counts = vec![Counts::default(); self.traces.len()];
            for &t in &self.trace_of {
                if let Some(c) = counts.get_mut(t as usize) {
                    c.observations += 1;
                    c.timed += 1;
                }
            }
            let trace = |i: u32| self.trace_of.get(i as usize).copied().unwrap_or(NONE) as usize;
            for &i in &self.untimed {
                if let Some(c) = counts.get_mut(trace(i)) {
                    c.timed -= 1;
                }
            }
            for &i in &self.errors {
                if let Some(c) = counts.get_mut(trace(i)) {
                    c.errors += 1;
                }
            }
            for &i in &self.warnings {
                if let Some(c) = counts.get_mut(trace(i)) {
                    c.warnings += 1;
                }
            }
            counts
        })
    }
}

/// How the selected rows fall into groups.
enum Ids {
    /// Every row in group 0 (the overview).
    Whole,
    /// Group id per selected row (`u32::MAX`: none).
    Rows(Vec<u32>),
    /// Group id per trace symbol (trace-level dimensions; `u32::MAX`: none).
    Traces(Vec<u32>),
    /// Several groups per row: `gids[offsets[i]..offsets[i + 1]]` for selected row `i`.
    Multi { offsets: Vec<u32>, gids: Vec<u32> },
}

/// Which groups each selected row belongs to.
pub(crate) struct Grouping {
    /// Symbol (or bucket index) of each group.
    pub keys: Vec<Sym>,
    ids: Ids,
}

impl Grouping {
    /// One group holding every row.
    pub(crate) fn whole() -> Self {
        Self {
            keys: vec![0],
            ids: Ids::Whole,
        }
    }

    /// Group id per selected row.
    pub(crate) fn single(gids: Vec<u32>, keys: Vec<Sym>) -> Self {
        Self {
            keys,
            ids: Ids::Rows(gids),
        }
    }

    /// Group id per trace symbol: every row of a trace falls in its trace's group.
    pub(crate) fn by_trace(gid_of_trace: Vec<u32>, keys: Vec<Sym>) -> Self {
        Self {
            keys,
            ids: Ids::Traces(gid_of_trace),
        }
    }

    /// Several groups per row.
    pub(crate) fn multi(offsets: Vec<u32>, gids: Vec<u32>, keys: Vec<Sym>) -> Self {
        Self {
            keys,
            ids: Ids::Multi { offsets, gids },
        }
    }

    /// The group of trace `t` when it is fixed by the trace (overview, trace-level dimensions).
    fn of_trace(&self, t: Sym) -> Option<u32> {
        match &self.ids {
            Ids::Whole => Some(0),
            Ids::Traces(tg) => Some(tg.get(t as usize).copied().unwrap_or(u32::MAX)),
            Ids::Rows(_) | Ids::Multi { .. } => None,
        }
    }
}

/// The groups of selected row `i`, for one kind of grouping (monomorphised, so inner loops stay
/// tight).
trait Groups {
    fn each(&self, i: u32, f: impl FnMut(u32));
}

/// Every row in group 0.
struct Whole;

impl Groups for Whole {
    #[inline(always)]
    fn each(&self, _: u32, mut f: impl FnMut(u32)) {
        f(0);
    }
}

/// A group id per selected row.
struct Single<'a>(&'a [u32]);

impl Groups for Single<'_> {
    #[inline(always)]
    fn each(&self, i: u32, mut f: impl FnMut(u32)) {
        if let Some(&g) = self.0.get(i as usize) {
            f(g);
        }
    }
}

/// A group id per trace.
struct ByTrace<'a> {
    trace_of: &'a [Sym],
    gid_of_trace: &'a [u32],
}

impl Groups for ByTrace<'_> {
    #[inline(always)]
    fn each(&self, i: u32, mut f: impl FnMut(u32)) {
        if let Some(&t) = self.trace_of.get(i as usize)
            && let Some(&g) = self.gid_of_trace.get(t as usize)
        {
            f(g);
        }
    }
}

/// Several group ids per selected row.
struct Multi<'a> {
    offsets: &'a [u32],
    gids: &'a [u32],
}

impl Groups for Multi<'_> {
    #[inline(always)]
    fn each(&self, i: u32, mut f: impl FnMut(u32)) {
        let i = i as usize;
        let (s, e) = (
            self.offsets.get(i).copied().unwrap_or(0),
            self.offsets.get(i + 1).copied().unwrap_or(0),
        );
        for &g in self.gids.get(s as usize..e as usize).unwrap_or(&[]) {
            f(g);
        }
    }
}

/// Work to run with a grouping's [`Groups`] (a generic method, which closures cannot have).
trait Visit {
    type Out;
    fn visit(self, groups: &impl Groups) -> Self::Out;
}

impl Grouping {
    /// Runs `v` with this grouping's [`Groups`].
    fn visit<V: Visit>(&self, trace_of: &[Sym], v: V) -> V::Out {
        match &self.ids {
            Ids::Whole => v.visit(&Whole),
            Ids::Rows(gids) => v.visit(&Single(gids)),
            Ids::Traces(gid_of_trace) => v.visit(&ByTrace {
                trace_of,
                gid_of_trace,
            }),
            Ids::Multi { offsets, gids } => v.visit(&Multi { offsets, gids }),
        }
    }
}

/// Per-group sums by usage and cost key, and which keys each group has: dense `groups × keys` cells
/// when that is small, else maps (a group-by on a high-cardinality dimension must not allocate
/// groups × keys cells).
struct KeyTotals {
    keys: usize,
    dense: bool,
    usage: Vec<u64>,
    cost: Vec<f64>,
    usage_map: hashbrown::HashMap<(u32, Sym), u64>,
    cost_map: hashbrown::HashMap<(u32, Sym), f64>,
    usage_sets: KeySets,
    cost_sets: KeySets,
}

/// Dense cells a key table may always use; more only up to [`DENSE_CELLS_PER_ROW`] per kept row.
const DENSE_CELLS: usize = 1 << 20;
/// Dense cells per kept row beyond [`DENSE_CELLS`] (the per-trace sums have traces × keys cells).
const DENSE_CELLS_PER_ROW: usize = 2;

impl KeyTotals {
    /// A table for `groups` × `keys`, dense when that fits [`DENSE_CELLS`] or `rows` × 2 cells.
    fn new(groups: usize, keys: usize, rows: usize) -> Self {
        let cells = groups.saturating_mul(keys);
        let dense = cells <= DENSE_CELLS.max(rows.saturating_mul(DENSE_CELLS_PER_ROW));
        Self {
            keys,
            dense,
            usage: if dense { vec![0; cells] } else { Vec::new() },
            cost: if dense { vec![0.0; cells] } else { Vec::new() },
            usage_map: hashbrown::HashMap::new(),
            cost_map: hashbrown::HashMap::new(),
            usage_sets: KeySets::new(groups, keys),
            cost_sets: KeySets::new(groups, keys),
        }
    }

    /// Adds one decoded generation row (keys from its layouts) to group `g`.
    #[inline(always)]
    fn add_row(&mut self, g: u32, u: &UsageLayout, uvals: &[u64], c: &CostLayout, cvals: &[f64]) {
        self.usage_sets.union(g, &u.mask);
        self.cost_sets.union(g, &c.mask);
        if self.dense {
            let base = g as usize * self.keys;
            if let Some(row) = self.usage.get_mut(base..base + self.keys) {
                for (&k, &units) in u.keys.iter().zip(uvals) {
                    if let Some(x) = row.get_mut(k as usize) {
                        *x = x.saturating_add(units);
                    }
                }
            }
            if let Some(row) = self.cost.get_mut(base..base + self.keys) {
                for (&k, &usd) in c.keys.iter().zip(cvals) {
                    if let Some(x) = row.get_mut(k as usize) {
                        *x += usd;
                    }
                }
            }
        } else {
            for (&k, &units) in u.keys.iter().zip(uvals) {
                let x = self.usage_map.entry((g, k)).or_default();
                *x = x.saturating_add(units);
            }
            for (&k, &usd) in c.keys.iter().zip(cvals) {
                *self.cost_map.entry((g, k)).or_default() += usd;
            }
        }
    }

    /// Adds group `from_g` of `from` (same keys) to group `g`.
    fn merge(&mut self, g: u32, from: &KeyTotals, from_g: u32) {
        let (gi, fi) = (g as usize, from_g as usize);
        let w = from.usage_sets.words;
        if let Some(bits) = from.usage_sets.bits.get(fi * w..(fi + 1) * w) {
            self.usage_sets.union(g, bits);
        }
        if let Some(bits) = from.cost_sets.bits.get(fi * w..(fi + 1) * w) {
            self.cost_sets.union(g, bits);
        }
        let k = self.keys;
        if self.dense && from.dense {
            if let (Some(to), Some(src)) = (
                self.usage.get_mut(gi * k..(gi + 1) * k),
                from.usage.get(fi * k..(fi + 1) * k),
            ) {
                for (t, &v) in to.iter_mut().zip(src) {
                    *t = t.saturating_add(v);
                }
            }
            if let (Some(to), Some(src)) = (
                self.cost.get_mut(gi * k..(gi + 1) * k),
                from.cost.get(fi * k..(fi + 1) * k),
            ) {
                for (t, &v) in to.iter_mut().zip(src) {
                    *t += v;
                }
            }
            return;
        }
        for key in from.usage_sets.keys(fi) {
            let units = from.units(fi, key);
            if self.dense {
                if let Some(x) = self.usage.get_mut(gi * k + key as usize) {
                    *x = x.saturating_add(units);
                }
            } else {
                let x = self.usage_map.entry((g, key)).or_default();
                *x = x.saturating_add(units);
            }
        }
        for key in from.cost_sets.keys(fi) {
            let usd = from.usd(fi, key);
            if self.dense {
                if let Some(x) = self.cost.get_mut(gi * k + key as usize) {
                    *x += usd;
                }
            } else {
                *self.cost_map.entry((g, key)).or_default() += usd;
            }
        }
    }

    fn units(&self, g: usize, k: Sym) -> u64 {
        if self.dense {
            self.usage
                .get(g * self.keys + k as usize)
                .copied()
                .unwrap_or(0)
        } else {
            self.usage_map.get(&(g as u32, k)).copied().unwrap_or(0)
        }
    }

    fn usd(&self, g: usize, k: Sym) -> f64 {
        if self.dense {
            self.cost
                .get(g * self.keys + k as usize)
                .copied()
                .unwrap_or(0.0)
        } else {
            self.cost_map.get(&(g as u32, k)).copied().unwrap_or(0.0)
        }
    }
}

/// Which keys each group has, as bit sets of `words` 64-bit words per group.
struct KeySets {
    words: usize,
    bits: Vec<u64>,
}

impl KeySets {
    fn new(groups: usize, keys: usize) -> Self {
        let words = keys.div_ceil(64).max(1);
        Self {
            words,
            bits: vec![0; groups.saturating_mul(words)],
        }
    }

    #[inline(always)]
    fn union(&mut self, g: u32, mask: &[u64]) {
        if self.words == 1 {
            if let (Some(t), Some(&m)) = (self.bits.get_mut(g as usize), mask.first()) {
                *t |= m;
            }
            return;
        }
        let s = g as usize * self.words;
        if let Some(to) = self.bits.get_mut(s..s + self.words) {
            for (t, &m) in to.iter_mut().zip(mask) {
                *t |= m;
            }
        }
    }

    fn keys(&self, g: usize) -> impl Iterator<Item = Sym> + '_ {
        let s = g * self.words;
        self.bits
            .get(s..s + self.words)
            .unwrap_or(&[])
            .iter()
            .enumerate()
            .flat_map(|(w, &bits)| {
                let mut b = bits;
                core::iter::from_fn(move || {
                    (b != 0).then(|| {
                        let k = (w * 64) as Sym + b.trailing_zeros();
                        b &= b - 1;
                        k
                    })
                })
            })
    }
}

/// The quantile levels of [`LatencyStats`], ascending.
const LATENCY_LEVELS: [Quantile; 6] = [P50, P75, P90, P95, P99, P999];

/// One group's state in a walk of values in ascending order: it counts what it has seen and keeps the
/// value at each of its nearest ranks (known up front from its count).
#[derive(Clone, Copy)]
struct Rank<const Q: usize> {
    seen: u32,
    next: u32,
    /// One-based ranks, ascending (levels ascend).
    target: [u32; Q],
    value: [i64; Q],
    sum: i128,
    max: i64,
}

/// Rank states of every group, made from the groups' value counts.
fn ranks<const Q: usize>(
    counts: impl Iterator<Item = u32>,
    levels: &[Quantile; Q],
) -> Vec<Rank<Q>> {
    counts
        .map(|n| {
            let mut target = [0u32; Q];
            for (t, &q) in target.iter_mut().zip(levels) {
                *t = if n == 0 {
                    0
                } else {
                    nearest_rank_index(n as usize, q) as u32 + 1
                };
            }
            Rank {
                seen: 0,
                next: 0,
                target,
                value: [0; Q],
                sum: 0,
                max: i64::MIN,
            }
        })
        .collect()
}

impl<const Q: usize> Rank<Q> {
    /// Takes the next value of this group (values arrive ascending).
    #[inline(always)]
    fn push(&mut self, v: i64) {
        self.seen += 1;
        self.sum += i128::from(v);
        self.max = v;
        while let Some(&t) = self.target.get(self.next as usize) {
            if t != self.seen {
                break;
            }
            if let Some(slot) = self.value.get_mut(self.next as usize) {
                *slot = v;
            }
            self.next += 1;
        }
    }

    fn latency(&self) -> Option<LatencyStats> {
        if self.seen == 0 {
            return None;
        }
        let at = |i: usize| self.value.get(i).copied().unwrap_or(self.max);
        Some(LatencyStats {
            count: u64::from(self.seen),
            mean: self.sum as f64 / f64::from(self.seen),
            p50: at(0),
            p75: at(1),
            p90: at(2),
            p95: at(3),
            p99: at(4),
            p999: at(5),
            max: self.max,
        })
    }
}

/// Quantile summary of a whole ascending list (the overview: no walk needed).
fn latency_of_sorted(sorted: &[i64]) -> Option<LatencyStats> {
    let sum: i128 = sorted.iter().map(|&v| i128::from(v)).sum();
    LatencyStats::from_sorted(sorted, sum)
}

/// Per-group sums over generation rows (tokens are derived from the by-key sums at the end).
#[derive(Clone, Copy, Default)]
struct GenAcc {
    /// Σ tokens.total (the per-row `total` rule cannot be derived from key sums).
    total_tokens: u64,
    cost_usd: f64,
    estimated: u64,
    tps_tokens: u128,
    tps_ms: i128,
}

impl GenAcc {
    fn merge(&mut self, o: &GenAcc) {
        self.total_tokens = self.total_tokens.saturating_add(o.total_tokens);
        self.cost_usd += o.cost_usd;
        self.estimated += o.estimated;
        self.tps_tokens += o.tps_tokens;
        self.tps_ms += o.tps_ms;
    }
}

/// One grouping's accumulators.
struct Part<'g> {
    grouping: &'g Grouping,
    counts: Vec<Counts>,
    gens: Vec<GenAcc>,
    totals: KeyTotals,
    latency: Vec<Option<LatencyStats>>,
    ttft: Vec<Option<TtftStats>>,
}

impl Part<'_> {
    fn len(&self) -> usize {
        self.counts.len()
    }

    fn is_whole(&self) -> bool {
        matches!(self.grouping.ids, Ids::Whole)
    }
}

/// [`Stats`] for every group of `grouping`, indexed like `grouping.keys`.
pub(crate) fn aggregate(p: &Prepared<'_>, grouping: &Grouping) -> Vec<Stats> {
    aggregate_many(p, &[grouping]).pop().unwrap_or_default()
}

/// [`Stats`] for every group of each grouping, computed together (each row and generation record is
/// read once for all of them).
pub(crate) fn aggregate_many(p: &Prepared<'_>, groupings: &[&Grouping]) -> Vec<Vec<Stats>> {
    let n_keys = p.store.dicts.usage_keys.len();
    let mut parts: Vec<Part<'_>> = groupings
        .iter()
        .map(|&grouping| {
            let n = grouping.keys.len();
            Part {
                grouping,
                counts: count_rows(p, grouping, n),
                gens: vec![GenAcc::default(); n],
                totals: KeyTotals::new(n, n_keys, p.trace_of.len()),
                latency: Vec::new(),
                ttft: Vec::new(),
            }
        })
        .collect();
    // Trace-level groupings add up traces: generation rows are summed per trace once, then folded.
    let trace_level = |part: &Part<'_>| matches!(part.grouping.ids, Ids::Whole | Ids::Traces(_));
    let n_traces = p.traces.len();
    let by_trace = parts.iter().any(trace_level).then(|| {
        let ids: Vec<u32> = (0..n_traces as u32).collect();
        Grouping::by_trace(ids.clone(), ids)
    });
    let mut trace_sums = by_trace.as_ref().map(|grouping| Part {
        grouping,
        counts: Vec::new(),
        gens: vec![GenAcc::default(); n_traces],
        totals: KeyTotals::new(n_traces, n_keys, p.trace_of.len()),
        latency: Vec::new(),
        ttft: Vec::new(),
    });
    {
        let mut adding: Vec<&mut Part<'_>> = parts.iter_mut().filter(|x| !trace_level(x)).collect();
        if let Some(t) = trace_sums.as_mut() {
            adding.push(t);
        }
        add_generations(p, &mut adding);
    }
    if let Some(t) = &trace_sums {
        for part in parts.iter_mut().filter(|x| trace_level(x)) {
            for &tr in &p.kept_traces {
                let g = part.grouping.of_trace(tr).unwrap_or(u32::MAX);
                if let (Some(a), Some(from)) =
                    (part.gens.get_mut(g as usize), t.gens.get(tr as usize))
                {
                    a.merge(from);
                    part.totals.merge(g, &t.totals, tr);
                }
            }
        }
    }
    walk_quantiles(p, &mut parts);
    parts
        .iter_mut()
        .map(|part| {
            let traces = trace_figures(p, part.len(), part.grouping);
            assemble(p, part, traces)
        })
        .collect()
}

/// Observations, errors, warnings and timed rows per group.
#[inline(never)]
fn count_rows(p: &Prepared<'_>, grouping: &Grouping, n_groups: usize) -> Vec<Counts> {
    let mut counts = vec![Counts::default(); n_groups];
    match &grouping.ids {
        Ids::Whole | Ids::Traces(_) => {
            let per_trace = p.trace_counts();
            for &t in &p.kept_traces {
                let g = grouping.of_trace(t).unwrap_or(u32::MAX);
                if let (Some(c), Some(from)) =
                    (counts.get_mut(g as usize), per_trace.get(t as usize))
                {
                    c.observations += from.observations;
                    c.errors += from.errors;
                    c.warnings += from.warnings;
                    c.timed += from.timed;
                }
            }
        }
        Ids::Rows(gids) => {
            for &g in gids {
                if let Some(c) = counts.get_mut(g as usize) {
                    c.observations += 1;
                    c.timed += 1;
                }
            }
            let mut fix = |list: &[u32], f: fn(&mut Counts)| {
                for &i in list {
                    if let Some(c) = gids
                        .get(i as usize)
                        .and_then(|&g| counts.get_mut(g as usize))
                    {
                        f(c);
                    }
                }
            };
            fix(&p.untimed, |c| c.timed -= 1);
            fix(&p.errors, |c| c.errors += 1);
            fix(&p.warnings, |c| c.warnings += 1);
        }
        Ids::Multi { .. } => {
            counts = grouping.visit(&p.trace_of, CountRows { p, n_groups });
        }
    }
    counts
}

/// Row counts through a grouping's [`Groups`] (rows in several groups count in each).
struct CountRows<'a, 's> {
    p: &'a Prepared<'s>,
    n_groups: usize,
}

impl Visit for CountRows<'_, '_> {
    type Out = Vec<Counts>;

    fn visit(self, groups: &impl Groups) -> Vec<Counts> {
        let mut counts = vec![Counts::default(); self.n_groups];
        let p = self.p;
        for i in 0..p.trace_of.len() as u32 {
            groups.each(i, |g| {
                if let Some(c) = counts.get_mut(g as usize) {
                    c.observations += 1;
                    c.timed += 1;
                }
            });
        }
        for (list, f) in [
            (
                &p.untimed,
                (|c: &mut Counts| c.timed -= 1) as fn(&mut Counts),
            ),
            (&p.errors, |c: &mut Counts| c.errors += 1),
            (&p.warnings, |c: &mut Counts| c.warnings += 1),
        ] {
            for &i in list {
                groups.each(i, |g| {
                    if let Some(c) = counts.get_mut(g as usize) {
                        f(c);
                    }
                });
            }
        }
        counts
    }
}

/// Tokens, costs, by-key sums and output tokens per second: generation rows are decoded once per
/// chunk and each grouping's loop adds the chunk.
#[inline(never)]
fn add_generations(p: &Prepared<'_>, parts: &mut [&mut Part<'_>]) {
    let mut chunk = GenChunk::default();
    for figs in p.figs.chunks(CHUNK) {
        p.decode_chunk(figs, &mut chunk);
        for part in parts.iter_mut() {
            let Part {
                grouping,
                gens,
                totals,
                ..
            } = part;
            grouping.visit(
                &p.trace_of,
                AddChunk {
                    chunk: &chunk,
                    layouts: &p.layouts,
                    gens,
                    totals,
                },
            );
        }
    }
}

/// Adds a decoded chunk to one grouping.
struct AddChunk<'a> {
    chunk: &'a GenChunk,
    layouts: &'a Layouts,
    gens: &'a mut [GenAcc],
    totals: &'a mut KeyTotals,
}

impl Visit for AddChunk<'_> {
    type Out = ();

    fn visit(self, groups: &impl Groups) {
        let AddChunk {
            chunk,
            layouts,
            gens,
            totals,
        } = self;
        for f in &chunk.figs {
            let (Some(u), Some(c)) = (
                layouts.usage.get(f.usage_layout as usize),
                layouts.cost.get(f.cost_layout as usize),
            ) else {
                continue;
            };
            let ua = f.usage_at as usize;
            let uvals = chunk.usage.get(ua..ua + u.keys.len()).unwrap_or(&[]);
            let ca = f.cost_at as usize;
            let cvals = chunk.cost.get(ca..ca + c.keys.len()).unwrap_or(&[]);
            groups.each(f.sel, |g| {
                if let Some(a) = gens.get_mut(g as usize) {
                    a.total_tokens = a.total_tokens.saturating_add(f.total_tokens);
                    a.cost_usd += f.cost_usd;
                    a.estimated += u64::from(f.estimated);
                    a.tps_tokens += u128::from(f.tps_tokens);
                    a.tps_ms += i128::from(f.tps_ms);
                    totals.add_row(g, u, uvals, c, cvals);
                }
            });
        }
    }
}

/// Counts per group of the rows listed in `order`.
struct CountListed<'a> {
    order: &'a [u32],
    n_groups: usize,
}

impl Visit for CountListed<'_> {
    type Out = Vec<u32>;

    fn visit(self, groups: &impl Groups) -> Vec<u32> {
        let mut counts = vec![0u32; self.n_groups];
        for &i in self.order {
            groups.each(i, |g| {
                if let Some(c) = counts.get_mut(g as usize) {
                    *c += 1;
                }
            });
        }
        counts
    }
}

/// Scatters ascending `values` (of selection rows `order`) into per-group segments of `out`, laid out
/// by `counts`, keeping the order within each group (a stable counting sort by group).
struct Scatter<'a> {
    order: &'a [u32],
    values: &'a [i64],
    counts: &'a [u32],
    out: &'a mut Vec<i64>,
}

impl Visit for Scatter<'_> {
    type Out = ();

    fn visit(self, groups: &impl Groups) {
        let mut cursor = Vec::with_capacity(self.counts.len());
        let mut total = 0usize;
        for &c in self.counts {
            cursor.push(total);
            total += c as usize;
        }
        self.out.clear();
        self.out.resize(total, 0);
        for (&i, &v) in self.order.iter().zip(self.values) {
            groups.each(i, |g| {
                if let Some(c) = cursor.get_mut(g as usize) {
                    if let Some(slot) = self.out.get_mut(*c) {
                        *slot = v;
                    }
                    *c += 1;
                }
            });
        }
    }
}

/// Per-group segments of a scattered buffer, by `counts`.
fn segments<'a>(out: &'a [i64], counts: &'a [u32]) -> impl Iterator<Item = &'a [i64]> + 'a {
    let mut at = 0usize;
    counts.iter().map(move |&c| {
        let s = out.get(at..at + c as usize).unwrap_or(&[]);
        at += c as usize;
        s
    })
}

/// Latency and first-token quantiles per group: the global ascending orders scattered stably into
/// per-group segments, so every quantile is an index lookup (the overview reads the sorted lists).
#[inline(never)]
fn walk_quantiles(p: &Prepared<'_>, parts: &mut [Part<'_>]) {
    let mut buf = Vec::new();
    for part in parts.iter_mut() {
        if part.is_whole() {
            continue;
        }
        let counts: Vec<u32> = part.counts.iter().map(|c| c.timed).collect();
        part.grouping.visit(
            &p.trace_of,
            Scatter {
                order: &p.by_duration,
                values: &p.duration_sorted,
                counts: &counts,
                out: &mut buf,
            },
        );
        part.latency = segments(&buf, &counts).map(latency_of_sorted).collect();
        let counts = part.grouping.visit(
            &p.trace_of,
            CountListed {
                order: &p.by_ttft,
                n_groups: part.len(),
            },
        );
        part.grouping.visit(
            &p.trace_of,
            Scatter {
                order: &p.by_ttft,
                values: &p.ttft_sorted,
                counts: &counts,
                out: &mut buf,
            },
        );
        part.ttft = segments(&buf, &counts)
            .map(TtftStats::from_sorted)
            .collect();
    }
}

/// Trace figures of one group.
struct TraceFigures {
    traces: u64,
    errors: u64,
    latency: Option<LatencyStats>,
}

/// Distinct traces, trace errors and trace latency quantiles per group.
#[inline(never)]
fn trace_figures(p: &Prepared<'_>, n_groups: usize, grouping: &Grouping) -> Vec<TraceFigures> {
    let t = p.traces;
    let error_severity = severity(Level::Error);
    let latency_of = |tr: Sym| t.latency_ms.get(tr as usize).copied().unwrap_or(0);
    let is_error = |tr: Sym| t.severity.get(tr as usize).copied() == Some(error_severity);
    let mut counts = vec![0u32; n_groups];
    let mut errors = vec![0u64; n_groups];
    let mut lat: Vec<Rank<6>>;
    match &grouping.ids {
        Ids::Whole => {
            // The kept traces are already in latency order.
            let sorted: Vec<i64> = p.run_trace.iter().map(|&tr| latency_of(tr)).collect();
            let errors = p.run_trace.iter().filter(|&&tr| is_error(tr)).count() as u64;
            return vec![TraceFigures {
                traces: p.run_trace.len() as u64,
                errors,
                latency: latency_of_sorted(&sorted),
            }];
        }
        Ids::Traces(_) => {
            let gid_of = |tr: Sym| grouping.of_trace(tr).unwrap_or(u32::MAX) as usize;
            for &tr in &p.run_trace {
                let g = gid_of(tr);
                if let Some(c) = counts.get_mut(g) {
                    *c += 1;
                }
                if let Some(e) = errors.get_mut(g) {
                    *e += u64::from(is_error(tr));
                }
            }
            lat = ranks(counts.iter().copied(), &LATENCY_LEVELS);
            for &tr in &p.run_trace {
                if let Some(r) = lat.get_mut(gid_of(tr)) {
                    r.push(latency_of(tr));
                }
            }
        }
        Ids::Rows(_) | Ids::Multi { .. } if n_groups <= 64 => {
            // A bit set per trace of the groups its kept rows fall in.
            let sets = grouping.visit(
                &p.trace_of,
                TraceSets {
                    trace_of: &p.trace_of,
                    n_traces: t.len(),
                    n_groups,
                },
            );
            for &tr in &p.run_trace {
                let e = u64::from(is_error(tr));
                let mut bits = sets.get(tr as usize).copied().unwrap_or(0);
                while bits != 0 {
                    let g = bits.trailing_zeros() as usize;
                    if let Some(c) = counts.get_mut(g) {
                        *c += 1;
                    }
                    if let Some(x) = errors.get_mut(g) {
                        *x += e;
                    }
                    bits &= bits - 1;
                }
            }
            lat = ranks(counts.iter().copied(), &LATENCY_LEVELS);
            for &tr in &p.run_trace {
                let v = latency_of(tr);
                let mut bits = sets.get(tr as usize).copied().unwrap_or(0);
                while bits != 0 {
                    if let Some(r) = lat.get_mut(bits.trailing_zeros() as usize) {
                        r.push(v);
                    }
                    bits &= bits - 1;
                }
            }
        }
        Ids::Rows(_) | Ids::Multi { .. } => {
            // (group, trace latency rank) pairs, de-duplicated after sorting; a trace's rows mostly
            // share a group, so remembering each trace's last group drops most repeats up front.
            let mut rank = vec![0u32; t.len()];
            for (r, &tr) in p.run_trace.iter().enumerate() {
                if let Some(slot) = rank.get_mut(tr as usize) {
                    *slot = r as u32;
                }
            }
            let mut pairs = grouping.visit(
                &p.trace_of,
                TracePairs {
                    trace_of: &p.trace_of,
                    rank: &rank,
                },
            );
            pairs.sort_unstable();
            pairs.dedup();
            for &pair in &pairs {
                let (g, rk) = ((pair >> 32) as usize, pair as u32 as usize);
                if let Some(c) = counts.get_mut(g) {
                    *c += 1;
                }
                let tr = p.run_trace.get(rk).copied().unwrap_or(NONE);
                if let Some(e) = errors.get_mut(g) {
                    *e += u64::from(is_error(tr));
                }
            }
            lat = ranks(counts.iter().copied(), &LATENCY_LEVELS);
            for &pair in &pairs {
                let (g, rk) = ((pair >> 32) as usize, pair as u32 as usize);
                let tr = p.run_trace.get(rk).copied().unwrap_or(NONE);
                if let Some(r) = lat.get_mut(g) {
                    r.push(latency_of(tr));
                }
            }
        }
    }
    counts
        .iter()
        .zip(errors)
        .zip(&lat)
        .map(|((&c, e), r)| TraceFigures {
            traces: u64::from(c),
            errors: e,
            latency: r.latency(),
        })
        .collect()
}

/// A bit set per trace of the groups (below 64) its kept rows fall in.
struct TraceSets<'a> {
    trace_of: &'a [Sym],
    n_traces: usize,
    n_groups: usize,
}

impl Visit for TraceSets<'_> {
    type Out = Vec<u64>;

    fn visit(self, groups: &impl Groups) -> Vec<u64> {
        let mut sets = vec![0u64; self.n_traces];
        for (i, &tr) in self.trace_of.iter().enumerate() {
            if let Some(s) = sets.get_mut(tr as usize) {
                groups.each(i as u32, |g| {
                    if (g as usize) < self.n_groups {
                        *s |= 1 << g;
                    }
                });
            }
        }
        sets
    }
}

/// `(group << 32 | trace latency rank)` pairs of the kept rows, with most repeats dropped (a trace's
/// rows mostly share a group, so each trace remembers its last group); not yet sorted or unique.
struct TracePairs<'a> {
    trace_of: &'a [Sym],
    rank: &'a [u32],
}

impl Visit for TracePairs<'_> {
    type Out = Vec<u64>;

    fn visit(self, groups: &impl Groups) -> Vec<u64> {
        let mut last = vec![u32::MAX; self.rank.len()];
        let mut pairs = Vec::new();
        for (i, &tr) in self.trace_of.iter().enumerate() {
            let (Some(l), Some(&rk)) = (last.get_mut(tr as usize), self.rank.get(tr as usize))
            else {
                continue;
            };
            groups.each(i as u32, |g| {
                if *l != g {
                    *l = g;
                    pairs.push(u64::from(g) << 32 | u64::from(rk));
                }
            });
        }
        pairs
    }
}

/// The [`Stats`] of every group of a part.
#[inline(never)]
fn assemble(p: &Prepared<'_>, part: &mut Part<'_>, traces: Vec<TraceFigures>) -> Vec<Stats> {
    let dicts = &p.store.dicts;
    let n_keys = dicts.usage_keys.len();
    // Keys are listed by name: walk them in name order once, then filter by each group's set.
    let mut by_name: Vec<Sym> = (0..n_keys as Sym).collect();
    crate::sort::sort_by(&mut by_name, |&a, &b| {
        dicts
            .usage_keys
            .resolve_bytes(a)
            .cmp(dicts.usage_keys.resolve_bytes(b))
    });
    let classes: Vec<u8> = (0..n_keys as Sym)
        .map(|k| usage_key_classes(dicts.usage_keys.resolve(k)))
        .collect();
    let key_names: Vec<&str> = (0..n_keys as Sym)
        .map(|k| dicts.usage_keys.resolve(k))
        .collect();
    let name = |k: Sym| key_names.get(k as usize).copied().unwrap_or("").to_owned();
    let has = |sets: &KeySets, g: usize, k: Sym| {
        sets.bits
            .get(g * sets.words + k as usize / 64)
            .is_some_and(|w| w & (1 << (k % 64)) != 0)
    };
    let totals = &part.totals;
    let whole = part.is_whole();
    let mut out = Vec::with_capacity(part.len());
    for (g, (c, tf)) in part.counts.iter().zip(traces).enumerate() {
        let a = part.gens.get(g).copied().unwrap_or_default();
        let rate = |num: u64, den: u64| (den > 0).then(|| num as f64 / den as f64);
        let (latency_ms, ttft_ms) = if whole {
            (
                latency_of_sorted(&p.duration_sorted),
                TtftStats::from_sorted(&p.ttft_sorted),
            )
        } else {
            (
                part.latency.get_mut(g).and_then(Option::take),
                part.ttft.get_mut(g).and_then(Option::take),
            )
        };
        // Token classes from the key sums: saturating sums of non-negative numbers compose exactly.
        let mut tokens = Tokens {
            total: a.total_tokens,
            ..Tokens::default()
        };
        let count = |sets: &KeySets| {
            sets.bits
                .get(g * sets.words..(g + 1) * sets.words)
                .map_or(0, |w| w.iter().map(|b| b.count_ones() as usize).sum())
        };
        let mut usage_by_key = Vec::with_capacity(count(&totals.usage_sets));
        let mut cost_by_key = Vec::with_capacity(count(&totals.cost_sets));
        for &k in &by_name {
            if has(&totals.usage_sets, g, k) {
                let units = totals.units(g, k);
                let cls = classes.get(k as usize).copied().unwrap_or(0);
                if cls & INPUT != 0 {
                    tokens.input = tokens.input.saturating_add(units);
                }
                if cls & OUTPUT != 0 {
                    tokens.output = tokens.output.saturating_add(units);
                }
                if cls & CACHED != 0 {
                    tokens.cached = tokens.cached.saturating_add(units);
                }
                if cls & REASONING != 0 {
                    tokens.reasoning = tokens.reasoning.saturating_add(units);
                }
                usage_by_key.push(KeyUnits {
                    key: name(k),
                    units,
                });
            }
            if has(&totals.cost_sets, g, k) {
                cost_by_key.push(KeyCost {
                    key: name(k),
                    cost_usd: totals.usd(g, k),
                });
            }
        }
        let (obs, errs, warns) = (
            u64::from(c.observations),
            u64::from(c.errors),
            u64::from(c.warnings),
        );
        out.push(Stats {
            observations: obs,
            traces: tf.traces,
            errors: errs,
            warnings: warns,
            error_rate: rate(errs, obs),
            success_rate: rate(obs - errs, obs),
            trace_errors: tf.errors,
            trace_error_rate: rate(tf.errors, tf.traces),
            tokens,
            usage_by_key,
            cost_usd: a.cost_usd,
            cost_by_key,
            estimated_cost_rows: a.estimated,
            latency_ms,
            trace_latency_ms: tf.latency,
            ttft_ms,
            output_tokens_per_second: (a.tps_ms > 0)
                .then(|| a.tps_tokens as f64 / (a.tps_ms as f64 / 1000.0)),
        });
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn key_totals_give_the_same_sums_dense_and_sparse() {
        let groups = DENSE_CELLS / 4 + 1;
        let mut dense = KeyTotals::new(10, 4, 0);
        let mut sparse = KeyTotals::new(groups, 4, 0);
        assert!(dense.dense && !sparse.dense);
        let layout = |k: Sym| {
            (
                UsageLayout {
                    keys: vec![k],
                    stored: 1,
                    classes: vec![0],
                    has_total: false,
                    mask: vec![1 << k],
                },
                CostLayout {
                    keys: vec![k],
                    stored: 1,
                    total_at: None,
                    mask: vec![1 << k],
                },
            )
        };
        for (g, k, v) in [(0u32, 1u32, 5u64), (3, 2, 7), (0, 1, u64::MAX), (9, 3, 1)] {
            let (u, c) = layout(k);
            dense.add_row(g, &u, &[v], &c, &[v as f64]);
            sparse.add_row(g, &u, &[v], &c, &[v as f64]);
        }
        for (g, k) in [(0usize, 1u32), (3, 2), (9, 3), (5, 0)] {
            assert_eq!(dense.units(g, k), sparse.units(g, k));
            assert_eq!(dense.usd(g, k), sparse.usd(g, k));
        }
        assert_eq!(dense.units(0, 1), u64::MAX);
        assert_eq!(dense.usage_sets.keys(0).collect::<Vec<_>>(), vec![1]);
    }

    #[test]
    fn key_sets_list_keys_across_words() {
        let mut sets = KeySets::new(3, 130);
        let mut m = vec![0u64; 3];
        for k in [0u32, 63, 64, 129] {
            m[k as usize / 64] |= 1 << (k % 64);
        }
        sets.union(2, &m);
        sets.union(2, &[1 << 5, 0, 0]);
        assert_eq!(sets.keys(2).collect::<Vec<_>>(), vec![0, 5, 63, 64, 129]);
        assert_eq!(sets.keys(0).count(), 0);
    }

    #[test]
    fn rank_walk_matches_sorted_lookups() {
        for n in [1usize, 2, 3, 7, 10, 99, 100, 101, 1000, 1001] {
            let values: Vec<i64> = (0..n as i64).map(|v| v * 3 - 7).collect();
            let mut r = ranks([n as u32].into_iter(), &LATENCY_LEVELS);
            for &v in &values {
                r[0].push(v);
            }
            let sum: i128 = values.iter().map(|&v| i128::from(v)).sum();
            assert_eq!(
                r[0].latency(),
                LatencyStats::from_sorted(&values, sum),
                "{n}"
            );
        }
        assert_eq!(ranks([0].into_iter(), &LATENCY_LEVELS)[0].latency(), None);
    }
}
