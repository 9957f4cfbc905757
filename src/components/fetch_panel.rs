//! The live project's panel: what is connected, "Fetch" for the URL's range, "Cancel", "Disconnect", and
//! how the fetch is going.

use leptos::prelude::*;

use crate::app::UrlCtx;
use crate::components::{CurrentCache, FetchStatus};
use crate::connect::fetch_plan::range_label;
use crate::connect::{Ctxs, flows};

/// Shown while a project is connected.
#[component]
pub fn FetchPanel() -> impl IntoView {
    let ctx = Ctxs::expect();
    let url = UrlCtx::expect();
    let busy = Memo::new(move |_| ctx.fetch.state.with(|s| s.is_busy()));
    let range = Memo::new(move |_| url.state.with(|s| s.range));
    let heading = move || {
        ctx.conn
            .live
            .with(|live| live.as_ref().map(|l| l.project.clone()).unwrap_or_default())
    };
    let facts = move || {
        ctx.conn.live.with(|live| {
            live.as_ref().map(|l| {
                let rate = l.requests_per_minute.map_or_else(
                    || "no rate limit".to_owned(),
                    |n| format!("{n} requests/min"),
                );
                let path = if l.legacy { " · legacy read path" } else { "" };
                format!("{} · {} plan · {rate}{path}", l.host, l.plan)
            })
        })
    };
    let forget_label = move || {
        if ctx
            .conn
            .live
            .with(|l| l.as_ref().is_some_and(|l| l.remembered))
        {
            "Forget keys"
        } else {
            "Disconnect"
        }
    };
    view! {
        <section
            class="card fetch-panel"
            data-testid="fetch-panel"
            data-state=move || ctx.fetch.state.with(|s| s.slug())
        >
            <header>
                <h2>"Langfuse · " {heading}</h2>
                <span class="hint">{facts}</span>
                <div class="actions">
                    <Show
                        when=move || busy.get()
                        fallback=move || {
                            view! {
                                <button
                                    type="button"
                                    class="primary"
                                    data-testid="fetch"
                                    on:click=move |_| {
                                        leptos::task::spawn_local(flows::refresh(ctx, range.get_untracked()))
                                    }
                                >
                                    "Fetch " {move || range_label(range.get())}
                                </button>
                            }
                        }
                    >
                        <button
                            type="button"
                            class="secondary"
                            data-testid="cancel-fetch"
                            on:click=move |_| ctx.fetch.cancel()
                        >
                            "Cancel"
                        </button>
                    </Show>
                    <button
                        type="button"
                        class="link"
                        data-testid="disconnect"
                        title="Stop, and remove the keys from this tab and this device (loaded rows and the cache stay)"
                        on:click=move |_| flows::disconnect(ctx)
                    >
                        {forget_label}
                    </button>
                </div>
            </header>
            <div class="body">
                <FetchStatus />
                <CurrentCache />
            </div>
        </section>
    }
}
