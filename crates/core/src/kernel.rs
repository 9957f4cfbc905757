//! The aggregation kernel behind every rollup (definitions in [`crate::rollup`]).
//!
//! Per query, [`Prepared`] lays the kept observations out flat (level, duration, trace, per-row token and
//! cost figures) and orders them once: by duration and by first-token time (a stable radix sort), and by
//! trace, traces in ascending trace latency. Every aggregation then runs in O(rows + groups):
//! - one pass over the rows in trace order accumulates counts, tokens and costs per group and finds each
//!   group's distinct traces (a trace's rows are contiguous, so "trace already counted for this group" is
//!   one comparison), emitting trace latencies already in ascending order;
//! - one scatter of the duration order (and of the first-token order) into per-group slices, which are
//!   then sorted without any comparison, so every quantile is an index lookup.
//!
//! Results are bit-identical to sorting each group's values (see the property tests).

use crate::filter::{Filter, NO_GEN, Selection, select};
use crate::intern::{NONE, Sym};
use crate::quantile::{LatencyStats, TtftStats};
use crate::radix::{order_key, sort_by_key};
use crate::rollup::{
    CACHED, INPUT, KeyCost, KeyUnits, OUTPUT, REASONING, Stats, TOTAL, Tokens, usage_key_classes,
};
use crate::row::Level;
use crate::store::{MS_ESCAPE, RowFlags, Store, TOTAL_KEY, gk};
use crate::trace::{TraceIndex, severity};

/// Sentinel duration / first-token time: missing.
pub(crate) const NO_MS: i64 = i64::MIN;

/// Per-row figures of a selected generation row.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct RowFig {
    /// Index of the row in the selection.
    pub sel: u32,
    pub tokens: Tokens,
    pub cost_usd: f64,
    pub estimated: bool,
    /// `usage[usage_start..usage_start + usage_len]` are this row's (key, units).
    pub usage_start: u32,
    pub usage_len: u32,
    pub cost_start: u32,
    pub cost_len: u32,
    /// Index into `Prepared::shapes`.
    pub shape: u32,
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
    pub figs: Vec<RowFig>,
    pub usage: Vec<(Sym, u64)>,
    pub cost: Vec<(Sym, f64)>,
    /// Key lists (usage keys, cost keys) of the distinct record shapes; `RowFig::shape` indexes it.
    pub shapes: Vec<(Vec<Sym>, Vec<Sym>)>,
    /// Selection indices of ERROR and WARNING observations.
    pub errors: Vec<u32>,
    pub warnings: Vec<u32>,
    /// Selection indices with a duration, ascending by duration, and those durations.
    pub by_duration: Vec<u32>,
    pub duration_sorted: Vec<i64>,
    /// Selection indices with a first-token time, ascending, and those times.
    pub by_ttft: Vec<u32>,
    pub ttft_sorted: Vec<i64>,
    /// Selection indices grouped by trace; runs `run_starts[k]..run_starts[k + 1]` belong to trace
    /// `run_trace[k]`; runs in ascending trace latency.
    pub by_trace: Vec<u32>,
    pub run_starts: Vec<u32>,
    pub run_trace: Vec<Sym>,
}

impl<'s> Prepared<'s> {
    pub(crate) fn new(store: &'s Store, filter: &Filter) -> Self {
        Self::from_selection(store, select(store, filter))
    }

