//! The client against the scripted fake: "test connection" outcomes, metrics calls within the budget,
//! per-trace IO pages.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use futures::executor::block_on;
use loupe_langfuse::client::{Client, ConnectionInfo, ReadPath};
use loupe_langfuse::error::{ApiError, ApiErrorKind};
use loupe_langfuse::hosts::{BaseUrl, Connection, Credentials};
use loupe_langfuse::metrics::MetricsBudget;
use loupe_langfuse::plan::{MetricsAllowance, PlanPreset};
use loupe_langfuse::query::{ObservationFilters, TimeRange};
use loupe_langfuse::transport::CancelToken;
use support::{FakeLangfuse, FakeTransport, Fault, PUBLIC_KEY, SECRET_KEY, T0};

fn client_with(server: FakeLangfuse, secret: &str) -> (Client<FakeTransport>, FakeTransport) {
    let transport = FakeTransport::new(server);
    let connection = Connection::new(
        BaseUrl::parse("https://example.com/langfuse/").unwrap(),
        Credentials::new(PUBLIC_KEY, secret),
    );
    (Client::new(transport.clone(), connection), transport)
}

fn test_connection(
    server: FakeLangfuse,
    secret: &str,
) -> (Result<ConnectionInfo, ApiError>, FakeTransport) {
    let (client, transport) = client_with(server, secret);
    (
        block_on(client.test_connection(&CancelToken::new())),
        transport,
    )
}

#[test]
fn success_names_the_project_and_the_server_version() {
    let (result, transport) = test_connection(FakeLangfuse::new(10, 1000), SECRET_KEY);
    assert_eq!(
        result.unwrap(),
        ConnectionInfo {
            project_id: Some("p1".into()),
            project_name: Some("Checkout".into()),
            organization_name: Some("Acme".into()),
            server_version: Some("4.16.0".into()),
            read_path: ReadPath::V4,
        }
    );
    // Requests go under the base path.
    assert!(
        transport
            .server
            .log
            .borrow()
            .iter()
            .all(|(_, u)| u.starts_with("https://example.com/langfuse/api/public/"))
    );
}

#[test]
fn an_unreachable_host_is_not_a_key_problem() {
    let mut server = FakeLangfuse::new(10, 1000);
    server
        .faults_by_url
        .push(("/health".into(), Fault::Unreachable));
    let (result, transport) = test_connection(server, SECRET_KEY);
    let error = result.unwrap_err();
    assert_eq!(error.kind(), ApiErrorKind::Unreachable);
    assert!(
        error.to_string().contains("unreachable or blocked by CORS"),
        "{error}"
    );
    assert!(
        error.to_string().contains("https://example.com/langfuse"),
        "{error}"
    );
    assert_eq!(transport.server.requests(), 1);
}

#[test]
fn wrong_keys_are_401_with_langfuses_message() {
    let (result, _) = test_connection(FakeLangfuse::new(10, 1000), "sk-lf-wrong");
    let error = result.unwrap_err();
    assert_eq!(
        error,
        ApiError::Unauthorized {
            message: "Invalid credentials. Confirm that you've configured the correct host.".into()
        }
    );
}

#[test]
fn an_organization_key_is_403() {
    let mut server = FakeLangfuse::new(10, 1000);
    server.faults_by_url.push((
        "/projects".into(),
        Fault::Status(
            403,
            r#"{"message":"Invalid API key. Are you using an organization key?"}"#.into(),
        ),
    ));
    let (result, _) = test_connection(server, SECRET_KEY);
    let error = result.unwrap_err();
    assert_eq!(error.kind(), ApiErrorKind::Forbidden);
    assert!(error.to_string().contains("organization key"), "{error}");
}

#[test]
fn without_the_v4_path_the_legacy_fallback_is_offered() {
    let mut server = FakeLangfuse::new(10, 1000);
    server.v4 = false;
    let (result, transport) = test_connection(server, SECRET_KEY);
    assert_eq!(result.unwrap().read_path, ReadPath::Legacy);
    assert_eq!(transport.server.requests_to("v2/observations"), 1);
    assert_eq!(transport.server.requests_to("observations"), 1);
}

