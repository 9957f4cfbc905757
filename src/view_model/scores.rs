//! The scores page: one card per score name and data type, from the engine's [`ScoreSummary`]s.
//!
//! Input: `score_summaries` output (ordered by name, then data type); output: cards in the same order.
//! Numeric scores show mean, P50, P90, min and max and their ten equal-width bins as bar heights (relative
//! to the fullest bin); boolean scores the share of `true` and `false` among scores with a value;
//! categorical, text and correction scores their most frequent values with counts and shares, the rest
//! counted. "Missing" is a score without a value: it counts in the total and is named on the card, never
//! in a share. Score names and values come from Langfuse users: they are text for the page to show as
//! text, never markup.

use loupe_charts::format;
use loupe_core::{ScoreDataType, ScoreSummary};

/// Values listed per categorical score; the rest are counted in [`ScoreBody::Values::more`].
pub const TOP_VALUES: usize = 6;

/// One score name (and data type).
#[derive(Clone, Debug, PartialEq)]
pub struct ScoreCard {
    pub name: String,
    /// "Numeric", "Boolean", "Categorical", …
    pub data_type: &'static str,
    /// "1,234 scores".
    pub count: String,
    /// "12 without a value", when some have none.
    pub missing: Option<String>,
    pub body: ScoreBody,
}

/// What a card shows under its title.
#[derive(Clone, Debug, PartialEq)]
pub enum ScoreBody {
    Numeric {
        /// (label, value): Mean, P50, P90, Min, Max.
        figures: Vec<(&'static str, String)>,
        bins: Vec<BinBar>,
        /// The axis ends under the bars: min and max.
        lower: String,
        upper: String,
    },
    Boolean {
        /// Share of `true` among scores with a value, 0..=1.
        true_share: f64,
        /// "82.1% true (1,234)".
        true_text: String,
        /// "17.9% false (270)".
        false_text: String,
    },
    Values {
        rows: Vec<ValueBar>,
        /// Distinct values not listed.
        more: usize,
    },
    /// No score of this name has a value.
    NoValues,
}

/// One bin of a numeric distribution.
#[derive(Clone, Debug, PartialEq)]
pub struct BinBar {
    /// Bar height relative to the fullest bin, 0..=100 (0 only for an empty bin).
    pub height_pct: f64,
    /// "0.2 – 0.3: 12 scores" (the hover text).
    pub label: String,
}

/// One categorical value.
#[derive(Clone, Debug, PartialEq)]
pub struct ValueBar {
    pub value: String,
    pub count: String,
    /// Share among scores with a value, 0..=1 (the bar's width).
    pub share: f64,
    pub share_text: String,
}

/// The data type as a word.
pub fn data_type_label(data_type: ScoreDataType) -> &'static str {
    match data_type {
        ScoreDataType::Numeric => "Numeric",
        ScoreDataType::Categorical => "Categorical",
        ScoreDataType::Boolean => "Boolean",
        ScoreDataType::Correction => "Correction",
        ScoreDataType::Text => "Text",
        ScoreDataType::Other => "Other",
    }
}

/// A score value: integers as they are (`4`, `-12`), others with two to four significant digits
/// (`0.781`, `12.35`, `345.6`), trailing zeros dropped; large magnitudes grouped (`12,345`).
pub fn score_value(x: f64) -> String {
    if !x.is_finite() {
        return format::MISSING.to_owned();
    }
    let magnitude = x.abs();
    if magnitude >= 1e15 {
        format!("{x:e}")
    } else if x.fract() == 0.0 || magnitude >= 1000.0 {
        // Not `format::count`: it abbreviates from 100k on, and score values keep their digits.
        let whole = group(magnitude.round() as u64);
        if x < 0.0 && whole != "0" {
            format!("-{whole}")
        } else {
            whole
        }
    } else {
        let digits = if magnitude >= 100.0 {
            1
        } else if magnitude >= 1.0 {
            2
        } else {
            3
        };
        let text = format!("{x:.digits$}");
        let text = text.trim_end_matches('0').trim_end_matches('.').to_owned();
        if text == "-0" { "0".to_owned() } else { text }
    }
}

fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", format::count(n), if n == 1 { one } else { many })
}

