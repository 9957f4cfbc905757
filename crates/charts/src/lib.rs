//! Loupe's charts and presentation formatting.
//!
//! Drawing functions are generic over plotters' `DrawingBackend`: the app draws on a canvas (wrapped in
//! [`HiDpi`] so it is sharp on high-DPI screens), tests and exports draw into SVG. They decide nothing about
//! numbers: the caller passes prepared series, colours and label formatters (see [`format`]).

pub mod format;
mod hidpi;
mod histogram;
mod theme;
mod time_bars;

pub use hidpi::HiDpi;
pub use histogram::{Bin, Histogram, Marker, draw_histogram};
pub use theme::Theme;
pub use time_bars::{SeriesKey, StackedBar, TimeBars, draw_time_bars};

pub use plotters::style::RGBColor;

/// A chart could not be drawn (the backend failed); the text says why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChartError(pub String);

impl ChartError {
    fn from_drawing<E: std::error::Error + Send + Sync>(
        error: plotters::drawing::DrawingAreaErrorKind<E>,
    ) -> Self {
        Self(error.to_string())
    }
}

impl std::fmt::Display for ChartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "chart could not be drawn: {}", self.0)
    }
}

impl std::error::Error for ChartError {}
