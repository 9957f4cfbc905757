//! The offer made when a range is too large to fetch row by row: figures computed by Langfuse for the whole
//! range, or rows for a narrower window.

use leptos::prelude::*;

use crate::app::UrlCtx;
use crate::connect::{Ctxs, FetchState, flows};
use crate::url::{RELATIVE_RANGES, TimeRange};

/// Renders the offer for the current `TooLarge` state.
#[component]
pub fn TooLargeOffer() -> impl IntoView {
    let ctx = Ctxs::expect();
    let url = UrlCtx::expect();
    let state = Memo::new(move |_| match ctx.fetch.state.get() {
        FetchState::TooLarge {
            message,
            narrower_minutes,
            server_note,
            ..
        } => Some((message, narrower_minutes, server_note)),
        _ => None,
    });
    let showing_server = Memo::new(move |_| ctx.fetch.server.with(Option::is_some));
    move || {
        state.get().map(|(message, narrower, note)| {
            let narrower_button = narrower.map(|minutes| {
                let label = RELATIVE_RANGES
                    .iter()
                    .find(|r| r.2 == minutes)
                    .map_or_else(|| format!("{minutes} min"), |r| r.1.to_owned());
                view! {
                    <button
                        type="button"
                        class="secondary"
                        data-testid="fetch-narrower"
                        on:click=move |_| {
                            let range = TimeRange::Last { minutes };
                            url.update(|s| s.range = range);
                            leptos::task::spawn_local(flows::refresh(ctx, range));
                        }
                    >
                        "Fetch rows for the last " {label}
                    </button>
                }
            });
            view! {
                <div class="notice warning" role="status" data-testid="too-large">
                    <h3>"Too large to load into the browser"</h3>
                    <p>{message}</p>
                    <div class="actions">
                        <Show when=move || !showing_server.get()>
                            <button
                                type="button"
                                class="primary"
                                data-testid="show-server-figures"
                                on:click=move |_| leptos::task::spawn_local(flows::server_figures(ctx))
                            >
                                "Show figures computed by Langfuse"
                            </button>
                        </Show>
                        {narrower_button}
                    </div>
                    {note.map(|n| view! { <p class="muted" data-testid="server-note">{n}</p> })}
                </div>
            }
        })
    }
}
