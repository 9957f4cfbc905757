//! The client and scheduler against the emulator (`loupe-emulator`, in process on a free port, real HTTP):
//! every row of a range arrives exactly once (compared with the emulator's own data) with and without a
//! rate limit, through injected 500s, truncated bodies and dropped connections; cancelling keeps what
//! arrived; 401/403 stop with the reason; the connection test; the Hobby figure for 100,000 observations.
//!
//! Tests that need the emulator's rate limit run on real time (its windows are wall-clock minutes), with
//! limits chosen so that each waits at most about one minute; the others run on a virtual clock.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

use loupe_core::ObservationRow;
use loupe_emulator::{Dataset, Emulator, EmulatorConfig, SynthConfig};
use loupe_langfuse::client::{Client, ReadPath};
use loupe_langfuse::error::{ApiError, ApiErrorKind};
use loupe_langfuse::hosts::{BaseUrl, Connection, Credentials};
use loupe_langfuse::plan::{self, PlanPreset};
use loupe_langfuse::query::{ObservationFilters, ObservationsQuery, TimeRange};
use loupe_langfuse::scheduler::{
    FetchFailure, FetchReport, ObservationsJob, Scheduler, SchedulerConfig,
};
use loupe_langfuse::transport::{CancelToken, Transport};
use support::native::NativeTransport;

fn dataset(observations: usize) -> Arc<Dataset> {
    static SMALL: OnceLock<Arc<Dataset>> = OnceLock::new();
    static LARGE: OnceLock<Arc<Dataset>> = OnceLock::new();
    let cell = if observations <= 20_000 {
        &SMALL
    } else {
        &LARGE
    };
    let data = cell.get_or_init(|| {
        Arc::new(Dataset::generate(&SynthConfig {
            observations,
            ..SynthConfig::default()
        }))
    });
    assert_eq!(data.len(), observations, "one dataset per size class");
    data.clone()
}

async fn start(config: EmulatorConfig, observations: usize) -> Emulator {
    loupe_emulator::serve_dataset(config, dataset(observations))
        .await
        .unwrap()
}

fn connection(emulator: &Emulator, secret: &str) -> Connection {
    Connection::new(
        BaseUrl::parse(&emulator.base_url()).unwrap(),
        Credentials::new(loupe_emulator::DEFAULT_PUBLIC_KEY, secret),
    )
}

/// The whole time range of the emulator's data.
fn full_range(data: &Dataset) -> TimeRange {
    let config = data.config();
    TimeRange::new(config.end_time_ms - config.span_ms, config.end_time_ms)
}

fn emulator_ids(data: &Dataset, range: TimeRange) -> HashSet<String> {
    data.rows()
        .filter(|r| r.start_ms() >= range.from_ms && r.start_ms() < range.to_ms)
        .map(|r| r.id())
        .collect()
}

struct Fetched {
    result: Result<FetchReport, FetchFailure>,
    delivered: Vec<String>,
}

impl Fetched {
    fn unique(&self) -> HashSet<String> {
        self.delivered.iter().cloned().collect()
    }
}

async fn fetch(
    scheduler: &Scheduler<NativeTransport>,
    job: &ObservationsJob,
    cancel: &CancelToken,
    cancel_after_rows: Option<usize>,
) -> Fetched {
    let mut delivered = Vec::new();
    let result = {
        let mut sink = |row: &ObservationRow<'_>| {
            delivered.push(row.id.to_owned());
            if cancel_after_rows.is_some_and(|n| delivered.len() >= n) {
                cancel.cancel();
            }
        };
        scheduler
            .fetch_observations(job, cancel, &mut sink, &mut |_| {})
            .await
    };
    Fetched { result, delivered }
}

