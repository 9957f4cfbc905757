//! Every number, duration, money amount and date Loupe shows is formatted here, once.
//!
//! Inputs are raw engine figures (counts, USD, milliseconds, UTC epoch milliseconds plus the viewer's UTC
//! offset in seconds). Outputs are short English strings meant for dashboards: significant digits scale with
//! magnitude, units are explicit, missing values are an en dash.

/// What a missing figure looks like.
pub const MISSING: &str = "–";

/// A count: `0`, `987`, `12,345`, `123k`, `1.23M`, `4.5B`.
pub fn count(n: u64) -> String {
    match n {
        0..=99_999 => group_thousands(n),
        100_000..=999_999 => format!("{}k", n / 1000),
        _ => compact(n as f64),
    }
}

/// A token count (same rules as [`count`]).
pub fn tokens(n: u64) -> String {
    count(n)
}

/// A compact magnitude with a suffix: `1.23M`, `45.6M`, `1.2B`.
fn compact(x: f64) -> String {
    const UNITS: [(f64, &str); 4] = [(1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")];
    for (size, suffix) in UNITS {
        if x >= size {
            return format!("{}{suffix}", three_significant(x / size));
        }
    }
    three_significant(x)
}

/// At most three significant digits, trailing zeros dropped: `1.23`, `12.3`, `123`.
fn three_significant(x: f64) -> String {
    let text = if x >= 100.0 {
        format!("{x:.0}")
    } else if x >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    };
    trim_zeros(text)
}

fn trim_zeros(text: String) -> String {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// US dollars: `$0`, `$0.00042`, `$0.00635`, `$0.01`, `$4.56`, `$123.45`, `$12,345`, `$1.23M`.
pub fn usd(amount_usd: f64) -> String {
    if !amount_usd.is_finite() {
        return MISSING.to_owned();
    }
    let sign = if amount_usd < 0.0 { "-" } else { "" };
    let x = amount_usd.abs();
    let body = if x == 0.0 {
        "0".to_owned()
    } else if x < 0.01 {
        // Three significant digits for fractions of a cent (per-request costs live here).
        let digits = (-x.log10()).floor() as usize + 3;
        trim_zeros(format!("{x:.digits$}"))
    } else if x < 1000.0 {
        format!("{x:.2}")
    } else if x < 1_000_000.0 {
        group_thousands(x.round() as u64)
    } else {
        compact(x)
    };
    format!("{sign}${body}")
}

/// A duration given in milliseconds: `0.42 ms`, `850 ms`, `1.24 s`, `12.5 s`, `2m 05s`, `3h 12m`, `2d 4h`.
pub fn duration_ms(ms: f64) -> String {
    if !ms.is_finite() || ms < 0.0 {
        return MISSING.to_owned();
    }
    if ms < 1.0 {
        return format!("{} ms", trim_zeros(format!("{ms:.2}")));
    }
    if ms < 1000.0 {
        return format!("{ms:.0} ms");
    }
    let s = ms / 1000.0;
    if s < 60.0 {
        return format!("{} s", three_significant(s));
    }
    let total_s = s.round() as u64;
    let (d, h, m, sec) = (
        total_s / 86_400,
        total_s / 3600 % 24,
        total_s / 60 % 60,
        total_s % 60,
    );
    if d > 0 {
        format!("{d}d {h}h")
    } else if h > 0 {
        format!("{h}h {m:02}m")
    } else {
        format!("{m}m {sec:02}s")
    }
}

/// An optional duration; `None` is [`MISSING`].
pub fn duration_opt_ms(ms: Option<f64>) -> String {
    ms.map_or_else(|| MISSING.to_owned(), duration_ms)
}

/// A ratio in [0, 1] as a percentage: `0%`, `0.04%`, `1.2%`, `12.5%`, `100%`.
pub fn percent(ratio: f64) -> String {
    if !ratio.is_finite() {
        return MISSING.to_owned();
    }
    let p = ratio * 100.0;
    let text = if p == 0.0 {
        "0".to_owned()
    } else if p < 0.1 {
        trim_zeros(format!("{p:.2}"))
    } else {
        trim_zeros(format!("{p:.1}"))
    };
    format!("{text}%")
}

/// A rate per second: `0.12/s`, `3.4/s`, `1.2k/s`.
pub fn per_second(rate: f64) -> String {
    if !rate.is_finite() || rate < 0.0 {
        return MISSING.to_owned();
    }
    format!("{}/s", compact(rate))
}

/// The civil date and time at a UTC instant shifted by an offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub millisecond: u32,
}

impl Civil {
    /// Local civil time at `utc_ms` for a zone `offset_s` seconds ahead of UTC.
    pub fn at(utc_ms: i64, offset_s: i32) -> Self {
        let local_ms = utc_ms.saturating_add(i64::from(offset_s) * 1000);
        let days = local_ms.div_euclid(86_400_000);
        let ms_of_day = local_ms.rem_euclid(86_400_000);
        let (year, month, day) = civil_from_days(days);
        Self {
            year,
            month,
            day,
            hour: (ms_of_day / 3_600_000) as u32,
            minute: (ms_of_day / 60_000 % 60) as u32,
            second: (ms_of_day / 1000 % 60) as u32,
            millisecond: (ms_of_day % 1000) as u32,
        }
    }
}

/// Howard Hinnant's `civil_from_days`: days since 1970-01-01 to (year, month, day), proleptic Gregorian.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn month_name(month: u32) -> &'static str {
    MONTHS
        .get(month.saturating_sub(1) as usize)
        .copied()
        .unwrap_or("?")
}

