//! The "Connect to Langfuse" form as typed values, and its validation into [`ConnectSettings`].
//!
//! Input: what the user typed ([`ConnectForm`], plain strings, as the inputs hold them). Output: settings
//! the client can use, or one [`FormError`] whose `Display` is the sentence the form shows. Pure: no
//! storage, no network. The secret key stays inside [`loupe_langfuse::Credentials`] (redacted when printed).

use loupe_langfuse::hosts::HostError;
use loupe_langfuse::plan::{PlanPreset, RateBudget};
use loupe_langfuse::{BaseUrl, Credentials, HostPreset};

/// Where the project lives, as the host picker offers it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HostChoice {
    Cloud(HostPreset),
    /// Any other base URL (self-hosted, optionally under a base path).
    SelfHosted,
}

impl HostChoice {
    /// Every choice, in picker order.
    pub fn all() -> Vec<HostChoice> {
        HostPreset::ALL
            .into_iter()
            .map(HostChoice::Cloud)
            .chain(std::iter::once(HostChoice::SelfHosted))
            .collect()
    }

    /// The `<option value>` text.
    pub fn slug(self) -> &'static str {
        match self {
            HostChoice::Cloud(HostPreset::CloudEu) => "eu",
            HostChoice::Cloud(HostPreset::CloudUs) => "us",
            HostChoice::Cloud(HostPreset::CloudJp) => "jp",
            HostChoice::Cloud(HostPreset::CloudHipaa) => "hipaa",
            HostChoice::SelfHosted => "self-hosted",
        }
    }

    /// The choice whose slug is `text` (the EU region for anything else).
    pub fn from_slug(text: &str) -> Self {
        Self::all()
            .into_iter()
            .find(|choice| choice.slug() == text)
            .unwrap_or(HostChoice::Cloud(HostPreset::CloudEu))
    }

    /// The picker label.
    pub fn label(self) -> &'static str {
        match self {
            HostChoice::Cloud(preset) => preset.label(),
            HostChoice::SelfHosted => "Self-hosted (enter the URL)",
        }
    }
}

/// The `<option value>` text of a plan preset.
pub fn plan_slug(plan: PlanPreset) -> &'static str {
    match plan {
        PlanPreset::Hobby => "hobby",
        PlanPreset::Core => "core",
        PlanPreset::Pro => "pro",
        PlanPreset::Enterprise => "enterprise",
        PlanPreset::SelfHosted => "self-hosted",
    }
}

/// The preset whose slug is `text` (Hobby, the most careful budget, for anything else).
pub fn plan_from_slug(text: &str) -> PlanPreset {
    PlanPreset::ALL
        .into_iter()
        .find(|plan| plan_slug(*plan) == text)
        .unwrap_or(PlanPreset::Hobby)
}

/// The text the rate field shows for a preset: its requests per minute, or empty for unlimited.
pub fn rate_text(plan: PlanPreset) -> String {
    plan.budget()
        .requests_per_minute
        .map_or_else(String::new, |n| n.to_string())
}

/// Rows Loupe loads into the browser before it offers server-side figures instead (issue 3).
pub const DEFAULT_MAX_ROWS: u64 = 2_000_000;

/// The form's fields, as typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectForm {
    pub host: HostChoice,
    /// Used when `host` is [`HostChoice::SelfHosted`].
    pub self_hosted_url: String,
    pub public_key: String,
    pub secret_key: String,
    pub plan: PlanPreset,
    /// Requests per minute on the public API; empty means unlimited.
    pub requests_per_minute: String,
    /// Row ceiling; empty means the default.
    pub max_rows: String,
    /// Keep the keys in `localStorage` (on) or only in this tab's `sessionStorage` (off, the default).
    pub remember: bool,
}

