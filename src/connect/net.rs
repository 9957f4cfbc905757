//! The transport the app talks to Langfuse through: `fetch` in the browser. Native builds (unit tests,
//! clippy) get a stand-in that is never reached, so the rest of the app compiles unchanged.

#[cfg(target_arch = "wasm32")]
pub use loupe_langfuse::transport::BrowserTransport as Net;

#[cfg(not(target_arch = "wasm32"))]
pub use native::Net;

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use loupe_langfuse::transport::{CancelToken, HttpResponse, Transport, TransportError};

    /// Answers every request as unreachable: native builds have no browser to fetch with. (A field, so
    /// that `Net::default()` reads the same as for the browser transport.)
    #[derive(Clone, Debug, Default)]
    pub struct Net {
        _private: (),
    }

    impl Transport for Net {
        async fn get(
            &self,
            _url: &str,
            _headers: &[(&str, &str)],
            _cancel: &CancelToken,
        ) -> Result<HttpResponse, TransportError> {
            Err(TransportError::Unreachable(
                "native builds do not fetch".to_owned(),
            ))
        }

        async fn sleep_ms(&self, _ms: u64) {}

        fn now_ms(&self) -> i64 {
            0
        }

        fn jitter(&self) -> f64 {
            0.5
        }
    }
}

/// Wall-clock Unix milliseconds (the browser's clock).
pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}
