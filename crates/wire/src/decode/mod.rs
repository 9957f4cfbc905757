//! Tolerant decoding of Langfuse response bodies into engine rows and wire types.
//!
//! Inputs are raw response bodies (`&[u8]`). Outputs:
//! - observations (v2 pages, v1 pages, files of v2 objects) and scores are handed to a sink one borrowed row
//!   at a time ([`loupe_core::ObservationRow`], [`loupe_core::ScoreRow`]), in wire order, built straight from
//!   the bytes: no `serde_json::Value`, no per-row allocation once the decoder's buffers have grown
//!   ([`ObservationDecoder`] keeps them across pages: about one allocation per page, for the cursor);
//! - the small responses (models, projects, health, metrics, legacy traces, error bodies) come back as values.
//!
//! Tolerance (API.md §7, §9, §12): `""` is missing; unknown `type`/`level` values are kept as
//! `Other` plus their text; missing field groups leave fields missing; numbers may use exponent notation or
//! arrive as quoted strings; usage units may be floats (`12.0`) or strings and stay exact as `u64` above 2^53;
//! a string field holding a number or boolean keeps its text; metadata and model parameters keep scalars as
//! text and nested values as their JSON text; invalid UTF-8 becomes U+FFFD.
//!
//! Failure has two levels:
//! - a row that cannot be decoded (missing `id` or `startTime`, a timestamp that is not one, a field of a type
//!   that cannot stand for its meaning such as an object for `endTime` or a negative token count) is skipped
//!   and reported as a [`RowIssue`] (page, row index, wire field, reason); the rest of the page is kept;
//! - a body that is not a page ([`DecodeError`]): empty, not JSON, or JSON of another shape. Rows decoded
//!   before a syntax error have already been handed to the sink (re-fetching the page is harmless: the store
//!   replaces rows by id); [`DecodeError::Syntax`] says how many.
//!
//! Nothing here panics on any input: all indexing is checked and nesting is walked without recursion.

mod fast;
mod field;
mod legacy;
mod misc;
mod models;
mod num;
mod observation;
mod page;
mod scan;
mod score;
mod time;
mod value;

use std::borrow::Cow;

pub use legacy::{legacy_sessions_page, legacy_trace_detail, legacy_traces_page};
pub use misc::{error_body, health, metrics_rows, projects};
pub use models::models_page;
pub use observation::{
    ObservationDecoder, legacy_observations_page, observation_records, observations_any,
    observations_page,
};
pub use score::scores_page;
pub use time::timestamp_ms;

/// A row that was skipped, and why.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RowIssue {
    /// The page number the caller passed (0 for files).
    pub page: u32,
    /// Zero-based index of the row within the page's `data` array (for JSON lines: the zero-based line).
    pub row: u32,
    /// Wire name of the offending field (`startTime`, `usageDetails.input`), or `""` for the row as a whole.
    pub field: String,
    pub reason: String,
}

impl std::fmt::Display for RowIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.field.is_empty() {
            write!(f, "page {} row {}: {}", self.page, self.row, self.reason)
        } else {
            write!(
                f,
                "page {} row {} field `{}`: {}",
                self.page, self.row, self.field, self.reason
            )
        }
    }
}

/// What decoding one body produced besides its rows.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct PageSummary {
    /// Rows handed to the sink.
    pub rows: u32,
    /// Rows skipped, in order.
    pub skipped: Vec<RowIssue>,
    /// `meta.cursor` when more rows exist (absent, `null` and `""` all mean "last page").
    pub cursor: Option<String>,
    /// Size of the body in bytes.
    pub bytes: usize,
}

/// Why a body as a whole could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("the response body is empty")]
    Empty,
    /// Malformed JSON. `rows_delivered` rows before `offset` were already handed to the sink.
    #[error("the response body is not valid JSON ({reason} at byte {offset})")]
    Syntax {
        offset: usize,
        reason: String,
        rows_delivered: u32,
    },
    /// Valid JSON of the wrong shape (an error object, an array where a page belongs, ...).
    #[error("the response is not {expected}: {found}")]
    NotAPage {
        expected: &'static str,
        found: String,
    },
}

impl DecodeError {
    fn syntax(e: scan::SyntaxError, rows_delivered: u32) -> Self {
        DecodeError::Syntax {
            offset: e.offset,
            reason: e.reason.to_owned(),
            rows_delivered,
        }
    }
}

/// The body as text (a leading byte-order mark dropped): borrowed when it is valid UTF-8, otherwise a copy with U+FFFD for bad bytes.
fn body_text(body: &[u8]) -> Result<Cow<'_, str>, DecodeError> {
    let body = body.strip_prefix("\u{feff}".as_bytes()).unwrap_or(body);
    // SIMD validation (std's checks a word at a time, four bytes in wasm32); the lossy conversion is much
    // slower, so it is only the fallback.
    let text = match simdutf8::basic::from_utf8(body) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(body),
    };
    if text.trim_start_matches([' ', '\t', '\r', '\n']).is_empty() {
        return Err(DecodeError::Empty);
    }
    Ok(text)
}

/// At most `max` characters of `text`, for messages.
fn snippet(text: &str, max: usize) -> String {
    let mut out: String = text.chars().take(max).collect();
    if text.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

/// The paging metadata of a list page (`meta`: `page`, `limit`, `totalItems`, `totalPages`, `cursor`),
/// skipping its rows. Used with the page-based legacy lists, whose row decoders return a [`PageSummary`].
pub fn page_meta(body: &[u8]) -> Result<crate::wire::PageMeta, DecodeError> {
    let text = body_text(body)?;
    let mut summary = PageSummary::default();
    page::decode_page(&text, "a list page", &mut summary, &mut |sc, _| {
        sc.skip_value()
    })
}
