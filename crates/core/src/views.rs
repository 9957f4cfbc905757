//! View models for the trace waterfall and the session timeline: numbers and ids, never formatted text.
//!
//! Trace tree ([`trace_tree`]): every observation of the trace exactly once, in display order — a
//! depth-first pre-order walk where children follow their parent ordered by (start, store order). Top
//! level, in this order: real roots (no parent id) by start; then orphans (their parent id is not in the
//! trace), flagged; then, for parent chains that loop, the earliest not-yet-shown row of each loop,
//! flagged `in_cycle` with the rest of its loop below it. The walk is iterative (traces can be thousands
//! of levels deep). `offset_ms` is start − trace start; `duration_ms` is end − start when there is an end.
//!
//! Session timeline ([`session_timeline`]): the traces of a session (trace-level session id) in start
//! order, each with its offset from the session's first start, its latency, counts, cost and tokens, and
//! the gap since the latest end of the earlier traces (`None` for the first).

use serde::{Deserialize, Serialize};

use crate::intern::{NONE, Sym};
use crate::rollup::{Tokens, row_cost, usage_key_classes};
use crate::row::{Level, ObservationType};
use crate::store::{NO_PARENT, RowFlags, Store, gk, is_pending};
use crate::trace::{TraceIndex, issues};

/// Flags of one tree row.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeFlags {
    pub root: bool,
    pub legacy_root: bool,
    pub orphan: bool,
    pub in_cycle: bool,
    pub duplicate_id: bool,
    pub cost_estimated: bool,
}

/// One row of the trace waterfall.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TreeRow {
    pub observation_id: String,
    /// Index in `rows` of the parent shown above it (`None` at top level).
    pub parent_index: Option<u32>,
    pub depth: u32,
    pub child_count: u32,
    pub offset_ms: i64,
    pub duration_ms: Option<i64>,
    pub ttft_ms: Option<i64>,
    pub observation_type: ObservationType,
    /// The wire text of an unknown type.
    pub type_text: Option<String>,
    pub level: Level,
    pub name: Option<String>,
    pub model: Option<String>,
    pub status_message: Option<String>,
    pub cost_usd: f64,
    pub tokens: Tokens,
    pub flags: TreeFlags,
}

/// Issue flags of a trace.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceIssues {
    pub orphans: bool,
    pub cycles: bool,
    pub duplicate_ids: bool,
    pub no_root: bool,
}

/// A trace and its rows in display order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TraceTree {
    pub trace_id: String,
    pub name: Option<String>,
    /// The trace-level user and session (see [`crate::trace`]).
    pub user_id: Option<String>,
    pub session_id: Option<String>,
    pub start_ms: i64,
    pub latency_ms: i64,
    pub level: Level,
    pub observations: u64,
    pub cost_usd: f64,
    pub tokens: Tokens,
    pub issues: TraceIssues,
    pub rows: Vec<TreeRow>,
}

pub(crate) fn level_of(rank: u8) -> Level {
    match rank {
        1 => Level::Debug,
        2 => Level::Default,
        3 => Level::Warning,
        4 => Level::Error,
        _ => Level::Other,
    }
}

fn opt(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_owned())
}

/// Tokens and cost of one row (zero without usage or cost).
fn row_figures(store: &Store, row: u32) -> (Tokens, f64, Option<i64>, Sym) {
    let Some(gi) = store.gen_index(row) else {
        return (Tokens::default(), 0.0, None, NONE);
    };
    let Some(g) = store.gens.get(gi) else {
        return (Tokens::default(), 0.0, None, NONE);
    };
    let mut t = Tokens::default();
    let (mut sum, mut has_total) = (0u64, false);
    for (k, units) in store.usage_of(g) {
        let key = store.dicts.usage_keys.resolve(k);
        let c = usage_key_classes(key);
        if c & crate::rollup::INPUT != 0 {
            t.input = t.input.saturating_add(units);
        }
        if c & crate::rollup::OUTPUT != 0 {
            t.output = t.output.saturating_add(units);
        }
        if c & crate::rollup::CACHED != 0 {
            t.cached = t.cached.saturating_add(units);
        }
        if c & crate::rollup::REASONING != 0 {
            t.reasoning = t.reasoning.saturating_add(units);
        }
        if c & crate::rollup::TOTAL != 0 {
            t.total = t.total.saturating_add(units);
            has_total = true;
        }
        sum = sum.saturating_add(units);
    }
    if !has_total {
        t.total = sum;
    }
    let model = store.dicts.genkeys.resolve(g.key)[gk::MODEL];
    (t, row_cost(store, g), store.ttft_ms(g), model)
}

