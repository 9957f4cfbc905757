//! One score name's card: title, data type and count, then its figures and distribution. Names and
//! values are Langfuse users' text: rendered as text nodes and attributes, never as markup.

use leptos::prelude::*;

use crate::view_model::scores::{BinBar, ScoreBody, ScoreCard, ValueBar};

/// Renders a prepared [`ScoreCard`].
#[component]
pub fn ScoreCardView(card: ScoreCard) -> impl IntoView {
    let ScoreCard {
        name,
        data_type,
        count,
        missing,
        body,
    } = card;
    let hint = match missing {
        Some(missing) => format!("{data_type} · {count} · {missing}"),
        None => format!("{data_type} · {count}"),
    };
    let body = match body {
        ScoreBody::Numeric {
            figures,
            bins,
            lower,
            upper,
        } => view! { <NumericBody figures bins lower upper /> }.into_any(),
        ScoreBody::Boolean {
            true_share,
            true_text,
            false_text,
        } => view! {
            <div class="score-split" role="img" aria-label=format!("{true_text}, {false_text}")>
                <span style=format!("width: {:.1}%", true_share * 100.0)></span>
            </div>
            <div class="score-split-legend">
                <span data-testid="score-true">{true_text}</span>
                <span>{false_text}</span>
            </div>
        }
        .into_any(),
        ScoreBody::Values { rows, more } => view! { <ValuesBody rows more /> }.into_any(),
        ScoreBody::NoValues => {
            view! { <p class="muted">"None of these scores has a value."</p> }.into_any()
        }
    };
    let title = name.clone();
    view! {
        <section class="card score-card" data-testid="score-card" data-name=name>
            <header>
                <h2 class="cell-label">{title}</h2>
                <span class="hint">{hint}</span>
            </header>
            <div class="body">{body}</div>
        </section>
    }
}

#[component]
fn NumericBody(
    figures: Vec<(&'static str, String)>,
    bins: Vec<BinBar>,
    lower: String,
    upper: String,
) -> impl IntoView {
    view! {
        <dl class="score-figures">
            {figures
                .into_iter()
                .map(|(label, value)| {
                    view! {
                        <div>
                            <dt>{label}</dt>
                            <dd data-testid=format!("score-{}", label.to_ascii_lowercase())>{value}</dd>
                        </div>
                    }
                })
                .collect_view()}
        </dl>
        <div class="score-bins" role="img" aria-label="Distribution of values in ten equal-width bins">
            {bins
                .into_iter()
                .map(|bin| {
                    view! { <span style=format!("height: {:.1}%", bin.height_pct) title=bin.label></span> }
                })
                .collect_view()}
        </div>
        <div class="score-axis">
            <span>{lower}</span>
            <span>{upper}</span>
        </div>
    }
}

#[component]
fn ValuesBody(rows: Vec<ValueBar>, more: usize) -> impl IntoView {
    view! {
        <table class="data score-values">
            <tbody>
                {rows
                    .into_iter()
                    .map(|row| {
                        view! {
                            <tr>
                                <td>
                                    <div class="cell-label">{row.value}</div>
                                    <div class="share-bar" style=format!("width: {:.1}%", row.share * 100.0)></div>
                                </td>
                                <td>{row.count}</td>
                                <td>{row.share_text}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
        {(more > 0).then(|| view! { <p class="muted small">{format!("{more} more values")}</p> })}
    }
}
