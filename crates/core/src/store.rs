//! The column store of observations.
//!
//! Contract:
//! - Input: [`ObservationRow`](crate::row::ObservationRow)s through [`Store::upsert`], in any order, any number of times. A row whose
//!   (trace id, observation id) was seen before replaces the old row **in place** (same row index);
//!   anything else appends. The same observation id under two different trace ids is kept twice and both
//!   rows are flagged as duplicates ([`RowFlags::DUPLICATE_ID`]).
//! - Rows are never dropped: a row without a trace id, with a parent that never arrives (orphan), with a
//!   parent chain that loops (cycle) or with nonsensical times is kept and flagged where it is read.
//! - Row indices (`u32`) are stable for the life of the store; every other module addresses rows by them.
//!
//! Layout (why it fits in well under 100 bytes per observation at a million rows):
//! - dense columns: packed id (`u64`), trace symbol, parent row (for a row whose parent has not arrived:
//!   its slot among the waiting children, above `PENDING_BASE`), start (ms), duration (ms, `u32` with an
//!   exact escape), name symbol, a per-row "context" tuple symbol (user, session, environment, release,
//!   version, trace name, tag set), a metadata-set symbol, type, level and flags (one byte each);
//! - a sparse, row-sorted side table for the rows that carry model, prompt, usage, cost or a first-token
//!   time (generations, embeddings): a "generation key" tuple (model, model id, prompt, usage-key shape,
//!   model parameters), first-token time, and offsets into a `u32` usage arena (exact `u64` escapes for
//!   the rare value above `u32::MAX - 1`) and an `f64` cost arena;
//! - sparse status messages and "other" enum texts;
//! - one `hashbrown::HashTable<u32>` from id to row, and dictionaries (see [`crate::intern`]).
//!
//! The write path lives in `upsert.rs`, waiting children in `waiting.rs`; the derived trace index is
//! cached until the next change.

use std::sync::OnceLock;

use foldhash::fast::FixedState;
use hashbrown::{HashMap, HashTable};

use crate::estimate::Pricing;
use crate::ids::{self, ByteArena, IdKey};
use crate::intern::{self, Interner, ListInterner, NONE, Sym, TupleInterner};
use crate::pricing::ModelPrice;
use crate::row::{Level, ObservationType};
use crate::trace::TraceIndex;
use crate::upsert::UpsertCache;
use crate::waiting::Waiting;

/// Parent column value: the row has no parent id.
pub(crate) const NO_PARENT: u32 = u32::MAX;
/// Parent column values from this one up (below [`NO_PARENT`]): the row names a parent that is not (yet)
/// in the store; the value minus this base is the row's slot in [`Waiting`]. Rows are numbered below it
/// (two billion rows would not fit in memory, let alone in wasm's 4 GiB).
pub(crate) const PENDING_BASE: u32 = 1 << 31;

/// True when a parent column value means "the parent is not in the store".
pub(crate) fn is_pending(parent: u32) -> bool {
    (PENDING_BASE..NO_PARENT).contains(&parent)
}
/// Duration / first-token column value: missing.
pub(crate) const MS_NONE: u32 = u32::MAX;
/// Duration / first-token column value: the exact value is in an escape map (negative or huge).
pub(crate) const MS_ESCAPE: u32 = u32::MAX - 1;
/// Usage slot value: the exact value is in `Store::big`.
const USAGE_ESCAPE: u32 = u32::MAX;

/// Indices into the context tuple.
pub(crate) mod ctx {
    pub const USER: usize = 0;
    pub const SESSION: usize = 1;
    pub const ENVIRONMENT: usize = 2;
    pub const RELEASE: usize = 3;
    pub const VERSION: usize = 4;
    pub const TRACE_NAME: usize = 5;
    pub const TAGS: usize = 6;
    pub const LEN: usize = 7;
}

/// Indices into the generation-key tuple.
pub(crate) mod gk {
    pub const MODEL: usize = 0;
    pub const MODEL_ID: usize = 1;
    pub const PROMPT: usize = 2;
    pub const PROMPT_VERSION_LO: usize = 3;
    pub const PROMPT_VERSION_HI: usize = 4;
    /// Bits: [`PROMPT_VERSION_SET_BIT`], [`USAGE_TOTAL_DERIVED`].
    pub const FLAGS: usize = 5;
    pub const USAGE_SHAPE: usize = 6;
    pub const PARAMS: usize = 7;
    pub const LEN: usize = 8;
    pub const PROMPT_VERSION_SET_BIT: u32 = 1;
    pub const USAGE_TOTAL_DERIVED: u32 = 2;
}

/// Per-row flag bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RowFlags(pub u8);

impl RowFlags {
    /// The id did not pack into a `u64` and lives in the id arena (internal).
    pub(crate) const ID_IN_ARENA: u8 = 1;
    /// The cost was estimated from the models list (Langfuse gave none, or only zeros).
    pub const COST_ESTIMATED: u8 = 2;
    /// Another row has the same observation id under a different trace id.
    pub const DUPLICATE_ID: u8 = 4;
    /// Langfuse flagged the row as its trace's logical root (`isRootObservation: true`).
    pub const IS_ROOT: u8 = 8;
    /// The row is the legacy synthetic root `t-<traceId>`.
    pub const LEGACY_ROOT: u8 = 16;
    /// The row has a record in the generation side table (internal).
    pub(crate) const HAS_GEN: u8 = 32;

