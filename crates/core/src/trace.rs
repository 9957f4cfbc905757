//! Traces derived from observations, as Langfuse v4 defines them (API.md §10).
//!
//! Definitions (per trace id, over **all** its observations in the store, whatever the filter):
//! - start = min(start); end = max(max start, max end); latency = end − start (ms, ≥ 0).
//! - level = the worst level: ERROR > WARNING > DEFAULT > DEBUG (an unknown level counts below DEBUG).
//! - root = the legacy synthetic root `t-<traceId>` if present, else a row without parent id flagged
//!   `isRootObservation`, else any row without parent id; ties go to the earliest start, then the first
//!   row stored. A trace may have no root (every row names a parent): it is still a trace.
//! - name (the "service"), user, session, release, tags, environment: the root's trace context when it
//!   has the value, else the first row (in store order) that has it; the name falls back to the root
//!   observation's own name when no row carries a trace name.
//! - orphans: rows naming a parent id that is not in the trace; cycles: rows whose parent chain loops.
//!   Both are kept and flagged, never dropped.
//!
//! Built in O(rows) without recursion, cached by the store until the next upsert.

use crate::intern::{NONE, Sym};
use crate::row::Level;
use crate::store::{NO_PARENT, RowFlags, Store, ctx, is_pending};

/// Sentinel for "no row".
pub(crate) const NO_ROW: u32 = u32::MAX;

/// Trace issue bits.
pub mod issues {
    /// At least one observation names a parent that is not in the trace.
    pub const ORPHAN: u8 = 1;
    /// At least one observation's parent chain loops.
    pub const CYCLE: u8 = 2;
    /// At least one observation id also appears in another trace.
    pub const DUPLICATE_ID: u8 = 4;
    /// No observation qualifies as root.
    pub const NO_ROOT: u8 = 8;
}

/// Severity rank used for the worst level: unknown < DEBUG < DEFAULT < WARNING < ERROR.
pub(crate) fn severity(level: Level) -> u8 {
    match level {
        Level::Other => 0,
        Level::Debug => 1,
        Level::Default => 2,
        Level::Warning => 3,
        Level::Error => 4,
    }
}

/// Per-trace derived columns, indexed by trace symbol.
#[derive(Clone, Debug, Default)]
pub(crate) struct TraceIndex {
    pub start_ms: Vec<i64>,
    /// end − start, ms (0 for a slot without rows).
    pub latency_ms: Vec<i64>,
    pub root: Vec<u32>,
    /// Worst severity rank (see [`severity`]).
    pub severity: Vec<u8>,
    pub observations: Vec<u32>,
    pub service: Vec<Sym>,
    pub user: Vec<Sym>,
    pub session: Vec<Sym>,
    pub release: Vec<Sym>,
    pub tagset: Vec<Sym>,
    pub environment: Vec<Sym>,
    pub issues: Vec<u8>,
    /// Bitset over rows: the row lies on a parent cycle.
    pub in_cycle: Vec<u64>,
    /// Every trace slot with observations, ascending by latency (ties by symbol): the order the
    /// rollups walk to get trace-latency quantiles without sorting per query.
    pub by_latency: Vec<Sym>,
}

fn root_rank(flags: u8, parent: u32) -> u8 {
    if flags & RowFlags::LEGACY_ROOT != 0 {
        3
    } else if parent == NO_PARENT && flags & RowFlags::IS_ROOT != 0 {
        2
    } else if parent == NO_PARENT {
        1
    } else {
        0
    }
}

