//! Bulk reads within a rate budget: time windows fetched concurrently, each paged to its end, with retries.
//!
//! Inputs: a [`Client`], a [`SchedulerConfig`] (rate budget, concurrency, retry policy), a job (a query and
//! its windows), a [`CancelToken`], a row sink and a progress callback. Outputs: every row of every window,
//! handed to the sink page by page as pages arrive (pages of one window in order, windows interleaved), and a
//! [`FetchReport`] (or a [`FetchFailure`] carrying the same report) that lists the windows completed.
//!
//! Rules:
//! - A window is cursor-paged until `meta.cursor` is absent; a short or empty page with a cursor is not the
//!   end (API.md §6.2). Page-based routes (legacy fallback, models) run until `totalPages`.
//! - Pacing: at most `requests_per_minute` requests start in any 60 s (so at most that many in any of
//!   Langfuse's fixed windows); at most `max_in_flight` are in flight.
//! - 429: everything pauses for the body's `details.retryAfterSeconds` (the org's bucket is shared), then the
//!   same page is asked again. 5xx, transport failures, dropped connections and bodies that do not decode
//!   (truncated) are retried with bounded exponential backoff and jitter. 401/403 stop everything at once
//!   with the reason; other 4xx stop too (retrying cannot help).
//! - Cancelling the token aborts the requests in flight and ends the fetch with [`ApiError::Cancelled`].
//! - Rows already given to the sink stay given: a failure never takes anything back. A retried page may hand
//!   some rows to the sink again (a body cut short is decoded up to the cut); sinks upsert by id, so
//!   overlapping windows and repeated rows are safe.
//! - Progress is reported through the callback after every page, retry and pause.
//!
//! Time comes only from the [`Transport`] (`now_ms`, `sleep_ms`), so tests run on a virtual clock.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use loupe_core::{ObservationRow, ScoreRow};

use crate::client::{Client, error_for};
use crate::decode::{self, DecodeError, RowIssue};
use crate::error::ApiError;
use crate::hosts::BaseUrl;
use crate::plan::{self, PlanPreset, RateBudget};
use crate::query::{
    LegacyObservationsQuery, LegacyTracesQuery, ObservationsQuery, ScoresQuery, TimeRange,
};
use crate::transport::{CancelToken, HttpResponse, Transport, TransportError, or_cancelled};
use crate::wire::TraceContextOwned;

/// How retries back off.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Attempts per page for transient failures (5xx, network, truncated body), the first included.
    pub max_attempts: u32,
    /// Backoff before the second attempt; doubles each time.
    pub base_delay_ms: u64,
    /// Backoff ceiling.
    pub max_delay_ms: u64,
    /// 429 answers in a row for one page before giving up.
    pub max_rate_limit_waits: u32,
    /// Wait after a 429 whose body has no `retryAfterSeconds`.
    pub default_rate_limit_wait_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 6,
            base_delay_ms: 500,
            max_delay_ms: 30_000,
            max_rate_limit_waits: 30,
            default_rate_limit_wait_ms: 15_000,
        }
    }
}

impl RetryPolicy {
    /// The wait before attempt `attempt + 1` after `attempt` failures (1-based): exponential, capped, and
    /// "equal jitter" (half fixed, half random) so that concurrent windows do not retry in lockstep.
    /// `jitter` is uniform in `[0, 1)`.
    pub fn backoff_ms(&self, attempt: u32, jitter: f64) -> u64 {
        let exponent = attempt.saturating_sub(1).min(30);
        let full = self
            .base_delay_ms
            .saturating_mul(1u64 << exponent)
            .min(self.max_delay_ms);
        let jitter = if jitter.is_finite() {
            jitter.clamp(0.0, 1.0)
        } else {
            0.5
        };
        full / 2 + ((full / 2) as f64 * jitter) as u64
    }
}

/// Scheduler settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SchedulerConfig {
    pub budget: RateBudget,
    /// Requests in flight at once (browsers allow 6 per host over HTTP/1.1; leave room for the UI).
    pub max_in_flight: u32,
    pub retry: RetryPolicy,
}

impl SchedulerConfig {
    /// The settings for a plan preset.
    pub fn for_plan(preset: PlanPreset) -> Self {
        Self {
            budget: preset.budget(),
            ..Self::default()
        }
    }
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        Self {
            budget: RateBudget::UNLIMITED,
            max_in_flight: 4,
            retry: RetryPolicy::default(),
        }
    }
}

/// A fetch's progress, reported while it runs.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Progress {
    /// Pages decoded.
    pub pages: u64,
    /// Rows handed to the sink (a retried page may count some twice).
    pub rows: u64,
    /// Rows skipped by the decoder.
    pub skipped_rows: u64,
    /// Response bytes received (successful pages).
    pub bytes: u64,
    /// Requests answered or failed so far (retries included).
    pub requests: u64,
    /// Requests that were retries.
    pub retries: u64,
    /// 429 answers received.
    pub rate_limited: u64,
    /// Requests that may still start in the current minute; `None` when unlimited.
    pub requests_left_in_budget: Option<u32>,
    pub windows_total: u32,
    pub windows_done: u32,
    /// When the fetch is paused (rate limit or backoff) until a time in the future, that time.
    pub waiting_until_ms: Option<i64>,
    pub started_at_ms: i64,
    pub elapsed_ms: i64,
    /// Estimated time to completion, once there is something to estimate from.
    pub estimated_remaining_ms: Option<i64>,
    /// The last transient error, shown while retrying.
    pub last_retry_reason: Option<String>,
}

