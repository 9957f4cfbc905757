//! The breakdown table: one row per value of a dimension, ranked by cost, then by volume.

use loupe_charts::format;
use loupe_core::{Dimension, GroupStats};

/// The dimensions offered in the picker: (dimension, label).
pub fn dimension_choices() -> Vec<(Dimension, &'static str)> {
    vec![
        (Dimension::Model, "Model"),
        (Dimension::Service, "Service (trace name)"),
        (Dimension::User, "User"),
        (Dimension::Session, "Session"),
        (Dimension::Environment, "Environment"),
        (Dimension::Release, "Release"),
        (Dimension::Version, "Version"),
        (Dimension::Tag, "Tag"),
        (Dimension::ObservationType, "Observation type"),
        (Dimension::Level, "Level"),
        (Dimension::Name, "Observation name"),
        (Dimension::PromptName, "Prompt"),
    ]
}

/// The label a dimension is shown with.
pub fn dimension_label(dimension: &Dimension) -> String {
    match dimension {
        Dimension::Metadata(key) => format!("Metadata “{key}”"),
        other => dimension_choices()
            .into_iter()
            .find(|(d, _)| d == other)
            .map_or_else(|| other.short_name(), |(_, label)| label.to_owned()),
    }
}

/// At most this many rows are listed; the rest are summarised in one line.
pub const MAX_ROWS: usize = 100;

/// One row of the table, every figure formatted.
#[derive(Clone, Debug, PartialEq)]
pub struct BreakdownRow {
    /// The value to filter on (`None`: rows without a value, which cannot be filtered on by value).
    pub key: Option<String>,
    pub label: String,
    pub observations: String,
    pub traces: String,
    pub error_rate: String,
    pub error_rate_alarming: bool,
    pub input_tokens: String,
    pub output_tokens: String,
    pub cost: String,
    /// This row's share of the listed cost (0..=1), for the inline bar.
    pub cost_share: f64,
    pub p50: String,
    pub p95: String,
    pub ttft_p50: String,
    /// Output tokens per second of generation (Σ output tokens / Σ duration, see loupe-core's rollups).
    pub output_tokens_per_second: String,
}

/// The table: rows ranked by cost then observations (ties by label), at most [`MAX_ROWS`], and how many
/// groups were left out.
pub fn breakdown_rows(groups: &[GroupStats]) -> (Vec<BreakdownRow>, usize) {
    let ranked = super::sorted_by(groups.iter().collect(), &|a: &&GroupStats, b| {
        b.stats
            .cost_usd
            .total_cmp(&a.stats.cost_usd)
            .then(b.stats.observations.cmp(&a.stats.observations))
            .then_with(|| a.key.cmp(&b.key))
    });
    let total_cost: f64 = groups.iter().map(|g| g.stats.cost_usd.max(0.0)).sum();
    let hidden = ranked.len().saturating_sub(MAX_ROWS);
    let rows = ranked
        .into_iter()
        .take(MAX_ROWS)
        .map(|group| {
            let stats = &group.stats;
            let latency = stats.latency_ms.as_ref();
            BreakdownRow {
                key: group.key.clone(),
                label: group.key.clone().unwrap_or_else(|| "(none)".to_owned()),
                observations: format::count(stats.observations),
                traces: format::count(stats.traces),
                error_rate: stats
                    .error_rate
                    .map_or_else(|| format::MISSING.to_owned(), format::percent),
                error_rate_alarming: stats.error_rate.is_some_and(|rate| rate > 0.05),
                input_tokens: format::tokens(stats.tokens.input),
                output_tokens: format::tokens(stats.tokens.output),
                cost: format::usd(stats.cost_usd),
                cost_share: if total_cost > 0.0 {
                    (stats.cost_usd.max(0.0) / total_cost).min(1.0)
                } else {
                    0.0
                },
                p50: latency.map_or_else(
                    || format::MISSING.to_owned(),
                    |l| format::duration_ms(l.p50 as f64),
                ),
                p95: latency.map_or_else(
                    || format::MISSING.to_owned(),
                    |l| format::duration_ms(l.p95 as f64),
                ),
                ttft_p50: stats.ttft_ms.as_ref().map_or_else(
                    || format::MISSING.to_owned(),
                    |t| format::duration_ms(t.p50 as f64),
                ),
                output_tokens_per_second: stats
                    .output_tokens_per_second
                    .map_or_else(|| format::MISSING.to_owned(), format::per_second),
            }
        })
        .collect();
    (rows, hidden)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use loupe_core::Stats;

    fn group(key: Option<&str>, observations: u64, cost_usd: f64) -> GroupStats {
        GroupStats {
            key: key.map(str::to_owned),
            stats: Stats {
                observations,
                cost_usd,
                ..Stats::default()
            },
        }
    }

    #[test]
    fn rows_rank_by_cost_then_volume_then_name() {
        let groups = [
            group(Some("b"), 5, 1.0),
            group(Some("a"), 5, 1.0),
            group(None, 100, 0.0),
            group(Some("c"), 1, 3.0),
        ];
        let (rows, hidden) = breakdown_rows(&groups);
        let labels: Vec<_> = rows.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(labels, ["c", "a", "b", "(none)"]);
        assert_eq!(hidden, 0);
        assert_eq!(rows[0].cost, "$3.00");
        assert!((rows[0].cost_share - 0.6).abs() < 1e-12);
        assert_eq!(rows[3].key, None);
        assert_eq!(rows[3].p95, format::MISSING);
        assert_eq!(rows[3].output_tokens_per_second, format::MISSING);
    }

    #[test]
    fn generation_speed_is_shown_per_second() {
        let mut fast = group(Some("fast"), 10, 1.0);
        fast.stats.output_tokens_per_second = Some(84.26);
        let (rows, _) = breakdown_rows(&[fast]);
        assert_eq!(rows[0].output_tokens_per_second, "84.3/s");
    }

    #[test]
    fn long_tails_are_cut_and_counted() {
        let groups: Vec<_> = (0..(MAX_ROWS + 7))
            .map(|i| group(Some(&format!("u{i}")), 1, 0.0))
            .collect();
        let (rows, hidden) = breakdown_rows(&groups);
        assert_eq!((rows.len(), hidden), (MAX_ROWS, 7));
    }

    #[test]
    fn every_choice_has_a_label() {
        for (dimension, label) in dimension_choices() {
            assert_eq!(dimension_label(&dimension), label);
        }
        assert_eq!(
            dimension_label(&Dimension::Metadata("tenant".into())),
            "Metadata “tenant”"
        );
    }
}
