//! Loupe's engine data path, exported to JavaScript for the in-browser benchmark (`make bench`).
//!
//! The path is exactly the app's: v2 observation page bodies (bytes, as the server sends them) go through
//! [`loupe_langfuse::decode::observations_page`] into [`Store::upsert`]; a `/api/public/models` body goes
//! through [`loupe_langfuse::decode::models_page`] into [`Store::set_models`] (which estimates the costs
//! Langfuse did not give); [`loupe_core::standard_rollups`] then computes the standard set over every
//! observation (no filter), with hourly buckets in UTC, and [`loupe_core::kernel_rollups`] the lean
//! kernel (the figures the benchmark's peers compute too). The module is built like the app's release
//! wasm (profile `wasm-release`, `wasm-bindgen --target web`, `wasm-opt -Oz`), so its timings are the
//! app's.
//!
//! Contract for the JavaScript side ([`Engine`], [`count_rows`], [`linear_memory_bytes`]):
//! - pages are decoded in the order given; a page that is not a v2 page fails with a message and leaves the
//!   rows already delivered in the store (the app's behaviour); rows the decoder skips are counted, not fatal;
//! - [`Engine::rollups`] and [`Engine::kernel`] compute and keep their result, so a caller can time them
//!   alone and read the figures afterwards ([`Engine::rollups_json`]: the serde JSON of
//!   [`StandardRollups`]; [`Engine::kernel_json`]: [`KernelRollups`] with every group key resolved to its
//!   text, see [`LabelledKernel`]; both `null` before the first call);
//! - memory figures are bytes: the store's own count ([`Store::memory_bytes`], by capacity, dictionaries
//!   included) and the size of the wasm linear memory (which only grows).
//!
//! The pure part ([`Bench`]) is plain Rust with one error type, tested natively; [`Engine`] converts its
//! errors to JavaScript errors once, at the boundary.

use loupe_core::{
    BucketFigures, Dimension, Figures, Filter, FixedOffset, KernelRollups, LatencyHistogram,
    StandardRollups, Store, kernel_rollups, standard_rollups,
};
use loupe_langfuse::decode::{self, DecodeError};
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// Why a body could not be used.
#[derive(Debug)]
pub enum BenchError {
    /// An observations page that is not one (rows before the error stay in the store).
    Page { page: u32, error: DecodeError },
    /// A models body that is not a models page.
    Models(DecodeError),
    /// The rollups could not be written as JSON (never expected for finite figures).
    Json(serde_json::Error),
}

impl std::fmt::Display for BenchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BenchError::Page { page, error } => write!(f, "observations page {page}: {error}"),
            BenchError::Models(error) => write!(f, "models page: {error}"),
            BenchError::Json(error) => write!(f, "rollups as JSON: {error}"),
        }
    }
}

impl std::error::Error for BenchError {}

/// A store filled the app's way, with the last standard rollups computed over it.
#[derive(Default)]
pub struct Bench {
    store: Store,
    rows: u64,
    skipped: u64,
    bytes: u64,
    rollups: Option<StandardRollups>,
    kernel: Option<KernelRollups>,
}

/// One group of [`LabelledKernel`]: the key's text (`None`: missing) and the figures.
#[derive(Serialize)]
pub struct LabelledGroup<'a> {
    pub key: Option<&'a str>,
    #[serde(flatten)]
    pub figures: &'a Figures,
}

/// One group-by of [`LabelledKernel`].
#[derive(Serialize)]
pub struct LabelledDimension<'a> {
    pub dimension: &'a Dimension,
    pub groups: Vec<LabelledGroup<'a>>,
}

/// [`KernelRollups`] with group keys resolved to their text ([`Store::label`]), for JavaScript.
#[derive(Serialize)]
pub struct LabelledKernel<'a> {
    pub overview: &'a Figures,
    pub first_start_ms: Option<i64>,
    pub last_start_ms: Option<i64>,
    pub group_bys: Vec<LabelledDimension<'a>>,
    pub latency_histogram: &'a LatencyHistogram,
    pub hourly: &'a [BucketFigures],
}