    pub(crate) fn from_selection(store: &'s Store, sel: Selection) -> Self {
        let classes: Vec<u8> = store
            .dicts
            .usage_keys
            .iter()
            .map(|(_, k)| usage_key_classes(k))
            .collect();
        let traces = store.traces();
        let n = sel.rows.len();
        let mut level = Vec::with_capacity(n);
        let mut duration_ms = Vec::with_capacity(n);
        let mut ttft_ms = Vec::with_capacity(n);
        let mut trace_of = Vec::with_capacity(n);
        let mut figs = Vec::with_capacity(store.gens.len().min(n));
        let mut usage = Vec::with_capacity(figs.capacity() * 4);
        let mut cost = Vec::with_capacity(figs.capacity() * 4);
        let mut shapes: Vec<(Vec<Sym>, Vec<Sym>)> = Vec::new();
        let mut shape_of: hashbrown::HashMap<(Sym, Sym, Sym), u32> = hashbrown::HashMap::new();
        let mut last_shape: Option<((Sym, Sym, Sym), u32)> = None;
        let mut errors = Vec::new();
        let mut warnings = Vec::new();
        for (&row, &gi) in sel.rows.iter().zip(&sel.gens) {
            let r = row as usize;
            let lvl = store.level.get(r).copied().unwrap_or(Level::Default);
            if lvl == Level::Error {
                errors.push(level.len() as u32);
            } else if lvl == Level::Warning {
                warnings.push(level.len() as u32);
            }
            level.push(lvl as u8);
            duration_ms.push(match store.dur_ms.get(r).copied() {
                Some(d) if d < MS_ESCAPE => i64::from(d),
                Some(MS_ESCAPE) => store.dur_big.get(&row).copied().unwrap_or(NO_MS),
                _ => NO_MS,
            });
            trace_of.push(store.trace.get(r).copied().unwrap_or(NONE));
            let Some(g) = (gi != NO_GEN)
                .then(|| store.gens.get(gi as usize))
                .flatten()
            else {
                ttft_ms.push(NO_MS);
                continue;
            };
            ttft_ms.push(store.ttft_ms(g).unwrap_or(NO_MS));
            let mut t = Tokens::default();
            let mut sum_all = 0u64;
            let mut has_total = false;
            let usage_start = usage.len() as u32;
            let cost_start = cost.len() as u32;
            store.gen_values_into(g, &mut usage, &mut cost);
            for &(k, units) in usage.get(usage_start as usize..).unwrap_or(&[]) {
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
            let mut total_cost = None;
            let mut cost_sum = 0.0;
            for &(k, usd) in cost.get(cost_start as usize..).unwrap_or(&[]) {
                if k == TOTAL_KEY {
                    total_cost.get_or_insert(usd);
                } else {
                    cost_sum += usd;
                }
            }
            let genkey = store
                .dicts
                .genkeys
                .entries()
                .get(g.key as usize)
                .copied()
                .unwrap_or_default();
            let shape_key = (
                genkey[gk::USAGE_SHAPE],
                genkey[gk::FLAGS] & gk::USAGE_TOTAL_DERIVED,
                g.cost_shape,
            );
            let shape = match last_shape {
                Some((k, v)) if k == shape_key => v,
                _ => *shape_of.entry(shape_key).or_insert_with(|| {
                    let u = usage
                        .get(usage_start as usize..)
                        .unwrap_or(&[])
                        .iter()
                        .map(|&(k, _)| k)
                        .collect();
                    let c = cost
                        .get(cost_start as usize..)
                        .unwrap_or(&[])
                        .iter()
                        .map(|&(k, _)| k)
                        .collect();
                    shapes.push((u, c));
                    (shapes.len() - 1) as u32
                }),
            };
            last_shape = Some((shape_key, shape));
            figs.push(RowFig {
                shape,
                sel: (level.len() - 1) as u32,
                tokens: t,
                cost_usd: total_cost.unwrap_or(cost_sum),
                estimated: store
                    .flags
                    .get(r)
                    .is_some_and(|f| f & RowFlags::COST_ESTIMATED != 0),
                usage_start,
                usage_len: usage.len() as u32 - usage_start,
                cost_start,
                cost_len: cost.len() as u32 - cost_start,
            });
        }
        let keyed = |values: &[i64]| -> Vec<u32> {
            let pairs: Vec<(u64, u32)> = values
                .iter()
                .enumerate()
                .filter(|&(_, &v)| v != NO_MS)
                .map(|(i, &v)| (order_key(v), i as u32))
                .collect();
            sort_by_key(pairs)
        };
        let by_duration = keyed(&duration_ms);
        let duration_sorted: Vec<i64> = by_duration
            .iter()
            .map(|&i| duration_ms.get(i as usize).copied().unwrap_or(0))
            .collect();
        let by_ttft = keyed(&ttft_ms);
        let ttft_sorted: Vec<i64> = by_ttft
            .iter()
            .map(|&i| ttft_ms.get(i as usize).copied().unwrap_or(0))
            .collect();

        // Rows by trace (counting sort on the trace symbol), runs ordered by trace latency.
        let n_traces = traces.len().max(1);
        let mut count = vec![0u32; n_traces + 1];
        for &t in &trace_of {
            if let Some(c) = count.get_mut(t as usize + 1) {
                *c += 1;
            }
        }
        for i in 1..count.len() {
            let prev = count.get(i - 1).copied().unwrap_or(0);
            if let Some(c) = count.get_mut(i) {
                *c += prev;
            }
        }
        let mut grouped = vec![0u32; n];
        let mut cursor = count.clone();
        for (i, &t) in trace_of.iter().enumerate() {
            if let Some(c) = cursor.get_mut(t as usize) {
                if let Some(slot) = grouped.get_mut(*c as usize) {
                    *slot = i as u32;
                }
                *c += 1;
            }
        }
        let present: Vec<(u64, u32)> = (0..n_traces as u32)
            .filter(|&t| count.get(t as usize + 1) > count.get(t as usize))
            .map(|t| {
                (
                    order_key(traces.latency_ms.get(t as usize).copied().unwrap_or(0)),
                    t,
                )
            })
            .collect();
        let run_trace = sort_by_key(present);
        let mut by_trace = Vec::with_capacity(n);
        let mut run_starts = Vec::with_capacity(run_trace.len() + 1);
        for &t in &run_trace {
            run_starts.push(by_trace.len() as u32);
            let (s, e) = (
                count.get(t as usize).copied().unwrap_or(0),
                count.get(t as usize + 1).copied().unwrap_or(0),
            );
            by_trace.extend_from_slice(grouped.get(s as usize..e as usize).unwrap_or(&[]));
        }
        run_starts.push(by_trace.len() as u32);

        Self {
            store,
            traces,
            sel,
            level,
            duration_ms,
            figs,
            usage,
            cost,
            shapes,
            errors,
            warnings,
            by_duration,
            duration_sorted,
            by_ttft,
            ttft_sorted,
            by_trace,
            run_starts,
            run_trace,
        }
    }
}

/// Which groups each selected row belongs to.
pub(crate) struct Grouping {
    /// Symbol (or bucket index) of each group.
    pub keys: Vec<Sym>,
    /// Single-valued: group id per selected row (`u32::MAX`: none).
    gids: Vec<u32>,
    /// Multi-valued: `gids[offsets[i]..offsets[i + 1]]` for selected row `i`.
    offsets: Option<Vec<u32>>,
}

impl Grouping {
    pub(crate) fn single(gids: Vec<u32>, keys: Vec<Sym>) -> Self {
        Self {
            keys,
            gids,
            offsets: None,
        }
    }

