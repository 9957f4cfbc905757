//! The async flows of the live connection, as plain functions outside components: test, connect (keys
//! kept as asked, cache read into a new store, then a refresh), refresh (count, verdict, fetch with
//! progress and cancel, cache and coverage updated), server-side figures, clearing a cache, disconnecting.
//! They talk to the UI only through the contexts in [`Ctxs`].
//!
//! Rows are never thrown away: a fetch upserts into the loaded store page by page, so a cancel or an error
//! keeps what arrived; only the windows fetched to their end are recorded as covered.
//!
//! Scores: once the observations of a refresh are in, the scores of the same windows (by score timestamp)
//! are fetched through the same scheduler (same budget and pacing, same cancel token), upserted by id and
//! kept as scores lines beside the pages. A window counts as covered only when its observations and its
//! scores both arrived, so a refresh after a failed scores fetch asks for them again. A scores fetch that
//! fails keeps every observation and says why; an instance without `/api/public/v3/scores` (404, e.g. a
//! self-hosted Langfuse v3: the scheduler has no v1 fallback for scores) is noted once per session as
//! having no scores, and its windows count as covered by their observations alone.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use leptos::prelude::*;
use loupe_core::{ObservationRow, ScoreRow, Store};
use loupe_langfuse::plan::{
    DEFAULT_REFRESH_OVERLAP_MS, DEFAULT_REQUEST_MS, SizeLimits, assess_fetch, plan_refresh,
};
use loupe_langfuse::{
    ApiError, CancelToken, Client, Connection, ConnectionInfo, FetchReport, ObservationFilters,
    ObservationsJob, ObservationsQuery, Progress, TimeRange,
};

use super::budget;
use super::fetch_plan::{
    covered_windows, estimate_from_cache, granularity_for, hull, narrower_range, requested_range,
    split_windows,
};
use super::form::ConnectSettings;
use super::net::{Net, now_ms};
use super::saved::{self, SavedConnection};
use super::session::{ConnectionCtx, FetchCtx, FetchState, FetchSummary, Op, ServerView, Session};
use crate::connect::progress::bytes;
use crate::state::{DataCtx, LoadStatus, Provenance, Source};
use crate::storage::blobs::{bytes_of, line_blob, models_line_blob, text_blob};
use crate::storage::cache::{Cache, next_sequence};
use crate::storage::meta::CacheKey;
use crate::storage::score_lines::ScoreLines;
use crate::storage::snapshot::{Replay, ScoreSink};
use crate::url;

/// The contexts the flows update.
#[derive(Clone, Copy)]
pub struct Ctxs {
    pub data: DataCtx,
    pub conn: ConnectionCtx,
    pub fetch: FetchCtx,
}

impl Ctxs {
    /// The contexts provided by the app.
    pub fn expect() -> Self {
        Self {
            data: DataCtx::expect(),
            conn: ConnectionCtx::expect(),
            fetch: FetchCtx::expect(),
        }
    }
}

/// "Test connection": health, project, read path (see `Client::test_connection`).
pub async fn test_connection(settings: &ConnectSettings) -> Result<ConnectionInfo, ApiError> {
    let client = Client::new(
        Net::default(),
        Connection::new(settings.base_url.clone(), settings.credentials.clone()),
    );
    client.test_connection(&CancelToken::new()).await
}

/// Makes a tested connection the live one: keeps the keys as asked, shows the cached data at once, then
/// fetches what is not cached for the URL's range.
pub async fn connect(
    settings: ConnectSettings,
    info: ConnectionInfo,
    ctx: Ctxs,
    range: url::TimeRange,
) {
    saved::save(&SavedConnection::new(&settings, &info));
    let session = Rc::new(Session::new(settings, info));
    ctx.conn.set_session(Some(session.clone()));
    ctx.fetch.server.set(None);
    let op = ctx.fetch.begin();
    open_cache(&session, ctx, &op).await;
    if ctx.fetch.is_current(&op) {
        refresh(ctx, range).await;
    }
}

