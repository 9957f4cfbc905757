//! Every rollup against a naive reference implementation written straight from the definitions in the
//! crate docs: random rows (duplicates, replacements, orphans, cycles, missing values everywhere, usage
//! above 2^53, ties), random filters; counts and tokens must match exactly, quantiles bit for bit (a sort
//! per group), costs to 1e-9 relative.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet, HashMap};

use loupe_core::{
    BucketSize, Dimension, DimensionValues, Filter, FixedOffset, GroupStats, LatencyStats, Level,
    ObservationRow, ObservationType, SeriesSpec, Stats, Store, group_by, overview, time_series,
};
use proptest::prelude::*;

#[derive(Clone, Debug)]
struct Spec {
    id: String,
    trace: Option<String>,
    parent: Option<String>,
    start: i64,
    end: Option<i64>,
    completion: Option<i64>,
    obs_type: ObservationType,
    level: Level,
    name: Option<String>,
    version: Option<String>,
    env: Option<String>,
    user: Option<String>,
    session: Option<String>,
    is_root: Option<bool>,
    trace_name: Option<String>,
    tags: Vec<String>,
    release: Option<String>,
    model: Option<String>,
    prompt: Option<String>,
    usage: Vec<(String, u64)>,
    cost: Vec<(String, f64)>,
    tenant: Option<String>,
}

fn pick(pool: &'static [&'static str]) -> impl Strategy<Value = Option<String>> {
    prop::option::weighted(0.7, prop::sample::select(pool).prop_map(str::to_owned))
}

const IDS: &[&str] = &[
    "a",
    "b",
    "c",
    "d",
    "e",
    "f",
    "g",
    "h",
    "t-T1",
    "t-T2",
    "0123456789abcdef",
    "b6e2f1d4-7a3c-4e58-9f10-2c8d4a6b1e37",
];
const TRACES: &[&str] = &["T1", "T2", "T3", "T4"];
const NAMES: &[&str] = &["chat", "Search", "tool", "embed"];
const SMALL: &[&str] = &["x", "y", "z"];
const TAGS: &[&str] = &["p", "q", "r"];
const MODELS: &[&str] = &["gpt-4o", "claude", "gemini"];
const USAGE_KEYS: &[&str] = &[
    "input",
    "output",
    "total",
    "input_cached_tokens",
    "output_reasoning_tokens",
    "audio",
];

fn units() -> impl Strategy<Value = u64> {
    prop_oneof![0u64..5000, Just(0u64), (1u64 << 53)..(1u64 << 60)]
}

fn spec() -> impl Strategy<Value = Spec> {
    let ids = (
        prop::sample::select(IDS).prop_map(str::to_owned),
        prop::option::weighted(0.9, prop::sample::select(TRACES).prop_map(str::to_owned)),
        prop::option::weighted(0.5, prop::sample::select(IDS).prop_map(str::to_owned)),
        0i64..200_000,
        prop::option::weighted(0.8, -50i64..300_000),
        prop::option::weighted(0.4, -10i64..5_000),
    );
    let kind = (
        prop::sample::select(&ObservationType::ALL[..]),
        prop::sample::select(&Level::ALL[..]),
        pick(NAMES),
        pick(SMALL),
        pick(SMALL),
        pick(SMALL),
        pick(SMALL),
        prop::option::of(any::<bool>()),
    );
    let context = (
        pick(NAMES),
        prop::sample::subsequence(TAGS, 0..=3),
        pick(SMALL),
        pick(MODELS),
        pick(SMALL),
        prop::sample::subsequence(USAGE_KEYS, 0..=4),
        proptest::collection::vec(units(), 4),
        prop::sample::subsequence(USAGE_KEYS, 0..=3),
        proptest::collection::vec(0.0f64..10.0, 3),
        pick(SMALL),
    );
    (ids, kind, context).prop_map(|(ids, kind, context)| {
        let (id, trace, parent, start, end, completion) = ids;
        let (obs_type, level, name, version, env, user, session, is_root) = kind;
        let (trace_name, tags, release, model, prompt, ukeys, uvals, ckeys, cvals, tenant) =
            context;
        Spec {
            id,
            trace,
            parent,
            start,
            end: end.map(|d| start + d),
            completion: completion.map(|d| start + d),
            obs_type,
            level,
            name,
            version,
            env,
            user,
            session,
            is_root,
            trace_name,
            tags: tags.into_iter().map(str::to_owned).collect(),
            release,
            model,
            prompt,
            usage: ukeys
                .into_iter()
                .zip(uvals)
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
            cost: ckeys
                .into_iter()
                .zip(cvals)
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
            tenant,
        }
    })
}

