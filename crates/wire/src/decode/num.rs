//! Numbers as Langfuse and other writers send them: JSON numbers (exponent notation included), numbers in
//! quoted strings (decimal prices, counts from older ClickHouse), floats standing for integers (`12.0`).
//!
//! Integers are parsed from the decimal text, never through `f64`, so a count above 2^53 stays exact.

/// What an integer field's text could not be read as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IntError {
    NotANumber,
    Negative,
    TooLarge,
}

impl IntError {
    pub fn reason(self) -> &'static str {
        match self {
            IntError::NotANumber => "not a number",
            IntError::Negative => "negative",
            IntError::TooLarge => "too large",
        }
    }
}

/// Parses a non-negative count (usage units) from decimal text: `12`, `12.0`, `1.2e3`, `" 7 "`.
/// A fraction is rounded to the nearest integer (half up); `-0` is zero. `Ok(None)` for `NaN`/`Infinity`,
/// which writers use for "no value".
pub(crate) fn parse_units(text: &str) -> Result<Option<u64>, IntError> {
    let t = text.trim();
    let (negative, body) = match t.as_bytes().first() {
        Some(b'-') => (true, t.get(1..).unwrap_or("")),
        Some(b'+') => (false, t.get(1..).unwrap_or("")),
        _ => (false, t),
    };
    if body == "NaN" || body.eq_ignore_ascii_case("infinity") || body.eq_ignore_ascii_case("inf") {
        return Ok(None);
    }
    let value = parse_decimal_rounded(body)?;
    if negative && value != 0 {
        return Err(IntError::Negative);
    }
    Ok(Some(value))
}

/// Parses a signed integer (prompt versions) with the same rules as [`parse_units`].
pub(crate) fn parse_i64(text: &str) -> Result<Option<i64>, IntError> {
    let t = text.trim();
    let (negative, body) = match t.as_bytes().first() {
        Some(b'-') => (true, t.get(1..).unwrap_or("")),
        Some(b'+') => (false, t.get(1..).unwrap_or("")),
        _ => (false, t),
    };
    if body == "NaN" || body.eq_ignore_ascii_case("infinity") {
        return Ok(None);
    }
    let magnitude = parse_decimal_rounded(body)?;
    let magnitude = i64::try_from(magnitude).map_err(|_| IntError::TooLarge)?;
    Ok(Some(if negative { -magnitude } else { magnitude }))
}

/// Unsigned decimal `digits[.digits][(e|E)[+-]digits]`, rounded half up to an integer.
fn parse_decimal_rounded(text: &str) -> Result<u64, IntError> {
    let b = text.as_bytes();
    let mut i = 0;
    let mut mantissa: u128 = 0;
    let mut digits = 0u32; // significant digits held in `mantissa`
    let mut dropped_exp = 0i64; // integer digits beyond u128 precision (scale up)
    let mut frac_digits = 0i64;
    let mut any = false;
    while let Some(&c) = b.get(i) {
        if !c.is_ascii_digit() {
            break;
        }
        any = true;
        if digits < 38 {
            mantissa = mantissa * 10 + u128::from(c - b'0');
            if mantissa != 0 {
                digits += 1;
            }
        } else {
            dropped_exp += 1;
        }
        i += 1;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        while let Some(&c) = b.get(i) {
            if !c.is_ascii_digit() {
                break;
            }
            any = true;
            if digits < 38 {
                mantissa = mantissa * 10 + u128::from(c - b'0');
                if mantissa != 0 {
                    digits += 1;
                }
                frac_digits += 1;
            }
            i += 1;
        }
    }
    if !any {
        return Err(IntError::NotANumber);
    }
    let mut exp = 0i64;
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        let neg = match b.get(i) {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let mut any_exp = false;
        while let Some(&c) = b.get(i) {
            if !c.is_ascii_digit() {
                break;
            }
            any_exp = true;
            exp = (exp * 10 + i64::from(c - b'0')).min(1_000_000);
            i += 1;
        }
        if !any_exp {
            return Err(IntError::NotANumber);
        }
        if neg {
            exp = -exp;
        }
    }
    if i != b.len() {
        return Err(IntError::NotANumber);
    }
    if mantissa == 0 {
        return Ok(0);
    }
    let scale = exp + dropped_exp - frac_digits;
    let value: u128 = if scale >= 0 {
        let mut v = mantissa;
        for _ in 0..scale {
            v = v.checked_mul(10).ok_or(IntError::TooLarge)?;
            if v > u128::from(u64::MAX) {
                return Err(IntError::TooLarge);
            }
        }
        v
    } else if -scale > 38 {
        0 // mantissa < 10^38, so the value is below 0.1
    } else {
        let div = 10u128.pow(u32::try_from(-scale).unwrap_or(38));
        let q = mantissa / div;
        let r = mantissa % div;
        if r * 2 >= div { q + 1 } else { q }
    };
    u64::try_from(value).map_err(|_| IntError::TooLarge)
}

