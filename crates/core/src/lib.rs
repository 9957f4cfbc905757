//! Loupe's analytics engine.
//!
//! Pure Rust: no web dependencies, no clock, no time-zone database. Callers pass `now` and the viewer's
//! UTC-offset rules in. Data enters as [`ObservationRow`]s and [`ScoreRow`]s and leaves as plain
//! serialisable view models.

pub mod pricing;
pub mod row;
pub mod score;

pub use pricing::ModelPrice;
pub use row::{Level, ObservationRow, ObservationType};
pub use score::{ScoreDataType, ScoreRow, ScoreValue};
