//! Tolerant accessors over `serde_json::Value` for the small responses (models, projects, health, metrics,
//! error bodies). The hot paths never come here.

use serde_json::Value;

use super::scan::Scanner;
use super::time::timestamp_ms;
use super::{DecodeError, body_text, num, snippet};
use crate::wire::PageMeta;

/// Parses a body into a value. Syntax is checked by the crate's scanner first, so that errors carry a byte
/// offset and the same wording as everywhere else.
pub(super) fn parse_json(body: &[u8]) -> Result<Value, DecodeError> {
    let text = body_text(body)?;
    let mut sc = Scanner::new(&text);
    sc.skip_value().map_err(|e| DecodeError::syntax(e, 0))?;
    if !sc.at_end() {
        return Err(super::page::trailing(&sc, 0));
    }
    // Only the tolerated `NaN`/`Infinity` tokens and nesting deeper than serde_json's limit get here.
    serde_json::from_str(&text).map_err(|e| DecodeError::Syntax {
        offset: 0,
        reason: e.to_string(),
        rows_delivered: 0,
    })
}

/// The `data` array of a list body, or why the body is not one.
pub(super) fn data_array<'v>(
    root: &'v Value,
    expected: &'static str,
) -> Result<&'v Vec<Value>, DecodeError> {
    match root {
        Value::Object(o) => match o.get("data") {
            Some(Value::Array(rows)) => Ok(rows),
            _ => Err(DecodeError::NotAPage {
                expected,
                found: match opt_string(o.get("message")) {
                    Some(m) => format!(
                        "an object without a `data` array (message: {:?})",
                        snippet(&m, 200)
                    ),
                    None => "an object without a `data` array".to_owned(),
                },
            }),
        },
        Value::Array(_) => Err(DecodeError::NotAPage {
            expected,
            found: "an array".into(),
        }),
        other => Err(DecodeError::NotAPage {
            expected,
            found: snippet(&other.to_string(), 60),
        }),
    }
}

/// `meta` of a list body (missing or odd members are `None`).
pub(super) fn page_meta_of(root: &Value) -> PageMeta {
    let Some(meta) = root.get("meta").and_then(Value::as_object) else {
        return PageMeta::default();
    };
    let u32_of = |k: &str| opt_u64(meta.get(k)).and_then(|v| u32::try_from(v).ok());
    PageMeta {
        page: u32_of("page"),
        limit: u32_of("limit"),
        total_items: opt_u64(meta.get("totalItems")),
        total_pages: u32_of("totalPages"),
        cursor: meta
            .get("cursor")
            .and_then(Value::as_str)
            .filter(|c| !c.is_empty())
            .map(str::to_owned),
    }
}

/// A string (`""` is missing), or a number's or boolean's text.
pub(super) fn opt_string(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A finite number, or a string holding one.
pub(super) fn opt_f64(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64().filter(|x| x.is_finite()),
        Value::String(s) => num::parse_f64(s).ok().flatten(),
        _ => None,
    }
}

/// A non-negative integer from a number or a string (floats like `12.0` included).
pub(super) fn opt_u64(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n
            .as_u64()
            .or_else(|| num::parse_units(&n.to_string()).ok().flatten()),
        Value::String(s) => num::parse_units(s).ok().flatten(),
        _ => None,
    }
}

pub(super) fn opt_i64(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| num::parse_i64(&n.to_string()).ok().flatten()),
        Value::String(s) => num::parse_i64(s).ok().flatten(),
        _ => None,
    }
}

pub(super) fn opt_bool(v: Option<&Value>) -> Option<bool> {
    match v? {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        Value::Number(n) => n.as_f64().map(|x| x != 0.0),
        _ => None,
    }
}

pub(super) fn time_ms(v: Option<&Value>) -> Option<i64> {
    v.and_then(Value::as_str).and_then(timestamp_ms)
}

/// A value as display text: strings as themselves, everything else as its JSON text; null is missing.
pub(super) fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}
