//! The browser transport: `fetch` through gloo-net, one `AbortController` per request.
//!
//! Requests are CORS requests without cookies (`credentials: "omit"`; Langfuse sends no
//! `Access-Control-Allow-Credentials`, API.md §3), authenticated by the `Authorization` header the caller
//! passes. A request ends early when its [`CancelToken`] is cancelled or the timeout passes; either way its
//! controller aborts the `fetch` so the browser stops downloading. A rejected `fetch` (network failure,
//! CORS refusal, mixed content) is reported as "unreachable or blocked by CORS": the browser does not say
//! which.

use std::future::Future;

use futures::future::{Either, select};
use gloo_net::http::Request;
use web_sys::{AbortController, RequestCredentials, RequestMode};

use super::{CancelToken, HttpResponse, Transport, TransportError};

/// `fetch`-based transport for the wasm build.
#[derive(Clone, Debug)]
pub struct BrowserTransport {
    /// Per-request deadline, headers and body together.
    pub timeout_ms: u32,
}

impl Default for BrowserTransport {
    fn default() -> Self {
        // A full 1000-row page with every analytics field group is a few MB; 60 s covers slow links.
        Self { timeout_ms: 60_000 }
    }
}

/// Owns a request's `AbortController` and aborts it when dropped, unless disarmed.
struct AbortOnDrop(Option<AbortController>);

impl AbortOnDrop {
    fn signal(&self) -> Option<web_sys::AbortSignal> {
        self.0.as_ref().map(AbortController::signal)
    }

    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(controller) = self.0.take() {
            // Abort without a reason: the fetch then rejects with a DOMException (an `Error`), which is
            // what gloo-net expects.
            controller.abort();
        }
    }
}

enum Failure {
    Send(gloo_net::Error),
    Body(gloo_net::Error),
}

impl Transport for BrowserTransport {
    async fn get(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        cancel: &CancelToken,
    ) -> Result<HttpResponse, TransportError> {
        if cancel.is_cancelled() {
            return Err(TransportError::Aborted);
        }
        let controller = AbortController::new().map_err(|_| {
            TransportError::Unreachable("this browser has no AbortController".to_owned())
        })?;
        // Aborts the fetch if this future is dropped before it finishes (a caller that stops waiting, such
        // as the scheduler on cancel, must not leave the download running).
        let guard = AbortOnDrop(Some(controller));
        let signal = guard.signal();
        let mut builder = Request::get(url)
            .mode(RequestMode::Cors)
            .credentials(RequestCredentials::Omit)
            .abort_signal(signal.as_ref());
        for (name, value) in headers {
            builder = builder.header(name, value);
        }
        let fetch = async move {
            let response = builder.send().await.map_err(Failure::Send)?;
            let status = response.status();
            let body = response.binary().await.map_err(Failure::Body)?;
            Ok::<_, Failure>(HttpResponse { status, body })
        };
        let timeout = gloo_timers::future::TimeoutFuture::new(self.timeout_ms);
        let cancelled = std::pin::pin!(cancel.cancelled());
        let fetch = std::pin::pin!(fetch);
        let outcome = select(fetch, select(cancelled, timeout)).await;
        let completed = matches!(outcome, Either::Left(_));
        if completed {
            guard.disarm();
        }
        // Otherwise the guard aborts when it goes out of scope.
        match outcome {
            Either::Left((Ok(response), _)) => Ok(response),
            Either::Left((Err(Failure::Send(error)), _)) => {
                Err(TransportError::Unreachable(error.to_string()))
            }
            Either::Left((Err(Failure::Body(error)), _)) => {
                Err(TransportError::BodyInterrupted(error.to_string()))
            }
            Either::Right((Either::Left(_), _)) => Err(TransportError::Aborted),
            Either::Right((Either::Right(_), _)) => Err(TransportError::Timeout {
                after_ms: u64::from(self.timeout_ms),
            }),
        }
    }

    fn sleep_ms(&self, ms: u64) -> impl Future<Output = ()> {
        // setTimeout takes an i32 of milliseconds (about 24 days); longer waits are capped.
        let capped = u32::try_from(ms.min(i32::MAX as u64)).unwrap_or(i32::MAX as u32);
        gloo_timers::future::TimeoutFuture::new(capped)
    }

    fn now_ms(&self) -> i64 {
        js_sys::Date::now() as i64
    }

    fn jitter(&self) -> f64 {
        js_sys::Math::random()
    }
}
