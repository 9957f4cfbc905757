//! Loaded data and how it was loaded. Pure loading logic lives beside the contexts so it is tested natively.

pub mod data;
pub mod demo;
pub mod provenance;

pub use data::{DataCtx, LoadStatus, Source};
pub use provenance::Provenance;
