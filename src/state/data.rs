//! The data context: the store, where it came from, and whether it is still loading.

use leptos::prelude::*;
use loupe_core::Store;

/// Where the loaded observations came from.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// The built-in synthetic dataset.
    Demo,
}

impl Source {
    /// A few words for the top bar.
    pub fn describe(&self) -> &'static str {
        match self {
            Source::Demo => "Demo data",
        }
    }
}

/// The state of loading.
#[derive(Clone, Debug, PartialEq)]
pub enum LoadStatus {
    Loading(String),
    Ready,
    /// What went wrong and what to do, in one or two sentences. Rows already loaded are kept.
    Failed(String),
}

/// The loaded observations. Not responsible for: which of them are shown (that is the URL's filters) or
/// credentials (never stored here).
#[derive(Clone, Copy)]
pub struct DataCtx {
    pub store: RwSignal<Store, LocalStorage>,
    pub source: RwSignal<Source>,
    pub status: RwSignal<LoadStatus>,
}

impl DataCtx {
    /// Provides an empty context to the current owner.
    pub fn provide() -> Self {
        let ctx = Self {
            store: RwSignal::new_local(Store::new()),
            source: RwSignal::new(Source::Demo),
            status: RwSignal::new(LoadStatus::Loading(
                "Generating the demo dataset…".to_owned(),
            )),
        };
        provide_context(ctx);
        ctx
    }

    /// The context provided by the app.
    pub fn expect() -> Self {
        expect_context::<Self>()
    }

    /// Replaces the store (a new dataset).
    pub fn replace(&self, store: Store, source: Source) {
        self.store.set(store);
        self.source.set(source);
        self.status.set(LoadStatus::Ready);
    }

    /// The window the data covers: first start to just after the last start (`None` when empty).
    pub fn data_window_ms(&self) -> Option<(i64, i64)> {
        self.store
            .with(|store| store.time_range_ms().map(|(first, last)| (first, last + 1)))
    }
}
