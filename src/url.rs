//! The URL is the state: view, time range, time zone and filters are query parameters on `index.html`.
//!
//! This module is the only place that knows parameter names. It turns the query's key/value pairs into a
//! typed [`UrlState`] and back; defaults are never written, so links stay short and a default can change
//! without breaking old links. Unknown parameters are ignored and unparseable values fall back to the
//! default (a shared link never fails to open). Keys never appear here: credentials are not URL state.

/// The pages of the app.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum View {
    #[default]
    Overview,
}

impl View {
    /// Every view, in tab order.
    pub const ALL: [View; 1] = [View::Overview];

    pub fn slug(self) -> &'static str {
        match self {
            View::Overview => "overview",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            View::Overview => "Overview",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|view| view.slug() == text)
    }
}

/// The time window the page looks at.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TimeRange {
    /// Everything loaded.
    #[default]
    All,
    /// The last `minutes` before the end of the data (or now, for live sources).
    Last { minutes: u32 },
    /// A fixed window, UTC epoch milliseconds, `from` inclusive and `to` exclusive.
    Between { from_ms: i64, to_ms: i64 },
}

/// Relative ranges offered in the picker: (URL text, label, minutes).
pub const RELATIVE_RANGES: [(&str, &str, u32); 5] = [
    ("1h", "1h", 60),
    ("6h", "6h", 360),
    ("24h", "24h", 1440),
    ("3d", "3d", 4320),
    ("7d", "7d", 10_080),
];

impl TimeRange {
    fn parse_relative(text: &str) -> Option<Self> {
        if text == "all" {
            return Some(Self::All);
        }
        let (number, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit())?);
        let number: u32 = number.parse().ok()?;
        let minutes = match unit {
            "m" => number,
            "h" => number.checked_mul(60)?,
            "d" => number.checked_mul(1440)?,
            _ => return None,
        };
        (minutes > 0).then_some(Self::Last { minutes })
    }

    fn relative_text(minutes: u32) -> String {
        if minutes.is_multiple_of(1440) {
            format!("{}d", minutes / 1440)
        } else if minutes.is_multiple_of(60) {
            format!("{}h", minutes / 60)
        } else {
            format!("{minutes}m")
        }
    }

    /// The absolute window for data that ends at `end_ms` and starts at `start_ms`.
    pub fn resolve(self, start_ms: i64, end_ms: i64) -> (i64, i64) {
        match self {
            TimeRange::All => (start_ms, end_ms),
            TimeRange::Last { minutes } => (end_ms - i64::from(minutes) * 60_000, end_ms),
            TimeRange::Between { from_ms, to_ms } => (from_ms, to_ms),
        }
    }
}

/// Everything the URL says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UrlState {
    pub view: View,
    pub range: TimeRange,
    /// An IANA zone name or `UTC`; `None` is the viewer's own zone.
    pub time_zone: Option<String>,
}

impl UrlState {
    /// Reads the state from query pairs (repeated keys allowed; the last one wins for single values).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut state = Self::default();
        let (mut from_ms, mut to_ms) = (None, None);
        for (key, value) in pairs {
            match key {
                "view" => state.view = View::parse(value).unwrap_or_default(),
                "range" => state.range = TimeRange::parse_relative(value).unwrap_or_default(),
                "from" => from_ms = value.parse::<i64>().ok(),
                "to" => to_ms = value.parse::<i64>().ok(),
                "tz" if is_zone_name(value) => state.time_zone = Some(value.to_owned()),
                _ => {}
            }
        }
        if let (Some(from_ms), Some(to_ms)) = (from_ms, to_ms)
            && from_ms < to_ms
        {
            state.range = TimeRange::Between { from_ms, to_ms };
        }
        state
    }

    /// The query pairs for this state, defaults left out, in a stable order.
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        if self.view != View::default() {
            pairs.push(("view", self.view.slug().to_owned()));
        }
        match self.range {
            TimeRange::All => {}
            TimeRange::Last { minutes } => pairs.push(("range", TimeRange::relative_text(minutes))),
            TimeRange::Between { from_ms, to_ms } => {
                pairs.push(("from", from_ms.to_string()));
                pairs.push(("to", to_ms.to_string()));
            }
        }
        if let Some(zone) = &self.time_zone {
            pairs.push(("tz", zone.clone()));
        }
        pairs
    }

    /// The query string (`?a=b&c=d`, or empty), percent-encoded.
    pub fn to_query(&self) -> String {
        let pairs = self.to_pairs();
        if pairs.is_empty() {
            return String::new();
        }
        let mut query = String::from("?");
        for (i, (key, value)) in pairs.iter().enumerate() {
            if i > 0 {
                query.push('&');
            }
            query.push_str(key);
            query.push('=');
            percent_encode_into(value, &mut query);
        }
        query
    }
}

/// Zone names are plain ASCII (`Europe/Berlin`, `America/Argentina/Buenos_Aires`, `UTC`, `Etc/GMT+5`).
fn is_zone_name(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 64
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'-' | b'+'))
}

fn percent_encode_into(text: &str, out: &mut String) {
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~' | b'/' | b':') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &str) -> UrlState {
        UrlState::from_pairs(query.split('&').filter_map(|pair| pair.split_once('=')))
    }

    #[test]
    fn defaults_stay_out_of_the_url() {
        assert_eq!(UrlState::default().to_query(), "");
        assert_eq!(parse(""), UrlState::default());
    }

    #[test]
    fn state_survives_a_round_trip() {
        let states = [
            UrlState {
                view: View::Overview,
                range: TimeRange::Last { minutes: 1440 },
                time_zone: None,
            },
            UrlState {
                range: TimeRange::Last { minutes: 90 },
                time_zone: Some("Europe/Berlin".into()),
                ..Default::default()
            },
            UrlState {
                range: TimeRange::Between {
                    from_ms: 1_000,
                    to_ms: 2_000,
                },
                ..Default::default()
            },
        ];
        for state in states {
            let query = state.to_query();
            assert_eq!(parse(query.trim_start_matches('?')), state, "{query}");
        }
    }

    #[test]
    fn bad_values_fall_back_to_defaults() {
        let state = parse("view=nope&range=12x&tz=<script>&from=5&to=3");
        assert_eq!(state, UrlState::default());
        assert_eq!(parse("range=0h").range, TimeRange::All);
        assert_eq!(parse("range=99999999999d").range, TimeRange::All);
    }

    #[test]
    fn relative_ranges_end_at_the_data() {
        let range = parse("range=24h").range;
        assert_eq!(
            range.resolve(0, 100 * 3_600_000),
            (76 * 3_600_000, 100 * 3_600_000)
        );
        assert_eq!(TimeRange::All.resolve(5, 9), (5, 9));
    }

    #[test]
    fn every_picker_range_parses_to_its_minutes() {
        for (text, _, minutes) in RELATIVE_RANGES {
            assert_eq!(
                parse(&format!("range={text}")).range,
                TimeRange::Last { minutes }
            );
        }
    }
}