/// Parses a float from a JSON number's text or a quoted decimal (`"0.0000025"`, `"1.25e-7"`).
/// `Ok(None)` for empty text and non-finite values (`NaN`, `Infinity`): "no value".
pub(crate) fn parse_f64(text: &str) -> Result<Option<f64>, IntError> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(Some(v)),
        Ok(_) => Ok(None),
        Err(_) => Err(IntError::NotANumber),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn units_are_exact_above_2_pow_53() {
        assert_eq!(
            parse_units("9007199254740993"),
            Ok(Some(9_007_199_254_740_993))
        );
        assert_eq!(parse_units("18446744073709551615"), Ok(Some(u64::MAX)));
        assert_eq!(parse_units("18446744073709551616"), Err(IntError::TooLarge));
        assert_eq!(
            parse_units("9007199254740993.0"),
            Ok(Some(9_007_199_254_740_993))
        );
        assert_eq!(
            parse_units("9.007199254740993e15"),
            Ok(Some(9_007_199_254_740_993))
        );
    }

    #[test]
    fn units_accept_floats_exponents_and_strings() {
        assert_eq!(parse_units("12.0"), Ok(Some(12)));
        assert_eq!(parse_units(" 12 "), Ok(Some(12)));
        assert_eq!(parse_units("1.2e3"), Ok(Some(1200)));
        assert_eq!(parse_units("1E+2"), Ok(Some(100)));
        assert_eq!(parse_units("2.5"), Ok(Some(3)));
        assert_eq!(parse_units("2.49"), Ok(Some(2)));
        assert_eq!(parse_units("5e-1"), Ok(Some(1)));
        assert_eq!(parse_units("1e-400"), Ok(Some(0)));
        assert_eq!(parse_units("-0"), Ok(Some(0)));
        assert_eq!(parse_units("0e999999999"), Ok(Some(0)));
        assert_eq!(parse_units("1e30"), Err(IntError::TooLarge));
        assert_eq!(parse_units("-3"), Err(IntError::Negative));
        assert_eq!(parse_units("NaN"), Ok(None));
        assert_eq!(parse_units("abc"), Err(IntError::NotANumber));
        assert_eq!(parse_units(""), Err(IntError::NotANumber));
        assert_eq!(parse_units("1e"), Err(IntError::NotANumber));
        assert_eq!(parse_units("12x"), Err(IntError::NotANumber));
    }

    #[test]
    fn long_mantissas_do_not_overflow() {
        let long = format!("{}e-60", "1".repeat(70));
        assert_eq!(parse_units(&long), Ok(Some(1_111_111_111)));
        assert_eq!(parse_units(&"9".repeat(100)), Err(IntError::TooLarge));
        assert_eq!(parse_units(&format!("0.{}1", "0".repeat(100))), Ok(Some(0)));
    }

    #[test]
    fn signed_and_float_parsing() {
        assert_eq!(parse_i64("-4"), Ok(Some(-4)));
        assert_eq!(parse_i64("3.0"), Ok(Some(3)));
        assert_eq!(parse_f64("0.0000025"), Ok(Some(0.0000025)));
        assert_eq!(parse_f64("1.25e-7"), Ok(Some(1.25e-7)));
        assert_eq!(parse_f64(""), Ok(None));
        assert_eq!(parse_f64("Infinity"), Ok(None));
        assert_eq!(parse_f64("x"), Err(IntError::NotANumber));
    }
}
