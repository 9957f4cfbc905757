//! The write path: one borrowed [`ObservationRow`] into the columns of the [`Store`].
//!
//! Contract (see [`crate::store`]): a row whose (trace id, observation id) is already stored replaces it
//! in place, anything else appends; nothing is dropped, nothing panics.
//!
//! Cost: no heap allocation per row once the buffers and tables have grown, and as little hashing as
//! possible. Rows of a page repeat most of their texts: a trace's rows share the trace id and
//! the trace context (user, session, environment, release, version, trace name, tags) and usually the
//! metadata, and a model's rows share the usage and cost keys and the model parameters. Those texts are
//! compared byte for byte with the ones a symbol was last made from ([`LastInput`], [`GenInput`]) before
//! anything is hashed or interned; only a change costs dictionary lookups.

use core::hash::{BuildHasher, Hasher};

use hashbrown::HashTable;
use hashbrown::hash_table::Entry;

use crate::ids::{self, IdKey};
use crate::intern::{NONE, Sym, eq_bytes};
use crate::row::{Level, ObservationRow, ObservationType};
use crate::store::{
    COST_TOTAL_DERIVED, GenRec, MS_ESCAPE, MS_NONE, NO_PARENT, PENDING_BASE, RowFlags, Store,
    TOTAL_KEY, Upsert, ctx, gk, row_key,
};

/// A hash of (key, value) texts, lengths included.
fn pairs_hash<'x>(
    state: &impl BuildHasher,
    pairs: impl Iterator<Item = (&'x [u8], &'x [u8])>,
) -> u64 {
    let mut h = state.build_hasher();
    for (k, v) in pairs {
        h.write_usize(k.len());
        h.write(k);
        h.write_usize(v.len());
        h.write(v);
    }
    h.finish()
}

/// True when metadata set `set` holds exactly `pairs`, in order.
fn same_set(d: &crate::store::Dicts, set: Sym, pairs: &[(&str, &str)]) -> bool {
    let items = d.metasets.resolve(set);
    items.len() == 2 * pairs.len()
        && items.chunks_exact(2).zip(pairs).all(|(kv, &(k, v))| {
            eq_bytes(d.meta_keys.resolve_bytes(kv[0]), k.as_bytes())
                && eq_bytes(d.meta_values.resolve_bytes(kv[1]), v.as_bytes())
        })
}

fn text(s: Option<&str>) -> &[u8] {
    s.unwrap_or("").as_bytes()
}

/// The texts a symbol was last made from, in order.
#[derive(Clone, Debug, Default)]
pub(crate) struct LastInput {
    bytes: Vec<u8>,
    ends: Vec<u32>,
    /// `None` until something is remembered.
    sym: Option<Sym>,
}

/// True when `bytes[*start..end]` is `item`; moves `start` to `end`.
#[inline(always)]
fn same_one(bytes: &[u8], end: u32, start: &mut usize, item: &[u8]) -> bool {
    let end = end as usize;
    // Lengths first: most differences show there, before any byte is read.
    if end.wrapping_sub(*start) != item.len() {
        return false;
    }
    let same = bytes.get(*start..end).is_some_and(|s| eq_bytes(s, item));
    *start = end;
    same
}

/// True when the texts ending at `ends` (from `*start`) are `items`, one for one.
#[inline(always)]
fn same_run<'x>(
    bytes: &[u8],
    ends: &[u32],
    start: &mut usize,
    items: impl Iterator<Item = &'x [u8]>,
) -> bool {
    for (&end, item) in ends.iter().zip(items) {
        if !same_one(bytes, end, start, item) {
            return false;
        }
    }
    true
}

impl LastInput {
    /// True when the remembered texts are `fixed` then `tags`.
    #[inline(always)]
    fn same_context(&self, fixed: &[&[u8]; 6], tags: &[&str]) -> bool {
        if self.sym.is_none() || self.ends.len() != fixed.len() + tags.len() {
            return false;
        }
        let (head, tail) = self.ends.split_at(fixed.len().min(self.ends.len()));
        let mut start = 0usize;
        same_run(&self.bytes, head, &mut start, fixed.iter().copied())
            && same_run(
                &self.bytes,
                tail,
                &mut start,
                tags.iter().map(|t| t.as_bytes()),
            )
    }

    /// True when the remembered texts are the keys and values of `pairs`, in order.
    #[inline(always)]
    fn same_pairs(&self, pairs: &[(&str, &str)]) -> bool {
        if self.sym.is_none() || self.ends.len() != 2 * pairs.len() {
            return false;
        }
        let mut start = 0usize;
        for (&(k, v), ends) in pairs.iter().zip(self.ends.chunks_exact(2)) {
            if !same_one(&self.bytes, ends[0], &mut start, k.as_bytes())
                || !same_one(&self.bytes, ends[1], &mut start, v.as_bytes())
            {
                return false;
            }
        }
        true
    }

    fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
        self.sym = None;
    }

    fn push(&mut self, item: &[u8]) {
        self.bytes.extend_from_slice(item);
        self.ends.push(self.bytes.len() as u32);
    }

    fn memory_bytes(&self) -> usize {
        self.bytes.capacity() + self.ends.capacity() * 4
    }
}

/// Remembered [`LastInput`]s of one kind in [`SLOTS`] slots picked by a fingerprint of the texts, the
/// last hit tried first. Rows of a trace alternate between a few metadata sets (a tool call adds its
/// HTTP status), and a project's traces between some dozens of metadata sets and contexts: a slot per
/// fingerprint keeps them all at hand, where the last few would miss one row in six.
#[derive(Clone, Debug, Default)]
struct SlotCache {
    /// [`SLOTS`] entries once something was remembered.
    slots: Vec<LastInput>,
    last: usize,
}

/// Slots of a [`SlotCache`] (a power of two).
const SLOTS: usize = 256;

impl SlotCache {
    /// The symbol remembered for the texts `same` accepts: the last hit's, else slot `fingerprint()`'s
    /// (`Err` with that slot on a miss).
    #[inline(always)]
    fn find(
        &mut self,
        same: impl Fn(&LastInput) -> bool,
        fingerprint: impl FnOnce() -> usize,
    ) -> Result<Sym, usize> {
        if let Some(l) = self.slots.get(self.last)
            && same(l)
            && let Some(sym) = l.sym
        {
            return Ok(sym);
        }
        let i = fingerprint() % SLOTS;
        match self.slots.get(i) {
            Some(l) if same(l) => match l.sym {
                Some(sym) => {
                    self.last = i;
                    Ok(sym)
                }
                None => Err(i),
            },
            _ => Err(i),
        }
    }

