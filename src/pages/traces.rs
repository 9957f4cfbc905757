//! Traces: the traces of the rows in view (latest, slowest, costliest or with most errors first), and one
//! trace (`trace=`) as a waterfall of all its observations. A link to a trace opens the same waterfall for
//! its receiver, as long as the trace is in the data they load.

use std::sync::Arc;

use leptos::prelude::*;
use loupe_core::{TraceOrder, session_timeline, trace_tree, traces};

use crate::app::UrlCtx;
use crate::connect::ConnectionCtx;
use crate::connect::trace_io::{ObservationIo, TraceIo, demo_trace_io, fetch_trace_io};
use crate::pages::scope::use_scope;
use crate::state::{DataCtx, LoadStatus, Source};
use crate::url::{UrlState, View};
use crate::view_model::traces::{
    MAX_TRACES, ORDERS, SessionView, TraceHeader, WaterfallRow, io_text, session_view,
    trace_list_rows, waterfall,
};

/// The query of the link to trace `trace_id` (the current range, zone and filters kept).
pub fn trace_href(url: UrlCtx, trace_id: &str) -> String {
    url.state.with(|state| {
        UrlState {
            view: View::Traces,
            trace: Some(trace_id.to_owned()),
            ..state.clone()
        }
        .to_query()
    })
}

/// Opens trace `trace_id` in this tab (a new history entry, so Back returns to where the click was).
pub fn open_trace(url: UrlCtx, trace_id: String) {
    url.update(move |state| {
        state.view = View::Traces;
        state.trace = Some(trace_id);
    });
}

#[component]
pub fn TracesPage() -> impl IntoView {
    let url = UrlCtx::expect();
    let trace = Memo::new(move |_| url.state.with(|state| state.trace.clone()));
    move || match trace.get() {
        Some(trace_id) => view! { <TraceDetail trace_id=trace_id /> }.into_any(),
        None => view! { <TraceList /> }.into_any(),
    }
}

// The list and the waterfall are computed inside their render closures rather than in memos: each memo
// of a new value type instantiates the memo machinery again (~8 KB of wasm), and these views redraw
// exactly when their inputs change anyway.