impl<'a> LabelledKernel<'a> {
    /// Labels `k`'s groups from `store` (the store the figures were computed on).
    pub fn new(store: &'a Store, k: &'a KernelRollups) -> Self {
        Self {
            overview: &k.overview,
            first_start_ms: k.first_start_ms,
            last_start_ms: k.last_start_ms,
            group_bys: k
                .group_bys
                .iter()
                .map(|d| LabelledDimension {
                    dimension: &d.dimension,
                    groups: d
                        .groups
                        .iter()
                        .map(|g| LabelledGroup {
                            key: store.label(&d.dimension, g.key),
                            figures: &g.figures,
                        })
                        .collect(),
                })
                .collect(),
            latency_histogram: &k.latency_histogram,
            hourly: &k.hourly,
        }
    }
}

impl Bench {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Decodes one v2 observations page body into the store; returns the rows delivered.
    pub fn decode_page(&mut self, body: &[u8], page: u32) -> Result<u32, BenchError> {
        let store = &mut self.store;
        let summary = decode::observations_page(body, page, |row| {
            store.upsert(row);
        })
        .map_err(|error| BenchError::Page { page, error })?;
        self.rows += u64::from(summary.rows);
        self.skipped += summary.skipped.len() as u64;
        self.bytes += body.len() as u64;
        Ok(summary.rows)
    }

    /// Decodes a `/api/public/models` body and sets it as the store's models list (re-estimating costs);
    /// returns the number of models.
    pub fn set_models(&mut self, body: &[u8]) -> Result<u32, BenchError> {
        let (models, _) = decode::models_page(body).map_err(BenchError::Models)?;
        let n = models.len() as u32;
        self.store.set_models(models);
        Ok(n)
    }

    /// Computes the standard rollups over every observation (hourly buckets in UTC) and keeps them.
    pub fn rollups(&mut self) -> &StandardRollups {
        self.rollups.insert(standard_rollups(
            &self.store,
            &Filter::default(),
            &FixedOffset(0),
        ))
    }

    /// The last rollups as JSON (`null` before the first [`Bench::rollups`]).
    pub fn rollups_json(&self) -> Result<String, BenchError> {
        serde_json::to_string(&self.rollups).map_err(BenchError::Json)
    }

    /// Computes the lean kernel over every observation (hourly buckets in UTC) and keeps it.
    pub fn kernel(&mut self) -> &KernelRollups {
        self.kernel.insert(kernel_rollups(
            &self.store,
            &Filter::default(),
            &FixedOffset(0),
        ))
    }

    /// The last kernel result with its group keys as text, as JSON (`null` before the first
    /// [`Bench::kernel`]).
    pub fn kernel_json(&self) -> Result<String, BenchError> {
        let labelled = self
            .kernel
            .as_ref()
            .map(|k| LabelledKernel::new(&self.store, k));
        serde_json::to_string(&labelled).map_err(BenchError::Json)
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Gives the store's allocation slack back (what a long-lived app would do after a bulk load).
    pub fn shrink_to_fit(&mut self) {
        self.store.shrink_to_fit();
    }

    /// Rows the decoder delivered so far.
    pub fn rows_delivered(&self) -> u64 {
        self.rows
    }

    /// Rows the decoder skipped so far (reported, not fatal).
    pub fn rows_skipped(&self) -> u64 {
        self.skipped
    }

    /// Page bytes decoded so far.
    pub fn bytes_decoded(&self) -> u64 {
        self.bytes
    }
}

/// The engine for JavaScript: [`Bench`] with errors as JavaScript exceptions.
#[wasm_bindgen]
pub struct Engine {
    inner: Bench,
}

impl Default for Engine {
    fn default() -> Self {
        Self::new()
    }
}

fn js_error(e: BenchError) -> JsError {
    JsError::new(&e.to_string())
}

#[wasm_bindgen]
impl Engine {
    /// A fresh, empty store.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Engine {
        Engine {
            inner: Bench::new(),
        }
    }