    /// The last hit (cleared entries are never accepted by `same`).
    fn last(&self) -> Option<&LastInput> {
        self.slots.get(self.last)
    }

    /// Slot `i`, cleared, made the last hit.
    fn replace(&mut self, i: usize) -> Option<&mut LastInput> {
        if self.slots.is_empty() {
            self.slots.resize_with(SLOTS, LastInput::default);
        }
        self.last = i;
        let l = self.slots.get_mut(i)?;
        l.clear();
        Some(l)
    }

    fn memory_bytes(&self) -> usize {
        self.slots.capacity() * core::mem::size_of::<LastInput>()
            + self
                .slots
                .iter()
                .map(LastInput::memory_bytes)
                .sum::<usize>()
    }
}

/// Mixes one text into a fingerprint: its length and its first and last (up to) eight bytes.
#[inline(always)]
fn mix_text(acc: u64, t: &[u8]) -> u64 {
    let word = if let (Some(a), Some(b)) = (t.first_chunk::<8>(), t.last_chunk::<8>()) {
        u64::from_le_bytes(*a) ^ u64::from_le_bytes(*b).rotate_left(29)
    } else if let (Some(a), Some(b)) = (t.first_chunk::<4>(), t.last_chunk::<4>()) {
        u64::from(u32::from_le_bytes(*a)) | u64::from(u32::from_le_bytes(*b)) << 32
    } else {
        t.iter().fold(0u64, |acc, &c| acc << 8 | u64::from(c))
    };
    (acc.rotate_left(23) ^ word ^ t.len() as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// A fingerprint's top bits, as a slot index.
fn slot_of(fp: u64) -> usize {
    (fp >> 56) as usize
}

/// What a generation row's model texts (model, model id, prompt, prompt version, usage keys, cost
/// keys, model parameters) were last turned into. The shapes and generation keys depend on whether the
/// row's `total` is derivable, so both variants are kept, made on first need.
#[derive(Clone, Debug, Default)]
struct GenInput {
    texts: LastInput,
    usage_n: usize,
    cost_n: usize,
    prompt_version: Option<i64>,
    model: Sym,
    model_id: Sym,
    prompt: Sym,
    params: Sym,
    usage_keys: Vec<Sym>,
    cost_keys: Vec<Sym>,
    /// Position of the only `total` usage / cost key, if exactly one.
    usage_total_at: Option<usize>,
    cost_total_at: Option<usize>,
    /// Indexed by "total left out".
    usage_shape: [Option<Sym>; 2],
    cost_shape: [Option<Sym>; 2],
    genkey: [Option<Sym>; 2],
}

impl GenInput {
    fn matches(&self, row: &ObservationRow<'_>) -> bool {
        if self.usage_n != row.usage.len()
            || self.cost_n != row.cost.len()
            || self.prompt_version != row.prompt_version
        {
            return false;
        }
        let t = &self.texts;
        let n = 3 + row.usage.len() + row.cost.len() + 2 * row.model_parameters.len();
        if t.sym.is_none() || t.ends.len() != n {
            return false;
        }
        let mut start = 0usize;
        let (head, rest) = t.ends.split_at(3.min(t.ends.len()));
        let (usage, rest) = rest.split_at(row.usage.len().min(rest.len()));
        let (cost, params) = rest.split_at(row.cost.len().min(rest.len()));
        same_run(
            &t.bytes,
            head,
            &mut start,
            [text(row.model), text(row.model_id), text(row.prompt_name)].into_iter(),
        ) && same_run(
            &t.bytes,
            usage,
            &mut start,
            row.usage.iter().map(|(k, _)| k.as_bytes()),
        ) && same_run(
            &t.bytes,
            cost,
            &mut start,
            row.cost.iter().map(|(k, _)| k.as_bytes()),
        ) && same_run(
            &t.bytes,
            params,
            &mut start,
            row.model_parameters
                .iter()
                .flat_map(|(k, v)| [k.as_bytes(), v.as_bytes()]),
        )
    }
}

/// The context tuple index of each of [`context_texts`].
const CONTEXT_FIELDS: [usize; 6] = [
    ctx::USER,
    ctx::SESSION,
    ctx::ENVIRONMENT,
    ctx::RELEASE,
    ctx::VERSION,
    ctx::TRACE_NAME,
];

/// The texts of a row's context tuple (tags aside), in [`LastInput`] order.
fn context_texts<'x>(row: &ObservationRow<'x>) -> [&'x [u8]; 6] {
    [
        text(row.user_id),
        text(row.session_id),
        text(row.environment),
        text(row.release),
        text(row.version),
        text(row.trace_name),
    ]
}

/// The generation-input cache slot of a row: a cheap fingerprint of its model and prompt names and key
/// counts (a trace alternates between a few models, so the last entry alone would mostly miss). A
/// collision only costs a refill: a slot is used only when [`GenInput::matches`] the row.
fn gen_slot(row: &ObservationRow<'_>) -> usize {
    let word = |t: &[u8]| -> u64 {
        if let (Some(a), Some(b)) = (t.first_chunk::<8>(), t.last_chunk::<8>()) {
            u64::from_le_bytes(*a) ^ u64::from_le_bytes(*b).rotate_left(29)
        } else if let (Some(a), Some(b)) = (t.first_chunk::<4>(), t.last_chunk::<4>()) {
            u64::from(u32::from_le_bytes(*a)) | u64::from(u32::from_le_bytes(*b)) << 32
        } else {
            t.iter().fold(0u64, |acc, &c| acc << 8 | u64::from(c))
        }
    };
    let (model, prompt) = (text(row.model), text(row.prompt_name));
    let counts = (model.len() as u64) << 8
        ^ (prompt.len() as u64) << 20
        ^ (row.usage.len() as u64) << 32
        ^ (row.cost.len() as u64) << 40
        ^ (row.model_parameters.len() as u64) << 48;
    let mixed =
        (word(model) ^ word(prompt).rotate_left(17) ^ counts).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (mixed >> 56) as usize % GEN_SLOTS
}

/// Which miss path [`Store::miss`] takes.
#[derive(Clone, Copy, Debug)]
enum Miss {
    Trace,
    Context,
    Metadata,
    Gen,
    Parent,
    GenSymbols,
}

/// Slots of the generation-input cache, indexed by a hash of the model, prompt and key counts (a trace
/// alternates between a few models; a project has dozens of model set-ups).
const GEN_SLOTS: usize = 256;

/// Scratch and last-input caches of the write path.
#[derive(Clone, Debug, Default)]
pub(crate) struct UpsertCache {
    trace_text: Vec<u8>,
    trace_sym: Option<Sym>,
    context: SlotCache,
    metadata: SlotCache,
    /// [`GEN_SLOTS`] entries once a generation row was seen.
    gens: Vec<GenInput>,
    id_buf: Vec<u8>,
    parent_buf: Vec<u8>,
    list_buf: Vec<u32>,
    /// Metadata sets (and model-parameter sets) by a hash of their texts: a set seen before costs one
    /// hash and a comparison instead of interning each key and value.
    sets_by_text: HashTable<Sym>,
    /// The parent id text the last lookup was for, and its answer.
    parent_text: Vec<u8>,
    last_parent: Option<LastParent>,
}

/// Where the last parent lookup led.
#[derive(Clone, Copy, Debug)]
struct LastParent {
    trace: Sym,
    found: ParentAt,
}

/// A parent row (rows stay where they are, so this never goes stale), or the waiting slot of the child
/// that looked for it (valid until a parent arrives or a waiting child is replaced: both forget it).
#[derive(Clone, Copy, Debug)]
enum ParentAt {
    Row(u32),
    Waiting(u32),
}

impl UpsertCache {
    pub(crate) fn memory_bytes(&self) -> usize {
        self.trace_text.capacity()
            + self.context.memory_bytes()
            + self.metadata.memory_bytes()
            + self.gens.capacity() * core::mem::size_of::<GenInput>()
            + self
                .gens
                .iter()
                .map(|g| {
                    g.texts.memory_bytes() + (g.usage_keys.capacity() + g.cost_keys.capacity()) * 4
                })
                .sum::<usize>()
            + self.id_buf.capacity()
            + self.parent_buf.capacity()
            + self.parent_text.capacity()
            + crate::intern::table_bytes(&self.sets_by_text)
            + self.list_buf.capacity() * 4
    }

    /// Forgets a remembered waiting slot (its chain changed).
    fn forget_waiting_parent(&mut self) {
        if matches!(
            self.last_parent,
            Some(LastParent {
                found: ParentAt::Waiting(_),
                ..
            })
        ) {
            self.last_parent = None;
        }
    }

    /// Drops the buffers (the caches start over).
    pub(crate) fn clear(&mut self) {
        *self = Self::default();
    }
}

/// Everything a row writes into the dense columns.
struct Dense {
    parent: u32,
    start_ms: i64,
    dur_ms: u32,
    name: Sym,
    context: Sym,
    meta: Sym,
    obs_type: ObservationType,
    level: Level,
    flag_bits: u8,
}

impl Store {
    /// Adds or replaces one observation. Never panics, never drops the row.
    pub fn upsert(&mut self, row: &ObservationRow<'_>) -> Upsert {
        drop(self.trace_cache.take());
        let trace_sym = self.trace_symbol(row);

        let mut id_buf = core::mem::take(&mut self.cache.id_buf);
        let key = ids::encode(row.id, &mut id_buf);
        let hash = key.id_hash();
        // One probe for an id no row has yet (almost every row): it goes into the index on the spot,
        // as the row about to be appended.
        let fresh = {
            let Self {
                id_index,
                ids,
                flags,
                id_arena,
                ..
            } = self;
            let next = ids.len() as u32;
            match id_index.entry(
                hash,
                |&x| row_key(ids, flags, id_arena, x) == key,
                |&x| row_key(ids, flags, id_arena, x).id_hash(),
            ) {
                Entry::Vacant(slot) => {
                    slot.insert(next);
                    true
                }
                Entry::Occupied(_) => false,
            }
        };
        // An id seen before: find the row to replace (same trace) and whether the id exists elsewhere.
        let (existing, duplicate) = if fresh {
            (None, false)
        } else {
            let Self {
                id_index,
                ids,
                flags,
                id_arena,
                trace,
                ..
            } = self;
            let mut duplicate = false;
            let mut existing = None;
            for &r in id_index.iter_hash(hash) {
                if row_key(ids, flags, id_arena, r) == key {
                    if trace.get(r as usize) == Some(&trace_sym) {
                        existing = Some(r);
                        break;
                    }
                    duplicate = true;
                }
            }
            (existing, duplicate)
        };

        let (r, outcome) = match existing {
            Some(r) => {
                if let Some(&p) = self.parent.get(r as usize)
                    && crate::store::is_pending(p)
                {
                    self.waiting.detach(p - PENDING_BASE);
                    self.cache.forget_waiting_parent();
                }
                (r, Upsert::Replaced)
            }
            None => {
                let r = self.ids.len() as u32;
                let mut flags = 0u8;
                let raw = match key {
                    IdKey::Packed(v) => v,
                    IdKey::Bytes(b) => {
                        flags |= RowFlags::ID_IN_ARENA;
                        self.id_arena.push(b)
                    }
                };
                self.ids.push(raw);
                self.flags.push(flags);
                self.trace.push(trace_sym);
                if !fresh {
                    let Self {
                        id_index,
                        ids,
                        flags,
                        id_arena,
                        ..
                    } = self;
                    id_index
                        .insert_unique(hash, r, |&x| row_key(ids, flags, id_arena, x).id_hash());
                }
                if duplicate {
                    self.flag_duplicates(hash, key, r);
                }
                // Children that arrived before this row now find their parent.
                let Self {
                    waiting,
                    parent,
                    cache,
                    ..
                } = self;
                waiting.take(trace_sym, key, hash, |child| {
                    if let Some(p) = parent.get_mut(child as usize) {
                        *p = r;
                    }
                    cache.forget_waiting_parent();
                });
                (r, Upsert::Inserted)
            }
        };
        self.cache.id_buf = id_buf;

        let dense = self.dense_values(r, row, trace_sym, outcome == Upsert::Inserted);
        if outcome == Upsert::Inserted {
            self.parent.push(dense.parent);
            self.start_ms.push(dense.start_ms);
            self.dur_ms.push(dense.dur_ms);
            self.name.push(dense.name);
            self.context.push(dense.context);
            self.meta.push(dense.meta);
            self.obs_type.push(dense.obs_type);
            self.level.push(dense.level);
            if let Some(f) = self.flags.last_mut() {
                *f |= dense.flag_bits;
            }
        } else {
            let ri = r as usize;
            let put = |col: &mut Vec<u32>, v: u32| {
                if let Some(slot) = col.get_mut(ri) {
                    *slot = v;
                }
            };
            put(&mut self.parent, dense.parent);
            put(&mut self.dur_ms, dense.dur_ms);
            put(&mut self.name, dense.name);
            put(&mut self.context, dense.context);
            put(&mut self.meta, dense.meta);
            if let Some(s) = self.start_ms.get_mut(ri) {
                *s = dense.start_ms;
            }
            if let Some(s) = self.obs_type.get_mut(ri) {
                *s = dense.obs_type;
            }
            if let Some(s) = self.level.get_mut(ri) {
                *s = dense.level;
            }
            if let Some(f) = self.flags.get_mut(ri) {
                let keep =
                    *f & (RowFlags::ID_IN_ARENA | RowFlags::DUPLICATE_ID | RowFlags::HAS_GEN);
                *f = keep | dense.flag_bits;
            }
        }
        self.write_status(r, row, outcome == Upsert::Inserted);
        self.write_gen(r, row, outcome == Upsert::Inserted);
        outcome
    }

    /// The trace symbol of a trace id (the previous row's when the text is the same).
    fn trace_symbol(&mut self, row: &ObservationRow<'_>) -> Sym {
        let Some(t) = row.trace_id.filter(|t| !t.is_empty()) else {
            return NONE;
        };
        let c = &mut self.cache;
        if let Some(sym) = c.trace_sym
            && eq_bytes(&c.trace_text, t.as_bytes())
        {
            return sym;
        }
        self.miss(Miss::Trace, row, 0, NONE)
    }

    /// Every miss path of the write path (a text other than the recent ones, a parent to look up),
    /// behind one out-of-line entry: the per-row path stays small enough to share the instruction cache
    /// with the decoder's. One entry with several callers, because the wasm optimizer (binaryen) inlines
    /// any function with a single caller, whatever its size. `a` and `b` depend on `kind`.
    #[cold]
    #[inline(never)]
    fn miss(&mut self, kind: Miss, row: &ObservationRow<'_>, a: u32, b: u32) -> u32 {
        match kind {
            Miss::Trace => self.trace_symbol_miss(row.trace_id.unwrap_or("")),
            // a: the cache slot.
            Miss::Context => self.context_symbol_miss(row, a as usize),
            Miss::Metadata => self.metadata_symbol_miss(row, a as usize),
            // a: the cache slot.
            Miss::Gen => self.gen_input_miss(row, a as usize) as u32,
            // a: the row, b: its trace symbol.
            Miss::Parent => self.lookup_parent(a, row.parent_observation_id.unwrap_or(""), b),
            // a: the cache entry, b: usage total derived (bit 0), cost total derived (bit 1).
            Miss::GenSymbols => {
                self.gen_symbols_fill(a as usize, b & 1 != 0, b & 2 != 0);
                0
            }
        }
    }

    /// [`Self::trace_symbol`] for a trace id other than the previous row's.
    fn trace_symbol_miss(&mut self, t: &str) -> Sym {
        let c = &mut self.cache;
        let mut scratch = core::mem::take(&mut c.id_buf);
        let mut bytes = core::mem::take(&mut c.parent_buf);
        ids::key_bytes(ids::encode(t, &mut scratch), &mut bytes);
        let sym = self.dicts.trace_ids.intern_bytes(&bytes);
        let c = &mut self.cache;
        c.id_buf = scratch;
        c.parent_buf = bytes;
        c.trace_text.clear();
        c.trace_text.extend_from_slice(t.as_bytes());
        c.trace_sym = Some(sym);
        sym
    }

    /// Flags `r` and every other row with the same id (under another trace).
    #[cold]
    #[inline(never)]
    fn flag_duplicates(&mut self, hash: u64, key: IdKey<'_>, r: u32) {
        let mut rows = Vec::new();
        for &other in self.id_index.iter_hash(hash) {
            if row_key(&self.ids, &self.flags, &self.id_arena, other) == key {
                rows.push(other);
            }
        }
        for other in rows.into_iter().chain(core::iter::once(r)) {
            if let Some(f) = self.flags.get_mut(other as usize) {
                *f |= RowFlags::DUPLICATE_ID;
            }
        }
    }

    /// The dense-column values of a row (parent resolved or registered as waiting).
    fn dense_values(
        &mut self,
        r: u32,
        row: &ObservationRow<'_>,
        trace_sym: Sym,
        inserted: bool,
    ) -> Dense {
        // Parent. Siblings name the same parent one after the other: the previous row's answer is
        // reused when the text and trace repeat (see `LastParent`).
        let parent = match row.parent_observation_id {
            Some(p) if !p.is_empty() => {
                let cached = self.cache.last_parent.filter(|lp| {
                    lp.trace == trace_sym
                        && eq_bytes(&self.cache.parent_text, p.as_bytes())
                        && p != row.id
                });
                match cached {
                    Some(LastParent {
                        found: ParentAt::Row(parent),
                        ..
                    }) => parent,
                    Some(LastParent {
                        found: ParentAt::Waiting(slot),
                        ..
                    }) => PENDING_BASE + self.waiting.wait_beside(slot, r),
                    None => self.miss(Miss::Parent, row, r, trace_sym),
                }
            }
            _ => NO_PARENT,
        };

        // Duration (exact escapes for negative or huge values).
        if !inserted && !self.dur_big.is_empty() {
            self.dur_big.remove(&r);
        }
        let dur_ms = match row.end_time_ms {
            None => MS_NONE,
            Some(end) => {
                let d = end.saturating_sub(row.start_time_ms);
                if (0..i64::from(MS_ESCAPE)).contains(&d) {
                    d as u32
                } else {
                    self.dur_big.insert(r, d);
                    MS_ESCAPE
                }
            }
        };

        // Texts of unknown enum values.
        if !inserted && !self.other_text.is_empty() {
            self.other_text.remove(&r);
        }
        if row.observation_type == ObservationType::Other || row.level == Level::Other {
            let t = if row.observation_type == ObservationType::Other {
                self.dicts.other_text.intern(row.observation_type_text)
            } else {
                NONE
            };
            let l = if row.level == Level::Other {
                self.dicts.other_text.intern(row.level_text)
            } else {
                NONE
            };
            self.other_text.insert(r, (t, l));
        }

        let name = self.dicts.names.intern(row.name);
        let context = self.context_symbol(row);
        let meta = self.metadata_symbol(row);

        let mut flag_bits = 0u8;
        if row.is_root == Some(true) {
            flag_bits |= RowFlags::IS_ROOT;
        }
        if ids::is_legacy_root(row.id, row.trace_id) {
            flag_bits |= RowFlags::LEGACY_ROOT;
        }
        Dense {
            parent,
            start_ms: row.start_time_ms,
            dur_ms,
            name,
            context,
            meta,
            obs_type: row.observation_type,
            level: row.level,
            flag_bits,
        }
    }

    /// Finds `row`'s parent `p` in its trace, or registers the row as waiting for it; remembers the
    /// answer for the next sibling.
    fn lookup_parent(&mut self, r: u32, p: &str, trace_sym: Sym) -> u32 {
        let mut buf = core::mem::take(&mut self.cache.parent_buf);
        let pkey = ids::encode(p, &mut buf);
        let hash = pkey.id_hash();
        let found = {
            let Self {
                id_index,
                ids,
                flags,
                id_arena,
                trace,
                ..
            } = self;
            id_index
                .find(hash, |&x| {
                    trace.get(x as usize) == Some(&trace_sym)
                        && row_key(ids, flags, id_arena, x) == pkey
                })
                .copied()
        };
        let (parent, at) = match found {
            Some(p) => (p, ParentAt::Row(p)),
            None => {
                let slot = self.waiting.wait(r, trace_sym, pkey, hash);
                (PENDING_BASE + slot, ParentAt::Waiting(slot))
            }
        };
        self.cache.parent_buf = buf;
        self.cache.parent_text.clear();
        self.cache.parent_text.extend_from_slice(p.as_bytes());
        self.cache.last_parent = Some(LastParent {
            trace: trace_sym,
            found: at,
        });
        parent
    }

    /// The context tuple symbol (reused as is when the row repeats the previous row's texts).
    fn context_symbol(&mut self, row: &ObservationRow<'_>) -> Sym {
        let fixed = context_texts(row);
        let found = self.cache.context.find(
            |l| l.same_context(&fixed, row.tags),
            || {
                let fp = fixed.iter().fold(0, |acc, t| mix_text(acc, t));
                slot_of(
                    row.tags
                        .iter()
                        .fold(fp, |acc, t| mix_text(acc, t.as_bytes())),
                )
            },
        );
        match found {
            Ok(sym) => sym,
            Err(slot) => self.miss(Miss::Context, row, slot as u32, 0),
        }
    }

    /// [`Self::context_symbol`] for texts none of the recent contexts has.
    fn context_symbol_miss(&mut self, row: &ObservationRow<'_>, slot: usize) -> Sym {
        let fixed = context_texts(row);
        // A new context mostly changes the user and session only: the fields whose texts equal the last
        // context's keep its symbols, without a dictionary lookup.
        let (before, before_texts) = match self.cache.context.last() {
            Some(l) if l.ends.len() >= fixed.len() => match l.sym {
                Some(sym) => (Some(self.dicts.contexts.resolve(sym)), Some(l)),
                None => (None, None),
            },
            _ => (None, None),
        };
        let kept = |i: usize, t: &[u8]| -> Option<Sym> {
            let l = before_texts?;
            let start = if i == 0 {
                0
            } else {
                *l.ends.get(i - 1)? as usize
            };
            let end = *l.ends.get(i)? as usize;
            let same = l.bytes.get(start..end).is_some_and(|b| eq_bytes(b, t));
            same.then(|| before.and_then(|c| c.get(CONTEXT_FIELDS.get(i).copied()?).copied()))?
        };
        let mut context = [NONE; ctx::LEN];
        let mut known = [None; 6];
        for (i, (k, t)) in known.iter_mut().zip(fixed).enumerate() {
            *k = kept(i, t);
        }
        let same_tags = before_texts.is_some_and(|l| {
            let tail = l.ends.get(fixed.len() - 1..).unwrap_or(&[]);
            let mut start = tail.first().copied().unwrap_or(0) as usize;
            tail.len() == row.tags.len() + 1
                && same_run(
                    &l.bytes,
                    tail.get(1..).unwrap_or(&[]),
                    &mut start,
                    row.tags.iter().map(|t| t.as_bytes()),
                )
        });
        let tagset = match before.filter(|_| same_tags) {
            Some(c) => c[ctx::TAGS],
            None => {
                let mut tag_syms = core::mem::take(&mut self.cache.list_buf);
                tag_syms.clear();
                for tag in row.tags {
                    let s = self.dicts.tags.intern(Some(tag));
                    if s != NONE {
                        tag_syms.push(s);
                    }
                }
                // A tag set is a set: order and repeats do not matter.
                sort_tag_syms(&mut tag_syms);
                tag_syms.dedup();
                let tagset = self.dicts.tagsets.intern(&tag_syms);
                self.cache.list_buf = tag_syms;
                tagset
            }
        };
        let d = &mut self.dicts;
        let [user, session, environment, release, version, trace_name] = known;
        context[ctx::USER] = user.unwrap_or_else(|| d.users.intern(row.user_id));
        context[ctx::SESSION] = session.unwrap_or_else(|| d.sessions.intern(row.session_id));
        context[ctx::ENVIRONMENT] =
            environment.unwrap_or_else(|| d.environments.intern(row.environment));
        context[ctx::RELEASE] = release.unwrap_or_else(|| d.releases.intern(row.release));
        context[ctx::VERSION] = version.unwrap_or_else(|| d.versions.intern(row.version));
        context[ctx::TRACE_NAME] = trace_name.unwrap_or_else(|| d.names.intern(row.trace_name));
        context[ctx::TAGS] = tagset;
        let sym = d.contexts.intern(context);
        if let Some(last) = self.cache.context.replace(slot) {
            for f in fixed {
                last.push(f);
            }
            for t in row.tags {
                last.push(t.as_bytes());
            }
            last.sym = Some(sym);
        }
        sym
    }

    /// The metadata-set symbol (pairs in wire order; reused when the texts repeat).
    fn metadata_symbol(&mut self, row: &ObservationRow<'_>) -> Sym {
        let found = self.cache.metadata.find(
            |l| l.same_pairs(row.metadata),
            || {
                slot_of(row.metadata.iter().fold(0, |acc, (k, v)| {
                    mix_text(mix_text(acc, k.as_bytes()), v.as_bytes())
                }))
            },
        );
        match found {
            Ok(sym) => sym,
            Err(slot) => self.miss(Miss::Metadata, row, slot as u32, 0),
        }
    }

    /// [`Self::metadata_symbol`] for pairs not remembered in their slot.
    fn metadata_symbol_miss(&mut self, row: &ObservationRow<'_>, slot: usize) -> Sym {
        let sym = self.pairs_symbol(row.metadata);
        if let Some(last) = self.cache.metadata.replace(slot) {
            for &(k, v) in row.metadata {
                last.push(k.as_bytes());
                last.push(v.as_bytes());
            }
            last.sym = Some(sym);
        }
        sym
    }

    /// The metadata-set symbol of (key, value) pairs.
    fn pairs_symbol(&mut self, pairs: &[(&str, &str)]) -> Sym {
        let hash = pairs_hash(
            &self.id_state,
            pairs.iter().map(|&(k, v)| (k.as_bytes(), v.as_bytes())),
        );
        let d = &self.dicts;
        if let Some(&sym) = self
            .cache
            .sets_by_text
            .find(hash, |&set| same_set(d, set, pairs))
        {
            return sym;
        }
        let mut list = core::mem::take(&mut self.cache.list_buf);
        list.clear();
        for &(k, v) in pairs {
            list.push(self.dicts.meta_keys.intern(Some(k)));
            list.push(self.dicts.meta_values.intern(Some(v)));
        }
        let sym = self.dicts.metasets.intern(&list);
        self.cache.list_buf = list;
        let (d, state) = (&self.dicts, &self.id_state);
        self.cache.sets_by_text.insert_unique(hash, sym, |&set| {
            let items = d.metasets.resolve(set);
            pairs_hash(
                state,
                items.chunks_exact(2).map(|kv| {
                    (
                        d.meta_keys.resolve_bytes(kv[0]),
                        d.meta_values.resolve_bytes(kv[1]),
                    )
                }),
            )
        });
        sym
    }

    /// The sparse status-message entry of a row.
    fn write_status(&mut self, r: u32, row: &ObservationRow<'_>, inserted: bool) {
        let status = self.dicts.status.intern(row.status_message);
        if inserted {
            // The newest row sorts last.
            if status != NONE {
                self.status.push((r, status));
            }
            return;
        }
        match self.status.binary_search_by_key(&r, |&(row, _)| row) {
            Ok(i) => {
                if status == NONE {
                    self.status.remove(i);
                } else if let Some(slot) = self.status.get_mut(i) {
                    slot.1 = status;
                }
            }
            Err(i) => {
                if status != NONE {
                    self.status.insert(i, (r, status));
                }
            }
        }
    }

    /// The generation-input cache entry for the row's model texts (filled on a miss).
    fn gen_input(&mut self, row: &ObservationRow<'_>) -> usize {
        let i = gen_slot(row);
        if self.cache.gens.get(i).is_some_and(|g| g.matches(row)) {
            return i;
        }
        self.miss(Miss::Gen, row, i as u32, 0) as usize
    }

    /// [`Self::gen_input`] when slot `i` holds other texts: fills it.
    fn gen_input_miss(&mut self, row: &ObservationRow<'_>, i: usize) -> usize {
        let c = &mut self.cache;
        if c.gens.is_empty() {
            c.gens.resize_with(GEN_SLOTS, GenInput::default);
        }
        let params = self.pairs_symbol(row.model_parameters);
        let d = &mut self.dicts;
        let Some(g) = self.cache.gens.get_mut(i) else {
            return i;
        };
        g.usage_n = row.usage.len();
        g.cost_n = row.cost.len();
        g.prompt_version = row.prompt_version;
        g.model = d.models.intern(row.model);
        g.model_id = d.model_ids.intern(row.model_id);
        g.prompt = d.prompts.intern(row.prompt_name);
        g.params = params;
        g.usage_keys.clear();
        for &(k, _) in row.usage {
            g.usage_keys.push(d.usage_keys.intern(Some(k)));
        }
        g.cost_keys.clear();
        for &(k, _) in row.cost {
            g.cost_keys.push(d.usage_keys.intern(Some(k)));
        }
        let only_total = |keys: &[Sym]| {
            let mut totals = keys.iter().enumerate().filter(|&(_, &k)| k == TOTAL_KEY);
            match (totals.next(), totals.next()) {
                (Some((at, _)), None) => Some(at),
                _ => None,
            }
        };
        g.usage_total_at = only_total(&g.usage_keys);
        g.cost_total_at = only_total(&g.cost_keys);
        g.usage_shape = [None; 2];
        g.cost_shape = [None; 2];
        g.genkey = [None; 2];
        g.texts.clear();
        g.texts.push(text(row.model));
        g.texts.push(text(row.model_id));
        g.texts.push(text(row.prompt_name));
        for &(k, _) in row.usage {
            g.texts.push(k.as_bytes());
        }
        for &(k, _) in row.cost {
            g.texts.push(k.as_bytes());
        }
        for &(k, v) in row.model_parameters {
            g.texts.push(k.as_bytes());
            g.texts.push(v.as_bytes());
        }
        g.texts.sym = Some(NONE);
        i
    }

    /// Generation key and cost shape (with [`COST_TOTAL_DERIVED`]) of cache entry `i`, by whether the
    /// usage and cost totals are left out.
    fn gen_symbols(
        &mut self,
        row: &ObservationRow<'_>,
        i: usize,
        usage_derived: bool,
        cost_derived: bool,
    ) -> (Sym, Sym) {
        let (u, c) = (usize::from(usage_derived), usize::from(cost_derived));
        let made = |g: &GenInput| {
            let key = g.genkey.get(u).copied().flatten()?;
            let shape = g.cost_shape.get(c).copied().flatten()?;
            Some((key, shape))
        };
        if let Some(both) = self.cache.gens.get(i).and_then(made) {
            return both;
        }
        let bits = u32::from(usage_derived) | u32::from(cost_derived) << 1;
        self.miss(Miss::GenSymbols, row, i as u32, bits);
        self.cache
            .gens
            .get(i)
            .and_then(made)
            .unwrap_or((NONE, NONE))
    }

    /// [`Self::gen_symbols`] on a miss: makes (and remembers) both symbols.
    fn gen_symbols_fill(
        &mut self,
        i: usize,
        usage_derived: bool,
        cost_derived: bool,
    ) -> (Sym, Sym) {
        let d = &mut self.dicts;
        let Some(g) = self.cache.gens.get_mut(i) else {
            return (NONE, NONE);
        };
        let (u, c) = (usize::from(usage_derived), usize::from(cost_derived));
        let shape = |keys: &[Sym], leave_out: Option<usize>, list: &mut Vec<u32>| {
            list.clear();
            list.extend(
                keys.iter()
                    .enumerate()
                    .filter(|&(j, _)| Some(j) != leave_out)
                    .map(|(_, &k)| k),
            );
        };
        let list = &mut self.cache.list_buf;
        let genkey = match g.genkey.get(u).copied().flatten() {
            Some(k) => k,
            None => {
                let usage_shape = match g.usage_shape.get(u).copied().flatten() {
                    Some(s) => s,
                    None => {
                        shape(
                            &g.usage_keys,
                            g.usage_total_at.filter(|_| usage_derived),
                            list,
                        );
                        let s = d.shapes.intern(list);
                        if let Some(slot) = g.usage_shape.get_mut(u) {
                            *slot = Some(s);
                        }
                        s
                    }
                };
                let mut key = [NONE; gk::LEN];
                key[gk::MODEL] = g.model;
                key[gk::MODEL_ID] = g.model_id;
                key[gk::PROMPT] = g.prompt;
                if let Some(v) = g.prompt_version {
                    let bits = v as u64;
                    key[gk::PROMPT_VERSION_LO] = bits as u32;
                    key[gk::PROMPT_VERSION_HI] = (bits >> 32) as u32;
                    key[gk::FLAGS] |= gk::PROMPT_VERSION_SET_BIT;
                }
                if usage_derived {
                    key[gk::FLAGS] |= gk::USAGE_TOTAL_DERIVED;
                }
                key[gk::USAGE_SHAPE] = usage_shape;
                key[gk::PARAMS] = g.params;
                let k = d.genkeys.intern(key);
                if let Some(slot) = g.genkey.get_mut(u) {
                    *slot = Some(k);
                }
                k
            }
        };
        let cost_shape = match g.cost_shape.get(c).copied().flatten() {
            Some(s) => s,
            None => {
                shape(&g.cost_keys, g.cost_total_at.filter(|_| cost_derived), list);
                let s = d.shapes.intern(list) | if cost_derived { COST_TOTAL_DERIVED } else { 0 };
                if let Some(slot) = g.cost_shape.get_mut(c) {
                    *slot = Some(s);
                }
                s
            }
        };
        (genkey, cost_shape)
    }

    /// The generation side-table record of a row (added, replaced or removed).
    fn write_gen(&mut self, r: u32, row: &ObservationRow<'_>, inserted: bool) {
        let needs = row.model.is_some_and(|m| !m.is_empty())
            || row.model_id.is_some_and(|m| !m.is_empty())
            || row.prompt_name.is_some_and(|m| !m.is_empty())
            || row.prompt_version.is_some()
            || !row.usage.is_empty()
            || !row.cost.is_empty()
            || row.completion_start_time_ms.is_some()
            || !row.model_parameters.is_empty();
        // A new row sorts after every record; a replaced one may have one.
        let (pos, old) = if inserted {
            (Err(self.gens.len()), None)
        } else {
            let pos = self.gens.binary_search_by_key(&r, |g| g.row);
            (pos, pos.ok().and_then(|i| self.gens.get(i).copied()))
        };
        if let Some(o) = old {
            self.garbage += self.slots(&o);
            if !self.ttft_big.is_empty() {
                self.ttft_big.remove(&r);
            }
        }
        if !needs {
            if let Ok(i) = pos {
                self.gens.remove(i);
            }
            if let Some(f) = self.flags.get_mut(r as usize) {
                *f &= !(RowFlags::HAS_GEN | RowFlags::COST_ESTIMATED);
            }
            return;
        }

        let entry = self.gen_input(row);
        let (usage_at, cost_at) = self
            .cache
            .gens
            .get(entry)
            .map_or((None, None), |g| (g.usage_total_at, g.cost_total_at));
        // A `total` equal to the exact sum of the other keys is derived on read, not stored.
        let usage_derived = usage_at.is_some_and(|at| {
            let others = row
                .usage
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != at)
                .fold(0u64, |acc, (_, &(_, u))| acc.saturating_add(u));
            row.usage.get(at).map(|&(_, u)| u) == Some(others)
        });
        let cost_derived = cost_at.is_some_and(|at| {
            let others = row
                .cost
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != at)
                .fold(0.0, |acc, (_, &(_, c))| acc + c);
            row.cost.get(at).map(|&(_, c)| c.to_bits()) == Some(others.to_bits())
        });
        let (key_sym, cost_shape) = self.gen_symbols(row, entry, usage_derived, cost_derived);

        let ttft = match row.completion_start_time_ms {
            None => MS_NONE,
            Some(c) => {
                let d = c.saturating_sub(row.start_time_ms);
                if (0..i64::from(MS_ESCAPE)).contains(&d) {
                    d as u32
                } else {
                    self.ttft_big.insert(r, d);
                    MS_ESCAPE
                }
            }
        };
        let stored_usage = row.usage.len() - usize::from(usage_derived);
        let stored_cost = row.cost.len() - usize::from(cost_derived);
        let new_slots = stored_usage + 2 * stored_cost;
        // Reuse the old slots when the record keeps its size.
        let reuse = old.filter(|o| self.slots(o) == new_slots);
        if let Some(o) = reuse {
            self.garbage -= self.slots(&o);
        }
        let off = reuse.map_or(self.vals.len() as u32, |o| o.off);
        let rec = GenRec {
            row: r,
            key: key_sym,
            ttft_ms: ttft,
            off,
            cost_shape,
        };
        let gi = match pos {
            Ok(i) => {
                if let Some(slot) = self.gens.get_mut(i) {
                    *slot = rec;
                }
                i
            }
            Err(i) => {
                self.gens.insert(i, rec);
                i
            }
        };
        let usage_skip = usage_at.filter(|_| usage_derived);
        let cost_skip = cost_at.filter(|_| cost_derived);
        self.write_values(
            off,
            row.usage
                .iter()
                .enumerate()
                .filter(|&(j, _)| Some(j) != usage_skip)
                .map(|(_, &(_, u))| u),
            row.cost
                .iter()
                .enumerate()
                .filter(|&(j, _)| Some(j) != cost_skip)
                .map(|(_, &(_, c))| c),
        );
        if let Some(f) = self.flags.get_mut(r as usize) {
            *f = (*f | RowFlags::HAS_GEN) & !RowFlags::COST_ESTIMATED;
        }
        // Without a models list nothing can be estimated, and the row was not estimated before.
        if !self.pricing.models().is_empty() {
            self.reestimate(gi);
        }
    }
}