/// A time-axis tick label whose precision follows the bucket size: `14:05` for sub-day buckets (with
/// `Nov 27` at local midnight), `Nov 27` for day buckets, `Nov 2026` for month-sized steps.
pub fn time_tick(utc_ms: i64, offset_s: i32, step_ms: i64) -> String {
    let c = Civil::at(utc_ms, offset_s);
    if step_ms >= 28 * 86_400_000 {
        format!("{} {}", month_name(c.month), c.year)
    } else if step_ms >= 86_400_000 || (c.hour == 0 && c.minute == 0) {
        format!("{} {}", month_name(c.month), c.day)
    } else {
        format!("{:02}:{:02}", c.hour, c.minute)
    }
}

/// A full timestamp for tooltips and tables: `2026-11-27 14:05:09.120`.
pub fn timestamp(utc_ms: i64, offset_s: i32) -> String {
    let c = Civil::at(utc_ms, offset_s);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:03}",
        c.year, c.month, c.day, c.hour, c.minute, c.second, c.millisecond
    )
}

/// A compact date and time for tables: `Nov 26 20:49`.
pub fn short_datetime(utc_ms: i64, offset_s: i32) -> String {
    let c = Civil::at(utc_ms, offset_s);
    format!(
        "{} {} {:02}:{:02}",
        month_name(c.month),
        c.day,
        c.hour,
        c.minute
    )
}

