//! Scores: storage ([`crate::Store::add_score`]) and aggregates per score name.
//!
//! Contract:
//! - A score whose id was seen replaces the old one in place (upsert by id).
//! - [`score_summaries`] groups scores by (name, data type), ordered by name then type, and gives:
//!   `count`; for NUMERIC scores a numeric summary (mean, min, max, nearest-rank P25/P50/P75/P90 and
//!   ten equal-width bins from min to max, the last bin closed); for BOOLEAN scores counts of `true` and
//!   `false`; for CATEGORICAL, TEXT and CORRECTION scores counts per value (most frequent first, then by
//!   value). Scores without a value count in `count` and `missing_values`.
//! - Filter: a score is kept when its timestamp lies in the filter's time range and, when the filter
//!   has any other condition, its trace (directly or through its observation) has at least one
//!   observation the filter keeps. Session-only scores are kept only by a time-range-only filter.

use hashbrown::HashMap;
use serde::{Deserialize, Serialize};

use crate::filter::Filter;
use crate::ids;
use crate::intern::{Interner, NONE, Sym};
use crate::kernel::Prepared;
use crate::score::{ScoreDataType, ScoreRow, ScoreValue};
use crate::store::Store;

/// Value kinds stored per score.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Missing,
    Numeric,
    Boolean,
    Text,
}

/// Column storage of scores.
#[derive(Clone, Debug, Default)]
pub(crate) struct ScoreTable {
    index: HashMap<Box<str>, u32>,
    name: Vec<Sym>,
    data_type: Vec<ScoreDataType>,
    kind: Vec<Kind>,
    number: Vec<f64>,
    text: Vec<Sym>,
    timestamp_ms: Vec<i64>,
    trace: Vec<Sym>,
    names: Interner,
    texts: Interner,
}

impl ScoreTable {
    pub(crate) fn len(&self) -> usize {
        self.name.len()
    }

    pub(crate) fn memory_bytes(&self) -> usize {
        self.index.capacity() * (core::mem::size_of::<(Box<str>, u32)>() + 1)
            + self.index.keys().map(|k| k.len()).sum::<usize>()
            + self.name.capacity() * 4
            + self.data_type.capacity()
            + self.kind.capacity()
            + self.number.capacity() * 8
            + self.text.capacity() * 4
            + self.timestamp_ms.capacity() * 8
            + self.trace.capacity() * 4
            + self.names.memory_bytes()
            + self.texts.memory_bytes()
    }
}

impl Store {
    /// Adds or replaces (by id) one score. `trace` is the score's trace symbol, resolved by the caller.
    pub fn add_score(&mut self, score: &ScoreRow<'_>) {
        let trace = match score.trace_id {
            Some(t) if !t.is_empty() => {
                let mut scratch = Vec::new();
                let mut bytes = Vec::new();
                ids::key_bytes(ids::encode(t, &mut scratch), &mut bytes);
                self.dicts.trace_ids.intern_bytes(&bytes)
            }
            _ => NONE,
        };
        // A new trace slot changes the trace index's size.
        self.invalidate_traces();
        let t = &mut self.scores;
        let name = t.names.intern(Some(score.name));
        let (kind, number, text) = match score.value {
            ScoreValue::Numeric(v) => (Kind::Numeric, v, NONE),
            ScoreValue::Boolean(b) => (Kind::Boolean, if b { 1.0 } else { 0.0 }, NONE),
            ScoreValue::Text(s) => (Kind::Text, f64::NAN, t.texts.intern(Some(s))),
            ScoreValue::Missing => (Kind::Missing, f64::NAN, NONE),
        };
        let row = match t.index.get(score.id) {
            Some(&r) => r as usize,
            None => {
                let r = t.name.len();
                t.index.insert(score.id.into(), r as u32);
                t.name.push(NONE);
                t.data_type.push(ScoreDataType::Other);
                t.kind.push(Kind::Missing);
                t.number.push(f64::NAN);
                t.text.push(NONE);
                t.timestamp_ms.push(0);
                t.trace.push(NONE);
                r
            }
        };
        let set = |col: &mut Vec<_>, v| {
            if let Some(slot) = col.get_mut(row) {
                *slot = v;
            }
        };
        set(&mut t.name, name);
        set(&mut t.text, text);
        set(&mut t.trace, trace);
        if let Some(s) = t.data_type.get_mut(row) {
            *s = score.data_type;
        }
        if let Some(s) = t.kind.get_mut(row) {
            *s = kind;
        }
        if let Some(s) = t.number.get_mut(row) {
            *s = number;
        }
        if let Some(s) = t.timestamp_ms.get_mut(row) {
            *s = score.timestamp_ms;
        }
    }

