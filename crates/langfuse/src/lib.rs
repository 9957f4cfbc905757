//! Langfuse's public API as Loupe reads it: query building, paging, rate-limit-aware scheduling over a
//! transport (gloo-net in the browser, a native client in tests). Wire types and decoding live in
//! `loupe-wire` (the data path, built for speed) and are re-exported here as [`decode`] and [`wire`].
//! Nothing in this crate may panic on any input.
//!
//! How the pieces fit (one way, top to bottom):
//! - [`hosts`]: where the project lives ([`BaseUrl`], Cloud presets) and the keys ([`Credentials`], whose
//!   secret never prints itself).
//! - [`transport`]: the [`Transport`] trait (GET, clock, sleep, jitter) and the [`CancelToken`]; the
//!   browser implementation is `transport::BrowserTransport` (wasm32 only).
//! - [`query`]: typed requests → URLs. [`plan`]: pure planning (rate budgets per plan, cache coverage and
//!   refresh windows, fetch estimates, the "too large" verdict).
//! - [`client`]: one authenticated connection ([`Client`]): errors mapped to [`ApiError`], "test connection",
//!   small reads. [`metrics`]: server-side aggregates for ranges too large to fetch, and their budget.
//! - [`scheduler`]: bulk reads ([`Scheduler`]): windows fetched concurrently within the budget, retries,
//!   429 waits, cancellation, progress, rows handed to a sink as pages arrive.
//! - [`decode`] and [`wire`]: bytes → engine rows and small owned values; used by all of the above.

pub use loupe_wire::{decode, wire};

pub mod client;
pub mod error;
pub mod hosts;
pub mod metrics;
pub mod plan;
pub mod query;
pub mod scheduler;
pub mod transport;

pub use client::{Client, ConnectionInfo, ReadPath};
pub use error::{ApiError, ApiErrorKind};
pub use hosts::{BaseUrl, Connection, Credentials, HostPreset, SecretKey};
pub use plan::{PlanPreset, RateBudget};
pub use query::{ObservationFilters, ObservationsQuery, TimeRange};
pub use scheduler::{
    FetchFailure, FetchReport, ObservationsJob, Progress, Scheduler, SchedulerConfig,
};
pub use transport::{CancelToken, Transport};
