//! Scheduler behaviour against the scripted in-process fake (virtual clock, no sockets): paging to the end,
//! rate limits, retries, stops, cancellation, the legacy fallback, scores and models.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::{HashMap, HashSet};

use futures::executor::block_on;
use loupe_core::ObservationRow;
use loupe_langfuse::client::Client;
use loupe_langfuse::error::{ApiError, ApiErrorKind};
use loupe_langfuse::hosts::{BaseUrl, Connection, Credentials};
use loupe_langfuse::plan::{self, PlanPreset, RateBudget};
use loupe_langfuse::query::{ObservationFilters, ObservationsQuery, TimeRange};
use loupe_langfuse::scheduler::{
    FetchFailure, FetchReport, ObservationsJob, Progress, Scheduler, SchedulerConfig,
};
use loupe_langfuse::transport::CancelToken;
use support::{FakeLangfuse, FakeTransport, Fault, PUBLIC_KEY, SECRET_KEY, T0};

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

fn connection() -> Connection {
    Connection::new(
        BaseUrl::parse("https://langfuse.example.com/base").unwrap(),
        Credentials::new(PUBLIC_KEY, SECRET_KEY),
    )
}

fn scheduler(transport: &FakeTransport, config: SchedulerConfig) -> Scheduler<FakeTransport> {
    Scheduler::new(Client::new(transport.clone(), connection()), config)
}

/// Everything a test wants to know about a fetch.
struct Outcome {
    result: Result<FetchReport, FetchFailure>,
    /// Every id the sink received, in order (repeats included).
    delivered: Vec<String>,
    progress_reports: Vec<Progress>,
}

impl Outcome {
    fn unique(&self) -> HashSet<String> {
        self.delivered.iter().cloned().collect()
    }
    fn repeats(&self) -> usize {
        self.delivered.len() - self.unique().len()
    }
}

fn fetch(
    s: &Scheduler<FakeTransport>,
    job: &ObservationsJob,
    cancel: &CancelToken,
    legacy: bool,
) -> Outcome {
    let mut delivered = Vec::new();
    let mut progress_reports = Vec::new();
    let mut sink = |row: &ObservationRow<'_>| delivered.push(row.id.to_owned());
    let mut on_progress = |p: &Progress| progress_reports.push(p.clone());
    let result = block_on(async {
        if legacy {
            s.fetch_observations_legacy(job, cancel, &mut sink, &mut on_progress)
                .await
        } else {
            s.fetch_observations(job, cancel, &mut sink, &mut on_progress)
                .await
        }
    });
    Outcome {
        result,
        delivered,
        progress_reports,
    }
}

fn job(range: TimeRange, windows: u32) -> ObservationsJob {
    ObservationsJob {
        query: ObservationsQuery::analytics(range, ObservationFilters::default()),
        windows: range.split(windows),
        expected_rows: None,
    }
}

fn whole_day() -> TimeRange {
    TimeRange::new(T0, T0 + DAY)
}

#[test]
fn pages_every_window_to_its_end_without_loss_or_repeats() {
    let transport = FakeTransport::new(FakeLangfuse::new(20_000, DAY));
    let s = scheduler(&transport, SchedulerConfig::default());
    let out = fetch(&s, &job(whole_day(), 4), &CancelToken::new(), false);
    let report = out.result.clone().unwrap();
    assert_eq!(out.unique(), transport.server.ids());
    assert_eq!(out.repeats(), 0);
    assert_eq!(report.progress.rows, 20_000);
    assert_eq!(report.progress.windows_done, 4);
    let mut completed = report.completed_windows.clone();
    completed.sort();
    let mut expected = whole_day().split(4);
    expected.sort();
    assert_eq!(completed, expected);
    // 5,000 rows per window = 5 full pages + the server needs no extra page (limit+1 probing).
    assert_eq!(transport.server.requests(), 20);
    assert!(
        out.progress_reports.len() >= 20,
        "progress is reported while running"
    );
    assert_eq!(
        out.progress_reports.last().unwrap().estimated_remaining_ms,
        Some(0)
    );
}

#[test]
fn short_and_empty_pages_with_a_cursor_are_not_the_end() {
    let mut server = FakeLangfuse::new(3_000, DAY);
    server.faults.insert(0, Fault::ShortPage(10));
    server.faults.insert(2, Fault::ShortPage(0));
    let transport = FakeTransport::new(server);
    let s = scheduler(&transport, SchedulerConfig::default());
    let out = fetch(&s, &job(whole_day(), 1), &CancelToken::new(), false);
    out.result.clone().unwrap();
    assert_eq!(out.unique(), transport.server.ids());
    assert_eq!(out.repeats(), 0);
    assert!(transport.server.requests() >= 5);
}

