//! The live connection and the state of its fetches, as two small contexts.
//!
//! [`Session`] is one connected project: its settings (keys inside, redacted when printed), the scheduler
//! (which keeps the rate pacing between fetches), the cache handle and record, and the metrics budget.
//! Components never see it; they read [`ConnectionCtx::live`] (names only) and [`FetchCtx::state`].

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use leptos::prelude::*;
use loupe_langfuse::metrics::{MetricsBudget, OverviewFigures, SeriesPoint};
use loupe_langfuse::{
    CancelToken, ConnectionInfo, Progress, ReadPath, Scheduler, SchedulerConfig, TimeRange,
};

use super::form::ConnectSettings;
use super::net::Net;
use super::outcome::OutcomeView;
use crate::storage::cache::Cache;
use crate::storage::meta::{CacheKey, CacheMeta};

/// One connected project.
pub struct Session {
    pub settings: ConnectSettings,
    pub info: ConnectionInfo,
    pub scheduler: Scheduler<Net>,
    pub cache_key: CacheKey,
    /// `None` until opened, or when this browser offers no IndexedDB.
    pub cache: RefCell<Option<Cache>>,
    /// The cache record (coverage, models, figures), kept in step with IndexedDB.
    pub meta: RefCell<CacheMeta>,
    pub metrics: RefCell<MetricsBudget>,
    /// Pages stored in this session (part of their sequence numbers).
    pub pages_stored: Cell<u32>,
    /// Whether the models list was fetched in this session.
    pub models_fetched: Cell<bool>,
    /// Whether this instance answered 404 to `/api/public/v3/scores` (not asked again in this session).
    pub scores_unavailable: Cell<bool>,
}

impl Session {
    /// A session for tested settings.
    pub fn new(settings: ConnectSettings, info: ConnectionInfo) -> Self {
        let connection = loupe_langfuse::Connection::new(
            settings.base_url.clone(),
            settings.credentials.clone(),
        );
        let config = SchedulerConfig {
            budget: settings.budget,
            ..SchedulerConfig::default()
        };
        let scheduler = Scheduler::new(
            loupe_langfuse::Client::new(Net::default(), connection),
            config,
        );
        let cache_key = CacheKey::new(&settings.base_url, &info);
        let meta = CacheMeta::new(&cache_key, &settings.base_url, &info);
        let metrics = super::budget::load(settings.base_url.as_str(), settings.budget.metrics);
        Self {
            settings,
            info,
            scheduler,
            cache_key,
            cache: RefCell::new(None),
            meta: RefCell::new(meta),
            metrics: RefCell::new(metrics),
            pages_stored: Cell::new(0),
            models_fetched: Cell::new(false),
            scores_unavailable: Cell::new(false),
        }
    }

    /// Whether rows come through the legacy routes (no page cache then).
    pub fn is_legacy(&self) -> bool {
        self.info.read_path == ReadPath::Legacy
    }

    /// The project's display name.
    pub fn project_name(&self) -> String {
        self.info
            .project_name
            .clone()
            .unwrap_or_else(|| "Langfuse project".to_owned())
    }

    /// What the UI may know about this session.
    pub fn summary(&self) -> LiveSummary {
        LiveSummary {
            host: self.settings.base_url.as_str().to_owned(),
            project: self.project_name(),
            plan: self.settings.plan.label().to_owned(),
            requests_per_minute: self.settings.budget.requests_per_minute,
            legacy: self.is_legacy(),
            remembered: self.settings.remember,
            cache_key: self.cache_key.as_str().to_owned(),
        }
    }
}

/// The connection as components show it (no keys).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveSummary {
    pub host: String,
    pub project: String,
    pub plan: String,
    pub requests_per_minute: Option<u32>,
    pub legacy: bool,
    pub remembered: bool,
    /// The project's cache (not a secret: host and project id).
    pub cache_key: String,
}

/// The connection in use and the connect panel's state. Not responsible for: fetching ([`FetchCtx`]) or
/// the loaded rows (`state::DataCtx`).
#[derive(Clone, Copy)]
pub struct ConnectionCtx {
    /// The connected project, if any.
    pub live: RwSignal<Option<LiveSummary>>,
    session: StoredValue<Option<Rc<Session>>, LocalStorage>,
    /// Whether the connect panel is open.
    pub panel_open: RwSignal<bool>,
    /// The last connection test's outcome.
    pub outcome: RwSignal<Option<OutcomeView>>,
    /// A test or connect is running.
    pub busy: RwSignal<bool>,
}

impl ConnectionCtx {
    /// Provides a disconnected context.
    pub fn provide() -> Self {
        let ctx = Self {
            live: RwSignal::new(None),
            session: StoredValue::new_local(None),
            panel_open: RwSignal::new(false),
            outcome: RwSignal::new(None),
            busy: RwSignal::new(false),
        };
        provide_context(ctx);
        ctx
    }

    /// The context provided by the app.
    pub fn expect() -> Self {
        expect_context::<Self>()
    }

    /// The live session (for the fetch flows).
    pub fn session(&self) -> Option<Rc<Session>> {
        self.session.with_value(Clone::clone)
    }

    /// Makes `session` the live one.
    pub fn set_session(&self, session: Option<Rc<Session>>) {
        self.live.set(session.as_ref().map(|s| s.summary()));
        self.session.set_value(session);
    }
}