fn load(specs: &[Spec]) -> Store {
    let mut store = Store::new();
    for s in specs {
        let tags: Vec<&str> = s.tags.iter().map(String::as_str).collect();
        let usage: Vec<(&str, u64)> = s.usage.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        let cost: Vec<(&str, f64)> = s.cost.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        let meta: Vec<(&str, &str)> = s.tenant.iter().map(|t| ("tenant", t.as_str())).collect();
        let mut row = ObservationRow::new(&s.id, "", s.start);
        row.trace_id = s.trace.as_deref();
        row.parent_observation_id = s.parent.as_deref();
        row.end_time_ms = s.end;
        row.completion_start_time_ms = s.completion;
        row.observation_type = s.obs_type;
        row.level = s.level;
        row.name = s.name.as_deref();
        row.version = s.version.as_deref();
        row.environment = s.env.as_deref();
        row.user_id = s.user.as_deref();
        row.session_id = s.session.as_deref();
        row.is_root = s.is_root;
        row.trace_name = s.trace_name.as_deref();
        row.tags = &tags;
        row.release = s.release.as_deref();
        row.model = s.model.as_deref();
        row.prompt_name = s.prompt.as_deref();
        row.usage = &usage;
        row.cost = &cost;
        row.metadata = &meta;
        store.upsert(&row);
    }
    store
}

// ---------------------------------------------------------------- the reference ----

/// The rows as the store should hold them: one per (trace, id), last write wins, first-insertion order.
fn dedupe(specs: &[Spec]) -> Vec<Spec> {
    let mut order: Vec<(Option<String>, String)> = Vec::new();
    let mut latest: HashMap<(Option<String>, String), Spec> = HashMap::new();
    for s in specs {
        let key = (s.trace.clone(), s.id.clone());
        if !latest.contains_key(&key) {
            order.push(key.clone());
        }
        latest.insert(key, s.clone());
    }
    order
        .into_iter()
        .map(|k| latest.remove(&k).unwrap())
        .collect()
}

struct TraceInfo {
    latency: i64,
    error: bool,
    service: Option<String>,
    user: Option<String>,
    session: Option<String>,
    release: Option<String>,
    env: Option<String>,
    tags: Vec<String>,
}

fn root_rank(s: &Spec) -> u8 {
    let legacy = s.trace.as_ref().is_some_and(|t| s.id == format!("t-{t}"));
    if legacy {
        3
    } else if s.parent.is_none() && s.is_root == Some(true) {
        2
    } else if s.parent.is_none() {
        1
    } else {
        0
    }
}

fn severity(l: Level) -> u8 {
    match l {
        Level::Other => 0,
        Level::Debug => 1,
        Level::Default => 2,
        Level::Warning => 3,
        Level::Error => 4,
    }
}

