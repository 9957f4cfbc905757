//! The viewer's time zone for the engine ([`UtcOffsets`]) and time arguments, through jiff's tz database
//! (bundled into the binary, so results do not depend on the machine's zoneinfo).

use jiff::Timestamp;
use jiff::tz::TimeZone;
use loupe_core::UtcOffsets;

/// An IANA time zone (or the system's) answering UTC offsets for the engine.
pub struct Zone(pub TimeZone);

impl Zone {
    /// `name` is an IANA name (`Europe/Berlin`), `UTC`, or `local` for the system zone.
    pub fn parse(name: &str) -> Result<Self, String> {
        if name.eq_ignore_ascii_case("local") {
            return Ok(Self(TimeZone::system()));
        }
        if name.eq_ignore_ascii_case("UTC") || name == "Z" {
            return Ok(Self(TimeZone::UTC));
        }
        TimeZone::get(name)
            .map(Self)
            .map_err(|e| format!("unknown time zone {name:?}: {e}"))
    }
}

impl UtcOffsets for Zone {
    fn offset_seconds(&self, utc_ms: i64) -> i32 {
        match Timestamp::from_millisecond(utc_ms) {
            Ok(ts) => self.0.to_offset(ts).seconds(),
            Err(_) => 0,
        }
    }
}

/// Parses a time argument: Unix milliseconds, an RFC 3339 instant (`2026-08-12T09:00:00Z`), or a civil
/// date or date-time (`2026-08-12`, `2026-08-12T09:00`) read in `zone`.
pub fn parse_time(text: &str, zone: &Zone) -> Result<i64, String> {
    if let Ok(ms) = text.parse::<i64>() {
        return Ok(ms);
    }
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Ok(ts.as_millisecond());
    }
    if let Ok(dt) = text.parse::<jiff::civil::DateTime>() {
        return dt
            .to_zoned(zone.0.clone())
            .map(|z| z.timestamp().as_millisecond())
            .map_err(|e| e.to_string());
    }
    if let Ok(d) = text.parse::<jiff::civil::Date>() {
        return d
            .to_zoned(zone.0.clone())
            .map(|z| z.timestamp().as_millisecond())
            .map_err(|e| e.to_string());
    }
    Err(format!(
        "not a time: {text:?} (use Unix ms, 2026-08-12T09:00:00Z, or 2026-08-12[T09:00] in --tz)"
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn berlin_offsets_follow_dst() {
        let z = Zone::parse("Europe/Berlin").unwrap();
        assert_eq!(z.offset_seconds(1_786_492_800_000), 7200); // August
        assert_eq!(z.offset_seconds(1_795_737_600_000), 3600); // late November
    }

    #[test]
    fn times_parse_in_every_form() {
        let utc = Zone::parse("UTC").unwrap();
        assert_eq!(
            parse_time("1786492800000", &utc).unwrap(),
            1_786_492_800_000
        );
        assert_eq!(
            parse_time("2026-08-12T00:00:00Z", &utc).unwrap(),
            1_786_492_800_000
        );
        assert_eq!(parse_time("2026-08-12", &utc).unwrap(), 1_786_492_800_000);
        let berlin = Zone::parse("Europe/Berlin").unwrap();
        assert_eq!(
            parse_time("2026-08-12T02:00", &berlin).unwrap(),
            1_786_492_800_000
        );
        assert!(parse_time("yesterday", &utc).is_err());
    }
}
