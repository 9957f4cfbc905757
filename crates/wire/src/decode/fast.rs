//! The observation row decoder's fast path: rows shaped like the previous one, read with no general
//! JSON machinery.
//!
//! Rows of a page repeat their keys in the same order, so the decoder learns the previous row's keys
//! (as written, `"key":` tokens) and reads the next row as that sequence: each key token is compared in
//! a few machine words, and each value is read by a reader for the value's usual JSON type (a string
//! without escapes, a timestamp, a plain number, `null`, a flat object of the usual shape). Anything
//! else — a different key, whitespace, an escape, a value of another type, a nested container, a
//! syntax error — makes the fast path give up on the row, and the general path decodes it from its
//! start. The fast path therefore never decides anything the general path would decide differently:
//! it accepts a subset of inputs and produces, for those, exactly the general path's result (the tests
//! decode every input both ways).
//!
//! Strings are found with a scan for `"` or `\` sixteen bytes at a time (wasm SIMD when the module is
//! built with `simd128`, eight-byte words otherwise, see [`find_quote_or_escape`]). The text is valid
//! UTF-8 already (the page body is validated once), so a span of it is a string.

use super::num;
use super::scan::{Scanner, Str};
use super::time;

/// Index of the first `"` or `\` at or after `i`, or the length of `b`.
#[inline(always)]
pub(crate) fn find_quote_or_escape(b: &[u8], i: usize) -> usize {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        simd::find_quote_or_escape(b, i)
    }
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    {
        swar::find_quote_or_escape(b, i)
    }
}

/// The portable scan, eight bytes at a time (also the reference the SIMD scan is tested against).
pub(crate) mod swar {
    /// See [`super::find_quote_or_escape`].
    #[inline(always)]
    pub(crate) fn find_quote_or_escape(b: &[u8], mut i: usize) -> usize {
        // A byte equals `"` or `\` when XOR with the pattern leaves a zero byte.
        const LO: u64 = 0x0101_0101_0101_0101;
        const HI: u64 = 0x8080_8080_8080_8080;
        const QUOTE: u64 = LO * b'"' as u64;
        const BACKSLASH: u64 = LO * b'\\' as u64;
        while let Some(chunk) = b.get(i..i + 8).and_then(|c| <[u8; 8]>::try_from(c).ok()) {
            let w = u64::from_le_bytes(chunk);
            let q = w ^ QUOTE;
            let s = w ^ BACKSLASH;
            let hit = (q.wrapping_sub(LO) & !q & HI) | (s.wrapping_sub(LO) & !s & HI);
            if hit != 0 {
                return i + (hit.trailing_zeros() / 8) as usize;
            }
            i += 8;
        }
        while let Some(&c) = b.get(i) {
            if c == b'"' || c == b'\\' {
                return i;
            }
            i += 1;
        }
        i
    }
}

/// The wasm SIMD scan: sixteen bytes compared at once, the hits read as a bit mask.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd {
    use core::arch::wasm32::{u8x16_bitmask, u8x16_eq, u8x16_splat, u64x2, v128, v128_or};

    /// Sixteen bytes as a vector (two word loads; no `unsafe` pointer load).
    #[inline(always)]
    fn load(chunk: &[u8; 16]) -> v128 {
        let (lo, hi) = chunk.split_at(8);
        let word = |s: &[u8]| <[u8; 8]>::try_from(s).map_or(0, u64::from_le_bytes);
        u64x2(word(lo), word(hi))
    }

    #[inline(always)]
    pub(super) fn find_quote_or_escape(b: &[u8], mut i: usize) -> usize {
        let quote = u8x16_splat(b'"');
        let backslash = u8x16_splat(b'\\');
        while let Some(chunk) = b.get(i..i + 16).and_then(|c| <&[u8; 16]>::try_from(c).ok()) {
            let v = load(chunk);
            let hits = u8x16_bitmask(v128_or(u8x16_eq(v, quote), u8x16_eq(v, backslash)));
            if hits != 0 {
                return i + hits.trailing_zeros() as usize;
            }
            i += 16;
        }
        super::swar::find_quote_or_escape(b, i)
    }
}

/// A key token `"key":` as written, compared four words at a time.
#[derive(Clone, Debug)]
pub(super) struct KeyToken {
    bytes: Vec<u8>,
    words: [u64; 4],
    masks: [u64; 4],
}

