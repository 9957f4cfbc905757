//! The inputs of the connect form, bound to one `ConnectForm` signal (no logic here: validation lives in
//! `connect::form`).

use leptos::prelude::*;
use loupe_langfuse::plan::PlanPreset;

use crate::connect::form::{ConnectForm, HostChoice, plan_from_slug, plan_slug};

/// Host, keys, plan, rate, ceiling and "remember".
#[component]
pub fn ConnectFields(form: RwSignal<ConnectForm>) -> impl IntoView {
    let host = Memo::new(move |_| form.with(|f| f.host));
    let field = move |read: fn(&ConnectForm) -> String| move || form.with(read);
    view! {
        <div class="connect-fields">
            <label>
                <span>"Host"</span>
                <select
                    data-testid="host"
                    on:change=move |ev| {
                        let choice = HostChoice::from_slug(&event_target_value(&ev));
                        form.update(|f| f.host = choice);
                    }
                >
                    {HostChoice::all()
                        .into_iter()
                        .map(|choice| {
                            view! {
                                <option value=choice.slug() selected=move || host.get() == choice>
                                    {choice.label()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            <Show when=move || host.get() == HostChoice::SelfHosted>
                <label class="wide">
                    <span>"Base URL"</span>
                    <input
                        type="url"
                        data-testid="base-url"
                        placeholder="https://langfuse.example.com (with its base path, if any)"
                        prop:value=field(|f| f.self_hosted_url.clone())
                        on:input=move |ev| form.update(|f| f.self_hosted_url = event_target_value(&ev))
                    />
                </label>
            </Show>
            <label>
                <span>"Public key"</span>
                <input
                    type="text"
                    data-testid="public-key"
                    placeholder="pk-lf-…"
                    autocomplete="off"
                    spellcheck="false"
                    prop:value=field(|f| f.public_key.clone())
                    on:input=move |ev| form.update(|f| f.public_key = event_target_value(&ev))
                />
            </label>
            <label>
                <span>"Secret key"</span>
                <input
                    type="password"
                    data-testid="secret-key"
                    placeholder="sk-lf-…"
                    autocomplete="off"
                    prop:value=field(|f| f.secret_key.clone())
                    on:input=move |ev| form.update(|f| f.secret_key = event_target_value(&ev))
                />
            </label>
            <label>
                <span>"Plan"</span>
                <select
                    data-testid="plan"
                    on:change=move |ev| {
                        let plan = plan_from_slug(&event_target_value(&ev));
                        form.update(|f| f.choose_plan(plan));
                    }
                >
                    {PlanPreset::ALL
                        .into_iter()
                        .map(|plan| {
                            view! {
                                <option
                                    value=plan_slug(plan)
                                    selected=move || form.with(|f| f.plan == plan)
                                >
                                    {plan.label()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            <label>
                <span>"Requests / minute"</span>
                <input
                    type="text"
                    inputmode="numeric"
                    data-testid="rate"
                    placeholder="no limit"
                    prop:value=field(|f| f.requests_per_minute.clone())
                    on:input=move |ev| form.update(|f| f.requests_per_minute = event_target_value(&ev))
                />
            </label>
            <label>
                <span>"Row ceiling"</span>
                <input
                    type="text"
                    inputmode="numeric"
                    data-testid="max-rows"
                    prop:value=field(|f| f.max_rows.clone())
                    on:input=move |ev| form.update(|f| f.max_rows = event_target_value(&ev))
                />
            </label>
            <label class="check wide">
                <input
                    type="checkbox"
                    data-testid="remember"
                    prop:checked=move || form.with(|f| f.remember)
                    on:change=move |ev| form.update(|f| f.remember = event_target_checked(&ev))
                />
                <span>
                    "Remember keys on this device"
                    <small class="muted">
                        {move || {
                            if form.with(|f| f.remember) {
                                " (kept in this browser's local storage until you forget them)"
                            } else {
                                " (off: the keys stay in this tab only and are gone when it closes)"
                            }
                        }}
                    </small>
                </span>
            </label>
        </div>
    }
}
