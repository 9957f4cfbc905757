//! The time-range buttons. Reads and writes the `range` URL parameter only.

use leptos::prelude::*;

use crate::app::UrlCtx;
use crate::url::{RELATIVE_RANGES, TimeRange};

/// Segmented buttons for the relative ranges plus "All".
#[component]
pub fn RangePicker() -> impl IntoView {
    let url = UrlCtx::expect();
    let current = Memo::new(move |_| url.state.with(|state| state.range));
    let choices = RELATIVE_RANGES
        .iter()
        .map(|(_, label, minutes)| (label.to_string(), TimeRange::Last { minutes: *minutes }))
        .chain(std::iter::once(("All".to_owned(), TimeRange::All)))
        .map(|(label, range)| {
            view! {
                <button
                    type="button"
                    aria-pressed=move || (current.get() == range).to_string()
                    on:click=move |_| url.update(|state| state.range = range)
                >
                    {label}
                </button>
            }
        })
        .collect_view();
    view! {
        <div class="segmented" role="group" aria-label="Time range" data-testid="range-picker">
            {choices}
        </div>
    }
}
