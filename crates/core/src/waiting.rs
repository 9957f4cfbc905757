//! Observations waiting for a parent that is not in the store yet.
//!
//! Contract:
//! - [`Waiting::wait`] records that `child` names the parent id `key` in trace `trace` and returns the
//!   child's slot; the store keeps the slot in the child's parent column (see
//!   [`crate::store::PENDING_BASE`]), so nothing here is keyed by child.
//! - [`Waiting::take`] removes every child waiting for `(trace, key)` (when that row arrives) and hands
//!   each to a callback, in no particular order; [`Waiting::detach`] forgets one slot (when its child is
//!   replaced); [`Waiting::key_of`] tells what a slot waits for.
//! - `key_hash` is always the store's id hash of `key` ([`IdKey::id_hash`]), computed once
//!   by the caller for its own id index.
//! - No heap allocation per child once the tables have grown: children of the same parent are chained
//!   through their slots, and packed or short ids are stored inline ([`IdOwned`]).
//!
//! Why it matters: pages list a trace's observations newest first, so most children arrive before their
//! parent and pass through here, and every arriving row asks whether someone waits for it. A small
//! counting filter on the key hash answers "no one" without touching the table.

use hashbrown::HashTable;

use crate::ids::{IdKey, IdOwned};
use crate::intern::{self, Sym};

/// End of a chain / no slot.
const NIL: u32 = u32::MAX;

/// Counters of the filter (a power of two).
const FILTER: usize = 4096;

/// One waiting child.
#[derive(Clone, Debug)]
struct Slot {
    child: u32,
    trace: Sym,
    key: IdOwned,
    /// Next child waiting for the same parent, or [`NIL`]; the free list when the slot is free.
    next: u32,
}

/// Children waiting for their parent (see the module docs).
#[derive(Clone, Debug)]
pub(crate) struct Waiting {
    slots: Vec<Slot>,
    /// Head of the free-slot list.
    free: u32,
    /// First slot of each `(trace, key)` chain.
    heads: HashTable<u32>,
    /// Waiting children per `key_hash` bucket; a zero means no child waits for any key of the bucket.
    filter: Vec<u32>,
    len: usize,
}

impl Default for Waiting {
    fn default() -> Self {
        Self {
            slots: Vec::new(),
            free: NIL,
            heads: HashTable::new(),
            filter: Vec::new(),
            len: 0,
        }
    }
}

/// The chain hash of `(trace, key)` from the key's hash (a folded multiply mixes in the trace).
fn pair_hash(key_hash: u64, trace: Sym) -> u64 {
    // 64-bit multiplies only: a 128-bit product is a library call in wasm32.
    crate::ids::mix64(key_hash ^ u64::from(trace).rotate_left(32))
}

fn bucket(key_hash: u64) -> usize {
    (key_hash >> 52) as usize & (FILTER - 1)
}

impl Waiting {
    /// Number of waiting children.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// True when no child waits.
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn slot_hash(&self, at: u32) -> u64 {
        self.slots
            .get(at as usize)
            .map_or(0, |x| pair_hash(x.key.as_key().id_hash(), x.trace))
    }

    /// Records that `child` waits for parent `key` in `trace`; returns its slot.
    pub(crate) fn wait(&mut self, child: u32, trace: Sym, key: IdKey<'_>, key_hash: u64) -> u32 {
        let slot = Slot {
            child,
            trace,
            key: key.to_owned(),
            next: NIL,
        };
        let at = match self.slots.get_mut(self.free as usize) {
            Some(s) => {
                let at = self.free;
                self.free = s.next;
                *s = slot;
                at
            }
            None => {
                self.slots.push(slot);
                (self.slots.len() - 1) as u32
            }
        };
        let hash = pair_hash(key_hash, trace);
        let slots = &self.slots;
        let same = |&s: &u32| {
            slots
                .get(s as usize)
                .is_some_and(|x| x.trace == trace && x.key.as_key() == key)
        };
        match self.heads.find_mut(hash, same) {
            Some(head) => {
                let old = core::mem::replace(head, at);
                if let Some(s) = self.slots.get_mut(at as usize) {
                    s.next = old;
                }
            }
            None => {
                let Self { slots, heads, .. } = self;
                heads.insert_unique(hash, at, |&s| {
                    slots
                        .get(s as usize)
                        .map_or(0, |x| pair_hash(x.key.as_key().id_hash(), x.trace))
                });
            }
        }
        if self.filter.is_empty() {
            self.filter = vec![0; FILTER];
        }
        if let Some(c) = self.filter.get_mut(bucket(key_hash)) {
            *c += 1;
        }
        self.len += 1;
        at
    }

