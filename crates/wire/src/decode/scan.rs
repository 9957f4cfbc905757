//! A zero-copy JSON pull scanner over one UTF-8 text, built for the observation hot path.
//!
//! The scanner never builds a value tree. Callers walk objects and arrays with [`Scanner::next_key`] and
//! [`Scanner::next_element`], read scalars with [`Scanner::token`], and skip whatever they do not need with
//! [`Scanner::skip_value`] (iterative, so deep nesting cannot overflow the stack).
//!
//! Strings come back as [`Str`] spans: a range of the input when the string has no escapes (the common case,
//! no copy), or a range of a caller-owned scratch `String` that received the unescaped text. Spans are turned
//! into `&str` later with [`Str::resolve`], once the scratch buffer is no longer being written.
//!
//! Grammar: RFC 8259 JSON, with three tolerances for files written by other tools: raw control characters
//! inside strings are accepted, `NaN`, `Infinity` and `-Infinity` are number tokens, and an escaped lone
//! surrogate becomes U+FFFD. Every error is a [`SyntaxError`] with the byte offset where the scanner stopped.

use std::fmt;

/// Deepest nesting [`Scanner::skip_value`] accepts (Langfuse bodies nest a handful of levels).
pub(crate) const MAX_DEPTH: usize = 1024;

/// A malformed JSON text: where the scanner stopped and what it expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub offset: usize,
    pub reason: &'static str,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.reason, self.offset)
    }
}

/// A string's text: borrowed from the input, from the scratch buffer, or a constant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Str {
    /// Byte range of the input text.
    Input(usize, usize),
    /// Byte range of the scratch buffer (an unescaped string).
    Scratch(usize, usize),
    Static(&'static str),
}

impl Str {
    /// The text of this span. Ranges always lie on character boundaries (they start and end next to ASCII
    /// quotes or at pushes into the scratch buffer), so the fallback to `""` is never taken in practice.
    #[inline]
    pub fn resolve<'r>(self, input: &'r str, scratch: &'r str) -> &'r str {
        match self {
            Str::Input(a, b) => input.get(a..b).unwrap_or(""),
            Str::Scratch(a, b) => scratch.get(a..b).unwrap_or(""),
            Str::Static(s) => s,
        }
    }

    #[inline]
    pub fn is_empty(self) -> bool {
        match self {
            Str::Input(a, b) | Str::Scratch(a, b) => a >= b,
            Str::Static(s) => s.is_empty(),
        }
    }
}

/// One scalar token, or the start of a container (not consumed: iterate it or skip it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tok {
    Str(Str),
    /// Byte range of a number's text in the input (JSON grammar, or `NaN` / `Infinity` / `-Infinity`).
    Num(usize, usize),
    Bool(bool),
    Null,
    Object,
    Array,
}

impl Tok {
    /// The JSON type name, for messages.
    pub fn kind(self) -> &'static str {
        match self {
            Tok::Str(_) => "a string",
            Tok::Num(..) => "a number",
            Tok::Bool(_) => "a boolean",
            Tok::Null => "null",
            Tok::Object => "an object",
            Tok::Array => "an array",
        }
    }
}

/// A cursor over one JSON text.
#[derive(Clone)]
pub(crate) struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

/// Slice equality eight bytes at a time: keys are short, and in wasm `==` on slices calls a byte-wise
/// `memcmp`.
#[inline(always)]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (mut a8, mut b8) = (a.chunks_exact(8), b.chunks_exact(8));
    for (x, y) in (&mut a8).zip(&mut b8) {
        let mut wx = [0u8; 8];
        let mut wy = [0u8; 8];
        wx.copy_from_slice(x);
        wy.copy_from_slice(y);
        if u64::from_le_bytes(wx) != u64::from_le_bytes(wy) {
            return false;
        }
    }
    a8.remainder()
        .iter()
        .zip(b8.remainder())
        .all(|(x, y)| x == y)
}

#[inline]
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t')
}

impl<'a> Scanner<'a> {
    pub fn new(text: &'a str) -> Self {
        Self {
            text,
            bytes: text.as_bytes(),
            pos: 0,
        }
    }

    /// A cursor at byte `pos` of `text`.
    pub fn new_at(text: &'a str, pos: usize) -> Self {
        Self {
            text,
            bytes: text.as_bytes(),
            pos,
        }
    }

