//! The overview: headline figures, traffic and cost over time for the URL's time range.

use leptos::prelude::*;
use loupe_charts::{ChartError, HiDpi, Theme, TimeBars, draw_time_bars, format};
use loupe_core::{SeriesSpec, overview, previous_period, time_series};
use plotters_canvas::CanvasBackend;

use crate::components::{ChartCanvas, KpiCards, ServerFiguresNotice};
use crate::connect::FetchCtx;
use crate::pages::scope::{Scope, use_scope};
use crate::state::{DataCtx, LoadStatus};
use crate::tz::ViewerZone;
use crate::view_model::overview::{
    ChartMetric, TimeChart, kpis, kpis_pending, server_kpis, with_changes,
};

/// About one bar per 4 CSS pixels on a wide screen.
const TARGET_BARS: u32 = 200;

#[component]
pub fn OverviewPage() -> impl IntoView {
    let data = DataCtx::expect();
    // Figures computed by Langfuse, shown instead of the loaded rows' while set (ranges too large to fetch).
    let server = FetchCtx::expect().server;
    let Scope {
        window_ms,
        filter,
        zone_name,
    } = use_scope();
    let figures =
        Memo::new(move |_| filter.with(|filter| data.store.with(|store| overview(store, filter))));
    // The same filter over the period just before, when that period is wholly loaded (so a change never
    // compares with rows that were not fetched).
    let baseline = Memo::new(move |_| {
        let (first_ms, _) = data.data_window_ms()?;
        let previous = filter.with(previous_period)?;
        (previous.from_ms? >= first_ms).then(|| data.store.with(|store| overview(store, &previous)))
    });
    let loading = Memo::new(move |_| matches!(data.status.get(), LoadStatus::Loading(_)));
    let headline = Signal::derive(move || {
        if let Some(kpis) = server.with(|s| s.as_ref().map(|s| server_kpis(&s.figures))) {
            kpis
        } else if loading.get() {
            kpis_pending()
        } else {
            let headline = figures.with(kpis);
            match baseline.get() {
                Some(baseline) => {
                    figures.with(|current| with_changes(headline, current, &baseline))
                }
                None => headline,
            }
        }
    });
    // Both charts come from one series (or, while Langfuse's figures are shown, from its series).
    let charts = Memo::new(move |_| {
        let zone = ViewerZone::from_url(zone_name.read().as_deref());
        if let Some(charts) = server.with(|server| {
            server.as_ref().map(|s| {
                METRICS.map(|metric| {
                    TimeChart::from_server_series(
                        &s.series,
                        metric,
                        s.range.from_ms,
                        s.range.to_ms,
                        s.bucket_ms,
                        &zone,
                    )
                })
            })
        }) {
            return Some(charts);
        }
        let (from_ms, to_ms) = window_ms.get()?;
        let spec = SeriesSpec {
            from_ms,
            to_ms,
            target_points: TARGET_BARS,
            bucket: None,
        };
        let series = filter.with(|filter| {
            data.store
                .with(|store| time_series(store, filter, &spec, &zone))
        });
        Some(METRICS.map(|metric| TimeChart::from_series(&series, metric, &zone)))
    });

    view! {
        <StatusNotice />
        <ServerFiguresNotice />
        <KpiCards kpis=headline />
        <section class="card" data-testid="requests-chart">
            <header>
                <h2>"Observations over time"</h2>
                <span class="hint">"by start time, stacked by level"</span>
                <Legend />
            </header>
            <div class="body">
                <ChartCanvas
                    label="Observations over time, stacked by level"
                    draw=drawer(charts, 0, zone_name)
                />
            </div>
        </section>
        <section class="card" data-testid="cost-chart">
            <header>
                <h2>"Cost over time"</h2>
                <span class="hint">"USD by start time: Langfuse's cost, or estimated from model prices"</span>
            </header>
            <div class="body">
                <ChartCanvas label="Cost over time" draw=drawer(charts, 1, zone_name) />
            </div>
        </section>
    }
}

/// The overview's charts, in page order.
const METRICS: [ChartMetric; 2] = [ChartMetric::Observations, ChartMetric::Cost];

/// Draws chart `index` of `charts` (one closure type for both, so the canvas component is built once).
fn drawer(
    charts: Memo<Option<[TimeChart; 2]>>,
    index: usize,
    zone_name: Memo<Option<String>>,
) -> impl Fn(HiDpi<CanvasBackend>, &Theme) -> Result<(), ChartError> + 'static {
    move |backend, theme| {
        let zone = ViewerZone::from_url(zone_name.read_untracked().as_deref());
        let metric = METRICS
            .get(index)
            .copied()
            .unwrap_or(ChartMetric::Observations);
        charts.with(|charts| {
            let empty = TimeChart::default();
            let chart = charts
                .as_ref()
                .and_then(|charts| charts.get(index))
                .unwrap_or(&empty);
            let series = metric.series(theme);
            draw_time_bars(
                backend,
                &TimeBars {
                    from_ms: chart.from_ms,
                    to_ms: chart.to_ms,
                    bucket_ms: chart.bucket_ms.max(1),
                    bars: &chart.bars,
                    series: &series,
                    x_ticks: &chart.ticks,
                    x_label: &|x| format::time_tick(x, zone.offset_s(x), chart.tick_step_ms.max(1)),
                    y_label: &|y| metric.y_label(y),
                    empty_message: metric.empty_message(),
                },
                theme,
            )
        })
    }
}

#[component]
fn Legend() -> impl IntoView {
    let keys = ChartMetric::Observations.series(&Theme::light());
    let css_vars = ["--ok", "--warning", "--error"];
    view! {
        <div class="legend">
            {keys
                .into_iter()
                .zip(css_vars)
                .map(|(key, var)| {
                    view! {
                        <span>
                            <span class="swatch" style=format!("background: var({var})")></span>
                            {key.label}
                        </span>
                    }
                })
                .collect_view()}
        </div>
    }
}

#[component]
fn StatusNotice() -> impl IntoView {
    let data = DataCtx::expect();
    move || match data.status.get() {
        LoadStatus::Ready => None,
        LoadStatus::Loading(message) => {
            Some(view! { <div class="notice" role="status">{message}</div> }.into_any())
        }
        LoadStatus::Failed(message) => Some(
            view! {
                <div class="notice error" role="alert">
                    <h3>"Loading failed"</h3>
                    <p>{message}</p>
                </div>
            }
            .into_any(),
        ),
    }
}