/// What a fetch did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FetchReport {
    pub progress: Progress,
    /// Windows fetched to their end, in completion order (record these as cache coverage).
    pub completed_windows: Vec<TimeRange>,
    /// The first [`MAX_REPORTED_ISSUES`] rows the decoder skipped.
    pub skipped: Vec<RowIssue>,
}

/// Skipped-row reports kept per fetch (the count is in [`Progress::skipped_rows`]).
pub const MAX_REPORTED_ISSUES: usize = 100;

/// A fetch that stopped early: why, and what it had done (rows delivered stay delivered).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{error}")]
pub struct FetchFailure {
    pub error: ApiError,
    pub report: FetchReport,
}

/// An observations fetch: a query (filters, fields) over some windows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObservationsJob {
    /// The query; its `range` is ignored in favour of `windows`.
    pub query: ObservationsQuery,
    /// Windows to fetch (from [`plan::plan_refresh`] or [`TimeRange::split`]). Fetched in this order, up to
    /// `max_in_flight` at once.
    pub windows: Vec<TimeRange>,
    /// Expected rows (from the metrics API), for the time estimate.
    pub expected_rows: Option<u64>,
}

impl ObservationsJob {
    /// The query's own range split for `config` and `expected_rows` (see [`plan::window_count`]).
    pub fn split(
        query: ObservationsQuery,
        expected_rows: Option<u64>,
        config: &SchedulerConfig,
    ) -> Self {
        let windows = match expected_rows {
            Some(rows) => query
                .range
                .split(plan::window_count(rows, config.max_in_flight)),
            None => query.range.split(config.max_in_flight.max(1)),
        };
        Self {
            query,
            windows,
            expected_rows,
        }
    }
}

/// Requests-per-minute pacing (sliding 60 s window) plus a pause after a 429.
#[derive(Debug, Default)]
struct Pacer {
    per_minute: Option<u32>,
    /// Start times of recent requests, ascending.
    starts: VecDeque<i64>,
    paused_until_ms: i64,
}

const PACING_WINDOW_MS: i64 = 60_000;

impl Pacer {
    fn new(per_minute: Option<u32>) -> Self {
        Self {
            // A budget of 0 would stall forever; the least a user can mean is one request a minute.
            per_minute: per_minute.map(|n| n.max(1)),
            ..Self::default()
        }
    }

    /// Reserves the earliest start time ≥ `earliest_ms` that keeps the budget, and records it.
    fn reserve(&mut self, now_ms: i64, earliest_ms: i64) -> i64 {
        while self
            .starts
            .front()
            .is_some_and(|t| *t <= now_ms - PACING_WINDOW_MS)
        {
            self.starts.pop_front();
        }
        let mut at = earliest_ms.max(now_ms).max(self.paused_until_ms);
        if let Some(last) = self.starts.back() {
            at = at.max(*last);
        }
        if let Some(n) = self.per_minute {
            let n = usize::try_from(n).unwrap_or(usize::MAX);
            if self.starts.len() >= n
                && let Some(oldest_in_window) = self.starts.get(self.starts.len() - n)
            {
                at = at.max(oldest_in_window + PACING_WINDOW_MS);
            }
        }
        self.starts.push_back(at);
        at
    }

    fn pause_until(&mut self, until_ms: i64) {
        self.paused_until_ms = self.paused_until_ms.max(until_ms);
    }

    /// Requests that could start now without waiting.
    fn left_now(&self, now_ms: i64) -> Option<u32> {
        let n = self.per_minute?;
        if self.paused_until_ms > now_ms {
            return Some(0);
        }
        let recent = self
            .starts
            .iter()
            .filter(|t| **t > now_ms - PACING_WINDOW_MS)
            .count();
        Some(n.saturating_sub(u32::try_from(recent).unwrap_or(u32::MAX)))
    }
}

/// Which of Langfuse's rate buckets a route draws from (API.md §5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Bucket {
    PublicApi,
    Legacy,
}

/// Runs bulk reads for one connection. Keeps the pacing state between fetches, so fetching scores right
/// after observations still respects the per-minute budget.
#[derive(Debug)]
pub struct Scheduler<T> {
    client: Client<T>,
    config: SchedulerConfig,
    public_api: RefCell<Pacer>,
    legacy: RefCell<Pacer>,
}

impl<T: Transport> Scheduler<T> {
    /// A scheduler over `client` with `config`.
    pub fn new(client: Client<T>, config: SchedulerConfig) -> Self {
        Self {
            public_api: RefCell::new(Pacer::new(config.budget.requests_per_minute)),
            legacy: RefCell::new(Pacer::new(config.budget.legacy_requests_per_minute)),
            client,
            config,
        }
    }

    /// The client requests go through.
    pub fn client(&self) -> &Client<T> {
        &self.client
    }

    /// The settings.
    pub fn config(&self) -> &SchedulerConfig {
        &self.config
    }

