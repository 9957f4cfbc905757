//! The HTTP layer: connections (hyper HTTP/1.1), CORS as the npm `cors` package does it for Langfuse
//! (API.md §3), fault injection, and the order Langfuse's middleware runs in: CORS, then method, auth,
//! rate limit, validation, handler.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, StreamBody, combinators::BoxBody};
use hyper::body::{Frame, Incoming};
use hyper::header::{HeaderName, HeaderValue};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use loupe_synth::Dataset;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::EmulatorConfig;
use crate::faults::{Fault, Faults, Resource};

pub(crate) type Body = BoxBody<Bytes, std::io::Error>;

/// Shared server state.
pub(crate) struct State {
    pub config: EmulatorConfig,
    pub dataset: Arc<Dataset>,
    pub faults: Faults,
}

impl State {
    pub fn new(config: EmulatorConfig, dataset: Arc<Dataset>) -> Self {
        let faults = Faults::new(&config);
        Self {
            config,
            dataset,
            faults,
        }
    }
}

/// Why a connection is closed without an answer.
#[derive(Debug)]
pub(crate) struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for DropConnection {}

pub(crate) async fn accept_loop(
    listener: TcpListener,
    state: Arc<State>,
    mut shutdown: oneshot::Receiver<()>,
) {
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let state = state.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| handle(state.clone(), req));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        }
    }
}

/// A finished answer before CORS and faults are applied.
pub(crate) struct Answer {
    pub status: StatusCode,
    pub body: String,
    pub headers: Vec<(&'static str, String)>,
    /// Route code produced it, so CORS headers apply (Next.js 404s and LB errors have none).
    pub cors: bool,
    pub content_type: &'static str,
}

impl Answer {
    pub fn json(status: StatusCode, body: String) -> Self {
        Self {
            status,
            body,
            headers: Vec::new(),
            cors: true,
            content_type: "application/json; charset=utf-8",
        }
    }

    pub fn ok(body: String) -> Self {
        Self::json(StatusCode::OK, body)
    }

    /// `{"message": m}` only.
    pub fn message(status: StatusCode, message: &str) -> Self {
        let mut body = String::from("{\"message\":");
        loupe_synth::json::push_json_str(&mut body, message);
        body.push('}');
        Self::json(status, body)
    }

    /// `{"message": m, "error": e}`.
    pub fn error(status: StatusCode, message: &str, error: &str) -> Self {
        let mut body = String::from("{\"message\":");
        loupe_synth::json::push_json_str(&mut body, message);
        body.push_str(",\"error\":");
        loupe_synth::json::push_json_str(&mut body, error);
        body.push('}');
        Self::json(status, body)
    }

    /// 400 `InvalidRequestError`.
    pub fn invalid_request(message: &str) -> Self {
        Self::error(StatusCode::BAD_REQUEST, message, "InvalidRequestError")
    }

    /// 404 `LangfuseNotFoundError`.
    pub fn not_found(message: &str) -> Self {
        Self::error(StatusCode::NOT_FOUND, message, "LangfuseNotFoundError")
    }

    /// Next.js's own 404 page for unknown paths: HTML, no CORS headers.
    pub fn next_404() -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            body: "<!DOCTYPE html><html><head><title>404: This page could not be found</title></head><body><h1>404</h1><h2>This page could not be found.</h2></body></html>".to_string(),
            headers: Vec::new(),
            cors: false,
            content_type: "text/html; charset=utf-8",
        }
    }
}

/// Which resource bucket and auth rules a route uses.
pub(crate) enum Route {
    Health,
    Projects,
    Models,
    Model(String),
    ObservationsV2,
    ScoresV3,
    MetricsV2,
    ObservationsV1,
    ObservationV1(String),
    Traces,
    Trace(String),
}

fn route(path: &str) -> Option<Route> {
    let rest = path.strip_prefix("/api/public/")?;
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let segments: Vec<&str> = rest.split('/').collect();
    let decoded = |s: &str| percent_decode(s);
    Some(match segments.as_slice() {
        ["health"] => Route::Health,
        ["projects"] => Route::Projects,
        ["models"] => Route::Models,
        ["models", id] => Route::Model(decoded(id)),
        ["v2", "observations"] => Route::ObservationsV2,
        ["v3", "scores"] => Route::ScoresV3,
        ["v2", "metrics"] => Route::MetricsV2,
        ["observations"] => Route::ObservationsV1,
        ["observations", id] => Route::ObservationV1(decoded(id)),
        ["traces"] => Route::Traces,
        ["traces", id] => Route::Trace(decoded(id)),
        _ => return None,
    })
}

