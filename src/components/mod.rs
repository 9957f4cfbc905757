//! Reusable pieces of the UI, one component per file.

pub mod chart_canvas;
pub mod kpi_cards;
pub mod range_picker;
pub mod top_bar;

pub use chart_canvas::ChartCanvas;
pub use kpi_cards::KpiCards;
pub use range_picker::RangePicker;
pub use top_bar::TopBar;