/// Reconnects with the connection kept in this tab or on this device, if any (no new test: its outcome was
/// kept with it). Returns whether there was one.
pub fn restore(ctx: Ctxs, range: url::TimeRange) -> bool {
    let Some(stored) = saved::load() else {
        return false;
    };
    let Some((settings, info)) = stored.restore() else {
        saved::forget();
        return false;
    };
    ctx.data.status.set(LoadStatus::Loading(format!(
        "Opening {}…",
        info.project_name
            .as_deref()
            .unwrap_or("the Langfuse project")
    )));
    leptos::task::spawn_local(connect(settings, info, ctx, range));
    true
}

/// Stops fetching, forgets the keys (this tab and this device) and drops the connection. The loaded rows
/// and the cache stay.
pub fn disconnect(ctx: Ctxs) {
    ctx.fetch.cancel();
    saved::forget();
    ctx.conn.set_session(None);
    ctx.conn.outcome.set(None);
    ctx.fetch.state.set(FetchState::Idle);
    ctx.fetch.server.set(None);
}

fn source_of(session: &Session) -> Source {
    Source::Langfuse {
        project: session.project_name(),
        host: session.settings.base_url.as_str().to_owned(),
    }
}

/// How long a cached models list is used before it is fetched again.
const MODELS_MAX_AGE_MS: i64 = 24 * 3_600_000;

/// Reads the project's cache into a new store and shows it (an empty store when nothing is cached).
async fn open_cache(session: &Session, ctx: Ctxs, op: &Op) {
    ctx.fetch.report(op, FetchState::ReadingCache);
    let now = now_ms();
    if session.is_legacy() {
        ctx.data.replace(
            Store::new(),
            source_of(session),
            Provenance::None,
            Some(now),
        );
        return;
    }
    let cache = match Cache::open().await {
        Ok(cache) => Some(cache),
        Err(problem) => {
            ctx.fetch.cache_problem.set(Some(problem.to_string()));
            None
        }
    };
    let mut replay = Replay::new();
    let mut kept = Vec::new();
    if let Some(cache) = &cache {
        match cache.meta(&session.cache_key).await {
            Ok(Some(mut meta)) => {
                let pages = cache.pages(&session.cache_key).await.unwrap_or_default();
                let mut stored_bytes = 0_u64;
                for (index, page) in pages.into_iter().enumerate() {
                    let Ok(body) = bytes_of(&page).await else {
                        continue;
                    };
                    // A stored page that no longer reads is left out (rows before a cut are kept).
                    if replay.line(&body, u32::try_from(index + 1).unwrap_or(u32::MAX)) {
                        stored_bytes += body.len() as u64;
                        kept.push(page);
                    }
                }
                meta.bytes = stored_bytes;
                meta.pages = kept.len() as u64;
                // Prices change rarely: a models list fetched within a day is used as it is.
                let fresh = now - meta.models_fetched_at_ms < MODELS_MAX_AGE_MS;
                session.models_fetched.set(fresh);
                *session.meta.borrow_mut() = meta;
            }
            Ok(None) => {}
            Err(problem) => ctx.fetch.cache_problem.set(Some(problem.to_string())),
        }
    }
    let (store, _, _, _) = replay.finish();
    {
        let mut meta = session.meta.borrow_mut();
        meta.rows = store.len() as u64;
        meta.scores = store.score_count() as u64;
    }
    *session.cache.borrow_mut() = cache;
    list_caches(ctx).await;
    if ctx.fetch.is_current(op) {
        ctx.data.replace(
            store,
            source_of(session),
            Provenance::Lines(kept),
            Some(now),
        );
    }
}

/// Refreshes the list of caches the cache panel shows.
pub async fn list_caches(ctx: Ctxs) {
    let cache = match ctx.conn.session().and_then(|s| s.cache.borrow().clone()) {
        Some(cache) => Ok(cache),
        None => Cache::open().await,
    };
    match cache {
        Ok(cache) => match cache.all_meta().await {
            Ok(all) => ctx.fetch.caches.set(all),
            Err(problem) => ctx.fetch.cache_problem.set(Some(problem.to_string())),
        },
        Err(problem) => ctx.fetch.cache_problem.set(Some(problem.to_string())),
    }
}

