//! The rollup kernel of issue 4 in its lean form: what a dashboard's first screen needs, computed
//! exactly and fast enough to re-run on every filter change.
//!
//! [`kernel_rollups`] takes the store, a [`Filter`] and the viewer's UTC offsets, and computes over the
//! observations the filter keeps:
//! - the overview, each group of the six [`KERNEL_DIMENSIONS`] (model, service, user, session,
//!   environment, observation type) and each hourly bucket, with the same [`Figures`]: observations,
//!   distinct traces, errors (level ERROR), warnings (level WARNING), error rate (errors /
//!   observations), input, output and total tokens, cost (USD), and the exact nearest-rank P50, P95 and
//!   P99 of the observation latency (`end − start`, ms, over the observations that have an end time);
//! - a latency histogram of the observations (10 bins per decade, as [`crate::histogram`]).
//!
//! Definitions are those of [`crate::rollup`] (token classes by key name, the `total` key else the sum,
//! cost with estimates, saturating `u64` token sums), [`crate::filter`] (dimension values: service, user
//! and session from the trace, environment the observation's else its trace's) and [`crate::series`]
//! (hourly buckets aligned in the viewer's zone over the filter's time range, or from the first to the
//! last kept start; an empty bucket is a gap, `None`). The overall error rate is the overview's.
//!
//! Output is compact: a group's key is the symbol of its value in the store's dictionary for that
//! dimension ([`NONE`] = missing; for the observation type the index in [`ObservationType::ALL`]); the
//! text comes from [`Store::label`] when it is shown. Groups are listed in symbol order (missing first),
//! only those with observations; callers sort for display. No per-group heap allocation: one vector per
//! dimension.
//!
//! How (O(rows + groups), no hash map per row): one pass over the kept rows in store order adds each
//! row to its trace's sums and to its model, environment, type and hour groups, marks the (trace, group)
//! pairs for distinct-trace counts (a bit set per trace below 64 groups, else de-duplicated pairs), and
//! records each timed row's groups; the traces' sums are then folded into the trace-level groups
//! (service, user, session) and the overview. One radix sort of the durations gives the overview's
//! quantiles and the histogram directly, and one walk of that order finds every group's nearest ranks
//! (known up front from its count), so no per-group list is built or sorted.

use serde::{Deserialize, Serialize};

use crate::filter::{Dimension, Filter, NO_GEN, select};
use crate::histogram::{LatencyHistogram, histogram_of_sorted};
use crate::intern::{NONE, Sym};
use crate::quantile::{P50, P95, P99, Quantile, nearest_rank_index};
use crate::radix::{order_key, sort_by_key, sort_triples};
use crate::rollup::{INPUT, OUTPUT, TOTAL, usage_key_classes};
use crate::row::{Level, ObservationType};
use crate::series::{BucketSize, UtcOffsets, boundaries, bucket_of, widened};
use crate::store::{COST_TOTAL_DERIVED, GenRec, MS_ESCAPE, MS_NONE, Store, TOTAL_KEY, ctx, gk};

/// The six group-bys of the kernel, in output order.
pub const KERNEL_DIMENSIONS: [Dimension; 6] = [
    Dimension::Model,
    Dimension::Service,
    Dimension::User,
    Dimension::Session,
    Dimension::Environment,
    Dimension::ObservationType,
];

/// Nearest-rank latency quantiles, ms.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Latency {
    pub p50_ms: i64,
    pub p95_ms: i64,
    pub p99_ms: i64,
}

/// The figures of one set of observations (see the module docs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    pub observations: u64,
    pub traces: u64,
    pub errors: u64,
    pub warnings: u64,
    /// errors / observations (`None` without observations).
    pub error_rate: Option<f64>,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub total_tokens: u64,
    pub cost_usd: f64,
    /// Observations with an end time (the latency quantiles are over these).
    pub timed: u64,
    /// `None` when no observation has an end time.
    pub latency_ms: Option<Latency>,
}

/// One group: its key symbol (see the module docs) and figures.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupFigures {
    pub key: Sym,
    #[serde(flatten)]
    pub figures: Figures,
}