fn body_of(summary: &ScoreSummary) -> ScoreBody {
    if let Some(numeric) = &summary.numeric {
        let fullest = numeric.bins.iter().map(|b| b.count).max().unwrap_or(0);
        let bins = numeric
            .bins
            .iter()
            .map(|bin| BinBar {
                height_pct: if fullest == 0 {
                    0.0
                } else {
                    bin.count as f64 * 100.0 / fullest as f64
                },
                label: format!(
                    "{} – {}: {}",
                    score_value(bin.lower),
                    score_value(bin.upper),
                    plural(bin.count, "score", "scores")
                ),
            })
            .collect();
        return ScoreBody::Numeric {
            figures: vec![
                ("Mean", score_value(numeric.mean)),
                ("P50", score_value(numeric.p50)),
                ("P90", score_value(numeric.p90)),
                ("Min", score_value(numeric.min)),
                ("Max", score_value(numeric.max)),
            ],
            bins,
            lower: score_value(numeric.min),
            upper: score_value(numeric.max),
        };
    }
    let with_value: u64 = summary.values.iter().map(|v| v.count).sum();
    if with_value == 0 {
        return ScoreBody::NoValues;
    }
    let share = |count: u64| count as f64 / with_value as f64;
    if summary.data_type == ScoreDataType::Boolean {
        let count_of = |value: &str| {
            summary
                .values
                .iter()
                .filter(|v| v.value == value)
                .map(|v| v.count)
                .sum::<u64>()
        };
        let (yes, no) = (count_of("true"), count_of("false"));
        return ScoreBody::Boolean {
            true_share: share(yes),
            true_text: format!(
                "{} true ({})",
                format::percent(share(yes)),
                format::count(yes)
            ),
            false_text: format!(
                "{} false ({})",
                format::percent(share(no)),
                format::count(no)
            ),
        };
    }
    let rows = summary
        .values
        .iter()
        .take(TOP_VALUES)
        .map(|v| ValueBar {
            value: v.value.clone(),
            count: format::count(v.count),
            share: share(v.count),
            share_text: format::percent(share(v.count)),
        })
        .collect();
    ScoreBody::Values {
        rows,
        more: summary.values.len().saturating_sub(TOP_VALUES),
    }
}

/// Cards in the engine's order (by name, then data type).
pub fn score_cards(summaries: &[ScoreSummary]) -> Vec<ScoreCard> {
    summaries
        .iter()
        .map(|summary| {
            let data_type = data_type_label(summary.data_type);
            ScoreCard {
                name: summary.name.clone(),
                data_type,
                count: plural(summary.count, "score", "scores"),
                missing: (summary.missing_values > 0)
                    .then(|| format!("{} without a value", format::count(summary.missing_values))),
                body: body_of(summary),
            }
        })
        .collect()
}

