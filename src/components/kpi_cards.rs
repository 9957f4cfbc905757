//! A row of headline figures.

use leptos::prelude::*;

use crate::view_model::overview::Kpi;

/// Renders prepared KPIs; the figures change in place when the filter changes.
#[component]
pub fn KpiCards(#[prop(into)] kpis: Signal<Vec<Kpi>>) -> impl IntoView {
    view! {
        <div class="kpis">
            <For each=move || kpis.get() key=|kpi| kpi.id let:kpi>
                <KpiCard id=kpi.id kpis=kpis />
            </For>
        </div>
    }
}

#[component]
fn KpiCard(id: &'static str, kpis: Signal<Vec<Kpi>>) -> impl IntoView {
    let kpi = Memo::new(move |_| kpis.with(|all| all.iter().find(|k| k.id == id).cloned()));
    let field = move |read: fn(&Kpi) -> String| {
        move || kpi.with(|k| k.as_ref().map(read).unwrap_or_default())
    };
    view! {
        <div
            class="card kpi"
            class:bad=move || kpi.with(|k| k.as_ref().is_some_and(|k| k.alarming))
            data-testid=format!("kpi-{id}")
        >
            <div class="label">{field(|k| k.label.to_owned())}</div>
            <div class="value">{field(|k| k.value.clone())}</div>
            <div class="detail">{field(|k| k.detail.clone())}</div>
            <div
                class="change"
                class:worse=move || kpi.with(|k| k.as_ref().is_some_and(|k| k.change_tone == "worse"))
                class:better=move || kpi.with(|k| k.as_ref().is_some_and(|k| k.change_tone == "better"))
                data-testid=format!("kpi-{id}-change")
            >
                {field(|k| k.change.clone())}
            </div>
        </div>
    }
}
