//! The connection kept on this device, so that a reload reconnects: in `sessionStorage` (this tab only, the
//! default) or, when the user asks Loupe to remember the keys, in `localStorage`.
//!
//! This is the only place the secret key is written anywhere, and only to those two stores: never to the
//! URL, IndexedDB, a snapshot or a log. [`SavedConnection`]'s `Debug` redacts it. What the connection test
//! found (project id and name, read path) is kept beside the keys so a reload needs no new test.

use super::form::{ConnectSettings, plan_from_slug, plan_slug};
use crate::json::{self, Fields, ObjectWriter};
use loupe_langfuse::{BaseUrl, ConnectionInfo, Credentials, ReadPath};

/// The storage key (versioned: a future format gets a new key instead of misreading this one).
pub const STORAGE_KEY: &str = "loupe.connection.v1";

/// A connection as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct SavedConnection {
    pub base_url: String,
    pub public_key: String,
    pub secret_key: String,
    pub plan: String,
    pub requests_per_minute: Option<u32>,
    pub max_rows: u64,
    pub remember: bool,
    pub project_id: Option<String>,
    pub project_name: Option<String>,
    pub organization_name: Option<String>,
    pub server_version: Option<String>,
    pub legacy: bool,
}

impl std::fmt::Debug for SavedConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SavedConnection")
            .field("base_url", &self.base_url)
            .field("public_key", &self.public_key)
            .field("secret_key", &"(redacted)")
            .field("project_name", &self.project_name)
            .finish_non_exhaustive()
    }
}

impl SavedConnection {
    /// What to store for a tested connection.
    pub fn new(settings: &ConnectSettings, info: &ConnectionInfo) -> Self {
        Self {
            base_url: settings.base_url.as_str().to_owned(),
            public_key: settings.credentials.public_key.clone(),
            secret_key: settings.credentials.secret_key.expose().to_owned(),
            plan: plan_slug(settings.plan).to_owned(),
            requests_per_minute: settings.budget.requests_per_minute,
            max_rows: settings.max_rows,
            remember: settings.remember,
            project_id: info.project_id.clone(),
            project_name: info.project_name.clone(),
            organization_name: info.organization_name.clone(),
            server_version: info.server_version.clone(),
            legacy: info.read_path == ReadPath::Legacy,
        }
    }

    /// The settings and test result back; `None` when the stored base URL no longer parses.
    pub fn restore(&self) -> Option<(ConnectSettings, ConnectionInfo)> {
        let plan = plan_from_slug(&self.plan);
        let settings = ConnectSettings {
            base_url: BaseUrl::parse(&self.base_url).ok()?,
            credentials: Credentials::new(self.public_key.as_str(), self.secret_key.as_str()),
            plan,
            budget: loupe_langfuse::RateBudget {
                requests_per_minute: self.requests_per_minute,
                ..plan.budget()
            },
            max_rows: self.max_rows,
            remember: self.remember,
        };
        let info = ConnectionInfo {
            project_id: self.project_id.clone(),
            project_name: self.project_name.clone(),
            organization_name: self.organization_name.clone(),
            server_version: self.server_version.clone(),
            read_path: if self.legacy {
                ReadPath::Legacy
            } else {
                ReadPath::V4
            },
        };
        Some((settings, info))
    }

    /// The stored text: a JSON object with the fields in camelCase (`baseUrl`, `publicKey`, ...).
    pub fn to_json(&self) -> String {
        ObjectWriter::new()
            .str("baseUrl", &self.base_url)
            .str("publicKey", &self.public_key)
            .str("secretKey", &self.secret_key)
            .str("plan", &self.plan)
            .opt_u64("requestsPerMinute", self.requests_per_minute.map(u64::from))
            .u64("maxRows", self.max_rows)
            .bool("remember", self.remember)
            .opt_str("projectId", self.project_id.as_deref())
            .opt_str("projectName", self.project_name.as_deref())
            .opt_str("organizationName", self.organization_name.as_deref())
            .opt_str("serverVersion", self.server_version.as_deref())
            .bool("legacy", self.legacy)
            .finish()
    }