fn traces_of(rows: &[Spec]) -> HashMap<Option<String>, TraceInfo> {
    let mut by_trace: BTreeMap<Option<String>, Vec<&Spec>> = BTreeMap::new();
    for r in rows {
        by_trace.entry(r.trace.clone()).or_default().push(r);
    }
    let mut out = HashMap::new();
    for (t, rs) in by_trace {
        let start = rs.iter().map(|r| r.start).min().unwrap();
        let end = rs
            .iter()
            .map(|r| r.end.unwrap_or(r.start).max(r.start))
            .max()
            .unwrap();
        let worst = rs.iter().map(|r| severity(r.level)).max().unwrap();
        let mut root: Option<&Spec> = None;
        for r in &rs {
            let rank = root_rank(r);
            if rank == 0 {
                continue;
            }
            match root {
                None => root = Some(r),
                Some(cur) => {
                    let best = root_rank(cur);
                    if rank > best || (rank == best && r.start < cur.start) {
                        root = Some(r);
                    }
                }
            }
        }
        let first = |f: &dyn Fn(&Spec) -> Option<String>| -> Option<String> {
            root.and_then(f).or_else(|| rs.iter().find_map(|r| f(r)))
        };
        let tags = root
            .filter(|r| !r.tags.is_empty())
            .or_else(|| rs.iter().copied().find(|r| !r.tags.is_empty()))
            .map(|r| {
                r.tags
                    .iter()
                    .cloned()
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect()
            })
            .unwrap_or_default();
        let service =
            first(&|r| r.trace_name.clone()).or_else(|| root.and_then(|r| r.name.clone()));
        out.insert(
            t,
            TraceInfo {
                latency: end - start,
                error: worst == 4,
                service,
                user: first(&|r| r.user.clone()),
                session: first(&|r| r.session.clone()),
                release: first(&|r| r.release.clone()),
                env: first(&|r| r.env.clone()),
                tags,
            },
        );
    }
    out
}

fn values(dim: &Dimension, r: &Spec, t: &TraceInfo) -> Vec<Option<String>> {
    let has_gen = r.model.is_some()
        || r.prompt.is_some()
        || !r.usage.is_empty()
        || !r.cost.is_empty()
        || r.completion.is_some();
    let one = |v: Option<String>| vec![v];
    match dim {
        Dimension::Model => one(if has_gen { r.model.clone() } else { None }),
        Dimension::PromptName => one(r.prompt.clone()),
        Dimension::Service => one(t.service.clone()),
        Dimension::User => one(t.user.clone()),
        Dimension::Session => one(t.session.clone()),
        Dimension::Release => one(t.release.clone()),
        Dimension::Environment => one(r.env.clone().or_else(|| t.env.clone())),
        Dimension::Version => one(r.version.clone()),
        Dimension::ObservationType => one(Some(r.obs_type.as_str().to_owned())),
        Dimension::Level => one(Some(r.level.as_str().to_owned())),
        Dimension::Name => one(r.name.clone()),
        Dimension::Metadata(key) => one(if key == "tenant" {
            r.tenant.clone()
        } else {
            None
        }),
        Dimension::Tag => {
            if t.tags.is_empty() {
                vec![None]
            } else {
                t.tags.iter().cloned().map(Some).collect()
            }
        }
    }
}

fn classes(key: &str) -> (bool, bool, bool, bool) {
    (
        key.contains("input"),
        key.contains("output"),
        key.contains("input") && key.contains("cache"),
        key.contains("reasoning"),
    )
}

fn nearest(sorted: &[i64], num: u64, den: u64) -> i64 {
    let n = sorted.len() as u128;
    let rank = (u128::from(num) * n).div_ceil(u128::from(den)).clamp(1, n) as usize;
    sorted[rank - 1]
}

fn latency(mut v: Vec<i64>) -> Option<LatencyStats> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    let sum: i128 = v.iter().map(|&x| i128::from(x)).sum();
    Some(LatencyStats {
        count: v.len() as u64,
        mean: sum as f64 / v.len() as f64,
        p50: nearest(&v, 1, 2),
        p75: nearest(&v, 3, 4),
        p90: nearest(&v, 9, 10),
        p95: nearest(&v, 19, 20),
        p99: nearest(&v, 99, 100),
        p999: nearest(&v, 999, 1000),
        max: *v.last().unwrap(),
    })
}