/// Sorts a row's tag symbols. A row has a handful of tags: insertion sort, no sort routine of its own in
/// the wasm; a long list goes through the `u64` sort the kernel already carries.
fn sort_tag_syms(v: &mut Vec<Sym>) {
    if v.len() <= 16 {
        for i in 1..v.len() {
            let mut j = i;
            while j > 0 && v.get(j - 1) > v.get(j) {
                v.swap(j - 1, j);
                j -= 1;
            }
        }
    } else {
        let mut wide: Vec<u64> = v.iter().map(|&s| u64::from(s)).collect();
        wide.sort_unstable();
        v.clear();
        v.extend(wide.into_iter().map(|s| s as Sym));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contexts_and_metadata_resolve_to_each_rows_own_texts() {
        // One field changes at a time (the miss path reuses the unchanged fields' symbols), contexts
        // and metadata sets come back after others (slot hits), tags change order and content.
        let users = ["u1", "u2", "u1", "u1", "u1", "u1", "u1", "u3", "u1", "u1"];
        let envs = [
            "prod", "prod", "dev", "prod", "prod", "prod", "prod", "prod", "", "prod",
        ];
        let names = [
            "svc", "svc", "svc", "svc2", "svc", "svc", "svc", "svc", "svc", "svc",
        ];
        let versions = ["v1", "v1", "v1", "v1", "v2", "v1", "v1", "v1", "v1", "v1"];
        let tag_lists: [&[&str]; 10] = [
            &["a", "b"],
            &["a", "b"],
            &["a", "b"],
            &["a", "b"],
            &["a", "b"],
            &["b", "a"],
            &["a"],
            &[],
            &["a", "b"],
            &["a", "b"],
        ];
        let metas: [&[(&str, &str)]; 3] = [&[("k", "v")], &[("k", "w")], &[("k", "v"), ("s", "1")]];
        let mut s = Store::new();
        let ids: Vec<String> = (0..30).map(|i| format!("o{i}")).collect();
        let mut want = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            let j = i % users.len();
            let mut r = ObservationRow::new(id, "t", i as i64);
            r.user_id = Some(users[j]);
            r.environment = Some(envs[j]).filter(|e| !e.is_empty());
            r.trace_name = Some(names[j]);
            r.version = Some(versions[j]);
            r.session_id = Some("s");
            r.release = Some("1.0");
            r.tags = tag_lists[j];
            r.metadata = metas[(i * 7) % 3];
            s.upsert(&r);
            let mut tags: Vec<&str> = tag_lists[j].to_vec();
            tags.sort_unstable();
            want.push((
                users[j],
                envs[j],
                names[j],
                versions[j],
                tags,
                metas[(i * 7) % 3],
            ));
        }
        for (row, (user, env, name, version, tags, meta)) in want.into_iter().enumerate() {
            let c = s.dicts.contexts.resolve(s.context[row]);
            assert_eq!(s.dicts.users.resolve(c[ctx::USER]), user, "row {row}");
            assert_eq!(
                s.dicts.environments.resolve(c[ctx::ENVIRONMENT]),
                env,
                "row {row}"
            );
            assert_eq!(s.dicts.names.resolve(c[ctx::TRACE_NAME]), name, "row {row}");
            assert_eq!(
                s.dicts.versions.resolve(c[ctx::VERSION]),
                version,
                "row {row}"
            );
            assert_eq!(s.dicts.sessions.resolve(c[ctx::SESSION]), "s");
            assert_eq!(s.dicts.releases.resolve(c[ctx::RELEASE]), "1.0");
            let mut got: Vec<&str> = s
                .dicts
                .tagsets
                .resolve(c[ctx::TAGS])
                .iter()
                .map(|&t| s.dicts.tags.resolve(t))
                .collect();
            got.sort_unstable();
            assert_eq!(got, tags, "row {row}");
            let set = s.dicts.metasets.resolve(s.meta[row]);
            let pairs: Vec<(&str, &str)> = set
                .chunks_exact(2)
                .map(|kv| {
                    (
                        s.dicts.meta_keys.resolve(kv[0]),
                        s.dicts.meta_values.resolve(kv[1]),
                    )
                })
                .collect();
            assert_eq!(pairs, meta, "row {row}");
        }
    }

    #[test]
    fn tag_symbols_sort_short_and_long() {
        for n in [0u32, 1, 2, 5, 16, 17, 40] {
            let mut v: Vec<Sym> = (0..n).map(|i| (i * 7919 + 3) % 23).collect();
            let mut want = v.clone();
            want.sort_unstable();
            sort_tag_syms(&mut v);
            assert_eq!(v, want, "{n} tags");
        }
    }
}
