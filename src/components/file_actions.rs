//! "Open file" and "Save snapshot" (top bar), and the notice saying how the last one went.

use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::connect::FetchCtx;
use crate::state::DataCtx;
use crate::storage::files::{FilesCtx, open_file, save_snapshot};

/// The two file buttons (the file input itself is hidden behind "Open file").
#[component]
pub fn FileActions() -> impl IntoView {
    let data = DataCtx::expect();
    let fetch = FetchCtx::expect();
    let files = FilesCtx::expect();
    let input = NodeRef::<html::Input>::new();
    let empty = Memo::new(move |_| data.store.with(|store| store.is_empty()));
    let on_change = move |event: leptos::ev::Event| {
        let Some(target) = event
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let file = target.files().and_then(|list| list.get(0));
        // Cleared so that opening the same file again fires `change` again.
        target.set_value("");
        if let Some(file) = file {
            leptos::task::spawn_local(open_file(file, data, fetch, files));
        }
    };
    view! {
        <button
            type="button"
            class="secondary"
            data-testid="open-file"
            title="Open a Loupe snapshot, or a JSON / JSON-lines file of Langfuse v2 observations"
            on:click=move |_| {
                if let Some(input) = input.get() {
                    input.click();
                }
            }
        >
            "Open file"
        </button>
        <input
            type="file"
            class="visually-hidden"
            accept=".jsonl,.ndjson,.json,application/json"
            data-testid="file-input"
            node_ref=input
            on:change=on_change
        />
        <button
            type="button"
            class="secondary"
            data-testid="save-snapshot"
            title="Download what is loaded as one file (no keys)"
            disabled=empty
            on:click=move |_| save_snapshot(data, files)
        >
            "Save snapshot"
        </button>
    }
}

/// The outcome of the last file action, until dismissed.
#[component]
pub fn FileNoticeView() -> impl IntoView {
    let files = FilesCtx::expect();
    move || {
        files.notice.get().map(|notice| {
            view! {
                <div
                    class="notice file-notice"
                    class:error=!notice.ok
                    role=if notice.ok { "status" } else { "alert" }
                    data-testid="file-notice"
                    data-ok=notice.ok.to_string()
                >
                    <p>{notice.text}</p>
                    <button type="button" class="link" on:click=move |_| files.notice.set(None)>
                        "Dismiss"
                    </button>
                </div>
            }
        })
    }
}
