//! The active filters as removable chips, a text search, and "Clear". Reads and writes the URL only.

use leptos::prelude::*;

use crate::app::UrlCtx;
use crate::view_model::breakdown::dimension_label;

#[component]
pub fn FilterBar() -> impl IntoView {
    let url = UrlCtx::expect();
    let chips = Memo::new(move |_| {
        url.state.with(|state| {
            let kept = state.include.iter().map(|list| (list, false));
            let dropped = state.exclude.iter().map(|list| (list, true));
            kept.chain(dropped)
                .flat_map(|(list, excluded)| {
                    list.values
                        .iter()
                        .map(move |value| (list.dimension.clone(), value.clone(), excluded))
                })
                .collect::<Vec<_>>()
        })
    });
    let text = Memo::new(move |_| {
        url.state
            .with(|state| state.text.clone().unwrap_or_default())
    });
    let search = move |event: leptos::ev::Event| {
        let typed = event_target_value(&event);
        url.update(|state| state.text = Some(typed.trim().to_owned()).filter(|t| !t.is_empty()));
    };

    view! {
        <div class="filter-bar" data-testid="filter-bar">
            <input
                type="search"
                placeholder="Search names…"
                aria-label="Search observation and trace names"
                prop:value=move || text.get()
                on:change=search
            />
            <For
                each=move || chips.get()
                key=|(dimension, value, excluded)| format!("{}|{value}|{excluded}", dimension.short_name())
                let:chip
            >
                {
                    let (dimension, value, excluded) = chip;
                    let label = format!("{}{} = {}", if excluded { "not " } else { "" }, dimension_label(&dimension), value);
                    view! {
                        <span class="chip" class:excluded=excluded>
                            {label}
                            <button
                                type="button"
                                aria-label="Remove filter"
                                on:click=move |_| url.update(|state| state.remove_value(&dimension, &value, excluded))
                            >
                                "×"
                            </button>
                        </span>
                    }
                }
            </For>
            <Show when=move || url.state.with(|state| state.has_filters())>
                <button type="button" class="link" on:click=move |_| url.update(|state| state.clear_filters())>
                    "Clear filters"
                </button>
            </Show>
        </div>
    }
}
