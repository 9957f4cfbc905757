//! Sessions, users, traces and throughput over the observations a filter keeps.
//!
//! Sessions (the trace-level session id; observations without one are left out):
//! - `turns` = distinct traces; each trace spans its own start to start + latency (over all its
//!   observations, see [`crate::trace`]);
//! - `first_start_ms` / `last_end_ms` = earliest trace start / latest trace end; `wall_clock_ms` =
//!   last_end − first_start;
//! - `generation_ms` = length of the union of the kept GENERATION observations' [start, end) intervals
//!   (parallel generations count once);
//! - idle gaps: traces in start order; a gap is the time from the latest end so far to the next trace's
//!   start; gaps longer than `idle_threshold_ms` are counted (`idle_gaps`) and summed (`idle_ms`);
//!   `max_gap_ms` is the longest gap (0 when none);
//! - observations, errors, cost and tokens as in [`crate::rollup`].
//!   Ordered by `last_end_ms` (most recent first), then id.
//!
//! Users (trace-level user id): first/last observation start, distinct sessions (missing left out),
//! traces, observations, errors, cost, tokens; ordered by traces (descending), then id.
//!
//! Traces ([`traces`]): every trace with at least one kept observation, with its trace-level start,
//! latency, worst level, name, user and session (over all its observations, see [`crate::trace`]) and
//! the kept observations' count, errors, cost and tokens; ordered as [`TraceOrder`] says, ties by latest
//! start then trace id; at most `limit` listed, `total` counts them all.
//!
//! Throughput: over the filter's time range when it has both ends, else from the first to the last kept
//! start (+1 ms): traces, observations, total and output tokens per second.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::filter::Filter;
use crate::intern::{NONE, Sym};
use crate::kernel::{FigValues, NO_MS, Prepared};
use crate::rollup::Tokens;
use crate::row::{Level, ObservationType};
use crate::store::Store;

/// One session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionSummary {
    pub session_id: String,
    pub user_id: Option<String>,
    pub turns: u64,
    pub observations: u64,
    pub errors: u64,
    pub first_start_ms: i64,
    pub last_end_ms: i64,
    pub wall_clock_ms: i64,
    pub generation_ms: i64,
    pub idle_gaps: u64,
    pub idle_ms: i64,
    pub max_gap_ms: i64,
    pub cost_usd: f64,
    pub tokens: Tokens,
}

/// One user.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserSummary {
    pub user_id: String,
    pub first_seen_ms: i64,
    pub last_seen_ms: i64,
    pub sessions: u64,
    pub traces: u64,
    pub observations: u64,
    pub errors: u64,
    pub cost_usd: f64,
    pub tokens: Tokens,
}

/// Rates over a time span.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Throughput {
    pub from_ms: i64,
    pub to_ms: i64,
    pub traces: u64,
    pub observations: u64,
    pub traces_per_second: f64,
    pub observations_per_second: f64,
    pub tokens_per_second: f64,
    pub output_tokens_per_second: f64,
}

#[derive(Default)]
struct Common {
    observations: u64,
    errors: u64,
    cost_usd: f64,
    tokens: Tokens,
    traces: Vec<Sym>,
}

/// Per selected row: its cost and tokens (zero without a generation record).
fn fig_figures(p: &Prepared<'_>) -> Vec<(f64, Tokens)> {
    let mut at = vec![(0.0, Tokens::default()); p.sel.rows.len()];
    let mut v = FigValues::default();
    for &fig in &p.figs {
        p.values(fig, &mut v);
        if let Some(slot) = at.get_mut(fig.sel as usize) {
            *slot = (v.cost_usd, v.tokens);
        }
    }
    at
}

fn group_rows(p: &Prepared<'_>, key: impl Fn(Sym) -> Sym) -> BTreeMap<Sym, (Common, Vec<u32>)> {
    let figures = fig_figures(p);
    let mut groups: BTreeMap<Sym, (Common, Vec<u32>)> = BTreeMap::new();
    for (i, &row) in p.sel.rows.iter().enumerate() {
        let trace = p.store.trace.get(row as usize).copied().unwrap_or(NONE);
        let k = key(trace);
        if k == NONE {
            continue;
        }
        let (c, members) = groups.entry(k).or_default();
        c.observations += 1;
        c.errors += u64::from(p.level.get(i).copied() == Some(Level::Error as u8));
        if let Some((cost_usd, tokens)) = figures.get(i) {
            c.cost_usd += cost_usd;
            c.tokens.add(tokens);
        }
        c.traces.push(trace);
        members.push(i as u32);
    }
    for (c, _) in groups.values_mut() {
        c.traces.sort_unstable();
        c.traces.dedup();
    }
    groups
}