/// Deletes one cache. Loaded rows stay; the live project's next refresh fetches its whole range again.
pub async fn clear_cache(ctx: Ctxs, key: CacheKey) {
    let cache = match ctx.conn.session().and_then(|s| s.cache.borrow().clone()) {
        Some(cache) => Ok(cache),
        None => Cache::open().await,
    };
    match cache {
        Ok(cache) => {
            if let Err(problem) = cache.clear(&key).await {
                ctx.fetch.cache_problem.set(Some(problem.to_string()));
            }
        }
        Err(problem) => ctx.fetch.cache_problem.set(Some(problem.to_string())),
    }
    if let Some(session) = ctx.conn.session()
        && session.cache_key == key
    {
        *session.meta.borrow_mut() =
            crate::storage::meta::CacheMeta::new(&key, &session.settings.base_url, &session.info);
        // The models pages went with the cache: fetch them again so the next visit has them.
        session.models_fetched.set(false);
    }
    list_caches(ctx).await;
}

/// The rows and figures of a fetch report, in one sentence.
fn summary_of(progress: &Progress, text: String) -> FetchSummary {
    FetchSummary {
        rows: progress.rows,
        pages: progress.pages,
        bytes: progress.bytes,
        requests: progress.requests,
        rate_limited: progress.rate_limited,
        elapsed_ms: progress.elapsed_ms,
        text,
        scores: 0,
        scores_note: None,
    }
}

