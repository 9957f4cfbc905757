//! Dictionaries that turn strings, lists and tuples into dense `u32` symbols.
//!
//! Contract:
//! - Symbols are dense, assigned in first-seen order, and never change or disappear while the dictionary
//!   lives (a replaced row may leave an unused entry behind; that is the price of stable symbols).
//! - Symbol [`NONE`] (0) is pre-assigned in every dictionary to "missing": the empty string, the empty
//!   list. Decoders map Langfuse's `""` to `None`, and the store maps `None` to [`NONE`].
//! - Memory is counted by capacity ([`Interner::memory_bytes`]) so a caller can check the budget, and
//!   [`Interner::shrink_to_fit`] gives allocation slack back.
//!
//! Strings live in one byte arena with `u32` end offsets (no per-string heap object); lookups go through a
//! `hashbrown::HashTable<u32>` that stores only the symbol and rehashes from the arena.

use core::hash::BuildHasher;

use foldhash::fast::FixedState;
use hashbrown::HashTable;

/// A dictionary symbol. Dense per dictionary; [`NONE`] means missing.
pub type Sym = u32;

/// The pre-assigned symbol for "missing" (empty string or empty list).
pub const NONE: Sym = 0;

/// Fixed-seed hashing keeps symbol assignment and iteration deterministic across runs.
pub(crate) fn hasher() -> FixedState {
    FixedState::with_seed(0x4c6f_7570_6521)
}

/// Bytes a `HashTable<u32>` holds: one `u32` slot plus one control byte per bucket.
pub(crate) fn table_bytes<T>(table: &HashTable<T>) -> usize {
    table.allocation_size()
}

/// Byte equality with a branch-light path for the short texts rows are made of (ids, names, keys).
#[inline(always)]
pub(crate) fn eq_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let load8 = |s: &[u8], i: usize| -> u64 {
        s.get(i..i + 8)
            .and_then(|c| <[u8; 8]>::try_from(c).ok())
            .map_or(0, u64::from_le_bytes)
    };
    if n >= 8 {
        // XOR-folded words: one branch per text, not one per word.
        let diff = |i: usize| load8(a, i) ^ load8(b, i);
        if n <= 16 {
            return diff(0) | diff(n - 8) == 0;
        }
        if n <= 32 {
            return diff(0) | diff(8) | diff(n - 16) | diff(n - 8) == 0;
        }
        if n <= 48 {
            return diff(0) | diff(8) | diff(16) | diff(24) | diff(n - 16) | diff(n - 8) == 0;
        }
        return a == b;
    }
    if n >= 4 {
        let load4 = |s: &[u8], i: usize| -> u32 {
            s.get(i..i + 4)
                .and_then(|c| <[u8; 4]>::try_from(c).ok())
                .map_or(0, u32::from_le_bytes)
        };
        return load4(a, 0) == load4(b, 0) && load4(a, n - 4) == load4(b, n - 4);
    }
    a.iter().zip(b).all(|(x, y)| x == y)
}

/// Slots of an [`Interner`]'s front cache (a power of two).
const FRONT: usize = 64;