    /// True when every bit of `bit` is set.
    pub fn has(self, bit: u8) -> bool {
        self.0 & bit == bit
    }
}

/// What [`Store::upsert`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Upsert {
    /// A new row was appended.
    Inserted,
    /// A row with the same trace id and observation id was replaced in place.
    Replaced,
}

/// One record of the generation side table.
///
/// Its values live in `Store::vals` from `off`: the stored usage values (one `u32` each, [`USAGE_ESCAPE`]
/// sending the exact value to `Store::big`), then the stored cost values (two `u32` each, the bits of
/// the `f64`). A `total` usage or cost key that equals the exact sum of the other keys is not stored
/// but derived on read (flag [`gk::USAGE_TOTAL_DERIVED`] in the key, [`COST_TOTAL_DERIVED`] in
/// `cost_shape`); it reads back last.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct GenRec {
    pub row: u32,
    /// Generation-key tuple symbol (see [`gk`]).
    pub key: Sym,
    /// Completion start − start, ms ([`MS_NONE`], [`MS_ESCAPE`]).
    pub ttft_ms: u32,
    pub off: u32,
    /// Shape (list of usage-key symbols) of the stored cost values, with [`COST_TOTAL_DERIVED`].
    pub cost_shape: Sym,
}

/// `cost_shape` bit: the cost `total` is derived from the other cost keys.
pub(crate) const COST_TOTAL_DERIVED: u32 = 1 << 31;
/// The usage-key symbol of `total` (interned first in every store).
pub(crate) const TOTAL_KEY: Sym = 1;

/// Leaves out a `total` cost key bit-equal to the in-order `f64` sum of the others (derived on read).
fn elide_cost_total(keys: &mut Vec<Sym>, usd: &mut Vec<f64>) -> bool {
    let mut totals = keys.iter().enumerate().filter(|&(_, &k)| k == TOTAL_KEY);
    let Some((at, _)) = totals.next() else {
        return false;
    };
    if totals.next().is_some() {
        return false;
    }
    let others = usd
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != at)
        .fold(0.0, |acc, (_, &c)| acc + c);
    if usd.get(at).map(|t| t.to_bits()) != Some(others.to_bits()) {
        return false;
    }
    keys.remove(at);
    usd.remove(at);
    true
}

/// Every dictionary of the store.
#[derive(Clone, Debug, Default)]
pub(crate) struct Dicts {
    /// Encoded trace ids (see [`crate::ids`]).
    pub trace_ids: Interner,
    /// Observation names and trace names (the "service" dimension) share one dictionary.
    pub names: Interner,
    pub models: Interner,
    pub model_ids: Interner,
    pub prompts: Interner,
    pub users: Interner,
    pub sessions: Interner,
    pub environments: Interner,
    pub releases: Interner,
    pub versions: Interner,
    pub tags: Interner,
    pub tagsets: ListInterner,
    pub status: Interner,
    /// Metadata and model-parameter keys.
    pub meta_keys: Interner,
    /// Metadata and model-parameter values.
    pub meta_values: Interner,
    /// Sets of (key, value) symbol pairs, flattened.
    pub metasets: ListInterner,
    /// Usage and cost keys (one vocabulary).
    pub usage_keys: Interner,
    /// Lists of usage-key symbols.
    pub shapes: ListInterner,
    /// Texts of unknown observation types and levels.
    pub other_text: Interner,
    pub contexts: TupleInterner<{ ctx::LEN }>,
    pub genkeys: TupleInterner<{ gk::LEN }>,
}

impl Dicts {
    /// Fresh dictionaries with the usage key `total` pre-interned (estimated costs always carry it).
    fn with_total_key() -> Self {
        let mut d = Self::default();
        d.usage_keys.intern(Some("total"));
        d
    }

    #[allow(dead_code)] // kept beside `shrink_to_fit` as the list of every dictionary
    fn memory_bytes(&self) -> usize {
        self.trace_ids.memory_bytes()
            + self.names.memory_bytes()
            + self.models.memory_bytes()
            + self.model_ids.memory_bytes()
            + self.prompts.memory_bytes()
            + self.users.memory_bytes()
            + self.sessions.memory_bytes()
            + self.environments.memory_bytes()
            + self.releases.memory_bytes()
            + self.versions.memory_bytes()
            + self.tags.memory_bytes()
            + self.tagsets.memory_bytes()
            + self.status.memory_bytes()
            + self.meta_keys.memory_bytes()
            + self.meta_values.memory_bytes()
            + self.metasets.memory_bytes()
            + self.usage_keys.memory_bytes()
            + self.shapes.memory_bytes()
            + self.other_text.memory_bytes()
            + self.contexts.memory_bytes()
            + self.genkeys.memory_bytes()
    }