    /// Fetches v2 observations for every window of `job`, handing rows to `sink`.
    pub async fn fetch_observations(
        &self,
        job: &ObservationsJob,
        cancel: &CancelToken,
        sink: &mut dyn FnMut(&ObservationRow<'_>),
        on_progress: &mut dyn FnMut(&Progress),
    ) -> Result<FetchReport, FetchFailure> {
        let mut pages = V2Pages {
            base: self.client.base_url(),
            query: &job.query,
            windows: job.windows.clone(),
            cursors: vec![None; job.windows.len()],
            sink,
            on_page: None,
        };
        self.drive(&mut pages, job.expected_rows, cancel, on_progress)
            .await
    }

    /// [`Scheduler::fetch_observations`] that also hands the body of every accepted page to `on_page`, right
    /// after its rows reached `sink` (the app keeps the raw pages as its cache and snapshots: replaying them
    /// through the decoder rebuilds the same rows). A body that does not decode is retried, not handed over.
    pub async fn fetch_observations_with_pages(
        &self,
        job: &ObservationsJob,
        cancel: &CancelToken,
        sink: &mut dyn FnMut(&ObservationRow<'_>),
        on_page: &mut dyn FnMut(&[u8]),
        on_progress: &mut dyn FnMut(&Progress),
    ) -> Result<FetchReport, FetchFailure> {
        let mut pages = V2Pages {
            base: self.client.base_url(),
            query: &job.query,
            windows: job.windows.clone(),
            cursors: vec![None; job.windows.len()],
            sink,
            on_page: Some(on_page),
        };
        self.drive(&mut pages, job.expected_rows, cancel, on_progress)
            .await
    }

    /// The fallback for instances without the v4 read path: per window, the legacy traces (for trace
    /// context), then the v1 observations joined with them, producing the same rows as the v2 path.
    pub async fn fetch_observations_legacy(
        &self,
        job: &ObservationsJob,
        cancel: &CancelToken,
        sink: &mut dyn FnMut(&ObservationRow<'_>),
        on_progress: &mut dyn FnMut(&Progress),
    ) -> Result<FetchReport, FetchFailure> {
        let mut pages = LegacyPages {
            base: self.client.base_url(),
            filters: &job.query.filters,
            windows: job.windows.iter().map(|w| LegacyWindow::new(*w)).collect(),
            sink,
        };
        self.drive(&mut pages, job.expected_rows, cancel, on_progress)
            .await
    }

    /// Fetches v3 scores over `windows`, handing rows to `sink`.
    pub async fn fetch_scores(
        &self,
        windows: &[TimeRange],
        cancel: &CancelToken,
        sink: &mut dyn FnMut(&ScoreRow<'_>),
        on_progress: &mut dyn FnMut(&Progress),
    ) -> Result<FetchReport, FetchFailure> {
        let mut pages = ScorePages {
            base: self.client.base_url(),
            windows: windows.to_vec(),
            cursors: vec![None; windows.len()],
            sink,
        };
        self.drive(&mut pages, None, cancel, on_progress).await
    }

    /// Fetches every model definition (project and Langfuse-managed) with its prices.
    pub async fn fetch_models(
        &self,
        cancel: &CancelToken,
        on_progress: &mut dyn FnMut(&Progress),
    ) -> Result<(Vec<loupe_core::ModelPrice>, FetchReport), FetchFailure> {
        let mut pages = ModelPages {
            base: self.client.base_url(),
            page: 1,
            models: Vec::new(),
            on_page: None,
        };
        let report = self.drive(&mut pages, None, cancel, on_progress).await?;
        Ok((pages.models, report))
    }

    /// [`Scheduler::fetch_models`] that also hands the body of every accepted models page to `on_page` (the
    /// app keeps them beside the observation pages of its cache and snapshots).
    pub async fn fetch_models_with_pages(
        &self,
        cancel: &CancelToken,
        on_page: &mut dyn FnMut(&[u8]),
        on_progress: &mut dyn FnMut(&Progress),
    ) -> Result<(Vec<loupe_core::ModelPrice>, FetchReport), FetchFailure> {
        let mut pages = ModelPages {
            base: self.client.base_url(),
            page: 1,
            models: Vec::new(),
            on_page: Some(on_page),
        };
        let report = self.drive(&mut pages, None, cancel, on_progress).await?;
        Ok((pages.models, report))
    }

    /// The engine shared by every bulk read.
    async fn drive(
        &self,
        pages: &mut dyn Pages,
        expected_rows: Option<u64>,
        cancel: &CancelToken,
        on_progress: &mut dyn FnMut(&Progress),
    ) -> Result<FetchReport, FetchFailure> {
        let transport = self.client.transport();
        let retry = self.config.retry;
        let pacer = match pages.bucket() {
            Bucket::PublicApi => &self.public_api,
            Bucket::Legacy => &self.legacy,
        };
        let windows = pages.windows();
        let started_at_ms = transport.now_ms();
        let mut state = DriveState {
            report: FetchReport {
                progress: Progress {
                    windows_total: u32::try_from(windows.len()).unwrap_or(u32::MAX),
                    started_at_ms,
                    ..Progress::default()
                },
                ..FetchReport::default()
            },
            frontier_ms: windows.iter().map(|w| w.to_ms).collect(),
            done: vec![false; windows.len()],
            windows,
            expected_rows,
            request_ms_total: 0,
        };
        let mut ready: VecDeque<Attempt> = (0..state.windows.len()).map(Attempt::first).collect();
        type InFlight<'f> = Pin<
            Box<dyn Future<Output = (Attempt, i64, Result<HttpResponse, TransportError>)> + 'f>,
        >;
        let mut in_flight: FuturesUnordered<InFlight<'_>> = FuturesUnordered::new();
        let max_in_flight = usize::try_from(self.config.max_in_flight.max(1)).unwrap_or(1);

        loop {
            // A sink may cancel while a page is delivered; stop before sending anything more.
            if cancel.is_cancelled() {
                return Err(state.fail(ApiError::Cancelled));
            }
            while in_flight.len() < max_in_flight {
                let Some(attempt) = ready.pop_front() else {
                    break;
                };
                let url = pages.url(attempt.window);
                let now = transport.now_ms();
                let start_at = pacer.borrow_mut().reserve(now, attempt.not_before_ms);
                in_flight.push(Box::pin(
                    self.request(url, start_at, attempt, pacer, cancel),
                ));
            }
            if in_flight.is_empty() {
                break;
            }
            state.update_timing(transport.now_ms(), pacer, &self.config);
            on_progress(&state.report.progress);

            let next = match or_cancelled(in_flight.next(), cancel).await {
                None => return Err(state.fail(ApiError::Cancelled)),
                Some(None) => break,
                Some(Some(next)) => next,
            };
            let (attempt, sent_at_ms, result) = next;
            let now = transport.now_ms();
            state.report.progress.requests += 1;
            state.request_ms_total += (now - sent_at_ms).max(0);
            if attempt.is_retry() {
                state.report.progress.retries += 1;
            }
            let window = attempt.window;
            let failure = match result {
                Ok(response) if response.is_success() => {
                    let mut oldest_ms: Option<i64> = None;
                    match pages.accept(window, attempt.page, &response.body, &mut oldest_ms) {
                        Ok(accepted) => {
                            state.accept_page(window, &accepted, oldest_ms);
                            if accepted.finished {
                                state.finish_window(window);
                            } else {
                                ready.push_back(attempt.next_page());
                            }
                            continue;
                        }
                        // Usually a body cut short: the same request may well succeed.
                        Err(e) => ApiError::Decode {
                            detail: e.to_string(),
                        },
                    }
                }
                Ok(response) => error_for(&response, &pages.url(window)),
                Err(TransportError::Aborted) => return Err(state.fail(ApiError::Cancelled)),
                Err(e) => ApiError::from_transport(e, self.client.base_url().as_str()),
            };
            match failure {
                ApiError::RateLimited {
                    retry_after_seconds,
                    ref message,
                } => {
                    state.report.progress.rate_limited += 1;
                    if attempt.rate_waits + 1 >= retry.max_rate_limit_waits {
                        return Err(state.fail(failure));
                    }
                    let wait_ms = match retry_after_seconds {
                        Some(s) if s.is_finite() && s >= 0.0 => {
                            (s * 1000.0).ceil().min(3_600_000.0) as i64
                        }
                        _ => i64::try_from(retry.default_rate_limit_wait_ms).unwrap_or(i64::MAX),
                    };
                    pacer.borrow_mut().pause_until(now.saturating_add(wait_ms));
                    state.report.progress.last_retry_reason =
                        Some(format!("rate limited: {message}"));
                    // The same page again, first in line once the pause is over.
                    ready.push_front(Attempt {
                        rate_waits: attempt.rate_waits + 1,
                        ..attempt
                    });
                }
                ref e if e.is_transient() => {
                    if attempt.attempts + 1 >= retry.max_attempts {
                        return Err(state.fail(failure));
                    }
                    let backoff = retry.backoff_ms(attempt.attempts + 1, transport.jitter());
                    let backoff = i64::try_from(backoff).unwrap_or(i64::MAX);
                    state.report.progress.last_retry_reason = Some(e.to_string());
                    ready.push_back(Attempt {
                        attempts: attempt.attempts + 1,
                        not_before_ms: now.saturating_add(backoff),
                        ..attempt
                    });
                }
                _ => return Err(state.fail(failure)),
            }
        }
        state.update_timing(transport.now_ms(), pacer, &self.config);
        state.report.progress.estimated_remaining_ms = Some(0);
        on_progress(&state.report.progress);
        Ok(state.report)
    }

    /// Waits for the reserved start, then sends. Returns when the request was actually sent.
    async fn request(
        &self,
        url: String,
        start_at_ms: i64,
        attempt: Attempt,
        pacer: &RefCell<Pacer>,
        cancel: &CancelToken,
    ) -> (Attempt, i64, Result<HttpResponse, TransportError>) {
        let transport = self.client.transport();
        let mut start_at_ms = start_at_ms;
        loop {
            // Measured right before sleeping, so that a virtual clock lands exactly on the start time.
            let wait_ms = start_at_ms - transport.now_ms();
            if wait_ms > 0 {
                transport
                    .sleep_ms(u64::try_from(wait_ms).unwrap_or(0))
                    .await;
            }
            // A 429 seen by another request while this one waited pauses it too: sending now would only
            // earn another 429.
            let paused_until_ms = pacer.borrow().paused_until_ms;
            if paused_until_ms <= start_at_ms || paused_until_ms <= transport.now_ms() {
                break;
            }
            start_at_ms = paused_until_ms;
        }
        let sent_at_ms = transport.now_ms();
        let headers = [("Authorization", self.client.authorization())];
        let result = transport.get(&url, &headers, cancel).await;
        (attempt, sent_at_ms, result)
    }
}

/// One request to make: which window, which page of it, and its retry counters.
#[derive(Clone, Copy, Debug)]
struct Attempt {
    window: usize,
    /// 1-based page number within the window (for skipped-row reports).
    page: u32,
    /// Transient failures of this page so far.
    attempts: u32,
    /// 429s in a row for this page.
    rate_waits: u32,
    not_before_ms: i64,
}

impl Attempt {
    fn first(window: usize) -> Self {
        Self {
            window,
            page: 1,
            attempts: 0,
            rate_waits: 0,
            not_before_ms: i64::MIN,
        }
    }

    fn next_page(self) -> Self {
        Self {
            page: self.page.saturating_add(1),
            attempts: 0,
            rate_waits: 0,
            not_before_ms: i64::MIN,
            ..self
        }
    }

    fn is_retry(&self) -> bool {
        self.attempts > 0 || self.rate_waits > 0
    }
}

/// Bookkeeping of one drive.
struct DriveState {
    report: FetchReport,
    windows: Vec<TimeRange>,
    /// Per window, the oldest row start seen (rows come newest first), for the time-based estimate.
    frontier_ms: Vec<i64>,
    done: Vec<bool>,
    expected_rows: Option<u64>,
    request_ms_total: i64,
}

impl DriveState {
    fn accept_page(&mut self, window: usize, accepted: &Accepted, oldest_ms: Option<i64>) {
        let p = &mut self.report.progress;
        p.pages += 1;
        p.rows += u64::from(accepted.rows);
        p.bytes += u64::try_from(accepted.bytes).unwrap_or(u64::MAX);
        p.skipped_rows += u64::try_from(accepted.skipped.len()).unwrap_or(u64::MAX);
        p.last_retry_reason = None;
        let room = MAX_REPORTED_ISSUES.saturating_sub(self.report.skipped.len());
        self.report
            .skipped
            .extend(accepted.skipped.iter().take(room).cloned());
        if let (Some(oldest), Some(frontier)) = (oldest_ms, self.frontier_ms.get_mut(window)) {
            *frontier = (*frontier).min(oldest);
        }
    }

    fn finish_window(&mut self, window: usize) {
        if let (Some(done), Some(range)) = (self.done.get_mut(window), self.windows.get(window))
            && !*done
        {
            *done = true;
            self.report.progress.windows_done += 1;
            self.report.completed_windows.push(*range);
        }
    }

    fn update_timing(&mut self, now_ms: i64, pacer: &RefCell<Pacer>, config: &SchedulerConfig) {
        let pacer = pacer.borrow();
        let p = &mut self.report.progress;
        p.elapsed_ms = (now_ms - p.started_at_ms).max(0);
        p.requests_left_in_budget = pacer.left_now(now_ms);
        let next_start = pacer
            .starts
            .back()
            .copied()
            .unwrap_or(i64::MIN)
            .max(pacer.paused_until_ms);
        p.waiting_until_ms = (next_start > now_ms).then_some(next_start);
        let estimate = self.estimate_remaining_ms(config);
        self.report.progress.estimated_remaining_ms = estimate;
    }

    /// From the expected row count when known, else from how much of the time range is covered.
    fn estimate_remaining_ms(&self, config: &SchedulerConfig) -> Option<i64> {
        let p = &self.report.progress;
        let windows_left =
            u32::try_from(self.done.iter().filter(|d| !**d).count()).unwrap_or(u32::MAX);
        if windows_left == 0 {
            return Some(0);
        }
        if p.requests == 0 {
            return None;
        }
        let request_ms =
            self.request_ms_total / i64::try_from(p.requests).unwrap_or(i64::MAX).max(1);
        if let Some(expected) = self.expected_rows {
            let remaining_rows = expected.saturating_sub(p.rows);
            let e = plan::estimate_fetch(
                remaining_rows,
                windows_left,
                config.max_in_flight,
                request_ms,
                &config.budget,
            );
            return Some(e.duration_ms);
        }
        let total_ms: i64 = self.windows.iter().map(TimeRange::duration_ms).sum();
        let covered_ms: i64 = self
            .windows
            .iter()
            .zip(&self.frontier_ms)
            .zip(&self.done)
            .map(|((w, frontier), done)| {
                if *done {
                    w.duration_ms()
                } else {
                    (w.to_ms - frontier).clamp(0, w.duration_ms())
                }
            })
            .sum();
        if covered_ms <= 0 || total_ms <= 0 {
            return None;
        }
        let fraction = covered_ms as f64 / total_ms as f64;
        Some((p.elapsed_ms as f64 * (1.0 - fraction) / fraction) as i64)
    }

    fn fail(self, error: ApiError) -> FetchFailure {
        FetchFailure {
            error,
            report: self.report,
        }
    }
}

/// What one decoded page contributed.
struct Accepted {
    rows: u32,
    skipped: Vec<RowIssue>,
    bytes: usize,
    /// The window has no further page.
    finished: bool,
}

/// A family of paged sequences (one per window) that the driver runs.
trait Pages {
    fn bucket(&self) -> Bucket;
    /// The time range of each window (for coverage and estimates).
    fn windows(&self) -> Vec<TimeRange>;
    /// The URL of the next page of `window`.
    fn url(&self, window: usize) -> String;
    /// Decodes the next page of `window`, delivers its rows, advances the window. `oldest_ms` is lowered to
    /// the oldest row start seen.
    fn accept(
        &mut self,
        window: usize,
        page: u32,
        body: &[u8],
        oldest_ms: &mut Option<i64>,
    ) -> Result<Accepted, DecodeError>;
}

fn lower(oldest_ms: &mut Option<i64>, start_ms: i64) {
    *oldest_ms = Some(oldest_ms.map_or(start_ms, |o| o.min(start_ms)));
}

struct V2Pages<'a, 's> {
    base: &'a BaseUrl,
    query: &'a ObservationsQuery,
    windows: Vec<TimeRange>,
    cursors: Vec<Option<String>>,
    sink: &'s mut dyn FnMut(&ObservationRow<'_>),
    on_page: Option<&'s mut PageHook<'s>>,
}

/// Receives the body of every accepted page (see [`Scheduler::fetch_observations_with_pages`] and
/// [`Scheduler::fetch_models_with_pages`]).
type PageHook<'s> = dyn FnMut(&[u8]) + 's;

impl Pages for V2Pages<'_, '_> {
    fn bucket(&self) -> Bucket {
        Bucket::PublicApi
    }

    fn windows(&self) -> Vec<TimeRange> {
        self.windows.clone()
    }

    fn url(&self, window: usize) -> String {
        let range = self
            .windows
            .get(window)
            .copied()
            .unwrap_or(self.query.range);
        let cursor = self.cursors.get(window).and_then(|c| c.as_deref());
        self.query.window_url(self.base, range, cursor)
    }

    fn accept(
        &mut self,
        window: usize,
        page: u32,
        body: &[u8],
        oldest_ms: &mut Option<i64>,
    ) -> Result<Accepted, DecodeError> {
        let sink = &mut *self.sink;
        let summary = decode::observations_page(body, page, |row: &ObservationRow<'_>| {
            lower(oldest_ms, row.start_time_ms);
            sink(row);
        })?;
        if let Some(on_page) = self.on_page.as_mut() {
            on_page(body);
        }
        let finished = summary.cursor.is_none();
        if let Some(slot) = self.cursors.get_mut(window) {
            *slot = summary.cursor;
        }
        Ok(Accepted {
            rows: summary.rows,
            skipped: summary.skipped,
            bytes: summary.bytes,
            finished,
        })
    }
}

struct ScorePages<'a, 's> {
    base: &'a BaseUrl,
    windows: Vec<TimeRange>,
    cursors: Vec<Option<String>>,
    sink: &'s mut dyn FnMut(&ScoreRow<'_>),
}

impl Pages for ScorePages<'_, '_> {
    fn bucket(&self) -> Bucket {
        Bucket::PublicApi
    }

