//! One page per view.

pub mod overview;

pub use overview::OverviewPage;
