//! The breakdown: figures per value of one dimension (the URL's `by`); a click keeps only that value.

use leptos::prelude::*;
use loupe_core::{Dimension, group_by};

use crate::app::UrlCtx;
use crate::pages::scope::use_scope;
use crate::state::DataCtx;
use crate::url::DEFAULT_BREAKDOWN;
use crate::view_model::breakdown::{
    BreakdownRow, breakdown_rows, dimension_choices, dimension_label,
};

#[component]
pub fn BreakdownPage() -> impl IntoView {
    let data = DataCtx::expect();
    let url = UrlCtx::expect();
    let scope = use_scope();
    let dimension = Memo::new(move |_| url.state.with(|state| state.breakdown()));
    let table = Memo::new(move |_| {
        let groups = scope.filter.with(|filter| {
            dimension.with(|dimension| data.store.with(|store| group_by(store, filter, dimension)))
        });
        breakdown_rows(&groups)
    });
    let rows = Memo::new(move |_| table.with(|(rows, _)| rows.clone()));
    let hidden = Memo::new(move |_| table.with(|(_, hidden)| *hidden));
    let choose = move |event: leptos::ev::Event| {
        let chosen = Dimension::parse(&event_target_value(&event));
        url.update(|state| state.by = chosen.filter(|d| *d != DEFAULT_BREAKDOWN));
    };
    let keep_only = move |key: Option<String>| {
        if let Some(value) = key {
            url.update(|state| state.include_value(dimension.get_untracked(), &value));
        }
    };

    view! {
        <section class="card" data-testid="breakdown">
            <header>
                <h2>"Breakdown by"</h2>
                <select aria-label="Group by" prop:value=move || dimension.get().short_name() on:change=choose>
                    {dimension_choices()
                        .into_iter()
                        .map(|(d, label)| view! { <option value=d.short_name()>{label}</option> })
                        .collect_view()}
                </select>
                <span class="hint">"ranked by cost · click a row to keep only it"</span>
            </header>
            <div class="body table-wrap">
                <table class="data" data-testid="breakdown-table">
                    <thead>
                        <tr>
                            <th>{move || dimension_label(&dimension.get())}</th>
                            <th>"Observations"</th>
                            <th>"Traces"</th>
                            <th>"Error rate"</th>
                            <th>"Input tokens"</th>
                            <th>"Output tokens"</th>
                            <th>"Cost"</th>
                            <th>"P50"</th>
                            <th>"P95"</th>
                            <th>"TTFT P50"</th>
                            <th title="Output tokens per second of generation: output tokens over the time taken">"Output tok/s"</th>
                        </tr>
                    </thead>
                    <tbody>
                        // Not a keyed <For>: a row keeps its key (its label) while its figures change
                        // with the range or filters, and a keyed list would leave the old figures on screen.
                        {move || {
                            rows.get()
                                .into_iter()
                                .map(|row| view! {
                                    <BreakdownTableRow row=row on_pick=keep_only />
                                })
                                .collect_view()
                        }}
                    </tbody>
                </table>
                <Show when=move || rows.with(Vec::is_empty)>
                    <p class="muted">"No observations match these filters in this range."</p>
                </Show>
                <Show when=move || { hidden.get() > 0 }>
                    <p class="muted">{move || format!("{} more values with less cost are not listed.", hidden.get())}</p>
                </Show>
            </div>
        </section>
    }
}

#[component]
fn BreakdownTableRow(
    row: BreakdownRow,
    on_pick: impl Fn(Option<String>) + Copy + 'static,
) -> impl IntoView {
    let key = row.key.clone();
    let key_for_keys = row.key.clone();
    let pickable = key.is_some();
    // Reachable from the keyboard too: Tab to a row, Enter or Space keeps its value.
    let on_key = move |event: leptos::ev::KeyboardEvent| {
        if matches!(event.key().as_str(), "Enter" | " ") {
            event.prevent_default();
            on_pick(key_for_keys.clone());
        }
    };
    view! {
        <tr
            class:pickable=pickable
            tabindex=pickable.then_some("0")
            on:click=move |_| on_pick(key.clone())
            on:keydown=on_key
            title=pickable.then_some("Keep only this value")
        >
            <td>
                <div class="cell-label">{row.label}</div>
                <div class="share-bar" style=format!("width: {:.1}%", row.cost_share * 100.0)></div>
            </td>
            <td>{row.observations}</td>
            <td>{row.traces}</td>
            <td class:bad=row.error_rate_alarming>{row.error_rate}</td>
            <td>{row.input_tokens}</td>
            <td>{row.output_tokens}</td>
            <td>{row.cost}</td>
            <td>{row.p50}</td>
            <td>{row.p95}</td>
            <td>{row.ttft_p50}</td>
            <td>{row.output_tokens_per_second}</td>
        </tr>
    }
}