    /// Decodes one v2 observations page body into the store; returns the rows delivered.
    pub fn decode_page(&mut self, body: &[u8], page: u32) -> Result<u32, JsError> {
        self.inner.decode_page(body, page).map_err(js_error)
    }

    /// Sets the models list from a `/api/public/models` body; returns the number of models.
    pub fn set_models(&mut self, body: &[u8]) -> Result<u32, JsError> {
        self.inner.set_models(body).map_err(js_error)
    }

    /// Computes the standard rollups and keeps them (time this call for the kernel alone).
    pub fn rollups(&mut self) {
        self.inner.rollups();
    }

    /// The last rollups as JSON (`null` before the first [`Engine::rollups`]).
    pub fn rollups_json(&self) -> Result<String, JsError> {
        self.inner.rollups_json().map_err(js_error)
    }

    /// Computes the lean kernel ([`kernel_rollups`]) and keeps it (time this call for the kernel alone).
    pub fn kernel(&mut self) {
        self.inner.kernel();
    }

    /// The last kernel result as JSON, group keys as text (`null` before the first [`Engine::kernel`]).
    pub fn kernel_json(&self) -> Result<String, JsError> {
        self.inner.kernel_json().map_err(js_error)
    }

    /// Observations in the store.
    pub fn observations(&self) -> usize {
        self.inner.store().len()
    }

    /// Distinct trace ids in the store (builds the cached trace index when needed).
    pub fn traces(&self) -> usize {
        self.inner.store().trace_count()
    }

    /// Rows the decoder skipped.
    pub fn skipped(&self) -> f64 {
        self.inner.rows_skipped() as f64
    }

    /// Page bytes decoded.
    pub fn bytes_decoded(&self) -> f64 {
        self.inner.bytes_decoded() as f64
    }

    /// The store's heap bytes ([`Store::memory_bytes`]: by capacity, dictionaries included, trace cache
    /// excluded).
    pub fn store_memory_bytes(&self) -> usize {
        self.inner.store().memory_bytes()
    }

    /// Heap bytes of the cached trace index (0 until a rollup or [`Engine::traces`] builds it).
    pub fn trace_cache_bytes(&self) -> usize {
        self.inner.store().cache_bytes()
    }

    /// The store's memory by part as JSON `[[part, bytes], ...]`, largest first.
    pub fn memory_breakdown_json(&self) -> String {
        let parts = self.inner.store().memory_breakdown();
        serde_json::to_string(&parts).unwrap_or_else(|_| "[]".to_owned())
    }

    /// Gives the store's allocation slack back.
    pub fn shrink_to_fit(&mut self) {
        self.inner.shrink_to_fit();
    }
}

/// Decodes a v2 page without storing anything; returns the rows the decoder delivered (the decoder's
/// share of [`Engine::decode_page`]).
#[wasm_bindgen]
pub fn count_rows(body: &[u8], page: u32) -> Result<u32, JsError> {
    decode::observations_page(body, page, |_| {})
        .map(|summary| summary.rows)
        .map_err(|error| js_error(BenchError::Page { page, error }))
}

/// Size of the wasm linear memory in bytes (0 on other targets).
#[wasm_bindgen]
pub fn linear_memory_bytes() -> usize {
    #[cfg(target_arch = "wasm32")]
    {
        core::arch::wasm32::memory_size::<0>() * 65_536
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        0
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn a_page_that_is_not_one_names_its_number() {
        let mut bench = Bench::new();
        let err = bench.decode_page(b"{\"error\":\"nope\"}", 7).unwrap_err();
        assert!(err.to_string().starts_with("observations page 7:"), "{err}");
        assert_eq!(bench.store().len(), 0);
    }

    #[test]
    fn rollups_json_is_null_before_the_first_rollup() {
        let bench = Bench::new();
        assert_eq!(bench.rollups_json().unwrap(), "null");
        assert_eq!(bench.kernel_json().unwrap(), "null");
    }
}