    fn windows(&self) -> Vec<TimeRange> {
        self.windows.clone()
    }

    fn url(&self, window: usize) -> String {
        let range = self
            .windows
            .get(window)
            .copied()
            .unwrap_or(TimeRange::new(0, 0));
        let cursor = self.cursors.get(window).and_then(|c| c.as_deref());
        ScoresQuery::new(range).url(self.base, cursor)
    }

    fn accept(
        &mut self,
        window: usize,
        page: u32,
        body: &[u8],
        oldest_ms: &mut Option<i64>,
    ) -> Result<Accepted, DecodeError> {
        let sink = &mut *self.sink;
        let summary = decode::scores_page(body, page, |row: &ScoreRow<'_>| {
            lower(oldest_ms, row.timestamp_ms);
            sink(row);
        })?;
        let finished = summary.cursor.is_none();
        if let Some(slot) = self.cursors.get_mut(window) {
            *slot = summary.cursor;
        }
        Ok(Accepted {
            rows: summary.rows,
            skipped: summary.skipped,
            bytes: summary.bytes,
            finished,
        })
    }
}

/// Whether a page-based list has a page after `page` (`totalPages` when given, else "this page had rows").
fn has_next_page(page: u32, total_pages: Option<u32>, rows_on_page: u32) -> bool {
    match total_pages {
        Some(total) => page < total,
        None => rows_on_page > 0,
    }
}

