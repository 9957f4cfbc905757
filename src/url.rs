//! The URL is the state: view, time range, time zone and filters are query parameters on `index.html`.
//!
//! This module is the only place that knows parameter names. It turns the query's key/value pairs into a
//! typed [`UrlState`] and back; defaults are never written, so links stay short and a default can change
//! without breaking old links. Unknown parameters are ignored and unparseable values fall back to the
//! default (a shared link never fails to open). Keys never appear here: credentials are not URL state.

use loupe_core::{Dimension, DimensionValues, Filter, TraceOrder};

use crate::view_model::traces::{order_from_url, order_slug};

/// The pages of the app.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum View {
    #[default]
    Overview,
    /// Figures per value of one dimension (`by`).
    Breakdown,
    /// Latency distribution and percentiles.
    Latency,
    /// Recurring error patterns.
    Errors,
    /// Score aggregates per score name.
    Scores,
    /// Traces: a list, or one trace's waterfall (`trace=`).
    Traces,
}

impl View {
    /// Every view, in tab order.
    pub const ALL: [View; 6] = [
        View::Overview,
        View::Breakdown,
        View::Latency,
        View::Errors,
        View::Traces,
        View::Scores,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            View::Overview => "overview",
            View::Breakdown => "breakdown",
            View::Latency => "latency",
            View::Errors => "errors",
            View::Scores => "scores",
            View::Traces => "traces",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            View::Overview => "Overview",
            View::Breakdown => "Breakdown",
            View::Latency => "Latency",
            View::Errors => "Errors",
            View::Scores => "Scores",
            View::Traces => "Traces",
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
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UrlState {
    pub view: View,
    pub range: TimeRange,
    /// An IANA zone name or `UTC`; `None` is the viewer's own zone.
    pub time_zone: Option<String>,
    /// Keep only these values, per dimension (`model=gpt-4o&model=gpt-4o-mini`).
    pub include: Vec<DimensionValues>,
    /// Drop these values, per dimension (`not.level=DEBUG`).
    pub exclude: Vec<DimensionValues>,
    /// Case-insensitive text search over names (`q=`).
    pub text: Option<String>,
    /// The breakdown's dimension (`by=`); `None` is [`DEFAULT_BREAKDOWN`].
    pub by: Option<Dimension>,
    /// The trace the traces view shows (`trace=`); `None` lists traces.
    pub trace: Option<String>,
    /// The order of the trace list (`order=`).
    pub trace_order: TraceOrder,
}

/// What the breakdown groups by when the URL does not say.
pub const DEFAULT_BREAKDOWN: Dimension = Dimension::Model;

/// Prefix of exclusion keys.
const NOT: &str = "not.";
/// Prefix of metadata keys (`meta.tenant=acme`).
const META: &str = "meta.";
/// At most this many values per dimension and this many bytes per value are read from a URL.
const MAX_VALUES: usize = 50;
const MAX_VALUE_BYTES: usize = 512;

/// The URL key of a filter dimension.
fn dimension_key(dimension: &Dimension) -> String {
    match dimension {
        Dimension::Metadata(key) => format!("{META}{key}"),
        other => other.short_name(),
    }
}

/// The dimension a URL key names (`model`, `meta.tenant`, ...).
fn dimension_of_key(key: &str) -> Option<Dimension> {
    match key.strip_prefix(META) {
        Some(meta) if !meta.is_empty() => Some(Dimension::Metadata(meta.to_owned())),
        Some(_) => None,
        None => Dimension::parse(key).filter(|d| !matches!(d, Dimension::Metadata(_))),
    }
}

/// Adds `value` to `dimension`'s list, keeping first-seen order and dropping duplicates.
fn push_value(lists: &mut Vec<DimensionValues>, dimension: Dimension, value: &str) {
    if value.len() > MAX_VALUE_BYTES {
        return;
    }
    match lists.iter_mut().find(|list| list.dimension == dimension) {
        Some(list) => {
            if list.values.len() < MAX_VALUES && !list.values.iter().any(|v| v == value) {
                list.values.push(value.to_owned());
            }
        }
        None => lists.push(DimensionValues::new(dimension, [value])),
    }
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
                "q" => {
                    state.text = Some(value.trim().to_owned())
                        .filter(|t| !t.is_empty() && t.len() <= MAX_VALUE_BYTES)
                }
                "by" => state.by = dimension_of_key(value).filter(|d| *d != DEFAULT_BREAKDOWN),
                "trace" => {
                    state.trace = Some(value.trim().to_owned())
                        .filter(|t| !t.is_empty() && t.len() <= MAX_VALUE_BYTES)
                }
                "order" => state.trace_order = order_from_url(value).unwrap_or_default(),
                _ => {
                    if let Some(dimension) = key.strip_prefix(NOT).and_then(dimension_of_key) {
                        push_value(&mut state.exclude, dimension, value);
                    } else if let Some(dimension) = dimension_of_key(key) {
                        push_value(&mut state.include, dimension, value);
                    }
                }
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
    pub fn to_pairs(&self) -> Vec<(String, String)> {
        let mut pairs = Vec::new();
        if self.view != View::default() {
            pairs.push(("view".to_owned(), self.view.slug().to_owned()));
        }
        match self.range {
            TimeRange::All => {}
            TimeRange::Last { minutes } => {
                pairs.push(("range".to_owned(), TimeRange::relative_text(minutes)))
            }
            TimeRange::Between { from_ms, to_ms } => {
                pairs.push(("from".to_owned(), from_ms.to_string()));
                pairs.push(("to".to_owned(), to_ms.to_string()));
            }
        }
        if let Some(zone) = &self.time_zone {
            pairs.push(("tz".to_owned(), zone.clone()));
        }
        for list in &self.include {
            let key = dimension_key(&list.dimension);
            pairs.extend(list.values.iter().map(|value| (key.clone(), value.clone())));
        }
        for list in &self.exclude {
            let key = format!("{NOT}{}", dimension_key(&list.dimension));
            pairs.extend(list.values.iter().map(|value| (key.clone(), value.clone())));
        }
        if let Some(text) = &self.text {
            pairs.push(("q".to_owned(), text.clone()));
        }
        if let Some(by) = &self.by {
            pairs.push(("by".to_owned(), dimension_key(by)));
        }
        if self.trace_order != TraceOrder::default() {
            pairs.push(("order".to_owned(), order_slug(self.trace_order).to_owned()));
        }
        if let Some(trace) = &self.trace {
            pairs.push(("trace".to_owned(), trace.clone()));
        }
        pairs
    }

    /// The breakdown's dimension.
    pub fn breakdown(&self) -> Dimension {
        self.by.clone().unwrap_or(DEFAULT_BREAKDOWN)
    }

    /// The engine filter for this state over the absolute window `[from_ms, to_ms)`.
    pub fn filter(&self, (from_ms, to_ms): (i64, i64)) -> Filter {
        Filter {
            include: self.include.clone(),
            exclude: self.exclude.clone(),
            text: self.text.clone(),
            ..Filter::time_range(from_ms, to_ms)
        }
    }

    /// Whether any filter beyond the time range is set.
    pub fn has_filters(&self) -> bool {
        !self.include.is_empty() || !self.exclude.is_empty() || self.text.is_some()
    }

    /// Adds `value` of `dimension` to the kept values (a click on a table row or a chart bar).
    pub fn include_value(&mut self, dimension: Dimension, value: &str) {
        push_value(&mut self.include, dimension, value);
    }

    /// Removes one value from the kept (`excluded == false`) or dropped values; empty lists disappear.
    pub fn remove_value(&mut self, dimension: &Dimension, value: &str, excluded: bool) {
        let lists = if excluded {
            &mut self.exclude
        } else {
            &mut self.include
        };
        for list in lists.iter_mut().filter(|list| list.dimension == *dimension) {
            list.values.retain(|v| v != value);
        }
        lists.retain(|list| !list.values.is_empty());
    }

    /// Clears every filter except the time range.
    pub fn clear_filters(&mut self) {
        self.include.clear();
        self.exclude.clear();
        self.text = None;
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
            percent_encode_into(key, &mut query);
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
        if byte.is_ascii_alphanumeric()
            || matches!(byte, b'-' | b'_' | b'.' | b'~' | b'/' | b':' | b'@')
        {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn parse(query: &str) -> UrlState {
        let pairs: Vec<(String, String)> = query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .map(|(k, v)| (decode(k), decode(v)))
            .collect();
        UrlState::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }

    /// Percent-decoding as the browser does for query parameters (test helper).
    fn decode(text: &str) -> String {
        let bytes = text.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            if b == b'%' {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 3;
            } else {
                out.push(b);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn filters_round_trip_through_the_url() {
        let mut state = UrlState::default();
        state.include_value(Dimension::Model, "gpt-4o");
        state.include_value(Dimension::Model, "claude 3.5 & co");
        state.include_value(Dimension::Metadata("tenant id".into()), "acme=1");
        state
            .exclude
            .push(DimensionValues::new(Dimension::Level, ["DEBUG"]));
        state.text = Some("search me".into());
        state.by = Some(Dimension::User);
        let query = state.to_query();
        assert!(
            query.contains("model=gpt-4o&model=claude%203.5%20%26%20co"),
            "{query}"
        );
        assert!(query.contains("not.level=DEBUG"), "{query}");
        assert!(query.contains("meta.tenant%20id=acme%3D1"), "{query}");
        assert_eq!(parse(query.trim_start_matches('?')), state);
    }

    #[test]
    fn a_trace_and_the_list_order_round_trip_and_bad_values_fall_back() {
        let state = parse("view=traces&order=slowest&trace=af83%2F5fe%20x");
        assert_eq!(state.view, View::Traces);
        assert_eq!(state.trace_order, TraceOrder::Slowest);
        assert_eq!(state.trace.as_deref(), Some("af83/5fe x"));
        assert_eq!(parse(state.to_query().trim_start_matches('?')), state);
        assert_eq!(
            state.to_query(),
            "?view=traces&order=slowest&trace=af83/5fe%20x"
        );
        let bad = parse(&format!(
            "order=fastest&trace=%20&view=traces{}",
            "&trace=".to_owned() + &"x".repeat(600)
        ));
        assert_eq!((bad.trace_order, bad.trace), (TraceOrder::Latest, None));
        assert_eq!(UrlState::default().to_query(), "");
    }

    #[test]
    fn filters_become_the_engine_filter() {
        let state = parse("model=gpt-4o&not.env=staging&q=chat");
        let filter = state.filter((10, 20));
        assert_eq!((filter.from_ms, filter.to_ms), (Some(10), Some(20)));
        assert_eq!(
            filter.include,
            vec![DimensionValues::new(Dimension::Model, ["gpt-4o"])]
        );
        assert_eq!(
            filter.exclude,
            vec![DimensionValues::new(Dimension::Environment, ["staging"])]
        );
        assert_eq!(filter.text.as_deref(), Some("chat"));
        assert!(state.has_filters());
    }

    #[test]
    fn removing_values_drops_empty_lists() {
        let mut state = parse("model=a&model=b&not.level=DEBUG&q=x");
        state.remove_value(&Dimension::Model, "a", false);
        assert_eq!(
            state.include,
            vec![DimensionValues::new(Dimension::Model, ["b"])]
        );
        state.remove_value(&Dimension::Level, "DEBUG", true);
        assert!(state.exclude.is_empty());
        state.clear_filters();
        assert!(!state.has_filters());
        assert_eq!(state.to_query(), "");
    }

    #[test]
    fn hostile_filter_values_are_bounded() {
        let long = "x".repeat(MAX_VALUE_BYTES + 1);
        let mut query = format!("model={long}&meta.=1&not.nope=2&by=nonsense");
        for i in 0..(MAX_VALUES + 10) {
            query.push_str(&format!("&user=u{i}"));
        }
        let state = parse(&query);
        assert!(
            state
                .include
                .iter()
                .all(|l| l.dimension != Dimension::Model),
            "over-long values are dropped"
        );
        let users = state
            .include
            .iter()
            .find(|l| l.dimension == Dimension::User)
            .unwrap();
        assert_eq!(users.values.len(), MAX_VALUES);
        assert!(state.exclude.is_empty());
        assert_eq!(state.by, None);
        assert_eq!(state.breakdown(), DEFAULT_BREAKDOWN);
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
                view: View::Latency,
                range: TimeRange::Last { minutes: 1440 },
                ..Default::default()
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
    fn every_view_has_its_own_slug_and_round_trips() {
        for view in View::ALL {
            let query = UrlState {
                view,
                ..Default::default()
            }
            .to_query();
            assert_eq!(parse(query.trim_start_matches('?')).view, view, "{query}");
        }
        assert_eq!(parse("view=scores").view, View::Scores);
        assert_eq!(View::Scores.title(), "Scores");
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
