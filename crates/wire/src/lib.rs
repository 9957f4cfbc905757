//! Langfuse's wire format as Loupe reads it: typed responses and tolerant, allocation-light decoders that
//! feed the engine (`loupe_core::ObservationRow`, `ScoreRow`, `ModelPrice`) straight from response bytes.
//!
//! Pure: no I/O, no clock, no web dependencies. It is the data path of every page Loupe loads, so it is
//! its own crate and builds at `opt-level = 3` even in the size-optimised web build, while the network
//! client in `loupe-langfuse` (which re-exports these modules) builds for size. Nothing here may panic on
//! any input.

pub mod decode;
pub mod wire;