impl TraceIndex {
    pub(crate) fn build(store: &Store) -> Self {
        let n_traces = store.dicts.trace_ids.len();
        let mut t = Self {
            start_ms: vec![i64::MAX; n_traces],
            latency_ms: vec![i64::MIN; n_traces],
            root: vec![NO_ROW; n_traces],
            severity: vec![0; n_traces],
            observations: vec![0; n_traces],
            service: vec![NONE; n_traces],
            user: vec![NONE; n_traces],
            session: vec![NONE; n_traces],
            release: vec![NONE; n_traces],
            tagset: vec![NONE; n_traces],
            environment: vec![NONE; n_traces],
            issues: vec![0; n_traces],
            in_cycle: vec![0; store.len().div_ceil(64)],
            by_latency: Vec::new(),
        };
        let mut root_rank_of = vec![0u8; n_traces];
        let contexts = store.dicts.contexts.entries();
        for r in 0..store.len() {
            let tr = store.trace.get(r).copied().unwrap_or(NONE) as usize;
            let start = store.start_ms.get(r).copied().unwrap_or(0);
            let end = store
                .duration_ms(r as u32)
                .map_or(start, |d| start.saturating_add(d))
                .max(start);
            let flags = store.flags.get(r).copied().unwrap_or(0);
            let parent = store.parent.get(r).copied().unwrap_or(NO_PARENT);
            let Some(obs) = t.observations.get_mut(tr) else {
                continue;
            };
            *obs += 1;
            if let Some(s) = t.start_ms.get_mut(tr) {
                *s = (*s).min(start);
            }
            // Holds the end time until the loop is done, then becomes the latency.
            if let Some(e) = t.latency_ms.get_mut(tr) {
                *e = (*e).max(end);
            }
            let sev = severity(store.level.get(r).copied().unwrap_or(Level::Default));
            if let Some(s) = t.severity.get_mut(tr) {
                *s = (*s).max(sev);
            }
            if let Some(i) = t.issues.get_mut(tr) {
                if is_pending(parent) {
                    *i |= issues::ORPHAN;
                }
                if flags & RowFlags::DUPLICATE_ID != 0 {
                    *i |= issues::DUPLICATE_ID;
                }
            }
            let c = contexts
                .get(store.context.get(r).copied().unwrap_or(NONE) as usize)
                .copied()
                .unwrap_or_default();
            fill_first(&mut t.service, tr, c[ctx::TRACE_NAME]);
            fill_first(&mut t.user, tr, c[ctx::USER]);
            fill_first(&mut t.session, tr, c[ctx::SESSION]);
            fill_first(&mut t.release, tr, c[ctx::RELEASE]);
            fill_first(&mut t.tagset, tr, c[ctx::TAGS]);
            fill_first(&mut t.environment, tr, c[ctx::ENVIRONMENT]);
            let rank = root_rank(flags, parent);
            if rank > 0 {
                let best = root_rank_of.get(tr).copied().unwrap_or(0);
                let current = t.root.get(tr).copied().unwrap_or(NO_ROW);
                let earlier = current == NO_ROW
                    || start
                        < store
                            .start_ms
                            .get(current as usize)
                            .copied()
                            .unwrap_or(i64::MAX);
                if rank > best || (rank == best && earlier) {
                    if let Some(slot) = t.root.get_mut(tr) {
                        *slot = r as u32;
                    }
                    if let Some(slot) = root_rank_of.get_mut(tr) {
                        *slot = rank;
                    }
                }
            }
        }
        for (end, &start) in t.latency_ms.iter_mut().zip(&t.start_ms) {
            *end = if *end >= start {
                end.saturating_sub(start)
            } else {
                0
            };
        }
        // The root's context wins over the first row's.
        for tr in 0..n_traces {
            let root = t.root.get(tr).copied().unwrap_or(NO_ROW);
            if root == NO_ROW {
                if t.observations.get(tr).copied().unwrap_or(0) > 0
                    && let Some(i) = t.issues.get_mut(tr)
                {
                    *i |= issues::NO_ROOT;
                }
                continue;
            }
            let c = contexts
                .get(store.context.get(root as usize).copied().unwrap_or(NONE) as usize)
                .copied()
                .unwrap_or_default();
            override_with(&mut t.service, tr, c[ctx::TRACE_NAME]);
            override_with(&mut t.user, tr, c[ctx::USER]);
            override_with(&mut t.session, tr, c[ctx::SESSION]);
            override_with(&mut t.release, tr, c[ctx::RELEASE]);
            override_with(&mut t.tagset, tr, c[ctx::TAGS]);
            override_with(&mut t.environment, tr, c[ctx::ENVIRONMENT]);
            fill_first(
                &mut t.service,
                tr,
                store.name.get(root as usize).copied().unwrap_or(NONE),
            );
        }
        t.mark_cycles(store);
        let pairs: Vec<(u64, u32)> = (0..n_traces as u32)
            .filter(|&tr| t.observations.get(tr as usize).is_some_and(|&c| c > 0))
            .map(|tr| {
                let latency = t.latency_ms.get(tr as usize).copied().unwrap_or(0);
                (crate::radix::order_key(latency), tr)
            })
            .collect();
        t.by_latency = crate::radix::sort_by_key(pairs);
        t
    }