/// Fetches what the cache lacks of the URL's range (everything when nothing is cached, else the uncovered
/// time plus the last 15 minutes before the previous fetch), after checking the size with the metrics API.
pub async fn refresh(ctx: Ctxs, range: url::TimeRange) {
    let Some(session) = ctx.conn.session() else {
        return;
    };
    // The loaded data may be another source's (an opened file): show the project's cache again first.
    if ctx.data.source.get_untracked() != source_of(&session) {
        let op = ctx.fetch.begin();
        open_cache(&session, ctx, &op).await;
        if !ctx.fetch.is_current(&op) {
            return;
        }
    }
    let op = ctx.fetch.begin();
    ctx.fetch.server.set(None);
    let started_ms = now_ms();
    let requested = requested_range(range, started_ms);
    let planned = if session.is_legacy() {
        let clipped = TimeRange::new(requested.from_ms, requested.to_ms.min(started_ms));
        if clipped.is_empty() {
            Vec::new()
        } else {
            vec![clipped]
        }
    } else {
        let coverage = session.meta.borrow().coverage();
        plan_refresh(&coverage, requested, started_ms, DEFAULT_REFRESH_OVERLAP_MS)
    };
    ctx.data.live_end_ms.set(Some(started_ms));
    let Some(span) = hull(&planned) else {
        let text = "Up to date: this range is already cached.".to_owned();
        ctx.fetch.report(
            &op,
            FetchState::Done(summary_of(&Progress::default(), text)),
        );
        return;
    };
    let config = *session.scheduler.config();
    let limits = SizeLimits {
        max_rows: session.settings.max_rows,
        ..SizeLimits::default()
    };
    let estimate = estimate_from_cache(&session.meta.borrow(), &planned);
    let expected_rows = match estimate {
        Some(rows) => Some(rows),
        None => {
            ctx.fetch.report(&op, FetchState::Counting);
            match count_rows(&session, span, &op.token).await {
                Ok(rows) => {
                    let verdict = assess_fetch(
                        rows,
                        config.max_in_flight,
                        DEFAULT_REQUEST_MS,
                        &config.budget,
                        &limits,
                    );
                    if let Err(too_large) = verdict {
                        let narrower_minutes = narrower_range(
                            span,
                            rows,
                            config.max_in_flight,
                            DEFAULT_REQUEST_MS,
                            &config.budget,
                            &limits,
                        );
                        ctx.fetch.report(
                            &op,
                            FetchState::TooLarge {
                                message: too_large.to_string(),
                                requested: span,
                                narrower_minutes,
                                server_note: None,
                            },
                        );
                        return;
                    }
                    Some(rows)
                }
                Err(error) => {
                    if let Some(stop) = stop_state(&error, &Progress::default()) {
                        ctx.fetch.report(&op, stop);
                        return;
                    }
                    // No count (no metrics API, or its budget is spent): fetch without an estimate.
                    None
                }
            }
        }
    };
    let keeper = PageKeeper::new(session.as_ref());
    if !session.models_fetched.get() {
        let mut on_page = |body: &[u8]| keeper.keep(ctx, models_line_blob(body), body.len());
        let fetched = session
            .scheduler
            .fetch_models_with_pages(&op.token, &mut on_page, &mut |_| {})
            .await;
        match fetched {
            Ok((models, _)) => {
                session.models_fetched.set(true);
                session.meta.borrow_mut().models_fetched_at_ms = started_ms;
                ctx.data.store.update(|store| store.set_models(models));
            }
            Err(failure) => {
                if let Some(stop) = stop_state(&failure.error, &failure.report.progress) {
                    ctx.fetch.report(&op, stop);
                    return;
                }
                // Costs Langfuse computed stay; estimates for the rest wait for the next fetch.
            }
        }
    }
    let job = ObservationsJob {
        // Metadata too (values over 200 characters come truncated, which keys such as a tenant never
        // are): filters and breakdowns by a metadata key work on live data as on the demo and snapshots.
        query: ObservationsQuery::analytics(span, ObservationFilters::default())
            .with_metadata(Vec::new()),
        windows: split_windows(&planned, expected_rows, config.max_in_flight),
        expected_rows,
    };
    ctx.fetch.report(
        &op,
        FetchState::Running {
            progress: Progress::default(),
            expected_rows,
        },
    );
    let (report, error) = run_fetch(&session, ctx, &op, &job, &keeper).await;
    // Scores only after a complete observation fetch: a cancel or an error ends the whole fetch.
    let scores = if error.is_some() {
        ScoresRun::NotAsked
    } else if session.scores_unavailable.get() {
        ScoresRun::Unavailable
    } else {
        run_scores(&session, ctx, &op, &job.windows, &keeper).await
    };
    let cache_problem = keeper.problem.borrow().clone();
    let outcome = FetchOutcome {
        report,
        error,
        scores,
    };
    finish(&session, ctx, &op, started_ms, outcome, cache_problem).await;
}

/// What a stopping error turns the panel into (`None` for errors a fetch can go on without).
fn stop_state(error: &ApiError, progress: &Progress) -> Option<FetchState> {
    match error {
        ApiError::Cancelled => Some(FetchState::Cancelled(summary_of(
            progress,
            "Cancelled before any row was fetched.".to_owned(),
        ))),
        e if e.is_auth() => Some(FetchState::Failed {
            message: e.to_string(),
            summary: summary_of(progress, String::new()),
        }),
        _ => None,
    }
}

async fn count_rows(
    session: &Session,
    span: TimeRange,
    cancel: &CancelToken,
) -> Result<u64, ApiError> {
    let mut metrics = session.metrics.borrow().clone();
    let counted = session
        .scheduler
        .client()
        .count_observations(span, &ObservationFilters::default(), &mut metrics, cancel)
        .await;
    budget::save(session.settings.base_url.as_str(), &metrics);
    *session.metrics.borrow_mut() = metrics;
    counted
}

/// Keeps fetched pages (as data lines) for snapshots and in the cache.
struct PageKeeper<'s> {
    session: &'s Session,
    cache: Option<Cache>,
    /// The first failure to store a page.
    problem: Rc<RefCell<Option<String>>>,
}

impl<'s> PageKeeper<'s> {
    fn new(session: &'s Session) -> Self {
        Self {
            session,
            cache: session.cache.borrow().clone(),
            problem: Rc::new(RefCell::new(None)),
        }
    }

