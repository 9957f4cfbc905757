//! Reusable pieces of the UI, one component per file.

pub mod cache_list;
pub mod chart_canvas;
pub mod connect_fields;
pub mod connect_panel;
pub mod connection_outcome;
pub mod current_cache;
pub mod fetch_panel;
pub mod fetch_status;
pub mod file_actions;
pub mod filter_bar;
pub mod header;
pub mod kpi_cards;
pub mod range_picker;
pub mod score_card;
pub mod server_figures_notice;
pub mod too_large;

pub use cache_list::CacheList;
pub use chart_canvas::ChartCanvas;
pub use connect_fields::ConnectFields;
pub use connect_panel::ConnectPanel;
pub use connection_outcome::ConnectionOutcome;
pub use current_cache::CurrentCache;
pub use fetch_panel::FetchPanel;
pub use fetch_status::FetchStatus;
pub use file_actions::{FileActions, FileNoticeView};
pub use filter_bar::FilterBar;
pub use header::Header;
pub use kpi_cards::KpiCards;
pub use range_picker::RangePicker;
pub use score_card::ScoreCardView;
pub use server_figures_notice::ServerFiguresNotice;
pub use too_large::TooLargeOffer;