    /// Number of scores held.
    pub fn score_count(&self) -> usize {
        self.scores.len()
    }
}

/// Numeric score summary.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NumericSummary {
    pub count: u64,
    pub mean: f64,
    pub min: f64,
    pub max: f64,
    pub p25: f64,
    pub p50: f64,
    pub p75: f64,
    pub p90: f64,
    pub bins: Vec<ValueBin>,
}

/// One equal-width bin of numeric score values: `[lower, upper)` (the last bin includes `upper`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ValueBin {
    pub lower: f64,
    pub upper: f64,
    pub count: u64,
}

/// How often a categorical or boolean value occurs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueCount {
    pub value: String,
    pub count: u64,
}

/// Aggregates of one score name and data type.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScoreSummary {
    pub name: String,
    pub data_type: ScoreDataType,
    pub count: u64,
    pub missing_values: u64,
    pub numeric: Option<NumericSummary>,
    pub values: Vec<ValueCount>,
}

fn nearest(sorted: &[f64], num: u64, den: u64) -> f64 {
    let i =
        crate::quantile::nearest_rank_index(sorted.len(), crate::quantile::Quantile { num, den });
    sorted.get(i).copied().unwrap_or(f64::NAN)
}

/// Sorts `v` in `f64::total_cmp` order through the plain `u64` sort the kernel also uses (one sort in
/// the wasm instead of two). Values equal under `total_cmp` have equal bits, so stability is moot.
fn sort_total(v: &mut [f64]) {
    const SIGN: u64 = 1 << 63;
    // Negative values: all bits flipped (larger magnitude first); others: sign bit set. Order-preserving.
    let mut keys: Vec<u64> = v
        .iter()
        .map(|x| {
            let b = x.to_bits();
            if b & SIGN != 0 { !b } else { b | SIGN }
        })
        .collect();
    keys.sort_unstable();
    for (x, k) in v.iter_mut().zip(keys) {
        *x = f64::from_bits(if k & SIGN != 0 { k & !SIGN } else { !k });
    }
}

fn numeric_summary(mut v: Vec<f64>) -> Option<NumericSummary> {
    v.retain(|x| x.is_finite());
    if v.is_empty() {
        return None;
    }
    sort_total(&mut v);
    let (min, max) = (v.first().copied()?, v.last().copied()?);
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    let n_bins = 10usize;
    let width = (max - min) / n_bins as f64;
    let mut bins: Vec<ValueBin> = (0..n_bins)
        .map(|i| ValueBin {
            lower: min + width * i as f64,
            upper: if i + 1 == n_bins {
                max
            } else {
                min + width * (i + 1) as f64
            },
            count: 0,
        })
        .collect();
    for &x in &v {
        let i = if width > 0.0 {
            (((x - min) / width) as usize).min(n_bins - 1)
        } else {
            0
        };
        if let Some(b) = bins.get_mut(i) {
            b.count += 1;
        }
    }
    Some(NumericSummary {
        count: v.len() as u64,
        mean,
        min,
        max,
        p25: nearest(&v, 1, 4),
        p50: nearest(&v, 1, 2),
        p75: nearest(&v, 3, 4),
        p90: nearest(&v, 9, 10),
        bins,
    })
}