    /// Keeps one line (`body_len` bytes of response): in the snapshot list, and in the cache (written in
    /// the background, in arrival order by sequence number).
    fn keep(&self, ctx: Ctxs, line: Result<web_sys::Blob, String>, body_len: usize) {
        let Ok(line) = line else { return };
        ctx.data.provenance.update_value(|p| p.push(line.clone()));
        {
            let mut meta = self.session.meta.borrow_mut();
            meta.pages += 1;
            meta.bytes += body_len as u64;
        }
        let Some(cache) = self.cache.clone() else {
            return;
        };
        let counter = self.session.pages_stored.get();
        self.session.pages_stored.set(counter.wrapping_add(1));
        let sequence = next_sequence(now_ms(), counter);
        let key = self.session.cache_key.clone();
        let problem = self.problem.clone();
        leptos::task::spawn_local(async move {
            if let Err(e) = cache.put_page(&key, sequence, &line).await {
                problem.borrow_mut().get_or_insert(e.to_string());
            }
        });
    }
}

/// Redraws the overview with the rows fetched so far a few times a second, not after every page, and
/// always once after the last page of a burst (a 429 pause may follow it).
struct Redraw {
    data: DataCtx,
    last_ms: Cell<i64>,
    pending: Rc<Cell<bool>>,
}

impl Redraw {
    const EVERY_MS: i64 = 300;

    fn new(data: DataCtx) -> Self {
        Self {
            data,
            last_ms: Cell::new(0),
            pending: Rc::new(Cell::new(false)),
        }
    }

    fn request(&self) {
        let now = now_ms();
        if now - self.last_ms.get() >= Self::EVERY_MS {
            self.last_ms.set(now);
            self.data.store.notify();
        } else if !self.pending.replace(true) {
            let (store, pending) = (self.data.store, self.pending.clone());
            set_timeout(
                move || {
                    pending.set(false);
                    store.notify();
                },
                std::time::Duration::from_millis(Self::EVERY_MS as u64),
            );
        }
    }
}

/// Runs the scheduler: rows into the loaded store, pages to the keeper, progress into the panel.
async fn run_fetch(
    session: &Session,
    ctx: Ctxs,
    op: &Op,
    job: &ObservationsJob,
    keeper: &PageKeeper<'_>,
) -> (FetchReport, Option<ApiError>) {
    let expected_rows = job.expected_rows;
    let mut sink = |row: &ObservationRow<'_>| {
        ctx.data.store.update_untracked(|store| {
            store.upsert(row);
        });
    };
    let mut on_page = |body: &[u8]| keeper.keep(ctx, line_blob(body), body.len());
    let redraw = Redraw::new(ctx.data);
    let mut on_progress = |progress: &Progress| {
        redraw.request();
        ctx.fetch.report(
            op,
            FetchState::Running {
                progress: progress.clone(),
                expected_rows,
            },
        );
    };
    let scheduler = &session.scheduler;
    let result = if session.is_legacy() {
        scheduler
            .fetch_observations_legacy(job, &op.token, &mut sink, &mut on_progress)
            .await
    } else {
        scheduler
            .fetch_observations_with_pages(
                job,
                &op.token,
                &mut sink,
                &mut on_page,
                &mut on_progress,
            )
            .await
    };
    ctx.data.store.notify();
    match result {
        Ok(report) => (report, None),
        Err(failure) => (failure.report, Some(failure.error)),
    }
}

/// How the scores part of a refresh went.
enum ScoresRun {
    /// Not fetched: the observations did not complete.
    NotAsked,
    /// The instance has no v3 scores (404, now or earlier in this session).
    Unavailable,
    /// Fetched; `error` is set when it stopped early (the scores before it are kept).
    Fetched {
        /// Scores received (a retried page may count some twice).
        scores: u64,
        completed_windows: Vec<TimeRange>,
        error: Option<ApiError>,
    },
}

