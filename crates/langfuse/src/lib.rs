//! Langfuse's public API as Loupe reads it: wire types and tolerant decoding into engine rows, query
//! building, paging, rate-limit-aware scheduling over a transport (gloo-net in the browser, a native client
//! in tests). Nothing in this crate may panic on any input.

pub mod decode;
pub mod wire;

pub mod client;
pub mod error;
pub mod hosts;
pub mod metrics;
pub mod plan;
pub mod query;
pub mod scheduler;
pub mod transport;
