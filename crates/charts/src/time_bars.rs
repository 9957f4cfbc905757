//! Stacked bars over time: one bar per time bucket, one stacked segment per series.
//!
//! PREPARE happens elsewhere (the app's view models decide buckets, series, colours and label text); this
//! module only draws. Buckets absent from `bars` are gaps. An empty chart says so instead of drawing axes.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::{ChartError, Theme};

/// One bar: its bucket start and one value per series (missing trailing values count as 0).
#[derive(Clone, Debug, PartialEq)]
pub struct StackedBar {
    pub start_ms: i64,
    pub values: Vec<f64>,
}

/// A legend entry.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesKey {
    pub label: String,
    pub color: RGBColor,
}

/// Everything a stacked time-bar chart draws.
pub struct TimeBars<'a> {
    pub from_ms: i64,
    pub to_ms: i64,
    pub bucket_ms: i64,
    pub bars: &'a [StackedBar],
    pub series: &'a [SeriesKey],
    /// Where the x ticks go (UTC ms, inside the range), e.g. local midnights; the caller aligns them.
    pub x_ticks: &'a [i64],
    /// Formats an x tick (UTC ms) in the viewer's zone.
    pub x_label: &'a dyn Fn(i64) -> String,
    /// Formats a y tick.
    pub y_label: &'a dyn Fn(f64) -> String,
    /// Shown instead of the chart when there is nothing to draw.
    pub empty_message: &'a str,
}

/// Draws `chart` over the whole of `backend`.
pub fn draw_time_bars<DB: DrawingBackend>(
    backend: DB,
    chart: &TimeBars<'_>,
    theme: &Theme,
) -> Result<(), ChartError> {
    let root = backend.into_drawing_area();
    root.fill(&theme.background)
        .map_err(ChartError::from_drawing)?;
    let y_max = chart
        .bars
        .iter()
        .map(|bar| {
            bar.values
                .iter()
                .filter(|v| v.is_finite() && **v > 0.0)
                .sum::<f64>()
        })
        .fold(0.0_f64, f64::max);
    if chart.bars.is_empty() || chart.to_ms <= chart.from_ms || y_max <= 0.0 {
        return draw_empty(&root, chart.empty_message, theme);
    }
    let font = (theme.font_family, theme.font_size)
        .into_font()
        .color(&theme.muted);
    let mut ctx = ChartBuilder::on(&root)
        .margin_top(8)
        .margin_right(12)
        .x_label_area_size(22)
        .y_label_area_size(52)
        .build_cartesian_2d(
            (chart.from_ms..chart.to_ms).with_key_points(chart.x_ticks.to_vec()),
            0.0..y_max * 1.08,
        )
        .map_err(ChartError::from_drawing)?;
    ctx.configure_mesh()
        .disable_x_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(theme.grid)
        .axis_style(theme.axis)
        .x_labels(chart.x_ticks.len().max(1))
        .y_labels(5)
        .label_style(font)
        .x_label_formatter(&|x| (chart.x_label)(*x))
        .y_label_formatter(&|y| (chart.y_label)(*y))
        .draw()
        .map_err(ChartError::from_drawing)?;

    // Leave a visible gutter between bars, but never less than one pixel of bar.
    let gutter_ms = chart.bucket_ms / 8;
    for (series_index, key) in chart.series.iter().enumerate() {
        let color = key.color;
        let rects = chart.bars.iter().filter_map(move |bar| {
            let below: f64 = bar
                .values
                .iter()
                .take(series_index)
                .filter(|v| v.is_finite())
                .sum();
            let value = bar
                .values
                .get(series_index)
                .copied()
                .filter(|v| v.is_finite() && *v > 0.0)?;
            let x0 = bar.start_ms + gutter_ms / 2;
            let x1 = (bar.start_ms + chart.bucket_ms - gutter_ms / 2).max(x0 + 1);
            Some(Rectangle::new(
                [(x0, below), (x1, below + value)],
                color.filled(),
            ))
        });
        ctx.draw_series(rects).map_err(ChartError::from_drawing)?;
    }
    root.present().map_err(ChartError::from_drawing)?;
    Ok(())
}

pub(crate) fn draw_empty<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    message: &str,
    theme: &Theme,
) -> Result<(), ChartError> {
    let (w, h) = root.dim_in_pixel();
    let style = (theme.font_family, theme.font_size + 2.0)
        .into_font()
        .color(&theme.muted)
        .pos(plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Center,
            plotters::style::text_anchor::VPos::Center,
        ));
    root.draw_text(message, &style, ((w / 2) as i32, (h / 2) as i32))
        .map_err(ChartError::from_drawing)?;
    root.present().map_err(ChartError::from_drawing)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn render(bars: &[StackedBar]) -> String {
        let theme = Theme::light();
        let series = [
            SeriesKey {
                label: "ok".into(),
                color: theme.ok,
            },
            SeriesKey {
                label: "errors".into(),
                color: theme.error,
            },
        ];
        let mut svg = String::new();
        draw_time_bars(
            SVGBackend::with_string(&mut svg, (640, 240)),
            &TimeBars {
                from_ms: 0,
                to_ms: 4 * 3_600_000,
                bucket_ms: 3_600_000,
                bars,
                series: &series,
                x_ticks: &[0, 3_600_000, 7_200_000, 10_800_000],
                x_label: &|x| format!("t{}", x / 3_600_000),
                y_label: &|y| format!("{y:.0}"),
                empty_message: "No requests in this range",
            },
            &theme,
        )
        .unwrap();
        svg
    }

    fn fills_of(svg: &str, color: RGBColor) -> usize {
        svg.matches(&format!(
            "fill=\"#{:02X}{:02X}{:02X}\"",
            color.0, color.1, color.2
        ))
        .count()
    }

    #[test]
    fn draws_one_segment_per_nonzero_value() {
        let bars = [
            StackedBar {
                start_ms: 0,
                values: vec![10.0, 2.0],
            },
            StackedBar {
                start_ms: 3_600_000,
                values: vec![12.0, 0.0],
            },
            // The third hour is a gap.
            StackedBar {
                start_ms: 3 * 3_600_000,
                values: vec![7.0],
            },
        ];
        let svg = render(&bars);
        let theme = Theme::light();
        assert_eq!(fills_of(&svg, theme.ok), 3, "{svg}");
        assert_eq!(fills_of(&svg, theme.error), 1, "{svg}");
        assert!(
            svg.lines().any(|line| line.trim() == "t1"),
            "x labels come from the formatter: {svg}"
        );
    }

    #[test]
    fn empty_data_says_so() {
        let svg = render(&[]);
        assert!(svg.contains("No requests in this range"));
        assert_eq!(fills_of(&svg, Theme::light().ok), 0);
    }

    #[test]
    fn non_finite_values_are_ignored() {
        let bars = [StackedBar {
            start_ms: 0,
            values: vec![f64::NAN, f64::INFINITY],
        }];
        let svg = render(&bars);
        assert!(svg.contains("No requests in this range"));
    }
}