#[test]
fn without_any_read_path_the_answer_is_not_found() {
    let mut server = FakeLangfuse::new(10, 1000);
    server.v4 = false;
    server.legacy = false;
    let (result, _) = test_connection(server, SECRET_KEY);
    let error = result.unwrap_err();
    assert_eq!(error.kind(), ApiErrorKind::NotFound);
    assert!(
        error.to_string().contains("/api/public/v2/observations"),
        "{error}"
    );
}

#[test]
fn a_failing_health_check_does_not_hide_the_rest() {
    let mut server = FakeLangfuse::new(10, 1000);
    server.faults_by_url.push((
        "/health".into(),
        Fault::Status(
            503,
            r#"{"status":"Database not available","version":"4.16.0"}"#.into(),
        ),
    ));
    let (result, _) = test_connection(server, SECRET_KEY);
    let info = result.unwrap();
    assert_eq!(info.server_version, None);
    assert_eq!(info.project_name.as_deref(), Some("Checkout"));
}

#[test]
fn metrics_calls_count_against_the_budget_and_stop_when_it_is_spent() {
    let (client, transport) = client_with(FakeLangfuse::new(1_000, 86_400_000), SECRET_KEY);
    let mut budget = MetricsBudget::new(Some(MetricsAllowance {
        calls: 2,
        period_ms: 86_400_000,
    }));
    let range = TimeRange::new(T0, T0 + 43_200_000);
    let cancel = CancelToken::new();
    let count = block_on(client.count_observations(
        range,
        &ObservationFilters::default(),
        &mut budget,
        &cancel,
    ))
    .unwrap();
    assert_eq!(
        count as usize,
        transport.server.ids_in(range.from_ms, range.to_ms).len()
    );
    let now = transport.clock.now();
    assert_eq!(budget.left(now), Some(1));
    block_on(client.count_observations(
        range,
        &ObservationFilters::default(),
        &mut budget,
        &cancel,
    ))
    .unwrap();
    let refused = block_on(client.count_observations(
        range,
        &ObservationFilters::default(),
        &mut budget,
        &cancel,
    ));
    assert!(
        matches!(refused, Err(ApiError::RateLimited { .. })),
        "{refused:?}"
    );
    assert_eq!(
        transport.server.requests_to("v2/metrics"),
        2,
        "a refused call sends nothing"
    );
}

#[test]
fn a_metrics_429_blocks_the_budget_for_the_servers_wait() {
    let mut server = FakeLangfuse::new(100, 86_400_000);
    server
        .faults_by_url
        .push(("v2/metrics".into(), Fault::RateLimited(3600.0)));
    let (client, transport) = client_with(server, SECRET_KEY);
    let mut budget = MetricsBudget::new(PlanPreset::Pro.budget().metrics);
    let range = TimeRange::new(T0, T0 + 1000);
    let cancel = CancelToken::new();
    let first = block_on(client.count_observations(
        range,
        &ObservationFilters::default(),
        &mut budget,
        &cancel,
    ));
    assert_eq!(first.unwrap_err().kind(), ApiErrorKind::RateLimited);
    let now = transport.clock.now();
    assert_eq!(budget.left(now), Some(0));
    assert_eq!(budget.next_call_at_ms(now), Some(now + 3_600_000));
}

#[test]
fn trace_io_is_paged_per_trace() {
    let (client, transport) = client_with(FakeLangfuse::new(100, 1000), SECRET_KEY);
    let pages = block_on(client.trace_io_pages("t000001", &CancelToken::new())).unwrap();
    assert_eq!(pages.len(), 1);
    let url = transport.server.log.borrow()[0].1.clone();
    assert!(
        url.contains("traceId=t000001") && url.contains("fields=core%2Cio"),
        "{url}"
    );
}