struct ModelPages<'a> {
    base: &'a BaseUrl,
    page: u32,
    models: Vec<loupe_core::ModelPrice>,
    on_page: Option<&'a mut PageHook<'a>>,
}

impl Pages for ModelPages<'_> {
    fn bucket(&self) -> Bucket {
        Bucket::PublicApi
    }

    fn windows(&self) -> Vec<TimeRange> {
        vec![TimeRange::new(0, 0)]
    }

    fn url(&self, _window: usize) -> String {
        crate::query::models_url(self.base, self.page)
    }

    fn accept(
        &mut self,
        _window: usize,
        _page: u32,
        body: &[u8],
        _oldest_ms: &mut Option<i64>,
    ) -> Result<Accepted, DecodeError> {
        let (models, meta) = decode::models_page(body)?;
        if let Some(on_page) = self.on_page.as_mut() {
            on_page(body);
        }
        let rows = u32::try_from(models.len()).unwrap_or(u32::MAX);
        self.models.extend(models);
        let finished = !has_next_page(self.page, meta.total_pages, rows);
        self.page = self.page.saturating_add(1);
        Ok(Accepted {
            rows,
            skipped: Vec::new(),
            bytes: body.len(),
            finished,
        })
    }
}

/// Where a legacy window is: reading traces (for context), then observations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LegacyPhase {
    Traces { page: u32 },
    Observations { page: u32 },
}