    /// Reads stored text; `None` for anything unreadable (it is then ignored, not an error).
    pub fn from_json(text: &str) -> Option<Self> {
        let value = json::parse(text)?;
        let f = Fields::of(&value)?;
        Some(Self {
            base_url: f.str("baseUrl")?,
            public_key: f.str("publicKey")?,
            secret_key: f.str("secretKey")?,
            plan: f.str("plan")?,
            requests_per_minute: f.opt_u32("requestsPerMinute").ok()?,
            max_rows: f.u64("maxRows")?,
            remember: f.bool("remember")?,
            project_id: f.opt_str("projectId").ok()?,
            project_name: f.opt_str("projectName").ok()?,
            organization_name: f.opt_str("organizationName").ok()?,
            server_version: f.opt_str("serverVersion").ok()?,
            legacy: f.bool("legacy")?,
        })
    }
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

/// Stores `saved` where its `remember` flag says, and removes it from the other store.
pub fn save(saved: &SavedConnection) {
    let (keep, drop) = if saved.remember {
        (local_storage(), session_storage())
    } else {
        (session_storage(), local_storage())
    };
    if let Some(store) = drop {
        let _ = store.remove_item(STORAGE_KEY);
    }
    if let Some(store) = keep {
        // A full or disabled store only means the connection is not kept across reloads.
        let _ = store.set_item(STORAGE_KEY, &saved.to_json());
    }
}

/// The stored connection, this tab's first, then the remembered one.
pub fn load() -> Option<SavedConnection> {
    [session_storage(), local_storage()]
        .into_iter()
        .flatten()
        .find_map(|store| store.get_item(STORAGE_KEY).ok().flatten())
        .and_then(|text| SavedConnection::from_json(&text))
}

/// Removes the keys from both stores ("Forget keys").
pub fn forget() {
    for store in [session_storage(), local_storage()].into_iter().flatten() {
        let _ = store.remove_item(STORAGE_KEY);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::connect::form::ConnectForm;
    use loupe_langfuse::plan::PlanPreset;

    fn settings() -> ConnectSettings {
        let mut form = ConnectForm {
            public_key: "pk-lf-public".into(),
            secret_key: "sk-lf-very-secret".into(),
            ..ConnectForm::default()
        };
        form.choose_plan(PlanPreset::Pro);
        form.requests_per_minute = "250".into();
        form.settings().unwrap()
    }

    fn info() -> ConnectionInfo {
        ConnectionInfo {
            project_id: Some("p1".into()),
            project_name: Some("Bot".into()),
            organization_name: None,
            server_version: Some("4.16.0".into()),
            read_path: ReadPath::V4,
        }
    }

    #[test]
    fn a_saved_connection_restores_the_same_settings_and_test_result() {
        let saved = SavedConnection::new(&settings(), &info());
        let back = SavedConnection::from_json(&saved.to_json()).unwrap();
        assert_eq!(back, saved);
        let (restored, restored_info) = back.restore().unwrap();
        assert_eq!(restored, settings());
        assert_eq!(restored_info, info());
    }

    #[test]
    fn the_stored_text_is_what_serde_wrote_before() {
        // Connections saved by earlier builds (serde, camelCase) must still restore.
        let saved = SavedConnection::new(&settings(), &info());
        let text = saved.to_json();
        assert_eq!(
            text,
            r#"{"baseUrl":"https://cloud.langfuse.com","publicKey":"pk-lf-public","secretKey":"sk-lf-very-secret","plan":"pro","requestsPerMinute":250,"maxRows":2000000,"remember":false,"projectId":"p1","projectName":"Bot","organizationName":null,"serverVersion":"4.16.0","legacy":false}"#
        );
        let wrong = text.replace("\"maxRows\":2000000", "\"maxRows\":\"many\"");
        assert_eq!(SavedConnection::from_json(&wrong), None);
    }

    #[test]
    fn debug_output_redacts_the_secret_key() {
        let saved = SavedConnection::new(&settings(), &info());
        let debug = format!("{saved:?}");
        assert!(!debug.contains("very-secret"), "{debug}");
        assert!(debug.contains("pk-lf-public"));
    }

    #[test]
    fn unreadable_text_is_ignored() {
        assert_eq!(SavedConnection::from_json("{not json"), None);
        assert_eq!(SavedConnection::from_json("{}"), None);
        let mut saved = SavedConnection::new(&settings(), &info());
        saved.base_url = "ftp://x".into();
        assert!(saved.restore().is_none());
    }
}
