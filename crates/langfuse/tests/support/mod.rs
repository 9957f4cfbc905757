//! Test support: a virtual clock, a scripted in-process fake of the Langfuse routes Loupe reads, and a
//! [`Transport`] over it. No sockets, no real time: a test that waits out a rate limit takes microseconds.
//!
//! The fake serves a deterministic dataset of observations (v2 cursor pages in Langfuse's order, v1 pages,
//! legacy traces), scores, models, projects and health, enforces an optional per-minute rate limit on the
//! virtual clock (429 with `details.retryAfterSeconds`), and injects scripted faults by request number.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod native;

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::rc::Rc;

use base64::Engine as _;
use loupe_langfuse::decode::timestamp_ms;
use loupe_langfuse::query::iso_ms;
use loupe_langfuse::transport::{CancelToken, HttpResponse, Transport, TransportError};
use serde_json::{Value, json};

pub const T0: i64 = 1_786_000_000_000;
pub const PUBLIC_KEY: &str = "pk-lf-test";
pub const SECRET_KEY: &str = "sk-lf-test";

/// Virtual time. `sleep` moves the clock to `max(now, start + ms)`, so concurrent sleeps overlap the way
/// real ones do and sequential ones add up.
#[derive(Clone, Debug)]
pub struct VirtualClock(Rc<Cell<i64>>);

impl VirtualClock {
    pub fn new(start_ms: i64) -> Self {
        Self(Rc::new(Cell::new(start_ms)))
    }
    pub fn now(&self) -> i64 {
        self.0.get()
    }
    pub fn advance_to(&self, t: i64) {
        if t > self.0.get() {
            self.0.set(t);
        }
    }
}

