//! PREPARE: engine figures to what components show — labels, formatted values, chart series, colours.
//! Pure functions, tested natively; components only render their output.

pub mod breakdown;
pub mod errors;
pub mod latency;
pub mod overview;
