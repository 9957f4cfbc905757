//! A native [`Transport`] for tests against the emulator: HTTP/1.1 over a fresh TCP connection per request
//! (hyper), real or virtual time.
//!
//! Failures map as a browser would see them: no connection, or a connection closed before the status line,
//! is `Unreachable`; a body cut short is `BodyInterrupted`. Cancelling the token drops the request (closing
//! its connection) and answers `Aborted`.

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::future::{Either, select};
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use loupe_langfuse::transport::{CancelToken, HttpResponse, Transport, TransportError};
use tokio::net::TcpStream;

use super::{VirtualClock, yield_now};

/// Where time comes from.
#[derive(Clone, Debug)]
pub enum Clock {
    Real,
    Virtual(VirtualClock),
}

#[derive(Clone, Debug)]
pub struct NativeTransport {
    pub clock: Clock,
    pub timeout_ms: u64,
    /// Replaces the `Authorization` header (to send a Bearer token, for instance).
    pub authorization_override: Option<String>,
    /// Requests sent so far.
    pub requests: Rc<Cell<u64>>,
    jitter_state: Rc<Cell<u64>>,
}

impl NativeTransport {
    pub fn real() -> Self {
        Self::with_clock(Clock::Real)
    }

    pub fn virtual_at(start_ms: i64) -> Self {
        Self::with_clock(Clock::Virtual(VirtualClock::new(start_ms)))
    }

    fn with_clock(clock: Clock) -> Self {
        Self {
            clock,
            timeout_ms: 30_000,
            authorization_override: None,
            requests: Rc::new(Cell::new(0)),
            jitter_state: Rc::new(Cell::new(7)),
        }
    }
}

async fn get_once(
    url: String,
    headers: Vec<(String, String)>,
) -> Result<HttpResponse, TransportError> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| TransportError::Unreachable(format!("not an http URL: {url}")))?;
    let (authority, path) = match rest.find('/') {
        Some(at) => rest.split_at(at),
        None => (rest, "/"),
    };
    let stream = TcpStream::connect(authority)
        .await
        .map_err(|e| TransportError::Unreachable(e.to_string()))?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake::<_, Empty<Bytes>>(TokioIo::new(stream))
            .await
            .map_err(|e| TransportError::Unreachable(e.to_string()))?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    let mut request = hyper::Request::get(path).header("host", authority);
    for (name, value) in &headers {
        request = request.header(name.as_str(), value.as_str());
    }
    let request = request
        .body(Empty::new())
        .map_err(|e| TransportError::Unreachable(e.to_string()))?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| TransportError::Unreachable(e.to_string()))?;
    let status = response.status().as_u16();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| TransportError::BodyInterrupted(e.to_string()))?
        .to_bytes()
        .to_vec();
    Ok(HttpResponse { status, body })
}

impl Transport for NativeTransport {
    fn get(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        cancel: &CancelToken,
    ) -> impl Future<Output = Result<HttpResponse, TransportError>> {
        let url = url.to_owned();
        let headers: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| {
                match (
                    &self.authorization_override,
                    k.eq_ignore_ascii_case("authorization"),
                ) {
                    (Some(replacement), true) => ((*k).to_owned(), replacement.clone()),
                    _ => ((*k).to_owned(), (*v).to_owned()),
                }
            })
            .collect();
        let cancel = cancel.clone();
        let timeout_ms = self.timeout_ms;
        self.requests.set(self.requests.get() + 1);
        async move {
            if cancel.is_cancelled() {
                return Err(TransportError::Aborted);
            }
            let work =
                tokio::time::timeout(Duration::from_millis(timeout_ms), get_once(url, headers));
            match select(Box::pin(work), Box::pin(cancel.cancelled())).await {
                Either::Left((Ok(result), _)) => result,
                Either::Left((Err(_elapsed), _)) => Err(TransportError::Timeout {
                    after_ms: timeout_ms,
                }),
                Either::Right(_) => Err(TransportError::Aborted),
            }
        }
    }

    fn sleep_ms(&self, ms: u64) -> impl Future<Output = ()> {
        let clock = self.clock.clone();
        let deadline = self.now_ms() + ms as i64;
        async move {
            match clock {
                Clock::Real => tokio::time::sleep(Duration::from_millis(ms)).await,
                Clock::Virtual(v) => {
                    v.advance_to(deadline);
                    yield_now().await;
                }
            }
        }
    }

    fn now_ms(&self) -> i64 {
        match &self.clock {
            Clock::Real => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as i64),
            Clock::Virtual(v) => v.now(),
        }
    }

    fn jitter(&self) -> f64 {
        let mut x = self.jitter_state.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.jitter_state.set(x);
        (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}