    fn shrink_to_fit(&mut self) {
        self.trace_ids.shrink_to_fit();
        self.names.shrink_to_fit();
        self.models.shrink_to_fit();
        self.model_ids.shrink_to_fit();
        self.prompts.shrink_to_fit();
        self.users.shrink_to_fit();
        self.sessions.shrink_to_fit();
        self.environments.shrink_to_fit();
        self.releases.shrink_to_fit();
        self.versions.shrink_to_fit();
        self.tags.shrink_to_fit();
        self.tagsets.shrink_to_fit();
        self.status.shrink_to_fit();
        self.meta_keys.shrink_to_fit();
        self.meta_values.shrink_to_fit();
        self.metasets.shrink_to_fit();
        self.usage_keys.shrink_to_fit();
        self.shapes.shrink_to_fit();
        self.other_text.shrink_to_fit();
        self.contexts.shrink_to_fit();
        self.genkeys.shrink_to_fit();
    }
}

/// The column store. See the module docs for the contract.
#[derive(Debug)]
pub struct Store {
    pub(crate) ids: Vec<u64>,
    pub(crate) trace: Vec<Sym>,
    pub(crate) parent: Vec<u32>,
    pub(crate) start_ms: Vec<i64>,
    pub(crate) dur_ms: Vec<u32>,
    pub(crate) name: Vec<Sym>,
    pub(crate) context: Vec<Sym>,
    pub(crate) meta: Vec<Sym>,
    pub(crate) obs_type: Vec<ObservationType>,
    pub(crate) level: Vec<Level>,
    pub(crate) flags: Vec<u8>,

    /// Generation side table, sorted by row.
    pub(crate) gens: Vec<GenRec>,
    /// Usage and cost values of the generation records (see [`GenRec`]).
    pub(crate) vals: Vec<u32>,
    /// Exact usage values that do not fit a `u32` slot, by slot index.
    pub(crate) big: HashMap<u32, u64, FixedState>,
    /// Slots no longer referenced (replaced rows), reclaimed by [`Store::shrink_to_fit`].
    pub(crate) garbage: usize,

    /// Status messages, sorted by row.
    pub(crate) status: Vec<(u32, Sym)>,
    pub(crate) dur_big: HashMap<u32, i64, FixedState>,
    /// Exact first-token times that do not fit the `u32` column, by row.
    pub(crate) ttft_big: HashMap<u32, i64, FixedState>,
    /// (type text, level text) for rows with an unknown type or level.
    pub(crate) other_text: HashMap<u32, (Sym, Sym), FixedState>,

    pub(crate) id_arena: ByteArena,
    pub(crate) id_index: HashTable<u32>,
    pub(crate) id_state: FixedState,
    /// Children waiting for a parent (trace, parent id) that has not arrived.
    pub(crate) waiting: Waiting,

    pub(crate) dicts: Dicts,
    pub(crate) pricing: Pricing,
    pub(crate) scores: crate::scores::ScoreTable,

    pub(crate) cache: UpsertCache,
    pub(crate) trace_cache: OnceLock<TraceIndex>,
}

impl Default for Store {
    fn default() -> Self {
        Self::new()
    }
}

pub(crate) fn row_key<'a>(ids: &[u64], flags: &[u8], arena: &'a ByteArena, row: u32) -> IdKey<'a> {
    let r = row as usize;
    let raw = ids.get(r).copied().unwrap_or(0);
    if flags.get(r).copied().unwrap_or(0) & RowFlags::ID_IN_ARENA != 0 {
        IdKey::Bytes(arena.get(raw))
    } else {
        IdKey::Packed(raw)
    }
}

fn vec_bytes<T>(v: &Vec<T>) -> usize {
    v.capacity() * core::mem::size_of::<T>()
}

fn map_bytes<K, V, S>(m: &HashMap<K, V, S>) -> usize {
    // hashbrown keeps one control byte per bucket beside each (K, V) slot; buckets are a power of two
    // above capacity / 0.875.
    let cap = m.capacity();
    if cap == 0 {
        return 0;
    }
    let buckets = if cap < 8 {
        (cap + 1).next_power_of_two()
    } else {
        (cap * 8 / 7).next_power_of_two()
    };
    buckets * (core::mem::size_of::<(K, V)>() + 1) + 16
}

impl Store {
    /// An empty store.
    pub fn new() -> Self {
        Self {
            ids: Vec::new(),
            trace: Vec::new(),
            parent: Vec::new(),
            start_ms: Vec::new(),
            dur_ms: Vec::new(),
            name: Vec::new(),
            context: Vec::new(),
            meta: Vec::new(),
            obs_type: Vec::new(),
            level: Vec::new(),
            flags: Vec::new(),
            gens: Vec::new(),
            vals: Vec::new(),
            big: HashMap::with_hasher(intern::hasher()),
            garbage: 0,
            status: Vec::new(),
            dur_big: HashMap::with_hasher(intern::hasher()),
            ttft_big: HashMap::with_hasher(intern::hasher()),
            other_text: HashMap::with_hasher(intern::hasher()),
            id_arena: ByteArena::default(),
            id_index: HashTable::new(),
            id_state: intern::hasher(),
            waiting: Waiting::default(),
            dicts: Dicts::with_total_key(),
            pricing: Pricing::default(),
            scores: crate::scores::ScoreTable::default(),
            cache: UpsertCache::default(),
            trace_cache: OnceLock::new(),
        }
    }

