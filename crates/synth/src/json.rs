//! JSON text exactly as Langfuse's Node.js server writes it.
//!
//! - [`push_js_number`]: ECMAScript `Number::toString` (shortest round-trip digits; plain notation for
//!   `1e-7 < |x| < 1e21`, exponent notation such as `1.25e-7` or `1e+21` outside), `null` for NaN/∞ as
//!   `JSON.stringify` does.
//! - [`push_json_str`]: `JSON.stringify` string escaping (`\"`, `\\`, `\b \f \n \r \t`, other controls as
//!   `\u00xx`; everything else verbatim, including U+2028).
//! - [`push_iso_ms`] / [`parse_iso_ms`]: `Date.toISOString()` (`YYYY-MM-DDTHH:MM:SS.mmmZ`) and the strict ISO
//!   parser Langfuse's zod schemas apply to time parameters (offset `Z` or `±hh:mm` required).

use std::fmt::Write as _;

/// Writes `x` as JavaScript's `String(x)` would (and `JSON.stringify` for non-finite values: `null`).
pub fn push_js_number(out: &mut String, x: f64) {
    if !x.is_finite() {
        out.push_str("null");
        return;
    }
    if x == 0.0 {
        out.push('0');
        return;
    }
    // Rust's `{:e}` prints the shortest digits that round-trip, like ECMAScript requires.
    let mut sci = String::with_capacity(32);
    let _ = write!(sci, "{:e}", x.abs());
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let mut digits = [0u8; 24];
    let mut k = 0usize;
    for b in mantissa.bytes().filter(u8::is_ascii_digit) {
        if k < digits.len() {
            digits[k] = b;
            k += 1;
        }
    }
    let digits = &digits[..k];
    // ECMAScript: value = 0.d1d2…dk × 10^n.
    let n = exponent + 1;
    let k = k as i32;
    if x < 0.0 {
        out.push('-');
    }
    let push_digits = |out: &mut String, d: &[u8]| {
        for &b in d {
            out.push(b as char);
        }
    };
    if k <= n && n <= 21 {
        push_digits(out, digits);
        for _ in 0..(n - k) {
            out.push('0');
        }
    } else if 0 < n && n <= 21 {
        let split = n as usize;
        push_digits(out, &digits[..split]);
        out.push('.');
        push_digits(out, &digits[split..]);
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        for _ in 0..(-n) {
            out.push('0');
        }
        push_digits(out, digits);
    } else {
        push_digits(out, &digits[..1]);
        if k > 1 {
            out.push('.');
            push_digits(out, &digits[1..]);
        }
        out.push('e');
        out.push(if n > 0 { '+' } else { '-' });
        let _ = write!(out, "{}", (n - 1).abs());
    }
}

/// The JS string of a number (see [`push_js_number`]).
pub fn js_number(x: f64) -> String {
    let mut s = String::new();
    push_js_number(&mut s, x);
    s
}

/// Writes an unsigned integer.
pub fn push_u64(out: &mut String, x: u64) {
    let _ = write!(out, "{x}");
}

/// Writes a signed integer.
pub fn push_i64(out: &mut String, x: i64) {
    let _ = write!(out, "{x}");
}