/// A cheap fingerprint of a non-empty text, in `0..FRONT`: its length and its first and last (up to)
/// eight bytes, mixed by one multiplication.
#[inline(always)]
fn fingerprint(key: &[u8]) -> usize {
    let n = key.len();
    let (a, b) = if let (Some(a), Some(b)) = (key.first_chunk::<8>(), key.last_chunk::<8>()) {
        (u64::from_le_bytes(*a), u64::from_le_bytes(*b))
    } else if let (Some(a), Some(b)) = (key.first_chunk::<4>(), key.last_chunk::<4>()) {
        (
            u64::from(u32::from_le_bytes(*a)),
            u64::from(u32::from_le_bytes(*b)),
        )
    } else {
        let at = |i: usize| u64::from(key.get(i).copied().unwrap_or(0));
        (at(0) | at(1) << 8, at(n.saturating_sub(1)))
    };
    let mixed = (a ^ b.rotate_left(23) ^ n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (mixed >> 58) as usize & (FRONT - 1)
}

/// Interned strings.
#[derive(Clone, Debug)]
pub struct Interner {
    /// Recently returned symbols by a cheap fingerprint of their text (see [`fingerprint`]): rows repeat
    /// a small working set of values (names, models, metadata), and a fingerprint, one load and one
    /// comparison are cheaper than hashing and probing. Empty until the first symbol is made.
    front: Vec<Sym>,
    bytes: Vec<u8>,
    /// `ends[s]` is the end offset of symbol `s` in `bytes`; its start is `ends[s - 1]` (0 for `s == 0`).
    ends: Vec<u32>,
    table: HashTable<Sym>,
    state: FixedState,
}

impl Default for Interner {
    fn default() -> Self {
        Self::new()
    }
}

impl Interner {
    /// An empty dictionary holding only [`NONE`] (the empty string).
    pub fn new() -> Self {
        let mut interner = Self {
            front: Vec::new(),
            bytes: Vec::new(),
            ends: vec![0],
            table: HashTable::new(),
            state: hasher(),
        };
        let hash = interner.state.hash_one(b"".as_slice());
        interner.table.insert_unique(hash, NONE, |_| hash);
        interner
    }

    /// Number of symbols, [`NONE`] included.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when only [`NONE`] is present.
    pub fn is_empty(&self) -> bool {
        self.ends.len() <= 1
    }

    /// The symbol of `text`, adding it when new. `None` and `""` give [`NONE`].
    pub fn intern(&mut self, text: Option<&str>) -> Sym {
        self.intern_bytes(text.unwrap_or("").as_bytes())
    }

    /// The symbol of a byte string (used for encoded ids), adding it when new. `b""` gives [`NONE`].
    pub(crate) fn intern_bytes(&mut self, key: &[u8]) -> Sym {
        if key.is_empty() {
            return NONE;
        }
        let f = fingerprint(key);
        let cached = self.front.get(f).copied().unwrap_or(NONE);
        if cached != NONE && eq_bytes(slice(&self.bytes, &self.ends, cached), key) {
            return cached;
        }
        let hash = self.state.hash_one(key);
        let (bytes, ends) = (&self.bytes, &self.ends);
        if let Some(&sym) = self
            .table
            .find(hash, |&sym| eq_bytes(slice(bytes, ends, sym), key))
        {
            if let Some(slot) = self.front.get_mut(f) {
                *slot = sym;
            }
            return sym;
        }
        let sym = self.ends.len() as Sym;
        self.bytes.extend_from_slice(key);
        self.ends.push(self.bytes.len() as u32);
        let (bytes, ends, state) = (&self.bytes, &self.ends, &self.state);
        self.table
            .insert_unique(hash, sym, |&s| state.hash_one(slice(bytes, ends, s)));
        if self.front.is_empty() {
            self.front = vec![NONE; FRONT];
        }
        if let Some(slot) = self.front.get_mut(f) {
            *slot = sym;
        }
        sym
    }

    /// The symbol of a byte string if present.
    pub(crate) fn get_bytes(&self, key: &[u8]) -> Option<Sym> {
        let hash = self.state.hash_one(key);
        self.table
            .find(hash, |&sym| slice(&self.bytes, &self.ends, sym) == key)
            .copied()
    }

    /// The bytes of `sym`.
    pub(crate) fn resolve_bytes(&self, sym: Sym) -> &[u8] {
        slice(&self.bytes, &self.ends, sym)
    }

    /// The symbol of `text` if present (no insertion). `""` gives `Some(NONE)`.
    pub fn get(&self, text: &str) -> Option<Sym> {
        self.get_bytes(text.as_bytes())
    }

    /// The text of `sym` (`""` for [`NONE`] or an unknown symbol).
    pub fn resolve(&self, sym: Sym) -> &str {
        let raw = slice(&self.bytes, &self.ends, sym);
        // Every entry was copied from a `&str`, so it is valid UTF-8; an unknown symbol gives "".
        core::str::from_utf8(raw).unwrap_or("")
    }

    /// Iterates `(symbol, text)` over every entry, [`NONE`] first.
    pub fn iter(&self) -> impl Iterator<Item = (Sym, &str)> + '_ {
        (0..self.ends.len() as Sym).map(|s| (s, self.resolve(s)))
    }

    /// Heap bytes held (by capacity).
    pub fn memory_bytes(&self) -> usize {
        self.front.capacity() * 4
            + self.bytes.capacity()
            + self.ends.capacity() * 4
            + table_bytes(&self.table)
    }

    /// Gives allocation slack back.
    pub fn shrink_to_fit(&mut self) {
        self.bytes.shrink_to_fit();
        self.ends.shrink_to_fit();
        let (bytes, ends, state) = (&self.bytes, &self.ends, &self.state);
        self.table
            .shrink_to_fit(|&s| state.hash_one(slice(bytes, ends, s)));
    }
}