    /// Number of observations (rows).
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// True when the store holds no observation.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Number of distinct trace ids seen (the missing trace id counts once if present).
    pub fn trace_count(&self) -> usize {
        self.traces().len()
    }

    /// Earliest and latest observation start time (Unix ms), `None` when empty.
    pub fn time_range_ms(&self) -> Option<(i64, i64)> {
        let min = self.start_ms.iter().copied().min()?;
        let max = self.start_ms.iter().copied().max()?;
        Some((min, max))
    }

    /// Heap bytes held by the store, counted by capacity (dictionaries, side tables, index and slack
    /// included; the derived trace index cache excluded, see [`Store::cache_bytes`]).
    pub fn memory_bytes(&self) -> usize {
        self.memory_breakdown().iter().map(|&(_, b)| b).sum()
    }

    /// [`Store::memory_bytes`] by part, largest first.
    pub fn memory_breakdown(&self) -> Vec<(&'static str, usize)> {
        let d = &self.dicts;
        let mut parts = vec![
            ("ids", vec_bytes(&self.ids) + self.id_arena.memory_bytes()),
            ("id index", intern::table_bytes(&self.id_index)),
            ("trace column", vec_bytes(&self.trace)),
            ("parent column", vec_bytes(&self.parent)),
            ("start column", vec_bytes(&self.start_ms)),
            (
                "duration column",
                vec_bytes(&self.dur_ms) + map_bytes(&self.dur_big),
            ),
            ("name column", vec_bytes(&self.name)),
            ("context column", vec_bytes(&self.context)),
            ("metadata column", vec_bytes(&self.meta)),
            (
                "type, level, flags",
                vec_bytes(&self.obs_type) + vec_bytes(&self.level) + vec_bytes(&self.flags),
            ),
            (
                "generation records",
                vec_bytes(&self.gens) + map_bytes(&self.ttft_big),
            ),
            (
                "usage and cost values",
                vec_bytes(&self.vals) + map_bytes(&self.big),
            ),
            (
                "status messages",
                vec_bytes(&self.status) + map_bytes(&self.other_text),
            ),
            ("pending parents", self.waiting.memory_bytes()),
            ("trace ids", d.trace_ids.memory_bytes()),
            ("scores", self.scores.memory_bytes()),
            (
                "contexts",
                d.contexts.memory_bytes() + d.tagsets.memory_bytes(),
            ),
            (
                "generation keys",
                d.genkeys.memory_bytes() + d.shapes.memory_bytes(),
            ),
            (
                "metadata sets",
                d.metasets.memory_bytes()
                    + d.meta_keys.memory_bytes()
                    + d.meta_values.memory_bytes(),
            ),
            (
                "strings",
                d.names.memory_bytes()
                    + d.models.memory_bytes()
                    + d.model_ids.memory_bytes()
                    + d.prompts.memory_bytes()
                    + d.users.memory_bytes()
                    + d.sessions.memory_bytes()
                    + d.environments.memory_bytes()
                    + d.releases.memory_bytes()
                    + d.versions.memory_bytes()
                    + d.tags.memory_bytes()
                    + d.status.memory_bytes()
                    + d.usage_keys.memory_bytes()
                    + d.other_text.memory_bytes(),
            ),
            (
                "models and scratch",
                self.pricing.memory_bytes() + self.cache.memory_bytes(),
            ),
        ];
        crate::sort::sort_by_key(&mut parts, |&(_, bytes)| core::cmp::Reverse(bytes));
        parts
    }

    /// Heap bytes of the derived trace index while it is cached (rebuilt after the next upsert).
    pub fn cache_bytes(&self) -> usize {
        self.trace_cache.get().map_or(0, TraceIndex::memory_bytes)
    }

    /// Gives allocation slack back and compacts the usage/cost arenas (call after a bulk load).
    pub fn shrink_to_fit(&mut self) {
        if self.garbage > 0 {
            self.compact_values();
        }
        self.ids.shrink_to_fit();
        self.trace.shrink_to_fit();
        self.parent.shrink_to_fit();
        self.start_ms.shrink_to_fit();
        self.dur_ms.shrink_to_fit();
        self.name.shrink_to_fit();
        self.context.shrink_to_fit();
        self.meta.shrink_to_fit();
        self.obs_type.shrink_to_fit();
        self.level.shrink_to_fit();
        self.flags.shrink_to_fit();
        self.gens.shrink_to_fit();
        self.vals.shrink_to_fit();
        self.big.shrink_to_fit();
        self.status.shrink_to_fit();
        self.dur_big.shrink_to_fit();
        self.ttft_big.shrink_to_fit();
        self.other_text.shrink_to_fit();
        self.id_arena.shrink_to_fit();
        let Self {
            id_index,
            ids,
            flags,
            id_arena,
            ..
        } = self;
        id_index.shrink_to_fit(|&r| row_key(ids, flags, id_arena, r).id_hash());
        self.waiting.shrink_to_fit();
        self.dicts.shrink_to_fit();
        self.cache.clear();
    }