    pub(crate) fn multi(offsets: Vec<u32>, gids: Vec<u32>, keys: Vec<Sym>) -> Self {
        Self {
            keys,
            gids,
            offsets: Some(offsets),
        }
    }
}

/// Row-to-groups lookup, monomorphised so the single-valued case is one load per row.
trait Groups {
    fn each(&self, i: u32, f: impl FnMut(u32));
}

struct Single<'a>(&'a [u32]);

impl Groups for Single<'_> {
    #[inline(always)]
    fn each(&self, i: u32, mut f: impl FnMut(u32)) {
        if let Some(&g) = self.0.get(i as usize) {
            f(g);
        }
    }
}

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

/// Reusable buffers for [`aggregate`].
#[derive(Default)]
pub(crate) struct Scratch {
    cursor: Vec<u32>,
}

#[derive(Clone, Copy, Default)]
struct Acc {
    observations: u64,
    errors: u64,
    warnings: u64,
    traces: u64,
    trace_errors: u64,
    last_run: u32,
    tokens: Tokens,
    cost_usd: f64,
    estimated: u64,
    tps_tokens: u128,
    tps_ms: i128,
}

/// Per-group sums by usage or cost key: dense `groups × keys` cells when that is small, else a map
/// (a group-by on a high-cardinality dimension must not allocate groups × keys cells).
struct KeySums<T> {
    keys: usize,
    dense: Vec<T>,
    sparse: Option<hashbrown::HashMap<(u32, Sym), T>>,
}

/// Most dense cells per key table.
const DENSE_CELLS: usize = 1 << 20;

impl<T: Copy + Default> KeySums<T> {
    fn new(groups: usize, keys: usize) -> Self {
        let cells = groups.saturating_mul(keys);
        if cells <= DENSE_CELLS {
            Self {
                keys,
                dense: vec![T::default(); cells],
                sparse: None,
            }
        } else {
            Self {
                keys,
                dense: Vec::new(),
                sparse: Some(hashbrown::HashMap::new()),
            }
        }
    }