/// Sessions of the observations `filter` keeps (see the module docs).
pub fn sessions(store: &Store, filter: &Filter, idle_threshold_ms: i64) -> Vec<SessionSummary> {
    let p = Prepared::new(store, filter);
    let t = p.traces;
    let groups = group_rows(&p, |tr| t.session.get(tr as usize).copied().unwrap_or(NONE));
    let mut out: Vec<SessionSummary> = groups
        .into_iter()
        .map(|(session, (c, members))| {
            let mut spans: Vec<(i64, i64)> = c
                .traces
                .iter()
                .map(|&tr| {
                    let s = t.start_ms.get(tr as usize).copied().unwrap_or(0);
                    (
                        s,
                        s.saturating_add(t.latency_ms.get(tr as usize).copied().unwrap_or(0)),
                    )
                })
                .collect();
            spans.sort_unstable();
            let first = spans.first().map_or(0, |s| s.0);
            let last = spans.iter().map(|s| s.1).max().unwrap_or(first);
            let (mut idle_gaps, mut idle_ms, mut max_gap) = (0u64, 0i64, 0i64);
            let mut running_end = first;
            for (k, &(s, e)) in spans.iter().enumerate() {
                if k > 0 {
                    let gap = s - running_end;
                    max_gap = max_gap.max(gap);
                    if gap > idle_threshold_ms {
                        idle_gaps += 1;
                        idle_ms += gap;
                    }
                }
                running_end = running_end.max(e);
            }
            let mut gens: Vec<(i64, i64)> = members
                .iter()
                .filter_map(|&i| {
                    let row = *p.sel.rows.get(i as usize)?;
                    if store.obs_type.get(row as usize) != Some(&ObservationType::Generation) {
                        return None;
                    }
                    let d = p
                        .duration_ms
                        .get(i as usize)
                        .copied()
                        .filter(|&d| d != NO_MS && d > 0)?;
                    let s = store.start_ms.get(row as usize).copied()?;
                    Some((s, s.saturating_add(d)))
                })
                .collect();
            gens.sort_unstable();
            let mut generation_ms = 0i64;
            let mut cur: Option<(i64, i64)> = None;
            for (s, e) in gens {
                cur = match cur {
                    Some((cs, ce)) if s <= ce => Some((cs, ce.max(e))),
                    Some((cs, ce)) => {
                        generation_ms += ce - cs;
                        Some((s, e))
                    }
                    None => Some((s, e)),
                };
            }
            if let Some((cs, ce)) = cur {
                generation_ms += ce - cs;
            }
            let user = c
                .traces
                .iter()
                .map(|&tr| t.user.get(tr as usize).copied().unwrap_or(NONE))
                .find(|&u| u != NONE);
            SessionSummary {
                session_id: store.dicts.sessions.resolve(session).to_owned(),
                user_id: user.map(|u| store.dicts.users.resolve(u).to_owned()),
                turns: c.traces.len() as u64,
                observations: c.observations,
                errors: c.errors,
                first_start_ms: first,
                last_end_ms: last,
                wall_clock_ms: last - first,
                generation_ms,
                idle_gaps,
                idle_ms,
                max_gap_ms: max_gap,
                cost_usd: c.cost_usd,
                tokens: c.tokens,
            }
        })
        .collect();
    crate::sort::sort_by(&mut out, |a, b| {
        b.last_end_ms
            .cmp(&a.last_end_ms)
            .then_with(|| a.session_id.cmp(&b.session_id))
    });
    out
}

