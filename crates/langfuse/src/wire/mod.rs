//! Owned wire types for the Langfuse responses Loupe reads that are not streamed into the engine.
//!
//! Observations and scores are not here: they are decoded straight into borrowed engine rows
//! ([`loupe_core::ObservationRow`], [`loupe_core::ScoreRow`]) by [`crate::decode`]. What lives here is what
//! callers keep as values: page metadata, legacy trace context, projects, health, metrics rows, error bodies.
//!
//! Conventions: names follow Rust style with units where they apply (`*_ms` are Unix epoch milliseconds UTC,
//! `*_usd` dollars, `*_seconds` seconds); "missing" is `None` or empty; Langfuse's `""` is missing.

use serde::Serialize;

/// Paging metadata of a list response. Page-based lists fill `page`, `limit`, `total_items`, `total_pages`
/// (API.md §6.1); cursor lists fill `cursor` (and `limit` for v3 scores).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PageMeta {
    pub page: Option<u32>,
    pub limit: Option<u32>,
    pub total_items: Option<u64>,
    pub total_pages: Option<u32>,
    /// The next page's cursor; `None` on the last page.
    pub cursor: Option<String>,
}

/// Trace-level fields the v1 observations endpoint does not carry, looked up by trace id while decoding
/// legacy observation pages (borrowed from a [`TraceContextOwned`]).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TraceContext<'a> {
    pub name: Option<&'a str>,
    pub user_id: Option<&'a str>,
    pub session_id: Option<&'a str>,
    pub release: Option<&'a str>,
    pub tags: &'a [String],
}

/// A legacy (v1) trace as the fallback path needs it: its context for observations, plus what identifies it.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TraceContextOwned {
    pub id: String,
    pub name: Option<String>,
    pub user_id: Option<String>,
    pub session_id: Option<String>,
    pub release: Option<String>,
    pub version: Option<String>,
    pub environment: Option<String>,
    pub tags: Vec<String>,
    /// Trace `timestamp`.
    pub timestamp_ms: Option<i64>,
}

impl TraceContextOwned {
    /// The borrowed context for observation decoding.
    pub fn context(&self) -> TraceContext<'_> {
        TraceContext {
            name: self.name.as_deref(),
            user_id: self.user_id.as_deref(),
            session_id: self.session_id.as_deref(),
            release: self.release.as_deref(),
            tags: &self.tags,
        }
    }
}