impl KeyToken {
    /// The token of a key written as `raw` (the text between its quotes).
    pub(super) fn new(raw: &str) -> Self {
        Self::build(raw, false)
    }

    /// The token `,"key":` of a key after the object's first: the separator is compared with the key,
    /// one comparison instead of two.
    pub(super) fn after_comma(raw: &str) -> Self {
        Self::build(raw, true)
    }

    fn build(raw: &str, comma: bool) -> Self {
        let mut bytes = Vec::with_capacity(raw.len() + 4);
        if comma {
            bytes.push(b',');
        }
        bytes.push(b'"');
        bytes.extend_from_slice(raw.as_bytes());
        bytes.extend_from_slice(b"\":");
        let mut words = [0u64; 4];
        let mut masks = [0u64; 4];
        for (i, (w, m)) in words.iter_mut().zip(masks.iter_mut()).enumerate() {
            let mut word = [0u8; 8];
            let mut mask = [0u8; 8];
            for (j, (x, y)) in word.iter_mut().zip(mask.iter_mut()).enumerate() {
                if let Some(&c) = bytes.get(i * 8 + j) {
                    *x = c;
                    *y = 0xff;
                }
            }
            *w = u64::from_le_bytes(word);
            *m = u64::from_le_bytes(mask);
        }
        Self {
            bytes,
            words,
            masks,
        }
    }

    /// Consumes the token when `b` holds it at `*p`.
    #[inline(always)]
    pub(super) fn eat(&self, b: &[u8], p: &mut usize) -> bool {
        let n = self.bytes.len();
        let hit = match b.get(*p..*p + 32) {
            Some(window) if n <= 32 => {
                let word = |i: usize| {
                    window
                        .get(i * 8..i * 8 + 8)
                        .and_then(|c| <[u8; 8]>::try_from(c).ok())
                        .map_or(0, u64::from_le_bytes)
                };
                let diff = |i: usize| (word(i) ^ self.words[i]) & self.masks[i];
                // Most keys fit two words: the other two are not read for them (the branch follows
                // the fixed key order, so it is predicted).
                if n <= 16 {
                    diff(0) | diff(1) == 0
                } else {
                    diff(0) | diff(1) | diff(2) | diff(3) == 0
                }
            }
            _ => b.get(*p..*p + n) == Some(&self.bytes[..]),
        };
        if hit {
            *p += n;
        }
        hit
    }
}

/// Consumes `byte` at `*p`.
#[inline(always)]
pub(super) fn eat(b: &[u8], p: &mut usize, byte: u8) -> bool {
    let hit = b.get(*p) == Some(&byte);
    if hit {
        *p += 1;
    }
    hit
}

/// Consumes `word` (a literal) at `*p`.
#[inline(always)]
fn eat_word(b: &[u8], p: &mut usize, word: &[u8]) -> bool {
    let hit = b.get(*p..*p + word.len()) == Some(word);
    if hit {
        *p += word.len();
    }
    hit
}

/// A string without escapes at `*p` (on its opening quote): its span. `None` otherwise.
#[inline(always)]
pub(super) fn plain_string(b: &[u8], p: &mut usize) -> Option<Str> {
    if b.get(*p) != Some(&b'"') {
        return None;
    }
    let start = *p + 1;
    let end = find_quote_or_escape(b, start);
    if b.get(end) != Some(&b'"') {
        return None;
    }
    *p = end + 1;
    Some(Str::Input(start, end))
}

/// A text field: a plain string (`""` is missing) or `null`. `None`: not the fast path's case.
#[inline(always)]
pub(super) fn text(b: &[u8], p: &mut usize) -> Option<Option<Str>> {
    if eat_word(b, p, b"null") {
        return Some(None);
    }
    let s = plain_string(b, p)?;
    Some((!s.is_empty()).then_some(s))
}

/// A timestamp field: a 24-character UTC timestamp string, or `null`.
#[inline(always)]
pub(super) fn timestamp(b: &[u8], p: &mut usize) -> Option<Option<i64>> {
    if eat_word(b, p, b"null") {
        return Some(None);
    }
    let start = *p + 1;
    if b.get(*p) != Some(&b'"') || b.get(start + 24) != Some(&b'"') {
        return None;
    }
    let ms = time::fast(b.get(start..start + 24)?)?;
    *p = start + 25;
    Some(Some(ms))
}

