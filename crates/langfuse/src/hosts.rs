//! Where a Langfuse project lives and how Loupe authenticates to it.
//!
//! - [`HostPreset`]: the four Langfuse Cloud regions (API.md §1).
//! - [`BaseUrl`]: a validated, normalised base URL (preset or self-hosted, optionally under a base path such
//!   as `https://example.com/langfuse`). It has no trailing slash; [`BaseUrl::api`] appends
//!   `/api/public/<path>`. Only `http` and `https` are accepted; anything else is a [`HostError`] with a
//!   sentence the connection form can show as is.
//! - [`Credentials`]: a project's public and secret key, sent as HTTP Basic (API.md §2). The secret half is a
//!   [`SecretKey`] whose `Debug` and `Display` print a redaction, so formatting a `Credentials` value (into a
//!   log, a panic message, an error) cannot leak it.

use std::fmt;

use base64::Engine as _;

/// A Langfuse Cloud region.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HostPreset {
    /// `https://cloud.langfuse.com` (eu-west-1).
    CloudEu,
    /// `https://us.cloud.langfuse.com` (us-west-2).
    CloudUs,
    /// `https://jp.cloud.langfuse.com` (ap-northeast-1).
    CloudJp,
    /// `https://hipaa.cloud.langfuse.com` (us-west-2, HIPAA).
    CloudHipaa,
}

impl HostPreset {
    /// Every preset, in the order a picker shows them.
    pub const ALL: [HostPreset; 4] = [
        Self::CloudEu,
        Self::CloudUs,
        Self::CloudJp,
        Self::CloudHipaa,
    ];

    /// The region's base URL (no trailing slash).
    pub fn base_url(self) -> &'static str {
        match self {
            Self::CloudEu => "https://cloud.langfuse.com",
            Self::CloudUs => "https://us.cloud.langfuse.com",
            Self::CloudJp => "https://jp.cloud.langfuse.com",
            Self::CloudHipaa => "https://hipaa.cloud.langfuse.com",
        }
    }

    /// A short label for a picker.
    pub fn label(self) -> &'static str {
        match self {
            Self::CloudEu => "Langfuse Cloud (EU)",
            Self::CloudUs => "Langfuse Cloud (US)",
            Self::CloudJp => "Langfuse Cloud (Japan)",
            Self::CloudHipaa => "Langfuse Cloud (HIPAA, US)",
        }
    }

    /// The preset whose base URL equals `base`, if any (so a stored URL shows as its region again).
    pub fn from_base_url(base: &BaseUrl) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|p| p.base_url() == base.as_str())
    }
}

/// Why a typed base URL was refused. The `Display` text is the sentence to show.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HostError {
    #[error("Enter the address of your Langfuse instance, for example https://cloud.langfuse.com.")]
    Empty,
    #[error(
        "\"{0}\" has no http:// or https:// prefix. Enter the full address, for example https://{0}."
    )]
    MissingScheme(String),
    #[error(
        "Loupe talks to Langfuse over http or https only; \"{scheme}:\" is not supported. Enter an address starting with https://."
    )]
    UnsupportedScheme { scheme: String },
    #[error(
        "The address has no host name after \"{scheme}://\". Enter, for example, https://langfuse.example.com."
    )]
    MissingHost { scheme: String },
    #[error(
        "The address may not contain spaces, a query (?) or a fragment (#), or user names before the host; enter only the scheme, host and optional base path."
    )]
    Malformed,
}

/// A normalised Langfuse base URL: `http(s)://host[:port][/base/path]`, lower-case scheme and host, no
/// trailing slash, no `/api/public` suffix.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct BaseUrl(String);