fn naive_stats(rows: &[&Spec], traces: &HashMap<Option<String>, TraceInfo>) -> Stats {
    let mut st = Stats {
        observations: rows.len() as u64,
        ..Stats::default()
    };
    let mut lat = Vec::new();
    let mut ttft = Vec::new();
    let mut seen = BTreeSet::new();
    let mut trace_lat = Vec::new();
    let mut usage: BTreeMap<String, u128> = BTreeMap::new();
    let mut cost: BTreeMap<String, f64> = BTreeMap::new();
    let (mut input, mut output, mut cached, mut reasoning, mut total) =
        (0u128, 0u128, 0u128, 0u128, 0u128);
    let (mut tps_tokens, mut tps_ms) = (0u128, 0i128);
    for r in rows {
        st.errors += u64::from(r.level == Level::Error);
        st.warnings += u64::from(r.level == Level::Warning);
        let dur = r.end.map(|e| e - r.start);
        if let Some(d) = dur {
            lat.push(d);
        }
        if let Some(c) = r.completion {
            ttft.push(c - r.start);
        }
        if seen.insert(r.trace.clone()) {
            let t = &traces[&r.trace];
            trace_lat.push(t.latency);
            st.trace_errors += u64::from(t.error);
        }
        let mut row_out = 0u128;
        let mut row_total = None;
        let mut row_sum = 0u128;
        for (k, v) in &r.usage {
            let (i, o, c, re) = classes(k);
            let v = u128::from(*v);
            input += if i { v } else { 0 };
            if o {
                output += v;
                row_out += v;
            }
            cached += if c { v } else { 0 };
            reasoning += if re { v } else { 0 };
            if k == "total" {
                row_total = Some(v);
            }
            row_sum += v;
            *usage.entry(k.clone()).or_default() += v;
        }
        total += row_total.unwrap_or(row_sum);
        let mut row_cost_total = None;
        let mut row_cost_sum = 0.0;
        for (k, v) in &r.cost {
            if k == "total" {
                row_cost_total = Some(*v);
            } else {
                row_cost_sum += v;
            }
            *cost.entry(k.clone()).or_default() += v;
        }
        st.cost_usd += row_cost_total.unwrap_or(row_cost_sum);
        let cap = |x: u128| x.min(u128::from(u64::MAX));
        if let Some(d) = dur
            && d > 0
            && cap(row_out) > 0
        {
            tps_tokens += cap(row_out);
            tps_ms += i128::from(d);
        }
    }
    let cap = |x: u128| x.min(u128::from(u64::MAX)) as u64;
    st.tokens.input = cap(input);
    st.tokens.output = cap(output);
    st.tokens.cached = cap(cached);
    st.tokens.reasoning = cap(reasoning);
    st.tokens.total = cap(total);
    st.traces = seen.len() as u64;
    st.usage_by_key = usage
        .into_iter()
        .map(|(key, units)| loupe_core::KeyUnits {
            key,
            units: cap(units),
        })
        .collect();
    st.cost_by_key = cost
        .into_iter()
        .map(|(key, cost_usd)| loupe_core::KeyCost { key, cost_usd })
        .collect();
    if st.observations > 0 {
        st.error_rate = Some(st.errors as f64 / st.observations as f64);
        st.success_rate = Some((st.observations - st.errors) as f64 / st.observations as f64);
    }
    if st.traces > 0 {
        st.trace_error_rate = Some(st.trace_errors as f64 / st.traces as f64);
    }
    st.latency_ms = latency(lat);
    st.trace_latency_ms = latency(trace_lat);
    ttft.sort_unstable();
    st.ttft_ms = (!ttft.is_empty()).then(|| loupe_core::TtftStats {
        count: ttft.len() as u64,
        p50: nearest(&ttft, 1, 2),
        p95: nearest(&ttft, 19, 20),
    });
    st.output_tokens_per_second =
        (tps_ms > 0).then(|| tps_tokens as f64 / (tps_ms as f64 / 1000.0));
    st
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()) + 1e-12
}