/// The groups of one dimension, in symbol order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DimensionFigures {
    pub dimension: Dimension,
    pub groups: Vec<GroupFigures>,
}

/// One hourly bucket `[start_ms, end_ms)`; `None` is a gap (no observation).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct BucketFigures {
    pub start_ms: i64,
    pub end_ms: i64,
    pub figures: Option<Figures>,
}

/// Everything [`kernel_rollups`] computes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KernelRollups {
    pub overview: Figures,
    /// Earliest and latest start time among the kept observations.
    pub first_start_ms: Option<i64>,
    pub last_start_ms: Option<i64>,
    /// One entry per [`KERNEL_DIMENSIONS`], in that order.
    pub group_bys: Vec<DimensionFigures>,
    pub latency_histogram: LatencyHistogram,
    /// The series' bucket size: one hour, or larger when the range would need more than
    /// [`MAX_BUCKETS`](crate::series::MAX_BUCKETS) hours.
    pub bucket: BucketSize,
    pub hourly: Vec<BucketFigures>,
}

/// Sums of one group (or trace) in the row pass.
#[derive(Clone, Copy, Default)]
struct Acc {
    obs: u32,
    errors: u32,
    warnings: u32,
    timed: u32,
    input: u64,
    output: u64,
    total: u64,
    cost: f64,
}

/// One row's contribution.
#[derive(Clone, Copy, Default)]
struct RowFig {
    errors: u32,
    warnings: u32,
    timed: u32,
    input: u64,
    output: u64,
    total: u64,
    cost: f64,
}

impl Acc {
    #[inline(always)]
    fn add(&mut self, r: &RowFig) {
        self.obs += 1;
        self.errors += r.errors;
        self.warnings += r.warnings;
        self.timed += r.timed;
        self.input = self.input.saturating_add(r.input);
        self.output = self.output.saturating_add(r.output);
        self.total = self.total.saturating_add(r.total);
        self.cost += r.cost;
    }

    #[inline(always)]
    fn merge(&mut self, o: &Acc) {
        self.obs += o.obs;
        self.errors += o.errors;
        self.warnings += o.warnings;
        self.timed += o.timed;
        self.input = self.input.saturating_add(o.input);
        self.output = self.output.saturating_add(o.output);
        self.total = self.total.saturating_add(o.total);
        self.cost += o.cost;
    }

    fn figures(&self, traces: u64, latency_ms: Option<Latency>) -> Figures {
        let observations = u64::from(self.obs);
        let errors = u64::from(self.errors);
        Figures {
            observations,
            traces,
            errors,
            warnings: u64::from(self.warnings),
            error_rate: (observations > 0).then(|| errors as f64 / observations as f64),
            input_tokens: self.input,
            output_tokens: self.output,
            total_tokens: self.total,
            cost_usd: self.cost,
            timed: u64::from(self.timed),
            latency_ms,
        }
    }
}

/// How a generation record's usage values read: token-class bits per stored slot, and the total rule.
struct UsagePlan {
    classes: Vec<u8>,
    /// The `total` key is derived (the sum of the stored values), not stored.
    derived_total: bool,
    /// Some key (stored or derived) is `total`.
    has_total: bool,
}

/// How a generation record's cost values read.
#[derive(Clone, Copy)]
struct CostPlan {
    stored: u32,
    /// Position of the first `total` key (`stored` = the derived one), if any.
    total_at: Option<u32>,
}

/// Per-query tables that turn a row's stored symbols into figures with no lookup.
struct Plans {
    /// Per generation-key symbol: (model symbol, usage plan index).
    genkey: Vec<(Sym, u32)>,
    usage: Vec<UsagePlan>,
    /// Per `(shape << 1) | derived`: the cost plan.
    cost: Vec<CostPlan>,
    /// Per context symbol: the environment symbol.
    env_of_context: Vec<Sym>,
}