/// Aggregates per score name over the scores `filter` keeps (see the module docs).
pub fn score_summaries(store: &Store, filter: &Filter) -> Vec<ScoreSummary> {
    let t = &store.scores;
    let time_only = filter.include.is_empty()
        && filter.exclude.is_empty()
        && filter.text.is_none()
        && filter.min_duration_ms.is_none()
        && filter.max_duration_ms.is_none()
        && filter.min_cost_usd.is_none()
        && filter.max_cost_usd.is_none();
    let kept_traces: Option<Vec<bool>> = (!time_only).then(|| {
        let relaxed = Filter {
            from_ms: None,
            to_ms: None,
            ..filter.clone()
        };
        let p = Prepared::new(store, &relaxed);
        let mut kept = vec![false; store.dicts.trace_ids.len()];
        for &tr in &p.run_trace {
            if let Some(k) = kept.get_mut(tr as usize) {
                *k = true;
            }
        }
        kept
    });
    let mut groups: std::collections::BTreeMap<(String, u8), Vec<usize>> =
        std::collections::BTreeMap::new();
    for i in 0..t.len() {
        let ts = t.timestamp_ms.get(i).copied().unwrap_or(0);
        if filter.from_ms.is_some_and(|f| ts < f) || filter.to_ms.is_some_and(|x| ts >= x) {
            continue;
        }
        if let Some(kept) = &kept_traces {
            let tr = t.trace.get(i).copied().unwrap_or(NONE);
            if tr == NONE || !kept.get(tr as usize).copied().unwrap_or(false) {
                continue;
            }
        }
        let name = t
            .names
            .resolve(t.name.get(i).copied().unwrap_or(NONE))
            .to_owned();
        let dt = t.data_type.get(i).copied().unwrap_or(ScoreDataType::Other);
        groups.entry((name, dt as u8)).or_default().push(i);
    }
    groups
        .into_iter()
        .map(|((name, _), rows)| {
            let data_type = rows
                .first()
                .and_then(|&i| t.data_type.get(i).copied())
                .unwrap_or(ScoreDataType::Other);
            let mut numbers = Vec::new();
            let mut counts: HashMap<String, u64> = HashMap::new();
            let mut missing = 0;
            for &i in &rows {
                match t.kind.get(i).copied().unwrap_or(Kind::Missing) {
                    Kind::Missing => missing += 1,
                    Kind::Numeric => numbers.push(t.number.get(i).copied().unwrap_or(f64::NAN)),
                    Kind::Boolean => {
                        let v = t.number.get(i).copied().unwrap_or(0.0) != 0.0;
                        *counts.entry(v.to_string()).or_default() += 1;
                    }
                    Kind::Text => {
                        let v = t
                            .texts
                            .resolve(t.text.get(i).copied().unwrap_or(NONE))
                            .to_owned();
                        *counts.entry(v).or_default() += 1;
                    }
                }
            }
            let mut values: Vec<ValueCount> = counts
                .into_iter()
                .map(|(value, count)| ValueCount { value, count })
                .collect();
            crate::sort::sort_by(&mut values, |a, b| {
                b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value))
            });
            ScoreSummary {
                name,
                data_type,
                count: rows.len() as u64,
                missing_values: missing,
                numeric: numeric_summary(numbers),
                values,
            }
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::score::ScoreSubject;
    use crate::{Dimension, DimensionValues, ObservationRow};

    #[test]
    fn sort_total_matches_total_cmp() {
        let mut v = vec![
            3.5,
            -0.0,
            f64::INFINITY,
            -2.0,
            0.0,
            f64::MIN_POSITIVE,
            -1e300,
            f64::NEG_INFINITY,
            2.0,
            -f64::MIN_POSITIVE,
            1e-310,
        ];
        let mut want = v.clone();
        want.sort_by(f64::total_cmp);
        sort_total(&mut v);
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&v), bits(&want));
    }

    fn score<'a>(
        id: &'a str,
        name: &'a str,
        value: ScoreValue<'a>,
        trace: Option<&'a str>,
    ) -> ScoreRow<'a> {
        let data_type = match value {
            ScoreValue::Numeric(_) => ScoreDataType::Numeric,
            ScoreValue::Boolean(_) => ScoreDataType::Boolean,
            _ => ScoreDataType::Categorical,
        };
        ScoreRow {
            id,
            name,
            data_type,
            value,
            source: Some("API"),
            timestamp_ms: 100,
            environment: None,
            subject: ScoreSubject::Trace,
            trace_id: trace,
            observation_id: None,
            session_id: None,
        }
    }

    #[test]
    fn numeric_boolean_and_categorical_summaries() {
        let mut s = Store::new();
        for (i, v) in [0.9, 0.1, 0.5, 0.7].iter().enumerate() {
            let id = format!("n{i}");
            s.add_score(&score(
                &id,
                "helpfulness",
                ScoreValue::Numeric(*v),
                Some("t1"),
            ));
        }
        s.add_score(&score(
            "n0",
            "helpfulness",
            ScoreValue::Numeric(0.3),
            Some("t1"),
        )); // replaces 0.9
        s.add_score(&score(
            "b1",
            "resolved",
            ScoreValue::Boolean(true),
            Some("t1"),
        ));
        s.add_score(&score(
            "b2",
            "resolved",
            ScoreValue::Boolean(false),
            Some("t2"),
        ));
        s.add_score(&score("b3", "resolved", ScoreValue::Boolean(true), None));
        s.add_score(&score("c1", "tone", ScoreValue::Text("polite"), Some("t1")));
        s.add_score(&score("c2", "tone", ScoreValue::Missing, Some("t1")));
        assert_eq!(s.score_count(), 9);
        let all = score_summaries(&s, &Filter::default());
        let names: Vec<&str> = all.iter().map(|x| x.name.as_str()).collect();
        assert_eq!(names, ["helpfulness", "resolved", "tone"]);
        let h = all[0].numeric.as_ref().unwrap();
        assert_eq!(h.count, 4);
        assert!((h.mean - 0.4).abs() < 1e-12);
        assert_eq!((h.min, h.max, h.p50), (0.1, 0.7, 0.3));
        assert_eq!(h.bins.iter().map(|b| b.count).sum::<u64>(), 4);
        assert_eq!(
            all[1].values,
            vec![
                ValueCount {
                    value: "true".into(),
                    count: 2
                },
                ValueCount {
                    value: "false".into(),
                    count: 1
                }
            ]
        );
        assert_eq!((all[2].count, all[2].missing_values), (2, 1));
    }

    #[test]
    fn dimension_filters_keep_scores_of_kept_traces() {
        let mut s = Store::new();
        let mut row = ObservationRow::new("o1", "t1", 0);
        row.user_id = Some("alice");
        s.upsert(&row);
        let mut row = ObservationRow::new("o2", "t2", 0);
        row.user_id = Some("bob");
        s.upsert(&row);
        s.add_score(&score("a", "q", ScoreValue::Numeric(1.0), Some("t1")));
        s.add_score(&score("b", "q", ScoreValue::Numeric(2.0), Some("t2")));
        let f = Filter {
            include: vec![DimensionValues::new(Dimension::User, ["alice"])],
            ..Filter::default()
        };
        let got = score_summaries(&s, &f);
        assert_eq!(got[0].count, 1);
        assert_eq!(got[0].numeric.as_ref().unwrap().mean, 1.0);
        let f = Filter {
            to_ms: Some(50),
            ..Filter::default()
        };
        assert!(score_summaries(&s, &f).is_empty(), "timestamps are 100");
    }
}