impl BaseUrl {
    /// Validates and normalises what a user typed (or a stored value).
    ///
    /// Accepts surrounding whitespace, trailing slashes and a pasted `/api/public` suffix (all removed).
    pub fn parse(input: &str) -> Result<Self, HostError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(HostError::Empty);
        }
        let Some((scheme, rest)) = trimmed.split_once("://") else {
            // `localhost:3000` or `cloud.langfuse.com` without a scheme; `mailto:x` has a scheme but no `//`.
            return match trimmed.split_once(':') {
                Some((scheme, after)) if !after.starts_with(|c: char| c.is_ascii_digit()) => {
                    Err(HostError::UnsupportedScheme {
                        scheme: scheme.to_owned(),
                    })
                }
                _ => Err(HostError::MissingScheme(trimmed.to_owned())),
            };
        };
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Err(HostError::UnsupportedScheme { scheme });
        }
        if rest
            .chars()
            .any(|c| c.is_whitespace() || c == '?' || c == '#' || c == '@' || c == '\\')
        {
            return Err(HostError::Malformed);
        }
        let (authority, path) = match rest.find('/') {
            Some(at) => rest.split_at(at),
            None => (rest, ""),
        };
        if authority.is_empty() || authority.starts_with(':') {
            return Err(HostError::MissingHost { scheme });
        }
        let mut path = path.trim_end_matches('/');
        // People paste the API root from the docs; the base is what precedes it.
        for suffix in ["/api/public", "/api"] {
            if let Some(stripped) = path.strip_suffix(suffix) {
                path = stripped.trim_end_matches('/');
                break;
            }
        }
        // Collapse `//` inside the base path so joined URLs stay canonical.
        let mut normalised_path = String::with_capacity(path.len());
        for segment in path.split('/').filter(|s| !s.is_empty()) {
            normalised_path.push('/');
            normalised_path.push_str(segment);
        }
        Ok(Self(format!(
            "{scheme}://{}{normalised_path}",
            authority.to_ascii_lowercase()
        )))
    }

    /// The base URL of a Cloud region.
    pub fn preset(preset: HostPreset) -> Self {
        Self(preset.base_url().to_owned())
    }

    /// The normalised text (no trailing slash).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `{base}/api/public/{path_and_query}`; `path_and_query` must not start with `/`
    /// (for example `"v2/observations?limit=1"`).
    pub fn api(&self, path_and_query: &str) -> String {
        format!(
            "{}/api/public/{}",
            self.0,
            path_and_query.trim_start_matches('/')
        )
    }

    /// Whether this is plain http (browsers block it from an https page as mixed content).
    pub fn is_plain_http(&self) -> bool {
        self.0.starts_with("http://")
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A Langfuse secret key (`sk-lf-…`). Printing it, with `{}` or `{:?}`, shows a redaction.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey(String);

impl SecretKey {
    /// Wraps a secret key (surrounding whitespace from a paste is removed).
    pub fn new(secret: impl Into<String>) -> Self {
        let secret: String = secret.into();
        Self(secret.trim().to_owned())
    }

    /// The key itself, for building the `Authorization` header or writing to `sessionStorage`.
    /// Call sites of this method are the only places the key can leave this type.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether no key was entered.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

const REDACTED: &str = "sk-lf-…(redacted)";

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// A project's API key pair.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    /// `pk-lf-…`; not secret on its own.
    pub public_key: String,
    /// `sk-lf-…`; redacted when printed.
    pub secret_key: SecretKey,
}

impl Credentials {
    /// A key pair (surrounding whitespace from a paste is removed).
    pub fn new(public_key: impl Into<String>, secret_key: impl Into<String>) -> Self {
        let public_key: String = public_key.into();
        Self {
            public_key: public_key.trim().to_owned(),
            secret_key: SecretKey::new(secret_key),
        }
    }

    /// The `Authorization` header value: `Basic base64(public:secret)`.
    pub fn basic_auth_header(&self) -> String {
        let pair = format!("{}:{}", self.public_key, self.secret_key.expose());
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair)
        )
    }
}

/// Everything needed to reach one project: where and with which keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Connection {
    pub base_url: BaseUrl,
    pub credentials: Credentials,
}

