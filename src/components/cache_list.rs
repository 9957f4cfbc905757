//! What is cached on this device: host, project, rows, covered range, size, and a way to clear each.

use leptos::prelude::*;
use loupe_charts::format;

use crate::app::UrlCtx;
use crate::connect::progress::bytes;
use crate::connect::{Ctxs, flows};
use crate::storage::meta::{CacheKey, CacheMeta};
use crate::tz::ViewerZone;

/// One line per cache, as the list shows it.
pub fn cache_line(meta: &CacheMeta, zone: &ViewerZone) -> String {
    let range = meta.covered_span().map_or_else(
        || "no complete range yet".to_owned(),
        |span| {
            let at = |ms: i64| {
                format::timestamp(ms, zone.offset_s(ms))
                    .chars()
                    .take(16)
                    .collect::<String>()
            };
            format!("{} – {}", at(span.from_ms), at(span.to_ms))
        },
    );
    let scores = if meta.scores > 0 {
        format!(" · {} scores", format::count(meta.scores))
    } else {
        String::new()
    };
    format!(
        "{} observations{scores} · {} · {} in {} pages",
        format::count(meta.rows),
        range,
        bytes(meta.bytes),
        format::count(meta.pages)
    )
}

/// The list, refreshed when it is shown.
#[component]
pub fn CacheList() -> impl IntoView {
    let ctx = Ctxs::expect();
    let url = UrlCtx::expect();
    // Reads IndexedDB (outside the reactive graph) each time the list appears.
    Effect::new(move |_| leptos::task::spawn_local(flows::list_caches(ctx)));
    view! {
        <div class="cache-list" data-testid="cache-list">
            <h3>"Cached on this device"</h3>
            {move || {
                ctx.fetch.cache_problem.get().map(|p| view! { <p class="muted">{p}</p> })
            }}
            <Show
                when=move || ctx.fetch.caches.with(|c| !c.is_empty())
                fallback=|| view! { <p class="muted">"Nothing yet: fetched pages are kept here per host and project."</p> }
            >
                <ul>
                    <For each=move || ctx.fetch.caches.get() key=|meta| (meta.key.clone(), meta.updated_at_ms, meta.rows) let:meta>
                        <li data-testid="cache-entry">
                            <strong>{meta.project_name.clone().unwrap_or_else(|| "Unnamed project".to_owned())}</strong>
                            <span class="muted">" on " {meta.host.clone()}</span>
                            <span class="cache-figures">{cache_line(&meta, &url.viewer_zone())}</span>
                            <button
                                type="button"
                                class="link"
                                data-testid="clear-cache"
                                on:click={
                                    let key = CacheKey::from_stored(&meta.key);
                                    move |_| leptos::task::spawn_local(flows::clear_cache(ctx, key.clone()))
                                }
                            >
                                "Clear"
                            </button>
                        </li>
                    </For>
                </ul>
            </Show>
        </div>
    }
}
