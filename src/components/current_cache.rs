//! The live project's cache in one line: what is kept on this device, and "Clear cache".

use leptos::prelude::*;

use crate::app::UrlCtx;
use crate::components::cache_list::cache_line;
use crate::connect::{Ctxs, flows};
use crate::storage::meta::CacheKey;

/// Shown in the fetch panel.
#[component]
pub fn CurrentCache() -> impl IntoView {
    let ctx = Ctxs::expect();
    let url = UrlCtx::expect();
    let key = Memo::new(move |_| {
        ctx.conn
            .live
            .with(|l| l.as_ref().map(|l| l.cache_key.clone()))
    });
    let line = Memo::new(move |_| {
        let key = key.get()?;
        ctx.fetch.caches.with(|all| {
            all.iter()
                .find(|meta| meta.key == key)
                .map(|meta| cache_line(meta, &url.viewer_zone()))
        })
    });
    view! {
        <p class="current-cache muted" data-testid="current-cache">
            {move || match (line.get(), ctx.fetch.cache_problem.get()) {
                (Some(line), _) => format!("Cached on this device: {line}."),
                (None, Some(problem)) => problem,
                (None, None) => "Nothing of this project is cached on this device yet.".to_owned(),
            }}
            <Show when=move || line.with(Option::is_some)>
                " "
                <button
                    type="button"
                    class="link"
                    data-testid="clear-current-cache"
                    on:click=move |_| {
                        if let Some(key) = key.get_untracked() {
                            leptos::task::spawn_local(flows::clear_cache(ctx, CacheKey::from_stored(&key)));
                        }
                    }
                >
                    "Clear cache"
                </button>
            </Show>
        </p>
    }
}