fn analytics_job(range: TimeRange, windows: u32) -> ObservationsJob {
    ObservationsJob {
        query: ObservationsQuery::analytics(range, ObservationFilters::default()),
        windows: range.split(windows),
        expected_rows: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_20k_range_arrives_exactly_once() {
    let emulator = start(EmulatorConfig::default(), 20_000).await;
    let data = emulator.dataset().clone();
    let transport = NativeTransport::virtual_at(data.config().end_time_ms);
    let scheduler = Scheduler::new(
        Client::new(
            transport,
            connection(&emulator, loupe_emulator::DEFAULT_SECRET_KEY),
        ),
        SchedulerConfig::default(),
    );
    let range = full_range(&data);
    let out = fetch(
        &scheduler,
        &analytics_job(range, 4),
        &CancelToken::new(),
        None,
    )
    .await;
    let report = out.result.as_ref().unwrap();
    assert_eq!(out.unique(), emulator_ids(&data, range));
    assert_eq!(out.delivered.len(), data.len(), "no row delivered twice");
    assert_eq!(report.progress.rows, data.len() as u64);
    assert_eq!(report.skipped, [], "every emulator row decodes");
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partial_range_matches_the_emulators_rows_in_it() {
    let emulator = start(EmulatorConfig::default(), 20_000).await;
    let data = emulator.dataset().clone();
    let full = full_range(&data);
    // An odd sub-range: its edges cut through the data.
    let range = TimeRange::new(full.from_ms + 12_345_678, full.to_ms - 98_765_432);
    let transport = NativeTransport::virtual_at(data.config().end_time_ms);
    let scheduler = Scheduler::new(
        Client::new(
            transport,
            connection(&emulator, loupe_emulator::DEFAULT_SECRET_KEY),
        ),
        SchedulerConfig::default(),
    );
    let out = fetch(
        &scheduler,
        &analytics_job(range, 3),
        &CancelToken::new(),
        None,
    )
    .await;
    out.result.as_ref().unwrap();
    let expected = emulator_ids(&data, range);
    assert!(
        expected.len() > 10_000 && expected.len() < 20_000,
        "{}",
        expected.len()
    );
    assert_eq!(out.unique(), expected);
    assert_eq!(out.delivered.len(), expected.len());
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_500s_truncated_bodies_and_dropped_connections_lose_nothing() {
    let config = EmulatorConfig {
        fail_share: 0.15,
        truncate_share: 0.1,
        drop_share: 0.1,
        fault_seed: 7,
        ..EmulatorConfig::default()
    };
    let emulator = start(config, 20_000).await;
    let data = emulator.dataset().clone();
    let transport = NativeTransport::virtual_at(data.config().end_time_ms);
    let scheduler = Scheduler::new(
        Client::new(
            transport.clone(),
            connection(&emulator, loupe_emulator::DEFAULT_SECRET_KEY),
        ),
        SchedulerConfig::default(),
    );
    let range = full_range(&data);
    let out = fetch(
        &scheduler,
        &analytics_job(range, 4),
        &CancelToken::new(),
        None,
    )
    .await;
    let report = out.result.as_ref().unwrap();
    assert_eq!(out.unique(), emulator_ids(&data, range));
    assert!(
        report.progress.retries > 0,
        "faults were injected and retried"
    );
    assert_eq!(report.progress.requests, transport.requests.get());
    // Only a page cut short can hand rows over twice (up to the cut); the sink upserts by id.
    assert!(out.delivered.len() - out.unique().len() < 1000 * report.progress.retries as usize);
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_emulators_rate_limit_is_waited_out() {
    // 12 per minute and 20 pages: at most one wall-clock minute boundary to wait for.
    let config = EmulatorConfig {
        rate_limit_per_minute: Some(12),
        ..EmulatorConfig::default()
    };
    let emulator = start(config, 20_000).await;
    let data = emulator.dataset().clone();
    let scheduler = Scheduler::new(
        Client::new(
            NativeTransport::real(),
            connection(&emulator, loupe_emulator::DEFAULT_SECRET_KEY),
        ),
        SchedulerConfig::default(),
    );
    let range = full_range(&data);
    let out = fetch(
        &scheduler,
        &analytics_job(range, 2),
        &CancelToken::new(),
        None,
    )
    .await;
    let report = out.result.as_ref().unwrap();
    assert_eq!(out.unique(), emulator_ids(&data, range));
    assert_eq!(out.delivered.len(), data.len());
    assert!(
        report.progress.rate_limited > 0,
        "the scheduler ran into the limit and waited"
    );
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_budget_matching_the_limit_avoids_429s() {
    let config = EmulatorConfig {
        rate_limit_per_minute: Some(12),
        ..EmulatorConfig::default()
    };
    let emulator = start(config, 20_000).await;
    let data = emulator.dataset().clone();
    let budget = plan::RateBudget {
        requests_per_minute: Some(12),
        ..PlanPreset::Hobby.budget()
    };
    let scheduler = Scheduler::new(
        Client::new(
            NativeTransport::real(),
            connection(&emulator, loupe_emulator::DEFAULT_SECRET_KEY),
        ),
        SchedulerConfig {
            budget,
            ..SchedulerConfig::default()
        },
    );
    let range = full_range(&data);
    let out = fetch(
        &scheduler,
        &analytics_job(range, 2),
        &CancelToken::new(),
        None,
    )
    .await;
    let report = out.result.as_ref().unwrap();
    assert_eq!(out.unique(), emulator_ids(&data, range));
    assert_eq!(report.progress.rate_limited, 0);
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_keeps_the_rows_delivered_so_far() {
    let emulator = start(
        EmulatorConfig {
            slow_ms: 20,
            ..EmulatorConfig::default()
        },
        20_000,
    )
    .await;
    let data = emulator.dataset().clone();
    let transport = NativeTransport::virtual_at(data.config().end_time_ms);
    let scheduler = Scheduler::new(
        Client::new(
            transport.clone(),
            connection(&emulator, loupe_emulator::DEFAULT_SECRET_KEY),
        ),
        SchedulerConfig {
            max_in_flight: 2,
            ..SchedulerConfig::default()
        },
    );
    let cancel = CancelToken::new();
    let out = fetch(
        &scheduler,
        &analytics_job(full_range(&data), 2),
        &cancel,
        Some(5_000),
    )
    .await;
    let failure = out.result.as_ref().unwrap_err();
    assert_eq!(failure.error, ApiError::Cancelled);
    // Delivery stops with the page during which the token was cancelled.
    assert_eq!(out.delivered.len(), 5_000);
    assert_eq!(out.unique().len(), 5_000);
    assert!(
        out.unique()
            .is_subset(&emulator_ids(&data, full_range(&data)))
    );
    assert_eq!(failure.report.progress.rows, 5_000);
    let sent = transport.requests.get();
    assert!(sent <= 7, "requests stop with the cancel: {sent}");
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_keys_and_wrong_key_types_stop_with_the_reason() {
    let emulator = start(EmulatorConfig::default(), 20_000).await;
    let data = emulator.dataset().clone();
    let range = full_range(&data);

    let transport = NativeTransport::virtual_at(data.config().end_time_ms);
    let scheduler = Scheduler::new(
        Client::new(transport.clone(), connection(&emulator, "sk-lf-wrong")),
        SchedulerConfig::default(),
    );
    let out = fetch(
        &scheduler,
        &analytics_job(range, 4),
        &CancelToken::new(),
        None,
    )
    .await;
    let error = out.result.unwrap_err().error;
    assert_eq!(
        error,
        ApiError::Unauthorized {
            message: "Invalid credentials. Confirm that you've configured the correct host.".into()
        }
    );
    assert!(transport.requests.get() <= 4, "no retries after a 401");
    assert!(out.delivered.is_empty());

    let mut bearer = NativeTransport::virtual_at(data.config().end_time_ms);
    bearer.authorization_override = Some(format!("Bearer {}", loupe_emulator::DEFAULT_PUBLIC_KEY));
    let scheduler = Scheduler::new(
        Client::new(
            bearer,
            connection(&emulator, loupe_emulator::DEFAULT_SECRET_KEY),
        ),
        SchedulerConfig::default(),
    );
    let out = fetch(
        &scheduler,
        &analytics_job(range, 1),
        &CancelToken::new(),
        None,
    )
    .await;
    let error = out.result.unwrap_err().error;
    assert_eq!(error.kind(), ApiErrorKind::Forbidden);
    assert!(error.to_string().contains("Access denied"), "{error}");
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_connection_against_the_emulator() {
    let emulator = start(EmulatorConfig::default(), 20_000).await;
    let cancel = CancelToken::new();
    let client = Client::new(
        NativeTransport::real(),
        connection(&emulator, loupe_emulator::DEFAULT_SECRET_KEY),
    );
    let info = client.test_connection(&cancel).await.unwrap();
    assert_eq!(info.read_path, ReadPath::V4);
    assert!(info.project_name.is_some_and(|n| !n.is_empty()));
    assert!(info.server_version.is_some_and(|v| v.starts_with('4')));

    let wrong = Client::new(NativeTransport::real(), connection(&emulator, "sk-lf-nope"));
    assert_eq!(
        wrong.test_connection(&cancel).await.unwrap_err().kind(),
        ApiErrorKind::Unauthorized
    );
    let mut org = NativeTransport::real();
    org.authorization_override = Some(format!("Bearer {}", loupe_emulator::DEFAULT_PUBLIC_KEY));
    let forbidden = Client::new(
        org,
        connection(&emulator, loupe_emulator::DEFAULT_SECRET_KEY),
    );
    assert_eq!(
        forbidden.test_connection(&cancel).await.unwrap_err().kind(),
        ApiErrorKind::Forbidden
    );
    let addr = emulator.addr();
    emulator.shutdown().await;

    // Nothing listens there any more.
    let gone = Client::new(
        NativeTransport::real(),
        Connection::new(
            BaseUrl::parse(&format!("http://{addr}")).unwrap(),
            Credentials::new("pk", "sk"),
        ),
    );
    assert_eq!(
        gone.test_connection(&cancel).await.unwrap_err().kind(),
        ApiErrorKind::Unreachable
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hobby_figure_for_100k_observations() {
    let rows = 100_000usize;
    let emulator = start(EmulatorConfig::default(), rows).await;
    let data = emulator.dataset().clone();
    let transport = NativeTransport::virtual_at(data.config().end_time_ms);
    let config = SchedulerConfig::for_plan(PlanPreset::Hobby);
    let scheduler = Scheduler::new(
        Client::new(
            transport.clone(),
            connection(&emulator, loupe_emulator::DEFAULT_SECRET_KEY),
        ),
        config,
    );
    let range = full_range(&data);
    let job = ObservationsJob::split(
        ObservationsQuery::analytics(range, ObservationFilters::default()),
        Some(rows as u64),
        &config,
    );
    let estimate = plan::estimate_fetch(
        rows as u64,
        job.windows.len() as u32,
        config.max_in_flight,
        0,
        &config.budget,
    );
    let started = transport.now_ms();
    let out = fetch(&scheduler, &job, &CancelToken::new(), None).await;
    let report = out.result.as_ref().unwrap();
    assert_eq!(out.unique().len(), rows);
    let requests = report.progress.requests;
    let elapsed_ms = transport.now_ms() - started;
    assert!(
        requests <= estimate.requests,
        "{requests} > {}",
        estimate.requests
    );
    assert!(requests >= (rows / 1000) as u64);
    // On the virtual clock requests take no time: what remains is the pacing the planner models.
    assert_eq!(elapsed_ms, (requests as i64 - 1) / 30 * 60_000);
    assert!(elapsed_ms <= estimate.duration_ms);
    eprintln!(
        "Hobby, 100,000 observations from the emulator: {requests} requests in {} windows (planner: at most {}), \
         {:.2} min of rate-limit pacing (planner: {:.2} min + transfer)",
        job.windows.len(),
        estimate.requests,
        elapsed_ms as f64 / 60_000.0,
        estimate.minutes()
    );
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scores_and_models_match_the_emulators_data() {
    let emulator = start(EmulatorConfig::default(), 20_000).await;
    let data = emulator.dataset().clone();
    let transport = NativeTransport::virtual_at(data.config().end_time_ms);
    let scheduler = Scheduler::new(
        Client::new(
            transport,
            connection(&emulator, loupe_emulator::DEFAULT_SECRET_KEY),
        ),
        SchedulerConfig::default(),
    );
    let full = full_range(&data);
    // Scores may be given a little after their trace; take a day more.
    let range = TimeRange::new(full.from_ms, full.to_ms + 86_400_000);
    // (score id, trace id): the synthetic scores are all about a trace or one of its observations, and
    // the query asks for `fields=subject`, so every score must arrive with its trace id.
    let expected: HashSet<(String, String)> = (0..data.score_count())
        .filter_map(|i| data.score(i))
        .filter(|s| s.timestamp_ms() >= range.from_ms && s.timestamp_ms() < range.to_ms)
        .map(|s| (s.id(), s.trace_id()))
        .collect();
    assert!(!expected.is_empty());
    let mut ids = Vec::new();
    let report = scheduler
        .fetch_scores(
            &range.split(2),
            &CancelToken::new(),
            &mut |row| {
                ids.push((
                    row.id.to_owned(),
                    row.trace_id.unwrap_or_default().to_owned(),
                ));
            },
            &mut |_| {},
        )
        .await
        .unwrap();
    assert_eq!(ids.iter().cloned().collect::<HashSet<_>>(), expected);
    assert_eq!(ids.len(), expected.len());
    assert_eq!(report.skipped, []);
    let (models, _) = scheduler
        .fetch_models(&CancelToken::new(), &mut |_| {})
        .await
        .unwrap();
    assert_eq!(models.len(), data.models_json_items().len());
    assert!(models.iter().any(|m| m.model_name == "gpt-4o"));
    emulator.shutdown().await;
}

/// The fields both read paths must agree on, as text.
fn row_signature(row: &ObservationRow<'_>) -> String {
    let mut tags: Vec<&str> = row.tags.to_vec();
    tags.sort_unstable();
    format!(
        "{:?}|{}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
        row.trace_id,
        row.start_time_ms,
        row.end_time_ms,
        row.observation_type,
        row.level,
        row.name,
        row.model,
        row.trace_name,
        row.user_id,
        row.session_id,
        tags,
        row.release,
        row.version,
        row.environment,
        row.usage,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_legacy_fallback_yields_the_same_rows() {
    let v4 = start(EmulatorConfig::default(), 20_000).await;
    let v3 = start(
        EmulatorConfig {
            legacy_only: true,
            ..EmulatorConfig::default()
        },
        20_000,
    )
    .await;
    let data = v4.dataset().clone();
    let range = full_range(&data);
    let cancel = CancelToken::new();

    let legacy_client = Client::new(
        NativeTransport::virtual_at(data.config().end_time_ms),
        connection(&v3, loupe_emulator::DEFAULT_SECRET_KEY),
    );
    assert_eq!(
        legacy_client.probe_read_path(&cancel).await.unwrap(),
        ReadPath::Legacy
    );
    assert_eq!(
        legacy_client
            .test_connection(&cancel)
            .await
            .unwrap()
            .read_path,
        ReadPath::Legacy
    );

    let job = analytics_job(range, 3);
    let mut via_v2 = std::collections::HashMap::new();
    let v2_scheduler = Scheduler::new(
        Client::new(
            NativeTransport::virtual_at(data.config().end_time_ms),
            connection(&v4, loupe_emulator::DEFAULT_SECRET_KEY),
        ),
        SchedulerConfig::default(),
    );
    v2_scheduler
        .fetch_observations(
            &job,
            &cancel,
            &mut |row| {
                via_v2.insert(row.id.to_owned(), row_signature(row));
            },
            &mut |_| {},
        )
        .await
        .unwrap();
    let mut via_v1 = std::collections::HashMap::new();
    let v1_scheduler = Scheduler::new(legacy_client, SchedulerConfig::default());
    let report = v1_scheduler
        .fetch_observations_legacy(
            &job,
            &cancel,
            &mut |row| {
                via_v1.insert(row.id.to_owned(), row_signature(row));
            },
            &mut |_| {},
        )
        .await
        .unwrap();
    assert_eq!(report.skipped, []);
    // v1 has no synthetic `t-<traceId>` roots (they exist only in Langfuse v4's events table).
    let expected: HashSet<String> = data
        .rows()
        .filter(|r| {
            !r.is_synthetic_root() && r.start_ms() >= range.from_ms && r.start_ms() < range.to_ms
        })
        .map(|r| r.id())
        .collect();
    assert_eq!(via_v1.keys().cloned().collect::<HashSet<_>>(), expected);
    let differing: Vec<(&String, &String, Option<&String>)> = via_v1
        .iter()
        .filter(|(id, sig)| via_v2.get(*id) != Some(sig))
        .map(|(id, sig)| (id, sig, via_v2.get(id)))
        .take(3)
        .collect();
    assert!(
        differing.is_empty(),
        "rows differ between the read paths: {differing:#?}"
    );
    v4.shutdown().await;
    v3.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loupe_filters_select_what_langfuse_selects() {
    use loupe_core::{Level, ObservationType};
    let emulator = start(EmulatorConfig::default(), 20_000).await;
    let data = emulator.dataset().clone();
    let range = full_range(&data);
    let scheduler = Scheduler::new(
        Client::new(
            NativeTransport::virtual_at(data.config().end_time_ms),
            connection(&emulator, loupe_emulator::DEFAULT_SECRET_KEY),
        ),
        SchedulerConfig::default(),
    );
    let first = data
        .rows()
        .find(|r| r.model().is_some() && r.tags().next().is_some())
        .unwrap();
    let in_range = |start_ms: i64| start_ms >= range.from_ms && start_ms < range.to_ms;
    let first_tag = first.tags().next().unwrap();
    let cases: Vec<(ObservationFilters, HashSet<String>)> = vec![
        (
            ObservationFilters {
                types: vec![ObservationType::Generation, ObservationType::Tool],
                ..Default::default()
            },
            data.rows()
                .filter(|r| {
                    matches!(r.kind().as_str(), "GENERATION" | "TOOL") && in_range(r.start_ms())
                })
                .map(|r| r.id())
                .collect(),
        ),
        (
            ObservationFilters {
                levels: vec![Level::Error],
                environments: vec![first.environment().into()],
                ..Default::default()
            },
            data.rows()
                .filter(|r| {
                    r.level().as_str() == "ERROR"
                        && r.environment() == first.environment()
                        && in_range(r.start_ms())
                })
                .map(|r| r.id())
                .collect(),
        ),
        (
            ObservationFilters {
                trace_names: vec![first.trace_name().into()],
                releases: vec![first.release().into()],
                ..Default::default()
            },
            data.rows()
                .filter(|r| {
                    r.trace_name() == first.trace_name()
                        && r.release() == first.release()
                        && in_range(r.start_ms())
                })
                .map(|r| r.id())
                .collect(),
        ),
        (
            ObservationFilters {
                models: vec![first.model().unwrap().into()],
                ..Default::default()
            },
            data.rows()
                .filter(|r| r.model() == first.model() && in_range(r.start_ms()))
                .map(|r| r.id())
                .collect(),
        ),
        (
            ObservationFilters {
                tags: vec![first_tag.into()],
                ..Default::default()
            },
            data.rows()
                .filter(|r| r.tags().any(|t| t == first_tag) && in_range(r.start_ms()))
                .map(|r| r.id())
                .collect(),
        ),
    ];
    for (filters, expected) in cases {
        assert!(!expected.is_empty(), "{filters:?} selects something");
        let job = ObservationsJob {
            query: ObservationsQuery::analytics(range, filters.clone()),
            windows: range.split(2),
            expected_rows: None,
        };
        let out = fetch(&scheduler, &job, &CancelToken::new(), None).await;
        out.result.as_ref().unwrap();
        assert_eq!(out.unique(), expected, "{filters:?}");
    }
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_figures_match_the_emulators_data() {
    use loupe_langfuse::metrics::{Granularity, GroupBy, GroupOrder, MetricsBudget};
    let emulator = start(EmulatorConfig::default(), 20_000).await;
    let data = emulator.dataset().clone();
    let range = full_range(&data);
    let client = Client::new(
        NativeTransport::real(),
        connection(&emulator, loupe_emulator::DEFAULT_SECRET_KEY),
    );
    let mut budget = MetricsBudget::new(PlanPreset::Hobby.budget().metrics);
    let cancel = CancelToken::new();
    let none = ObservationFilters::default();

    let count = client
        .count_observations(range, &none, &mut budget, &cancel)
        .await
        .unwrap();
    assert_eq!(count as usize, emulator_ids(&data, range).len());
    let production = ObservationFilters {
        environments: vec!["production".into()],
        ..Default::default()
    };
    let in_production = client
        .count_observations(range, &production, &mut budget, &cancel)
        .await
        .unwrap();
    assert_eq!(
        in_production as usize,
        data.rows()
            .filter(|r| r.environment() == "production")
            .count()
    );

    let overview = client
        .overview_figures(range, &none, &mut budget, &cancel)
        .await
        .unwrap();
    assert_eq!(overview.observations, count);
    assert_eq!(
        overview.error_observations as usize,
        data.rows()
            .filter(|r| r.level().as_str() == "ERROR")
            .count()
    );
    assert!(overview.total_cost_usd > 0.0 && overview.total_tokens > 0);
    let (p50, p95, p99) = (
        overview.latency_p50_ms.unwrap(),
        overview.latency_p95_ms.unwrap(),
        overview.latency_p99_ms.unwrap(),
    );
    assert!(p50 <= p95 && p95 <= p99, "{p50} {p95} {p99}");

    let series = client
        .series_figures(range, &none, Granularity::Day, &mut budget, &cancel)
        .await
        .unwrap();
    assert!(series.len() >= 7);
    assert_eq!(series.iter().map(|p| p.observations).sum::<u64>(), count);

    let top = client
        .top_groups(
            range,
            &none,
            GroupBy::Model,
            GroupOrder::CostUsd,
            5,
            &mut budget,
            &cancel,
        )
        .await
        .unwrap();
    assert!(!top.is_empty() && top.len() <= 5);
    assert!(
        top.windows(2)
            .all(|w| w[0].total_cost_usd >= w[1].total_cost_usd),
        "ranked by cost"
    );
    // Six calls so far (the overview takes two).
    assert_eq!(
        budget.used(loupe_langfuse::transport::Transport::now_ms(
            client.transport()
        )),
        6
    );
    emulator.shutdown().await;
}