    /// Records that `child` waits for the same parent as slot `beside` (which must be waiting), without
    /// touching the table: the new slot joins the chain right after it. Returns the new slot.
    pub(crate) fn wait_beside(&mut self, beside: u32, child: u32) -> u32 {
        let Some(b) = self.slots.get(beside as usize) else {
            return NIL;
        };
        let slot = Slot {
            child,
            trace: b.trace,
            key: b.key.clone(),
            next: b.next,
        };
        let key_hash = b.key.as_key().id_hash();
        let at = match self.slots.get_mut(self.free as usize) {
            Some(s) => {
                let at = self.free;
                self.free = s.next;
                *s = slot;
                at
            }
            None => {
                self.slots.push(slot);
                (self.slots.len() - 1) as u32
            }
        };
        if let Some(b) = self.slots.get_mut(beside as usize) {
            b.next = at;
        }
        if let Some(c) = self.filter.get_mut(bucket(key_hash)) {
            *c += 1;
        }
        self.len += 1;
        at
    }

    /// Removes every child waiting for `(trace, key)` and calls `found` with each.
    #[inline]
    pub(crate) fn take(
        &mut self,
        trace: Sym,
        key: IdKey<'_>,
        key_hash: u64,
        found: impl FnMut(u32),
    ) {
        if self.filter.get(bucket(key_hash)).is_none_or(|&c| c == 0) {
            return;
        }
        self.take_slow(trace, key, key_hash, found);
    }

    fn take_slow(&mut self, trace: Sym, key: IdKey<'_>, key_hash: u64, mut found: impl FnMut(u32)) {
        let hash = pair_hash(key_hash, trace);
        let slots = &self.slots;
        let head = match self.heads.find_entry(hash, |&s| {
            slots
                .get(s as usize)
                .is_some_and(|x| x.trace == trace && x.key.as_key() == key)
        }) {
            Ok(entry) => entry.remove().0,
            Err(_) => return,
        };
        let mut at = head;
        while at != NIL {
            let Some(slot) = self.slots.get(at as usize) else {
                break;
            };
            let (child, next) = (slot.child, slot.next);
            self.release(at, key_hash);
            found(child);
            at = next;
        }
    }

    /// Forgets slot `at` (its child no longer waits).
    pub(crate) fn detach(&mut self, at: u32) {
        let Some(slot) = self.slots.get(at as usize) else {
            return;
        };
        if slot.child == NIL {
            return;
        }
        let (trace, next) = (slot.trace, slot.next);
        let key_hash = slot.key.as_key().id_hash();
        let hash = pair_hash(key_hash, trace);
        // Unlink `at` from its chain: replace the head, or bypass it in the chain.
        let Self { slots, heads, .. } = self;
        let key = slots.get(at as usize).map(|x| x.key.clone());
        let same = |&s: &u32| {
            slots
                .get(s as usize)
                .is_some_and(|x| x.trace == trace && Some(&x.key) == key.as_ref())
        };
        if let Ok(entry) = heads.find_entry(hash, same) {
            let head = *entry.get();
            if head == at {
                if next == NIL {
                    entry.remove();
                } else {
                    *entry.into_mut() = next;
                }
            } else {
                let mut prev = head;
                while prev != NIL {
                    let Some(p) = slots.get_mut(prev as usize) else {
                        break;
                    };
                    if p.next == at {
                        p.next = next;
                        break;
                    }
                    prev = p.next;
                }
            }
        }
        self.release(at, key_hash);
    }

    /// The trace and parent key slot `at` waits for.
    pub(crate) fn key_of(&self, at: u32) -> Option<(Sym, IdKey<'_>)> {
        let slot = self.slots.get(at as usize)?;
        (slot.child != NIL).then(|| (slot.trace, slot.key.as_key()))
    }

    /// Puts a slot on the free list.
    fn release(&mut self, at: u32, key_hash: u64) {
        if let Some(s) = self.slots.get_mut(at as usize) {
            s.child = NIL;
            s.key = IdOwned::Packed(0);
            s.next = self.free;
            self.free = at;
            self.len = self.len.saturating_sub(1);
            if let Some(c) = self.filter.get_mut(bucket(key_hash)) {
                *c = c.saturating_sub(1);
            }
        }
    }

