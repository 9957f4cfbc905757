//! PREPARE for the fetch panel: a running fetch's [`Progress`] as the lines the panel shows.
//!
//! A 429 pause reads as waiting (Loupe continues by itself), never as an error; a backoff after a transient
//! failure reads as retrying, with the reason. Pure; `now_ms` is a parameter.

use loupe_charts::format;
use loupe_langfuse::Progress;

/// The progress lines.
#[derive(Clone, Debug, PartialEq)]
pub struct ProgressView {
    /// Pages, rows and bytes received.
    pub received: String,
    /// Requests made, retries, and what is left of the per-minute budget.
    pub requests: String,
    /// Time left, when there is something to estimate from.
    pub remaining: Option<String>,
    /// Set while paused: why, and for how long.
    pub waiting: Option<String>,
    /// Share done, 0..=1, when known.
    pub fraction: Option<f64>,
}

/// Bytes as `812 B`, `14.2 KB`, `118.3 MB`, `2.41 GB` (decimal units, as network tools show them).
pub fn bytes(n: u64) -> String {
    const UNITS: [(f64, &str); 3] = [(1e9, "GB"), (1e6, "MB"), (1e3, "KB")];
    let x = n as f64;
    for (size, unit) in UNITS {
        if x >= size {
            let value = x / size;
            return if value >= 100.0 {
                format!("{value:.0} {unit}")
            } else if value >= 10.0 {
                format!("{value:.1} {unit}")
            } else {
                format!("{value:.2} {unit}")
            };
        }
    }
    format!("{n} B")
}

/// What a scores fetch received: `Scores: 3 pages · 245 scores · 120 KB`.
pub fn scores_received(progress: &Progress) -> String {
    format!(
        "Scores: {} pages · {} scores · {}",
        format::count(progress.pages),
        format::count(progress.rows),
        bytes(progress.bytes)
    )
}

impl ProgressView {
    /// The lines for `progress`; `expected_rows` is the metrics API's count, when it answered.
    pub fn new(progress: &Progress, expected_rows: Option<u64>, now_ms: i64) -> Self {
        let p = progress;
        let mut received = format!(
            "{} pages · {} rows · {}",
            format::count(p.pages),
            format::count(p.rows),
            bytes(p.bytes)
        );
        if let Some(expected) = expected_rows {
            received.push_str(&format!(" (of about {} rows)", format::count(expected)));
        }
        if p.skipped_rows > 0 {
            received.push_str(&format!(
                " · {} rows skipped",
                format::count(p.skipped_rows)
            ));
        }
        let mut requests = format!("{} requests", format::count(p.requests));
        if p.retries > 0 {
            requests.push_str(&format!(" ({} retried)", format::count(p.retries)));
        }
        requests.push_str(&match p.requests_left_in_budget {
            Some(left) => format!(" · {left} left in this minute's budget"),
            None => " · no rate limit".to_owned(),
        });
        if p.rate_limited > 0 {
            requests.push_str(&format!(
                " · {} rate-limit answers",
                format::count(p.rate_limited)
            ));
        }
        // The estimate knows the budget's pacing but not a pause Langfuse imposed: at least the pause.
        let paused_ms = p.waiting_until_ms.map_or(0, |until| until - now_ms);
        let remaining = p
            .estimated_remaining_ms
            .map(|ms| ms.max(paused_ms))
            .filter(|ms| *ms > 0)
            .map(|ms| format!("about {} left", format::duration_ms(ms as f64)));
        let waiting = p
            .waiting_until_ms
            .filter(|until| *until > now_ms)
            .map(|until| {
                let wait = format::duration_ms((until - now_ms) as f64);
                match p.last_retry_reason.as_deref() {
                    Some(reason) if reason.starts_with("rate limited") => {
                        format!("Waiting {wait} for Langfuse's rate limit, then continuing.")
                    }
                    Some(reason) => format!("Retrying in {wait} after: {reason}"),
                    // A wait for the plan's own budget: Loupe paces itself to avoid 429s.
                    None => format!("Pacing to the plan's rate limit: next request in {wait}."),
                }
            });
        let fraction = match expected_rows {
            Some(expected) if expected > 0 => Some((p.rows as f64 / expected as f64).min(1.0)),
            _ if p.windows_total > 0 => {
                Some(f64::from(p.windows_done) / f64::from(p.windows_total))
            }
            _ => None,
        };
        Self {
            received,
            requests,
            remaining,
            waiting,
            fraction,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn bytes_scale_with_magnitude() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(812), "812 B");
        assert_eq!(bytes(14_230), "14.2 KB");
        assert_eq!(bytes(118_300_000), "118 MB");
        assert_eq!(bytes(2_410_000_000), "2.41 GB");
    }

    fn running() -> Progress {
        Progress {
            pages: 12,
            rows: 12_000,
            bytes: 14_300_000,
            requests: 14,
            retries: 2,
            requests_left_in_budget: Some(16),
            windows_total: 4,
            windows_done: 1,
            ..Progress::default()
        }
    }

    #[test]
    fn a_running_fetch_shows_what_arrived_and_the_budget() {
        let view = ProgressView::new(&running(), Some(48_000), 0);
        assert_eq!(
            view.received,
            "12 pages · 12,000 rows · 14.3 MB (of about 48,000 rows)"
        );
        assert_eq!(
            view.requests,
            "14 requests (2 retried) · 16 left in this minute's budget"
        );
        assert_eq!(view.fraction, Some(0.25));
        assert_eq!(view.waiting, None);
        let unlimited = Progress {
            requests_left_in_budget: None,
            ..running()
        };
        assert!(
            ProgressView::new(&unlimited, None, 0)
                .requests
                .ends_with("no rate limit")
        );
        assert_eq!(ProgressView::new(&unlimited, None, 0).fraction, Some(0.25));
    }

    #[test]
    fn a_scores_fetch_counts_scores() {
        assert_eq!(
            scores_received(&running()),
            "Scores: 12 pages · 12,000 scores · 14.3 MB"
        );
    }

    #[test]
    fn a_rate_limit_pause_reads_as_waiting_not_as_an_error() {
        let paused = Progress {
            waiting_until_ms: Some(12_000),
            rate_limited: 1,
            last_retry_reason: Some("rate limited: Rate limit exceeded".into()),
            estimated_remaining_ms: Some(40_000),
            ..running()
        };
        let view = ProgressView::new(&paused, None, 0);
        assert_eq!(
            view.waiting.as_deref(),
            Some("Waiting 12 s for Langfuse's rate limit, then continuing.")
        );
        assert_eq!(view.remaining.as_deref(), Some("about 40 s left"));
        // A pause longer than the estimate is the least time left.
        let long = Progress {
            estimated_remaining_ms: Some(100),
            ..paused.clone()
        };
        assert_eq!(
            ProgressView::new(&long, None, 0).remaining.as_deref(),
            Some("about 12 s left")
        );
        assert!(view.requests.contains("1 rate-limit answers"));
        // Once the time has passed there is nothing to wait for.
        assert_eq!(ProgressView::new(&paused, None, 13_000).waiting, None);
        let backoff = Progress {
            waiting_until_ms: Some(2_000),
            last_retry_reason: Some("Langfuse answered with a server error".into()),
            ..running()
        };
        let text = ProgressView::new(&backoff, None, 0).waiting.unwrap();
        assert!(
            text.starts_with("Retrying in 2 s after: Langfuse answered"),
            "{text}"
        );
    }
}