/// Users of the observations `filter` keeps (see the module docs).
pub fn users(store: &Store, filter: &Filter) -> Vec<UserSummary> {
    let p = Prepared::new(store, filter);
    let t = p.traces;
    let groups = group_rows(&p, |tr| t.user.get(tr as usize).copied().unwrap_or(NONE));
    let mut out: Vec<UserSummary> = groups
        .into_iter()
        .map(|(user, (c, members))| {
            let starts = members.iter().filter_map(|&i| {
                p.sel
                    .rows
                    .get(i as usize)
                    .and_then(|&r| store.start_ms.get(r as usize).copied())
            });
            let (first, last) = starts.fold((i64::MAX, i64::MIN), |(a, b), s| (a.min(s), b.max(s)));
            let mut sessions: Vec<Sym> = c
                .traces
                .iter()
                .map(|&tr| t.session.get(tr as usize).copied().unwrap_or(NONE))
                .filter(|&s| s != NONE)
                .collect();
            sessions.sort_unstable();
            sessions.dedup();
            UserSummary {
                user_id: store.dicts.users.resolve(user).to_owned(),
                first_seen_ms: first,
                last_seen_ms: last,
                sessions: sessions.len() as u64,
                traces: c.traces.len() as u64,
                observations: c.observations,
                errors: c.errors,
                cost_usd: c.cost_usd,
                tokens: c.tokens,
            }
        })
        .collect();
    crate::sort::sort_by(&mut out, |a, b| {
        b.traces
            .cmp(&a.traces)
            .then_with(|| a.user_id.cmp(&b.user_id))
    });
    out
}

/// One trace of a [`TraceList`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TraceSummary {
    pub trace_id: String,
    /// The trace name (the "service").
    pub name: Option<String>,
    pub user_id: Option<String>,
    pub session_id: Option<String>,
    pub start_ms: i64,
    pub latency_ms: i64,
    /// The worst level of all its observations.
    pub level: Level,
    /// Kept observations of the trace, and the errors among them.
    pub observations: u64,
    pub errors: u64,
    pub cost_usd: f64,
    pub tokens: Tokens,
}

/// How [`traces`] orders its list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum TraceOrder {
    /// Latest start first.
    #[default]
    Latest,
    /// Longest trace latency first.
    Slowest,
    /// Highest kept cost first.
    Costliest,
    /// Most kept errors first (traces without errors last).
    Errors,
}

/// Traces of the observations a filter keeps.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TraceList {
    /// Traces with at least one kept observation.
    pub total: u64,
    /// At most the asked number, in the asked order.
    pub traces: Vec<TraceSummary>,
}

/// Traces of the observations `filter` keeps (see the module docs).
pub fn traces(store: &Store, filter: &Filter, order: TraceOrder, limit: usize) -> TraceList {
    let p = Prepared::new(store, filter);
    let t = p.traces;
    // Per trace symbol: the kept rows' figures (dense: every trace has a slot, most get rows).
    let mut acc: Vec<Common> = (0..t.len()).map(|_| Common::default()).collect();
    for (i, &trace) in p.trace_of.iter().enumerate() {
        if let Some(c) = acc.get_mut(trace as usize) {
            c.observations += 1;
            c.errors += u64::from(p.level.get(i).copied() == Some(Level::Error as u8));
        }
    }
    let mut v = FigValues::default();
    for &fig in &p.figs {
        p.values(fig, &mut v);
        let trace = p.trace_of.get(fig.sel as usize).copied().unwrap_or(NONE);
        if let Some(c) = acc.get_mut(trace as usize) {
            c.cost_usd += v.cost_usd;
            c.tokens.add(&v.tokens);
        }
    }
    let mut kept: Vec<Sym> = (0..acc.len() as Sym)
        .filter(|&tr| acc.get(tr as usize).is_some_and(|c| c.observations > 0))
        .collect();
    let total = kept.len() as u64;
    let start = |tr: Sym| t.start_ms.get(tr as usize).copied().unwrap_or(0);
    let latency = |tr: Sym| t.latency_ms.get(tr as usize).copied().unwrap_or(0);
    let common = |tr: Sym| acc.get(tr as usize);
    crate::sort::sort_by(&mut kept, |&a, &b| {
        let (ca, cb) = (common(a), common(b));
        let primary = match order {
            TraceOrder::Latest => core::cmp::Ordering::Equal,
            TraceOrder::Slowest => latency(b).cmp(&latency(a)),
            TraceOrder::Costliest => {
                let cost = |c: Option<&Common>| c.map_or(0.0, |c| c.cost_usd);
                cost(cb).total_cmp(&cost(ca))
            }
            TraceOrder::Errors => {
                let errors = |c: Option<&Common>| c.map_or(0, |c| c.errors);
                errors(cb).cmp(&errors(ca))
            }
        };
        // The id text only for exact ties (rare), so sorting allocates nothing in the common case.
        primary
            .then_with(|| start(b).cmp(&start(a)))
            .then_with(|| store.trace_id_text(a).cmp(&store.trace_id_text(b)))
    });
    kept.truncate(limit);
    let traces = kept
        .into_iter()
        .map(|tr| {
            let at = tr as usize;
            let c = acc.get(at);
            let (name, user_id, session_id) = t.labels(store, tr);
            TraceSummary {
                trace_id: store.trace_id_text(tr),
                name,
                user_id,
                session_id,
                start_ms: start(tr),
                latency_ms: latency(tr),
                level: crate::views::level_of(t.severity.get(at).copied().unwrap_or(0)),
                observations: c.map_or(0, |c| c.observations),
                errors: c.map_or(0, |c| c.errors),
                cost_usd: c.map_or(0.0, |c| c.cost_usd),
                tokens: c.map_or_else(Tokens::default, |c| c.tokens),
            }
        })
        .collect();
    TraceList { total, traces }
}

