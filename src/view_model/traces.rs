//! The traces page: a list of traces, and one trace as a waterfall (its observations as a tree, each a bar
//! placed on the trace's time axis). Every text here is shown as text, never as HTML.

use loupe_charts::format;
use loupe_core::{Level, ObservationType, SessionTimeline, TraceList, TraceOrder, TraceTree};

/// Traces listed at most.
pub const MAX_TRACES: usize = 100;

/// The list orders offered: (order, URL text, label).
pub const ORDERS: [(TraceOrder, &str, &str); 4] = [
    (TraceOrder::Latest, "latest", "Latest"),
    (TraceOrder::Slowest, "slowest", "Slowest"),
    (TraceOrder::Costliest, "costliest", "Costliest"),
    (TraceOrder::Errors, "errors", "Most errors"),
];

/// The order a URL text names (`None` for anything else).
pub fn order_from_url(text: &str) -> Option<TraceOrder> {
    ORDERS
        .iter()
        .find(|(_, slug, _)| *slug == text)
        .map(|(order, _, _)| *order)
}

/// The URL text of an order.
pub fn order_slug(order: TraceOrder) -> &'static str {
    ORDERS
        .iter()
        .find(|(o, _, _)| *o == order)
        .map_or("latest", |(_, slug, _)| slug)
}

/// The CSS class of a level (`error`, `warning`, or none).
fn level_class(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warning => "warning",
        _ => "",
    }
}

/// One row of the trace list.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceListRow {
    pub trace_id: String,
    pub name: String,
    pub start: String,
    pub duration: String,
    pub observations: String,
    pub errors: String,
    pub cost: String,
    pub tokens: String,
    pub user: String,
    pub session: String,
    /// `error`, `warning` or empty: the trace's worst level.
    pub level_class: &'static str,
}

/// The list's rows, in the engine's order, times in the viewer's zone.
pub fn trace_list_rows(list: &TraceList, offset_at: &dyn Fn(i64) -> i32) -> Vec<TraceListRow> {
    let or_missing =
        |text: &Option<String>| text.clone().unwrap_or_else(|| format::MISSING.to_owned());
    list.traces
        .iter()
        .map(|t| TraceListRow {
            trace_id: t.trace_id.clone(),
            name: t.name.clone().unwrap_or_else(|| "(unnamed)".to_owned()),
            start: format::short_datetime(t.start_ms, offset_at(t.start_ms)),
            duration: format::duration_ms(t.latency_ms as f64),
            observations: format::count(t.observations),
            errors: format::count(t.errors),
            cost: format::usd(t.cost_usd),
            tokens: format::tokens(t.tokens.total),
            user: or_missing(&t.user_id),
            session: or_missing(&t.session_id),
            level_class: level_class(t.level),
        })
        .collect()
}

/// The figures above a waterfall.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceHeader {
    pub trace_id: String,
    pub name: String,
    pub start: String,
    pub duration: String,
    pub observations: String,
    pub cost: String,
    pub tokens: String,
    pub level: &'static str,
    pub level_class: &'static str,
    pub user: String,
    pub session: String,
    /// What is odd about the trace's structure, in words (empty when nothing is).
    pub issues: Vec<&'static str>,
}

/// One observation of the waterfall.
#[derive(Clone, Debug, PartialEq)]
pub struct WaterfallRow {
    pub observation_id: String,
    pub depth: u32,
    pub name: String,
    /// The observation type, lower case (`generation`, `tool`, ...).
    pub kind: String,
    pub model: Option<String>,
    /// Start relative to the trace start: `+1.2 s`.
    pub offset: String,
    pub duration: String,
    /// The bar, in percent of the trace's latency.
    pub bar_left_pct: f64,
    pub bar_width_pct: f64,
    /// Time to first token within the bar, in percent of the bar (generations that streamed).
    pub ttft_pct: Option<f64>,
    pub level_class: &'static str,
    /// The status message of an error or warning (or of any row that has one).
    pub status: Option<String>,
    /// Cost and tokens of a row that has usage (empty otherwise).
    pub figures: String,
    /// Structural flags in words: `orphan`, `in a cycle`, `duplicate id`.
    pub flags: Vec<&'static str>,
}

/// The narrowest bar drawn, in percent, so instant events stay visible.
const MIN_BAR_PCT: f64 = 0.4;