    fn compact_values(&mut self) {
        let mut vals = Vec::with_capacity(self.vals.len().saturating_sub(self.garbage));
        let mut big = HashMap::with_hasher(intern::hasher());
        for i in 0..self.gens.len() {
            let Some(g) = self.gens.get(i).copied() else {
                continue;
            };
            let new_off = vals.len() as u32;
            for k in 0..self.slots(&g) as u32 {
                let old = g.off + k;
                let v = self.vals.get(old as usize).copied().unwrap_or(0);
                if let Some(&exact) = self.big.get(&old) {
                    big.insert(new_off + k, exact);
                }
                vals.push(v);
            }
            if let Some(slot) = self.gens.get_mut(i) {
                slot.off = new_off;
            }
        }
        self.vals = vals;
        self.big = big;
        self.garbage = 0;
    }

    /// Sets the models list used to estimate costs Langfuse did not provide, and re-estimates every row
    /// (API.md §10: project models win, then newest start date; tiers by ascending priority).
    pub fn set_models(&mut self, models: Vec<ModelPrice>) {
        self.pricing = Pricing::new(models);
        for gi in 0..self.gens.len() {
            self.reestimate(gi);
        }
        self.trace_cache = OnceLock::new();
    }

    /// The models list in use.
    pub fn models(&self) -> &[ModelPrice] {
        self.pricing.models()
    }

    /// Writes a record's stored usage values then cost values (two `u32` halves each) from slot `off`
    /// (overwriting, or appending past the end).
    pub(crate) fn write_values(
        &mut self,
        off: u32,
        units: impl Iterator<Item = u64>,
        usd: impl Iterator<Item = f64>,
    ) {
        let mut idx = off;
        let put = |vals: &mut Vec<u32>, idx: u32, v: u32| match vals.get_mut(idx as usize) {
            Some(slot) => *slot = v,
            None => vals.push(v),
        };
        for u in units {
            if !self.big.is_empty() {
                self.big.remove(&idx);
            }
            let v = if u >= u64::from(USAGE_ESCAPE) {
                self.big.insert(idx, u);
                USAGE_ESCAPE
            } else {
                u as u32
            };
            put(&mut self.vals, idx, v);
            idx += 1;
        }
        for c in usd {
            let bits = c.to_bits();
            for half in [bits as u32, (bits >> 32) as u32] {
                if !self.big.is_empty() {
                    self.big.remove(&idx);
                }
                put(&mut self.vals, idx, half);
                idx += 1;
            }
        }
    }

    /// Writes a record's values at `at` (or appended) and points the record there.
    fn place_values(&mut self, gi: usize, at: Option<u32>, units: &[u64], usd: &[f64]) {
        let off = at.unwrap_or(self.vals.len() as u32);
        self.write_values(off, units.iter().copied(), usd.iter().copied());
        if let Some(g) = self.gens.get_mut(gi) {
            g.off = off;
        }
    }

    /// Stored value slots of a record.
    pub(crate) fn slots(&self, g: &GenRec) -> usize {
        self.usage_len(g.key)
            + 2 * self
                .dicts
                .shapes
                .resolve(g.cost_shape & !COST_TOTAL_DERIVED)
                .len()
    }

    /// Stored (not derived) usage values of a record.
    fn usage_len(&self, genkey: Sym) -> usize {
        self.dicts
            .shapes
            .resolve(self.dicts.genkeys.resolve(genkey)[gk::USAGE_SHAPE])
            .len()
    }

    /// Replaces an estimated cost by a fresh estimate, or estimates a cost Langfuse did not give.
    pub(crate) fn reestimate(&mut self, gi: usize) {
        let Some(g) = self.gens.get(gi).copied() else {
            return;
        };
        let row = g.row as usize;
        let was_estimated = self
            .flags
            .get(row)
            .is_some_and(|f| f & RowFlags::COST_ESTIMATED != 0);
        if !was_estimated && self.cost_of(&g).any(|(_, c)| c != 0.0) {
            return;
        }
        if self.pricing.models().is_empty() && !was_estimated {
            return;
        }
        {
            let model_sym = self.dicts.genkeys.resolve(g.key)[gk::MODEL];
            let Self { pricing, dicts, .. } = self;
            pricing.ensure_matched(model_sym, dicts.models.resolve(model_sym));
        }
        let key = self.dicts.genkeys.resolve(g.key);
        let (mut keys, mut values, estimated) = match self.pricing.estimate(self, g, key) {
            Some((k, v)) => (k, v, true),
            None if was_estimated => (Vec::new(), Vec::new(), false),
            None => return,
        };
        let derived = elide_cost_total(&mut keys, &mut values);
        let shape = self.dicts.shapes.intern(&keys) | if derived { COST_TOTAL_DERIVED } else { 0 };
        let units: Vec<u64> = {
            let n = self.usage_len(g.key);
            (0..n as u32)
                .map(|i| self.stored_usage(g.off + i))
                .collect()
        };
        let old_slots = self.slots(&g);
        if let Some(slot) = self.gens.get_mut(gi) {
            slot.cost_shape = shape;
        }
        let new_slots = units.len() + 2 * values.len();
        let at = if new_slots == old_slots {
            Some(g.off)
        } else {
            self.garbage += old_slots;
            None
        };
        self.place_values(gi, at, &units, &values);
        if let Some(f) = self.flags.get_mut(row) {
            if estimated {
                *f |= RowFlags::COST_ESTIMATED;
            } else {
                *f &= !RowFlags::COST_ESTIMATED;
            }
        }
    }

