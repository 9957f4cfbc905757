//! A canvas that holds one plotters chart, sharp at any device pixel ratio.
//!
//! The canvas backing store is sized to the element's CSS box times `devicePixelRatio`; the chart draws in
//! CSS pixels through [`HiDpi`]. It redraws when the chart's inputs (signals read by `draw`), the box size,
//! the pixel ratio or the colour scheme change. Not responsible for: what is drawn (see `loupe-charts`).

use leptos::html;
use leptos::prelude::*;
use leptos_use_device_pixel_ratio::use_device_pixel_ratio;
use leptos_use_element_size::{UseElementSizeReturn, use_element_size};
use leptos_use_preferences::use_preferred_dark;
use loupe_charts::{ChartError, HiDpi, Theme};
use plotters_canvas::CanvasBackend;

/// A canvas chart filling its container (`.chart`, sized by CSS).
#[component]
pub fn ChartCanvas<F>(
    /// Draws the chart; the signals it reads decide when it redraws.
    draw: F,
    /// What the chart shows, for screen readers.
    #[prop(into)]
    label: String,
) -> impl IntoView
where
    F: Fn(HiDpi<CanvasBackend>, &Theme) -> Result<(), ChartError> + 'static,
{
    let container = NodeRef::<html::Div>::new();
    let canvas = NodeRef::<html::Canvas>::new();
    let UseElementSizeReturn { width, height } = use_element_size(container);
    let pixel_ratio = use_device_pixel_ratio();
    let prefers_dark = use_preferred_dark();
    let failure = RwSignal::new(None::<String>);

    // Talks to the world outside the reactive graph (the canvas); reports a failed draw for the template.
    Effect::new(move |_| {
        let Some(canvas) = canvas.get() else { return };
        let (css_width, css_height, ratio) = (width.get(), height.get(), pixel_ratio.get());
        if css_width < 1.0 || css_height < 1.0 {
            return;
        }
        canvas.set_width((css_width * ratio).round() as u32);
        canvas.set_height((css_height * ratio).round() as u32);
        let theme = Theme::for_scheme(prefers_dark.get());
        let outcome = match CanvasBackend::with_canvas_object(canvas) {
            Some(backend) => {
                draw(HiDpi::new(backend, ratio), &theme).map_err(|error| error.to_string())
            }
            None => Err("this browser gave no 2D canvas context".to_owned()),
        };
        failure.set(outcome.err());
    });

    view! {
        <div class="chart" node_ref=container>
            <canvas node_ref=canvas role="img" aria-label=label></canvas>
            {move || failure.get().map(|reason| view! { <p class="notice error">"The chart could not be drawn: " {reason}</p> })}
        </div>
    }
}