/// Throughput of the observations `filter` keeps (see the module docs).
pub fn throughput(store: &Store, filter: &Filter) -> Throughput {
    let p = Prepared::new(store, filter);
    let starts = p
        .sel
        .rows
        .iter()
        .filter_map(|&r| store.start_ms.get(r as usize).copied());
    let (lo, hi) = starts.fold((i64::MAX, i64::MIN), |(a, b), s| (a.min(s), b.max(s)));
    let (from_ms, to_ms) = match (filter.from_ms, filter.to_ms) {
        (Some(f), Some(t)) => (f, t),
        _ if lo <= hi => (lo, hi.saturating_add(1)),
        _ => return Throughput::default(),
    };
    let seconds = (to_ms.saturating_sub(from_ms)).max(1) as f64 / 1000.0;
    let mut tokens = Tokens::default();
    let mut v = FigValues::default();
    for &f in &p.figs {
        p.values(f, &mut v);
        tokens.add(&v.tokens);
    }
    let traces = p.run_trace.len() as u64;
    let observations = p.sel.rows.len() as u64;
    Throughput {
        from_ms,
        to_ms,
        traces,
        observations,
        traces_per_second: traces as f64 / seconds,
        observations_per_second: observations as f64 / seconds,
        tokens_per_second: tokens.total as f64 / seconds,
        output_tokens_per_second: tokens.output as f64 / seconds,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::ObservationRow;

    #[allow(clippy::too_many_arguments)]
    fn add(
        s: &mut Store,
        id: &str,
        trace: &str,
        start: i64,
        end: i64,
        ty: ObservationType,
        session: &str,
        user: &str,
    ) {
        let mut r = ObservationRow::new(id, trace, start);
        r.end_time_ms = Some(end);
        r.observation_type = ty;
        r.session_id = Some(session);
        r.user_id = Some(user);
        s.upsert(&r);
    }

    #[test]
    fn sessions_measure_turns_gaps_and_generation_time() {
        let mut s = Store::new();
        // Turn 1: 0..1000 with two overlapping generations 100..500 and 300..700 (union 600).
        add(&mut s, "r1", "t1", 0, 1000, ObservationType::Span, "s", "u");
        add(
            &mut s,
            "g1",
            "t1",
            100,
            500,
            ObservationType::Generation,
            "s",
            "u",
        );
        add(
            &mut s,
            "g2",
            "t1",
            300,
            700,
            ObservationType::Generation,
            "s",
            "u",
        );
        // Turn 2 after an idle gap of 60 s; turn 3 after 1 s.
        add(
            &mut s,
            "r2",
            "t2",
            61_000,
            62_000,
            ObservationType::Span,
            "s",
            "u",
        );
        add(
            &mut s,
            "g3",
            "t2",
            61_100,
            61_300,
            ObservationType::Generation,
            "s",
            "u",
        );
        add(
            &mut s,
            "r3",
            "t3",
            63_000,
            63_500,
            ObservationType::Span,
            "s",
            "u",
        );
        add(&mut s, "x", "t4", 5, 6, ObservationType::Span, "other", "v");
        let got = sessions(&s, &Filter::default(), 30_000);
        let sess = got.iter().find(|x| x.session_id == "s").unwrap();
        assert_eq!(sess.turns, 3);
        assert_eq!(sess.wall_clock_ms, 63_500);
        assert_eq!(sess.generation_ms, 600 + 200);
        assert_eq!(
            (sess.idle_gaps, sess.idle_ms, sess.max_gap_ms),
            (1, 60_000, 60_000)
        );
        assert_eq!(sess.user_id.as_deref(), Some("u"));
        assert_eq!(got[0].session_id, "s", "most recent first");
        let u = users(&s, &Filter::default());
        assert_eq!(
            (
                u[0].user_id.as_str(),
                u[0].traces,
                u[0].sessions,
                u[0].observations
            ),
            ("u", 3, 1, 6)
        );
        assert_eq!((u[0].first_seen_ms, u[0].last_seen_ms), (0, 63_000));
        let tp = throughput(&s, &Filter::time_range(0, 100_000));
        assert_eq!((tp.traces, tp.observations), (4, 7));
        assert!((tp.traces_per_second - 0.04).abs() < 1e-12);
    }

    #[test]
    fn traces_list_kept_traces_with_trace_level_figures_in_the_asked_order() {
        let mut s = Store::new();
        add(
            &mut s,
            "a1",
            "ta",
            0,
            5_000,
            ObservationType::Span,
            "s1",
            "u1",
        );
        add(
            &mut s,
            "a2",
            "ta",
            100,
            200,
            ObservationType::Generation,
            "s1",
            "u1",
        );
        add(
            &mut s,
            "b1",
            "tb",
            10_000,
            10_500,
            ObservationType::Span,
            "s1",
            "u1",
        );
        let mut err = ObservationRow::new("c1", "tc", 20_000);
        err.end_time_ms = Some(21_000);
        err.level = Level::Error;
        s.upsert(&err);
        let mut ok = ObservationRow::new("c2", "tc", 20_100);
        ok.end_time_ms = Some(20_200);
        s.upsert(&ok);

        let ids = |list: &TraceList| -> Vec<String> {
            list.traces.iter().map(|t| t.trace_id.clone()).collect()
        };
        let latest = traces(&s, &Filter::default(), TraceOrder::Latest, 10);
        assert_eq!(latest.total, 3);
        assert_eq!(ids(&latest), ["tc", "tb", "ta"]);
        let slowest = traces(&s, &Filter::default(), TraceOrder::Slowest, 10);
        assert_eq!(ids(&slowest), ["ta", "tc", "tb"]);
        let errors = traces(&s, &Filter::default(), TraceOrder::Errors, 1);
        assert_eq!((errors.total, ids(&errors)), (3, vec!["tc".to_string()]));
        let tc = &errors.traces[0];
        assert_eq!((tc.start_ms, tc.latency_ms), (20_000, 1_000));
        assert_eq!((tc.level, tc.observations, tc.errors), (Level::Error, 2, 1));
        let ta = &slowest.traces[0];
        assert_eq!(
            (
                ta.session_id.as_deref(),
                ta.user_id.as_deref(),
                ta.observations
            ),
            (Some("s1"), Some("u1"), 2)
        );

        // The filter keeps rows; the trace-level figures stay over all of a trace's rows.
        let window = traces(&s, &Filter::time_range(50, 15_000), TraceOrder::Latest, 10);
        assert_eq!(ids(&window), ["tb", "ta"]);
        assert_eq!(window.traces[1].latency_ms, 5_000);
        assert_eq!(
            window.traces[1].observations, 1,
            "a2 alone is in the window"
        );
        assert_eq!(
            traces(&Store::new(), &Filter::default(), TraceOrder::Slowest, 5),
            TraceList::default()
        );
    }
}