    fn stored_usage(&self, idx: u32) -> u64 {
        match self.vals.get(idx as usize).copied() {
            Some(USAGE_ESCAPE) => self.big.get(&idx).copied().unwrap_or(0),
            Some(v) => u64::from(v),
            None => 0,
        }
    }

    /// Drops the cached trace index (rebuilt on next use).
    pub(crate) fn invalidate_traces(&mut self) {
        self.trace_cache = OnceLock::new();
    }

    /// The derived trace index (built on first use after a change, then cached).
    pub(crate) fn traces(&self) -> &TraceIndex {
        self.trace_cache.get_or_init(|| TraceIndex::build(self))
    }

    // ---- row accessors used by the rollup modules ----

    /// Observation duration in ms (`end − start`), `None` without an end time.
    pub(crate) fn duration_ms(&self, row: u32) -> Option<i64> {
        match self.dur_ms.get(row as usize).copied() {
            None | Some(MS_NONE) => None,
            Some(MS_ESCAPE) => self.dur_big.get(&row).copied(),
            Some(d) => Some(i64::from(d)),
        }
    }

    /// Index into `gens` of `row`'s generation record.
    pub(crate) fn gen_index(&self, row: u32) -> Option<usize> {
        if self
            .flags
            .get(row as usize)
            .is_some_and(|f| f & RowFlags::HAS_GEN != 0)
        {
            self.gens.binary_search_by_key(&row, |g| g.row).ok()
        } else {
            None
        }
    }

    /// Time to first token of a generation record, ms.
    pub(crate) fn ttft_ms(&self, g: &GenRec) -> Option<i64> {
        match g.ttft_ms {
            MS_NONE => None,
            MS_ESCAPE => self.ttft_big.get(&g.row).copied(),
            d => Some(i64::from(d)),
        }
    }

