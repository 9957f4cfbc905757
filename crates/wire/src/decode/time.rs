//! Timestamps to Unix epoch milliseconds (UTC).
//!
//! Langfuse writes `YYYY-MM-DDTHH:MM:SS.mmmZ` (JS `toISOString`), which takes a fixed-layout fast path.
//! Anything else goes through a general RFC 3339 reader: `t`/space separators, 0 to 9+ fractional digits
//! (truncated to milliseconds), `Z`/`z`, `±HH:MM`, `±HHMM` or `±HH` offsets, and two tolerances: no zone
//! means UTC, and a date alone (`2026-08-10`, the metrics API's day buckets) means its midnight UTC.
//! Years 0000 to 9999 only; out-of-range fields (month 13, Feb 30, hour 24) are rejected.

/// Parses a timestamp; `None` when the text is not one.
#[inline]
pub fn timestamp_ms(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    fast(b).or_else(|| general(b))
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` exactly (24 bytes; digits and fixed separators only).
///
/// The layout is checked three eight-byte words at a time: separator bytes against the template, digit
/// bytes by their high nibble being 3 and stay so after adding 6 (that is, `0`..=`9`).
#[inline]
pub(crate) fn fast(b: &[u8]) -> Option<i64> {
    let b: &[u8; 24] = b.try_into().ok()?;
    // Per word: the template (separators as written, digits as `0`) and the digit lanes.
    const TEMPLATE: [u64; 3] = [
        u64::from_le_bytes(*b"0000-00-"),
        u64::from_le_bytes(*b"00T00:00"),
        u64::from_le_bytes(*b":00.000Z"),
    ];
    const DIGITS: [u64; 3] = [
        0x00ff_ff00_ffff_ffff,
        0xffff_00ff_ff00_ffff,
        0x00ff_ffff_00ff_ff00,
    ];
    const HIGH: u64 = 0xf0f0_f0f0_f0f0_f0f0;
    const THREES: u64 = 0x3030_3030_3030_3030;
    const SIXES: u64 = 0x0606_0606_0606_0606;
    let mut bad = 0u64;
    for (i, (&template, &digits)) in TEMPLATE.iter().zip(&DIGITS).enumerate() {
        let w = b
            .get(i * 8..i * 8 + 8)
            .and_then(|c| <[u8; 8]>::try_from(c).ok())
            .map_or(0, u64::from_le_bytes);
        bad |= (w ^ template) & !digits;
        bad |= ((w & HIGH) ^ THREES) & digits & HIGH;
        bad |= ((w.wrapping_add(SIXES) & HIGH) ^ THREES) & digits & HIGH;
    }
    if bad != 0 {
        return None;
    }
    let d = |i: usize| i64::from(b[i] - b'0');
    let year = d(0) * 1000 + d(1) * 100 + d(2) * 10 + d(3);
    let month = d(5) * 10 + d(6);
    let day = d(8) * 10 + d(9);
    let hour = d(11) * 10 + d(12);
    let minute = d(14) * 10 + d(15);
    let second = d(17) * 10 + d(18);
    let millis = d(20) * 100 + d(21) * 10 + d(22);
    civil_ms(year, month, day, hour, minute, second, millis, 0)
}

/// `n` ASCII digits at `at` as a number.
#[inline]
fn digits(b: &[u8], at: usize, n: usize) -> Option<i64> {
    let mut v = 0i64;
    for &c in b.get(at..at + n)? {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + i64::from(c - b'0');
    }
    Some(v)
}

fn general(b: &[u8]) -> Option<i64> {
    let year = digits(b, 0, 4)?;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let month = digits(b, 5, 2)?;
    let day = digits(b, 8, 2)?;
    if b.len() == 10 {
        return civil_ms(year, month, day, 0, 0, 0, 0, 0);
    }
    if !matches!(b.get(10), Some(b'T' | b't' | b' ')) {
        return None;
    }
    let hour = digits(b, 11, 2)?;
    if b.get(13) != Some(&b':') {
        return None;
    }
    let minute = digits(b, 14, 2)?;
    let mut i = 16;
    let mut second = 0;
    let mut millis = 0;
    if b.get(i) == Some(&b':') {
        second = digits(b, i + 1, 2)?;
        i += 3;
        if matches!(b.get(i), Some(b'.' | b',')) {
            i += 1;
            let start = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                if i - start < 3 {
                    millis = millis * 10 + i64::from(b.get(i).copied().unwrap_or(b'0') - b'0');
                }
                i += 1;
            }
            let n = i - start;
            if n == 0 {
                return None;
            }
            for _ in n..3 {
                millis *= 10;
            }
        }
    }
    let offset_min = match b.get(i) {
        None => 0,
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(&sign @ (b'+' | b'-')) => {
            let oh = digits(b, i + 1, 2)?;
            let om = match b.len() - i {
                3 => 0,
                5 => digits(b, i + 3, 2)?,
                6 if b.get(i + 3) == Some(&b':') => digits(b, i + 4, 2)?,
                _ => return None,
            };
            if oh > 23 || om > 59 {
                return None;
            }
            let m = oh * 60 + om;
            if sign == b'-' { -m } else { m }
        }
        _ => return None,
    };
    civil_ms(year, month, day, hour, minute, second, millis, offset_min)
}

/// Milliseconds since the epoch for a validated civil UTC time shifted by `offset_min` (local = UTC + offset).
#[allow(clippy::too_many_arguments)]
#[inline]
fn civil_ms(
    y: i64,
    mo: i64,
    d: i64,
    h: i64,
    mi: i64,
    s: i64,
    ms: i64,
    offset_min: i64,
) -> Option<i64> {
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    // Howard Hinnant's days_from_civil.
    let yy = if mo <= 2 { y - 1 } else { y };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some((((days * 24 + h) * 60 + mi - offset_min) * 60 + s) * 1000 + ms)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_786_526_043_120; // 2026-08-12T09:14:03.120Z

    #[test]
    fn the_fast_layout_check_rejects_every_wrong_byte() {
        let good = *b"2026-08-12T09:14:03.120Z";
        assert_eq!(fast(&good), Some(T0));
        for i in 0..24 {
            for c in 0u8..=255 {
                let mut t = good;
                t[i] = c;
                let want = if good[i].is_ascii_digit() {
                    c.is_ascii_digit()
                } else {
                    c == good[i]
                };
                if !want {
                    assert_eq!(fast(&t), None, "{i} {c}");
                } else if c == good[i] {
                    assert_eq!(fast(&t), Some(T0));
                }
            }
        }
    }

    #[test]
    fn fast_path_matches_known_instants() {
        assert_eq!(timestamp_ms("1970-01-01T00:00:00.000Z"), Some(0));
        assert_eq!(timestamp_ms("2026-08-12T09:14:03.120Z"), Some(T0));
        assert_eq!(
            timestamp_ms("2000-02-29T23:59:59.999Z"),
            Some(951_868_799_999)
        );
        assert_eq!(timestamp_ms("1969-12-31T23:59:59.999Z"), Some(-1));
    }

    #[test]
    fn general_path_handles_offsets_and_precision() {
        assert_eq!(timestamp_ms("2026-08-12T09:14:03.12Z"), Some(T0));
        assert_eq!(timestamp_ms("2026-08-12T09:14:03.120456789Z"), Some(T0));
        assert_eq!(timestamp_ms("2026-08-12T09:14:03.1209Z"), Some(T0));
        assert_eq!(timestamp_ms("2026-08-12T11:14:03.120+02:00"), Some(T0));
        assert_eq!(timestamp_ms("2026-08-12T04:44:03.120-0430"), Some(T0));
        assert_eq!(timestamp_ms("2026-08-12t09:14:03.120z"), Some(T0));
        assert_eq!(timestamp_ms("2026-08-12 09:14:03.120"), Some(T0));
        assert_eq!(timestamp_ms("2026-08-12T09:14:03Z"), Some(T0 - 120));
        assert_eq!(timestamp_ms("2026-08-12T09:14Z"), Some(T0 - 3120));
        assert_eq!(timestamp_ms("2026-08-12T10:14:03.120+01"), Some(T0));
        assert_eq!(timestamp_ms("2026-08-10"), Some(1_786_320_000_000));
    }

    #[test]
    fn invalid_timestamps_are_rejected() {
        for bad in [
            "",
            "yesterday",
            "2026-13-01T00:00:00.000Z",
            "2026-02-29T00:00:00.000Z",
            "2026-08-12T24:00:00.000Z",
            "2026-08-12T09:14:03.Z",
            "2026-08-12T09:14:03.120+2:00",
            "2026-08-12T09:14:03.120Zjunk",
            "2026-08-12X09:14:03.120Z",
            "+2026-08-12T09:14:03.120Z",
            "2026-08-1",
        ] {
            assert_eq!(timestamp_ms(bad), None, "{bad}");
        }
    }
}