/// The waterfall of one trace (see the module docs); `None` when the store has no row of it.
pub fn trace_tree(store: &Store, trace_id: &str) -> Option<TraceTree> {
    let trace = store.trace_sym(trace_id)?;
    let traces: &TraceIndex = store.traces();
    let rows: Vec<u32> = (0..store.len() as u32)
        .filter(|&r| store.trace.get(r as usize) == Some(&trace))
        .collect();
    if rows.is_empty() {
        return None;
    }
    let start_of = |r: u32| store.start_ms.get(r as usize).copied().unwrap_or(0);
    // Children lists, by local index, ordered by (start, row).
    let local = |r: u32| rows.binary_search(&r).ok();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); rows.len()];
    let mut top: Vec<(u8, i64, usize)> = Vec::new();
    for (i, &r) in rows.iter().enumerate() {
        match store.parent.get(r as usize).copied().unwrap_or(NO_PARENT) {
            NO_PARENT => top.push((0, start_of(r), i)),
            p if is_pending(p) => top.push((1, start_of(r), i)),
            p => match local(p) {
                Some(pi) if pi != i => {
                    if let Some(c) = children.get_mut(pi) {
                        c.push(i);
                    }
                }
                _ => {}
            },
        }
    }
    for c in &mut children {
        crate::sort::sort_by_key(c, |&i| (rows.get(i).map_or(0, |&r| start_of(r)), i));
    }
    top.sort_unstable();

    let trace_start = traces.start_ms.get(trace as usize).copied().unwrap_or(0);
    let mut visited = vec![false; rows.len()];
    let mut out: Vec<TreeRow> = Vec::with_capacity(rows.len());
    let mut total_tokens = Tokens::default();
    let mut total_cost = 0.0;
    // (local index, depth, parent index in `out`)
    let mut stack: Vec<(usize, u32, Option<u32>)> = Vec::new();
    let mut walk =
        |seed: usize, out: &mut Vec<TreeRow>, visited: &mut Vec<bool>, seed_flags: TreeFlags| {
            stack.push((seed, 0, None));
            while let Some((i, depth, parent_index)) = stack.pop() {
                if visited.get(i).copied().unwrap_or(true) {
                    continue;
                }
                if let Some(v) = visited.get_mut(i) {
                    *v = true;
                }
                let Some(&r) = rows.get(i) else { continue };
                let flags = RowFlags(store.flags.get(r as usize).copied().unwrap_or(0));
                let (tokens, cost, ttft, model) = row_figures(store, r);
                total_tokens.add(&tokens);
                total_cost += cost;
                let (type_text, _) = store.other_text.get(&r).copied().unwrap_or((NONE, NONE));
                let index = out.len() as u32;
                if let Some(p) = parent_index.and_then(|p| out.get_mut(p as usize)) {
                    p.child_count += 1;
                }
                out.push(TreeRow {
                    observation_id: store.observation_id(r),
                    parent_index,
                    depth,
                    child_count: 0,
                    offset_ms: start_of(r) - trace_start,
                    duration_ms: store.duration_ms(r),
                    ttft_ms: ttft,
                    observation_type: store
                        .obs_type
                        .get(r as usize)
                        .copied()
                        .unwrap_or(ObservationType::Span),
                    type_text: opt(store.dicts.other_text.resolve(type_text)),
                    level: store
                        .level
                        .get(r as usize)
                        .copied()
                        .unwrap_or(Level::Default),
                    name: opt(store
                        .dicts
                        .names
                        .resolve(store.name.get(r as usize).copied().unwrap_or(NONE))),
                    model: opt(store.dicts.models.resolve(model)),
                    status_message: opt(store.dicts.status.resolve(store.status_of(r))),
                    cost_usd: cost,
                    tokens,
                    flags: TreeFlags {
                        root: parent_index.is_none()
                            && store.parent.get(r as usize) == Some(&NO_PARENT),
                        legacy_root: flags.has(RowFlags::LEGACY_ROOT),
                        orphan: store.parent.get(r as usize).is_some_and(|&p| is_pending(p)),
                        in_cycle: traces.row_in_cycle(r)
                            || (parent_index.is_none() && seed_flags.in_cycle),
                        duplicate_id: flags.has(RowFlags::DUPLICATE_ID),
                        cost_estimated: flags.has(RowFlags::COST_ESTIMATED),
                    },
                });
                // Push children in reverse so the earliest is shown first.
                if let Some(c) = children.get(i) {
                    for &child in c.iter().rev() {
                        stack.push((child, depth + 1, Some(index)));
                    }
                }
            }
        };
    for &(_, _, i) in &top {
        walk(i, &mut out, &mut visited, TreeFlags::default());
    }
    // Whatever is left hangs on a parent loop: show each loop from its earliest row.
    let mut rest: Vec<usize> = (0..rows.len())
        .filter(|&i| !visited.get(i).copied().unwrap_or(true))
        .collect();
    crate::sort::sort_by_key(&mut rest, |&i| (rows.get(i).map_or(0, |&r| start_of(r)), i));
    for i in rest {
        walk(
            i,
            &mut out,
            &mut visited,
            TreeFlags {
                in_cycle: true,
                ..TreeFlags::default()
            },
        );
    }

    let bits = traces.issues.get(trace as usize).copied().unwrap_or(0);
    let (name, user_id, session_id) = traces.labels(store, trace);
    Some(TraceTree {
        trace_id: store.trace_id_text(trace),
        name,
        user_id,
        session_id,
        start_ms: trace_start,
        latency_ms: traces.latency_ms.get(trace as usize).copied().unwrap_or(0),
        level: level_of(traces.severity.get(trace as usize).copied().unwrap_or(0)),
        observations: rows.len() as u64,
        cost_usd: total_cost,
        tokens: total_tokens,
        issues: TraceIssues {
            orphans: bits & issues::ORPHAN != 0,
            cycles: bits & issues::CYCLE != 0,
            duplicate_ids: bits & issues::DUPLICATE_ID != 0,
            no_root: bits & issues::NO_ROOT != 0,
        },
        rows: out,
    })
}