fn slice<'a>(bytes: &'a [u8], ends: &[u32], sym: Sym) -> &'a [u8] {
    let i = sym as usize;
    let end = ends.get(i).copied().unwrap_or(0) as usize;
    let start = if i == 0 {
        0
    } else {
        ends.get(i - 1).copied().unwrap_or(0) as usize
    };
    bytes.get(start..end).unwrap_or(&[])
}

/// Interned lists of `u32` (tag sets, metadata pairs, usage-key shapes). Entry [`NONE`] is the empty list.
#[derive(Clone, Debug)]
pub struct ListInterner {
    items: Vec<u32>,
    ends: Vec<u32>,
    table: HashTable<Sym>,
    state: FixedState,
}

impl Default for ListInterner {
    fn default() -> Self {
        Self::new()
    }
}

impl ListInterner {
    /// An empty dictionary holding only the empty list as [`NONE`].
    pub fn new() -> Self {
        let mut interner = Self {
            items: Vec::new(),
            ends: vec![0],
            table: HashTable::new(),
            state: hasher(),
        };
        let hash = interner.state.hash_one([0u32; 0].as_slice());
        interner.table.insert_unique(hash, NONE, |_| hash);
        interner
    }

    /// Number of lists, the empty one included.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when only the empty list is present.
    pub fn is_empty(&self) -> bool {
        self.ends.len() <= 1
    }

    /// The symbol of `list`, adding it when new. The empty list gives [`NONE`].
    pub fn intern(&mut self, list: &[u32]) -> Sym {
        if list.is_empty() {
            return NONE;
        }
        let hash = self.state.hash_one(list);
        let (items, ends) = (&self.items, &self.ends);
        if let Some(&sym) = self
            .table
            .find(hash, |&sym| list_slice(items, ends, sym) == list)
        {
            return sym;
        }
        let sym = self.ends.len() as Sym;
        self.items.extend_from_slice(list);
        self.ends.push(self.items.len() as u32);
        let (items, ends, state) = (&self.items, &self.ends, &self.state);
        self.table
            .insert_unique(hash, sym, |&s| state.hash_one(list_slice(items, ends, s)));
        sym
    }

    /// The symbol of `list` if present.
    pub fn get(&self, list: &[u32]) -> Option<Sym> {
        let hash = self.state.hash_one(list);
        self.table
            .find(hash, |&sym| {
                list_slice(&self.items, &self.ends, sym) == list
            })
            .copied()
    }

    /// The items of `sym` (empty for [`NONE`] or an unknown symbol).
    pub fn resolve(&self, sym: Sym) -> &[u32] {
        list_slice(&self.items, &self.ends, sym)
    }

    /// Heap bytes held (by capacity).
    pub fn memory_bytes(&self) -> usize {
        self.items.capacity() * 4 + self.ends.capacity() * 4 + table_bytes(&self.table)
    }

    /// Gives allocation slack back.
    pub fn shrink_to_fit(&mut self) {
        self.items.shrink_to_fit();
        self.ends.shrink_to_fit();
        let (items, ends, state) = (&self.items, &self.ends, &self.state);
        self.table
            .shrink_to_fit(|&s| state.hash_one(list_slice(items, ends, s)));
    }
}

fn list_slice<'a>(items: &'a [u32], ends: &[u32], sym: Sym) -> &'a [u32] {
    let i = sym as usize;
    let end = ends.get(i).copied().unwrap_or(0) as usize;
    let start = if i == 0 {
        0
    } else {
        ends.get(i - 1).copied().unwrap_or(0) as usize
    };
    items.get(start..end).unwrap_or(&[])
}

/// Interned fixed-size tuples of symbols (the per-row "context" and "generation key").
/// Entry [`NONE`] is the all-[`NONE`] tuple.
#[derive(Clone, Debug)]
pub struct TupleInterner<const N: usize> {
    entries: Vec<[u32; N]>,
    table: HashTable<Sym>,
    state: FixedState,
}

