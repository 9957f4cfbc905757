//! Browser tests (wasm-bindgen-test in headless Chromium): `make wasm-test`.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use loupe_charts::{HiDpi, SeriesKey, StackedBar, Theme, TimeBars, draw_time_bars};
use plotters_canvas::CanvasBackend;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

wasm_bindgen_test_configure!(run_in_browser);

fn canvas(width: u32, height: u32) -> HtmlCanvasElement {
    let document = web_sys::window().unwrap().document().unwrap();
    let canvas: HtmlCanvasElement = document
        .create_element("canvas")
        .unwrap()
        .dyn_into()
        .unwrap();
    canvas.set_width(width);
    canvas.set_height(height);
    document.body().unwrap().append_child(&canvas).unwrap();
    canvas
}

/// Counts pixels whose colour is `rgb` (exactly), over the whole canvas.
fn pixels_of(canvas: &HtmlCanvasElement, rgb: (u8, u8, u8)) -> usize {
    let context: CanvasRenderingContext2d = canvas
        .get_context("2d")
        .unwrap()
        .unwrap()
        .dyn_into()
        .unwrap();
    let data = context
        .get_image_data(
            0.0,
            0.0,
            f64::from(canvas.width()),
            f64::from(canvas.height()),
        )
        .unwrap()
        .data();
    data.chunks_exact(4)
        .filter(|p| (p[0], p[1], p[2]) == rgb && p[3] == 255)
        .count()
}

#[wasm_bindgen_test]
fn time_bars_paint_their_series_colour_on_a_high_dpi_canvas() {
    let theme = Theme::light();
    let canvas = canvas(800, 400); // a 400x200 CSS-pixel chart at devicePixelRatio 2
    let bars = [
        StackedBar {
            start_ms: 0,
            values: vec![10.0, 1.0],
        },
        StackedBar {
            start_ms: 3_600_000,
            values: vec![20.0, 4.0],
        },
    ];
    let series = [
        SeriesKey {
            label: "ok".into(),
            color: theme.ok,
        },
        SeriesKey {
            label: "errors".into(),
            color: theme.error,
        },
    ];
    let backend = HiDpi::new(
        CanvasBackend::with_canvas_object(canvas.clone()).unwrap(),
        2.0,
    );
    draw_time_bars(
        backend,
        &TimeBars {
            from_ms: 0,
            to_ms: 2 * 3_600_000,
            bucket_ms: 3_600_000,
            bars: &bars,
            series: &series,
            x_ticks: &[0, 3_600_000],
            x_label: &|x| format!("{}h", x / 3_600_000),
            y_label: &|y| format!("{y:.0}"),
            empty_message: "nothing",
        },
        &theme,
    )
    .unwrap();
    let ok = pixels_of(&canvas, (theme.ok.0, theme.ok.1, theme.ok.2));
    let errors = pixels_of(&canvas, (theme.error.0, theme.error.1, theme.error.2));
    // Two bars of 30 device pixels' width at least, the taller one over half the plot height.
    assert!(ok > 5_000, "series pixels: {ok}");
    assert!(errors > 200, "error pixels: {errors}");
    assert!(
        ok > 4 * errors,
        "stacks are proportional: ok {ok}, errors {errors}"
    );
}

#[wasm_bindgen_test]
fn an_empty_chart_paints_no_bars() {
    let theme = Theme::light();
    let canvas = canvas(300, 150);
    let series = [SeriesKey {
        label: "ok".into(),
        color: theme.ok,
    }];
    let backend = HiDpi::new(
        CanvasBackend::with_canvas_object(canvas.clone()).unwrap(),
        1.0,
    );
    draw_time_bars(
        backend,
        &TimeBars {
            from_ms: 0,
            to_ms: 1,
            bucket_ms: 1,
            bars: &[],
            series: &series,
            x_ticks: &[],
            x_label: &|x| x.to_string(),
            y_label: &|y| y.to_string(),
            empty_message: "No requests in this range",
        },
        &theme,
    )
    .unwrap();
    assert_eq!(pixels_of(&canvas, (theme.ok.0, theme.ok.1, theme.ok.2)), 0);
    let background = pixels_of(
        &canvas,
        (theme.background.0, theme.background.1, theme.background.2),
    );
    assert!(
        background > 300 * 150 / 2,
        "background filled: {background}"
    );
}

/// Resolves after `ms` milliseconds (lets the app's timers and animation frames run).
async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

#[wasm_bindgen_test]
async fn the_app_mounts_and_shows_the_demo_overview() {
    let document = web_sys::window().unwrap().document().unwrap();
    let host: web_sys::HtmlElement = document.create_element("div").unwrap().dyn_into().unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    leptos::mount::mount_to(host.clone(), loupe::app::App).forget();

    let observations = || {
        document
            .query_selector("[data-testid=kpi-observations] .value")
            .unwrap()
            .and_then(|node| node.text_content())
            .unwrap_or_default()
    };
    for _ in 0..100 {
        if observations() != "…" && observations().chars().any(|c| c.is_ascii_digit()) {
            break;
        }
        sleep(100).await;
    }
    assert_eq!(
        observations(),
        "20,000",
        "the demo's observation count is shown"
    );
    let text = host.text_content().unwrap_or_default();
    assert!(text.contains("Demo data"), "{text}");
    assert!(text.contains("Observations over time"), "{text}");
    let canvas = document
        .query_selector("[data-testid=requests-chart] canvas")
        .unwrap();
    assert!(canvas.is_some(), "the traffic chart has its canvas");
}
