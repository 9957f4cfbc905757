//! The bar across the top: brand, what is shown (source badge), file actions, the connection button and
//! the time range. Replaces `TopBar` in the shell so the Langfuse connection starts from the top bar.

use leptos::prelude::*;

use crate::components::{FileActions, RangePicker};
use crate::connect::ConnectionCtx;
use crate::state::{DataCtx, Source};

/// The top bar.
#[component]
pub fn Header() -> impl IntoView {
    let data = DataCtx::expect();
    let conn = ConnectionCtx::expect();
    let source = Memo::new(move |_| data.source.with(Source::describe));
    let connected = Memo::new(move |_| conn.live.with(Option::is_some));
    let label = move || {
        conn.live.with(|live| match live {
            Some(live) => format!("Langfuse: {}", live.project),
            None => "Connect to Langfuse".to_owned(),
        })
    };
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
            <FileActions />
            <button
                type="button"
                class="secondary connect-toggle"
                class:connected=connected
                data-testid="connect-toggle"
                aria-expanded=move || conn.panel_open.get().to_string()
                on:click=move |_| conn.panel_open.update(|open| *open = !*open)
            >
                <span class="dot" aria-hidden="true"></span>
                {label}
            </button>
            <RangePicker />
        </header>
    }
}