impl Plans {
    fn new(store: &Store) -> Self {
        let d = &store.dicts;
        let classes: Vec<u8> = d
            .usage_keys
            .iter()
            .map(|(_, k)| usage_key_classes(k))
            .collect();
        let class = |k: Sym| classes.get(k as usize).copied().unwrap_or(0);
        let mut usage = Vec::new();
        let mut index: hashbrown::HashMap<(Sym, bool), u32> = hashbrown::HashMap::new();
        let genkey = d
            .genkeys
            .entries()
            .iter()
            .map(|key| {
                let derived = key[gk::FLAGS] & gk::USAGE_TOTAL_DERIVED != 0;
                let plan = *index
                    .entry((key[gk::USAGE_SHAPE], derived))
                    .or_insert_with(|| {
                        let cls: Vec<u8> = d
                            .shapes
                            .resolve(key[gk::USAGE_SHAPE])
                            .iter()
                            .map(|&k| class(k))
                            .collect();
                        usage.push(UsagePlan {
                            has_total: derived || cls.iter().any(|&c| c & TOTAL != 0),
                            classes: cls,
                            derived_total: derived,
                        });
                        (usage.len() - 1) as u32
                    });
                (key[gk::MODEL], plan)
            })
            .collect();
        let cost = (0..d.shapes.len() as u32 * 2)
            .map(|v| {
                let keys = d.shapes.resolve(v >> 1);
                let stored = keys.len() as u32;
                let total_at = keys
                    .iter()
                    .position(|&k| k == TOTAL_KEY)
                    .map(|p| p as u32)
                    .or((v & 1 == 1).then_some(stored));
                CostPlan { stored, total_at }
            })
            .collect();
        let env_of_context = d
            .contexts
            .entries()
            .iter()
            .map(|c| c[ctx::ENVIRONMENT])
            .collect();
        Self {
            genkey,
            usage,
            cost,
            env_of_context,
        }
    }
}

/// Which groups a trace's kept rows fall in, per row-level grouping, for distinct-trace counts.
enum Distinct {
    /// Up to 64 groups: a bit set per trace.
    Bits(Vec<u64>),
    /// More: each trace's last group, and the (group, trace) pairs seen (repeats mostly dropped).
    Pairs { last: Vec<u32>, pairs: Vec<u64> },
}

impl Distinct {
    fn new(groups: usize, traces: usize) -> Self {
        if groups <= 64 {
            Distinct::Bits(vec![0; traces])
        } else {
            Distinct::Pairs {
                last: vec![u32::MAX; traces],
                pairs: Vec::new(),
            }
        }
    }

    #[inline(always)]
    fn mark(&mut self, trace: Sym, g: u32) {
        match self {
            Distinct::Bits(bits) => {
                if let Some(b) = bits.get_mut(trace as usize) {
                    *b |= 1u64 << (g & 63);
                }
            }
            Distinct::Pairs { last, pairs } => {
                if let Some(l) = last.get_mut(trace as usize)
                    && *l != g
                {
                    *l = g;
                    pairs.push(u64::from(g) << 32 | u64::from(trace));
                }
            }
        }
    }

    /// Distinct traces per group.
    fn counts(self, groups: usize, kept: &[Sym]) -> Vec<u32> {
        let mut counts = vec![0u32; groups];
        match self {
            Distinct::Bits(bits) => {
                for &t in kept {
                    let mut b = bits.get(t as usize).copied().unwrap_or(0);
                    while b != 0 {
                        if let Some(c) = counts.get_mut(b.trailing_zeros() as usize) {
                            *c += 1;
                        }
                        b &= b - 1;
                    }
                }
            }
            Distinct::Pairs { mut pairs, .. } => {
                pairs.sort_unstable();
                pairs.dedup();
                for p in pairs {
                    if let Some(c) = counts.get_mut((p >> 32) as usize) {
                        *c += 1;
                    }
                }
            }
        }
        counts
    }
}

/// Row-level groupings (their sums come from the cells), then trace-level ones.
const MODEL: usize = 0;
const ENVIRONMENT: usize = 1;
const TYPE: usize = 2;
const HOUR: usize = 3;
const SERVICE: usize = 4;
const USER: usize = 5;
const SESSION: usize = 6;
const GROUPINGS: usize = 7;