/// What a fetch did, for the panel (and the `data-*` attributes tests read).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FetchSummary {
    pub rows: u64,
    pub pages: u64,
    pub bytes: u64,
    pub requests: u64,
    pub rate_limited: u64,
    pub elapsed_ms: i64,
    /// One sentence.
    pub text: String,
    /// Scores received by this fetch.
    pub scores: u64,
    /// Why scores are missing when the observations are complete (shown as a warning, not a failure).
    pub scores_note: Option<String>,
}

/// Server-side figures shown instead of rows for a range too large to fetch.
#[derive(Clone, Debug, PartialEq)]
pub struct ServerView {
    pub range: TimeRange,
    pub figures: OverviewFigures,
    pub series: Vec<SeriesPoint>,
    pub bucket_ms: i64,
    /// "3 metrics calls used, 97 left today".
    pub calls: String,
}

/// Where the fetch of the live project is.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum FetchState {
    #[default]
    Idle,
    /// Reading the local cache.
    ReadingCache,
    /// Asking Langfuse's metrics API how many rows the range holds.
    Counting,
    Running {
        progress: Progress,
        expected_rows: Option<u64>,
    },
    /// The observations are in; the scores of the same windows are being fetched.
    FetchingScores {
        progress: Progress,
    },
    /// The range is too large to fetch row by row.
    TooLarge {
        message: String,
        requested: TimeRange,
        /// A narrower picker range that fits (minutes).
        narrower_minutes: Option<u32>,
        /// Set while server-side figures load, or why they could not.
        server_note: Option<String>,
    },
    Done(FetchSummary),
    /// Cancelled by the user; the rows fetched so far are kept.
    Cancelled(FetchSummary),
    /// Stopped by an error; the rows fetched so far are kept.
    Failed {
        message: String,
        summary: FetchSummary,
    },
}

impl FetchState {
    /// The `data-state` value.
    pub fn slug(&self) -> &'static str {
        match self {
            FetchState::Idle => "idle",
            FetchState::ReadingCache => "reading-cache",
            FetchState::Counting => "counting",
            FetchState::Running { .. } | FetchState::FetchingScores { .. } => "running",
            FetchState::TooLarge { .. } => "too-large",
            FetchState::Done(_) => "done",
            FetchState::Cancelled(_) => "cancelled",
            FetchState::Failed { .. } => "failed",
        }
    }

    /// Whether a fetch is under way (the Cancel button shows).
    pub fn is_busy(&self) -> bool {
        matches!(
            self,
            FetchState::ReadingCache
                | FetchState::Counting
                | FetchState::Running { .. }
                | FetchState::FetchingScores { .. }
        )
    }
}

/// One user action on the live project (a fetch, server figures, reading the cache).
#[derive(Clone, Debug)]
pub struct Op {
    pub id: u64,
    pub token: CancelToken,
}

/// Fetch progress and outcomes, server-side figures, and what is cached. Not responsible for: the
/// connection ([`ConnectionCtx`]) or the rows themselves (`state::DataCtx`).
#[derive(Clone, Copy)]
pub struct FetchCtx {
    pub state: RwSignal<FetchState>,
    op: StoredValue<Option<Op>, LocalStorage>,
    /// Figures computed by Langfuse, shown by the overview while set.
    pub server: RwSignal<Option<ServerView>>,
    /// The caches on this device.
    pub caches: RwSignal<Vec<CacheMeta>>,
    /// Why the cache cannot be used, when it cannot.
    pub cache_problem: RwSignal<Option<String>>,
}

impl FetchCtx {
    /// Provides an idle context.
    pub fn provide() -> Self {
        let ctx = Self {
            state: RwSignal::new(FetchState::Idle),
            op: StoredValue::new_local(None),
            server: RwSignal::new(None),
            caches: RwSignal::new(Vec::new()),
            cache_problem: RwSignal::new(None),
        };
        provide_context(ctx);
        ctx
    }

    /// The context provided by the app.
    pub fn expect() -> Self {
        expect_context::<Self>()
    }

    /// Starts a new operation: cancels the running one (whose later state changes are then ignored) and
    /// returns the new one.
    pub fn begin(&self) -> Op {
        let previous = self.op.with_value(|old| old.clone());
        let id = previous.as_ref().map_or(1, |old| old.id + 1);
        if let Some(previous) = previous {
            previous.token.cancel();
        }
        let op = Op {
            id,
            token: CancelToken::new(),
        };
        self.op.set_value(Some(op.clone()));
        op
    }

    /// Whether `op` is still the latest operation.
    pub fn is_current(&self, op: &Op) -> bool {
        self.op
            .with_value(|current| current.as_ref().is_some_and(|c| c.id == op.id))
    }

    /// Sets the state on behalf of `op`, unless a newer operation replaced it.
    pub fn report(&self, op: &Op, state: FetchState) {
        if self.is_current(op) {
            self.state.set(state);
        }
    }

    /// Cancels the running operation (requests in flight are aborted; rows already fetched stay).
    pub fn cancel(&self) {
        self.op.with_value(|op| {
            if let Some(op) = op {
                op.token.cancel();
            }
        });
    }
}
