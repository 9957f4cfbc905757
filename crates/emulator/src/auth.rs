//! Basic auth with Langfuse's exact failure bodies (API.md §2). Stricter than Langfuse in one way: the
//! public key must match too (Langfuse finds keys by the secret and only logs a wrong public key).

use hyper::StatusCode;

use crate::http::{Answer, State};

/// Accepts the configured Basic key pair; otherwise the 401/403 Langfuse sends.
pub(crate) fn check(state: &State, authorization: Option<&str>) -> Result<(), Answer> {
    check_with(
        state,
        authorization,
        "Access denied - insufficient permissions for this endpoint",
    )
}

/// `/api/public/projects` words its 403 differently.
pub(crate) fn check_projects(state: &State, authorization: Option<&str>) -> Result<(), Answer> {
    check_with(
        state,
        authorization,
        "Invalid API key. Are you using an organization key?",
    )
}

fn check_with(state: &State, authorization: Option<&str>, forbidden: &str) -> Result<(), Answer> {
    let unauthorized = |m: &str| Err(Answer::message(StatusCode::UNAUTHORIZED, m));
    let Some(value) = authorization.map(str::trim).filter(|v| !v.is_empty()) else {
        return unauthorized("No authorization header");
    };
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    match scheme {
        "Basic" => {
            let decoded = loupe_synth::base64_standard_decode(rest.trim())
                .and_then(|b| String::from_utf8(b).ok());
            let Some((public, secret)) = decoded.as_deref().and_then(|d| d.split_once(':')) else {
                return unauthorized(
                    "Invalid authorization header. Confirm that you've configured the correct host.",
                );
            };
            if public == state.config.public_key && secret == state.config.secret_key {
                Ok(())
            } else {
                unauthorized(
                    "Invalid credentials. Confirm that you've configured the correct host.",
                )
            }
        }
        "Bearer" => {
            if rest.trim() == state.config.public_key {
                Err(Answer::message(StatusCode::FORBIDDEN, forbidden))
            } else {
                unauthorized("Invalid public key. Confirm that you've configured the correct host.")
            }
        }
        _ => unauthorized("Invalid authorization header"),
    }
}
