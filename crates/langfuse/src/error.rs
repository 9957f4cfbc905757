//! The one error type of the client layer, and how HTTP answers map onto it.
//!
//! Every failure a request to Langfuse can end in becomes an [`ApiError`]: a transport failure
//! ([`crate::transport::TransportError`]), an HTTP status with Langfuse's JSON error body (API.md §2, §4, §5),
//! or a body that does not decode. Its `Display` text is the user-facing sentence (what happened and what to
//! do); [`ApiError::kind`] gives the UI a state to branch on without matching on text.
//!
//! Mapping of statuses ([`ApiError::from_status`]): 401 → `Unauthorized`, 403 → `Forbidden`, 404 →
//! `NotFound`, 429 → `RateLimited` (with `details.retryAfterSeconds` when the body has it; `Retry-After` is
//! not readable from a browser), 5xx → `Server`, any other non-2xx → `BadRequest` (400, 405, 422 carry a
//! message worth showing). Langfuse's `message` is kept verbatim (it is plain text, shown as text).

use crate::transport::TransportError;

/// What went wrong talking to Langfuse.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// No HTTP answer: DNS, refused connection, TLS, timeout, or a CORS rejection (a browser cannot tell
    /// these apart).
    #[error(
        "Langfuse at {host} is unreachable or blocked by CORS ({detail}). Check the address, your network, and that no proxy or browser extension blocks the request."
    )]
    Unreachable { host: String, detail: String },
    /// 401: the keys were not accepted.
    #[error(
        "Langfuse rejected the API keys ({message}). Check that the public and secret key belong to the same project and to this host (keys from one Cloud region do not work in another)."
    )]
    Unauthorized { message: String },
    /// 403: the keys are valid but of the wrong kind (organization key, Bearer / public-key-only auth).
    #[error(
        "Langfuse refused access ({message}). Use a project API key pair (public and secret key from the project's settings), not an organization key."
    )]
    Forbidden { message: String },
    /// 404: the route does not exist on this instance (no v4 read path, legacy route removed).
    #[error(
        "This Langfuse instance does not offer {path} ({message}). It may be an older self-hosted version, or the base URL may be wrong."
    )]
    NotFound { path: String, message: String },
    /// 429: the organization's rate budget is spent for now.
    #[error("Langfuse's rate limit was reached ({message}). {}", retry_sentence(*retry_after_seconds))]
    RateLimited {
        retry_after_seconds: Option<f64>,
        message: String,
    },
    /// 5xx: Langfuse (or a proxy in front of it) failed.
    #[error("Langfuse answered with a server error ({status}: {message}). Try again in a moment.")]
    Server { status: u16, message: String },
    /// Another 4xx: Langfuse refused the request as sent (bad parameter, query too heavy, …).
    #[error("Langfuse refused the request ({status}: {message}).{}", hint_for(*status))]
    BadRequest { status: u16, message: String },
    /// The answer arrived but is not what the API describes (or was cut short).
    #[error(
        "Langfuse's answer could not be read ({detail}). Try again; if it persists, the server may not be a compatible Langfuse version."
    )]
    Decode { detail: String },
    /// The user (or a page change) cancelled the operation.
    #[error("Cancelled.")]
    Cancelled,
}

/// The state an error puts the UI in, without its details.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ApiErrorKind {
    Unreachable,
    Unauthorized,
    Forbidden,
    NotFound,
    RateLimited,
    Server,
    BadRequest,
    Decode,
    Cancelled,
}

fn retry_sentence(retry_after_seconds: Option<f64>) -> String {
    match retry_after_seconds {
        Some(s) if s.is_finite() && s >= 0.0 => {
            format!("Loupe waits {} s and continues.", s.ceil())
        }
        _ => "Loupe waits and continues.".to_owned(),
    }
}

fn hint_for(status: u16) -> &'static str {
    if status == 422 {
        " Narrow the time range or add filters."
    } else {
        ""
    }
}

impl ApiError {
    /// The UI state this error stands for.
    pub fn kind(&self) -> ApiErrorKind {
        match self {
            Self::Unreachable { .. } => ApiErrorKind::Unreachable,
            Self::Unauthorized { .. } => ApiErrorKind::Unauthorized,
            Self::Forbidden { .. } => ApiErrorKind::Forbidden,
            Self::NotFound { .. } => ApiErrorKind::NotFound,
            Self::RateLimited { .. } => ApiErrorKind::RateLimited,
            Self::Server { .. } => ApiErrorKind::Server,
            Self::BadRequest { .. } => ApiErrorKind::BadRequest,
            Self::Decode { .. } => ApiErrorKind::Decode,
            Self::Cancelled => ApiErrorKind::Cancelled,
        }
    }