/// A boolean field: `true`, `false` or `null`.
#[inline(always)]
pub(super) fn boolean(b: &[u8], p: &mut usize) -> Option<Option<bool>> {
    if eat_word(b, p, b"true") {
        Some(Some(true))
    } else if eat_word(b, p, b"false") {
        Some(Some(false))
    } else if eat_word(b, p, b"null") {
        Some(None)
    } else {
        None
    }
}

/// Digits of a JSON integer at `*p` (no sign): the value when it has at most 18 digits and no leading
/// zero, and no fraction or exponent follows.
#[inline(always)]
fn small_uint(b: &[u8], p: &mut usize) -> Option<u64> {
    let start = *p;
    let mut i = start;
    let mut v = 0u64;
    while let Some(&c) = b.get(i) {
        let d = c.wrapping_sub(b'0');
        if d >= 10 {
            break;
        }
        v = v * 10 + u64::from(d);
        i += 1;
        if i - start > 18 {
            return None;
        }
    }
    let n = i - start;
    if n == 0 || (n > 1 && b.get(start) == Some(&b'0')) {
        return None;
    }
    if matches!(b.get(i), Some(b'.' | b'e' | b'E')) {
        return None;
    }
    *p = i;
    Some(v)
}

/// An integer field (`promptVersion`): a plain integer or `null`.
#[inline(always)]
pub(super) fn integer(b: &[u8], p: &mut usize) -> Option<Option<i64>> {
    if eat_word(b, p, b"null") {
        return Some(None);
    }
    let negative = eat(b, p, b'-');
    let v = i64::try_from(small_uint(b, p)?).ok()?;
    Some(Some(if negative { -v } else { v }))
}

/// A JSON number at `*p`: its value when it is exactly representable by Clinger's fast path (at most
/// 15 significant digits, at most 22 fraction digits, no exponent), which gives the correctly rounded
/// result `str::parse` gives; otherwise parsed from its text. `None` when the text is not a JSON number.
#[inline(always)]
pub(super) fn number(text: &str, b: &[u8], p: &mut usize) -> Option<f64> {
    let start = *p;
    let negative = b.get(start) == Some(&b'-');
    let mut i = start + usize::from(negative);
    let mut mantissa = 0u64;
    let mut digits = 0u32;
    let int_start = i;
    while let Some(&c) = b.get(i) {
        let d = c.wrapping_sub(b'0');
        if d >= 10 {
            break;
        }
        mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(d));
        digits += u32::from(mantissa != 0);
        i += 1;
    }
    let int_digits = i - int_start;
    if int_digits == 0 || (int_digits > 1 && b.get(int_start) == Some(&b'0')) {
        return None;
    }
    let mut frac = 0usize;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let frac_start = i;
        while let Some(&c) = b.get(i) {
            let d = c.wrapping_sub(b'0');
            if d >= 10 {
                break;
            }
            mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(d));
            digits += u32::from(mantissa != 0);
            i += 1;
        }
        frac = i - frac_start;
        if frac == 0 {
            return None;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) || digits > 15 || frac > 22 || int_digits > 19 {
        // Rare forms: the general scanner validates the token, `str::parse` reads it.
        let mut sc = Scanner::new_at(text, start);
        let (a, z) = sc.number_token().ok()?;
        *p = z;
        return num::parse_f64(text.get(a..z)?).ok().flatten();
    }
    *p = i;
    const POW10: [f64; 23] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
        1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];
    let v = mantissa as f64 / POW10.get(frac).copied().unwrap_or(1.0);
    Some(if negative { -v } else { v })
}

/// The end of a JSON number at `start` (`-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`), or `None`.
#[inline(always)]
fn number_end(b: &[u8], start: usize) -> Option<usize> {
    let digits = |mut i: usize| {
        let from = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        (i > from).then_some(i)
    };
    let mut i = start + usize::from(b.get(start) == Some(&b'-'));
    let int_end = digits(i)?;
    if int_end - i > 1 && b.get(i) == Some(&b'0') {
        return None;
    }
    i = int_end;
    if b.get(i) == Some(&b'.') {
        i = digits(i + 1)?;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        i = digits(i)?;
    }
    Some(i)
}