/// What a refresh fetched.
struct FetchOutcome {
    /// The observations.
    report: FetchReport,
    error: Option<ApiError>,
    scores: ScoresRun,
}

/// Fetches the scores of `windows` (by score timestamp): scores into the loaded store, their lines to the
/// keeper (one line per page received), progress into the panel.
async fn run_scores(
    session: &Session,
    ctx: Ctxs,
    op: &Op,
    windows: &[TimeRange],
    keeper: &PageKeeper<'_>,
) -> ScoresRun {
    ctx.fetch.report(
        op,
        FetchState::FetchingScores {
            progress: Progress::default(),
        },
    );
    // The legacy path keeps no lines (no cache, no snapshots), so nothing is written for it.
    let keep_lines = !session.is_legacy();
    let lines = RefCell::new(ScoreLines::new());
    let sink: ScoreSink<'_> = &mut |row: &ScoreRow<'_>| {
        ctx.data
            .store
            .update_untracked(|store| store.add_score(row));
        if keep_lines {
            lines.borrow_mut().push(row);
        }
    };
    let flush = || {
        let line = lines.borrow_mut().take_line();
        if let Some(line) = line {
            keeper.keep(ctx, text_blob(&line), line.len());
        }
    };
    let redraw = Redraw::new(ctx.data);
    let mut on_progress = |progress: &Progress| {
        // Progress follows every page: the rows since the last call are that page's.
        flush();
        redraw.request();
        ctx.fetch.report(
            op,
            FetchState::FetchingScores {
                progress: progress.clone(),
            },
        );
    };
    let result = session
        .scheduler
        .fetch_scores(windows, &op.token, sink, &mut on_progress)
        .await;
    flush();
    ctx.data.store.notify();
    let (report, error) = match result {
        Ok(report) => (report, None),
        Err(failure) if matches!(failure.error, ApiError::NotFound { .. }) => {
            session.scores_unavailable.set(true);
            return ScoresRun::Unavailable;
        }
        Err(failure) => (failure.report, Some(failure.error)),
    };
    ScoresRun::Fetched {
        scores: report.progress.rows,
        completed_windows: report.completed_windows,
        error,
    }
}

