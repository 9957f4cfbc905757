//! The bar across the top: brand, where the data comes from, the time range.

use leptos::prelude::*;

use crate::components::RangePicker;

/// The top bar. `source` describes the loaded data in a few words (e.g. "Demo data").
#[component]
pub fn TopBar(#[prop(into)] source: Signal<String>) -> impl IntoView {
    view! {
        <header class="topbar">
            <div class="brand">
                <svg viewBox="0 0 32 32" aria-hidden="true">
                    <circle cx="13" cy="13" r="9" fill="none" stroke="currentColor" stroke-width="4"></circle>
                    <path d="M20 20l8 8" stroke="currentColor" stroke-width="4" stroke-linecap="round"></path>
                </svg>
                "Loupe"
            </div>
            <span class="source-badge" data-testid="source">{source}</span>
            <div class="spacer"></div>
            <RangePicker />
        </header>
    }
}
