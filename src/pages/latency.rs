//! Latency: the distribution of observation durations with P50/P95/P99 marked, and percentiles per model.

use leptos::prelude::*;
use loupe_charts::{Histogram, draw_histogram, format};
use loupe_core::{Dimension, HistogramLevel, group_by, latency_histogram, overview};

use crate::components::ChartCanvas;
use crate::pages::scope::use_scope;
use crate::state::DataCtx;
use crate::view_model::latency::{
    PERCENTILE_HEADS, chart_bins, percentile_markers, percentile_rows,
};

/// Bins per factor of ten on the log axis.
const BINS_PER_DECADE: u32 = 8;

#[component]
pub fn LatencyPage() -> impl IntoView {
    let data = DataCtx::expect();
    let scope = use_scope();
    let figures = Memo::new(move |_| {
        scope
            .filter
            .with(|filter| data.store.with(|store| overview(store, filter)))
    });
    let bins = Memo::new(move |_| {
        let histogram = scope.filter.with(|filter| {
            data.store.with(|store| {
                latency_histogram(store, filter, HistogramLevel::Observation, BINS_PER_DECADE)
            })
        });
        chart_bins(&histogram)
    });
    let markers = Memo::new(move |_| {
        figures.with(|o| {
            o.stats
                .latency_ms
                .as_ref()
                .map(percentile_markers)
                .unwrap_or_default()
        })
    });
    let rows = Memo::new(move |_| {
        let by_model = scope.filter.with(|filter| {
            data.store
                .with(|store| group_by(store, filter, &Dimension::Model))
        });
        figures.with(|o| {
            let mut rows = percentile_rows(o.stats.latency_ms.as_ref(), &by_model);
            if let Some(traces) = o.stats.trace_latency_ms.as_ref() {
                let mut trace_rows = percentile_rows(Some(traces), &[]);
                if let Some(first) = trace_rows.first_mut() {
                    first.label = "All traces".to_owned();
                }
                if let Some(first) = rows.first_mut() {
                    first.label = "All observations".to_owned();
                }
                rows.splice(1..1, trace_rows);
            }
            rows
        })
    });

    let draw = move |backend, theme: &loupe_charts::Theme| {
        bins.with(|bins| {
            markers.with(|markers| {
                draw_histogram(
                    backend,
                    &Histogram {
                        bins,
                        markers,
                        x_label: &|ms| format::duration_ms(ms),
                        y_label: &|count| format::count(count.max(0.0).round() as u64),
                        empty_message: "No finished observations in this range",
                    },
                    theme,
                )
            })
        })
    };

    view! {
        <section class="card" data-testid="latency-chart">
            <header>
                <h2>"Latency distribution"</h2>
                <span class="hint">"observation durations, log scale · line: share finished within"</span>
            </header>
            <div class="body">
                <ChartCanvas label="Latency distribution of observations" draw=draw />
            </div>
        </section>
        <section class="card">
            <header>
                <h2>"Percentiles"</h2>
                <span class="hint">"exact, nearest rank · by model, slowest P95 first"</span>
            </header>
            <div class="body table-wrap">
                <table class="data" data-testid="percentile-table">
                    <thead>
                        <tr>
                            <th>"Model"</th>
                            <th>"Count"</th>
                            <th>"Mean"</th>
                            {PERCENTILE_HEADS.into_iter().map(|head| view! { <th>{head}</th> }).collect_view()}
                        </tr>
                    </thead>
                    <tbody>
                        // Not a keyed <For>: a row keeps its key (its label) while its figures change
                        // with the range or filters, and a keyed list would leave the old figures on screen.
                        {move || {
                            rows.get()
                                .into_iter()
                                .map(|row| view! {
                                    <tr>
                                        <td>{row.label}</td>
                                        <td>{row.count}</td>
                                        <td>{row.mean}</td>
                                        {row.percentiles.into_iter().map(|p| view! { <td>{p}</td> }).collect_view()}
                                    </tr>
                                })
                                .collect_view()
                        }}
                    </tbody>
                </table>
            </div>
        </section>
    }
}