/// One trace on a session timeline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimelineTrace {
    pub trace_id: String,
    pub name: Option<String>,
    pub offset_ms: i64,
    pub latency_ms: i64,
    pub gap_before_ms: Option<i64>,
    pub observations: u64,
    pub errors: u64,
    pub level: Level,
    pub cost_usd: f64,
    pub tokens: Tokens,
}

/// A session's traces on one time axis.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionTimeline {
    pub session_id: String,
    pub start_ms: i64,
    pub end_ms: i64,
    pub traces: Vec<TimelineTrace>,
}

/// The timeline of one session (see the module docs); `None` when no trace has that session id.
pub fn session_timeline(store: &Store, session_id: &str) -> Option<SessionTimeline> {
    let session = store
        .dicts
        .sessions
        .get(session_id)
        .filter(|&s| s != NONE)?;
    let traces = store.traces();
    let mut members: Vec<Sym> = (0..traces.len() as Sym)
        .filter(|&t| traces.session.get(t as usize) == Some(&session))
        .collect();
    if members.is_empty() {
        return None;
    }
    let mut acc: Vec<(u64, u64, f64, Tokens)> = vec![(0, 0, 0.0, Tokens::default()); members.len()];
    crate::sort::sort_by_key(&mut members, |&t| {
        (traces.start_ms.get(t as usize).copied().unwrap_or(0), t)
    });
    for r in 0..store.len() as u32 {
        let t = store.trace.get(r as usize).copied().unwrap_or(NONE);
        if traces.session.get(t as usize) != Some(&session) {
            continue;
        }
        let Some(k) = members.iter().position(|&m| m == t) else {
            continue;
        };
        let (tokens, cost, _, _) = row_figures(store, r);
        if let Some(a) = acc.get_mut(k) {
            a.0 += 1;
            a.1 += u64::from(store.level.get(r as usize) == Some(&Level::Error));
            a.2 += cost;
            a.3.add(&tokens);
        }
    }
    let start = members
        .first()
        .and_then(|&t| traces.start_ms.get(t as usize).copied())
        .unwrap_or(0);
    let mut latest_end: Option<i64> = None;
    let mut out = Vec::with_capacity(members.len());
    for (k, &t) in members.iter().enumerate() {
        let s = traces.start_ms.get(t as usize).copied().unwrap_or(0);
        let latency = traces.latency_ms.get(t as usize).copied().unwrap_or(0);
        let (observations, errors, cost_usd, tokens) = acc.get(k).copied().unwrap_or_default();
        out.push(TimelineTrace {
            trace_id: store.trace_id_text(t),
            name: opt(store
                .dicts
                .names
                .resolve(traces.service.get(t as usize).copied().unwrap_or(NONE))),
            offset_ms: s - start,
            latency_ms: latency,
            gap_before_ms: latest_end.map(|e| s - e),
            observations,
            errors,
            level: level_of(traces.severity.get(t as usize).copied().unwrap_or(0)),
            cost_usd,
            tokens,
        });
        latest_end = Some(latest_end.map_or(s + latency, |e: i64| e.max(s + latency)));
    }
    Some(SessionTimeline {
        session_id: session_id.to_owned(),
        start_ms: start,
        end_ms: latest_end.unwrap_or(start),
        traces: out,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::ObservationRow;

    fn add(s: &mut Store, id: &str, parent: Option<&str>, start: i64) {
        let mut r = ObservationRow::new(id, "t", start);
        r.parent_observation_id = parent;
        r.end_time_ms = Some(start + 10);
        r.session_id = Some("s");
        s.upsert(&r);
    }

    #[test]
    fn tree_rows_come_in_display_order_with_depths() {
        let mut s = Store::new();
        add(&mut s, "c2", Some("root"), 30);
        add(&mut s, "c1", Some("root"), 20);
        add(&mut s, "g1", Some("c1"), 25);
        add(&mut s, "root", None, 0);
        add(&mut s, "orphan", Some("gone"), 5);
        let t = trace_tree(&s, "t").unwrap();
        let order: Vec<(&str, u32)> = t
            .rows
            .iter()
            .map(|r| (r.observation_id.as_str(), r.depth))
            .collect();
        assert_eq!(
            order,
            [("root", 0), ("c1", 1), ("g1", 2), ("c2", 1), ("orphan", 0)]
        );
        assert_eq!(t.rows[0].child_count, 2);
        assert_eq!(t.rows[2].parent_index, Some(1));
        assert_eq!(t.rows[2].offset_ms, 25);
        assert!(t.rows[4].flags.orphan && t.issues.orphans);
        assert!(t.rows[0].flags.root);
        assert_eq!(t.latency_ms, 40);
        assert_eq!((t.session_id.as_deref(), t.user_id), (Some("s"), None));
        assert!(trace_tree(&s, "nope").is_none());
    }

    #[test]
    fn cycles_and_deep_chains_neither_loop_nor_overflow() {
        let mut s = Store::new();
        add(&mut s, "a", Some("b"), 1);
        add(&mut s, "b", Some("a"), 2);
        add(&mut s, "self", Some("self"), 3);
        let depth = 20_000;
        add(&mut s, "n0", None, 0);
        for i in 1..depth {
            let (id, parent) = (format!("n{i}"), format!("n{}", i - 1));
            add(&mut s, &id, Some(&parent), i as i64);
        }
        let t = trace_tree(&s, "t").unwrap();
        assert_eq!(t.rows.len(), depth + 3, "every row exactly once");
        assert_eq!(t.rows.iter().map(|r| r.depth).max(), Some(depth as u32 - 1));
        assert!(t.issues.cycles);
        let cyc: Vec<&str> = t
            .rows
            .iter()
            .filter(|r| r.flags.in_cycle)
            .map(|r| r.observation_id.as_str())
            .collect();
        assert_eq!(cyc, ["a", "b", "self"]);
    }

    #[test]
    fn session_timeline_orders_traces_and_measures_gaps() {
        let mut s = Store::new();
        for (trace, start, end) in [("t2", 5_000, 6_000), ("t1", 0, 1_000), ("t3", 5_500, 9_000)] {
            let mut r = ObservationRow::new(trace, trace, start);
            r.end_time_ms = Some(end);
            r.session_id = Some("s");
            s.upsert(&r);
        }
        let tl = session_timeline(&s, "s").unwrap();
        let ids: Vec<&str> = tl.traces.iter().map(|t| t.trace_id.as_str()).collect();
        assert_eq!(ids, ["t1", "t2", "t3"]);
        assert_eq!(tl.traces[1].gap_before_ms, Some(4_000));
        assert_eq!(
            tl.traces[2].gap_before_ms,
            Some(-500),
            "overlapping turns give a negative gap"
        );
        assert_eq!((tl.start_ms, tl.end_ms), (0, 9_000));
        assert!(session_timeline(&s, "other").is_none());
    }
}
