//! The errors page: recurring error patterns, formatted for a table.

use loupe_charts::format;
use loupe_core::ErrorPattern;
use loupe_core::patterns::Ranked;

/// One pattern row.
#[derive(Clone, Debug, PartialEq)]
pub struct PatternRow {
    /// The template (variable parts replaced by placeholders); shown as text, never as HTML.
    pub template: String,
    /// One real message of the pattern.
    pub example: String,
    pub count: String,
    pub errors: String,
    pub warnings: String,
    pub first_seen: String,
    pub last_seen: String,
    pub services: String,
    pub models: String,
    pub example_trace_ids: Vec<String>,
}

fn ranked(items: &[Ranked]) -> String {
    if items.is_empty() {
        return format::MISSING.to_owned();
    }
    items
        .iter()
        .map(|item| {
            format!(
                "{} ({})",
                item.key.as_deref().unwrap_or("(none)"),
                format::count(item.count)
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Rows in the engine's order (most frequent first), times in the viewer's zone.
pub fn pattern_rows(patterns: &[ErrorPattern], offset_at: &dyn Fn(i64) -> i32) -> Vec<PatternRow> {
    patterns
        .iter()
        .map(|p| PatternRow {
            template: p.template.clone(),
            example: p.example_message.clone(),
            count: format::count(p.count),
            errors: format::count(p.errors),
            warnings: format::count(p.warnings),
            first_seen: format::short_datetime(p.first_seen_ms, offset_at(p.first_seen_ms)),
            last_seen: format::short_datetime(p.last_seen_ms, offset_at(p.last_seen_ms)),
            services: ranked(&p.top_services),
            models: ranked(&p.top_models),
            example_trace_ids: p.example_trace_ids.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_carry_counts_times_and_rankings() {
        let pattern = ErrorPattern {
            template: "timeout after <num> ms".into(),
            count: 12,
            errors: 10,
            warnings: 2,
            first_seen_ms: 0,
            last_seen_ms: 3_600_000,
            top_services: vec![
                Ranked {
                    key: Some("rag".into()),
                    count: 9,
                },
                Ranked {
                    key: None,
                    count: 3,
                },
            ],
            top_models: vec![],
            example_trace_ids: vec!["t1".into()],
            example_message: "timeout after 30000 ms".into(),
        };
        let rows = pattern_rows(&[pattern], &|_| 3600);
        let row = &rows[0];
        assert_eq!(row.count, "12");
        assert_eq!(row.first_seen, "Jan 1 01:00");
        assert_eq!(row.services, "rag (9), (none) (3)");
        assert_eq!(row.models, format::MISSING);
        assert_eq!(row.example_trace_ids, ["t1"]);
    }
}