struct LegacyWindow {
    range: TimeRange,
    phase: LegacyPhase,
    traces: HashMap<String, TraceContextOwned>,
}

impl LegacyWindow {
    fn new(range: TimeRange) -> Self {
        Self {
            range,
            phase: LegacyPhase::Traces { page: 1 },
            traces: HashMap::new(),
        }
    }
}

struct LegacyPages<'a, 's> {
    base: &'a BaseUrl,
    filters: &'a crate::query::ObservationFilters,
    windows: Vec<LegacyWindow>,
    sink: &'s mut dyn FnMut(&ObservationRow<'_>),
}

impl Pages for LegacyPages<'_, '_> {
    fn bucket(&self) -> Bucket {
        Bucket::Legacy
    }

    fn windows(&self) -> Vec<TimeRange> {
        self.windows.iter().map(|w| w.range).collect()
    }

    fn url(&self, window: usize) -> String {
        let Some(w) = self.windows.get(window) else {
            return self.base.api("observations");
        };
        match w.phase {
            LegacyPhase::Traces { page } => LegacyTracesQuery::for_observation_window(
                w.range,
                self.filters.environments.clone(),
            )
            .url(self.base, page),
            LegacyPhase::Observations { page } => LegacyObservationsQuery {
                range: w.range,
                filters: self.filters.clone(),
            }
            .url(self.base, page),
        }
    }

