//! The metrics-API budget kept across reloads (Langfuse counts calls per organization per day or hour, and
//! a reload must not forget the calls already made). Stored per host in `localStorage` as the call times;
//! no keys. [`calls_text`] is the "used / left" line the UI shows.

use loupe_langfuse::metrics::MetricsBudget;
use loupe_langfuse::plan::MetricsAllowance;

fn storage_key(host: &str) -> String {
    format!("loupe.metrics.v1:{host}")
}

/// The stored budget of `host` under `allowance`.
pub fn load(host: &str, allowance: Option<MetricsAllowance>) -> MetricsBudget {
    let calls = web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(&storage_key(host)).ok().flatten())
        .and_then(|text| crate::json::i64_array(crate::json::parse(&text)?.as_array()?))
        .unwrap_or_default();
    MetricsBudget::with_calls(allowance, calls)
}

/// Stores the budget's call times.
pub fn save(host: &str, budget: &MetricsBudget) {
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let text = crate::json::i64_array_text(budget.calls_ms());
        let _ = storage.set_item(&storage_key(host), &text);
    }
}

/// "3 metrics calls used, 97 left today" (or "… this hour"; "no limit" when unlimited).
pub fn calls_text(budget: &MetricsBudget, now_ms: i64) -> String {
    let used = budget.used(now_ms);
    match (budget.left(now_ms), budget.allowance) {
        (Some(left), Some(allowance)) => {
            let period = if allowance.period_ms >= 86_400_000 {
                "today"
            } else {
                "this hour"
            };
            format!("{used} metrics calls used, {left} left {period}")
        }
        _ => format!("{used} metrics calls used, no limit"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use loupe_langfuse::plan::PlanPreset;

    #[test]
    fn the_calls_line_names_the_period() {
        let t0 = 1_795_740_000_000;
        let hobby = MetricsBudget::with_calls(PlanPreset::Hobby.budget().metrics, vec![t0, t0 + 1]);
        assert_eq!(
            calls_text(&hobby, t0 + 2),
            "2 metrics calls used, 98 left today"
        );
        let pro = MetricsBudget::with_calls(PlanPreset::Pro.budget().metrics, vec![t0]);
        assert_eq!(
            calls_text(&pro, t0 + 2),
            "1 metrics calls used, 499 left this hour"
        );
        let open = MetricsBudget::with_calls(None, vec![t0]);
        assert_eq!(calls_text(&open, t0 + 2), "1 metrics calls used, no limit");
    }
}
