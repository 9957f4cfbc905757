//! One page per view. `scope` is the hook every page uses for its rows (time window, filters, zone).

pub mod breakdown;
pub mod errors;
pub mod latency;
pub mod overview;
pub mod scope;
pub mod scores;
pub mod traces;

pub use breakdown::BreakdownPage;
pub use errors::ErrorsPage;
pub use latency::LatencyPage;
pub use overview::OverviewPage;
pub use scores::ScoresPage;
pub use traces::TracesPage;