fn assert_stats(got: &Stats, want: &Stats, what: &str) -> Result<(), TestCaseError> {
    prop_assert!(
        close(got.cost_usd, want.cost_usd),
        "{what}: cost {} vs {}",
        got.cost_usd,
        want.cost_usd
    );
    prop_assert_eq!(
        got.cost_by_key.len(),
        want.cost_by_key.len(),
        "{}: cost keys",
        what
    );
    for (g, w) in got.cost_by_key.iter().zip(&want.cost_by_key) {
        prop_assert_eq!(&g.key, &w.key);
        prop_assert!(
            close(g.cost_usd, w.cost_usd),
            "{what}: cost {} {} vs {}",
            g.key,
            g.cost_usd,
            w.cost_usd
        );
    }
    let strip = |s: &Stats| Stats {
        cost_usd: 0.0,
        cost_by_key: Vec::new(),
        ..s.clone()
    };
    let (mut g, mut w) = (strip(got), strip(want));
    for (a, b) in [
        (&mut g.latency_ms, &mut w.latency_ms),
        (&mut g.trace_latency_ms, &mut w.trace_latency_ms),
    ] {
        if let (Some(x), Some(y)) = (a.as_mut(), b.as_mut()) {
            prop_assert!(
                close(x.mean, y.mean),
                "{what}: mean {} vs {}",
                x.mean,
                y.mean
            );
            x.mean = 0.0;
            y.mean = 0.0;
        }
    }
    if let (Some(x), Some(y)) = (g.output_tokens_per_second, w.output_tokens_per_second) {
        prop_assert!(close(x, y));
        g.output_tokens_per_second = None;
        w.output_tokens_per_second = None;
    }
    prop_assert_eq!(g, w, "{}", what);
    Ok(())
}

fn keep(r: &Spec, f: &Filter, t: &TraceInfo) -> bool {
    if f.from_ms.is_some_and(|x| r.start < x) || f.to_ms.is_some_and(|x| r.start >= x) {
        return false;
    }
    if f.min_duration_ms.is_some() || f.max_duration_ms.is_some() {
        let Some(d) = r.end.map(|e| e - r.start) else {
            return false;
        };
        if f.min_duration_ms.is_some_and(|m| d < m) || f.max_duration_ms.is_some_and(|m| d > m) {
            return false;
        }
    }
    if let Some(text) = &f.text {
        let needle = text.to_lowercase();
        let hit = |s: &Option<String>| {
            s.as_ref()
                .is_some_and(|s| s.to_lowercase().contains(&needle))
        };
        if !hit(&r.name) && !hit(&t.service) {
            return false;
        }
    }
    for (list, exclude) in [(&f.include, false), (&f.exclude, true)] {
        for c in list {
            let vals = values(&c.dimension, r, t);
            let hit = vals
                .iter()
                .any(|v| c.values.contains(&v.clone().unwrap_or_default()));
            if hit == exclude {
                return false;
            }
        }
    }
    true
}

