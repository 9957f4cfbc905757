//! Errors: status messages of errors and warnings folded into recurring patterns, most frequent first.

use leptos::prelude::*;
use loupe_core::{PatternOptions, error_patterns};

use crate::app::UrlCtx;
use crate::pages::scope::use_scope;
use crate::pages::traces::{open_trace, trace_href};
use crate::state::DataCtx;
use crate::view_model::errors::pattern_rows;

/// Patterns listed, most frequent first.
const MAX_PATTERNS: usize = 30;

#[component]
pub fn ErrorsPage() -> impl IntoView {
    let data = DataCtx::expect();
    let url = UrlCtx::expect();
    let scope = use_scope();
    let rows = Memo::new(move |_| {
        let options = PatternOptions {
            include_warnings: true,
            top: 3,
            examples: 3,
        };
        let patterns = scope.filter.with(|filter| {
            data.store
                .with(|store| error_patterns(store, filter, &options))
        });
        let zone = scope.zone();
        let mut rows = pattern_rows(&patterns, &|utc_ms| zone.offset_s(utc_ms));
        rows.truncate(MAX_PATTERNS);
        rows
    });

    view! {
        <section class="card" data-testid="error-patterns">
            <header>
                <h2>"Recurring errors and warnings"</h2>
                <span class="hint">"status messages with numbers, ids, URLs and quoted values folded into ‹placeholders›"</span>
            </header>
            <div class="body table-wrap">
                <table class="data patterns">
                    <thead>
                        <tr>
                            <th>"Pattern"</th>
                            <th>"Count"</th>
                            <th>"Errors"</th>
                            <th>"Warnings"</th>
                            <th>"Last seen"</th>
                            <th>"Services"</th>
                            <th>"Models"</th>
                        </tr>
                    </thead>
                    <tbody>
                        // Not a keyed <For>: a row keeps its key (its label) while its figures change
                        // with the range or filters, and a keyed list would leave the old figures on screen.
                        {move || {
                            rows.get()
                                .into_iter()
                                .map(|row| view! {
                                    <tr>
                                        <td>
                                            <div class="mono">{row.template}</div>
                                            <div class="muted small">"e.g. " {row.example}</div>
                                            <div class="muted small">
                                                "first seen " {row.first_seen}
                                                {row.example_trace_ids.first().cloned().map(|id| {
                                                    let href = trace_href(url, &id);
                                                    let target = id.clone();
                                                    view! {
                                                        " · e.g. trace "
                                                        <a
                                                            class="mono"
                                                            href=href
                                                            data-testid="example-trace"
                                                            on:click=move |event| {
                                                                event.prevent_default();
                                                                open_trace(url, target.clone());
                                                            }
                                                        >
                                                            {id}
                                                        </a>
                                                    }
                                                })}
                                            </div>
                                        </td>
                                        <td>{row.count}</td>
                                        <td>{row.errors}</td>
                                        <td>{row.warnings}</td>
                                        <td>{row.last_seen}</td>
                                        <td class="wrap">{row.services}</td>
                                        <td class="wrap">{row.models}</td>
                                    </tr>
                                })
                                .collect_view()
                        }}
                    </tbody>
                </table>
                <Show when=move || rows.with(Vec::is_empty)>
                    <p class="muted">"No errors or warnings in this range."</p>
                </Show>
            </div>
        </section>
    }
}