#[test]
fn rows_with_equal_start_times_are_paged_by_the_cursor_tie_break() {
    // 2 rows per start time and a page size of 1: every page boundary splits a tie.
    let transport = FakeTransport::new(FakeLangfuse::new(40, HOUR));
    let s = scheduler(&transport, SchedulerConfig::default());
    let mut j = job(TimeRange::new(T0, T0 + HOUR), 1);
    j.query.limit = 1;
    let out = fetch(&s, &j, &CancelToken::new(), false);
    out.result.clone().unwrap();
    assert_eq!(out.unique(), transport.server.ids());
    assert_eq!(out.repeats(), 0);
    assert_eq!(transport.server.requests(), 40);
}

#[test]
fn server_rate_limits_are_waited_out_using_retry_after_seconds() {
    let mut server = FakeLangfuse::new(20_000, DAY);
    server.rate_limit_per_minute = Some(8);
    let transport = FakeTransport::new(server);
    // The scheduler thinks it is unlimited: only the 429s slow it down.
    let s = scheduler(&transport, SchedulerConfig::default());
    let started = transport.clock.now();
    let out = fetch(&s, &job(whole_day(), 4), &CancelToken::new(), false);
    let report = out.result.clone().unwrap();
    assert_eq!(out.unique(), transport.server.ids());
    assert_eq!(out.repeats(), 0);
    assert!(report.progress.rate_limited > 0);
    // 20 pages at 8 per minute: the last page cannot come before the third minute.
    let elapsed = transport.clock.now() - started;
    assert!(elapsed >= 2 * 60_000, "{elapsed}");
    assert!(elapsed <= 4 * 60_000, "{elapsed}");
    // After a 429 nothing was sent before the wait was over.
    let log = transport.server.log.borrow();
    let per_minute_max = log
        .iter()
        .map(|(t, _)| {
            log.iter()
                .filter(|(u, _)| *u >= *t && *u < t + 60_000)
                .count()
        })
        .max()
        .unwrap();
    assert!(
        per_minute_max <= 8 + 4,
        "bursts after a 429 stay small: {per_minute_max}"
    );
}

#[test]
fn the_plan_budget_avoids_429s_altogether() {
    let mut server = FakeLangfuse::new(20_000, DAY);
    server.rate_limit_per_minute = Some(30);
    let transport = FakeTransport::new(server);
    let s = scheduler(&transport, SchedulerConfig::for_plan(PlanPreset::Hobby));
    let out = fetch(&s, &job(whole_day(), 4), &CancelToken::new(), false);
    let report = out.result.clone().unwrap();
    assert_eq!(out.unique(), transport.server.ids());
    assert_eq!(report.progress.rate_limited, 0);
}

#[test]
fn hobby_100k_fetch_matches_the_planner() {
    let rows = 100_000u64;
    let mut server = FakeLangfuse::new(rows as usize, 7 * DAY);
    server.rate_limit_per_minute = Some(30);
    let transport = FakeTransport::new(server);
    let config = SchedulerConfig::for_plan(PlanPreset::Hobby);
    let s = scheduler(&transport, config);
    let range = TimeRange::new(T0, T0 + 7 * DAY);
    let j = ObservationsJob::split(
        ObservationsQuery::analytics(range, ObservationFilters::default()),
        Some(rows),
        &config,
    );
    let estimate = plan::estimate_fetch(
        rows,
        j.windows.len() as u32,
        config.max_in_flight,
        0,
        &config.budget,
    );
    let started = transport.clock.now();
    let out = fetch(&s, &j, &CancelToken::new(), false);
    let report = out.result.clone().unwrap();
    assert_eq!(out.unique().len() as u64, rows);
    assert_eq!(report.progress.rate_limited, 0);
    assert!(
        report.progress.requests <= estimate.requests,
        "{} > {}",
        report.progress.requests,
        estimate.requests
    );
    assert!(report.progress.requests >= rows / 1000);
    let elapsed = transport.clock.now() - started;
    // Zero simulated transfer time: the elapsed time is the pacing alone, which the planner predicts.
    let paced = (report.progress.requests as i64 - 1) / 30 * 60_000;
    assert_eq!(elapsed, paced);
    assert!(elapsed <= estimate.duration_ms);
    eprintln!(
        "hobby 100k: {} requests (planner bound {}), {:.2} min paced (planner {:.2} min)",
        report.progress.requests,
        estimate.requests,
        elapsed as f64 / 60_000.0,
        estimate.minutes()
    );
}