/// Yields once to the executor so that concurrent futures interleave.
pub async fn yield_now() {
    let mut yielded = false;
    futures::future::poll_fn(|cx| {
        if yielded {
            std::task::Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    })
    .await
}

/// One scripted misbehaviour.
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    Status(u16, String),
    /// 429 with this `retryAfterSeconds`.
    RateLimited(f64),
    /// The right answer cut to this share of its bytes.
    Truncate(f64),
    /// The connection drops while the body is read.
    Drop,
    /// No answer at all (DNS, refused, CORS).
    Unreachable,
    /// A page that is short (this many rows) but still has a cursor.
    ShortPage(usize),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Obs {
    pub id: String,
    pub trace_id: String,
    pub start_ms: i64,
}

/// The fake server's state.
#[derive(Debug)]
pub struct FakeLangfuse {
    /// Observations sorted as Langfuse returns them: start time descending, then id descending.
    pub observations: Vec<Obs>,
    pub scores: Vec<(String, i64)>,
    pub models: usize,
    /// When false, the v2 routes answer 404 (self-hosted v3 without the v4 read path).
    pub v4: bool,
    /// When false, the legacy routes answer 404 too.
    pub legacy: bool,
    /// A per-minute limit on the public API (fixed windows on the virtual clock).
    pub rate_limit_per_minute: Option<u32>,
    window: Cell<(i64, u32)>,
    /// Faults by request number (0-based, counting every request).
    pub faults: HashMap<u64, Fault>,
    /// Faults for every request whose URL contains the key.
    pub faults_by_url: Vec<(String, Fault)>,
    /// Simulated time each request takes.
    pub request_ms: i64,
    pub log: RefCell<Vec<(i64, String)>>,
}

fn trace_name(trace: usize) -> String {
    format!("svc-{}", trace % 3)
}

impl FakeLangfuse {
    /// `n` observations, five per trace, spread evenly (newest first) over `[T0, T0 + span_ms)`.
    pub fn new(n: usize, span_ms: i64) -> Self {
        let step = (span_ms / (n.max(1) as i64)).max(1);
        let mut observations: Vec<Obs> = (0..n)
            .map(|i| Obs {
                id: format!("o{i:07}"),
                trace_id: format!("t{:06}", i / 5),
                // Several rows share a start time, to exercise the cursor's tie-break.
                start_ms: T0 + (i as i64 / 2) * step * 2,
            })
            .collect();
        observations.sort_by(|a, b| b.start_ms.cmp(&a.start_ms).then(b.id.cmp(&a.id)));
        let scores = (0..n / 10)
            .map(|i| (format!("s{i:06}"), T0 + i as i64 * step * 10))
            .collect();
        Self {
            observations,
            scores,
            models: 250,
            v4: true,
            legacy: true,
            rate_limit_per_minute: None,
            window: Cell::new((i64::MIN, 0)),
            faults: HashMap::new(),
            faults_by_url: Vec::new(),
            request_ms: 0,
            log: RefCell::new(Vec::new()),
        }
    }

    pub fn ids(&self) -> HashSet<String> {
        self.observations.iter().map(|o| o.id.clone()).collect()
    }

    pub fn ids_in(&self, from_ms: i64, to_ms: i64) -> HashSet<String> {
        self.observations
            .iter()
            .filter(|o| o.start_ms >= from_ms && o.start_ms < to_ms)
            .map(|o| o.id.clone())
            .collect()
    }

    pub fn requests(&self) -> usize {
        self.log.borrow().len()
    }

    pub fn requests_to(&self, route: &str) -> usize {
        self.log
            .borrow()
            .iter()
            .filter(|(_, u)| route_of(u) == route)
            .count()
    }

    /// Answers one request at virtual time `now`.
    pub fn handle(
        &self,
        url: &str,
        auth: Option<&str>,
        now: i64,
    ) -> Result<HttpResponse, TransportError> {
        let n = {
            let mut log = self.log.borrow_mut();
            log.push((now, url.to_owned()));
            (log.len() - 1) as u64
        };
        let fault = self.faults.get(&n).cloned().or_else(|| {
            self.faults_by_url
                .iter()
                .find(|(k, _)| url.contains(k.as_str()))
                .map(|(_, f)| f.clone())
        });
        let route = route_of(url);
        let params = params_of(url);
        match &fault {
            Some(Fault::Unreachable) => {
                return Err(TransportError::Unreachable("connection refused".into()));
            }
            Some(Fault::Drop) => {
                return Err(TransportError::BodyInterrupted("connection reset".into()));
            }
            Some(Fault::Status(status, body)) => return Ok(resp(*status, body.clone())),
            Some(Fault::RateLimited(s)) => return Ok(rate_limited(*s)),
            _ => {}
        }
        if route == "health" {
            return Ok(resp(
                200,
                json!({"status": "OK", "version": "4.16.0"}).to_string(),
            ));
        }
        let expected = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{PUBLIC_KEY}:{SECRET_KEY}"))
        );
        match auth {
            None => return Ok(resp(401, r#"{"message":"No authorization header"}"#.into())),
            Some(a) if a.starts_with("Bearer ") => {
                return Ok(resp(
                    403,
                    r#"{"message":"Access denied - insufficient permissions for this endpoint"}"#
                        .into(),
                ));
            }
            Some(a) if a != expected => {
                return Ok(resp(
                    401,
                    r#"{"message":"Invalid credentials. Confirm that you've configured the correct host."}"#.into(),
                ));
            }
            _ => {}
        }
        if route != "projects"
            && let Some(limit) = self.rate_limit_per_minute
        {
            let (start, used) = self.window.get();
            let (start, used) = if now >= start + 60_000 {
                (now, 0)
            } else {
                (start, used)
            };
            if used >= limit {
                self.window.set((start, used));
                return Ok(rate_limited(
                    ((start + 60_000 - now) as f64 / 1000.0).ceil(),
                ));
            }
            self.window.set((start, used + 1));
        }
        let legacy_route = matches!(route.as_str(), "observations" | "traces");
        if (route.starts_with("v2/") && !self.v4) || (legacy_route && !self.legacy) {
            return Ok(resp(
                404,
                r#"{"message":"This endpoint is not available"}"#.into(),
            ));
        }
        let mut body = match route.as_str() {
            "projects" => json!({"data": [{"id": "p1", "name": "Checkout", "organization": {"id": "org", "name": "Acme"}, "metadata": {}}]}).to_string(),
            "v2/observations" => match self.v2_page(&params, &fault) {
                Ok(b) => b,
                Err(message) => return Ok(resp(400, json!({"message": message, "error": "InvalidRequestError"}).to_string())),
            },
            "observations" => self.v1_page(&params),
            "traces" => self.traces_page(&params),
            "v3/scores" => self.scores_page(&params),
            "models" => self.models_page(&params),
            "v2/metrics" => self.metrics(&params),
            _ => return Ok(resp(404, r#"{"message":"Not found"}"#.into())),
        };
        if let Some(Fault::Truncate(share)) = fault {
            body.truncate((body.len() as f64 * share) as usize);
        }
        Ok(resp(200, body))
    }

    fn in_range(
        &self,
        params: &[(String, String)],
        from_key: &str,
        to_key: &str,
    ) -> impl Fn(i64) -> bool {
        let from = param(params, from_key)
            .and_then(|t| timestamp_ms(&t))
            .unwrap_or(i64::MIN);
        let to = param(params, to_key)
            .and_then(|t| timestamp_ms(&t))
            .unwrap_or(i64::MAX);
        move |t| t >= from && t < to
    }

    fn v2_page(
        &self,
        params: &[(String, String)],
        fault: &Option<Fault>,
    ) -> Result<String, String> {
        let in_range = self.in_range(params, "fromStartTime", "toStartTime");
        let limit: usize = param(params, "limit")
            .and_then(|l| l.parse().ok())
            .unwrap_or(50);
        if limit > 1000 {
            return Err("limit too big".into());
        }
        let after = match param(params, "cursor") {
            None => None,
            Some(c) => {
                let raw = base64::engine::general_purpose::STANDARD
                    .decode(c.as_bytes())
                    .map_err(|_| "Invalid cursor format")?;
                let v: Value = serde_json::from_slice(&raw).map_err(|_| "Invalid cursor format")?;
                let t = v["lastStartTimeTo"]
                    .as_str()
                    .and_then(timestamp_ms)
                    .ok_or("Invalid cursor format")?;
                Some((t, v["lastId"].as_str().unwrap_or("").to_owned()))
            }
        };
        let rows: Vec<&Obs> = self
            .observations
            .iter()
            .filter(|o| in_range(o.start_ms))
            .filter(|o| match &after {
                None => true,
                Some((t, id)) => {
                    o.start_ms < *t || (o.start_ms == *t && o.id.as_str() < id.as_str())
                }
            })
            .take(limit + 1)
            .collect();
        let mut page: Vec<&Obs> = rows.iter().take(limit).copied().collect();
        let mut more = rows.len() > limit;
        if let Some(Fault::ShortPage(k)) = fault
            && page.len() > *k
        {
            page.truncate(*k);
            more = true;
        }
        let data: Vec<Value> = page.iter().map(|o| v2_row(o)).collect();
        let meta = match (more, page.last()) {
            (true, Some(last)) => {
                let cursor = json!({"lastStartTimeTo": iso_ms(last.start_ms), "lastTraceId": last.trace_id, "lastId": last.id, "pad": "~~~>>>???"});
                json!({"cursor": base64::engine::general_purpose::STANDARD.encode(cursor.to_string())})
            }
            // An empty page that still has a cursor: keep the old position.
            (true, None) => json!({"cursor": param(params, "cursor")}),
            _ => json!({}),
        };
        Ok(json!({"data": data, "meta": meta}).to_string())
    }

    fn v1_page(&self, params: &[(String, String)]) -> String {
        let in_range = self.in_range(params, "fromStartTime", "toStartTime");
        let rows: Vec<&Obs> = self
            .observations
            .iter()
            .filter(|o| in_range(o.start_ms))
            .collect();
        let (data, meta) = paged(params, &rows, |o| {
            json!({"id": o.id, "traceId": o.trace_id, "startTime": iso_ms(o.start_ms), "endTime": iso_ms(o.start_ms + 1500),
                   "type": "SPAN", "name": "step", "level": "DEFAULT", "environment": "production", "version": "v1",
                   "parentObservationId": null, "metadata": {}, "usageDetails": {}, "costDetails": {}})
        });
        json!({"data": data, "meta": meta}).to_string()
    }

    fn traces_page(&self, params: &[(String, String)]) -> String {
        let in_range = self.in_range(params, "fromTimestamp", "toTimestamp");
        let mut first_start: HashMap<&str, i64> = HashMap::new();
        for o in &self.observations {
            let e = first_start.entry(o.trace_id.as_str()).or_insert(o.start_ms);
            *e = (*e).min(o.start_ms);
        }
        let mut traces: Vec<(&str, i64)> = first_start
            .into_iter()
            .filter(|(_, t)| in_range(*t))
            .collect();
        traces.sort_by(|a, b| b.1.cmp(&a.1).then(b.0.cmp(a.0)));
        let (data, meta) = paged(params, &traces, |(id, t)| {
            let n: usize = id[1..].parse().unwrap_or(0);
            json!({"id": id, "timestamp": iso_ms(*t), "name": trace_name(n), "userId": format!("u{}", n % 7),
                   "sessionId": format!("s{}", n % 11), "release": "r1", "version": "v1", "tags": ["a", format!("t{}", n % 2)],
                   "environment": "production", "metadata": {}, "observations": [], "scores": []})
        });
        json!({"data": data, "meta": meta}).to_string()
    }

    fn scores_page(&self, params: &[(String, String)]) -> String {
        let in_range = self.in_range(params, "fromTimestamp", "toTimestamp");
        let limit: usize = param(params, "limit")
            .and_then(|l| l.parse().ok())
            .unwrap_or(50);
        let skip: usize = param(params, "cursor")
            .and_then(|c| {
                base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(c)
                    .ok()
            })
            .and_then(|raw| String::from_utf8(raw).ok())
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let rows: Vec<&(String, i64)> = self.scores.iter().filter(|(_, t)| in_range(*t)).collect();
        let page: Vec<Value> = rows
            .iter()
            .skip(skip)
            .take(limit)
            .map(|(id, t)| json!({"id": id, "projectId": "p1", "name": "quality", "dataType": "NUMERIC", "value": 0.5, "source": "API",
                    "timestamp": iso_ms(*t), "environment": "production", "createdAt": iso_ms(*t), "updatedAt": iso_ms(*t),
                    "subject": {"kind": "trace", "id": "t000001"}}))
            .collect();
        let mut meta = json!({"limit": limit});
        if skip + limit < rows.len() {
            meta["cursor"] = json!(
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode((skip + limit).to_string())
            );
        }
        json!({"data": page, "meta": meta}).to_string()
    }

    fn models_page(&self, params: &[(String, String)]) -> String {
        let ids: Vec<usize> = (0..self.models).collect();
        let (data, meta) = paged(params, &ids, |i| {
            json!({"id": format!("m{i}"), "modelName": format!("model-{i}"), "matchPattern": format!("(?i)^model-{i}$"),
                   "startDate": null, "unit": "TOKENS", "inputPrice": 0.000001, "outputPrice": 0.000002, "totalPrice": null,
                   "prices": {"input": {"price": 0.000001}, "output": {"price": 0.000002}}, "isLangfuseManaged": true, "pricingTiers": [],
                   "createdAt": "2026-01-01T00:00:00.000Z", "tokenizerId": null, "tokenizerConfig": null})
        });
        json!({"data": data, "meta": meta}).to_string()
    }

    fn metrics(&self, params: &[(String, String)]) -> String {
        let query: Value = param(params, "query")
            .and_then(|q| serde_json::from_str(&q).ok())
            .unwrap_or(Value::Null);
        let from = query["fromTimestamp"]
            .as_str()
            .and_then(timestamp_ms)
            .unwrap_or(i64::MIN);
        let to = query["toTimestamp"]
            .as_str()
            .and_then(timestamp_ms)
            .unwrap_or(i64::MAX);
        let count = self
            .observations
            .iter()
            .filter(|o| o.start_ms >= from && o.start_ms < to)
            .count();
        json!({"data": [{"count_count": count.to_string()}]}).to_string()
    }
}

fn v2_row(o: &Obs) -> Value {
    let n: usize = o.trace_id[1..].parse().unwrap_or(0);
    json!({"id": o.id, "traceId": o.trace_id, "startTime": iso_ms(o.start_ms), "endTime": iso_ms(o.start_ms + 1500),
           "projectId": "p1", "parentObservationId": null, "type": "SPAN", "name": "step", "level": "DEFAULT",
           "statusMessage": "", "version": "v1", "environment": "production", "userId": format!("u{}", n % 7),
           "sessionId": format!("s{}", n % 11), "isRootObservation": false, "traceName": trace_name(n),
           "tags": ["a", format!("t{}", n % 2)], "release": "r1", "latency": 1.5, "timeToFirstToken": null,
           "modelId": null, "inputPrice": null, "outputPrice": null, "totalPrice": null})
}

/// Page-based paging (`page`, `limit` ≤ 100) with Langfuse's `meta`.
fn paged<T, F: Fn(&T) -> Value>(
    params: &[(String, String)],
    rows: &[T],
    f: F,
) -> (Vec<Value>, Value) {
    let page: usize = param(params, "page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1)
        .max(1);
    let limit: usize = param(params, "limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(50)
        .clamp(1, 100);
    let data = rows
        .iter()
        .skip((page - 1) * limit)
        .take(limit)
        .map(f)
        .collect();
    let meta = json!({"page": page, "limit": limit, "totalItems": rows.len(), "totalPages": rows.len().div_ceil(limit)});
    (data, meta)
}

pub fn resp(status: u16, body: String) -> HttpResponse {
    HttpResponse {
        status,
        body: body.into_bytes(),
    }
}

pub fn rate_limited(retry_after_seconds: f64) -> HttpResponse {
    resp(
        429,
        json!({"message": "Rate limit exceeded", "code": "rate_limited",
               "details": {"retryAfterSeconds": retry_after_seconds, "limit": 30, "remaining": 0}})
        .to_string(),
    )
}

/// `v2/observations` for `https://host/base/api/public/v2/observations?…`.
pub fn route_of(url: &str) -> String {
    let path = url.split('?').next().unwrap_or("");
    path.split_once("/api/public/")
        .map(|(_, r)| r.to_owned())
        .unwrap_or_default()
}

/// Query parameters, decoded the way a form parser does (so an unescaped `+` becomes a space).
pub fn params_of(url: &str) -> Vec<(String, String)> {
    let Some((_, query)) = url.split_once('?') else {
        return Vec::new();
    };
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (form_decode(k), form_decode(v))
        })
        .collect()
}

fn form_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub fn param(params: &[(String, String)], key: &str) -> Option<String> {
    params
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
}

/// A transport over a [`FakeLangfuse`] on a [`VirtualClock`].
#[derive(Clone)]
pub struct FakeTransport {
    pub server: Rc<FakeLangfuse>,
    pub clock: VirtualClock,
    jitter_state: Rc<Cell<u64>>,
    /// Cancel this token when the n-th request (0-based) is sent, to test cancellation mid-flight.
    pub cancel_at_request: Option<(u64, CancelToken)>,
}

impl FakeTransport {
    pub fn new(server: FakeLangfuse) -> Self {
        Self {
            server: Rc::new(server),
            clock: VirtualClock::new(T0 + 7 * 86_400_000),
            jitter_state: Rc::new(Cell::new(42)),
            cancel_at_request: None,
        }
    }
}

impl Transport for FakeTransport {
    fn get(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        cancel: &CancelToken,
    ) -> impl Future<Output = Result<HttpResponse, TransportError>> {
        let url = url.to_owned();
        let auth = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
            .map(|(_, v)| (*v).to_owned());
        let cancel = cancel.clone();
        let this = self.clone();
        async move {
            if cancel.is_cancelled() {
                return Err(TransportError::Aborted);
            }
            let start = this.clock.now();
            let n = this.server.requests() as u64;
            if let Some((at, token)) = &this.cancel_at_request
                && n == *at
            {
                token.cancel();
            }
            let result = this.server.handle(&url, auth.as_deref(), start);
            yield_now().await;
            this.clock.advance_to(start + this.server.request_ms);
            if cancel.is_cancelled() {
                return Err(TransportError::Aborted);
            }
            result
        }
    }

    fn sleep_ms(&self, ms: u64) -> impl Future<Output = ()> {
        let clock = self.clock.clone();
        let deadline = clock.now() + ms as i64;
        async move {
            clock.advance_to(deadline);
            yield_now().await;
        }
    }

    fn now_ms(&self) -> i64 {
        self.clock.now()
    }

    fn jitter(&self) -> f64 {
        // xorshift64*: deterministic, good enough for jitter.
        let mut x = self.jitter_state.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.jitter_state.set(x);
        (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}
