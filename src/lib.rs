//! Loupe's web app: Leptos components over the analytics engine in `loupe-core`.
//!
//! Layout: `app` wires contexts and the shell; `url` is the state in the query string; `state` holds the
//! loaded data; `view_model` turns engine figures into what components show (pure, tested natively);
//! `pages` and `components` render. Components decide nothing about numbers.

pub mod app;
pub mod components;
pub mod connect;
pub mod json;
pub mod pages;
pub mod state;
pub mod storage;
pub mod tz;
pub mod url;
pub mod view_model;

use wasm_bindgen::JsCast;

/// Mounts the app in place of the static boot message of `index.html`.
pub fn start() {
    console_error_panic_hook::set_once();
    let document = leptos::prelude::document();
    if let Some(boot) = document.get_element_by_id("boot") {
        boot.remove();
    }
    match document
        .body()
        .and_then(|body| body.dyn_into::<web_sys::HtmlElement>().ok())
    {
        Some(body) => leptos::mount::mount_to(body, app::App).forget(),
        None => leptos::logging::error!("Loupe could not find the page body to mount into"),
    }
}