/// Most (model, environment, type) combinations indexed densely; beyond, a hash map.
const DENSE_KINDS: usize = 1 << 18;

/// A row adds to one cell: its "kind" (the distinct (model, environment, type) combinations, numbered
/// as they are seen) and its hour bucket, `kind << hour_bits | hour`. The cells are folded into the four
/// row-level groupings at the end, and a timed row carries its cell into the quantile walk.
struct Cells {
    /// (model × environments + environment) × types + type → kind (`u32::MAX`: not seen yet); empty
    /// when the product is above [`DENSE_KINDS`].
    dense: Vec<u32>,
    sparse: hashbrown::HashMap<(Sym, Sym, u32), u32>,
    envs: usize,
    /// Per kind: (model, environment, type).
    kinds: Vec<[u32; 3]>,
    hour_bits: u32,
    /// Per cell. The hour slot `buckets` (the last one used) holds rows outside the series' range.
    acc: Vec<Acc>,
}

impl Cells {
    fn new(models: usize, envs: usize, buckets: usize) -> Self {
        let product = models
            .saturating_mul(envs)
            .saturating_mul(ObservationType::ALL.len());
        Self {
            dense: if product <= DENSE_KINDS {
                vec![u32::MAX; product]
            } else {
                Vec::new()
            },
            sparse: hashbrown::HashMap::new(),
            envs,
            kinds: Vec::new(),
            hour_bits: usize::BITS - buckets.leading_zeros(),
            acc: Vec::new(),
        }
    }

    /// The cell of a row.
    #[inline(always)]
    fn cell(&mut self, model: Sym, env: Sym, typ: u32, hour: u32) -> u32 {
        let key =
            (model as usize * self.envs + env as usize) * ObservationType::ALL.len() + typ as usize;
        let kind = match self.dense.get(key) {
            Some(&k) if k != u32::MAX => k,
            _ => self.new_kind(key, model, env, typ),
        };
        kind << self.hour_bits | hour
    }

    #[cold]
    fn new_kind(&mut self, key: usize, model: Sym, env: Sym, typ: u32) -> u32 {
        let next = self.kinds.len() as u32;
        let kind = if self.dense.is_empty() {
            *self.sparse.entry((model, env, typ)).or_insert(next)
        } else {
            match self.dense.get_mut(key) {
                Some(slot) => {
                    *slot = next;
                    next
                }
                None => return 0,
            }
        };
        if kind == next {
            self.kinds.push([model, env, typ]);
            self.acc
                .resize(self.kinds.len() << self.hour_bits, Acc::default());
        }
        kind
    }

    /// (model, environment, type, hour) of a cell.
    #[inline(always)]
    fn groups(&self, cell: u32) -> [u32; 4] {
        let [m, e, t] = self
            .kinds
            .get((cell >> self.hour_bits) as usize)
            .copied()
            .unwrap_or([u32::MAX; 3]);
        [m, e, t, cell & ((1 << self.hour_bits) - 1)]
    }
}

/// The row pass's state.
struct Pass<'s> {
    store: &'s Store,
    plans: Plans,
    trace_env: &'s [Sym],
    bounds: Vec<i64>,
    step_ms: i64,
    range: (i64, i64),
    buckets: u32,
    hint: usize,
    per_trace: Vec<Acc>,
    cells: Cells,
    distinct: [Distinct; 4],
    /// (duration, cell, trace) of the timed rows whose duration fits a `u32`.
    timed: Vec<[u32; 3]>,
    /// (exact duration, cell, trace) of the others (negative or huge).
    escaped: Vec<(i64, u32, u32)>,
}