/// The page's headline: "2,345 scores · 6 names".
pub fn scores_headline(summaries: &[ScoreSummary]) -> String {
    let total: u64 = summaries.iter().map(|s| s.count).sum();
    let mut names: Vec<&str> = summaries.iter().map(|s| s.name.as_str()).collect();
    names.dedup();
    format!(
        "{} · {}",
        plural(total, "score", "scores"),
        plural(names.len() as u64, "name", "names")
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use loupe_core::{NumericSummary, ValueBin, ValueCount};

    fn summary(name: &str, data_type: ScoreDataType) -> ScoreSummary {
        ScoreSummary {
            name: name.into(),
            data_type,
            count: 0,
            missing_values: 0,
            numeric: None,
            values: Vec::new(),
        }
    }

    fn counts(pairs: &[(&str, u64)]) -> Vec<ValueCount> {
        pairs
            .iter()
            .map(|(value, count)| ValueCount {
                value: (*value).into(),
                count: *count,
            })
            .collect()
    }

    #[test]
    fn values_read_like_scores() {
        assert_eq!(score_value(4.0), "4");
        assert_eq!(score_value(-12.0), "-12");
        assert_eq!(score_value(0.0), "0");
        assert_eq!(score_value(-0.0), "0");
        assert_eq!(score_value(0.78), "0.78");
        assert_eq!(score_value(0.7812), "0.781");
        assert_eq!(score_value(-0.0001), "0");
        assert_eq!(score_value(12.346), "12.35");
        assert_eq!(score_value(345.66), "345.7");
        assert_eq!(score_value(12_345.6), "12,346");
        assert_eq!(score_value(1_234_567.0), "1,234,567");
        assert_eq!(score_value(-2_500.0), "-2,500");
        assert_eq!(score_value(f64::NAN), format::MISSING);
        assert_eq!(score_value(2e20), "2e20");
    }

    #[test]
    fn a_numeric_score_shows_its_figures_and_bins_relative_to_the_fullest() {
        let bins = [2_u64, 8, 4, 0, 0, 0, 0, 0, 0, 1]
            .iter()
            .enumerate()
            .map(|(i, count)| ValueBin {
                lower: i as f64 / 10.0,
                upper: (i + 1) as f64 / 10.0,
                count: *count,
            })
            .collect();
        let s = ScoreSummary {
            count: 17,
            missing_values: 2,
            numeric: Some(NumericSummary {
                count: 15,
                mean: 0.254,
                min: 0.0,
                max: 1.0,
                p25: 0.1,
                p50: 0.15,
                p75: 0.2,
                p90: 0.25,
                bins,
            }),
            ..summary("helpfulness", ScoreDataType::Numeric)
        };
        let card = &score_cards(&[s])[0];
        assert_eq!(card.count, "17 scores");
        assert_eq!(card.missing.as_deref(), Some("2 without a value"));
        assert_eq!(card.data_type, "Numeric");
        let ScoreBody::Numeric {
            figures,
            bins,
            lower,
            upper,
        } = &card.body
        else {
            panic!("{:?}", card.body)
        };
        assert_eq!(
            figures,
            &[
                ("Mean", "0.254".to_owned()),
                ("P50", "0.15".to_owned()),
                ("P90", "0.25".to_owned()),
                ("Min", "0".to_owned()),
                ("Max", "1".to_owned()),
            ]
        );
        let heights: Vec<f64> = bins.iter().map(|b| b.height_pct).collect();
        assert_eq!(
            heights,
            [25.0, 100.0, 50.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 12.5]
        );
        assert_eq!(bins[1].label, "0.1 – 0.2: 8 scores");
        assert_eq!(bins[9].label, "0.9 – 1: 1 score");
        assert_eq!((lower.as_str(), upper.as_str()), ("0", "1"));
    }

    #[test]
    fn a_boolean_score_shows_shares_among_scores_with_a_value() {
        let s = ScoreSummary {
            count: 5,
            missing_values: 1,
            values: counts(&[("true", 3), ("false", 1)]),
            ..summary("ok", ScoreDataType::Boolean)
        };
        let card = &score_cards(&[s])[0];
        assert_eq!(
            card.body,
            ScoreBody::Boolean {
                true_share: 0.75,
                true_text: "75% true (3)".into(),
                false_text: "25% false (1)".into(),
            }
        );
        // Only false values: a share of 0, not a missing figure.
        let only_false = ScoreSummary {
            count: 2,
            values: counts(&[("false", 2)]),
            ..summary("ok", ScoreDataType::Boolean)
        };
        let ScoreBody::Boolean { true_share, .. } = score_cards(&[only_false])[0].body else {
            panic!()
        };
        assert_eq!(true_share, 0.0);
    }

    #[test]
    fn a_categorical_score_lists_its_top_values_and_counts_the_rest() {
        let pairs: Vec<(String, u64)> = (0..9).map(|i| (format!("v{i}"), 10 - i)).collect();
        let pairs: Vec<(&str, u64)> = pairs.iter().map(|(v, c)| (v.as_str(), *c)).collect();
        let s = ScoreSummary {
            count: 54,
            values: counts(&pairs),
            ..summary("sentiment", ScoreDataType::Categorical)
        };
        let ScoreBody::Values { rows, more } = &score_cards(&[s])[0].body else {
            panic!()
        };
        assert_eq!(rows.len(), TOP_VALUES);
        assert_eq!(*more, 3);
        assert_eq!(rows[0].value, "v0");
        assert_eq!(rows[0].count, "10");
        assert_eq!(rows[0].share_text, "18.5%");
        assert!((rows[0].share - 10.0 / 54.0).abs() < 1e-12);
    }

    #[test]
    fn scores_without_values_say_so_and_cards_keep_the_engine_order() {
        let empty = ScoreSummary {
            count: 3,
            missing_values: 3,
            ..summary("comment", ScoreDataType::Text)
        };
        let numeric_too = ScoreSummary {
            count: 1,
            values: counts(&[("<script>", 1)]),
            ..summary("comment", ScoreDataType::Categorical)
        };
        let cards = score_cards(&[empty.clone(), numeric_too.clone()]);
        assert_eq!(cards[0].body, ScoreBody::NoValues);
        assert_eq!(cards[0].count, "3 scores");
        assert_eq!(
            (cards[0].data_type, cards[1].data_type),
            ("Text", "Categorical"),
            "same name, two types: two cards"
        );
        let ScoreBody::Values { rows, .. } = &cards[1].body else {
            panic!()
        };
        assert_eq!(rows[0].value, "<script>", "kept verbatim, for a text node");
        assert_eq!(scores_headline(&[empty, numeric_too]), "4 scores · 1 name");
        assert_eq!(scores_headline(&[]), "0 scores · 0 names");
    }
}
