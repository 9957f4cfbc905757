//! Page envelopes: `{"data":[...],"meta":{...}}` with other top-level keys skipped.

use super::num;
use super::scan::{Scanner, SyntaxError, Tok};
use super::{DecodeError, PageSummary, snippet};
use crate::wire::PageMeta;

pub(super) fn trailing(sc: &Scanner<'_>, rows: u32) -> DecodeError {
    DecodeError::Syntax {
        offset: sc.pos(),
        reason: "unexpected characters after the JSON value".into(),
        rows_delivered: rows,
    }
}

/// Walks a page object: `data` goes to `on_data` (positioned on the array), `meta` is read, the rest skipped.
/// `dyn`: one copy of this walk serves every page type (called once per page, so the indirection is free).
pub(super) fn decode_page<'t>(
    text: &'t str,
    expected: &'static str,
    summary: &mut PageSummary,
    on_data: &mut dyn FnMut(&mut Scanner<'t>, &mut PageSummary) -> Result<(), SyntaxError>,
) -> Result<PageMeta, DecodeError> {
    let mut sc = Scanner::new(text);
    let syntax = |e, summary: &PageSummary| DecodeError::syntax(e, summary.rows);
    match sc.peek() {
        Some(b'{') => sc.enter(),
        _ => {
            // Validate first so that broken JSON is reported as such, not as "wrong shape".
            let found = match Scanner::new(text).skip_value() {
                Err(e) => return Err(syntax(e, summary)),
                Ok(()) => match text.trim_start().as_bytes().first() {
                    Some(b'[') => "an array".to_owned(),
                    _ => format!("{:?}", snippet(text.trim(), 60)),
                },
            };
            return Err(DecodeError::NotAPage { expected, found });
        }
    }
    let mut meta = PageMeta::default();
    let mut saw_data = false;
    let mut message: Option<String> = None;
    let mut keybuf = String::new();
    let mut scratch = String::new();
    let mut first = true;
    while let Some(key) = sc
        .next_key(&mut first, &mut keybuf)
        .map_err(|e| syntax(e, summary))?
    {
        match key.resolve(text, &keybuf) {
            "data" if !saw_data && sc.peek() == Some(b'[') => {
                saw_data = true;
                on_data(&mut sc, summary).map_err(|e| syntax(e, summary))?;
            }
            "meta" if sc.peek() == Some(b'{') => {
                meta = read_meta(&mut sc, &mut scratch).map_err(|e| syntax(e, summary))?;
            }
            "message" | "error" if message.is_none() && sc.peek() == Some(b'"') => {
                scratch.clear();
                let s = sc.string(&mut scratch).map_err(|e| syntax(e, summary))?;
                message = Some(snippet(s.resolve(text, &scratch), 200));
            }
            _ => sc.skip_value().map_err(|e| syntax(e, summary))?,
        }
    }
    if !sc.at_end() {
        return Err(trailing(&sc, summary.rows));
    }
    if !saw_data {
        let found = match message {
            Some(m) => format!("an object without a `data` array (message: {m:?})"),
            None => "an object without a `data` array".to_owned(),
        };
        return Err(DecodeError::NotAPage { expected, found });
    }
    Ok(meta)
}

/// Reads a `meta` object (positioned on `{`). Unknown keys and values of unexpected types are ignored.
pub(super) fn read_meta(
    sc: &mut Scanner<'_>,
    scratch: &mut String,
) -> Result<PageMeta, SyntaxError> {
    let text = sc.text();
    let mut meta = PageMeta::default();
    let mut keybuf = String::new();
    sc.enter();
    let mut first = true;
    while let Some(key) = sc.next_key(&mut first, &mut keybuf)? {
        let key = key.resolve(text, &keybuf);
        scratch.clear();
        let tok = sc.token(scratch)?;
        let as_text = match tok {
            Tok::Str(s) => Some(s.resolve(text, scratch)),
            Tok::Num(a, b) => text.get(a..b),
            Tok::Object | Tok::Array => {
                sc.skip_value()?;
                None
            }
            Tok::Bool(_) | Tok::Null => None,
        };
        let int = || as_text.and_then(|t| num::parse_units(t).ok().flatten());
        match key {
            "cursor" => {
                meta.cursor = as_text
                    .filter(|t| !t.is_empty() && matches!(tok, Tok::Str(_)))
                    .map(str::to_owned)
            }
            "page" => meta.page = int().and_then(|v| u32::try_from(v).ok()),
            "limit" => meta.limit = int().and_then(|v| u32::try_from(v).ok()),
            "totalItems" => meta.total_items = int(),
            "totalPages" => meta.total_pages = int().and_then(|v| u32::try_from(v).ok()),
            _ => {}
        }
    }
    Ok(meta)
}
