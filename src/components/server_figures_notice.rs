//! The banner above figures computed by Langfuse instead of Loupe: what range, that percentiles are
//! ClickHouse's approximations, the metrics calls used and left, and the way back to the loaded rows.

use leptos::prelude::*;
use loupe_charts::format;
use loupe_langfuse::metrics::FigureSource;

use crate::app::UrlCtx;
use crate::connect::FetchCtx;

/// Shown while the overview displays server-side figures.
#[component]
pub fn ServerFiguresNotice() -> impl IntoView {
    let fetch = FetchCtx::expect();
    let url = UrlCtx::expect();
    move || {
        fetch.server.get().map(|server| {
            let zone = url.viewer_zone();
            let at = |ms: i64| format::timestamp(ms, zone.offset_s(ms)).chars().take(16).collect::<String>();
            let range = format!("{} – {}", at(server.range.from_ms), at(server.range.to_ms));
            view! {
                <div class="notice server-figures" role="status" data-testid="server-figures">
                    <h3>
                        "Figures " <span class="computed-by">{FigureSource::Langfuse.label()}</span>
                        " · " {range}
                    </h3>
                    <p>
                        "These figures come from Langfuse's metrics API, not from rows in the browser: its \
                         percentiles are approximate and there is no per-trace detail. "
                        <span data-testid="metrics-calls">{server.calls}</span> "."
                    </p>
                    <button type="button" class="link" on:click=move |_| fetch.server.set(None)>
                        "Show the loaded rows instead"
                    </button>
                </div>
            }
        })
    }
}
