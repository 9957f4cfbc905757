//! What every page looks at: the URL's time range resolved against the loaded data, the engine filter, and
//! the viewer's time zone. One hook, so pages agree on their rows.

use leptos::prelude::*;
use loupe_core::Filter;

use crate::app::UrlCtx;
use crate::state::DataCtx;
use crate::tz::ViewerZone;

/// Reactive handles on the rows in view. Not responsible for: computing figures (pages do, in memos).
#[derive(Clone, Copy)]
pub struct Scope {
    /// `[from, to)` in UTC ms; `None` while nothing is loaded.
    pub window_ms: Memo<Option<(i64, i64)>>,
    /// The URL's filters over that window.
    pub filter: Memo<Filter>,
    /// The `tz` parameter (`None`: the browser's zone).
    pub zone_name: Memo<Option<String>>,
}

impl Scope {
    /// The viewer's zone, for bucketing and labels.
    pub fn zone(&self) -> ViewerZone {
        ViewerZone::from_url(self.zone_name.read().as_deref())
    }

    /// The viewer's zone without subscribing (for drawing code that already tracks its data).
    pub fn zone_untracked(&self) -> ViewerZone {
        ViewerZone::from_url(self.zone_name.read_untracked().as_deref())
    }
}

/// The scope of the current page.
pub fn use_scope() -> Scope {
    let data = DataCtx::expect();
    let url = UrlCtx::expect();
    let window_ms = Memo::new(move |_| {
        let range = url.state.with(|state| state.range);
        // Live data ends at the last fetch (relative ranges end "now"), other data at its last row.
        let live_end_ms = data.live_end_ms.get();
        data.data_window_ms()
            .map(|(first, end)| range.resolve(first, live_end_ms.unwrap_or(end)))
    });
    let filter = Memo::new(move |_| {
        let window = window_ms.get().unwrap_or((i64::MIN, i64::MAX));
        url.state.with(|state| state.filter(window))
    });
    let zone_name = Memo::new(move |_| url.state.with(|state| state.time_zone.clone()));
    Scope {
        window_ms,
        filter,
        zone_name,
    }
}