impl Pass<'_> {
    /// Adds row `r` (generation index `gi` or [`NO_GEN`]).
    #[inline(always)]
    fn row(&mut self, r: u32, gi: u32) {
        let store = self.store;
        let ri = r as usize;
        let t = store.trace.get(ri).copied().unwrap_or(NONE);
        let level = store.level.get(ri).copied().unwrap_or(Level::Default);
        let dur = store.dur_ms.get(ri).copied().unwrap_or(MS_NONE);
        let mut fig = RowFig {
            errors: u32::from(level == Level::Error),
            warnings: u32::from(level == Level::Warning),
            timed: u32::from(dur != MS_NONE),
            ..RowFig::default()
        };
        let mut model = NONE;
        if let Some(g) = store.gens.get(gi as usize) {
            model = self.money(g, &mut fig);
        }
        let env = match self
            .plans
            .env_of_context
            .get(store.context.get(ri).copied().unwrap_or(NONE) as usize)
            .copied()
            .unwrap_or(NONE)
        {
            NONE => self.trace_env.get(t as usize).copied().unwrap_or(NONE),
            own => own,
        };
        let typ = store
            .obs_type
            .get(ri)
            .copied()
            .unwrap_or(ObservationType::Span) as u32;
        let start = store.start_ms.get(ri).copied().unwrap_or(0);
        let hour = if start < self.range.0 || start >= self.range.1 {
            self.buckets
        } else {
            match bucket_of(start, &self.bounds, self.step_ms, &mut self.hint) {
                u32::MAX => self.buckets,
                h => h,
            }
        };
        let cell = self.cells.cell(model, env, typ, hour);
        if let Some(a) = self.cells.acc.get_mut(cell as usize) {
            a.add(&fig);
        }
        if let Some(a) = self.per_trace.get_mut(t as usize) {
            a.add(&fig);
        }
        let [dm, de, dt, dh] = &mut self.distinct;
        dm.mark(t, model);
        de.mark(t, env);
        dt.mark(t, typ);
        if hour != self.buckets {
            dh.mark(t, hour);
        }
        if dur != MS_NONE {
            if dur == MS_ESCAPE {
                let exact = store.dur_big.get(&r).copied().unwrap_or(0);
                self.escaped.push((exact, cell, t));
            } else {
                self.timed.push([dur, cell, t]);
            }
        }
    }

    /// Tokens and cost of generation record `g` into `fig`; returns its model symbol.
    #[inline(always)]
    fn money(&self, g: &GenRec, fig: &mut RowFig) -> Sym {
        let store = self.store;
        let (model, plan) = self
            .plans
            .genkey
            .get(g.key as usize)
            .copied()
            .unwrap_or((NONE, u32::MAX));
        let off = g.off as usize;
        let mut stored = 0usize;
        if let Some(u) = self.plans.usage.get(plan as usize) {
            stored = u.classes.len();
            let slots = store.vals.get(off..off + stored).unwrap_or(&[]);
            let (mut all, mut total) = (0u64, 0u64);
            for (j, (&v, &c)) in slots.iter().zip(&u.classes).enumerate() {
                let units = if v == u32::MAX {
                    store.big.get(&(g.off + j as u32)).copied().unwrap_or(0)
                } else {
                    u64::from(v)
                };
                all = all.saturating_add(units);
                if c & INPUT != 0 {
                    fig.input = fig.input.saturating_add(units);
                }
                if c & OUTPUT != 0 {
                    fig.output = fig.output.saturating_add(units);
                }
                if c & TOTAL != 0 {
                    total = total.saturating_add(units);
                }
            }
            if u.derived_total {
                total = total.saturating_add(all);
            }
            fig.total = if u.has_total { total } else { all };
        }
        let shape = (g.cost_shape & !COST_TOTAL_DERIVED) as usize;
        let derived = usize::from(g.cost_shape & COST_TOTAL_DERIVED != 0);
        if let Some(c) = self.plans.cost.get(shape * 2 + derived) {
            let base = off + stored;
            let slots = store
                .vals
                .get(base..base + 2 * c.stored as usize)
                .unwrap_or(&[]);
            let usd = |pair: &[u32]| {
                let lo = pair.first().copied().unwrap_or(0);
                let hi = pair.get(1).copied().unwrap_or(0);
                f64::from_bits(u64::from(lo) | u64::from(hi) << 32)
            };
            fig.cost = match c.total_at {
                Some(at) if at < c.stored => slots
                    .get(2 * at as usize..2 * at as usize + 2)
                    .map_or(0.0, usd),
                // The derived total is the in-order sum of the stored keys, as is the cost without one.
                _ => slots.chunks_exact(2).fold(0.0, |acc, p| acc + usd(p)),
            };
        }
        model
    }
}

