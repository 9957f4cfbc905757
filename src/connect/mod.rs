//! Connecting to a Langfuse project and reading it: the form and its validation, the outcome of "Test
//! connection", the keys kept in this tab or on this device, the live session and its fetches.
//!
//! Pure and tested natively: [`form`], [`outcome`], [`fetch_plan`], [`progress`], the serialisation in
//! [`saved`] and [`budget`]. Browser-facing: [`session`] (contexts) and [`flows`] (async work).

pub mod budget;
pub mod fetch_plan;
pub mod flows;
pub mod form;
pub mod net;
pub mod outcome;
pub mod progress;
pub mod saved;
pub mod session;
pub mod trace_io;

pub use flows::Ctxs;
pub use session::{ConnectionCtx, FetchCtx, FetchState};