/// The words whose flag is set, in order.
fn words(flags: &[(bool, &'static str)]) -> Vec<&'static str> {
    flags
        .iter()
        .filter_map(|&(on, word)| on.then_some(word))
        .collect()
}

/// A bar on a time axis `span_ms` long, in percent: (left, width). Bars stay inside the axis and at least
/// [`MIN_BAR_PCT`] wide; a missing duration draws the narrowest bar.
fn bar_pct(offset_ms: i64, duration_ms: Option<i64>, span_ms: i64) -> (f64, f64) {
    let span_ms = span_ms.max(1) as f64;
    let left = (offset_ms.max(0) as f64 / span_ms * 100.0).clamp(0.0, 100.0);
    let width = duration_ms
        .map_or(0.0, |d| d.max(0) as f64 / span_ms * 100.0)
        .clamp(MIN_BAR_PCT, (100.0 - left).max(MIN_BAR_PCT));
    (left, width)
}

/// The waterfall of `tree`: its header and one row per observation, in the engine's display order.
pub fn waterfall(
    tree: &TraceTree,
    offset_at: &dyn Fn(i64) -> i32,
) -> (TraceHeader, Vec<WaterfallRow>) {
    let issues = words(&[
        (
            tree.issues.orphans,
            "some observations name a parent that is not in the trace (shown at the top level)",
        ),
        (
            tree.issues.cycles,
            "some parent links form a loop (cut where it starts)",
        ),
        (
            tree.issues.duplicate_ids,
            "some observation ids also appear in other traces",
        ),
        (tree.issues.no_root, "no observation is a root"),
    ]);
    let header = TraceHeader {
        trace_id: tree.trace_id.clone(),
        name: tree.name.clone().unwrap_or_else(|| "(unnamed)".to_owned()),
        start: format::timestamp(tree.start_ms, offset_at(tree.start_ms)),
        duration: format::duration_ms(tree.latency_ms as f64),
        observations: format::count(tree.observations),
        cost: format::usd(tree.cost_usd),
        tokens: format::tokens(tree.tokens.total),
        level: tree.level.as_str(),
        level_class: level_class(tree.level),
        user: tree
            .user_id
            .clone()
            .unwrap_or_else(|| format::MISSING.to_owned()),
        session: tree
            .session_id
            .clone()
            .unwrap_or_else(|| format::MISSING.to_owned()),
        issues,
    };
    let span_ms = tree.latency_ms;
    let rows = tree
        .rows
        .iter()
        .map(|row| {
            let (left, width) = bar_pct(row.offset_ms, row.duration_ms, span_ms);
            let ttft_pct = match (row.ttft_ms, row.duration_ms) {
                (Some(ttft), Some(d)) if d > 0 && ttft >= 0 => {
                    Some((ttft as f64 / d as f64 * 100.0).min(100.0))
                }
                _ => None,
            };
            let has_usage = row.tokens.total > 0 || row.cost_usd > 0.0;
            let flags = words(&[
                (row.flags.orphan, "orphan"),
                (row.flags.in_cycle, "in a cycle"),
                (row.flags.duplicate_id, "duplicate id"),
            ]);
            WaterfallRow {
                observation_id: row.observation_id.clone(),
                depth: row.depth,
                name: row.name.clone().unwrap_or_else(|| "(unnamed)".to_owned()),
                kind: match row.observation_type {
                    ObservationType::Other => {
                        row.type_text.clone().unwrap_or_else(|| "other".to_owned())
                    }
                    known => known.as_str().to_ascii_lowercase(),
                }
                .to_ascii_lowercase(),
                model: row.model.clone(),
                offset: format!("+{}", format::duration_ms(row.offset_ms.max(0) as f64)),
                duration: row.duration_ms.map_or_else(
                    || format::MISSING.to_owned(),
                    |d| format::duration_ms(d as f64),
                ),
                bar_left_pct: left,
                bar_width_pct: width,
                ttft_pct,
                level_class: level_class(row.level),
                status: row.status_message.clone().filter(|s| !s.is_empty()),
                figures: if has_usage {
                    format!(
                        "{} · {} tokens{}",
                        format::usd(row.cost_usd),
                        format::tokens(row.tokens.total),
                        if row.flags.cost_estimated {
                            " · cost estimated"
                        } else {
                            ""
                        }
                    )
                } else {
                    String::new()
                },
                flags,
            }
        })
        .collect();
    (header, rows)
}

/// One trace of a session timeline.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionRow {
    pub trace_id: String,
    pub name: String,
    /// Start relative to the session's first start: `+2m 05s`.
    pub offset: String,
    pub duration: String,
    /// Idle time since the earlier traces ended (empty for the first, or when they overlap).
    pub gap: String,
    pub errors: String,
    pub cost: String,
    /// The bar, in percent of the session's span.
    pub bar_left_pct: f64,
    pub bar_width_pct: f64,
    pub level_class: &'static str,
    /// The trace on screen.
    pub current: bool,
}

/// A session's traces on one time axis.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionView {
    pub session_id: String,
    /// `12 traces over 14m 05s`.
    pub summary: String,
    pub rows: Vec<SessionRow>,
}

/// The timeline of the session of trace `current`, in start order.
pub fn session_view(timeline: &SessionTimeline, current: &str) -> SessionView {
    let span_ms = timeline.end_ms - timeline.start_ms;
    let rows = timeline
        .traces
        .iter()
        .map(|t| {
            let (left, width) = bar_pct(t.offset_ms, Some(t.latency_ms), span_ms);
            SessionRow {
                trace_id: t.trace_id.clone(),
                name: t.name.clone().unwrap_or_else(|| "(unnamed)".to_owned()),
                offset: format!("+{}", format::duration_ms(t.offset_ms.max(0) as f64)),
                duration: format::duration_ms(t.latency_ms as f64),
                gap: t
                    .gap_before_ms
                    .filter(|&gap| gap > 0)
                    .map(|gap| format!("{} idle before", format::duration_ms(gap as f64)))
                    .unwrap_or_default(),
                errors: format::count(t.errors),
                cost: format::usd(t.cost_usd),
                bar_left_pct: left,
                bar_width_pct: width,
                level_class: level_class(t.level),
                current: t.trace_id == current,
            }
        })
        .collect();
    SessionView {
        session_id: timeline.session_id.clone(),
        summary: format!(
            "{} traces over {}",
            format::count(timeline.traces.len() as u64),
            format::duration_ms((timeline.end_ms - timeline.start_ms) as f64)
        ),
        rows,
    }
}

/// An input or output as shown: JSON objects and arrays indented two spaces per level, keys in their
/// stored order and every character as stored; anything else (plain text, a JSON string, broken JSON)
/// unchanged. Shown as text, never as HTML.
pub fn io_text(raw: &str) -> String {
    let trimmed = raw.trim();
    if !(trimmed.starts_with('{') || trimmed.starts_with('[')) {
        return raw.to_owned();
    }
    let mut out = String::with_capacity(trimmed.len() + trimmed.len() / 4);
    let mut depth = 0usize;
    let (mut in_string, mut escaped) = (false, false);
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.extend(core::iter::repeat_n(' ', depth * 2));
    };
    let mut chars = trimmed.chars().peekable();
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                // Empty containers stay on one line.
                while chars.peek().is_some_and(|c| c.is_whitespace()) {
                    chars.next();
                }
                if matches!(chars.peek(), Some('}' | ']')) {
                    if let Some(close) = chars.next() {
                        out.push(close);
                    }
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    // Not JSON after all (an unterminated string or bracket): show it as stored.
    if in_string || depth != 0 {
        return raw.to_owned();
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use loupe_core::{
        Filter, ObservationRow, Store, TraceOrder, session_timeline, trace_tree, traces,
    };

    fn store() -> Store {
        let mut s = Store::new();
        let mut root = ObservationRow::new("root", "t1", 1_000);
        root.end_time_ms = Some(3_000);
        root.name = Some("agent-run");
        root.trace_name = Some("support-agent");
        s.upsert(&root);
        let mut llm = ObservationRow::new("llm", "t1", 1_500);
        llm.end_time_ms = Some(2_500);
        llm.parent_observation_id = Some("root");
        llm.observation_type = ObservationType::Generation;
        llm.completion_start_time_ms = Some(1_750);
        llm.model = Some("gpt-4o");
        llm.usage = &[("input", 100), ("output", 20)];
        llm.cost = &[("total", 0.5)];
        s.upsert(&llm);
        let mut tool = ObservationRow::new("tool", "t1", 2_900);
        tool.parent_observation_id = Some("root");
        tool.observation_type = ObservationType::Tool;
        tool.level = Level::Error;
        tool.status_message = Some("<b>timeout</b> after 30 s");
        s.upsert(&tool);
        let mut lost = ObservationRow::new("lost", "t1", 1_200);
        lost.end_time_ms = Some(1_300);
        lost.parent_observation_id = Some("gone");
        s.upsert(&lost);
        s
    }

    #[test]
    fn the_waterfall_places_bars_on_the_trace_axis_and_keeps_text_as_text() {
        let s = store();
        let tree = trace_tree(&s, "t1").unwrap();
        let (header, rows) = waterfall(&tree, &|_| 0);
        assert_eq!(header.name, "support-agent");
        assert_eq!(header.duration, format::duration_ms(2_000.0));
        assert_eq!(header.level_class, "error");
        assert_eq!(header.issues.len(), 1, "{:?}", header.issues);
        let by_id = |id: &str| {
            rows.iter()
                .find(|r| r.observation_id == id)
                .unwrap()
                .clone()
        };
        let root = by_id("root");
        assert_eq!(
            (root.depth, root.bar_left_pct, root.bar_width_pct),
            (0, 0.0, 100.0)
        );
        let llm = by_id("llm");
        assert_eq!((llm.depth, llm.kind.as_str()), (1, "generation"));
        assert_eq!((llm.bar_left_pct, llm.bar_width_pct), (25.0, 50.0));
        assert_eq!(llm.ttft_pct, Some(25.0));
        assert_eq!(llm.offset, format!("+{}", format::duration_ms(500.0)));
        assert!(llm.figures.contains("120 tokens"), "{}", llm.figures);
        let tool = by_id("tool");
        assert_eq!(tool.level_class, "error");
        assert_eq!(tool.status.as_deref(), Some("<b>timeout</b> after 30 s"));
        assert_eq!(tool.duration, format::MISSING);
        assert!((tool.bar_left_pct - 95.0).abs() < 1e-9);
        assert!(
            tool.bar_width_pct >= MIN_BAR_PCT
                && tool.bar_left_pct + tool.bar_width_pct <= 100.0 + MIN_BAR_PCT
        );
        let lost = by_id("lost");
        assert_eq!((lost.depth, lost.flags.clone()), (0, vec!["orphan"]));
    }

    #[test]
    fn the_list_formats_each_trace_and_orders_round_trip_through_the_url() {
        let s = store();
        let list = traces(&s, &Filter::default(), TraceOrder::Slowest, MAX_TRACES);
        let rows = trace_list_rows(&list, &|_| 0);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].trace_id, "t1");
        assert_eq!(rows[0].name, "support-agent");
        assert_eq!(rows[0].errors, "1");
        assert_eq!(rows[0].level_class, "error");
        assert_eq!(rows[0].user, format::MISSING);
        for (order, slug, _) in ORDERS {
            assert_eq!(order_from_url(slug), Some(order));
            assert_eq!(order_slug(order), slug);
        }
        assert_eq!(order_from_url("fastest"), None);
    }

    #[test]
    fn a_session_lays_its_traces_on_one_axis_and_marks_the_current_one() {
        let mut s = Store::new();
        for (trace, start, end) in [
            ("t1", 0, 1_000),
            ("t2", 5_000, 6_000),
            ("t3", 9_000, 10_000),
        ] {
            let mut r = ObservationRow::new(trace, trace, start);
            r.end_time_ms = Some(end);
            r.session_id = Some("sess");
            s.upsert(&r);
        }
        let tree = trace_tree(&s, "t2").unwrap();
        let (header, _) = waterfall(&tree, &|_| 0);
        assert_eq!(
            (header.session.as_str(), header.user.as_str()),
            ("sess", format::MISSING)
        );
        let view = session_view(&session_timeline(&s, "sess").unwrap(), "t2");
        assert_eq!(
            view.summary,
            format!("3 traces over {}", format::duration_ms(10_000.0))
        );
        let current: Vec<bool> = view.rows.iter().map(|r| r.current).collect();
        assert_eq!(current, [false, true, false]);
        let t2 = &view.rows[1];
        assert_eq!((t2.bar_left_pct, t2.bar_width_pct), (50.0, 10.0));
        assert_eq!(
            t2.gap,
            format!("{} idle before", format::duration_ms(4_000.0))
        );
        assert_eq!(view.rows[0].gap, "");
    }

    #[test]
    fn inputs_and_outputs_are_indented_json_in_stored_order_or_left_as_they_are() {
        assert_eq!(
            io_text(r#"{"role":"user","content":"a, b: {c}","x":[1,2],"e":{}, "f":[ ]}"#),
            "{\n  \"role\": \"user\",\n  \"content\": \"a, b: {c}\",\n  \"x\": [\n    1,\n    2\n  ],\n  \"e\": {},\n  \"f\": []\n}"
        );
        assert_eq!(
            io_text(r#"[{"q":"say \"hi\", \\ ok"}]"#),
            "[\n  {\n    \"q\": \"say \\\"hi\\\", \\\\ ok\"\n  }\n]"
        );
        for raw in [
            "plain text, with: commas",
            "\"a JSON string\"",
            "{\"open\": [1, 2",
            "{\"s\": \"unterminated}",
            "",
        ] {
            assert_eq!(io_text(raw), raw);
        }
        assert_eq!(
            io_text("<script>alert(1)</script>"),
            "<script>alert(1)</script>"
        );
    }
}