    fn accept(
        &mut self,
        window: usize,
        page: u32,
        body: &[u8],
        oldest_ms: &mut Option<i64>,
    ) -> Result<Accepted, DecodeError> {
        let Some(w) = self.windows.get_mut(window) else {
            return Ok(Accepted {
                rows: 0,
                skipped: Vec::new(),
                bytes: 0,
                finished: true,
            });
        };
        match w.phase {
            LegacyPhase::Traces { page: trace_page } => {
                let (traces, meta) = decode::legacy_traces_page(body)?;
                let rows = u32::try_from(traces.len()).unwrap_or(u32::MAX);
                for trace in traces {
                    w.traces.insert(trace.id.clone(), trace);
                }
                w.phase = if has_next_page(trace_page, meta.total_pages, rows) {
                    LegacyPhase::Traces {
                        page: trace_page.saturating_add(1),
                    }
                } else {
                    LegacyPhase::Observations { page: 1 }
                };
                // Trace pages deliver no rows; they only count as progress in bytes and pages.
                Ok(Accepted {
                    rows: 0,
                    skipped: Vec::new(),
                    bytes: body.len(),
                    finished: false,
                })
            }
            LegacyPhase::Observations { page: obs_page } => {
                let traces = &w.traces;
                let sink = &mut *self.sink;
                let filters = self.filters;
                let summary = decode::legacy_observations_page(
                    body,
                    page,
                    |trace_id: &str| traces.get(trace_id).map(TraceContextOwned::context),
                    |row: &ObservationRow<'_>| {
                        lower(oldest_ms, row.start_time_ms);
                        // v1 cannot filter on trace context server-side; apply those filters here.
                        if legacy_row_matches(filters, row) {
                            sink(row);
                        }
                    },
                )?;
                let meta = decode::page_meta(body)?;
                let finished = !has_next_page(obs_page, meta.total_pages, summary.rows);
                if !finished {
                    w.phase = LegacyPhase::Observations {
                        page: obs_page.saturating_add(1),
                    };
                }
                Ok(Accepted {
                    rows: summary.rows,
                    skipped: summary.skipped,
                    bytes: summary.bytes,
                    finished,
                })
            }
        }
    }
}