    /// Whether the same request may succeed if sent again later (the scheduler retries these).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::Unreachable { .. }
                | Self::RateLimited { .. }
                | Self::Server { .. }
                | Self::Decode { .. }
        )
    }

    /// Whether no further request with the same keys can succeed (stop everything and tell the user).
    pub fn is_auth(&self) -> bool {
        matches!(self, Self::Unauthorized { .. } | Self::Forbidden { .. })
    }

    /// The error for a non-2xx status. `message` is Langfuse's `message` field (or `None` when the body had
    /// none); `retry_after_seconds` is `details.retryAfterSeconds` from a 429 body; `path` names the route
    /// for 404s.
    pub fn from_status(
        status: u16,
        message: Option<String>,
        retry_after_seconds: Option<f64>,
        path: &str,
    ) -> Self {
        let message = message
            .filter(|m| !m.trim().is_empty())
            .unwrap_or_else(|| default_message(status));
        match status {
            401 => Self::Unauthorized { message },
            403 => Self::Forbidden { message },
            404 => Self::NotFound {
                path: route_of(path),
                message,
            },
            429 => Self::RateLimited {
                retry_after_seconds,
                message,
            },
            500..=599 => Self::Server { status, message },
            _ => Self::BadRequest { status, message },
        }
    }

    /// The error for a request that got no HTTP answer. `host` is the base URL (never a URL with a query).
    pub fn from_transport(error: TransportError, host: &str) -> Self {
        match error {
            TransportError::Aborted => Self::Cancelled,
            TransportError::Unreachable(detail) => Self::Unreachable {
                host: host.to_owned(),
                detail,
            },
            TransportError::Timeout { after_ms } => Self::Unreachable {
                host: host.to_owned(),
                detail: format!("no answer within {} s", after_ms / 1000),
            },
            TransportError::BodyInterrupted(detail) => Self::Decode {
                detail: format!("the connection dropped while reading the answer: {detail}"),
            },
        }
    }
}

/// The path part of a URL, without the query (which may carry a cursor) and the origin.
fn route_of(url: &str) -> String {
    let without_query = url.split(['?', '#']).next().unwrap_or(url);
    match without_query.find("/api/public/") {
        Some(at) => without_query.get(at..).unwrap_or(without_query).to_owned(),
        None => without_query.to_owned(),
    }
}

fn default_message(status: u16) -> String {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "no message",
    }
    .to_owned()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_their_variants() {
        let m = || Some("m".to_owned());
        assert_eq!(
            ApiError::from_status(401, m(), None, "").kind(),
            ApiErrorKind::Unauthorized
        );
        assert_eq!(
            ApiError::from_status(403, m(), None, "").kind(),
            ApiErrorKind::Forbidden
        );
        assert_eq!(
            ApiError::from_status(404, m(), None, "").kind(),
            ApiErrorKind::NotFound
        );
        assert_eq!(
            ApiError::from_status(429, m(), Some(12.0), ""),
            ApiError::RateLimited {
                retry_after_seconds: Some(12.0),
                message: "m".into()
            }
        );
        for s in [500, 502, 503, 504] {
            assert_eq!(
                ApiError::from_status(s, m(), None, "").kind(),
                ApiErrorKind::Server
            );
        }
        for s in [400, 405, 422] {
            assert_eq!(
                ApiError::from_status(s, m(), None, "").kind(),
                ApiErrorKind::BadRequest
            );
        }
    }

    #[test]
    fn transient_and_auth_classes() {
        assert!(ApiError::from_status(503, None, None, "").is_transient());
        assert!(ApiError::from_status(429, None, None, "").is_transient());
        assert!(!ApiError::from_status(401, None, None, "").is_transient());
        assert!(ApiError::from_status(403, None, None, "").is_auth());
        assert!(!ApiError::from_status(400, None, None, "").is_transient());
        assert!(!ApiError::Cancelled.is_transient());
    }

    #[test]
    fn sentences_say_what_happened_and_what_to_do() {
        let e = ApiError::from_status(
            401,
            Some("Invalid credentials. Confirm that you've configured the correct host.".into()),
            None,
            "",
        );
        let text = e.to_string();
        assert!(
            text.contains("rejected the API keys") && text.contains("Invalid credentials"),
            "{text}"
        );
        let e = ApiError::from_status(403, None, None, "");
        assert!(e.to_string().contains("organization key"));
        let e = ApiError::from_status(429, Some("Rate limit exceeded".into()), Some(11.2), "");
        assert!(e.to_string().contains("waits 12 s"), "{e}");
        let e = ApiError::from_transport(
            TransportError::Unreachable("TypeError: Failed to fetch".into()),
            "https://x",
        );
        assert!(
            e.to_string().contains("unreachable or blocked by CORS"),
            "{e}"
        );
        let e = ApiError::from_status(
            422,
            Some("Your query could not be completed.".into()),
            None,
            "",
        );
        assert!(e.to_string().contains("Narrow the time range"), "{e}");
    }

    #[test]
    fn not_found_names_the_route_but_never_the_query() {
        let e = ApiError::from_status(
            404,
            None,
            None,
            "https://h.example/lf/api/public/v2/observations?limit=1&cursor=abc",
        );
        assert_eq!(
            e,
            ApiError::NotFound {
                path: "/api/public/v2/observations".into(),
                message: "Not Found".into()
            }
        );
    }

    #[test]
    fn empty_messages_fall_back_to_the_status_text() {
        assert_eq!(
            ApiError::from_status(502, Some("  ".into()), None, ""),
            ApiError::Server {
                status: 502,
                message: "Bad Gateway".into()
            }
        );
    }

    #[test]
    fn transport_failures_map() {
        assert_eq!(
            ApiError::from_transport(TransportError::Aborted, "h"),
            ApiError::Cancelled
        );
        assert_eq!(
            ApiError::from_transport(TransportError::Timeout { after_ms: 30_000 }, "h").kind(),
            ApiErrorKind::Unreachable
        );
        assert_eq!(
            ApiError::from_transport(TransportError::BodyInterrupted("eof".into()), "h").kind(),
            ApiErrorKind::Decode
        );
    }
}
