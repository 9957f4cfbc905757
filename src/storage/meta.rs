//! What the local cache knows about one host + project, apart from the pages themselves: the covered time
//! ranges (for incremental refresh), when the models list was fetched, and the figures the cache panel
//! shows.
//!
//! Stored as JSON text in IndexedDB beside the pages. It never holds keys: [`CacheMeta`] has no field a
//! key could go into, and it is built only from the base URL and what the connection test found.

use crate::json::{self, Fields, ObjectWriter};
use loupe_langfuse::plan::{Coverage, CoveredRange};
use loupe_langfuse::{BaseUrl, ConnectionInfo, TimeRange};

/// One cache: a host and a project on it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CacheKey(String);

impl CacheKey {
    /// The key of `info`'s project on `base_url` (by project id; by name, then "default", when the
    /// instance did not say).
    pub fn new(base_url: &BaseUrl, info: &ConnectionInfo) -> Self {
        let project = info
            .project_id
            .as_deref()
            .or(info.project_name.as_deref())
            .unwrap_or("default");
        Self(format!("{}#{project}", base_url.as_str()))
    }

    /// A key as stored.
    pub fn from_stored(text: &str) -> Self {
        Self(text.to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The cache's own record.
#[derive(Clone, Debug, PartialEq)]
pub struct CacheMeta {
    pub key: String,
    /// The base URL (no keys, no query).
    pub host: String,
    pub project_id: Option<String>,
    pub project_name: Option<String>,
    /// Covered ranges as `[from_ms, to_ms, fetched_at_ms]`.
    pub coverage: Vec<[i64; 3]>,
    /// Observations in the store after the last load or fetch.
    pub rows: u64,
    /// Scores in the store after the last load or fetch (0 in records older than scores).
    pub scores: u64,
    /// Bytes of the stored pages.
    pub bytes: u64,
    /// Stored pages (observation and models pages).
    pub pages: u64,
    /// When the models list was last fetched into the cache (0: never; missing in older records).
    pub models_fetched_at_ms: i64,
    pub updated_at_ms: i64,
}

impl CacheMeta {
    /// An empty record for `key`.
    pub fn new(key: &CacheKey, base_url: &BaseUrl, info: &ConnectionInfo) -> Self {
        Self {
            key: key.as_str().to_owned(),
            host: base_url.as_str().to_owned(),
            project_id: info.project_id.clone(),
            project_name: info.project_name.clone(),
            coverage: Vec::new(),
            rows: 0,
            scores: 0,
            bytes: 0,
            pages: 0,
            models_fetched_at_ms: 0,
            updated_at_ms: 0,
        }
    }

    /// The covered ranges.
    pub fn coverage(&self) -> Coverage {
        Coverage::from_entries(
            self.coverage
                .iter()
                .map(|[from_ms, to_ms, fetched_at_ms]| CoveredRange {
                    range: TimeRange::new(*from_ms, *to_ms),
                    fetched_at_ms: *fetched_at_ms,
                })
                .collect(),
        )
    }

    /// Replaces the covered ranges.
    pub fn set_coverage(&mut self, coverage: &Coverage) {
        self.coverage = coverage
            .entries()
            .iter()
            .map(|e| [e.range.from_ms, e.range.to_ms, e.fetched_at_ms])
            .collect();
    }

    /// The span from the first covered instant to the last (`None` when nothing is covered).
    pub fn covered_span(&self) -> Option<TimeRange> {
        let from_ms = self.coverage.iter().map(|c| c[0]).min()?;
        let to_ms = self.coverage.iter().map(|c| c[1]).max()?;
        Some(TimeRange::new(from_ms, to_ms))
    }

    /// The stored text: a JSON object with the fields in camelCase.
    pub fn to_json(&self) -> String {
        let mut coverage = String::from("[");
        for (i, entry) in self.coverage.iter().enumerate() {
            if i > 0 {
                coverage.push(',');
            }
            coverage.push_str(&json::i64_array_text(entry));
        }
        coverage.push(']');
        ObjectWriter::new()
            .str("key", &self.key)
            .str("host", &self.host)
            .opt_str("projectId", self.project_id.as_deref())
            .opt_str("projectName", self.project_name.as_deref())
            .raw("coverage", &coverage)
            .u64("rows", self.rows)
            .u64("scores", self.scores)
            .u64("bytes", self.bytes)
            .u64("pages", self.pages)
            .i64("modelsFetchedAtMs", self.models_fetched_at_ms)
            .i64("updatedAtMs", self.updated_at_ms)
            .finish()
    }

    /// Reads stored text; `None` when unreadable (the cache is then treated as empty).
    pub fn from_json(text: &str) -> Option<Self> {
        let value = json::parse(text)?;
        let f = Fields::of(&value)?;
        let coverage = f
            .opt_array("coverage")
            .ok()??
            .iter()
            .map(|entry| {
                let triple: [i64; 3] = json::i64_array(entry.as_array()?)?.try_into().ok()?;
                Some(triple)
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Self {
            key: f.str("key")?,
            host: f.str("host")?,
            project_id: f.opt_str("projectId").ok()?,
            project_name: f.opt_str("projectName").ok()?,
            coverage,
            rows: f.u64("rows")?,
            scores: f.u64_or_default("scores").ok()?,
            bytes: f.u64("bytes")?,
            pages: f.u64("pages")?,
            models_fetched_at_ms: f.i64_or_default("modelsFetchedAtMs").ok()?,
            updated_at_ms: f.i64("updatedAtMs")?,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use loupe_langfuse::ReadPath;

    fn info() -> ConnectionInfo {
        ConnectionInfo {
            project_id: Some("cm3k9".into()),
            project_name: Some("Bot".into()),
            organization_name: None,
            server_version: None,
            read_path: ReadPath::V4,
        }
    }

    #[test]
    fn the_key_is_host_and_project() {
        let base = BaseUrl::parse("https://example.com/langfuse/").unwrap();
        assert_eq!(
            CacheKey::new(&base, &info()).as_str(),
            "https://example.com/langfuse#cm3k9"
        );
        let unnamed = ConnectionInfo {
            project_id: None,
            project_name: None,
            ..info()
        };
        assert_eq!(
            CacheKey::new(&base, &unnamed).as_str(),
            "https://example.com/langfuse#default"
        );
    }

    #[test]
    fn coverage_and_figures_survive_storage() {
        let base = BaseUrl::parse("http://127.0.0.1:4174").unwrap();
        let key = CacheKey::new(&base, &info());
        let mut meta = CacheMeta::new(&key, &base, &info());
        let mut coverage = Coverage::new();
        coverage.record(TimeRange::new(1_000, 5_000), 9_000);
        coverage.record(TimeRange::new(7_000, 8_000), 9_500);
        meta.set_coverage(&coverage);
        meta.rows = 12;
        let back = CacheMeta::from_json(&meta.to_json()).unwrap();
        assert_eq!(back, meta);
        assert_eq!(back.coverage(), coverage);
        assert_eq!(back.covered_span(), Some(TimeRange::new(1_000, 8_000)));
        assert_eq!(CacheMeta::from_json("[]"), None);
    }

    #[test]
    fn the_stored_text_is_what_serde_wrote_before() {
        // Records written by earlier builds (serde, camelCase) must still read.
        let info = ConnectionInfo {
            project_name: None,
            ..info()
        };
        let base = BaseUrl::parse("http://127.0.0.1:4174").unwrap();
        let mut meta = CacheMeta::new(&CacheKey::new(&base, &info), &base, &info);
        meta.coverage = vec![[1_000, 5_000, 9_000]];
        meta.rows = 12;
        meta.models_fetched_at_ms = 5;
        meta.updated_at_ms = -3;
        let text = r#"{"key":"http://127.0.0.1:4174#cm3k9","host":"http://127.0.0.1:4174","projectId":"cm3k9","projectName":null,"coverage":[[1000,5000,9000]],"rows":12,"bytes":0,"pages":0,"modelsFetchedAtMs":5,"updatedAtMs":-3}"#;
        assert_eq!(CacheMeta::from_json(text), Some(meta.clone()));
        // Records now carry the scores count after the rows; otherwise the same bytes.
        let with_scores = CacheMeta {
            scores: 4,
            ..meta.clone()
        };
        assert_eq!(
            with_scores.to_json(),
            text.replace(r#""rows":12,"#, r#""rows":12,"scores":4,"#)
        );
        assert_eq!(
            CacheMeta::from_json(&with_scores.to_json()),
            Some(with_scores)
        );
        // Older records have no models time; a bad coverage entry rejects the record.
        let older = text.replace("\"modelsFetchedAtMs\":5,", "");
        assert_eq!(
            CacheMeta::from_json(&older).unwrap().models_fetched_at_ms,
            0
        );
        let bad = text.replace("[1000,5000,9000]", "[1000,5000]");
        assert_eq!(CacheMeta::from_json(&bad), None);
    }

    #[test]
    fn the_stored_text_holds_no_key_material() {
        let base = BaseUrl::parse("http://127.0.0.1:4174").unwrap();
        let meta = CacheMeta::new(&CacheKey::new(&base, &info()), &base, &info());
        let text = meta.to_json();
        for word in ["secret", "publicKey", "sk-lf", "pk-lf", "Authorization"] {
            assert!(!text.contains(word), "{text}");
        }
    }
}