/// Skips a value the row does not read: plain strings, literals and numbers here, anything else
/// through the general scanner (which validates it). `None` on a syntax error (the general path
/// reports it).
#[inline(always)]
pub(super) fn skip(text: &str, b: &[u8], p: &mut usize) -> Option<()> {
    match b.get(*p) {
        Some(b'"') => {
            let end = find_quote_or_escape(b, *p + 1);
            if b.get(end) == Some(&b'"') {
                *p = end + 1;
                return Some(());
            }
        }
        Some(b'n') if eat_word(b, p, b"null") => return Some(()),
        Some(b'f') if eat_word(b, p, b"false") => return Some(()),
        Some(b't') if eat_word(b, p, b"true") => return Some(()),
        Some(b'-' | b'0'..=b'9') => {
            if let Some(end) = number_end(b, *p) {
                *p = end;
                return Some(());
            }
        }
        _ => {}
    }
    let mut sc = Scanner::new_at(text, *p);
    sc.skip_value().ok()?;
    // The general scanner skips whitespace before a value but the fast path does not expect any after.
    *p = sc.pos();
    Some(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn the_quote_scan_finds_the_first_hit_in_every_lane() {
        for len in 0..70 {
            for at in 0..len {
                for hit in [b'"', b'\\'] {
                    let mut s = vec![b'x'; len];
                    s[at] = hit;
                    if at + 3 < len {
                        s[at + 3] = b'"';
                    }
                    assert_eq!(find_quote_or_escape(&s, 0), at, "{len} {at}");
                    assert_eq!(swar::find_quote_or_escape(&s, 0), at);
                }
            }
            assert_eq!(find_quote_or_escape(&vec![b'y'; len], 0), len);
        }
    }

    #[test]
    fn key_tokens_match_only_themselves() {
        let t = KeyToken::new("traceId");
        let text = br#""traceId":"x""traceIdx":"traceI":"#;
        let mut p = 0;
        assert!(t.eat(text, &mut p));
        assert_eq!(p, 10);
        for at in [14, 26] {
            let mut p = at;
            assert!(!t.eat(text, &mut p));
            assert_eq!(p, at);
        }
        // Near the end of the text (fewer than 32 bytes left) and long keys.
        let long = KeyToken::new("a_very_long_metadata_key_written_by_someone");
        let text = br#""a_very_long_metadata_key_written_by_someone":1"#;
        let mut p = 0;
        assert!(long.eat(text, &mut p));
        assert_eq!(text[p], b'1');
    }

    #[test]
    fn numbers_read_as_str_parse_reads_them() {
        for t in [
            "0",
            "-0",
            "0.5",
            "1",
            "12.25",
            "0.00005175",
            "0.000096",
            "123456789012345",
            "1234567890123456789",
            "0.1234567890123456789",
            "1e-7",
            "1.5E3",
            "-2.5e-3",
            "0.30000000000000004",
            "9007199254740993",
            "1.0000000000000002",
        ] {
            let text = format!("{t},");
            let mut p = 0;
            let got = number(&text, text.as_bytes(), &mut p).unwrap();
            let want: f64 = t.parse().unwrap();
            assert_eq!(got.to_bits(), want.to_bits(), "{t}");
            assert_eq!(p, t.len(), "{t}");
        }
        for bad in ["01", "-", "1.", "1.e3", ".5", "-x"] {
            let mut p = 0;
            assert!(number(bad, bad.as_bytes(), &mut p).is_none(), "{bad}");
            assert_eq!(number_end(bad.as_bytes(), 0), None, "{bad}");
        }
        for (t, end) in [("0,", 1), ("-12.5e+3}", 8), ("7E2]", 3), ("0.019,", 5)] {
            assert_eq!(number_end(t.as_bytes(), 0), Some(end), "{t}");
        }
    }

    proptest::proptest! {
        #[test]
        fn decimal_costs_read_exactly(m in 0u64..1_000_000_000_000_000, frac in 0usize..20, neg in proptest::bool::ANY) {
            let digits = m.to_string();
            let t = if frac == 0 || frac >= digits.len() {
                format!("{}{}", if neg { "-" } else { "" }, digits)
            } else {
                let (a, b) = digits.split_at(digits.len() - frac);
                format!("{}{a}.{b}", if neg { "-" } else { "" })
            };
            let mut p = 0;
            let got = number(&t, t.as_bytes(), &mut p).unwrap();
            proptest::prop_assert_eq!(got.to_bits(), t.parse::<f64>().unwrap().to_bits(), "{}", t);
        }
    }
}
