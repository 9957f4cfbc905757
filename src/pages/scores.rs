//! Scores: per score name (and data type), counts and the distribution of values, for the scores the URL's
//! range and filters keep (with a filter beyond time, the scores of traces with a matching observation).

use leptos::prelude::*;
use loupe_core::{Filter, score_summaries};

use crate::app::UrlCtx;
use crate::components::ScoreCardView;
use crate::pages::scope::use_scope;
use crate::state::{DataCtx, LoadStatus};
use crate::url::TimeRange;
use crate::view_model::scores::{score_cards, scores_headline};

#[component]
pub fn ScoresPage() -> impl IntoView {
    let data = DataCtx::expect();
    let url = UrlCtx::expect();
    let scope = use_scope();
    let loaded = Memo::new(move |_| data.store.with(|store| store.score_count()));
    let summaries = Memo::new(move |_| {
        // "All" means every loaded score: evaluations often land after the last observation's start,
        // where the observations' window would cut them off.
        let everything = url.state.with(|state| state.range == TimeRange::All);
        scope.filter.with(|filter| {
            data.store.with(|store| {
                if everything {
                    let unbounded = Filter {
                        from_ms: None,
                        to_ms: None,
                        ..filter.clone()
                    };
                    score_summaries(store, &unbounded)
                } else {
                    score_summaries(store, filter)
                }
            })
        })
    });
    let cards = Memo::new(move |_| summaries.with(|summaries| score_cards(summaries)));
    let headline = Memo::new(move |_| summaries.with(|summaries| scores_headline(summaries)));
    let loading = Memo::new(move |_| matches!(data.status.get(), LoadStatus::Loading(_)));

    view! {
        <section class="card" data-testid="scores">
            <header>
                <h2>"Scores"</h2>
                <span class="hint" data-testid="scores-headline">{headline}</span>
                <span class="hint">"per score name · with filters: scores of matching traces"</span>
            </header>
            {move || {
                if loaded.get() == 0 {
                    let text = if loading.get() {
                        "Loading…"
                    } else {
                        "No scores are loaded. Scores are the evaluations, annotations and user feedback Langfuse \
                         keeps for traces: connect a project that scores its traces (fetching reads them from \
                         /api/public/v3/scores for the same range as the observations), or open a snapshot \
                         saved with scores."
                    };
                    Some(empty_state(text))
                } else if cards.with(Vec::is_empty) {
                    Some(empty_state(
                        "No scores in this range for these filters. Widen the time range or remove a filter.",
                    ))
                } else {
                    None
                }
            }}
        </section>
        // Not a keyed <For>: a card keeps its key (name and type) while its figures change, and a keyed
        // list would keep the old figures on screen. A few dozen cards re-render in no time.
        <div class="score-grid">
            {move || {
                cards
                    .get()
                    .into_iter()
                    .map(|card| view! { <ScoreCardView card=card /> })
                    .collect_view()
            }}
        </div>
    }
}

/// The message under the title when there is nothing to show, saying what to do.
fn empty_state(text: &'static str) -> impl IntoView {
    view! {
        <div class="body">
            <p class="muted" data-testid="scores-empty">{text}</p>
        </div>
    }
}
