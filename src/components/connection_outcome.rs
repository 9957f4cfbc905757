//! The one outcome of "Test connection" (or of "Connect").

use leptos::prelude::*;

use crate::connect::ConnectionCtx;
use crate::connect::outcome::OutcomeState;

/// Renders the last outcome; offers the legacy read path when that is what the test found.
#[component]
pub fn ConnectionOutcome(
    /// Called when the user accepts the legacy read path.
    on_use_legacy: Callback<()>,
) -> impl IntoView {
    let conn = ConnectionCtx::expect();
    move || {
        conn.outcome.get().map(|outcome| {
            let tone = match outcome.state {
                OutcomeState::Connected => "ok",
                OutcomeState::LegacyOnly => "warning",
                _ => "error",
            };
            let legacy = outcome.state == OutcomeState::LegacyOnly;
            view! {
                <div
                    class=format!("notice outcome {tone}")
                    role=if tone == "error" { "alert" } else { "status" }
                    data-testid="connection-outcome"
                    data-state=outcome.state.slug()
                >
                    <h3>{outcome.title}</h3>
                    <p>{outcome.message}</p>
                    <Show when=move || legacy>
                        <button
                            type="button"
                            class="primary"
                            data-testid="use-legacy"
                            on:click=move |_| on_use_legacy.run(())
                        >
                            "Use the legacy read path"
                        </button>
                    </Show>
                </div>
            }
        })
    }
}
