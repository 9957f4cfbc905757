//! The root component: router (for the query string only; there is no path routing, so `dist/` works under
//! any sub-path without rewrite rules), contexts, and the page shell.

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::components::Router;
use leptos_router::hooks::{use_location, use_navigate, use_query_map};

use crate::components::FilterBar;
use crate::components::{ConnectPanel, FetchPanel, FileNoticeView, Header};
use crate::connect::{ConnectionCtx, Ctxs, FetchCtx, flows};
use crate::pages::{BreakdownPage, ErrorsPage, LatencyPage, OverviewPage, ScoresPage, TracesPage};
use crate::state::demo::{demo_config, load_demo};
use crate::state::{DataCtx, LoadStatus, Provenance, Source};
use crate::storage::files::FilesCtx;
use crate::url::{UrlState, View};

type Navigate = Box<dyn Fn(&str, NavigateOptions)>;

/// The typed URL state and the one way to change it. Not responsible for: loaded data or credentials.
#[derive(Clone, Copy)]
pub struct UrlCtx {
    /// The current state, parsed from the query string.
    pub state: Memo<UrlState>,
    navigate: StoredValue<Navigate, LocalStorage>,
    pathname: Memo<String>,
}

impl UrlCtx {
    /// The context provided by [`App`].
    pub fn expect() -> Self {
        expect_context::<Self>()
    }

    /// The time zone the URL asks for (the browser's own by default); tracked.
    pub fn viewer_zone(&self) -> crate::tz::ViewerZone {
        crate::tz::ViewerZone::from_url(self.state.with(|state| state.time_zone.clone()).as_deref())
    }

    /// Applies `change` to the current state and records it in the URL (a new history entry).
    pub fn update(&self, change: impl FnOnce(&mut UrlState)) {
        let mut next = self.state.get_untracked();
        change(&mut next);
        if next == self.state.get_untracked() {
            return;
        }
        let target = format!("{}{}", self.pathname.get_untracked(), next.to_query());
        self.navigate.with_value(|navigate| {
            navigate(
                &target,
                NavigateOptions {
                    scroll: false,
                    ..Default::default()
                },
            )
        });
    }
}

fn provide_url_context() -> UrlCtx {
    let query = use_query_map();
    let location = use_location();
    let state = Memo::new(move |_| {
        query.with(|params| {
            let pairs: Vec<(String, String)> = params
                .latest_values()
                .map(|(key, value)| (key.to_string(), value.to_string()))
                .collect();
            UrlState::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        })
    });
    let pathname = Memo::new(move |_| location.pathname.get());
    let navigate = use_navigate();
    let ctx = UrlCtx {
        state,
        navigate: StoredValue::new_local(Box::new(
            move |target: &str, options: NavigateOptions| navigate(target, options),
        )),
        pathname,
    };
    provide_context(ctx);
    ctx
}

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    view! {
        <Router>
            <Shell />
        </Router>
    }
}

#[component]
fn Shell() -> impl IntoView {
    let url = provide_url_context();
    let ctx = Ctxs {
        data: DataCtx::provide(),
        conn: ConnectionCtx::provide(),
        fetch: FetchCtx::provide(),
    };
    FilesCtx::provide();
    // A connection kept in this tab (or remembered on this device) reopens its project; otherwise the demo.
    if !flows::restore(ctx, url.state.get_untracked().range) {
        load_demo_after_first_paint(ctx.data);
    }
    let view = Memo::new(move |_| url.state.with(|state| state.view));
    let panel_open = ctx.conn.panel_open;
    let connected = Memo::new(move |_| ctx.conn.live.with(Option::is_some));
    view! {
        <div class="app">
            <Header />
            <nav class="tabs" aria-label="Views">
                {View::ALL
                    .into_iter()
                    .map(|tab| {
                        view! {
                            <a
                                href=move || {
                                    let query = url.state.with(|state| UrlState { view: tab, ..state.clone() }.to_query());
                                    if query.is_empty() { "./".to_owned() } else { query }
                                }
                                aria-current=move || (view.get() == tab).then_some("page")
                                on:click=move |event| {
                                    event.prevent_default();
                                    url.update(|state| state.view = tab);
                                }
                            >
                                {tab.title()}
                            </a>
                        }
                    })
                    .collect_view()}
            </nav>
            <main>
                <Show when=move || panel_open.get()>
                    <ConnectPanel />
                </Show>
                <Show when=move || connected.get()>
                    <FetchPanel />
                </Show>
                <FileNoticeView />
                <FilterBar />
                {move || match view.get() {
                    View::Overview => view! { <OverviewPage /> }.into_any(),
                    View::Breakdown => view! { <BreakdownPage /> }.into_any(),
                    View::Latency => view! { <LatencyPage /> }.into_any(),
                    View::Errors => view! { <ErrorsPage /> }.into_any(),
                    View::Scores => view! { <ScoresPage /> }.into_any(),
                    View::Traces => view! { <TracesPage /> }.into_any(),
                }}
            </main>
        </div>
    }
}

/// Generates the demo once the loading message is on screen (the work blocks the main thread briefly).
fn load_demo_after_first_paint(data: DataCtx) {
    request_animation_frame(move || {
        set_timeout(
            move || {
                match load_demo(&demo_config()) {
                // Unless a project or a file was opened meanwhile.
                Ok(_) if data.source.get_untracked() != Source::Demo => {}
                Ok(demo) => data.replace(demo.store, Source::Demo, Provenance::Demo, None),
                Err(error) => data.status.set(LoadStatus::Failed(format!(
                    "The demo dataset could not be decoded ({error}). This is a bug in Loupe; please report it."
                ))),
            }
            },
            std::time::Duration::ZERO,
        );
    });
}