/// The filters v1 cannot apply server-side (several values of a column, trace-context columns, model).
fn legacy_row_matches(
    filters: &crate::query::ObservationFilters,
    row: &ObservationRow<'_>,
) -> bool {
    fn any_of(values: &[String], value: Option<&str>) -> bool {
        values.is_empty() || value.is_some_and(|v| values.iter().any(|x| x == v))
    }
    let tags_ok = filters.tags.is_empty()
        || match filters.tag_match {
            crate::query::TagMatch::AnyOf => {
                filters.tags.iter().any(|t| row.tags.contains(&t.as_str()))
            }
            crate::query::TagMatch::AllOf => {
                filters.tags.iter().all(|t| row.tags.contains(&t.as_str()))
            }
        };
    tags_ok
        && (filters.types.is_empty() || filters.types.contains(&row.observation_type))
        && (filters.levels.is_empty() || filters.levels.contains(&row.level))
        && any_of(&filters.environments, row.environment)
        && any_of(&filters.user_ids, row.user_id)
        && any_of(&filters.session_ids, row.session_id)
        && any_of(&filters.trace_names, row.trace_name)
        && any_of(&filters.models, row.model)
        && any_of(&filters.releases, row.release)
        && any_of(&filters.versions, row.version)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_caps_and_jitters_within_half() {
        let p = RetryPolicy::default();
        assert_eq!(p.backoff_ms(1, 0.0), 250);
        assert_eq!(p.backoff_ms(1, 0.999_999), 499);
        assert_eq!(p.backoff_ms(2, 0.0), 500);
        assert_eq!(p.backoff_ms(3, 0.0), 1000);
        assert_eq!(p.backoff_ms(20, 0.0), 15_000);
        assert_eq!(p.backoff_ms(200, 1.0), 30_000);
        assert_eq!(p.backoff_ms(1, f64::NAN), 375);
    }

    #[test]
    fn pacer_keeps_n_per_sliding_minute() {
        let mut pacer = Pacer::new(Some(3));
        let starts: Vec<i64> = (0..7).map(|_| pacer.reserve(0, 0)).collect();
        assert_eq!(starts, [0, 0, 0, 60_000, 60_000, 60_000, 120_000]);
        assert_eq!(pacer.left_now(0), Some(0));
        // Any 60 s interval holds at most 3 starts.
        for (i, t) in starts.iter().enumerate() {
            let in_window = starts
                .iter()
                .filter(|s| **s >= *t && **s < t + 60_000)
                .count();
            assert!(in_window <= 3, "at {i}");
        }
    }

    #[test]
    fn pacer_pauses_and_respects_not_before() {
        let mut pacer = Pacer::new(None);
        assert_eq!(pacer.reserve(100, 0), 100);
        assert_eq!(pacer.reserve(100, 5_000), 5_000);
        pacer.pause_until(20_000);
        assert_eq!(pacer.reserve(6_000, 0), 20_000);
        assert_eq!(pacer.left_now(6_000), None);
        let mut limited = Pacer::new(Some(10));
        limited.pause_until(1_000);
        assert_eq!(limited.left_now(0), Some(0));
        assert_eq!(limited.left_now(2_000), Some(10));
    }

    #[test]
    fn page_based_lists_end_at_total_pages_or_an_empty_page() {
        assert!(has_next_page(1, Some(3), 100));
        assert!(!has_next_page(3, Some(3), 100));
        assert!(!has_next_page(1, Some(0), 0));
        assert!(has_next_page(4, None, 1));
        assert!(!has_next_page(4, None, 0));
    }

    /// Answers every first page with a cursor (cut short on the very first request) and every later page
    /// without one, on a clock that never has to wait.
    struct TwoPages {
        calls: RefCell<u32>,
    }

    const FIRST: &str = r#"{"data":[{"id":"a","traceId":"t","startTime":"2026-01-01T00:00:02.000Z"},{"id":"b","traceId":"t","startTime":"2026-01-01T00:00:01.000Z"}],"meta":{"cursor":"c1"}}"#;
    const SECOND: &str =
        r#"{"data":[{"id":"c","traceId":"t","startTime":"2026-01-01T00:00:00.000Z"}],"meta":{}}"#;

    impl Transport for TwoPages {
        fn get(
            &self,
            url: &str,
            _headers: &[(&str, &str)],
            _cancel: &CancelToken,
        ) -> impl Future<Output = Result<HttpResponse, TransportError>> {
            let call = {
                let mut calls = self.calls.borrow_mut();
                *calls += 1;
                *calls
            };
            let body = match (url.contains("cursor="), call) {
                (false, 1) => &FIRST.as_bytes()[..FIRST.len() / 2],
                (false, _) => FIRST.as_bytes(),
                (true, _) => SECOND.as_bytes(),
            };
            let response = HttpResponse {
                status: 200,
                body: body.to_vec(),
            };
            async move { Ok(response) }
        }

        async fn sleep_ms(&self, _ms: u64) {}

        fn now_ms(&self) -> i64 {
            0
        }

        fn jitter(&self) -> f64 {
            0.0
        }
    }

    #[test]
    fn accepted_pages_are_handed_over_whole_and_a_cut_body_is_not() {
        let connection = crate::hosts::Connection::new(
            BaseUrl::parse("http://127.0.0.1:1").unwrap(),
            crate::hosts::Credentials::new("pk-lf-1", "sk-lf-1"),
        );
        let transport = TwoPages {
            calls: RefCell::new(0),
        };
        let scheduler = Scheduler::new(
            Client::new(transport, connection),
            SchedulerConfig::default(),
        );
        let range = TimeRange::new(1_767_225_600_000, 1_767_225_660_000);
        let job = ObservationsJob {
            query: ObservationsQuery::analytics(range, Default::default()),
            windows: vec![range],
            expected_rows: None,
        };
        let (mut ids, mut bodies) = (Vec::new(), Vec::new());
        let report = futures::executor::block_on(scheduler.fetch_observations_with_pages(
            &job,
            &CancelToken::new(),
            &mut |row| ids.push(row.id.to_owned()),
            &mut |body| bodies.push(body.to_vec()),
            &mut |_| {},
        ))
        .unwrap();
        assert_eq!(bodies, [FIRST.as_bytes(), SECOND.as_bytes()]);
        assert_eq!(report.completed_windows, [range]);
        assert_eq!(report.progress.retries, 1, "the cut body was asked again");
        ids.sort();
        ids.dedup();
        assert_eq!(ids, ["a", "b", "c"]);
    }

    /// Answers `/models` with two pages.
    struct TwoModelPages;

    const MODELS_1: &str = r#"{"data":[{"id":"m1","modelName":"a","matchPattern":"(?i)^a$","prices":{}}],"meta":{"page":1,"limit":1,"totalItems":2,"totalPages":2}}"#;
    const MODELS_2: &str = r#"{"data":[{"id":"m2","modelName":"b","matchPattern":"(?i)^b$","prices":{}}],"meta":{"page":2,"limit":1,"totalItems":2,"totalPages":2}}"#;

    impl Transport for TwoModelPages {
        async fn get(
            &self,
            url: &str,
            _headers: &[(&str, &str)],
            _cancel: &CancelToken,
        ) -> Result<HttpResponse, TransportError> {
            let body = if url.contains("page=2") {
                MODELS_2
            } else {
                MODELS_1
            };
            Ok(HttpResponse {
                status: 200,
                body: body.as_bytes().to_vec(),
            })
        }

        async fn sleep_ms(&self, _ms: u64) {}

        fn now_ms(&self) -> i64 {
            0
        }

        fn jitter(&self) -> f64 {
            0.0
        }
    }

    #[test]
    fn models_pages_are_handed_over_in_order() {
        let connection = crate::hosts::Connection::new(
            BaseUrl::parse("http://127.0.0.1:1").unwrap(),
            crate::hosts::Credentials::new("pk-lf-1", "sk-lf-1"),
        );
        let scheduler = Scheduler::new(
            Client::new(TwoModelPages, connection),
            SchedulerConfig::default(),
        );
        let mut bodies = Vec::new();
        let (models, _) = futures::executor::block_on(scheduler.fetch_models_with_pages(
            &CancelToken::new(),
            &mut |body| bodies.push(body.to_vec()),
            &mut |_| {},
        ))
        .unwrap();
        assert_eq!(bodies, [MODELS_1.as_bytes(), MODELS_2.as_bytes()]);
        let ids: Vec<_> = models.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["m1", "m2"]);
    }

    #[test]
    fn legacy_rows_are_filtered_on_trace_context() {
        let tags = ["beta"];
        let mut row = ObservationRow::new("o", "t", 0);
        row.tags = &tags;
        row.trace_name = Some("checkout");
        let mut f = crate::query::ObservationFilters::default();
        assert!(legacy_row_matches(&f, &row));
        f.trace_names = vec!["checkout".into()];
        f.tags = vec!["beta".into(), "gamma".into()];
        assert!(legacy_row_matches(&f, &row));
        f.tag_match = crate::query::TagMatch::AllOf;
        assert!(!legacy_row_matches(&f, &row));
        f.tags.clear();
        f.models = vec!["gpt-4o".into()];
        assert!(!legacy_row_matches(&f, &row));
    }
}
