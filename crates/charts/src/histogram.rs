//! A distribution on a logarithmic axis: bars per bin, the cumulative share as a line on a 0–100 % axis, and
//! vertical markers (for percentiles). Draws only; bins, markers and labels are prepared by the caller.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::{ChartError, Theme};

/// One bin: `[lower, upper)` on the x axis (positive), its count and the cumulative share after it (0..=1).
#[derive(Clone, Debug, PartialEq)]
pub struct Bin {
    pub lower: f64,
    pub upper: f64,
    pub count: f64,
    pub cumulative_share: f64,
}

/// A labelled vertical line at `x`.
#[derive(Clone, Debug, PartialEq)]
pub struct Marker {
    pub x: f64,
    pub label: String,
}

/// Everything a histogram draws.
pub struct Histogram<'a> {
    pub bins: &'a [Bin],
    pub markers: &'a [Marker],
    pub x_label: &'a dyn Fn(f64) -> String,
    pub y_label: &'a dyn Fn(f64) -> String,
    pub empty_message: &'a str,
}

/// Draws `chart` over the whole of `backend`.
pub fn draw_histogram<DB: DrawingBackend>(
    backend: DB,
    chart: &Histogram<'_>,
    theme: &Theme,
) -> Result<(), ChartError> {
    let root = backend.into_drawing_area();
    root.fill(&theme.background)
        .map_err(ChartError::from_drawing)?;
    let bins: Vec<&Bin> = chart
        .bins
        .iter()
        .filter(|b| b.lower > 0.0 && b.upper > b.lower && b.count.is_finite() && b.count >= 0.0)
        .collect();
    let y_max = bins.iter().map(|b| b.count).fold(0.0_f64, f64::max);
    let (Some(first), Some(last)) = (bins.first(), bins.last()) else {
        return crate::time_bars::draw_empty(&root, chart.empty_message, theme);
    };
    if y_max <= 0.0 {
        return crate::time_bars::draw_empty(&root, chart.empty_message, theme);
    }
    let x_range = first.lower..last.upper;
    let font = (theme.font_family, theme.font_size)
        .into_font()
        .color(&theme.muted);
    let mut ctx = ChartBuilder::on(&root)
        .margin_top(16)
        .margin_right(8)
        .x_label_area_size(22)
        .y_label_area_size(52)
        .right_y_label_area_size(40)
        .build_cartesian_2d(x_range.clone().log_scale(), 0.0..y_max * 1.1)
        .map_err(ChartError::from_drawing)?
        .set_secondary_coord(x_range.log_scale(), 0.0..1.0);
    ctx.configure_mesh()
        .disable_x_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(theme.grid)
        .axis_style(theme.axis)
        .x_labels(8)
        .y_labels(5)
        .label_style(font.clone())
        .x_label_formatter(&|x| (chart.x_label)(*x))
        .y_label_formatter(&|y| (chart.y_label)(*y))
        .draw()
        .map_err(ChartError::from_drawing)?;
    ctx.configure_secondary_axes()
        .axis_style(theme.axis)
        .y_labels(5)
        .label_style(font.clone())
        .y_label_formatter(&|share| format!("{:.0}%", share * 100.0))
        .draw()
        .map_err(ChartError::from_drawing)?;

    let bar = theme.series[0].mix(0.85);
    ctx.draw_series(bins.iter().map(|b| {
        // A hairline gap between bins keeps them apart on any scale.
        let gap = (b.upper / b.lower).powf(0.04);
        Rectangle::new(
            [(b.lower * gap, 0.0), (b.upper / gap, b.count)],
            bar.filled(),
        )
    }))
    .map_err(ChartError::from_drawing)?;

    let line = theme.series[2];
    ctx.draw_secondary_series(LineSeries::new(
        std::iter::once((first.lower, 0.0)).chain(
            bins.iter()
                .map(|b| (b.upper, b.cumulative_share.clamp(0.0, 1.0))),
        ),
        line.stroke_width(2),
    ))
    .map_err(ChartError::from_drawing)?;

    let label_style = (theme.font_family, theme.font_size)
        .into_font()
        .color(&theme.text)
        .pos(Pos::new(HPos::Left, VPos::Top));
    for marker in chart
        .markers
        .iter()
        .filter(|m| m.x >= first.lower && m.x <= last.upper)
    {
        ctx.draw_secondary_series(LineSeries::new(
            [(marker.x, 0.0), (marker.x, 1.0)],
            theme.text.mix(0.5).stroke_width(1),
        ))
        .map_err(ChartError::from_drawing)?;
        ctx.draw_secondary_series(std::iter::once(Text::new(
            marker.label.clone(),
            (marker.x, 1.0),
            label_style.clone(),
        )))
        .map_err(ChartError::from_drawing)?;
    }
    root.present().map_err(ChartError::from_drawing)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn render(bins: &[Bin], markers: &[Marker]) -> String {
        let mut svg = String::new();
        draw_histogram(
            SVGBackend::with_string(&mut svg, (600, 240)),
            &Histogram {
                bins,
                markers,
                x_label: &|x| format!("{x:.0}ms"),
                y_label: &|y| format!("{y:.0}"),
                empty_message: "No latencies in this range",
            },
            &Theme::light(),
        )
        .unwrap();
        svg
    }

    #[test]
    fn draws_bars_the_cumulative_line_and_markers() {
        let bins = [
            Bin {
                lower: 10.0,
                upper: 100.0,
                count: 5.0,
                cumulative_share: 0.5,
            },
            Bin {
                lower: 100.0,
                upper: 1000.0,
                count: 4.0,
                cumulative_share: 0.9,
            },
            Bin {
                lower: 1000.0,
                upper: 10000.0,
                count: 1.0,
                cumulative_share: 1.0,
            },
        ];
        let svg = render(
            &bins,
            &[Marker {
                x: 500.0,
                label: "P95".into(),
            }],
        );
        let bar = Theme::light().series[0];
        let fill = format!("fill=\"#{:02X}{:02X}{:02X}\"", bar.0, bar.1, bar.2);
        assert_eq!(svg.matches(&fill).count(), 3, "one bar per bin");
        assert!(svg.contains("<polyline"), "cumulative line");
        assert!(svg.lines().any(|l| l.trim() == "P95"), "marker label");
        assert!(svg.lines().any(|l| l.trim() == "100%"), "share axis");
    }

    #[test]
    fn nothing_to_draw_says_so() {
        assert!(render(&[], &[]).contains("No latencies in this range"));
        let zero = [Bin {
            lower: 1.0,
            upper: 2.0,
            count: 0.0,
            cumulative_share: 0.0,
        }];
        assert!(render(&zero, &[]).contains("No latencies in this range"));
        let bad = [Bin {
            lower: 0.0,
            upper: -1.0,
            count: f64::NAN,
            cumulative_share: 2.0,
        }];
        assert!(render(&bad, &[]).contains("No latencies in this range"));
    }
}