/// The nearest-rank levels of [`Latency`].
const LEVELS: [Quantile; 3] = [P50, P95, P99];

/// Every group's state in the walk of durations in ascending order: it counts the values it has seen
/// and keeps the value at each of its nearest ranks (known up front from its count).
struct Ranks {
    /// Per group: (values seen, next one-based rank to keep; `u32::MAX` when done).
    hot: Vec<(u32, u32)>,
    targets: Vec<[u32; 3]>,
    values: Vec<[i64; 3]>,
    level: Vec<u8>,
}

impl Ranks {
    fn new(counts: impl Iterator<Item = u32>) -> Self {
        let targets: Vec<[u32; 3]> = counts
            .map(|n| {
                LEVELS.map(|q| {
                    if n == 0 {
                        u32::MAX
                    } else {
                        nearest_rank_index(n as usize, q) as u32 + 1
                    }
                })
            })
            .collect();
        Self {
            hot: targets.iter().map(|t| (0, t[0])).collect(),
            values: vec![[0; 3]; targets.len()],
            level: vec![0; targets.len()],
            targets,
        }
    }

    #[inline(always)]
    fn push(&mut self, g: u32, v: i64) {
        if let Some(h) = self.hot.get_mut(g as usize) {
            h.0 += 1;
            if h.0 == h.1 {
                self.keep(g as usize, v);
            }
        }
    }

    #[cold]
    fn keep(&mut self, g: usize, v: i64) {
        let (Some(h), Some(t), Some(vals), Some(level)) = (
            self.hot.get_mut(g),
            self.targets.get(g),
            self.values.get_mut(g),
            self.level.get_mut(g),
        ) else {
            return;
        };
        while let (Some(&target), Some(slot)) =
            (t.get(*level as usize), vals.get_mut(*level as usize))
        {
            if target != h.0 {
                break;
            }
            *slot = v;
            *level += 1;
        }
        h.1 = t.get(*level as usize).copied().unwrap_or(u32::MAX);
    }

    fn latency(&self, g: usize) -> Option<Latency> {
        let done = self.level.get(g).copied().unwrap_or(0) as usize == LEVELS.len();
        let v = self.values.get(g)?;
        done.then(|| Latency {
            p50_ms: v[0],
            p95_ms: v[1],
            p99_ms: v[2],
        })
    }
}