impl<const N: usize> Default for TupleInterner<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> TupleInterner<N> {
    /// An empty dictionary holding only the all-missing tuple as [`NONE`].
    pub fn new() -> Self {
        let mut interner = Self {
            entries: vec![[NONE; N]],
            table: HashTable::new(),
            state: hasher(),
        };
        let hash = interner.state.hash_one([NONE; N]);
        interner.table.insert_unique(hash, NONE, |_| hash);
        interner
    }

    /// Number of tuples, the all-missing one included.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when only the all-missing tuple is present.
    pub fn is_empty(&self) -> bool {
        self.entries.len() <= 1
    }

    /// The symbol of `tuple`, adding it when new.
    pub fn intern(&mut self, tuple: [u32; N]) -> Sym {
        let hash = self.state.hash_one(tuple);
        let entries = &self.entries;
        if let Some(&sym) = self
            .table
            .find(hash, |&sym| entries.get(sym as usize) == Some(&tuple))
        {
            return sym;
        }
        let sym = self.entries.len() as Sym;
        self.entries.push(tuple);
        let (entries, state) = (&self.entries, &self.state);
        self.table.insert_unique(hash, sym, |&s| {
            state.hash_one(entries.get(s as usize).copied().unwrap_or([NONE; N]))
        });
        sym
    }

    /// The tuple of `sym` (all-missing for an unknown symbol).
    pub fn resolve(&self, sym: Sym) -> [u32; N] {
        self.entries.get(sym as usize).copied().unwrap_or([NONE; N])
    }

    /// Every tuple, indexed by symbol.
    pub fn entries(&self) -> &[[u32; N]] {
        &self.entries
    }

    /// Heap bytes held (by capacity).
    pub fn memory_bytes(&self) -> usize {
        self.entries.capacity() * 4 * N + table_bytes(&self.table)
    }

    /// Gives allocation slack back.
    pub fn shrink_to_fit(&mut self) {
        self.entries.shrink_to_fit();
        let (entries, state) = (&self.entries, &self.state);
        self.table.shrink_to_fit(|&s| {
            state.hash_one(entries.get(s as usize).copied().unwrap_or([NONE; N]))
        });
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn byte_equality_agrees_with_slices_at_every_length() {
        let base: Vec<u8> = (0..70u8).map(|i| b'a' + i % 26).collect();
        for n in 0..base.len() {
            let a = &base[..n];
            assert!(eq_bytes(a, a));
            for at in 0..n {
                let mut b = a.to_vec();
                b[at] ^= 1;
                assert!(!eq_bytes(a, &b), "length {n}, byte {at}");
            }
            assert!(!eq_bytes(a, &base[..(n + 1).min(base.len())]) || n + 1 > base.len());
        }
    }

    #[test]
    fn strings_get_dense_stable_symbols() {
        let mut d = Interner::new();
        assert_eq!(d.intern(None), NONE);
        assert_eq!(d.intern(Some("")), NONE);
        let a = d.intern(Some("gpt-4o"));
        let b = d.intern(Some("claude"));
        assert_eq!((a, b), (1, 2));
        assert_eq!(d.intern(Some("gpt-4o")), a);
        assert_eq!(d.resolve(a), "gpt-4o");
        assert_eq!(d.resolve(99), "");
        assert_eq!(d.get("claude"), Some(b));
        assert_eq!(d.get("nope"), None);
        assert_eq!(d.len(), 3);
        d.shrink_to_fit();
        assert_eq!(d.get("claude"), Some(b));
    }

    #[test]
    fn lists_and_tuples_intern_by_value() {
        let mut l = ListInterner::new();
        assert_eq!(l.intern(&[]), NONE);
        let a = l.intern(&[1, 2]);
        assert_eq!(l.intern(&[1, 2]), a);
        assert_ne!(l.intern(&[2, 1]), a);
        assert_eq!(l.resolve(a), &[1, 2]);
        let mut t = TupleInterner::<3>::new();
        assert_eq!(t.intern([0, 0, 0]), NONE);
        let x = t.intern([1, 2, 3]);
        assert_eq!(t.intern([1, 2, 3]), x);
        assert_eq!(t.resolve(x), [1, 2, 3]);
        for _ in 0..1000 {
            t.intern([x, 7, 7]);
        }
        t.shrink_to_fit();
        assert_eq!(t.intern([1, 2, 3]), x);
    }
}