    /// Usage (key symbol, units) of a generation record, exact; a derived `total` comes last.
    pub(crate) fn usage_of<'a>(&'a self, g: &GenRec) -> impl Iterator<Item = (Sym, u64)> + 'a {
        let key = self.dicts.genkeys.resolve(g.key);
        let shape = self.dicts.shapes.resolve(key[gk::USAGE_SHAPE]);
        let off = g.off;
        let stored = shape
            .iter()
            .enumerate()
            .map(move |(i, &k)| (k, self.stored_usage(off + i as u32)));
        let derived = (key[gk::FLAGS] & gk::USAGE_TOTAL_DERIVED != 0).then(|| {
            let sum = (0..shape.len() as u32).fold(0u64, |acc, i| {
                acc.saturating_add(self.stored_usage(off + i))
            });
            (TOTAL_KEY, sum)
        });
        stored.chain(derived)
    }

    /// Cost (key symbol, USD) of a generation record (provided or estimated); a derived `total` comes last.
    pub(crate) fn cost_of<'a>(&'a self, g: &GenRec) -> impl Iterator<Item = (Sym, f64)> + 'a {
        let shape = self
            .dicts
            .shapes
            .resolve(g.cost_shape & !COST_TOTAL_DERIVED);
        let base = g.off as usize + self.usage_len(g.key);
        let value = move |j: usize| {
            let lo = self.vals.get(base + 2 * j).copied().unwrap_or(0);
            let hi = self.vals.get(base + 2 * j + 1).copied().unwrap_or(0);
            f64::from_bits(u64::from(lo) | u64::from(hi) << 32)
        };
        let stored = shape.iter().enumerate().map(move |(j, &k)| (k, value(j)));
        let derived = (g.cost_shape & COST_TOTAL_DERIVED != 0).then(|| {
            let sum = (0..shape.len()).fold(0.0, |acc, j| acc + value(j));
            (TOTAL_KEY, sum)
        });
        stored.chain(derived)
    }

    /// The observation id of `row` as text.
    pub fn observation_id(&self, row: u32) -> String {
        ids::decode(row_key(&self.ids, &self.flags, &self.id_arena, row))
    }

    /// The trace id of a trace symbol as text (`""` for the missing trace id).
    pub fn trace_id_text(&self, trace: Sym) -> String {
        let bytes = self.dicts.trace_ids.resolve_bytes(trace);
        if bytes.is_empty() {
            String::new()
        } else {
            ids::decode(IdKey::Bytes(bytes))
        }
    }

    /// The trace symbol of a trace id, if the store has it.
    pub fn trace_sym(&self, trace_id: &str) -> Option<Sym> {
        let mut scratch = Vec::new();
        let mut bytes = Vec::new();
        ids::key_bytes(ids::encode(trace_id, &mut scratch), &mut bytes);
        self.dicts.trace_ids.get_bytes(&bytes)
    }

    /// The row of an observation id in a trace.
    pub fn find_row(&self, trace_id: &str, observation_id: &str) -> Option<u32> {
        let trace_sym = self.trace_sym(trace_id)?;
        let mut buf = Vec::new();
        let key = ids::encode(observation_id, &mut buf);
        let hash = key.id_hash();
        self.id_index
            .find(hash, |&r| {
                self.trace.get(r as usize) == Some(&trace_sym)
                    && row_key(&self.ids, &self.flags, &self.id_arena, r) == key
            })
            .copied()
    }

    /// Row flags.
    pub fn row_flags(&self, row: u32) -> RowFlags {
        RowFlags(self.flags.get(row as usize).copied().unwrap_or(0))
    }

    /// The parent id a row names when that parent is not in the store (an orphan), else `None`.
    pub fn missing_parent_id(&self, row: u32) -> Option<String> {
        let p = self.parent.get(row as usize).copied().unwrap_or(NO_PARENT);
        if !is_pending(p) {
            return None;
        }
        self.waiting
            .key_of(p - PENDING_BASE)
            .map(|(_, key)| ids::decode(key))
    }

    /// The text of a group key of `dimension` (a symbol of its dictionary, as [`crate::kernel_rollups`]
    /// reports it); `None` for missing ([`NONE`]) or a symbol the dictionary does not have. For
    /// `ObservationType` and `Level` the key is the index in `ALL` and the text the wire name.
    pub fn label(&self, dimension: &crate::Dimension, key: Sym) -> Option<&str> {
        use crate::Dimension as D;
        let d = &self.dicts;
        let dict = match dimension {
            D::ObservationType => {
                return ObservationType::ALL.get(key as usize).map(|t| t.as_str());
            }
            D::Level => return Level::ALL.get(key as usize).map(|l| l.as_str()),
            D::Model => &d.models,
            D::Service | D::Name => &d.names,
            D::User => &d.users,
            D::Session => &d.sessions,
            D::Environment => &d.environments,
            D::Release => &d.releases,
            D::Version => &d.versions,
            D::Tag => &d.tags,
            D::PromptName => &d.prompts,
            D::Metadata(_) => &d.meta_values,
        };
        (key != NONE && (key as usize) < dict.len()).then(|| dict.resolve(key))
    }

    /// Status message of a row (`None` when missing).
    pub(crate) fn status_of(&self, row: u32) -> Sym {
        self.status
            .binary_search_by_key(&row, |&(r, _)| r)
            .ok()
            .and_then(|i| self.status.get(i))
            .map_or(NONE, |s| s.1)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::row::ObservationRow;

    fn row<'a>(id: &'a str, trace: &'a str, start: i64) -> ObservationRow<'a> {
        ObservationRow::new(id, trace, start)
    }

    #[test]
    fn upsert_replaces_by_trace_and_id_in_place() {
        let mut s = Store::new();
        assert_eq!(
            s.upsert(&row("a17e5b9c2d4f6081", "t1", 10)),
            Upsert::Inserted
        );
        assert_eq!(s.upsert(&row("b", "t1", 20)), Upsert::Inserted);
        let mut again = row("a17e5b9c2d4f6081", "t1", 15);
        again.end_time_ms = Some(40);
        assert_eq!(s.upsert(&again), Upsert::Replaced);
        assert_eq!(s.len(), 2);
        assert_eq!(s.start_ms, vec![15, 20]);
        assert_eq!(s.duration_ms(0), Some(25));
        assert_eq!(s.time_range_ms(), Some((15, 20)));
        assert_eq!(s.observation_id(0), "a17e5b9c2d4f6081");
        assert_eq!(s.find_row("t1", "b"), Some(1));
    }

    #[test]
    fn same_id_in_two_traces_is_kept_and_flagged() {
        let mut s = Store::new();
        s.upsert(&row("x", "t1", 1));
        s.upsert(&row("x", "t2", 2));
        s.upsert(&row("y", "t2", 3));
        assert_eq!(s.len(), 3);
        assert!(s.row_flags(0).has(RowFlags::DUPLICATE_ID));
        assert!(s.row_flags(1).has(RowFlags::DUPLICATE_ID));
        assert!(!s.row_flags(2).has(RowFlags::DUPLICATE_ID));
    }

    #[test]
    fn parents_resolve_in_any_order() {
        let mut s = Store::new();
        let mut child = row("c", "t", 5);
        child.parent_observation_id = Some("p");
        s.upsert(&child);
        assert!(is_pending(s.parent[0]));
        assert_eq!(s.missing_parent_id(0).as_deref(), Some("p"));
        s.upsert(&row("p", "t", 1));
        assert_eq!(s.parent[0], 1);
        assert_eq!(s.missing_parent_id(0), None);
        // A parent with the same id in another trace is not this row's parent.
        let mut other = row("c2", "u", 5);
        other.parent_observation_id = Some("p");
        s.upsert(&other);
        assert!(is_pending(s.parent[2]));
        // Replacing the waiting child with a parentless version detaches it.
        s.upsert(&row("c2", "u", 5));
        assert_eq!(s.parent[2], NO_PARENT);
        assert!(s.waiting.is_empty());
    }

    #[test]
    fn huge_values_are_exact() {
        let mut s = Store::new();
        let usage = [("input", u64::MAX), ("output", 7)];
        let mut r = row("g", "t", 0);
        r.usage = &usage;
        r.end_time_ms = Some(i64::MAX);
        r.completion_start_time_ms = Some(-5);
        s.upsert(&r);
        let g = s.gens[0];
        let got: Vec<u64> = s.usage_of(&g).map(|(_, v)| v).collect();
        assert_eq!(got, vec![u64::MAX, 7]);
        assert!(s.big.values().any(|&v| v == u64::MAX));
        assert_eq!(s.duration_ms(0), Some(i64::MAX));
        assert_eq!(s.ttft_ms(&g), Some(-5));
        // Replacing with a different shape and compacting keeps values exact.
        let usage2 = [("input", 1u64 << 60)];
        r.usage = &usage2;
        s.upsert(&r);
        s.shrink_to_fit();
        let g = s.gens[0];
        assert_eq!(
            s.usage_of(&g).map(|(_, v)| v).collect::<Vec<_>>(),
            vec![1u64 << 60]
        );
    }

    #[test]
    fn derivable_totals_are_not_stored_but_read_back_exactly() {
        let mut s = Store::new();
        let usage = [
            ("input", 1180u64),
            ("input_cached_tokens", 1024),
            ("output", 212),
            ("total", 2416),
        ];
        let cost = [("input", 0.5), ("output", 0.25), ("total", 0.75)];
        let mut r = row("g", "t", 0);
        r.usage = &usage;
        r.cost = &cost;
        s.upsert(&r);
        assert_eq!(s.vals.len(), 3 + 2 * 2, "totals elided");
        let g = s.gens[0];
        let mut got: Vec<(String, u64)> = s
            .usage_of(&g)
            .map(|(k, v)| (s.dicts.usage_keys.resolve(k).to_owned(), v))
            .collect();
        got.sort();
        let mut want: Vec<(String, u64)> = usage.iter().map(|&(k, v)| (k.to_owned(), v)).collect();
        want.sort();
        assert_eq!(got, want);
        let total = s.cost_of(&g).find(|&(k, _)| k == TOTAL_KEY).map(|(_, v)| v);
        assert_eq!(total, Some(0.75));
        // A total that is not the sum is stored as given.
        let odd = [("input", 0.1), ("output", 0.2), ("total", 0.3)];
        r.cost = &odd;
        s.upsert(&r);
        let g = s.gens[0];
        let total = s.cost_of(&g).find(|&(k, _)| k == TOTAL_KEY).map(|(_, v)| v);
        assert_eq!(total, Some(0.3));
        s.shrink_to_fit();
        let g = s.gens[0];
        assert_eq!(
            s.cost_of(&g).map(|(_, v)| v).collect::<Vec<_>>(),
            vec![0.1, 0.2, 0.3]
        );
        assert_eq!(s.usage_of(&g).map(|(_, v)| v).sum::<u64>(), 2 * 2416);
    }

    #[test]
    fn repeated_inputs_reuse_symbols_and_changed_ones_do_not() {
        let mut s = Store::new();
        let (tags_a, tags_b) = (["x", "y"], ["x"]);
        let usage = [("input", 1u64), ("output", 2)];
        let other_usage = [("input", 1u64), ("output_reasoning", 2)];
        let meta = [("k", "v")];
        let mut rows = Vec::new();
        for (i, (user, tags, usage)) in [
            ("u1", &tags_a[..], &usage[..]),
            ("u1", &tags_a[..], &usage[..]),
            ("u2", &tags_a[..], &other_usage[..]),
            ("u1", &tags_b[..], &usage[..]),
        ]
        .into_iter()
        .enumerate()
        {
            rows.push((format!("o{i}"), user, tags, usage));
        }
        for (id, user, tags, usage) in &rows {
            let mut r = row(id, "t", 0);
            r.user_id = Some(user);
            r.tags = tags;
            r.usage = usage;
            r.metadata = &meta;
            s.upsert(&r);
        }
        let ctx = |r: usize| s.dicts.contexts.resolve(s.context[r]);
        assert_eq!(s.context[0], s.context[1]);
        assert_ne!(s.context[1], s.context[2]);
        assert_eq!(s.dicts.users.resolve(ctx(2)[ctx::USER]), "u2");
        assert_eq!(s.dicts.tagsets.resolve(ctx(3)[ctx::TAGS]).len(), 1);
        let keys = |i: usize| -> Vec<String> {
            let g = s.gens[i];
            s.usage_of(&g)
                .map(|(k, _)| s.dicts.usage_keys.resolve(k).to_owned())
                .collect()
        };
        assert_eq!(keys(1), ["input", "output"]);
        assert_eq!(keys(2), ["input", "output_reasoning"]);
        assert_eq!(keys(3), ["input", "output"]);
        assert!(s.meta.iter().all(|&m| m == s.meta[0]));
    }

    #[test]
    fn gen_record_is_removed_when_the_row_loses_its_model() {
        let mut s = Store::new();
        let mut r = row("g", "t", 0);
        r.model = Some("gpt-4o");
        s.upsert(&r);
        assert_eq!(s.gens.len(), 1);
        s.upsert(&row("g", "t", 0));
        assert!(s.gens.is_empty());
        assert_eq!(s.gen_index(0), None);
    }
}
