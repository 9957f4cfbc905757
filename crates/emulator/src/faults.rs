//! Injected faults and rate limits.
//!
//! - Fault choice: request `n` (a global counter, health checks and preflights excluded) draws
//!   `mix64(fault_seed, n)`; below `drop_share` the connection closes without an answer, then
//!   `fail_share` answers 500/502/503, then `truncate_share` cuts the body in half. Sequential clients see
//!   the same faults for the same seed.
//! - Rate limits: fixed windows like `rate-limiter-flexible` (per minute for `public-api` and
//!   `public-api-legacy`, per UTC day for `public-api-v2-metrics`), one point per request, answering 429
//!   with `Retry-After`, `X-RateLimit-*` and Langfuse's JSON body (API.md §5).

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use hyper::StatusCode;
use loupe_synth::json::{iso_ms, js_date_string, push_json_str};

use crate::EmulatorConfig;
use crate::http::Answer;

/// Rate-limit buckets (API.md §5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Resource {
    PublicApi,
    Legacy,
    MetricsV2,
}

/// What to do with a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fault {
    None,
    Drop,
    Status(u16),
    Truncate,
}

pub(crate) struct Faults {
    seed: u64,
    drop_share: f64,
    fail_share: f64,
    truncate_share: f64,
    per_minute: Option<u32>,
    metrics_per_day: Option<u32>,
    counter: AtomicU64,
    /// (resource) → (window start ms, points used).
    windows: Mutex<HashMap<Resource, (i64, u32)>>,
}

fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

impl Faults {
    pub fn new(config: &EmulatorConfig) -> Self {
        Self {
            seed: config.fault_seed,
            drop_share: config.drop_share,
            fail_share: config.fail_share,
            truncate_share: config.truncate_share,
            per_minute: config.rate_limit_per_minute,
            metrics_per_day: config.metrics_per_day,
            counter: AtomicU64::new(0),
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// The fault for the next request.
    pub fn pick(&self) -> Fault {
        if self.drop_share + self.fail_share + self.truncate_share <= 0.0 {
            return Fault::None;
        }
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let h = mix64(self.seed ^ mix64(n));
        let u = (h >> 11) as f64 / (1u64 << 53) as f64;
        if u < self.drop_share {
            Fault::Drop
        } else if u < self.drop_share + self.fail_share {
            Fault::Status([500, 502, 503][(mix64(h) % 3) as usize])
        } else if u < self.drop_share + self.fail_share + self.truncate_share {
            Fault::Truncate
        } else {
            Fault::None
        }
    }

    /// Spends one point of `resource`; `Err` holds the 429 answer.
    pub fn rate_limit(&self, resource: Resource, path: &str) -> Result<(), Answer> {
        let (limit, window_ms) = match resource {
            Resource::PublicApi | Resource::Legacy => (self.per_minute, 60_000),
            Resource::MetricsV2 => (self.metrics_per_day, 86_400_000),
        };
        let Some(limit) = limit else { return Ok(()) };
        let now = now_ms();
        let window = now - now.rem_euclid(window_ms);
        let Ok(mut windows) = self.windows.lock() else {
            return Ok(());
        };
        let entry = windows.entry(resource).or_insert((window, 0));
        if entry.0 != window {
            *entry = (window, 0);
        }
        if entry.1 < limit {
            entry.1 += 1;
            return Ok(());
        }
        let reset = window + window_ms;
        let retry_after = ((reset - now) as f64 / 1000.0).ceil().max(1.0) as i64;
        let message = if resource == Resource::Legacy {
            format!(
                "Rate limit exceeded for GET {path}. Use GET /api/public/v2/observations?fromStartTime=<from>&toStartTime=<to> for high-volume reads."
            )
        } else {
            "Rate limit exceeded".to_string()
        };
        let mut body = String::from("{\"message\":");
        push_json_str(&mut body, &message);
        body.push_str(&format!(
            ",\"code\":\"rate_limited\",\"details\":{{\"retryAfterSeconds\":{retry_after},\"limit\":{limit},\"remaining\":0,\"resetAt\":\"{}\"}}}}",
            iso_ms(reset)
        ));
        let mut answer = Answer::json(StatusCode::TOO_MANY_REQUESTS, body);
        answer.headers = vec![
            ("retry-after", retry_after.to_string()),
            ("x-ratelimit-limit", limit.to_string()),
            ("x-ratelimit-remaining", "0".to_string()),
            ("x-ratelimit-reset", js_date_string(reset)),
        ];
        Err(answer)
    }
}