/// Records coverage and the cache record, and tells the panel how the fetch ended.
async fn finish(
    session: &Session,
    ctx: Ctxs,
    op: &Op,
    started_ms: i64,
    outcome: FetchOutcome,
    cache_problem: Option<String>,
) {
    let FetchOutcome {
        report,
        error,
        scores,
    } = outcome;
    let (rows_loaded, scores_loaded) = ctx
        .data
        .store
        .with_untracked(|store| (store.len() as u64, store.score_count() as u64));
    let meta = {
        let mut meta = session.meta.borrow_mut();
        let mut coverage = meta.coverage();
        let scores_done: Option<&[TimeRange]> = match &scores {
            ScoresRun::NotAsked => Some(&[]),
            ScoresRun::Unavailable => None,
            ScoresRun::Fetched {
                completed_windows, ..
            } => Some(completed_windows),
        };
        for window in covered_windows(&report.completed_windows, scores_done) {
            coverage.record(window, started_ms);
        }
        meta.set_coverage(&coverage);
        meta.rows = rows_loaded;
        meta.scores = scores_loaded;
        meta.updated_at_ms = now_ms();
        meta.clone()
    };
    let cache = session.cache.borrow().clone();
    if let Some(cache) = cache
        && !session.is_legacy()
    {
        if let Err(problem) = cache.put_meta(&meta).await {
            ctx.fetch.cache_problem.set(Some(problem.to_string()));
        }
        list_caches(ctx).await;
    }
    if let Some(problem) = cache_problem {
        ctx.fetch.cache_problem.set(Some(problem));
    }
    let p = &report.progress;
    let fetched = format!(
        "{} rows in {} pages ({}) in {}",
        loupe_charts::format::count(p.rows),
        loupe_charts::format::count(p.pages),
        bytes(p.bytes),
        loupe_charts::format::duration_ms(p.elapsed_ms as f64)
    );
    let (scores_received, scores_error, scores_note) = match scores {
        ScoresRun::NotAsked => (0, None, None),
        ScoresRun::Unavailable => (
            0,
            None,
            Some(
                "Scores are unavailable on this instance (it has no /api/public/v3/scores); the \
                 Scores view stays empty."
                    .to_owned(),
            ),
        ),
        ScoresRun::Fetched { scores, error, .. } => (scores, error, None),
    };
    let with_scores = |text: String| FetchSummary {
        scores: scores_received,
        ..summary_of(p, text)
    };
    let scores_text = format!("{} scores", loupe_charts::format::count(scores_received));
    let state = match (error, scores_error) {
        (None, None) => {
            let text = if scores_note.is_some() {
                format!("Fetched {fetched}.")
            } else {
                format!("Fetched {fetched}, and {scores_text}.")
            };
            FetchState::Done(FetchSummary {
                scores_note,
                ..with_scores(text)
            })
        }
        (Some(ApiError::Cancelled), _) | (None, Some(ApiError::Cancelled)) => {
            FetchState::Cancelled(with_scores(format!(
                "Cancelled. The {fetched} and {scores_text} fetched before cancelling are kept."
            )))
        }
        (None, Some(e)) if e.is_auth() => FetchState::Failed {
            message: e.to_string(),
            summary: with_scores(format!(
                "The {fetched} and {scores_text} fetched before the error are kept."
            )),
        },
        // The observations are complete: the fetch is done, with a word on the missing scores.
        (None, Some(e)) => FetchState::Done(FetchSummary {
            scores_note: Some(format!(
                "Scores could not all be fetched ({e}); the observations are complete and kept, \
                 and the next refresh asks for the missing scores again."
            )),
            ..with_scores(format!("Fetched {fetched}, and {scores_text}."))
        }),
        (Some(e), _) => FetchState::Failed {
            message: e.to_string(),
            summary: with_scores(format!("The {fetched} fetched before the error are kept.")),
        },
    };
    ctx.fetch.report(op, state);
}

/// Asks the metrics API for the overview figures and series of the too-large range (three calls).
pub async fn server_figures(ctx: Ctxs) {
    let Some(session) = ctx.conn.session() else {
        return;
    };
    let FetchState::TooLarge {
        message,
        requested,
        narrower_minutes,
        ..
    } = ctx.fetch.state.get_untracked()
    else {
        return;
    };
    let op = ctx.fetch.begin();
    let note = |text: Option<String>| FetchState::TooLarge {
        message: message.clone(),
        requested,
        narrower_minutes,
        server_note: text,
    };
    ctx.fetch.report(
        &op,
        note(Some("Asking Langfuse for the figures…".to_owned())),
    );
    let client = session.scheduler.client();
    let filters = ObservationFilters::default();
    let mut metrics = session.metrics.borrow().clone();
    let (granularity, bucket_ms) = granularity_for(requested.duration_ms());
    let figures = client
        .overview_figures(requested, &filters, &mut metrics, &op.token)
        .await;
    let series = match &figures {
        Ok(_) => {
            client
                .series_figures(requested, &filters, granularity, &mut metrics, &op.token)
                .await
        }
        Err(e) => Err(e.clone()),
    };
    budget::save(session.settings.base_url.as_str(), &metrics);
    let calls = budget::calls_text(&metrics, now_ms());
    *session.metrics.borrow_mut() = metrics;
    match (figures, series) {
        (Ok(figures), Ok(series)) => {
            if ctx.fetch.is_current(&op) {
                ctx.fetch.server.set(Some(ServerView {
                    range: requested,
                    figures,
                    series,
                    bucket_ms,
                    calls,
                }));
            }
            ctx.fetch.report(&op, note(None));
        }
        (Err(e), _) | (_, Err(e)) => ctx.fetch.report(
            &op,
            note(Some(format!(
                "Langfuse's metrics API gave no figures: {e} ({calls})"
            ))),
        ),
    }
}
