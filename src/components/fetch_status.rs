//! How the fetch is going: reading the cache, counting, progress with waits, the outcome, or the "too
//! large" offer. Machine-readable figures sit in `data-*` attributes for tests and measurements.

use leptos::prelude::*;

use crate::components::TooLargeOffer;
use crate::connect::net::now_ms;
use crate::connect::progress::{ProgressView, scores_received};
use crate::connect::session::FetchSummary;
use crate::connect::{FetchCtx, FetchState};

/// The status of the live project's fetch.
#[component]
pub fn FetchStatus() -> impl IntoView {
    let fetch = FetchCtx::expect();
    move || {
        match fetch.state.get() {
        FetchState::Idle => ().into_any(),
        FetchState::ReadingCache => view! { <p class="muted" role="status">"Reading the local cache…"</p> }.into_any(),
        FetchState::Counting => {
            view! { <p class="muted" role="status">"Asking Langfuse how many observations the range holds…"</p> }
                .into_any()
        }
        FetchState::Running { progress, expected_rows } => {
            let lines = ProgressView::new(&progress, expected_rows, now_ms());
            let percent = lines.fraction.map(|f| format!("{:.0}", f * 100.0));
            view! {
                <div
                    class="fetch-progress"
                    role="status"
                    data-testid="fetch-status"
                    data-state="running"
                    data-rows=progress.rows.to_string()
                >
                    <progress max="100" value=percent.clone()></progress>
                    <p>{lines.received}</p>
                    <p class="muted">{lines.requests} {lines.remaining.map(|r| format!(" · {r}"))}</p>
                    {lines.waiting.map(|w| view! { <p class="waiting" data-testid="fetch-waiting">{w}</p> })}
                </div>
            }
            .into_any()
        }
        FetchState::FetchingScores { progress } => {
            let lines = ProgressView::new(&progress, None, now_ms());
            let percent = lines.fraction.map(|f| format!("{:.0}", f * 100.0));
            view! {
                <div
                    class="fetch-progress"
                    role="status"
                    data-testid="fetch-status"
                    data-state="running"
                    data-scores=progress.rows.to_string()
                >
                    <progress max="100" value=percent></progress>
                    <p>{scores_received(&progress)}</p>
                    <p class="muted">{lines.requests} {lines.remaining.map(|r| format!(" · {r}"))}</p>
                    {lines.waiting.map(|w| view! { <p class="waiting" data-testid="fetch-waiting">{w}</p> })}
                </div>
            }
            .into_any()
        }
        FetchState::TooLarge { .. } => view! { <TooLargeOffer /> }.into_any(),
        FetchState::Done(summary) => outcome("done", summary, None).into_any(),
        FetchState::Cancelled(summary) => outcome("cancelled", summary, None).into_any(),
        FetchState::Failed { message, summary } => outcome("failed", summary, Some(message)).into_any(),
    }
    }
}

fn outcome(state: &'static str, summary: FetchSummary, error: Option<String>) -> impl IntoView {
    let failed = error.is_some();
    view! {
        <div
            class="fetch-outcome"
            class:notice=failed
            class:error=failed
            role=if failed { "alert" } else { "status" }
            data-testid="fetch-status"
            data-state=state
            data-rows=summary.rows.to_string()
            data-pages=summary.pages.to_string()
            data-bytes=summary.bytes.to_string()
            data-requests=summary.requests.to_string()
            data-rate-limited=summary.rate_limited.to_string()
            data-elapsed-ms=summary.elapsed_ms.to_string()
            data-scores=summary.scores.to_string()
        >
            {error.map(|e| view! { <p><strong>{e}</strong></p> })}
            <p>{summary.text}</p>
            {summary.scores_note.map(|note| view! { <p class="waiting" data-testid="scores-note">{note}</p> })}
        </div>
    }
}