/// A UTC offset as `UTC`, `UTC+1`, `UTC+5:30`, `UTC-3`.
pub fn utc_offset(offset_s: i32) -> String {
    if offset_s == 0 {
        return "UTC".to_owned();
    }
    let sign = if offset_s < 0 { '-' } else { '+' };
    let abs = offset_s.unsigned_abs();
    let (h, m) = (abs / 3600, abs / 60 % 60);
    if m == 0 {
        format!("UTC{sign}{h}")
    } else {
        format!("UTC{sign}{h}:{m:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_group_then_compact() {
        assert_eq!(count(0), "0");
        assert_eq!(count(987), "987");
        assert_eq!(count(12_345), "12,345");
        assert_eq!(count(123_456), "123k");
        assert_eq!(count(1_234_567), "1.23M");
        assert_eq!(count(45_600_000), "45.6M");
        assert_eq!(count(4_500_000_000), "4.5B");
        assert_eq!(count(u64::MAX), "18446744T");
    }

    #[test]
    fn money_keeps_two_significant_digits_below_a_cent() {
        assert_eq!(usd(0.0), "$0");
        assert_eq!(usd(0.00635), "$0.00635");
        assert_eq!(usd(0.000_42), "$0.00042");
        assert_eq!(usd(0.0000465), "$0.0000465");
        assert_eq!(usd(0.001_234_9), "$0.00123");
        assert_eq!(usd(4.5612), "$4.56");
        assert_eq!(usd(123.456), "$123.46");
        assert_eq!(usd(12_345.4), "$12,345");
        assert_eq!(usd(1_234_567.0), "$1.23M");
        assert_eq!(usd(-2.5), "-$2.50");
        assert_eq!(usd(f64::NAN), MISSING);
    }

    #[test]
    fn durations_pick_their_unit() {
        assert_eq!(duration_ms(0.42), "0.42 ms");
        assert_eq!(duration_ms(850.2), "850 ms");
        assert_eq!(duration_ms(4764.0), "4.76 s");
        assert_eq!(duration_ms(12_500.0), "12.5 s");
        assert_eq!(duration_ms(125_000.0), "2m 05s");
        assert_eq!(duration_ms(11_520_000.0), "3h 12m");
        assert_eq!(duration_ms(187_200_000.0), "2d 4h");
        assert_eq!(duration_ms(-1.0), MISSING);
        assert_eq!(duration_opt_ms(None), MISSING);
    }

    #[test]
    fn percents_and_rates() {
        assert_eq!(percent(0.0), "0%");
        assert_eq!(percent(0.0004), "0.04%");
        assert_eq!(percent(0.012), "1.2%");
        assert_eq!(percent(0.125), "12.5%");
        assert_eq!(percent(1.0), "100%");
        assert_eq!(per_second(3.456), "3.46/s");
        assert_eq!(per_second(1234.0), "1.23k/s");
    }

    #[test]
    fn civil_time_matches_known_instants() {
        // 2026-08-12T09:14:03.120Z, the trace of the API examples.
        let t = 1_786_526_043_120;
        assert_eq!(timestamp(t, 0), "2026-08-12 09:14:03.120");
        assert_eq!(timestamp(t, 2 * 3600), "2026-08-12 11:14:03.120");
        assert_eq!(timestamp(t, -10 * 3600), "2026-08-11 23:14:03.120");
        assert_eq!(timestamp(0, 0), "1970-01-01 00:00:00.000");
        assert_eq!(timestamp(-1, 0), "1969-12-31 23:59:59.999");
        // Leap day.
        assert_eq!(timestamp(951_782_400_000, 0), "2000-02-29 00:00:00.000");
    }

    #[test]
    fn ticks_follow_the_step() {
        let t = 1_786_526_043_120;
        assert_eq!(time_tick(t, 0, 3_600_000), "09:14");
        assert_eq!(time_tick(t, 0, 86_400_000), "Aug 12");
        assert_eq!(time_tick(t - 33_243_120, 0, 3_600_000), "Aug 12");
        assert_eq!(time_tick(t, 0, 30 * 86_400_000), "Aug 2026");
    }

    #[test]
    fn short_datetimes_fit_a_table_cell() {
        assert_eq!(short_datetime(1_786_526_043_120, 0), "Aug 12 09:14");
        assert_eq!(
            short_datetime(1_786_526_043_120, -10 * 3600),
            "Aug 11 23:14"
        );
    }

    #[test]
    fn offsets_read_like_clocks() {
        assert_eq!(utc_offset(0), "UTC");
        assert_eq!(utc_offset(3600), "UTC+1");
        assert_eq!(utc_offset(19_800), "UTC+5:30");
        assert_eq!(utc_offset(-3 * 3600), "UTC-3");
    }
}