    #[inline(always)]
    fn add(&mut self, g: u32, k: Sym, v: T, plus: impl Fn(T, T) -> T) {
        match &mut self.sparse {
            None => {
                if let Some(d) = self.dense.get_mut(g as usize * self.keys + k as usize) {
                    *d = plus(*d, v);
                }
            }
            Some(map) => {
                let d = map.entry((g, k)).or_default();
                *d = plus(*d, v);
            }
        }
    }

    fn get(&self, g: usize, k: Sym) -> T {
        match &self.sparse {
            None => self
                .dense
                .get(g * self.keys + k as usize)
                .copied()
                .unwrap_or_default(),
            Some(map) => map.get(&(g as u32, k)).copied().unwrap_or_default(),
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

    /// The bit set of a key list, in this table's word size.
    fn mask_of(&self, keys: &[Sym]) -> Vec<u64> {
        let mut m = vec![0u64; self.words];
        for &k in keys {
            if let Some(w) = m.get_mut(k as usize / 64) {
                *w |= 1 << (k % 64);
            }
        }
        m
    }

    #[inline(always)]
    fn union(&mut self, g: u32, mask: &[u64]) {
        let s = g as usize * self.words;
        if let Some(to) = self.bits.get_mut(s..s + self.words) {
            for (t, &m) in to.iter_mut().zip(mask) {
                *t |= m;
            }
        }
    }

    fn keys(&self, g: usize) -> Vec<Sym> {
        let s = g * self.words;
        let mut out = Vec::new();
        for (w, &bits) in self
            .bits
            .get(s..s + self.words)
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            let mut b = bits;
            while b != 0 {
                out.push((w * 64) as Sym + b.trailing_zeros());
                b &= b - 1;
            }
        }
        out
    }
}

/// [`Stats`] for every group of `grouping`, indexed like `grouping.keys`.
pub(crate) fn aggregate(p: &Prepared<'_>, grouping: &Grouping, s: &mut Scratch) -> Vec<Stats> {
    match &grouping.offsets {
        None => aggregate_with(p, grouping.keys.len(), &Single(&grouping.gids), s),
        Some(offsets) => aggregate_with(
            p,
            grouping.keys.len(),
            &Multi {
                offsets,
                gids: &grouping.gids,
            },
            s,
        ),
    }
}

fn aggregate_with(
    p: &Prepared<'_>,
    n_groups: usize,
    groups: &impl Groups,
    s: &mut Scratch,
) -> Vec<Stats> {
    let n_keys = p.store.dicts.usage_keys.len();
    let mut acc = vec![
        Acc {
            last_run: u32::MAX,
            ..Acc::default()
        };
        n_groups
    ];
    let error_severity = severity(Level::Error);

    // Pass 1: observation counts; errors and warnings from their (short) lists.
    for i in 0..p.level.len() as u32 {
        groups.each(i, |g| {
            if let Some(a) = acc.get_mut(g as usize) {
                a.observations += 1;
            }
        });
    }
    for (list, is_error) in [(&p.errors, true), (&p.warnings, false)] {
        for &i in list {
            groups.each(i, |g| {
                if let Some(a) = acc.get_mut(g as usize) {
                    if is_error {
                        a.errors += 1;
                    } else {
                        a.warnings += 1;
                    }
                }
            });
        }
    }

    // Pass 2, trace order: distinct traces per group; trace latencies come out ascending.
    let mut trace_pairs: Vec<(u32, i64)> = Vec::new();
    for (run, (w, &t)) in p.run_starts.windows(2).zip(&p.run_trace).enumerate() {
        let trace_latency = p.traces.latency_ms.get(t as usize).copied().unwrap_or(0);
        let trace_error = p.traces.severity.get(t as usize).copied() == Some(error_severity);
        for &i in p.by_trace.get(w[0] as usize..w[1] as usize).unwrap_or(&[]) {
            groups.each(i, |g| {
                if let Some(a) = acc.get_mut(g as usize)
                    && a.last_run != run as u32
                {
                    a.last_run = run as u32;
                    a.traces += 1;
                    a.trace_errors += u64::from(trace_error);
                    trace_pairs.push((g, trace_latency));
                }
            });
        }
    }

    // Pass 3, generation rows: tokens, costs, by-key sums, output tokens per second.
    let mut usage_sums: KeySums<u64> = KeySums::new(n_groups, n_keys);
    let mut cost_sums: KeySums<f64> = KeySums::new(n_groups, n_keys);
    let mut usage_sets = KeySets::new(n_groups, n_keys);
    let mut cost_sets = KeySets::new(n_groups, n_keys);
    let shape_masks: Vec<(Vec<u64>, Vec<u64>)> = p
        .shapes
        .iter()
        .map(|(u, c)| (usage_sets.mask_of(u), cost_sets.mask_of(c)))
        .collect();
    for fig in &p.figs {
        let dur = p
            .duration_ms
            .get(fig.sel as usize)
            .copied()
            .unwrap_or(NO_MS);
        let usage = p
            .usage
            .get(fig.usage_start as usize..(fig.usage_start + fig.usage_len) as usize)
            .unwrap_or(&[]);
        let cost = p
            .cost
            .get(fig.cost_start as usize..(fig.cost_start + fig.cost_len) as usize)
            .unwrap_or(&[]);
        groups.each(fig.sel, |g| {
            if let Some((um, cm)) = shape_masks.get(fig.shape as usize) {
                usage_sets.union(g, um);
                cost_sets.union(g, cm);
            }
            if let Some(a) = acc.get_mut(g as usize) {
                a.tokens.add(&fig.tokens);
                a.cost_usd += fig.cost_usd;
                a.estimated += u64::from(fig.estimated);
                if dur > 0 && fig.tokens.output > 0 {
                    a.tps_tokens += u128::from(fig.tokens.output);
                    a.tps_ms += i128::from(dur);
                }
            }
            for &(k, units) in usage {
                usage_sums.add(g, k, units, u64::saturating_add);
            }
            for &(k, usd) in cost {
                cost_sums.add(g, k, usd, |x, y| x + y);
            }
        });
    }

    // Sorted per-group values: the global ascending orders, scattered stably.
    let (lat_sorted, lat_counts) = distribute(
        n_groups,
        &p.by_duration,
        &p.duration_sorted,
        groups,
        &mut s.cursor,
    );
    let (ttft_sorted, ttft_counts) =
        distribute(n_groups, &p.by_ttft, &p.ttft_sorted, groups, &mut s.cursor);
    let counts: Vec<u32> = acc.iter().map(|a| a.traces as u32).collect();
    let trace_sorted = distribute_pairs(&counts, &trace_pairs, &mut s.cursor);

    let dicts = &p.store.dicts;
    let name_rank: Vec<u32> = {
        let mut by_name: Vec<Sym> = (0..n_keys as Sym).collect();
        by_name.sort_by(|&a, &b| dicts.usage_keys.resolve(a).cmp(dicts.usage_keys.resolve(b)));
        let mut rank = vec![0u32; n_keys];
        for (r, &k) in by_name.iter().enumerate() {
            if let Some(slot) = rank.get_mut(k as usize) {
                *slot = r as u32;
            }
        }
        rank
    };
    let (mut lat_off, mut trace_off, mut ttft_off) = (0usize, 0usize, 0usize);
    let mut out = Vec::with_capacity(n_groups);
    for (g, a) in acc.iter().enumerate() {
        let lat_count = lat_counts.get(g).copied().unwrap_or(0) as usize;
        let ttft_count = ttft_counts.get(g).copied().unwrap_or(0) as usize;
        let lat = lat_sorted.get(lat_off..lat_off + lat_count).unwrap_or(&[]);
        lat_off += lat_count;
        let lat_sum: i128 = lat.iter().map(|&v| i128::from(v)).sum();
        let tl = trace_sorted
            .get(trace_off..trace_off + a.traces as usize)
            .unwrap_or(&[]);
        trace_off += a.traces as usize;
        let tt = ttft_sorted
            .get(ttft_off..ttft_off + ttft_count)
            .unwrap_or(&[]);
        ttft_off += ttft_count;
        let trace_sum: i128 = tl.iter().map(|&v| i128::from(v)).sum();
        let rate = |num: u64, den: u64| (den > 0).then(|| num as f64 / den as f64);
        // Keys present in this group: those of the record shapes it saw.
        // Listed by key name: sort the symbols by their precomputed name rank, no string compares.
        let mut usage_keys = usage_sets.keys(g);
        usage_keys
            .sort_unstable_by_key(|&k| name_rank.get(k as usize).copied().unwrap_or(u32::MAX));
        let mut cost_keys = cost_sets.keys(g);
        cost_keys.sort_unstable_by_key(|&k| name_rank.get(k as usize).copied().unwrap_or(u32::MAX));
        let usage_by_key: Vec<KeyUnits> = usage_keys
            .iter()
            .map(|&k| KeyUnits {
                key: dicts.usage_keys.resolve(k).to_owned(),
                units: usage_sums.get(g, k),
            })
            .collect();
        let cost_by_key: Vec<KeyCost> = cost_keys
            .iter()
            .map(|&k| KeyCost {
                key: dicts.usage_keys.resolve(k).to_owned(),
                cost_usd: cost_sums.get(g, k),
            })
            .collect();
        out.push(Stats {
            observations: a.observations,
            traces: a.traces,
            errors: a.errors,
            warnings: a.warnings,
            error_rate: rate(a.errors, a.observations),
            success_rate: rate(a.observations - a.errors, a.observations),
            trace_errors: a.trace_errors,
            trace_error_rate: rate(a.trace_errors, a.traces),
            tokens: a.tokens,
            usage_by_key,
            cost_usd: a.cost_usd,
            cost_by_key,
            estimated_cost_rows: a.estimated,
            latency_ms: LatencyStats::from_sorted(lat, lat_sum),
            trace_latency_ms: LatencyStats::from_sorted(tl, trace_sum),
            ttft_ms: TtftStats::from_sorted(tt),
            output_tokens_per_second: (a.tps_ms > 0)
                .then(|| a.tps_tokens as f64 / (a.tps_ms as f64 / 1000.0)),
        });
    }
    out
}

fn offsets_into(counts: &[u32], cursor: &mut Vec<u32>) -> usize {
    cursor.clear();
    let mut total = 0u32;
    for &c in counts {
        cursor.push(total);
        total += c;
    }
    total as usize
}

/// Scatters `values` (ascending, for selection rows `order`) into per-group slices, keeping the order
/// within each group. Returns the values and the count per group.
fn distribute(
    n_groups: usize,
    order: &[u32],
    values: &[i64],
    groups: &impl Groups,
    cursor: &mut Vec<u32>,
) -> (Vec<i64>, Vec<u32>) {
    let mut counts = vec![0u32; n_groups];
    for &i in order {
        groups.each(i, |g| {
            if let Some(c) = counts.get_mut(g as usize) {
                *c += 1;
            }
        });
    }
    let total = offsets_into(&counts, cursor);
    let mut out = vec![0i64; total];
    for (&i, &v) in order.iter().zip(values) {
        groups.each(i, |g| {
            if let Some(c) = cursor.get_mut(g as usize) {
                if let Some(slot) = out.get_mut(*c as usize) {
                    *slot = v;
                }
                *c += 1;
            }
        });
    }
    (out, counts)
}

/// Scatters `(group, value)` pairs into per-group slices, keeping their order within each group.
fn distribute_pairs(counts: &[u32], pairs: &[(u32, i64)], cursor: &mut Vec<u32>) -> Vec<i64> {
    let total = offsets_into(counts, cursor);
    let mut out = vec![0i64; total];
    for &(g, v) in pairs {
        if let Some(c) = cursor.get_mut(g as usize) {
            if let Some(slot) = out.get_mut(*c as usize) {
                *slot = v;
            }
            *c += 1;
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn key_sums_give_the_same_sums_dense_and_sparse() {
        let groups = DENSE_CELLS / 4 + 1;
        let mut dense: KeySums<u64> = KeySums::new(10, 4);
        let mut sparse: KeySums<u64> = KeySums::new(groups, 4);
        assert!(dense.sparse.is_none() && sparse.sparse.is_some());
        for (g, k, v) in [(0u32, 1u32, 5u64), (3, 2, 7), (0, 1, u64::MAX), (9, 3, 1)] {
            dense.add(g, k, v, u64::saturating_add);
            sparse.add(g, k, v, u64::saturating_add);
        }
        for (g, k) in [(0usize, 1u32), (3, 2), (9, 3), (5, 0)] {
            assert_eq!(dense.get(g, k), sparse.get(g, k));
        }
        assert_eq!(dense.get(0, 1), u64::MAX);
    }

    #[test]
    fn key_sets_list_keys_across_words() {
        let mut sets = KeySets::new(3, 130);
        let m = sets.mask_of(&[0, 63, 64, 129]);
        sets.union(2, &m);
        sets.union(2, &sets.mask_of(&[5]));
        assert_eq!(sets.keys(2), vec![0, 5, 63, 64, 129]);
        assert!(sets.keys(0).is_empty());
    }
}