#[test]
fn server_errors_truncated_bodies_and_drops_are_retried() {
    let mut server = FakeLangfuse::new(10_000, DAY);
    for (n, fault) in [
        (
            0,
            Fault::Status(
                500,
                r#"{"message":"Internal Server Error","error":"boom"}"#.into(),
            ),
        ),
        (3, Fault::Truncate(0.5)),
        (4, Fault::Drop),
        (5, Fault::Status(502, "<html>Bad Gateway</html>".into())),
        (6, Fault::Unreachable),
        (
            7,
            Fault::Status(503, r#"{"message":"Service Unavailable"}"#.into()),
        ),
        (9, Fault::Truncate(0.99)),
    ] {
        server.faults.insert(n, fault);
    }
    let transport = FakeTransport::new(server);
    let s = scheduler(&transport, SchedulerConfig::default());
    let out = fetch(&s, &job(whole_day(), 3), &CancelToken::new(), false);
    let report = out.result.clone().unwrap();
    assert_eq!(out.unique(), transport.server.ids());
    assert_eq!(report.progress.retries, 7);
    assert_eq!(transport.server.requests(), 7 + 12);
    // Truncated pages may re-deliver the rows before the cut; nothing else repeats.
    assert!(out.repeats() <= 2 * 1000, "{}", out.repeats());
}

#[test]
fn retries_are_bounded() {
    let mut server = FakeLangfuse::new(1_000, DAY);
    server.faults_by_url.push((
        "v2/observations".into(),
        Fault::Status(503, r#"{"message":"Service Unavailable"}"#.into()),
    ));
    let transport = FakeTransport::new(server);
    let s = scheduler(&transport, SchedulerConfig::default());
    let started = transport.clock.now();
    let out = fetch(&s, &job(whole_day(), 1), &CancelToken::new(), false);
    let failure = out.result.clone().unwrap_err();
    assert_eq!(
        failure.error,
        ApiError::Server {
            status: 503,
            message: "Service Unavailable".into()
        }
    );
    assert_eq!(transport.server.requests(), 6);
    // Backoff between attempts: 0.25–0.5, 0.5–1, 1–2, 2–4, 4–8 s.
    let waited = transport.clock.now() - started;
    assert!((7_750..=15_500).contains(&waited), "{waited}");
}

#[test]
fn unauthorized_and_forbidden_stop_at_once_with_the_reason() {
    for (fault, kind, text) in [
        (
            Fault::Status(401, r#"{"message":"Invalid credentials. Confirm that you've configured the correct host."}"#.into()),
            ApiErrorKind::Unauthorized,
            "Invalid credentials",
        ),
        (
            Fault::Status(403, r#"{"message":"Access denied - insufficient permissions for this endpoint"}"#.into()),
            ApiErrorKind::Forbidden,
            "Access denied",
        ),
    ] {
        let mut server = FakeLangfuse::new(10_000, DAY);
        server.faults.insert(2, fault);
        let transport = FakeTransport::new(server);
        let s = scheduler(&transport, SchedulerConfig { max_in_flight: 1, ..SchedulerConfig::default() });
        let out = fetch(&s, &job(whole_day(), 2), &CancelToken::new(), false);
        let failure = out.result.clone().unwrap_err();
        assert_eq!(failure.error.kind(), kind);
        assert!(failure.error.to_string().contains(text), "{}", failure.error);
        assert_eq!(transport.server.requests(), 3, "no request after the auth failure");
        // The two pages before it stay delivered and are reported.
        assert_eq!(out.unique().len(), 2_000);
        assert_eq!(failure.report.progress.rows, 2_000);
    }
}

#[test]
fn wrong_keys_fail_the_first_request() {
    let transport = FakeTransport::new(FakeLangfuse::new(100, DAY));
    let wrong = Connection::new(
        BaseUrl::parse("https://x.example").unwrap(),
        Credentials::new(PUBLIC_KEY, "sk-lf-wrong"),
    );
    let s = Scheduler::new(
        Client::new(transport.clone(), wrong),
        SchedulerConfig::default(),
    );
    let out = fetch(&s, &job(whole_day(), 1), &CancelToken::new(), false);
    assert_eq!(
        out.result.clone().unwrap_err().error.kind(),
        ApiErrorKind::Unauthorized
    );
    assert_eq!(transport.server.requests(), 1);
}

#[test]
fn bad_requests_are_not_retried() {
    let mut server = FakeLangfuse::new(100, DAY);
    server.faults.insert(
        0,
        Fault::Status(
            400,
            r#"{"message":"Invalid filter","error":"InvalidRequestError"}"#.into(),
        ),
    );
    let transport = FakeTransport::new(server);
    let s = scheduler(&transport, SchedulerConfig::default());
    let out = fetch(&s, &job(whole_day(), 1), &CancelToken::new(), false);
    assert_eq!(
        out.result.clone().unwrap_err().error,
        ApiError::BadRequest {
            status: 400,
            message: "Invalid filter".into()
        }
    );
    assert_eq!(transport.server.requests(), 1);
}

#[test]
fn cancelling_keeps_rows_delivered_so_far() {
    let mut transport = FakeTransport::new(FakeLangfuse::new(20_000, DAY));
    let cancel = CancelToken::new();
    // Cancel while the 8th request is in flight.
    transport.cancel_at_request = Some((7, cancel.clone()));
    let s = scheduler(
        &transport,
        SchedulerConfig {
            max_in_flight: 1,
            ..SchedulerConfig::default()
        },
    );
    let out = fetch(&s, &job(whole_day(), 2), &cancel, false);
    let failure = out.result.clone().unwrap_err();
    assert_eq!(failure.error, ApiError::Cancelled);
    assert_eq!(out.unique().len(), 7_000);
    assert_eq!(out.repeats(), 0);
    assert_eq!(failure.report.progress.rows, 7_000);
    assert_eq!(
        transport.server.requests(),
        8,
        "nothing is sent after cancelling"
    );
    // A cancelled token stops a new fetch before it sends anything.
    let out = fetch(&s, &job(whole_day(), 2), &cancel, false);
    assert_eq!(out.result.clone().unwrap_err().error, ApiError::Cancelled);
    assert_eq!(transport.server.requests(), 8);
}

#[test]
fn cancelling_interrupts_a_rate_limit_wait() {
    let mut server = FakeLangfuse::new(5_000, DAY);
    server.faults.insert(1, Fault::RateLimited(3600.0));
    let mut transport = FakeTransport::new(server);
    let cancel = CancelToken::new();
    transport.cancel_at_request = Some((2, cancel.clone()));
    let s = scheduler(
        &transport,
        SchedulerConfig {
            max_in_flight: 1,
            ..SchedulerConfig::default()
        },
    );
    let out = fetch(&s, &job(whole_day(), 1), &cancel, false);
    assert_eq!(out.result.clone().unwrap_err().error, ApiError::Cancelled);
    assert_eq!(out.unique().len(), 1_000);
}

#[test]
fn overlapping_windows_deliver_rows_twice_but_lose_none() {
    let transport = FakeTransport::new(FakeLangfuse::new(4_000, DAY));
    let s = scheduler(&transport, SchedulerConfig::default());
    let mut j = job(whole_day(), 1);
    j.windows = vec![
        TimeRange::new(T0 + DAY / 2, T0 + DAY),
        TimeRange::new(T0, T0 + DAY / 2 + HOUR),
    ];
    let out = fetch(&s, &j, &CancelToken::new(), false);
    out.result.clone().unwrap();
    assert_eq!(out.unique(), transport.server.ids());
    assert_eq!(
        out.repeats(),
        transport
            .server
            .ids_in(T0 + DAY / 2, T0 + DAY / 2 + HOUR)
            .len()
    );
}

#[test]
fn refresh_windows_from_the_planner_fetch_only_what_is_missing() {
    let transport = FakeTransport::new(FakeLangfuse::new(10_000, DAY));
    let s = scheduler(&transport, SchedulerConfig::default());
    let mut coverage = plan::Coverage::new();
    let now = transport.clock.now();
    coverage.record(TimeRange::new(T0, T0 + DAY / 2), now);
    let windows = plan::plan_refresh(
        &coverage,
        whole_day(),
        now,
        plan::DEFAULT_REFRESH_OVERLAP_MS,
    );
    let mut j = job(whole_day(), 1);
    j.windows = windows;
    let out = fetch(&s, &j, &CancelToken::new(), false);
    let report = out.result.clone().unwrap();
    assert_eq!(
        out.unique(),
        transport.server.ids_in(T0 + DAY / 2, T0 + DAY)
    );
    for w in report.completed_windows {
        coverage.record(w, now);
    }
    assert!(plan::plan_refresh(&coverage, whole_day(), now, 0).is_empty());
}

/// Trace name, user id and tags of a row.
type TraceFields = (Option<String>, Option<String>, Vec<String>);

#[test]
fn legacy_fallback_yields_the_same_rows_with_trace_context() {
    let mut server = FakeLangfuse::new(2_000, DAY);
    server.v4 = false;
    let transport = FakeTransport::new(server);
    let s = scheduler(&transport, SchedulerConfig::default());
    let mut rows: HashMap<String, TraceFields> = HashMap::new();
    let mut sink = |row: &ObservationRow<'_>| {
        rows.insert(
            row.id.to_owned(),
            (
                row.trace_name.map(str::to_owned),
                row.user_id.map(str::to_owned),
                row.tags.iter().map(|t| (*t).to_owned()).collect(),
            ),
        );
    };
    let report = block_on(s.fetch_observations_legacy(
        &job(whole_day(), 2),
        &CancelToken::new(),
        &mut sink,
        &mut |_| {},
    ))
    .unwrap();
    assert_eq!(
        rows.keys().cloned().collect::<HashSet<_>>(),
        transport.server.ids()
    );
    assert_eq!(report.progress.rows, 2_000);
    // The same rows through the v2 path carry the same trace context.
    let v2 = FakeTransport::new(FakeLangfuse::new(2_000, DAY));
    let s2 = scheduler(&v2, SchedulerConfig::default());
    let mut mismatches = 0;
    let mut sink2 = |row: &ObservationRow<'_>| {
        let expected = (
            row.trace_name.map(str::to_owned),
            row.user_id.map(str::to_owned),
            row.tags.iter().map(|t| (*t).to_owned()).collect(),
        );
        if rows.get(row.id) != Some(&expected) {
            mismatches += 1;
        }
    };
    block_on(s2.fetch_observations(
        &job(whole_day(), 2),
        &CancelToken::new(),
        &mut sink2,
        &mut |_| {},
    ))
    .unwrap();
    assert_eq!(mismatches, 0);
    assert!(transport.server.requests_to("traces") > 0);
    assert_eq!(transport.server.requests_to("v2/observations"), 0);
}

#[test]
fn legacy_fallback_uses_the_legacy_budget() {
    let mut server = FakeLangfuse::new(3_000, DAY);
    server.v4 = false;
    let transport = FakeTransport::new(server);
    let config = SchedulerConfig {
        budget: RateBudget {
            legacy_requests_per_minute: Some(15),
            ..RateBudget::UNLIMITED
        },
        ..SchedulerConfig::default()
    };
    let s = scheduler(&transport, config);
    let started = transport.clock.now();
    let out = fetch(&s, &job(whole_day(), 1), &CancelToken::new(), true);
    out.result.clone().unwrap();
    let requests = transport.server.requests() as i64;
    assert_eq!(
        transport.clock.now() - started,
        (requests - 1) / 15 * 60_000
    );
}

#[test]
fn scores_and_models_are_paged_to_the_end() {
    let transport = FakeTransport::new(FakeLangfuse::new(5_000, DAY));
    let s = scheduler(&transport, SchedulerConfig::default());
    let mut ids = HashSet::new();
    let report = block_on(s.fetch_scores(
        &whole_day().split(2),
        &CancelToken::new(),
        &mut |row| {
            ids.insert(row.id.to_owned());
        },
        &mut |_| {},
    ))
    .unwrap();
    assert_eq!(ids.len(), 500);
    assert_eq!(report.progress.rows, 500);
    let (models, _) = block_on(s.fetch_models(&CancelToken::new(), &mut |_| {})).unwrap();
    assert_eq!(models.len(), 250);
    assert_eq!(transport.server.requests_to("models"), 3);
}

#[test]
fn progress_reports_budget_and_estimates() {
    let transport = FakeTransport::new(FakeLangfuse::new(20_000, DAY));
    let config = SchedulerConfig::for_plan(PlanPreset::Hobby);
    let s = scheduler(&transport, config);
    let mut j = job(whole_day(), 4);
    j.expected_rows = Some(20_000);
    let out = fetch(&s, &j, &CancelToken::new(), false);
    out.result.clone().unwrap();
    let first = &out.progress_reports[0];
    assert_eq!(first.windows_total, 4);
    assert_eq!(first.requests_left_in_budget, Some(26));
    let mid = out
        .progress_reports
        .iter()
        .find(|p| p.rows >= 10_000)
        .unwrap();
    assert!(mid.estimated_remaining_ms.is_some());
    assert!(mid.bytes > 0 && mid.pages >= 10);
    let rows: Vec<u64> = out.progress_reports.iter().map(|p| p.rows).collect();
    assert!(rows.windows(2).all(|w| w[0] <= w[1]), "rows only grow");
}