impl Connection {
    /// Pairs a base URL with a key pair.
    pub fn new(base_url: BaseUrl, credentials: Credentials) -> Self {
        Self {
            base_url,
            credentials,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn ok(input: &str) -> String {
        match BaseUrl::parse(input) {
            Ok(url) => url.as_str().to_owned(),
            Err(e) => panic!("{input}: {e}"),
        }
    }

    #[test]
    fn presets_are_the_four_cloud_regions() {
        let urls: Vec<_> = HostPreset::ALL.iter().map(|p| p.base_url()).collect();
        assert_eq!(
            urls,
            [
                "https://cloud.langfuse.com",
                "https://us.cloud.langfuse.com",
                "https://jp.cloud.langfuse.com",
                "https://hipaa.cloud.langfuse.com"
            ]
        );
        for p in HostPreset::ALL {
            assert_eq!(HostPreset::from_base_url(&BaseUrl::preset(p)), Some(p));
            assert_eq!(BaseUrl::parse(p.base_url()), Ok(BaseUrl::preset(p)));
        }
    }

    #[test]
    fn trailing_slashes_and_api_suffix_are_normalised() {
        assert_eq!(
            ok("https://cloud.langfuse.com/"),
            "https://cloud.langfuse.com"
        );
        assert_eq!(
            ok("  https://cloud.langfuse.com///  "),
            "https://cloud.langfuse.com"
        );
        assert_eq!(
            ok("HTTPS://Cloud.Langfuse.com"),
            "https://cloud.langfuse.com"
        );
        assert_eq!(
            ok("https://cloud.langfuse.com/api/public/"),
            "https://cloud.langfuse.com"
        );
        assert_eq!(ok("http://localhost:3000"), "http://localhost:3000");
        assert_eq!(ok("http://127.0.0.1:8080/"), "http://127.0.0.1:8080");
    }

    #[test]
    fn base_paths_are_kept_and_joined_with_api_public() {
        let base = BaseUrl::parse("https://example.com/langfuse/").unwrap();
        assert_eq!(base.as_str(), "https://example.com/langfuse");
        assert_eq!(
            base.api("v2/observations?limit=1"),
            "https://example.com/langfuse/api/public/v2/observations?limit=1"
        );
        assert_eq!(
            ok("https://example.com//tools//langfuse"),
            "https://example.com/tools/langfuse"
        );
        assert_eq!(
            BaseUrl::preset(HostPreset::CloudUs).api("/health"),
            "https://us.cloud.langfuse.com/api/public/health"
        );
    }

    #[test]
    fn non_http_schemes_are_refused_with_a_sentence() {
        for (input, expected) in [
            ("", HostError::Empty),
            ("   ", HostError::Empty),
            (
                "ftp://example.com",
                HostError::UnsupportedScheme {
                    scheme: "ftp".into(),
                },
            ),
            (
                "file:///etc/passwd",
                HostError::UnsupportedScheme {
                    scheme: "file".into(),
                },
            ),
            (
                "javascript:alert(1)",
                HostError::UnsupportedScheme {
                    scheme: "javascript".into(),
                },
            ),
            (
                "cloud.langfuse.com",
                HostError::MissingScheme("cloud.langfuse.com".into()),
            ),
            (
                "localhost:3000",
                HostError::MissingScheme("localhost:3000".into()),
            ),
            (
                "https://",
                HostError::MissingHost {
                    scheme: "https".into(),
                },
            ),
            (
                "https:///x",
                HostError::MissingHost {
                    scheme: "https".into(),
                },
            ),
            ("https://a b.com", HostError::Malformed),
            ("https://x.com/?q=1", HostError::Malformed),
            ("https://user:pw@x.com", HostError::Malformed),
        ] {
            assert_eq!(BaseUrl::parse(input), Err(expected), "{input}");
        }
        let message = BaseUrl::parse("ftp://x").unwrap_err().to_string();
        assert!(message.contains("http or https"), "{message}");
    }

    #[test]
    fn the_secret_key_never_prints_itself() {
        let creds = Credentials::new(" pk-lf-123 ", "sk-lf-very-secret\n");
        let debug = format!("{creds:?}");
        let display = format!("{}", creds.secret_key);
        let conn = Connection::new(BaseUrl::preset(HostPreset::CloudEu), creds.clone());
        let conn_debug = format!("{conn:#?}");
        for text in [&debug, &display, &conn_debug] {
            assert!(!text.contains("very-secret"), "{text}");
        }
        assert!(debug.contains("pk-lf-123"));
        assert_eq!(creds.secret_key.expose(), "sk-lf-very-secret");
    }

    #[test]
    fn basic_auth_header_encodes_public_colon_secret() {
        let creds = Credentials::new("pk-lf-1", "sk-lf-2");
        // base64("pk-lf-1:sk-lf-2")
        assert_eq!(creds.basic_auth_header(), "Basic cGstbGYtMTpzay1sZi0y");
    }
}