#[component]
fn TraceList() -> impl IntoView {
    let url = UrlCtx::expect();
    let data = DataCtx::expect();
    let scope = use_scope();
    let pick_order = move |next: TraceOrder| url.update(move |state| state.trace_order = next);
    let body = move || {
        let order = url.state.with(|state| state.trace_order);
        let list = scope.filter.with(|filter| {
            data.store
                .with(|store| traces(store, filter, order, MAX_TRACES))
        });
        let zone = scope.zone();
        let rows = trace_list_rows(&list, &|utc_ms| zone.offset_s(utc_ms));
        let total = list.total;
        let count = loupe_charts::format::count(total);
        view! {
            <p class="muted small list-count" data-testid="trace-count">
                {if total > MAX_TRACES as u64 {
                    format!("The first {MAX_TRACES} of {count} traces with rows in this range; narrow the range or filter to see others.")
                } else {
                    format!("{count} traces with rows in this range · click one for its waterfall")
                }}
            </p>
            <table class="data traces">
                <thead>
                    <tr>
                        <th>"Trace"</th>
                        <th>"Started"</th>
                        <th>"Duration"</th>
                        <th>"Observations"</th>
                        <th>"Errors"</th>
                        <th>"Cost"</th>
                        <th>"Tokens"</th>
                        <th>"User"</th>
                        <th>"Session"</th>
                    </tr>
                </thead>
                <tbody>
                    {rows
                        .into_iter()
                        .map(|row| {
                            let id = row.trace_id.clone();
                            let href = trace_href(url, &row.trace_id);
                            view! {
                                <tr class=row.level_class>
                                    <td>
                                        <a
                                            href=href
                                            data-testid="trace-link"
                                            on:click=move |event| {
                                                event.prevent_default();
                                                open_trace(url, id.clone());
                                            }
                                        >
                                            {row.name}
                                        </a>
                                        <div class="muted small mono">{row.trace_id}</div>
                                    </td>
                                    <td>{row.start}</td>
                                    <td>{row.duration}</td>
                                    <td>{row.observations}</td>
                                    <td class:bad=row.level_class == "error">{row.errors}</td>
                                    <td>{row.cost}</td>
                                    <td>{row.tokens}</td>
                                    <td class="wrap">{row.user}</td>
                                    <td class="wrap">{row.session}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
            {(total == 0).then(|| view! {
                <p class="muted">"No traces have rows matching these filters in this range."</p>
            })}
        }
        .into_any()
    };

    view! {
        <section class="card" data-testid="trace-list">
            <header>
                <h2>"Traces"</h2>
                <span class="hint">"latest, slowest, costliest or with most errors first"</span>
                <div class="segmented" role="group" aria-label="Order">
                    {ORDERS
                        .into_iter()
                        .map(|(choice, _, label)| {
                            view! {
                                <button
                                    type="button"
                                    aria-pressed=move || {
                                        url.state.with(|state| state.trace_order == choice).to_string()
                                    }
                                    on:click=move |_| pick_order(choice)
                                >
                                    {label}
                                </button>
                            }
                        })
                        .collect_view()}
                </div>
            </header>
            <div class="body table-wrap">{body}</div>
        </section>
    }
}

/// Where the inputs and outputs of the trace on screen are.
#[derive(Clone, Debug, Default)]
enum IoState {
    #[default]
    NotAsked,
    Fetching,
    Fetched(Arc<TraceIo>),
    Failed(String),
}

#[component]
fn TraceDetail(trace_id: String) -> impl IntoView {
    let url = UrlCtx::expect();
    let data = DataCtx::expect();
    let conn = ConnectionCtx::expect();
    let scope = use_scope();
    let io = RwSignal::new(IoState::NotAsked);
    let io_trace = trace_id.clone();
    let settle = move |result: Result<TraceIo, String>| {
        io.set(match result {
            Ok(fetched) => IoState::Fetched(Arc::new(fetched)),
            Err(message) => IoState::Failed(message),
        });
    };
    let fetch_io = move |_| {
        let trace_id = io_trace.clone();
        if data.source.get_untracked() == Source::Demo {
            // The demo regenerates them (what the emulator would serve), in one step.
            settle(demo_trace_io(&trace_id));
            return;
        }
        let Some(session) = conn.session() else {
            return;
        };
        io.set(IoState::Fetching);
        leptos::task::spawn_local(async move { settle(fetch_trace_io(&session, &trace_id).await) });
    };
    let io_controls = move || {
        let can_fetch = conn.live.with(Option::is_some) || data.source.with(|s| *s == Source::Demo);
        if !can_fetch {
            return view! {
                <span class="muted small">
                    "Inputs and outputs come from Langfuse, per trace, once its project is connected."
                </span>
            }
            .into_any();
        }
        match io.get() {
            IoState::NotAsked => view! {
                <button type="button" class="secondary" data-testid="fetch-io" on:click=fetch_io.clone()>
                    "Show inputs and outputs"
                </button>
            }
            .into_any(),
            IoState::Fetching => {
                view! { <span class="muted small" role="status">"Fetching inputs and outputs…"</span> }
                    .into_any()
            }
            IoState::Fetched(fetched) => view! {
                <span class="muted small" data-testid="io-count">
                    {format!(
                        "Inputs and outputs of {} observations, {}",
                        fetched.len(),
                        if data.source.with(|s| *s == Source::Demo) {
                            "generated with the demo"
                        } else {
                            "from Langfuse"
                        },
                    )}
                </span>
            }
            .into_any(),
            IoState::Failed(message) => view! {
                <span class="notice error small" role="alert" data-testid="io-error">{message}</span>
                <button type="button" class="secondary" on:click=fetch_io.clone()>"Try again"</button>
            }
            .into_any(),
        }
    };
    let back_href = url.state.with_untracked(|state| {
        UrlState {
            trace: None,
            ..state.clone()
        }
        .to_query()
    });
    let back = move |event: leptos::ev::MouseEvent| {
        event.prevent_default();
        url.update(|state| state.trace = None);
    };
    let missing = move |trace_id: String| {
        view! {
            <div class="body" data-testid="trace-missing">
                <p>"Trace " <span class="mono">{trace_id}</span> " is not in the loaded data."</p>
                <p class="muted">
                    "Its observations may lie outside the loaded time range or belong to another project: \
                     load that range (Fetch, or open the snapshot it came from), or go back to the list."
                </p>
            </div>
        }
    };
    let body = move || match data.store.with(|store| trace_tree(store, &trace_id)) {
        Some(tree) => {
            let zone = scope.zone();
            let session = tree.session_id.as_deref().and_then(|session_id| {
                data.store
                    .with(|store| session_timeline(store, session_id))
                    .map(|timeline| session_view(&timeline, &tree.trace_id))
            });
            let (header, rows) = waterfall(&tree, &|utc_ms| zone.offset_s(utc_ms));
            let fetched = io.with(|state| match state {
                IoState::Fetched(fetched) => Some(fetched.clone()),
                _ => None,
            });
            view! {
                <Waterfall header=header rows=rows io=fetched />
                {session.map(|session| view! { <Session session=session /> })}
            }
            .into_any()
        }
        // Not "missing" while the data it may be in is still arriving.
        None if matches!(data.status.get(), LoadStatus::Loading(_)) => {
            view! { <p class="body muted">"Loading the data…"</p> }.into_any()
        }
        None => missing(trace_id.clone()).into_any(),
    };

    view! {
        <section class="card" data-testid="trace-detail">
            <header>
                <a
                    class="back"
                    href=if back_href.is_empty() { "./".to_owned() } else { back_href }
                    on:click=back
                >
                    "← All traces"
                </a>
                <div class="io-controls">{io_controls}</div>
            </header>
            {body}
        </section>
    }
}

#[component]
fn Waterfall(
    header: TraceHeader,
    rows: Vec<WaterfallRow>,
    /// Inputs and outputs by observation id, once fetched.
    io: Option<Arc<TraceIo>>,
) -> impl IntoView {
    let issues = header.issues.clone();
    view! {
        <div class="body trace-head">
            <h2 class=header.level_class>{header.name}</h2>
            <span class="muted small mono" data-testid="trace-id">{header.trace_id}</span>
            <dl class="facts">
                <div><dt>"Started"</dt><dd>{header.start}</dd></div>
                <div><dt>"Duration"</dt><dd data-testid="trace-duration">{header.duration}</dd></div>
                <div><dt>"Observations"</dt><dd data-testid="trace-observations">{header.observations}</dd></div>
                <div><dt>"Cost"</dt><dd>{header.cost}</dd></div>
                <div><dt>"Tokens"</dt><dd>{header.tokens}</dd></div>
                <div><dt>"Level"</dt><dd class=header.level_class>{header.level}</dd></div>
                <div><dt>"User"</dt><dd>{header.user}</dd></div>
                <div><dt>"Session"</dt><dd>{header.session}</dd></div>
            </dl>
            {(!issues.is_empty()).then(|| view! {
                <p class="notice" role="note">"Structure: " {issues.join("; ")} "."</p>
            })}
            <p class="muted small">"All observations of the trace, whatever the filters; bars on the trace's own time axis, the darker part until the first token."</p>
        </div>
        <div class="waterfall" role="list" data-testid="waterfall">
            {rows
                .into_iter()
                .map(|row| {
                    let indent = format!("padding-left: {}px", row.depth.min(24) * 14);
                    let bar = format!(
                        "left: {:.3}%; width: {:.3}%",
                        row.bar_left_pct, row.bar_width_pct
                    );
                    let flags = row.flags.join(", ");
                    let row_io = io.as_ref().and_then(|io| io.get(&row.observation_id)).cloned();
                    view! {
                        <div class=format!("wf-row {}", row.level_class) role="listitem" data-testid="waterfall-row">
                            <div class="wf-label" style=indent>
                                <span class=format!("kind kind-{}", row.kind)>{row.kind.clone()}</span>
                                " "
                                <span class="wf-name">{row.name}</span>
                                {row.model.map(|model| view! { " " <span class="muted small">{model}</span> })}
                                {(!flags.is_empty()).then(|| view! { " " <span class="flag small">{flags}</span> })}
                                {row.status.map(|status| view! { <div class="wf-status small">{status}</div> })}
                                {(!row.figures.is_empty()).then(|| view! { <div class="muted small">{row.figures}</div> })}
                                {row_io.map(|row_io| view! { <IoDetails io=row_io /> })}
                            </div>
                            <div class="wf-track">
                                <div class="wf-bar" style=bar>
                                    {row.ttft_pct.map(|pct| view! {
                                        <div class="wf-ttft" style=format!("width: {pct:.3}%")></div>
                                    })}
                                </div>
                            </div>
                            <div class="wf-time">
                                {row.duration}
                                <div class="muted small">{row.offset}</div>
                            </div>
                        </div>
                    }
                })
                .collect_view()}
        </div>
    }
}

/// The session of the trace on screen: its traces on one time axis, each a link to its waterfall.
#[component]
fn Session(session: SessionView) -> impl IntoView {
    let url = UrlCtx::expect();
    view! {
        <div class="session" data-testid="session-timeline">
            <h3>
                "Session " <span class="mono">{session.session_id}</span>
                <span class="muted small">" · " {session.summary}</span>
            </h3>
            {session
                .rows
                .into_iter()
                .map(|row| {
                    let id = row.trace_id.clone();
                    let href = trace_href(url, &row.trace_id);
                    let bar = format!(
                        "left: {:.3}%; width: {:.3}%",
                        row.bar_left_pct, row.bar_width_pct
                    );
                    view! {
                        <div
                            class=format!("wf-row {}", row.level_class)
                            class:current=row.current
                            data-testid="session-trace"
                        >
                            <div class="wf-label">
                                <a
                                    href=href
                                    aria-current=row.current.then_some("true")
                                    on:click=move |event| {
                                        event.prevent_default();
                                        open_trace(url, id.clone());
                                    }
                                >
                                    {row.name}
                                </a>
                                <span class="muted small">" " {row.offset}</span>
                                <div class="muted small">
                                    {row.cost} " · " {row.errors} " errors"
                                    {(!row.gap.is_empty()).then(|| view! { " · " {row.gap.clone()} })}
                                </div>
                            </div>
                            <div class="wf-track">
                                <div class="wf-bar" style=bar></div>
                            </div>
                            <div class="wf-time">{row.duration}</div>
                        </div>
                    }
                })
                .collect_view()}
        </div>
    }
}

/// One observation's input and output, folded until asked for; always text, never HTML.
#[component]
fn IoDetails(io: ObservationIo) -> impl IntoView {
    let part = |label: &'static str, text: Option<String>| {
        text.map(|text| {
            view! {
                <div class="io-label">{label}</div>
                <pre class="io-text">{io_text(&text)}</pre>
            }
        })
    };
    view! {
        <details class="wf-io" data-testid="observation-io">
            <summary>"Input and output"</summary>
            {part("Input", io.input)}
            {part("Output", io.output)}
        </details>
    }
}