fn percent_decode(s: &str) -> String {
    form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

fn header<'a>(req: &'a Request<Incoming>, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

async fn handle(
    state: Arc<State>,
    req: Request<Incoming>,
) -> Result<Response<Body>, DropConnection> {
    let origin = header(&req, "origin").map(str::to_string);
    let Some(route) = route(req.uri().path()) else {
        return Ok(finish(Answer::next_404(), None));
    };
    if req.method() == Method::OPTIONS {
        return Ok(preflight(
            origin.as_deref(),
            header(&req, "access-control-request-headers"),
        ));
    }
    let is_health = matches!(route, Route::Health);
    let path = req.uri().path();
    let fault = if is_health {
        Fault::None
    } else if state
        .config
        .fail_paths
        .iter()
        .any(|p| p.trim_end_matches('/') == path.trim_end_matches('/'))
    {
        Fault::Status(503)
    } else {
        state.faults.pick()
    };
    if state.config.slow_ms > 0 && !is_health {
        tokio::time::sleep(Duration::from_millis(state.config.slow_ms)).await;
    }
    match fault {
        Fault::Drop => return Err(DropConnection),
        Fault::Status(code) => return Ok(finish(fault_answer(code), origin.as_deref())),
        Fault::None | Fault::Truncate => {}
    }
    let answer = crate::routes::dispatch(&state, &route, &req);
    let response = finish(answer, origin.as_deref());
    Ok(if matches!(fault, Fault::Truncate) {
        truncate(response).await
    } else {
        response
    })
}

/// Runs method, auth and rate-limit checks in Langfuse's order; `None` lets the handler run.
pub(crate) fn guard(state: &State, req: &Request<Incoming>, resource: Resource) -> Option<Answer> {
    if req.method() != Method::GET {
        return Some(Answer::error(
            StatusCode::METHOD_NOT_ALLOWED,
            "Method not allowed",
            "MethodNotAllowedError",
        ));
    }
    if let Err(answer) = crate::auth::check(state, header(req, "authorization")) {
        return Some(answer);
    }
    state.faults.rate_limit(resource, req.uri().path()).err()
}

fn fault_answer(code: u16) -> Answer {
    match code {
        502 => Answer {
            status: StatusCode::BAD_GATEWAY,
            body: "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>".to_string(),
            headers: Vec::new(),
            cors: false,
            content_type: "text/html",
        },
        503 => Answer::message(StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable"),
        _ => Answer::error(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error", "Error: Timeout exceeded while querying ClickHouse"),
    }
}

fn full(body: String) -> Body {
    Full::new(Bytes::from(body))
        .map_err(|never: Infallible| match never {})
        .boxed()
}

fn set(resp: &mut Response<Body>, name: &str, value: &str) {
    if let (Ok(n), Ok(v)) = (
        HeaderName::from_bytes(name.as_bytes()),
        HeaderValue::from_str(value),
    ) {
        resp.headers_mut().append(n, v);
    }
}

fn finish(answer: Answer, origin: Option<&str>) -> Response<Body> {
    let mut resp = Response::new(full(answer.body));
    *resp.status_mut() = answer.status;
    if answer.cors {
        if let Some(origin) = origin {
            set(&mut resp, "access-control-allow-origin", origin);
        }
        set(&mut resp, "vary", "Origin");
    }
    set(&mut resp, "content-type", answer.content_type);
    for (k, v) in &answer.headers {
        set(&mut resp, k, v);
    }
    resp
}

/// The `cors` package's preflight: 204, echoed origin and request headers, the default methods.
fn preflight(origin: Option<&str>, request_headers: Option<&str>) -> Response<Body> {
    let mut resp = Response::new(full(String::new()));
    *resp.status_mut() = StatusCode::NO_CONTENT;
    if let Some(origin) = origin {
        set(&mut resp, "access-control-allow-origin", origin);
    }
    set(&mut resp, "vary", "Origin, Access-Control-Request-Headers");
    set(
        &mut resp,
        "access-control-allow-methods",
        "GET,HEAD,PUT,PATCH,POST,DELETE",
    );
    if let Some(h) = request_headers {
        set(&mut resp, "access-control-allow-headers", h);
    }
    set(&mut resp, "content-length", "0");
    resp
}

/// Sends the head with the full Content-Length, half the body, then fails the stream so the
/// connection closes early.
async fn truncate(resp: Response<Body>) -> Response<Body> {
    let (parts, body) = resp.into_parts();
    let bytes = body
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    let half = bytes.slice(..bytes.len() / 2);
    // The pause lets hyper flush the head and the first half before the failing frame aborts the
    // connection (it would otherwise drop its write buffer unsent).
    let stream = futures::stream::unfold(0u8, move |step| {
        let half = half.clone();
        async move {
            match step {
                0 => Some((Ok(Frame::data(half)), 1)),
                1 => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    Some((
                        Err(std::io::Error::new(
                            std::io::ErrorKind::ConnectionAborted,
                            "truncated by fault injection",
                        )),
                        2,
                    ))
                }
                _ => None,
            }
        }
    });
    let mut resp = Response::from_parts(parts, StreamBody::new(stream).boxed());
    if let Ok(v) = HeaderValue::from_str(&bytes.len().to_string()) {
        resp.headers_mut().insert(hyper::header::CONTENT_LENGTH, v);
    }
    resp
}