/// Writes `s` as a JSON string literal, escaped like `JSON.stringify`.
pub fn push_json_str(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape: Option<&str> = match b {
            b'"' => Some("\\\""),
            b'\\' => Some("\\\\"),
            b'\n' => Some("\\n"),
            b'\r' => Some("\\r"),
            b'\t' => Some("\\t"),
            0x08 => Some("\\b"),
            0x0c => Some("\\f"),
            0..=0x1f => Some(""),
            _ => None,
        };
        if let Some(esc) = escape {
            out.push_str(&s[start..i]);
            if esc.is_empty() {
                let _ = write!(out, "\\u{:04x}", b);
            } else {
                out.push_str(esc);
            }
            start = i + 1;
        }
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// (year, month, day) to days since 1970-01-01.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

const MS_PER_DAY: i64 = 86_400_000;

/// Writes epoch milliseconds as `YYYY-MM-DDTHH:MM:SS.mmmZ` (unquoted).
pub fn push_iso_ms(out: &mut String, ms: i64) {
    let days = ms.div_euclid(MS_PER_DAY);
    let rem = ms.rem_euclid(MS_PER_DAY);
    let (y, mo, d) = civil_from_days(days);
    let _ = write!(
        out,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        y,
        mo,
        d,
        rem / 3_600_000,
        (rem / 60_000) % 60,
        (rem / 1000) % 60,
        rem % 1000
    );
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` of epoch milliseconds.
pub fn iso_ms(ms: i64) -> String {
    let mut s = String::with_capacity(24);
    push_iso_ms(&mut s, ms);
    s
}

/// Writes epoch milliseconds as a quoted ISO string.
pub fn push_iso_ms_quoted(out: &mut String, ms: i64) {
    out.push('"');
    push_iso_ms(out, ms);
    out.push('"');
}

/// Parses an ISO-8601 datetime with a required offset (`Z`, `±hh:mm`, `±hhmm` or `±hh`), optional
/// fractional seconds (truncated to milliseconds), into epoch milliseconds. `None` for anything else,
/// including date-only and offset-less values (Langfuse answers 400 to those).
pub fn parse_iso_ms(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = b.get(from..from + len)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(part).ok()?.parse().ok()
    };
    let year = num(0, 4)?;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') || !matches!(b.get(10), Some(b'T')) {
        return None;
    }
    let month = num(5, 2)?;
    let day = num(8, 2)?;
    let hour = num(11, 2)?;
    if b.get(13) != Some(&b':') {
        return None;
    }
    let minute = num(14, 2)?;
    let mut pos = 16;
    let mut second = 0;
    let mut millis = 0;
    if b.get(pos) == Some(&b':') {
        second = num(17, 2)?;
        pos = 19;
        if b.get(pos) == Some(&b'.') {
            pos += 1;
            let start = pos;
            while b.get(pos).is_some_and(u8::is_ascii_digit) {
                pos += 1;
            }
            let frac = b.get(start..pos)?;
            if frac.is_empty() {
                return None;
            }
            for i in 0..3 {
                millis = millis * 10 + frac.get(i).map_or(0, |d| i64::from(d - b'0'));
            }
        }
    }
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let offset_min = match b.get(pos) {
        Some(b'Z') if pos + 1 == b.len() => 0,
        Some(sign @ (b'+' | b'-')) => {
            let rest = b.get(pos + 1..)?;
            let (h, m) = match rest.len() {
                2 => (num(pos + 1, 2)?, 0),
                4 => (num(pos + 1, 2)?, num(pos + 3, 2)?),
                5 if rest.get(2) == Some(&b':') => (num(pos + 1, 2)?, num(pos + 4, 2)?),
                _ => return None,
            };
            if h > 23 || m > 59 {
                return None;
            }
            let total = h * 60 + m;
            if *sign == b'+' { total } else { -total }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month as u32, day as u32);
    Some(days * MS_PER_DAY + ((hour * 60 + minute - offset_min) * 60 + second) * 1000 + millis)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Day of week of epoch milliseconds, 0 = Monday … 6 = Sunday (UTC).
pub fn weekday(ms: i64) -> u32 {
    // 1970-01-01 was a Thursday.
    ((ms.div_euclid(MS_PER_DAY) + 3).rem_euclid(7)) as u32
}

/// The JS `Date.prototype.toString()` text of an instant in UTC, as a server in UTC prints it:
/// `Wed Aug 12 2026 09:15:00 GMT+0000 (Coordinated Universal Time)`.
pub fn js_date_string(ms: i64) -> String {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = ms.div_euclid(MS_PER_DAY);
    let rem = ms.rem_euclid(MS_PER_DAY);
    let (y, m, d) = civil_from_days(days);
    let wd = DAYS.get(weekday(ms) as usize).copied().unwrap_or("Mon");
    let mon = MONTHS.get(m as usize - 1).copied().unwrap_or("Jan");
    format!(
        "{wd} {mon} {d:02} {y:04} {:02}:{:02}:{:02} GMT+0000 (Coordinated Universal Time)",
        rem / 3_600_000,
        (rem / 60_000) % 60,
        (rem / 1000) % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_format_like_javascript() {
        let cases: &[(f64, &str)] = &[
            (0.0, "0"),
            (-0.0, "0"),
            (1.0, "1"),
            (-2.5, "-2.5"),
            (0.0000025, "0.0000025"),
            (0.000001, "0.000001"),
            (1.25e-7, "1.25e-7"),
            (1e-7, "1e-7"),
            (2e-8, "2e-8"),
            (0.00635, "0.00635"),
            (0.1 + 0.2, "0.30000000000000004"),
            (123456.789, "123456.789"),
            (1e21, "1e+21"),
            (1.5e21, "1.5e+21"),
            (123456789012345680000.0, "123456789012345680000"),
            (100.0, "100"),
            (4.764, "4.764"),
            (3912.65, "3912.65"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
        ];
        for (x, want) in cases {
            assert_eq!(js_number(*x), *want, "formatting {x:e}");
        }
        assert_eq!(js_number(f64::NAN), "null");
        assert_eq!(js_number(f64::INFINITY), "null");
    }

    #[test]
    fn decimal_costs_come_out_as_their_decimal_text() {
        // 1180 × 0.0000025 computed in integer 1e-12 units, then divided once: exact decimal text.
        let cost_e12: i64 = 1180 * 2_500_000;
        assert_eq!(js_number(cost_e12 as f64 / 1e12), "0.00295");
    }

    #[test]
    fn strings_escape_like_json_stringify() {
        let mut s = String::new();
        push_json_str(&mut s, "a\"b\\c\nd\u{1}e\u{2028}é");
        assert_eq!(s, "\"a\\\"b\\\\c\\nd\\u0001e\u{2028}é\"");
    }

    #[test]
    fn iso_round_trips_and_rejects_offsetless_values() {
        let ms = parse_iso_ms("2026-08-12T09:14:03.120Z");
        assert_eq!(ms, Some(1_786_526_043_120));
        assert_eq!(iso_ms(1_786_526_043_120), "2026-08-12T09:14:03.120Z");
        assert_eq!(parse_iso_ms("2026-08-12T11:14:03.120+02:00"), ms);
        assert_eq!(parse_iso_ms("2026-08-12T09:14:03.1209Z"), ms);
        assert_eq!(
            parse_iso_ms("2026-08-12T09:14:03Z"),
            Some(1_786_526_043_000)
        );
        assert_eq!(parse_iso_ms("2026-08-12"), None);
        assert_eq!(parse_iso_ms("2026-08-12T09:14:03"), None);
        assert_eq!(parse_iso_ms("2026-02-30T00:00:00Z"), None);
        assert_eq!(parse_iso_ms("2026-08-12T09:14:03.Z"), None);
        assert_eq!(parse_iso_ms(""), None);
        assert_eq!(iso_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso_ms(-1), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn js_date_string_matches_node_in_utc() {
        let ms = parse_iso_ms("2026-08-12T09:15:00.000Z").unwrap_or_default();
        assert_eq!(
            js_date_string(ms),
            "Wed Aug 12 2026 09:15:00 GMT+0000 (Coordinated Universal Time)"
        );
    }
}
