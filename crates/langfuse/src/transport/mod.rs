//! What the client needs from the outside world, as a trait: HTTP GET, a clock, sleeping, and randomness.
//!
//! The scheduler and the client run on any [`Transport`]; they own no runtime, spawn nothing and are
//! single-threaded futures (driven by `wasm-bindgen-futures` in the browser, by a test's executor natively).
//! - [`Transport::get`] sends one GET and returns the status and the whole body, or a [`TransportError`]
//!   when no complete HTTP answer arrived. A non-2xx status is not a transport error.
//! - [`Transport::now_ms`] is wall-clock Unix milliseconds; [`Transport::sleep_ms`] waits. Tests implement
//!   both with a virtual clock so that waiting out a rate limit takes no real time.
//! - [`Transport::jitter`] is uniform in `[0, 1)`, for retry backoff.
//!
//! Cancellation: every request takes a [`CancelToken`]. Once [`CancelToken::cancel`] is called, requests in
//! flight end with [`TransportError::Aborted`] (the browser transport aborts them through their
//! `AbortController`) and new ones end so at once.
//!
//! Implementations: `BrowserTransport` (gloo-net, wasm32 only) here; a native one for tests in
//! `tests/support`.

use std::future::Future;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use futures::channel::oneshot;
use futures::future::{FutureExt, Shared};

#[cfg(target_arch = "wasm32")]
mod browser;
#[cfg(target_arch = "wasm32")]
pub use browser::BrowserTransport;

/// A complete HTTP answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Why no complete HTTP answer arrived.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// Network failure, DNS, refused connection, TLS, or CORS rejection (indistinguishable in browsers).
    #[error("unreachable or blocked by CORS: {0}")]
    Unreachable(String),
    /// The transport's own deadline passed.
    #[error("no answer within {after_ms} ms")]
    Timeout { after_ms: u64 },
    /// The request was cancelled through its [`CancelToken`].
    #[error("aborted")]
    Aborted,
    /// Headers arrived but the connection broke while reading the body.
    #[error("connection dropped while reading the body: {0}")]
    BodyInterrupted(String),
}

/// HTTP GET, time and randomness for the scheduler. See the module docs for the contract.
pub trait Transport {
    /// Sends `GET url` with `headers`; resolves to the status and full body, or a transport error.
    /// Must end with [`TransportError::Aborted`] soon after `cancel` is cancelled.
    fn get(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        cancel: &CancelToken,
    ) -> impl Future<Output = Result<HttpResponse, TransportError>>;

    /// Waits `ms` milliseconds (0 still yields once).
    fn sleep_ms(&self, ms: u64) -> impl Future<Output = ()>;

    /// Wall-clock time, Unix epoch milliseconds.
    fn now_ms(&self) -> i64;

    /// A uniform random number in `[0, 1)` for backoff jitter.
    fn jitter(&self) -> f64;
}

/// A cancellation signal shared by everything one user action started. Cloning shares the signal.
#[derive(Clone, Debug)]
pub struct CancelToken {
    inner: Arc<CancelInner>,
}

#[derive(Debug)]
struct CancelInner {
    cancelled: AtomicBool,
    trigger: Mutex<Option<oneshot::Sender<()>>>,
    signal: Shared<oneshot::Receiver<()>>,
}

impl Default for CancelToken {
    fn default() -> Self {
        Self::new()
    }
}

impl CancelToken {
    /// A token that is not cancelled.
    pub fn new() -> Self {
        let (sender, receiver) = oneshot::channel();
        Self {
            inner: Arc::new(CancelInner {
                cancelled: AtomicBool::new(false),
                trigger: Mutex::new(Some(sender)),
                signal: receiver.shared(),
            }),
        }
    }

    /// Cancels: every [`CancelToken::cancelled`] future resolves and transports abort their requests.
    /// Idempotent.
    pub fn cancel(&self) {
        self.inner.cancelled.store(true, Ordering::SeqCst);
        // A poisoned lock only means another thread panicked mid-cancel; the sender is still ours to drop.
        let mut trigger = self
            .inner
            .trigger
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(sender) = trigger.take() {
            // The receiver resolves whether we send or drop; sending cannot fail in a way that matters.
            let _ = sender.send(());
        }
    }

    /// Whether [`CancelToken::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.inner.cancelled.load(Ordering::SeqCst)
    }

    /// Resolves once the token is cancelled (at once if it already is).
    pub fn cancelled(&self) -> impl Future<Output = ()> + 'static {
        self.inner.signal.clone().map(|_| ())
    }
}

/// Races `future` against `cancel`: `None` when the token was cancelled first.
pub async fn or_cancelled<F: Future>(future: F, cancel: &CancelToken) -> Option<F::Output> {
    if cancel.is_cancelled() {
        return None;
    }
    let future = std::pin::pin!(future);
    let cancelled = std::pin::pin!(cancel.cancelled());
    match futures::future::select(future, cancelled).await {
        futures::future::Either::Left((output, _)) => Some(output),
        futures::future::Either::Right(((), _)) => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use futures::executor::block_on;

    #[test]
    fn cancel_resolves_every_waiter_and_is_idempotent() {
        let token = CancelToken::new();
        let clone = token.clone();
        assert!(!token.is_cancelled());
        let a = token.cancelled();
        let b = clone.cancelled();
        token.cancel();
        token.cancel();
        block_on(async {
            a.await;
            b.await;
        });
        assert!(clone.is_cancelled());
        // A waiter created after the fact resolves too.
        block_on(clone.cancelled());
    }

    #[test]
    fn or_cancelled_prefers_the_future_until_cancelled() {
        let token = CancelToken::new();
        assert_eq!(block_on(or_cancelled(async { 7 }, &token)), Some(7));
        token.cancel();
        assert_eq!(
            block_on(or_cancelled(futures::future::pending::<u8>(), &token)),
            None
        );
        assert_eq!(block_on(or_cancelled(async { 7 }, &token)), None);
    }

    #[test]
    fn success_is_2xx_only() {
        let r = |status| HttpResponse {
            status,
            body: Vec::new(),
        };
        assert!(r(200).is_success());
        assert!(r(204).is_success());
        assert!(!r(304).is_success());
        assert!(!r(429).is_success());
    }
}
