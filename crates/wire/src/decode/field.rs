//! Field readers shared by the row decoders: each consumes exactly one value, and either returns what the
//! field means or fails the field (the row is then skipped and reported) with a reason a user can act on.

use std::borrow::Cow;

use super::num;
use super::scan::{Scanner, Str, SyntaxError, Tok};
use super::snippet;
use super::time::timestamp_ms;

/// A field that made its row undecodable.
pub(super) struct FieldIssue {
    pub field: Cow<'static, str>,
    pub reason: String,
}

pub(super) enum Fail {
    Syntax(SyntaxError),
    Field(Box<FieldIssue>),
}

impl From<SyntaxError> for Fail {
    fn from(e: SyntaxError) -> Self {
        Fail::Syntax(e)
    }
}

pub(super) type FResult<T> = Result<T, Fail>;

pub(super) fn field_fail<T>(field: impl Into<Cow<'static, str>>, reason: String) -> FResult<T> {
    Err(Fail::Field(Box::new(FieldIssue {
        field: field.into(),
        reason,
    })))
}

/// Consumes a value of the wrong type (containers are skipped) and fails the field.
pub(super) fn wrong_type<T>(
    sc: &mut Scanner<'_>,
    tok: Tok,
    field: impl Into<Cow<'static, str>>,
    expected: &str,
) -> FResult<T> {
    if matches!(tok, Tok::Object | Tok::Array) {
        sc.skip_value()?;
    }
    field_fail(field, format!("expected {expected}, found {}", tok.kind()))
}

/// Copies an escaped key out of the key buffer into the scratch buffer so it survives the next key.
#[inline]
pub(super) fn copy_key(key: Str, keybuf: &str, scratch: &mut String) -> Str {
    match key {
        Str::Scratch(a, b) => {
            let start = scratch.len();
            scratch.push_str(keybuf.get(a..b).unwrap_or(""));
            Str::Scratch(start, scratch.len())
        }
        other => other,
    }
}

/// Positions inside an object (`true`), or consumes `null`/`""` (`false`); anything else fails the field.
pub(super) fn object_or_null(
    sc: &mut Scanner<'_>,
    scratch: &mut String,
    field: &'static str,
) -> FResult<bool> {
    match sc.token(scratch)? {
        Tok::Object => {
            sc.enter();
            Ok(true)
        }
        Tok::Null => Ok(false),
        Tok::Str(s) if s.is_empty() => Ok(false),
        tok => wrong_type(sc, tok, field, "an object"),
    }
}

/// A scalar as text (`Ok(None)` for null and `""`); containers are reported as `Err(tok)` unconsumed.
#[inline]
pub(super) fn scalar_text(
    sc: &mut Scanner<'_>,
    scratch: &mut String,
) -> Result<Result<Option<Str>, Tok>, SyntaxError> {
    Ok(match sc.token(scratch)? {
        Tok::Str(s) => Ok((!s.is_empty()).then_some(s)),
        Tok::Num(a, b) => Ok(Some(Str::Input(a, b))),
        Tok::Bool(v) => Ok(Some(Str::Static(if v { "true" } else { "false" }))),
        Tok::Null => Ok(None),
        tok @ (Tok::Object | Tok::Array) => Err(tok),
    })
}

/// A text field: strings (`""` is missing), numbers and booleans as their text, null as missing.
#[inline(never)]
pub(super) fn opt_text(
    sc: &mut Scanner<'_>,
    scratch: &mut String,
    field: &'static str,
) -> FResult<Option<Str>> {
    // Most text fields are plain strings right after the colon.
    if sc.at(b'"') {
        let s = sc.string(scratch)?;
        return Ok((!s.is_empty()).then_some(s));
    }
    match scalar_text(sc, scratch)? {
        Ok(v) => Ok(v),
        Err(tok) => wrong_type(sc, tok, field, "a string"),
    }
}

/// A timestamp field: an RFC 3339 string; null and `""` are missing.
#[inline]
pub(super) fn opt_time(
    sc: &mut Scanner<'_>,
    scratch: &mut String,
    field: &'static str,
) -> FResult<Option<i64>> {
    if let Some(ms) = sc.fixed_string(24, super::time::fast) {
        return Ok(Some(ms));
    }
    let text = sc.text();
    match sc.token(scratch)? {
        Tok::Str(s) if s.is_empty() => Ok(None),
        Tok::Str(s) => {
            let t = s.resolve(text, scratch);
            match timestamp_ms(t) {
                Some(ms) => Ok(Some(ms)),
                None => field_fail(field, format!("not a timestamp: {:?}", snippet(t, 40))),
            }
        }
        Tok::Null => Ok(None),
        tok => wrong_type(sc, tok, field, "a timestamp string"),
    }
}

pub(super) fn opt_bool(
    sc: &mut Scanner<'_>,
    scratch: &mut String,
    field: &'static str,
) -> FResult<Option<bool>> {
    let text = sc.text();
    match sc.token(scratch)? {
        Tok::Bool(v) => Ok(Some(v)),
        Tok::Null => Ok(None),
        Tok::Str(s) => match s.resolve(text, scratch) {
            "" => Ok(None),
            "true" | "TRUE" | "True" | "1" => Ok(Some(true)),
            "false" | "FALSE" | "False" | "0" => Ok(Some(false)),
            other => field_fail(field, format!("not a boolean: {:?}", snippet(other, 40))),
        },
        Tok::Num(a, b) => match text.get(a..b) {
            Some("1") => Ok(Some(true)),
            Some("0") => Ok(Some(false)),
            _ => field_fail(field, "expected a boolean, found a number".into()),
        },
        tok => wrong_type(sc, tok, field, "a boolean"),
    }
}

pub(super) fn opt_i64(
    sc: &mut Scanner<'_>,
    scratch: &mut String,
    field: &'static str,
) -> FResult<Option<i64>> {
    let text = sc.text();
    let (parsed, shown) = match sc.token(scratch)? {
        Tok::Num(a, b) => {
            let t = text.get(a..b).unwrap_or("");
            (num::parse_i64(t), t)
        }
        Tok::Str(s) if s.is_empty() => return Ok(None),
        Tok::Str(s) => {
            let t = s.resolve(text, scratch);
            (num::parse_i64(t), t)
        }
        Tok::Null => return Ok(None),
        tok => return wrong_type(sc, tok, field, "an integer"),
    };
    parsed.or_else(|e| field_fail(field, format!("{}: {:?}", e.reason(), snippet(shown, 40))))
}

pub(super) fn opt_f64(
    sc: &mut Scanner<'_>,
    scratch: &mut String,
    field: &'static str,
) -> FResult<Option<f64>> {
    let text = sc.text();
    let (parsed, shown) = match sc.token(scratch)? {
        Tok::Num(a, b) => {
            let t = text.get(a..b).unwrap_or("");
            (num::parse_f64(t), t)
        }
        Tok::Str(s) => {
            let t = s.resolve(text, scratch);
            (num::parse_f64(t), t)
        }
        Tok::Null => return Ok(None),
        tok => return wrong_type(sc, tok, field, "a number"),
    };
    parsed.or_else(|e| field_fail(field, format!("{}: {:?}", e.reason(), snippet(shown, 40))))
}
