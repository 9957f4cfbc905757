//! The "Connect to Langfuse" panel: the form, "Test connection", "Connect", the outcome, and what is cached
//! on this device.

use leptos::prelude::*;
use loupe_langfuse::ConnectionInfo;

use crate::app::UrlCtx;
use crate::components::{CacheList, ConnectFields, ConnectionOutcome};
use crate::connect::form::{ConnectForm, ConnectSettings};
use crate::connect::outcome::{OutcomeState, outcome_view};
use crate::connect::{ConnectionCtx, Ctxs, flows, saved};

/// Whether this page is https and `settings` point at plain http (browsers block that).
fn mixed_content(settings: &ConnectSettings) -> bool {
    let https_page = web_sys::window()
        .and_then(|w| w.location().protocol().ok())
        .is_some_and(|p| p == "https:");
    https_page && settings.base_url.is_plain_http()
}

/// The panel (shown while the top bar's connection button is pressed).
#[component]
pub fn ConnectPanel() -> impl IntoView {
    let ctx = Ctxs::expect();
    let conn = ConnectionCtx::expect();
    let url = UrlCtx::expect();
    // Prefilled from the connection kept in this tab or on this device, if any.
    let initial = saved::load()
        .and_then(|s| s.restore())
        .map(|(settings, _)| ConnectForm::from_settings(&settings))
        .unwrap_or_default();
    let form = RwSignal::new(initial);
    let form_error = RwSignal::new(None::<String>);
    // A successful test whose outcome asks for confirmation (legacy read path).
    let pending = StoredValue::new_local(None::<(ConnectSettings, ConnectionInfo)>);

    let run = move |connect_after: bool| {
        let settings = match form.with_untracked(ConnectForm::settings) {
            Ok(settings) => settings,
            Err(error) => {
                form_error.set(Some(error.to_string()));
                return;
            }
        };
        form_error.set(None);
        conn.busy.set(true);
        conn.outcome.set(None);
        leptos::task::spawn_local(async move {
            let result = flows::test_connection(&settings).await;
            let view = outcome_view(&result, mixed_content(&settings));
            let state = view.state;
            conn.outcome.set(Some(view));
            conn.busy.set(false);
            let Ok(info) = result else { return };
            if connect_after && state == OutcomeState::Connected {
                conn.panel_open.set(false);
                let range = url.state.get_untracked().range;
                flows::connect(settings, info, ctx, range).await;
            } else if state.can_connect() {
                pending.set_value(Some((settings, info)));
            }
        });
    };
    let use_legacy = move || {
        if let Some((settings, info)) = pending.with_value(Clone::clone) {
            conn.panel_open.set(false);
            let range = url.state.get_untracked().range;
            leptos::task::spawn_local(flows::connect(settings, info, ctx, range));
        }
    };

    view! {
        <section class="card connect-panel" data-testid="connect-panel" aria-label="Connect to Langfuse">
            <header>
                <h2>"Connect to Langfuse"</h2>
                <span class="hint">
                    "Keys go only to the host below: never into the URL, the cache, a snapshot or a log."
                </span>
                <button type="button" class="link close" on:click=move |_| conn.panel_open.set(false)>
                    "Close"
                </button>
            </header>
            <div class="body">
                <ConnectFields form=form />
                {move || {
                    form_error
                        .get()
                        .map(|e| view! { <p class="form-error" role="alert" data-testid="form-error">{e}</p> })
                }}
                <div class="actions">
                    <button
                        type="button"
                        class="secondary"
                        data-testid="test-connection"
                        disabled=move || conn.busy.get()
                        on:click=move |_| run(false)
                    >
                        "Test connection"
                    </button>
                    <button
                        type="button"
                        class="primary"
                        data-testid="connect"
                        disabled=move || conn.busy.get()
                        on:click=move |_| run(true)
                    >
                        "Connect"
                    </button>
                    <Show when=move || conn.busy.get()>
                        <span class="muted" role="status">"Testing…"</span>
                    </Show>
                </div>
                <ConnectionOutcome on_use_legacy=Callback::new(move |()| use_legacy()) />
                <CacheList />
            </div>
        </section>
    }
}
