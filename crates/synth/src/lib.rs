//! Deterministic synthetic Langfuse data: the app's demo dataset and the emulator's data.
//!
//! Contract:
//! - Input: a [`SynthConfig`] (seed, number of observations, time range). Output: a [`Dataset`] holding
//!   exactly `observations` rows whose `startTime` lies in `[end_time_ms - span_ms, end_time_ms)` (fewer
//!   only when the span is too short to hold a whole trace), plus scores and the models list.
//! - Deterministic: the same config gives the same bytes, on native and wasm alike (no clock, no threads,
//!   no I/O; floating-point sampling goes through `libm`).
//! - Rows are ordered as `/api/public/v2/observations` returns them: `startTime DESC, xxHash32(traceId)
//!   DESC, id DESC`. Scores are ordered `timestamp DESC, id DESC`.
//! - JSON is written on this crate's own path, key for key as Langfuse 4.16 sends it (see API.md §7, §9,
//!   §12): `""` for unset strings in v2, prices as decimal strings, JS number formatting, ISO ms
//!   timestamps, `latency`/`timeToFirstToken` in seconds.
//!
//! What the data looks like: six services (trace names), each with its own agent tree (AGENT, CHAIN, TOOL,
//! RETRIEVER, GENERATION, EMBEDDING, GUARDRAIL, EVENT, SPAN, EVALUATOR); multi-turn sessions with think
//! time; long-tailed users; production/staging/development; a release rolled out mid-range that changes
//! models and error rates; real model names and list prices (one image model priced per image, one tier
//! chosen by a model parameter, one long-context tier chosen by usage, one project override of a managed
//! model); cached and reasoning tokens; streamed generations with time to first token; log-normal
//! latencies with heavy tails; a daily/weekly rhythm; an incident window; recurring error patterns with
//! variable details; a share of rows without cost (models Langfuse had not matched at ingestion, priced by
//! the models list now); a share of legacy-pipeline traces with a synthetic `t-<traceId>` root.

mod catalog;
mod dataset;
mod generate;
mod ids;
mod io;
pub mod json;
mod legacy;
mod models;
mod rng;
mod scores;
mod status;
mod v2;

pub use dataset::{Dataset, Level, ORGANIZATION, ObsType, PROJECT_ID, PROJECT_NAME, Row};
pub use ids::{base64_standard, base64_standard_decode, base64_url, base64_url_decode, xxhash32};
pub use legacy::TraceFields;
pub use models::models_page;
pub use scores::{ScoreFields, ScoreRef};
pub use v2::FieldGroups;

/// What to generate.
#[derive(Clone, Debug, PartialEq)]
pub struct SynthConfig {
    /// Random seed: same seed and config, same bytes.
    pub seed: u64,
    /// Number of observations to generate.
    pub observations: usize,
    /// Exclusive end of the time range, epoch ms (UTC).
    pub end_time_ms: i64,
    /// Length of the time range, ms.
    pub span_ms: i64,
    /// Overall share of traces that went through the legacy ingestion pipeline (0..1, default 0.15);
    /// services differ around it.
    pub legacy_share: f64,
}

impl Default for SynthConfig {
    /// Seed 42, 20,000 observations over the 7 days ending 2026-11-27T00:00:00Z.
    fn default() -> Self {
        Self {
            seed: 42,
            observations: 20_000,
            end_time_ms: 1_795_737_600_000,
            span_ms: 7 * 24 * 3_600_000,
            legacy_share: 0.15,
        }
    }
}

impl Dataset {
    /// Generates the dataset for `config`.
    pub fn generate(config: &SynthConfig) -> Dataset {
        generate::generate(config)
    }

    /// Writes row `index` as a v2 observation object with the given field groups (nothing past the end).
    pub fn write_v2_observation(&self, index: usize, fields: FieldGroups, out: &mut String) {
        if let Some(row) = self.row(index) {
            v2::write_row(self, &row, fields, out);
        }
    }

    /// The v2 cursor that continues after row `index` (standard base64 of
    /// `{"lastStartTimeTo":…,"lastTraceId":…,"lastId":…}`).
    pub fn v2_cursor_after(&self, index: usize) -> Option<String> {
        v2::cursor_for(self, index)
    }
}

/// The app's demo: v2 observation page bodies exactly as the server sends them for
/// `fields=core,basic,time,model,usage,prompt,metrics,trace_context,metadata&limit=<page_size>`, with
/// `meta.cursor` on every page but the last. `page_size` is clamped to 1..=1000.
pub fn demo_pages(config: &SynthConfig, page_size: usize) -> Vec<String> {
    let ds = Dataset::generate(config);
    let page_size = page_size.clamp(1, 1000);
    let mut pages = Vec::with_capacity(ds.len() / page_size + 1);
    let mut from = 0;
    loop {
        let to = (from + page_size).min(ds.len());
        let mut body = String::with_capacity((to - from) * 1400 + 200);
        body.push_str("{\"data\":[");
        for i in from..to {
            if i > from {
                body.push(',');
            }
            ds.write_v2_observation(i, FieldGroups::DEMO, &mut body);
        }
        body.push_str("],\"meta\":{");
        if to < ds.len()
            && let Some(cursor) = ds.v2_cursor_after(to - 1)
        {
            body.push_str("\"cursor\":");
            json::push_json_str(&mut body, &cursor);
        }
        body.push_str("}}");
        pages.push(body);
        if to >= ds.len() {
            break;
        }
        from = to;
    }
    pages
}

/// A `/api/public/models` response body holding every model (page 1, limit 100).
pub fn demo_models_json(_config: &SynthConfig) -> String {
    models::models_page(1, 100)
}

/// The demo's `/api/public/v3/scores` bodies (`fields=details,subject,annotation`, `limit=<page_size>`),
/// with `meta.cursor` on every page but the last. `page_size` is clamped to 1..=100.
pub fn demo_scores_pages(config: &SynthConfig, page_size: usize) -> Vec<String> {
    let ds = Dataset::generate(config);
    let page_size = page_size.clamp(1, 100);
    let total = ds.score_count();
    let mut pages = Vec::new();
    let mut from = 0;
    loop {
        let to = (from + page_size).min(total);
        let mut body = String::with_capacity((to - from) * 500 + 100);
        body.push_str("{\"data\":[");
        for i in from..to {
            if i > from {
                body.push(',');
            }
            ds.write_v3_score(i, ScoreFields::ALL, &mut body);
        }
        body.push_str("],\"meta\":{\"limit\":");
        json::push_u64(&mut body, page_size as u64);
        if to < total
            && let Some(s) = ds.score(to - 1)
        {
            body.push_str(",\"cursor\":");
            json::push_json_str(&mut body, &s.cursor());
        }
        body.push_str("}}");
        pages.push(body);
        if to >= total {
            break;
        }
        from = to;
    }
    pages
}
