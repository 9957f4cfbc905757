//! What "Test connection" tells the user: one outcome, with a title, a sentence and what to do.
//!
//! Input: the result of [`loupe_langfuse::Client::test_connection`]. Output: an [`OutcomeView`] whose
//! `state` is also the `data-state` attribute tests read. Pure.

use loupe_langfuse::{ApiError, ConnectionInfo, ReadPath};

/// The outcome classes the panel tells apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutcomeState {
    /// Connected, v4 read path.
    Connected,
    /// Connected, but only the legacy read path exists: offered as a fallback.
    LegacyOnly,
    /// No answer: host down, wrong address, or CORS.
    Unreachable,
    /// 401.
    WrongKeys,
    /// 403.
    WrongKeyType,
    /// 404 on the v4 read path and no legacy path.
    NoReadPath,
    /// Anything else (5xx, 429, an unreadable answer).
    Failed,
}

impl OutcomeState {
    /// The `data-state` value.
    pub fn slug(self) -> &'static str {
        match self {
            OutcomeState::Connected => "connected",
            OutcomeState::LegacyOnly => "legacy-only",
            OutcomeState::Unreachable => "unreachable",
            OutcomeState::WrongKeys => "wrong-keys",
            OutcomeState::WrongKeyType => "wrong-key-type",
            OutcomeState::NoReadPath => "no-read-path",
            OutcomeState::Failed => "failed",
        }
    }

    /// Whether Loupe can go on and read data.
    pub fn can_connect(self) -> bool {
        matches!(self, OutcomeState::Connected | OutcomeState::LegacyOnly)
    }
}

/// What the panel shows for one test.
#[derive(Clone, Debug, PartialEq)]
pub struct OutcomeView {
    pub state: OutcomeState,
    pub title: String,
    /// What happened and what to do.
    pub message: String,
}

/// The view of a connection test's result. `mixed_content` is true when the page is served over https and
/// the host is plain http (browsers block that before any request leaves).
pub fn outcome_view(result: &Result<ConnectionInfo, ApiError>, mixed_content: bool) -> OutcomeView {
    match result {
        Ok(info) => connected(info),
        Err(error) => failed(error, mixed_content),
    }
}

fn connected(info: &ConnectionInfo) -> OutcomeView {
    let project = info.project_name.as_deref().unwrap_or("the project");
    let mut facts = Vec::new();
    if let Some(org) = &info.organization_name {
        facts.push(format!("organization {org}"));
    }
    facts.push(match &info.server_version {
        Some(version) => format!("Langfuse {version}"),
        None => "server version not reported".to_owned(),
    });
    let facts = facts.join(" · ");
    match info.read_path {
        ReadPath::V4 => OutcomeView {
            state: OutcomeState::Connected,
            title: format!("Connected to {project}"),
            message: format!(
                "{facts}. Observations are read through the v4 path (/api/public/v2/observations)."
            ),
        },
        ReadPath::Legacy => OutcomeView {
            state: OutcomeState::LegacyOnly,
            title: format!("Connected to {project}, without the v4 read path"),
            message: format!(
                "{facts}. This instance has no /api/public/v2/observations (an older self-hosted Langfuse), \
                 but its legacy routes answer. Loupe can read through them: pages of 100 rows, so larger \
                 ranges take longer, and the local cache is not used."
            ),
        },
    }
}

fn failed(error: &ApiError, mixed_content: bool) -> OutcomeView {
    let (state, title) = match error {
        ApiError::Unreachable { .. } => {
            (OutcomeState::Unreachable, "Unreachable or blocked by CORS")
        }
        ApiError::Unauthorized { .. } => (OutcomeState::WrongKeys, "Wrong keys (401)"),
        ApiError::Forbidden { .. } => (OutcomeState::WrongKeyType, "Wrong kind of key (403)"),
        ApiError::NotFound { .. } => (OutcomeState::NoReadPath, "No v4 read path (404)"),
        _ => (OutcomeState::Failed, "The connection test failed"),
    };
    let mut message = error.to_string();
    if mixed_content && state == OutcomeState::Unreachable {
        message.push_str(
            " This page is served over https and the address is plain http: browsers block such requests. \
             Use an https address for Langfuse.",
        );
    }
    OutcomeView {
        state,
        title: title.to_owned(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(read_path: ReadPath) -> ConnectionInfo {
        ConnectionInfo {
            project_id: Some("p1".into()),
            project_name: Some("Checkout bot".into()),
            organization_name: Some("Acme".into()),
            server_version: Some("4.16.0".into()),
            read_path,
        }
    }

    #[test]
    fn success_names_the_project_and_the_version() {
        let view = outcome_view(&Ok(info(ReadPath::V4)), false);
        assert_eq!(view.state, OutcomeState::Connected);
        assert_eq!(view.title, "Connected to Checkout bot");
        assert!(view.message.contains("Langfuse 4.16.0"), "{}", view.message);
        assert!(view.message.contains("Acme"));
        assert!(view.state.can_connect());
    }

    #[test]
    fn a_legacy_only_instance_is_offered_the_fallback() {
        let view = outcome_view(&Ok(info(ReadPath::Legacy)), false);
        assert_eq!(view.state, OutcomeState::LegacyOnly);
        assert!(view.message.contains("legacy routes"), "{}", view.message);
        assert!(view.state.can_connect());
    }

    #[test]
    fn each_failure_has_its_own_state_and_keeps_langfuses_message() {
        let cases = [
            (
                ApiError::Unreachable {
                    host: "https://x".into(),
                    detail: "TypeError".into(),
                },
                OutcomeState::Unreachable,
            ),
            (
                ApiError::Unauthorized {
                    message: "Invalid credentials.".into(),
                },
                OutcomeState::WrongKeys,
            ),
            (
                ApiError::Forbidden {
                    message: "organization key".into(),
                },
                OutcomeState::WrongKeyType,
            ),
            (
                ApiError::NotFound {
                    path: "/api/public/v2/observations".into(),
                    message: "nf".into(),
                },
                OutcomeState::NoReadPath,
            ),
            (
                ApiError::Server {
                    status: 503,
                    message: "down".into(),
                },
                OutcomeState::Failed,
            ),
        ];
        for (error, state) in cases {
            let view = outcome_view(&Err(error.clone()), false);
            assert_eq!(view.state, state, "{error:?}");
            assert_eq!(view.message, error.to_string());
            assert!(!state.can_connect());
        }
        let wrong = outcome_view(
            &Err(ApiError::Unauthorized {
                message: "Invalid credentials.".into(),
            }),
            false,
        );
        assert!(wrong.message.contains("Invalid credentials."));
    }

    #[test]
    fn plain_http_from_an_https_page_is_explained() {
        let error = ApiError::Unreachable {
            host: "http://x".into(),
            detail: "TypeError".into(),
        };
        assert!(
            outcome_view(&Err(error.clone()), true)
                .message
                .contains("https address")
        );
        assert!(
            !outcome_view(&Err(error), false)
                .message
                .contains("https address")
        );
    }
}