    /// Heap bytes held (by capacity).
    pub(crate) fn memory_bytes(&self) -> usize {
        let boxed: usize = self
            .slots
            .iter()
            .map(|s| match &s.key {
                IdOwned::Bytes(b) => b.len(),
                _ => 0,
            })
            .sum();
        self.slots.capacity() * core::mem::size_of::<Slot>()
            + boxed
            + intern::table_bytes(&self.heads)
            + self.filter.capacity() * 4
    }

    /// Gives allocation slack back (everything when nothing waits). Slots keep their numbers: the
    /// store's parent column refers to them.
    pub(crate) fn shrink_to_fit(&mut self) {
        if self.len == 0 {
            *self = Self::default();
            return;
        }
        self.slots.shrink_to_fit();
        let hashes: Vec<u64> = (0..self.slots.len() as u32)
            .map(|at| self.slot_hash(at))
            .collect();
        self.heads
            .shrink_to_fit(|&s| hashes.get(s as usize).copied().unwrap_or(0));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::ids;

    fn key(id: &str) -> (IdOwned, u64) {
        let mut buf = Vec::new();
        let k = ids::encode(id, &mut buf);
        (k.to_owned(), k.id_hash())
    }

    #[test]
    fn children_are_taken_once_by_trace_and_key() {
        let mut w = Waiting::default();
        let (p, ph) = key("a17e5b9c2d4f6081");
        let (q, qh) = key("t-3f1c9e2a7b5d4c8e9a0b1c2d3e4f5a6b");
        w.wait(1, 7, p.as_key(), ph);
        w.wait(2, 7, p.as_key(), ph);
        w.wait(3, 8, p.as_key(), ph);
        let s4 = w.wait(4, 7, q.as_key(), qh);
        assert_eq!(w.len(), 4);
        assert_eq!(w.key_of(s4), Some((7, q.as_key())));
        let mut got = Vec::new();
        w.take(7, p.as_key(), ph, |c| got.push(c));
        got.sort_unstable();
        assert_eq!(got, vec![1, 2]);
        w.take(7, p.as_key(), ph, |_| panic!("taken twice"));
        assert_eq!(w.len(), 2);
        // Freed slots are reused.
        let s5 = w.wait(5, 7, p.as_key(), ph);
        assert!(s5 < 4);
        assert_eq!(w.slots.len(), 4);
        let mut got = Vec::new();
        w.take(8, p.as_key(), ph, |c| got.push(c));
        assert_eq!(got, vec![3]);
    }

    #[test]
    fn detach_unlinks_heads_middles_and_tails() {
        let (p, ph) = key("parent");
        for victim in 0..3usize {
            let mut w = Waiting::default();
            let slots: Vec<u32> = (1..=3u32).map(|c| w.wait(c, 0, p.as_key(), ph)).collect();
            w.detach(slots[victim]);
            w.detach(slots[victim]);
            assert_eq!(w.key_of(slots[victim]), None);
            let mut got = Vec::new();
            w.take(0, p.as_key(), ph, |c| got.push(c));
            got.sort_unstable();
            let want: Vec<u32> = (1..=3).filter(|&c| c != victim as u32 + 1).collect();
            assert_eq!(got, want);
            assert!(w.is_empty());
        }
    }

    #[test]
    fn many_waiters_survive_growth_and_shrinking() {
        let mut w = Waiting::default();
        let keys: Vec<(IdOwned, u64)> = (0..500).map(|i| key(&format!("{i:016x}"))).collect();
        for c in 0..5000u32 {
            let (k, h) = &keys[c as usize % 500];
            w.wait(c, c % 3, k.as_key(), *h);
        }
        w.shrink_to_fit();
        let mut total = 0;
        for t in 0..3 {
            for (k, h) in &keys {
                w.take(t, k.as_key(), *h, |c| {
                    assert_eq!(c % 3, t);
                    total += 1;
                });
            }
        }
        assert_eq!(total, 5000);
        assert!(w.is_empty());
        assert!(w.filter.iter().all(|&c| c == 0));
        w.shrink_to_fit();
        assert_eq!(w.memory_bytes(), 0);
    }
}