fn naive_groups(
    rows: &[&Spec],
    traces: &HashMap<Option<String>, TraceInfo>,
    dim: &Dimension,
) -> Vec<GroupStats> {
    let mut groups: BTreeMap<Option<String>, Vec<&Spec>> = BTreeMap::new();
    for r in rows {
        for v in values(dim, r, &traces[&r.trace]) {
            groups.entry(v).or_default().push(r);
        }
    }
    let mut out: Vec<GroupStats> = groups
        .into_iter()
        .map(|(key, rs)| GroupStats {
            key,
            stats: naive_stats(&rs, traces),
        })
        .collect();
    out.sort_by(|a, b| {
        b.stats
            .observations
            .cmp(&a.stats.observations)
            .then_with(|| match (&a.key, &b.key) {
                (Some(x), Some(y)) => x.cmp(y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            })
    });
    out
}

fn dimension() -> impl Strategy<Value = Dimension> {
    prop_oneof![
        prop::sample::select(&Dimension::FIXED[..]),
        Just(Dimension::Metadata("tenant".into())),
        Just(Dimension::Metadata("absent".into())),
    ]
}

fn filter() -> impl Strategy<Value = Filter> {
    let cond = || {
        (
            dimension(),
            prop::sample::subsequence(
                &["", "x", "y", "chat", "gpt-4o", "p", "T1", "ERROR", "SPAN"][..],
                1..=3,
            ),
        )
            .prop_map(|(d, v)| DimensionValues::new(d, v))
    };
    (
        prop::option::of(0i64..200_000),
        prop::option::of(0i64..200_000),
        prop::option::weighted(0.4, cond()),
        prop::option::weighted(0.3, cond()),
        prop::option::weighted(0.2, (0i64..1000, 1000i64..200_000)),
        prop::option::weighted(0.2, prop::sample::select(&["CH", "ear", "t"][..])),
    )
        .prop_map(|(from, to, inc, exc, dur, text)| Filter {
            from_ms: from,
            to_ms: to,
            include: inc.into_iter().collect(),
            exclude: exc.into_iter().collect(),
            min_duration_ms: dur.map(|d| d.0),
            max_duration_ms: dur.map(|d| d.1),
            text: text.map(str::to_owned),
            ..Filter::default()
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn rollups_match_the_reference(specs in proptest::collection::vec(spec(), 0..40), f in filter(), dim in dimension()) {
        let store = load(&specs);
        let rows = dedupe(&specs);
        prop_assert_eq!(store.len(), rows.len());
        let traces = traces_of(&rows);
        let kept: Vec<&Spec> = rows.iter().filter(|r| keep(r, &f, &traces[&r.trace])).collect();

        let got = overview(&store, &f);
        assert_stats(&got.stats, &naive_stats(&kept, &traces), "overview")?;

        let got = group_by(&store, &f, &dim);
        let want = naive_groups(&kept, &traces, &dim);
        prop_assert_eq!(got.len(), want.len(), "groups of {:?}", dim);
        for (g, w) in got.iter().zip(&want) {
            prop_assert_eq!(&g.key, &w.key);
            assert_stats(&g.stats, &w.stats, &format!("{dim:?} = {:?}", g.key))?;
        }

        // Hourly buckets in UTC over a fixed range: bucket k holds starts in [k h, (k + 1) h).
        let spec = SeriesSpec { from_ms: 0, to_ms: 200_000, target_points: 10, bucket: Some(BucketSize::Minute1) };
        let series = time_series(&store, &f, &spec, &FixedOffset(0));
        prop_assert_eq!(series.buckets.len(), 4);
        for b in &series.buckets {
            let in_bucket: Vec<&Spec> = kept.iter().copied().filter(|r| r.start >= b.start_ms && r.start < b.end_ms).collect();
            match &b.stats {
                None => prop_assert!(in_bucket.is_empty()),
                Some(st) => assert_stats(st, &naive_stats(&in_bucket, &traces), "bucket")?,
            }
        }
    }
}

/// Rows spread over `minutes` minutes with names from a pool of `names`: enough distinct groups to pass
/// 64 (the kernel switches from a bit set per trace to sorted (group, trace) pairs there).
fn spread(minutes: i64, names: usize) -> impl Strategy<Value = Spec> {
    (spec(), 0..minutes, 0..names).prop_map(|(mut s, minute, name)| {
        let shift = minute * 60_000;
        s.start += shift;
        s.end = s.end.map(|e| e + shift);
        s.completion = s.completion.map(|c| c + shift);
        s.name = Some(format!("n{name}"));
        s
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 60, ..ProptestConfig::default() })]

    #[test]
    fn many_groups_match_the_reference(specs in proptest::collection::vec(spread(150, 120), 0..300), f in filter()) {
        let store = load(&specs);
        let rows = dedupe(&specs);
        let traces = traces_of(&rows);
        let kept: Vec<&Spec> = rows.iter().filter(|r| keep(r, &f, &traces[&r.trace])).collect();

        for dim in [Dimension::Name, Dimension::Service, Dimension::Tag] {
            let got = group_by(&store, &f, &dim);
            let want = naive_groups(&kept, &traces, &dim);
            prop_assert_eq!(got.len(), want.len(), "groups of {:?}", dim);
            for (g, w) in got.iter().zip(&want) {
                prop_assert_eq!(&g.key, &w.key);
                assert_stats(&g.stats, &w.stats, &format!("{dim:?} = {:?}", g.key))?;
            }
        }

        // One-minute buckets over the whole spread: about 150 groups.
        let spec = SeriesSpec { from_ms: 0, to_ms: 155 * 60_000, target_points: 0, bucket: Some(BucketSize::Minute1) };
        let series = time_series(&store, &f, &spec, &FixedOffset(0));
        for b in &series.buckets {
            let in_bucket: Vec<&Spec> = kept.iter().copied().filter(|r| r.start >= b.start_ms && r.start < b.end_ms).collect();
            match &b.stats {
                None => prop_assert!(in_bucket.is_empty()),
                Some(st) => assert_stats(st, &naive_stats(&in_bucket, &traces), "bucket")?,
            }
        }
    }

    #[test]
    fn the_standard_set_equals_its_parts(specs in proptest::collection::vec(spread(300, 10), 0..120), f in filter()) {
        let store = load(&specs);
        let std = loupe_core::standard_rollups(&store, &f, &FixedOffset(0));
        prop_assert_eq!(&std.overview, &overview(&store, &f));
        for part in &std.group_bys {
            prop_assert_eq!(&part.groups, &group_by(&store, &f, &part.dimension));
        }
        let hist = loupe_core::latency_histogram(&store, &f, loupe_core::HistogramLevel::Observation, 10);
        prop_assert_eq!(&std.latency_histogram, &hist);
        let from_ms = f.from_ms.or(std.overview.first_start_ms).unwrap_or(0);
        let to_ms = f.to_ms.or(std.overview.last_start_ms.map(|t| t + 1)).unwrap_or(from_ms);
        let spec = SeriesSpec { from_ms, to_ms, target_points: 0, bucket: Some(BucketSize::Hour1) };
        prop_assert_eq!(&std.hourly, &time_series(&store, &f, &spec, &FixedOffset(0)));
    }
}

/// The kernel's figures of a set of rows, from the reference's full statistics.
fn naive_figures(
    rows: &[&Spec],
    traces: &HashMap<Option<String>, TraceInfo>,
) -> loupe_core::Figures {
    let st = naive_stats(rows, traces);
    loupe_core::Figures {
        observations: st.observations,
        traces: st.traces,
        errors: st.errors,
        warnings: st.warnings,
        error_rate: st.error_rate,
        input_tokens: st.tokens.input,
        output_tokens: st.tokens.output,
        total_tokens: st.tokens.total,
        cost_usd: st.cost_usd,
        timed: st.latency_ms.as_ref().map_or(0, |l| l.count),
        latency_ms: st.latency_ms.map(|l| loupe_core::Latency {
            p50_ms: l.p50,
            p95_ms: l.p95,
            p99_ms: l.p99,
        }),
    }
}

fn assert_figures(
    got: &loupe_core::Figures,
    want: &loupe_core::Figures,
    what: &str,
) -> Result<(), TestCaseError> {
    prop_assert!(
        close(got.cost_usd, want.cost_usd),
        "{what}: cost {} vs {}",
        got.cost_usd,
        want.cost_usd
    );
    let strip = |f: &loupe_core::Figures| loupe_core::Figures {
        cost_usd: 0.0,
        ..*f
    };
    prop_assert_eq!(strip(got), strip(want), "{}", what);
    Ok(())
}

/// `kernel_rollups` against the reference: every group of the six dimensions, every hourly bucket,
/// the overview and the histogram.
fn check_kernel(specs: &[Spec], f: &Filter) -> Result<(), TestCaseError> {
    let store = load(specs);
    let rows = dedupe(specs);
    let traces = traces_of(&rows);
    let kept: Vec<&Spec> = rows
        .iter()
        .filter(|r| keep(r, f, &traces[&r.trace]))
        .collect();
    let got = loupe_core::kernel_rollups(&store, f, &FixedOffset(0));

    assert_figures(&got.overview, &naive_figures(&kept, &traces), "overview")?;
    prop_assert_eq!(got.first_start_ms, kept.iter().map(|r| r.start).min());
    prop_assert_eq!(got.last_start_ms, kept.iter().map(|r| r.start).max());

    prop_assert_eq!(got.group_bys.len(), loupe_core::KERNEL_DIMENSIONS.len());
    for (part, dim) in got.group_bys.iter().zip(&loupe_core::KERNEL_DIMENSIONS) {
        prop_assert_eq!(&part.dimension, dim);
        let mut want: BTreeMap<Option<String>, Vec<&Spec>> = BTreeMap::new();
        for r in &kept {
            for v in values(dim, r, &traces[&r.trace]) {
                want.entry(v).or_default().push(r);
            }
        }
        prop_assert_eq!(part.groups.len(), want.len(), "groups of {:?}", dim);
        prop_assert!(
            part.groups.windows(2).all(|w| w[0].key < w[1].key),
            "symbol order"
        );
        for g in &part.groups {
            let label = store.label(dim, g.key).map(str::to_owned);
            let Some(rs) = want.get(&label) else {
                return Err(TestCaseError::fail(format!(
                    "{dim:?}: unexpected group {label:?}"
                )));
            };
            assert_figures(
                &g.figures,
                &naive_figures(rs, &traces),
                &format!("{dim:?} = {label:?}"),
            )?;
        }
    }

    let from_ms = f.from_ms.or(got.first_start_ms).unwrap_or(0);
    let to_ms = f
        .to_ms
        .or(got.last_start_ms.map(|t| t + 1))
        .unwrap_or(from_ms);
    prop_assert_eq!(got.bucket, BucketSize::Hour1);
    // Boundaries from the hour at or before `from_ms` up to the first one at or after `to_ms`.
    let first_bound = from_ms.div_euclid(3_600_000) * 3_600_000;
    let expected_buckets = ((to_ms - first_bound).max(0) as u64).div_ceil(3_600_000) as i64;
    prop_assert_eq!(got.hourly.len() as i64, expected_buckets);
    for b in &got.hourly {
        prop_assert_eq!(b.end_ms - b.start_ms, 3_600_000);
        let in_bucket: Vec<&Spec> = kept
            .iter()
            .copied()
            .filter(|r| {
                r.start >= b.start_ms && r.start < b.end_ms && r.start >= from_ms && r.start < to_ms
            })
            .collect();
        match &b.figures {
            None => prop_assert!(in_bucket.is_empty()),
            Some(fig) => assert_figures(fig, &naive_figures(&in_bucket, &traces), "bucket")?,
        }
    }

    let mut durations: Vec<i64> = kept
        .iter()
        .filter_map(|r| r.end.map(|e| e - r.start))
        .collect();
    durations.sort_unstable();
    prop_assert_eq!(
        &got.latency_histogram,
        &loupe_core::histogram(&durations, 10)
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn the_kernel_matches_the_reference(specs in proptest::collection::vec(spec(), 0..40), f in filter()) {
        check_kernel(&specs, &f)?;
    }
}

/// Rows over many hours with many models: more than 64 groups in the hourly and model groupings
/// (distinct traces then come from de-duplicated pairs rather than a bit set per trace).
fn many_hours(hours: i64, models: usize) -> impl Strategy<Value = Spec> {
    (spec(), 0..hours, 0..models).prop_map(|(mut s, hour, model)| {
        let shift = hour * 3_600_000;
        s.start += shift;
        s.end = s.end.map(|e| e + shift);
        s.completion = s.completion.map(|c| c + shift);
        if s.model.is_some() {
            s.model = Some(format!("m{model}"));
        }
        s
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 60, ..ProptestConfig::default() })]

    #[test]
    fn the_kernel_matches_the_reference_with_many_groups(specs in proptest::collection::vec(many_hours(90, 80), 0..300), f in filter()) {
        check_kernel(&specs, &f)?;
    }
}

#[test]
fn the_kernel_keeps_durations_that_do_not_fit_the_column() {
    let mut s = Store::new();
    for (id, start, end) in [
        ("a", 10i64, Some(5i64)),
        ("b", 0, Some(i64::MAX / 2)),
        ("c", 20, Some(25)),
        ("d", 30, None),
    ] {
        let mut row = ObservationRow::new(id, "T", start);
        row.end_time_ms = end;
        s.upsert(&row);
    }
    let k = loupe_core::kernel_rollups(&s, &Filter::default(), &FixedOffset(0));
    assert_eq!(k.overview.timed, 3);
    assert_eq!(
        k.overview.latency_ms,
        Some(loupe_core::Latency {
            p50_ms: 5,
            p95_ms: i64::MAX / 2,
            p99_ms: i64::MAX / 2
        })
    );
    assert_eq!(k.overview.traces, 1);
    let hist = loupe_core::histogram(&[-5, 5, i64::MAX / 2], 10);
    assert_eq!(k.latency_histogram, hist);
}