    pub fn text(&self) -> &'a str {
        self.text
    }

    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Moves the cursor to byte `pos` (a position a reader of the same text reached).
    pub fn set_pos(&mut self, pos: usize) {
        self.pos = pos;
    }

    fn err<T>(&self, reason: &'static str) -> Result<T, SyntaxError> {
        Err(SyntaxError {
            offset: self.pos,
            reason,
        })
    }

    #[inline]
    fn skip_ws(&mut self) {
        while let Some(&b) = self.bytes.get(self.pos) {
            if !is_ws(b) {
                break;
            }
            self.pos += 1;
        }
    }

    /// The next non-whitespace byte, not consumed (`None` at the end of the text).
    #[inline(always)]
    pub fn peek(&mut self) -> Option<u8> {
        match self.bytes.get(self.pos) {
            // Minified JSON: the next byte is almost always the token itself.
            Some(&b) if b > b' ' => Some(b),
            _ => {
                self.skip_ws();
                self.bytes.get(self.pos).copied()
            }
        }
    }

    /// Whether the byte at the position (no whitespace skipped) is `byte`.
    #[inline(always)]
    pub fn at(&self, byte: u8) -> bool {
        self.bytes.get(self.pos) == Some(&byte)
    }

    /// Whether only whitespace is left.
    pub fn at_end(&mut self) -> bool {
        self.peek().is_none()
    }

    /// Consumes `byte` (after whitespace) or fails with `reason`.
    #[inline]
    pub fn expect(&mut self, byte: u8, reason: &'static str) -> Result<(), SyntaxError> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            self.err(reason)
        }
    }

    /// Within an object whose `{` was consumed by [`Scanner::token`]'s caller via [`Scanner::enter`]: the next
    /// key (its `:` consumed), or `None` after the closing `}`. `first` tracks the comma rule.
    #[inline]
    pub fn next_key(
        &mut self,
        first: &mut bool,
        keybuf: &mut String,
    ) -> Result<Option<Str>, SyntaxError> {
        if !self.next_member(first)? {
            return Ok(None);
        }
        self.key(keybuf).map(Some)
    }

    /// Within an object: consumes the `,` before the next member (positioned on its key's quote) and returns
    /// `true`, or consumes the closing `}` and returns `false`.
    #[inline]
    pub fn next_member(&mut self, first: &mut bool) -> Result<bool, SyntaxError> {
        match self.peek() {
            Some(b'}') => {
                self.pos += 1;
                return Ok(false);
            }
            Some(b',') if !*first => {
                self.pos += 1;
                self.skip_ws();
            }
            Some(b'"') if *first => {}
            _ => {
                return self.err(if *first {
                    "expected a key or '}'"
                } else {
                    "expected ',' or '}'"
                });
            }
        }
        *first = false;
        if self.bytes.get(self.pos) != Some(&b'"') {
            return self.err("expected a key");
        }
        Ok(true)
    }

    /// Reads a key and its `:` (positioned on the key's quote).
    #[inline]
    pub fn key(&mut self, keybuf: &mut String) -> Result<Str, SyntaxError> {
        keybuf.clear();
        let key = self.string(keybuf)?;
        self.expect(b':', "expected ':' after a key")?;
        Ok(key)
    }

    /// When the next value is a string of exactly `len` bytes for which `accept` holds (a check that also rules
    /// out quotes and backslashes, such as a timestamp parse), consumes it and returns `accept`'s answer.
    #[inline(always)]
    pub fn fixed_string<T>(
        &mut self,
        len: usize,
        accept: impl FnOnce(&[u8]) -> Option<T>,
    ) -> Option<T> {
        let start = self.pos + 1;
        if self.bytes.get(self.pos) == Some(&b'"') && self.bytes.get(start + len) == Some(&b'"') {
            let value = accept(self.bytes.get(start..start + len)?)?;
            self.pos = start + len + 1;
            return Some(value);
        }
        None
    }

    /// Consumes `"<raw>":` when the key at the position is exactly `raw` (as written, unescaped or not);
    /// otherwise leaves the position alone and returns `false`. Rows of one page repeat their keys in the
    /// same order, so the row decoder predicts each key this way and skips scanning and matching it.
    #[inline]
    pub fn eat_key(&mut self, raw: &[u8]) -> bool {
        let start = self.pos + 1;
        let end = start + raw.len();
        if self
            .bytes
            .get(start..end)
            .is_some_and(|have| same_bytes(have, raw))
            && self.bytes.get(end) == Some(&b'"')
        {
            // A `:` right after the quote is the minified case; anything else takes the general path.
            if self.bytes.get(end + 1) == Some(&b':') {
                self.pos = end + 2;
                return true;
            }
        }
        false
    }

    /// The raw text of a key read by [`Scanner::key`] at `start` (its opening quote), for [`Scanner::eat_key`].
    pub fn raw_key(&self, start: usize, key: Str) -> Option<&'a str> {
        match key {
            Str::Input(a, b) if a == start + 1 => self.text.get(a..b),
            _ => None,
        }
    }

    /// Within an array whose `[` was consumed: `true` when another element follows (positioned on it),
    /// `false` after the closing `]`.
    #[inline]
    pub fn next_element(&mut self, first: &mut bool) -> Result<bool, SyntaxError> {
        match self.peek() {
            Some(b']') => {
                self.pos += 1;
                Ok(false)
            }
            Some(b',') if !*first => {
                self.pos += 1;
                *first = false;
                Ok(true)
            }
            Some(_) if *first => {
                *first = false;
                Ok(true)
            }
            _ => self.err(if *first {
                "expected a value or ']'"
            } else {
                "expected ',' or ']'"
            }),
        }
    }

    /// Consumes the `{` or `[` that [`Scanner::token`] reported.
    #[inline]
    pub fn enter(&mut self) {
        self.pos += 1;
    }

    /// Reads the next value if it is a scalar; for an object or array reports it without consuming it.
    /// Strings with escapes are unescaped into `scratch`.
    #[inline]
    pub fn token(&mut self, scratch: &mut String) -> Result<Tok, SyntaxError> {
        match self.peek() {
            Some(b'"') => Ok(Tok::Str(self.string(scratch)?)),
            Some(b'{') => Ok(Tok::Object),
            Some(b'[') => Ok(Tok::Array),
            Some(b't') => self.literal("true", Tok::Bool(true)),
            Some(b'f') => self.literal("false", Tok::Bool(false)),
            Some(b'n') => self.literal("null", Tok::Null),
            Some(b'-' | b'0'..=b'9' | b'N' | b'I') => {
                let (a, b) = self.number()?;
                Ok(Tok::Num(a, b))
            }
            Some(_) => self.err("expected a value"),
            None => self.err("unexpected end of input"),
        }
    }

    fn literal(&mut self, word: &'static str, tok: Tok) -> Result<Tok, SyntaxError> {
        let end = self.pos + word.len();
        if self.bytes.get(self.pos..end) == Some(word.as_bytes()) {
            self.pos = end;
            Ok(tok)
        } else {
            self.err("invalid literal")
        }
    }

    /// Scans a number token (JSON grammar, or `NaN` / `Infinity` / `-Infinity`) at the position and
    /// returns its byte range.
    pub fn number_token(&mut self) -> Result<(usize, usize), SyntaxError> {
        self.number()
    }

    /// Scans a number token and returns its byte range.
    fn number(&mut self) -> Result<(usize, usize), SyntaxError> {
        let start = self.pos;
        let b = self.bytes;
        let mut i = self.pos;
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        match b.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => {
                i += 1;
                while matches!(b.get(i), Some(b'0'..=b'9')) {
                    i += 1;
                }
            }
            _ => {
                // Tolerated non-JSON tokens (Python's json.dumps writes them).
                for word in ["NaN", "Infinity"] {
                    if b.get(i..i + word.len()) == Some(word.as_bytes())
                        && (word != "NaN" || i == start)
                    {
                        self.pos = i + word.len();
                        return Ok((start, self.pos));
                    }
                }
                self.pos = i;
                return self.err("invalid number");
            }
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            if !matches!(b.get(i), Some(b'0'..=b'9')) {
                self.pos = i;
                return self.err("expected a digit after '.'");
            }
            while matches!(b.get(i), Some(b'0'..=b'9')) {
                i += 1;
            }
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            if !matches!(b.get(i), Some(b'0'..=b'9')) {
                self.pos = i;
                return self.err("expected a digit in the exponent");
            }
            while matches!(b.get(i), Some(b'0'..=b'9')) {
                i += 1;
            }
        }
        self.pos = i;
        Ok((start, i))
    }

    /// Index of the first `"` or `\` at or after `i`, or the text length.
    #[inline(always)]
    fn find_quote_or_escape(&self, i: usize) -> usize {
        super::fast::find_quote_or_escape(self.bytes, i)
    }

    /// Reads a string (positioned on its opening quote). Escaped strings are unescaped into `scratch`.
    #[inline(always)]
    pub fn string(&mut self, scratch: &mut String) -> Result<Str, SyntaxError> {
        let start = self.pos + 1;
        let end = self.find_quote_or_escape(start);
        match self.bytes.get(end) {
            Some(b'"') => {
                self.pos = end + 1;
                Ok(Str::Input(start, end))
            }
            Some(_) => self.string_escaped(start, end, scratch),
            None => {
                self.pos = end;
                self.err("unterminated string")
            }
        }
    }

    /// Slow path of [`Scanner::string`]: `esc` is the first backslash.
    fn string_escaped(
        &mut self,
        start: usize,
        mut esc: usize,
        scratch: &mut String,
    ) -> Result<Str, SyntaxError> {
        let out_start = scratch.len();
        let mut seg = start;
        loop {
            scratch.push_str(self.text.get(seg..esc).unwrap_or(""));
            self.pos = esc;
            let Some(&kind) = self.bytes.get(esc + 1) else {
                return self.err("unterminated string");
            };
            let mut next = esc + 2;
            match kind {
                b'"' => scratch.push('"'),
                b'\\' => scratch.push('\\'),
                b'/' => scratch.push('/'),
                b'b' => scratch.push('\u{8}'),
                b'f' => scratch.push('\u{c}'),
                b'n' => scratch.push('\n'),
                b'r' => scratch.push('\r'),
                b't' => scratch.push('\t'),
                b'u' => {
                    let unit = self.hex4(esc + 2)?;
                    next = esc + 6;
                    let ch = if (0xD800..0xDC00).contains(&unit) {
                        // A high surrogate pairs with an immediately following `\uDC00`..`\uDFFF`.
                        let low = if self.bytes.get(next..next + 2) == Some(b"\\u") {
                            self.hex4(next + 2)
                                .ok()
                                .filter(|l| (0xDC00..0xE000).contains(l))
                        } else {
                            None
                        };
                        match low {
                            Some(low) => {
                                next += 6;
                                char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
                            }
                            None => None,
                        }
                    } else {
                        char::from_u32(unit)
                    };
                    scratch.push(ch.unwrap_or('\u{FFFD}'));
                }
                _ => {
                    self.pos = esc + 1;
                    return self.err("invalid escape");
                }
            }
            seg = next;
            let end = self.find_quote_or_escape(seg);
            match self.bytes.get(end) {
                Some(b'"') => {
                    scratch.push_str(self.text.get(seg..end).unwrap_or(""));
                    self.pos = end + 1;
                    return Ok(Str::Scratch(out_start, scratch.len()));
                }
                Some(_) => esc = end,
                None => {
                    self.pos = end;
                    return self.err("unterminated string");
                }
            }
        }
    }

    fn hex4(&mut self, at: usize) -> Result<u32, SyntaxError> {
        let Some(digits) = self.bytes.get(at..at + 4) else {
            self.pos = at;
            return self.err("unterminated \\u escape");
        };
        let mut v = 0u32;
        for &d in digits {
            let x = match d {
                b'0'..=b'9' => d - b'0',
                b'a'..=b'f' => d - b'a' + 10,
                b'A'..=b'F' => d - b'A' + 10,
                _ => {
                    self.pos = at;
                    return self.err("invalid \\u escape");
                }
            };
            v = (v << 4) | u32::from(x);
        }
        Ok(v)
    }

    /// Skips a string without unescaping it (positioned on its opening quote).
    #[inline]
    fn skip_string(&mut self) -> Result<(), SyntaxError> {
        let mut i = self.pos + 1;
        loop {
            i = self.find_quote_or_escape(i);
            match self.bytes.get(i) {
                Some(b'"') => {
                    self.pos = i + 1;
                    return Ok(());
                }
                Some(_) => match self.bytes.get(i + 1) {
                    Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => i += 2,
                    Some(b'u') => {
                        self.hex4(i + 2)?;
                        i += 6;
                    }
                    Some(_) => {
                        self.pos = i + 1;
                        return self.err("invalid escape");
                    }
                    None => {
                        self.pos = i + 1;
                        return self.err("unterminated string");
                    }
                },
                None => {
                    self.pos = i;
                    return self.err("unterminated string");
                }
            }
        }
    }

    /// Skips one complete value of any kind, validating its syntax, without recursion.
    #[inline]
    pub fn skip_value(&mut self) -> Result<(), SyntaxError> {
        // Scalars (most skipped values) need no container stack.
        match self.peek() {
            Some(b'"') => self.skip_string(),
            Some(b'-' | b'0'..=b'9') => self.number().map(|_| ()),
            _ => self.skip_other(),
        }
    }

    /// [`Scanner::skip_value`] for containers and literals.
    fn skip_other(&mut self) -> Result<(), SyntaxError> {
        match self.peek() {
            Some(b'{' | b'[') => {}
            _ => {
                let mut sink = String::new();
                return match self.token(&mut sink)? {
                    Tok::Object | Tok::Array => self.err("expected a value"),
                    _ => Ok(()),
                };
            }
        }
        // Bit i of `kinds` is 1 when container i (from the outside) is an object.
        let mut kinds = [0u64; MAX_DEPTH / 64];
        let mut depth = 0usize;
        loop {
            // Expecting a value.
            match self.peek() {
                Some(b'"') => self.skip_string()?,
                Some(open @ (b'{' | b'[')) => {
                    if depth >= MAX_DEPTH {
                        return self.err("nesting too deep");
                    }
                    self.pos += 1;
                    let is_object = open == b'{';
                    if let Some(slot) = kinds.get_mut(depth / 64) {
                        let bit = 1u64 << (depth % 64);
                        *slot = if is_object { *slot | bit } else { *slot & !bit };
                    }
                    depth += 1;
                    let close = if is_object { b'}' } else { b']' };
                    if self.peek() == Some(close) {
                        self.pos += 1;
                        depth -= 1;
                    } else {
                        if is_object {
                            self.skip_key()?;
                        }
                        continue;
                    }
                }
                Some(b't' | b'f' | b'n' | b'-' | b'0'..=b'9' | b'N' | b'I') => {
                    let mut sink = String::new();
                    self.token(&mut sink)?;
                }
                Some(_) => return self.err("expected a value"),
                None => return self.err("unexpected end of input"),
            }
            // After a value: close containers or move to the next member.
            loop {
                if depth == 0 {
                    return Ok(());
                }
                let top_is_object = kinds
                    .get((depth - 1) / 64)
                    .is_some_and(|w| w >> ((depth - 1) % 64) & 1 == 1);
                match self.peek() {
                    Some(b',') => {
                        self.pos += 1;
                        if top_is_object {
                            self.skip_key()?;
                        }
                        break;
                    }
                    Some(b'}') if top_is_object => {
                        self.pos += 1;
                        depth -= 1;
                    }
                    Some(b']') if !top_is_object => {
                        self.pos += 1;
                        depth -= 1;
                    }
                    _ => {
                        return self.err(if top_is_object {
                            "expected ',' or '}'"
                        } else {
                            "expected ',' or ']'"
                        });
                    }
                }
            }
        }
    }

    /// Skips `"key":` inside an object.
    fn skip_key(&mut self) -> Result<(), SyntaxError> {
        if self.peek() != Some(b'"') {
            return self.err("expected a key");
        }
        self.skip_string()?;
        self.expect(b':', "expected ':' after a key")
    }

    /// Skips whitespace and records the position (the start of the next value).
    pub fn mark(&mut self) -> usize {
        self.skip_ws();
        self.pos
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn read_string(json: &str) -> String {
        let mut sc = Scanner::new(json);
        let mut scratch = String::new();
        let s = sc.string(&mut scratch).unwrap();
        s.resolve(json, &scratch).to_owned()
    }

    #[test]
    fn strings_unescape_including_surrogate_pairs() {
        assert_eq!(read_string(r#""plain""#), "plain");
        assert_eq!(read_string(r#""a\"b\\c\/d\n""#), "a\"b\\c/d\n");
        assert_eq!(read_string(r#""\u00e9\u4e2d""#), "é中");
        assert_eq!(read_string(r#""x\ud83d\ude00y""#), "x😀y");
        assert_eq!(read_string(r#""lone \ud83d here""#), "lone \u{FFFD} here");
        assert_eq!(read_string(r#""low \ude00""#), "low \u{FFFD}");
        assert_eq!(
            read_string("\"long string over eight bytes with \\t tab at the end\""),
            "long string over eight bytes with \t tab at the end"
        );
    }

    #[test]
    fn quote_search_finds_the_first_hit_in_every_lane() {
        for at in 0..20 {
            let mut s = String::from("\"");
            s.push_str(&"x".repeat(at));
            s.push('"');
            s.push_str("tail\"");
            assert_eq!(read_string(&s), "x".repeat(at));
        }
    }

    #[test]
    fn skip_value_validates_and_stops_after_the_value() {
        let text = r#"{"a":[1,2,{"b":null}],"c":"\"}"} ,next"#;
        let mut sc = Scanner::new(text);
        sc.skip_value().unwrap();
        assert_eq!(&text[sc.pos()..], " ,next");
        for bad in [
            "{\"a\" 1}",
            "[1,]",
            "{\"a\":1,}",
            "[1 2]",
            "{]",
            "[}",
            "[",
            "\"abc",
            "tru",
            "-",
            "1.",
            "1e",
        ] {
            assert!(Scanner::new(bad).skip_value().is_err(), "{bad}");
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let deep = "[".repeat(100_000);
        assert_eq!(
            Scanner::new(&deep).skip_value().unwrap_err().reason,
            "nesting too deep"
        );
        let ok = format!("{}{}", "[".repeat(1000), "]".repeat(1000));
        assert!(Scanner::new(&ok).skip_value().is_ok());
    }

    #[test]
    fn numbers_follow_json_grammar_plus_nan_and_infinity() {
        for (text, want) in [
            ("12", "12"),
            ("-0.5e-7,", "-0.5e-7"),
            ("1E+3]", "1E+3"),
            ("NaN", "NaN"),
            ("-Infinity", "-Infinity"),
        ] {
            let mut sc = Scanner::new(text);
            let Tok::Num(a, b) = sc.token(&mut String::new()).unwrap() else {
                panic!("{text}")
            };
            assert_eq!(&text[a..b], want);
        }
        for bad in ["-NaN", "01x", "+1", ".5"] {
            let mut sc = Scanner::new(bad);
            let tok = sc.token(&mut String::new());
            // `01x` scans as `0` then stops: the caller sees trailing garbage; the rest must fail here.
            if bad != "01x" {
                assert!(tok.is_err(), "{bad}");
            }
        }
    }

    proptest::proptest! {
        /// Any string serde_json writes (escapes, astral characters, U+2028) reads back identically, and a
        /// hand-escaped `\uXXXX` form of it too.
        #[test]
        fn strings_read_back_what_serde_wrote(text in ".{0,40}") {
            let json = serde_json::to_string(&text).unwrap();
            proptest::prop_assert_eq!(read_string(&json), text.clone());
            let mut escaped = String::from("\"");
            for unit in text.encode_utf16() {
                escaped.push_str(&format!("\\u{unit:04x}"));
            }
            escaped.push('"');
            proptest::prop_assert_eq!(read_string(&escaped), text);
        }

        /// On JSON-like text the scanner accepts exactly what serde_json accepts (its tolerances need
        /// characters outside this alphabet).
        #[test]
        fn skip_agrees_with_serde(text in r#"[\[\]{}",:0-9truefalsn .eE+\-\\]{0,24}"#) {
            let serde_ok = serde_json::from_str::<serde_json::Value>(&text).is_ok();
            let mut sc = Scanner::new(&text);
            let mine_ok = sc.skip_value().is_ok() && sc.at_end();
            proptest::prop_assert_eq!(serde_ok, mine_ok, "{:?}", text);
        }
    }
}
