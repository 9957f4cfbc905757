//! The data context: the store, where it came from, and whether it is still loading.

use leptos::prelude::*;
use loupe_core::Store;

use super::provenance::Provenance;

/// Where the loaded observations came from.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// The built-in synthetic dataset.
    Demo,
    /// A Langfuse project, live (fetched or cached).
    Langfuse {
        /// The project's name (or "Langfuse project" when the instance did not say).
        project: String,
        /// The base URL.
        host: String,
    },
    /// An opened snapshot or observations file.
    File { name: String },
}

impl Source {
    /// A few words for the top bar.
    pub fn describe(&self) -> String {
        match self {
            Source::Demo => "Demo data".to_owned(),
            Source::Langfuse { project, .. } => format!("Langfuse · {project}"),
            Source::File { name } => format!("File · {name}"),
        }
    }

    /// Whether the data ends now (relative ranges then end at the time of the last fetch, not at the last
    /// row).
    pub fn is_live(&self) -> bool {
        matches!(self, Source::Langfuse { .. })
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

/// The loaded observations. Not responsible for: which of them are shown (that is the URL's filters),
/// fetching (`connect::FetchCtx`) or credentials (never stored here).
#[derive(Clone, Copy)]
pub struct DataCtx {
    pub store: RwSignal<Store, LocalStorage>,
    pub source: RwSignal<Source>,
    pub status: RwSignal<LoadStatus>,
    /// For live sources: the instant relative ranges end at (the start of the last fetch).
    pub live_end_ms: RwSignal<Option<i64>>,
    /// How to write the loaded rows again (snapshots).
    pub provenance: StoredValue<Provenance, LocalStorage>,
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
            live_end_ms: RwSignal::new(None),
            provenance: StoredValue::new_local(Provenance::Demo),
        };
        provide_context(ctx);
        ctx
    }

    /// The context provided by the app.
    pub fn expect() -> Self {
        expect_context::<Self>()
    }

    /// Replaces the store (a new dataset) and everything that describes it.
    pub fn replace(
        &self,
        store: Store,
        source: Source,
        provenance: Provenance,
        live_end_ms: Option<i64>,
    ) {
        self.provenance.set_value(provenance);
        self.store.set(store);
        self.source.set(source);
        self.live_end_ms.set(live_end_ms);
        self.status.set(LoadStatus::Ready);
    }

    /// The window the data covers: first start to just after the last start (`None` when empty).
    pub fn data_window_ms(&self) -> Option<(i64, i64)> {
        self.store
            .with(|store| store.time_range_ms().map(|(first, last)| (first, last + 1)))
    }
}