impl Default for ConnectForm {
    fn default() -> Self {
        Self {
            host: HostChoice::Cloud(HostPreset::CloudEu),
            self_hosted_url: String::new(),
            public_key: String::new(),
            secret_key: String::new(),
            plan: PlanPreset::Hobby,
            requests_per_minute: rate_text(PlanPreset::Hobby),
            max_rows: DEFAULT_MAX_ROWS.to_string(),
            remember: false,
        }
    }
}

/// Validated connection settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectSettings {
    pub base_url: BaseUrl,
    pub credentials: Credentials,
    pub plan: PlanPreset,
    /// The plan's budget with the user's requests-per-minute.
    pub budget: RateBudget,
    pub max_rows: u64,
    pub remember: bool,
}

/// Why the form cannot be used yet. The `Display` text is shown under the form.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    #[error("{0}")]
    Host(HostError),
    #[error("Enter the project's public key (pk-lf-…), from the project's settings → API keys.")]
    MissingPublicKey,
    #[error(
        "Enter the project's secret key (sk-lf-…); it is shown once when the key pair is created."
    )]
    MissingSecretKey,
    #[error(
        "The two keys look swapped: the public key starts with pk-lf-, the secret key with sk-lf-."
    )]
    SwappedKeys,
    #[error("Requests per minute must be a whole number of at least 1, or empty for no limit.")]
    BadRate,
    #[error("The row ceiling must be a whole number of at least 1,000.")]
    BadMaxRows,
}

impl ConnectForm {
    /// The form for stored settings (so the panel shows what is in use).
    pub fn from_settings(settings: &ConnectSettings) -> Self {
        let host = match HostPreset::from_base_url(&settings.base_url) {
            Some(preset) => HostChoice::Cloud(preset),
            None => HostChoice::SelfHosted,
        };
        Self {
            host,
            self_hosted_url: match host {
                HostChoice::SelfHosted => settings.base_url.as_str().to_owned(),
                HostChoice::Cloud(_) => String::new(),
            },
            public_key: settings.credentials.public_key.clone(),
            secret_key: settings.credentials.secret_key.expose().to_owned(),
            plan: settings.plan,
            requests_per_minute: settings
                .budget
                .requests_per_minute
                .map_or_else(String::new, |n| n.to_string()),
            max_rows: settings.max_rows.to_string(),
            remember: settings.remember,
        }
    }

    /// Picks a plan and resets the rate field to the plan's value.
    pub fn choose_plan(&mut self, plan: PlanPreset) {
        self.plan = plan;
        self.requests_per_minute = rate_text(plan);
    }