/// Computes the kernel's rollups (see the module docs) over the observations `filter` keeps.
pub fn kernel_rollups(store: &Store, filter: &Filter, offsets: &dyn UtcOffsets) -> KernelRollups {
    let traces = store.traces();
    let n_traces = traces.len();
    let selection = (*filter != Filter::default()).then(|| select(store, filter));

    // The kept start range fixes the hourly buckets.
    let (first, last) = match &selection {
        None => store
            .time_range_ms()
            .map_or((None, None), |(a, b)| (Some(a), Some(b))),
        Some(sel) => sel
            .rows
            .iter()
            .filter_map(|&r| store.start_ms.get(r as usize).copied())
            .fold((None, None), |(lo, hi): (Option<i64>, Option<i64>), v| {
                (
                    Some(lo.map_or(v, |x| x.min(v))),
                    Some(hi.map_or(v, |x| x.max(v))),
                )
            }),
    };
    let from_ms = filter.from_ms.or(first).unwrap_or(0);
    let to_ms = filter
        .to_ms
        .or(last.map(|t| t.saturating_add(1)))
        .unwrap_or(from_ms);
    // Hourly unless that would exceed `MAX_BUCKETS` (then widened, as `time_series` does).
    let bucket = widened(BucketSize::Hour1, to_ms.saturating_sub(from_ms));
    let bounds = boundaries(from_ms, to_ms, bucket, offsets);
    let n_hours = bounds.len().saturating_sub(1);

    let d = &store.dicts;
    let sizes = [
        d.models.len().max(1),
        d.environments.len().max(1),
        ObservationType::ALL.len(),
        n_hours,
        d.names.len().max(1),
        d.users.len().max(1),
        d.sessions.len().max(1),
    ];
    let n_rows = selection.as_ref().map_or(store.len(), |s| s.rows.len());
    let mut pass = Pass {
        store,
        plans: Plans::new(store),
        trace_env: &traces.environment,
        step_ms: bucket.nominal_ms(),
        bounds,
        range: (from_ms, to_ms),
        buckets: n_hours as u32,
        hint: 0,
        per_trace: vec![Acc::default(); n_traces],
        cells: Cells::new(sizes[MODEL], sizes[ENVIRONMENT], n_hours),
        distinct: [
            Distinct::new(sizes[MODEL], n_traces),
            Distinct::new(sizes[ENVIRONMENT], n_traces),
            Distinct::new(sizes[TYPE], n_traces),
            Distinct::new(sizes[HOUR], n_traces),
        ],
        timed: Vec::with_capacity(n_rows),
        escaped: Vec::new(),
    };
    match &selection {
        None => {
            // Every row; generation indices by merging the row-sorted side table.
            let mut gi = 0usize;
            for r in 0..store.len() as u32 {
                while store.gens.get(gi).is_some_and(|g| g.row < r) {
                    gi += 1;
                }
                let g = match store.gens.get(gi) {
                    Some(g) if g.row == r => gi as u32,
                    _ => NO_GEN,
                };
                pass.row(r, g);
            }
        }
        Some(sel) => {
            for (&r, &g) in sel.rows.iter().zip(&sel.gens) {
                pass.row(r, g);
            }
        }
    }
    let Pass {
        per_trace,
        cells,
        distinct,
        timed,
        escaped,
        bounds,
        ..
    } = pass;

    // Sums per group: the cells fold into the row-level groupings, the traces into the trace-level
    // ones and the overview.
    let mut sums: [Vec<Acc>; GROUPINGS] = sizes.map(|n| vec![Acc::default(); n]);
    for (cell, a) in cells.acc.iter().enumerate() {
        if a.obs == 0 {
            continue;
        }
        for (groups, g) in sums.iter_mut().zip(cells.groups(cell as u32)) {
            if let Some(x) = groups.get_mut(g as usize) {
                x.merge(a);
            }
        }
    }
    let kept: Vec<Sym> = (0..n_traces as Sym)
        .filter(|&t| per_trace.get(t as usize).is_some_and(|a| a.obs > 0))
        .collect();
    let trace_cols: [&[Sym]; 3] = [&traces.service, &traces.user, &traces.session];
    // Per trace: its service, user and session (read together in the quantile walk).
    let trace_groups: Vec<[u32; 3]> = (0..n_traces)
        .map(|t| trace_cols.map(|col| col.get(t).copied().unwrap_or(NONE)))
        .collect();
    let [dm, de, dt, dh] = distinct;
    let mut trace_counts: [Vec<u32>; GROUPINGS] = [
        dm.counts(sizes[MODEL], &kept),
        de.counts(sizes[ENVIRONMENT], &kept),
        dt.counts(sizes[TYPE], &kept),
        dh.counts(sizes[HOUR], &kept),
        vec![0; sizes[SERVICE]],
        vec![0; sizes[USER]],
        vec![0; sizes[SESSION]],
    ];
    let mut overview = Acc::default();
    for &t in &kept {
        let (Some(a), Some(gs)) = (per_trace.get(t as usize), trace_groups.get(t as usize)) else {
            continue;
        };
        overview.merge(a);
        let (_, trace_level) = sums.split_at_mut(SERVICE);
        let (_, trace_level_counts) = trace_counts.split_at_mut(SERVICE);
        for ((groups, counts), &g) in trace_level
            .iter_mut()
            .zip(trace_level_counts.iter_mut())
            .zip(gs)
        {
            if let (Some(acc), Some(c)) = (groups.get_mut(g as usize), counts.get_mut(g as usize)) {
                acc.merge(a);
                *c += 1;
            }
        }
    }

    // Latency: one sort of the durations, then one walk for every group's ranks.
    let mut ranks: Vec<Ranks> = sums
        .iter()
        .map(|gs| Ranks::new(gs.iter().map(|a| a.timed)))
        .collect();
    let mut walk = |v: i64, cell: u32, t: u32| {
        let [m, e, ty, h] = cells.groups(cell);
        let [sv, us, se] = trace_groups
            .get(t as usize)
            .copied()
            .unwrap_or([u32::MAX; 3]);
        for (r, g) in ranks.iter_mut().zip([m, e, ty, h, sv, us, se]) {
            r.push(g, v);
        }
    };
    let (overview_latency, latency_histogram) = if escaped.is_empty() {
        let sorted = sort_triples(timed);
        for &[v, cell, t] in &sorted {
            walk(i64::from(v), cell, t);
        }
        let value = |i: usize| sorted.get(i).map_or(0, |x| i64::from(x[0]));
        (
            latency_at(sorted.len(), value),
            histogram_of_sorted(sorted.len(), value, 10),
        )
    } else {
        // Some duration is negative or above `u32::MAX - 1` ms: sort exact values.
        let mut all: Vec<(i64, u32, u32)> = timed
            .into_iter()
            .map(|[v, cell, t]| (i64::from(v), cell, t))
            .collect();
        all.extend(escaped);
        let order = sort_by_key(
            all.iter()
                .enumerate()
                .map(|(i, &(v, _, _))| (order_key(v), i as u32))
                .collect(),
        );
        let sorted: Vec<(i64, u32, u32)> = order
            .iter()
            .filter_map(|&i| all.get(i as usize).copied())
            .collect();
        for &(v, cell, t) in &sorted {
            walk(v, cell, t);
        }
        let value = |i: usize| sorted.get(i).map_or(0, |x| x.0);
        (
            latency_at(sorted.len(), value),
            histogram_of_sorted(sorted.len(), value, 10),
        )
    };

    // Assembly.
    let figures_of = |i: usize| -> Vec<GroupFigures> {
        let (Some(accs), Some(tr), Some(r)) = (sums.get(i), trace_counts.get(i), ranks.get(i))
        else {
            return Vec::new();
        };
        accs.iter()
            .enumerate()
            .filter(|(_, a)| a.obs > 0)
            .map(|(g, a)| GroupFigures {
                key: g as Sym,
                figures: a.figures(u64::from(tr.get(g).copied().unwrap_or(0)), r.latency(g)),
            })
            .collect()
    };
    let group_bys = KERNEL_DIMENSIONS
        .iter()
        .zip([MODEL, SERVICE, USER, SESSION, ENVIRONMENT, TYPE])
        .map(|(dimension, i)| DimensionFigures {
            dimension: dimension.clone(),
            groups: figures_of(i),
        })
        .collect();
    let hourly = bounds
        .windows(2)
        .enumerate()
        .map(|(h, w)| {
            let a = sums[HOUR].get(h).copied().unwrap_or_default();
            BucketFigures {
                start_ms: w[0],
                end_ms: w[1],
                figures: (a.obs > 0).then(|| {
                    a.figures(
                        u64::from(trace_counts[HOUR].get(h).copied().unwrap_or(0)),
                        ranks[HOUR].latency(h),
                    )
                }),
            }
        })
        .collect();
    KernelRollups {
        overview: overview.figures(kept.len() as u64, overview_latency),
        first_start_ms: first,
        last_start_ms: last,
        group_bys,
        latency_histogram,
        bucket,
        hourly,
    }
}

/// The overview's quantiles from the sorted durations (`value(i)` is the i-th smallest of `n`).
fn latency_at(n: usize, value: impl Fn(usize) -> i64) -> Option<Latency> {
    (n > 0).then(|| Latency {
        p50_ms: value(nearest_rank_index(n, P50)),
        p95_ms: value(nearest_rank_index(n, P95)),
        p99_ms: value(nearest_rank_index(n, P99)),
    })
}