    /// Marks rows on parent cycles (iteratively: each row has at most one parent, so the parent links
    /// form a functional graph and one walk per unvisited row finds every cycle in O(rows)).
    fn mark_cycles(&mut self, store: &Store) {
        let n = store.len();
        // 0 unvisited, 1 on the current walk, 2 finished.
        let mut state = vec![0u8; n];
        let mut path: Vec<u32> = Vec::new();
        for start in 0..n {
            if state.get(start).copied() != Some(0) {
                continue;
            }
            path.clear();
            let mut cur = start as u32;
            loop {
                match state.get(cur as usize).copied() {
                    Some(0) => {
                        if let Some(s) = state.get_mut(cur as usize) {
                            *s = 1;
                        }
                        path.push(cur);
                        let p = store.parent.get(cur as usize).copied().unwrap_or(NO_PARENT);
                        if p == NO_PARENT || is_pending(p) || p as usize >= n {
                            break;
                        }
                        cur = p;
                    }
                    Some(1) => {
                        // `cur` is on this walk: everything from it to the end of the path is a cycle.
                        if let Some(pos) = path.iter().position(|&x| x == cur) {
                            for &x in path.get(pos..).unwrap_or(&[]) {
                                if let Some(w) = self.in_cycle.get_mut(x as usize / 64) {
                                    *w |= 1 << (x % 64);
                                }
                                let tr =
                                    store.trace.get(x as usize).copied().unwrap_or(NONE) as usize;
                                if let Some(i) = self.issues.get_mut(tr) {
                                    *i |= issues::CYCLE;
                                }
                            }
                        }
                        break;
                    }
                    _ => break,
                }
            }
            for &x in &path {
                if let Some(s) = state.get_mut(x as usize) {
                    *s = 2;
                }
            }
        }
    }

    /// The trace-level name, user and session of `trace` as texts (`None` where it has none).
    pub(crate) fn labels(
        &self,
        store: &Store,
        trace: Sym,
    ) -> (Option<String>, Option<String>, Option<String>) {
        let text = |dict: &crate::intern::Interner, column: &[Sym]| {
            column
                .get(trace as usize)
                .copied()
                .filter(|&s| s != NONE)
                .map(|s| dict.resolve(s).to_owned())
                .filter(|t| !t.is_empty())
        };
        (
            text(&store.dicts.names, &self.service),
            text(&store.dicts.users, &self.user),
            text(&store.dicts.sessions, &self.session),
        )
    }

    /// Number of trace slots (the missing trace id included).
    pub(crate) fn len(&self) -> usize {
        self.start_ms.len()
    }

    /// True when the row lies on a parent cycle.
    pub(crate) fn row_in_cycle(&self, row: u32) -> bool {
        self.in_cycle
            .get(row as usize / 64)
            .is_some_and(|w| w & (1 << (row % 64)) != 0)
    }

    pub(crate) fn memory_bytes(&self) -> usize {
        self.start_ms.capacity() * 8
            + self.latency_ms.capacity() * 8
            + self.root.capacity() * 4
            + self.severity.capacity()
            + self.observations.capacity() * 4
            + (self.service.capacity()
                + self.user.capacity()
                + self.session.capacity()
                + self.release.capacity()
                + self.tagset.capacity()
                + self.environment.capacity())
                * 4
            + self.issues.capacity()
            + self.in_cycle.capacity() * 8
            + self.by_latency.capacity() * 4
    }
}

fn fill_first(col: &mut [Sym], i: usize, v: Sym) {
    if v != NONE
        && let Some(slot) = col.get_mut(i)
        && *slot == NONE
    {
        *slot = v;
    }
}

fn override_with(col: &mut [Sym], i: usize, v: Sym) {
    if v != NONE
        && let Some(slot) = col.get_mut(i)
    {
        *slot = v;
    }
}