    /// Validates the form.
    pub fn settings(&self) -> Result<ConnectSettings, FormError> {
        let base_url = match self.host {
            HostChoice::Cloud(preset) => BaseUrl::preset(preset),
            HostChoice::SelfHosted => {
                BaseUrl::parse(&self.self_hosted_url).map_err(FormError::Host)?
            }
        };
        let credentials = Credentials::new(self.public_key.as_str(), self.secret_key.as_str());
        if credentials.public_key.is_empty() {
            return Err(FormError::MissingPublicKey);
        }
        if credentials.secret_key.is_empty() {
            return Err(FormError::MissingSecretKey);
        }
        if credentials.public_key.starts_with("sk-lf-")
            || credentials.secret_key.expose().starts_with("pk-lf-")
        {
            return Err(FormError::SwappedKeys);
        }
        let rate = self.requests_per_minute.trim().replace(',', "");
        let requests_per_minute = if rate.is_empty() {
            None
        } else {
            match rate.parse::<u32>() {
                Ok(n) if n >= 1 => Some(n),
                _ => return Err(FormError::BadRate),
            }
        };
        let ceiling = self.max_rows.trim().replace(',', "");
        let max_rows = if ceiling.is_empty() {
            DEFAULT_MAX_ROWS
        } else {
            match ceiling.parse::<u64>() {
                Ok(n) if n >= 1_000 => n,
                _ => return Err(FormError::BadMaxRows),
            }
        };
        Ok(ConnectSettings {
            base_url,
            credentials,
            plan: self.plan,
            budget: RateBudget {
                requests_per_minute,
                ..self.plan.budget()
            },
            max_rows,
            remember: self.remember,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn filled() -> ConnectForm {
        ConnectForm {
            public_key: " pk-lf-1 ".into(),
            secret_key: "sk-lf-2\n".into(),
            ..ConnectForm::default()
        }
    }

    #[test]
    fn a_filled_form_gives_cloud_settings_with_the_plan_budget() {
        let settings = filled().settings().unwrap();
        assert_eq!(settings.base_url.as_str(), "https://cloud.langfuse.com");
        assert_eq!(settings.credentials.public_key, "pk-lf-1");
        assert_eq!(settings.credentials.secret_key.expose(), "sk-lf-2");
        assert_eq!(settings.budget, PlanPreset::Hobby.budget());
        assert_eq!(settings.max_rows, DEFAULT_MAX_ROWS);
        assert!(!settings.remember, "keys are not remembered unless asked");
    }

    #[test]
    fn self_hosted_urls_keep_their_base_path_and_bad_ones_say_why() {
        let mut form = filled();
        form.host = HostChoice::SelfHosted;
        form.self_hosted_url = "https://example.com/langfuse/".into();
        assert_eq!(
            form.settings().unwrap().base_url.as_str(),
            "https://example.com/langfuse"
        );
        form.self_hosted_url = "ftp://example.com".into();
        let message = form.settings().unwrap_err().to_string();
        assert!(message.contains("http or https"), "{message}");
    }

    #[test]
    fn missing_or_swapped_keys_are_refused() {
        let mut form = filled();
        form.public_key = "  ".into();
        assert_eq!(form.settings(), Err(FormError::MissingPublicKey));
        form.public_key = "pk-lf-1".into();
        form.secret_key.clear();
        assert_eq!(form.settings(), Err(FormError::MissingSecretKey));
        form.public_key = "sk-lf-2".into();
        form.secret_key = "pk-lf-1".into();
        assert_eq!(form.settings(), Err(FormError::SwappedKeys));
    }

    #[test]
    fn the_rate_is_editable_and_empty_means_unlimited() {
        let mut form = filled();
        form.requests_per_minute = "1,000".into();
        assert_eq!(
            form.settings().unwrap().budget.requests_per_minute,
            Some(1000)
        );
        form.requests_per_minute = String::new();
        assert_eq!(form.settings().unwrap().budget.requests_per_minute, None);
        form.requests_per_minute = "0".into();
        assert_eq!(form.settings(), Err(FormError::BadRate));
        form.requests_per_minute = "fast".into();
        assert_eq!(form.settings(), Err(FormError::BadRate));
        form.choose_plan(PlanPreset::SelfHosted);
        assert_eq!(form.requests_per_minute, "");
        form.choose_plan(PlanPreset::Pro);
        assert_eq!(form.settings().unwrap().budget, PlanPreset::Pro.budget());
        form.max_rows = "10".into();
        assert_eq!(form.settings(), Err(FormError::BadMaxRows));
    }

    #[test]
    fn settings_survive_a_round_trip_through_the_form() {
        let mut form = filled();
        form.host = HostChoice::SelfHosted;
        form.self_hosted_url = "http://127.0.0.1:4174".into();
        form.choose_plan(PlanPreset::Core);
        form.remember = true;
        let settings = form.settings().unwrap();
        assert_eq!(
            ConnectForm::from_settings(&settings).settings().unwrap(),
            settings
        );
        let cloud = filled().settings().unwrap();
        assert_eq!(
            ConnectForm::from_settings(&cloud).host,
            HostChoice::Cloud(HostPreset::CloudEu)
        );
    }

    #[test]
    fn slugs_round_trip() {
        for choice in HostChoice::all() {
            assert_eq!(HostChoice::from_slug(choice.slug()), choice);
        }
        for plan in PlanPreset::ALL {
            assert_eq!(plan_from_slug(plan_slug(plan)), plan);
        }
    }
}
