//! Where the loaded rows can be read again from, so that "Save snapshot" writes what is loaded without
//! Loupe keeping a second copy of the data in wasm memory.
//!
//! - [`Provenance::Demo`]: the demo is regenerated (it is deterministic).
//! - [`Provenance::Lines`]: Blobs (held by the browser) of complete data lines without a final newline, in
//!   the order they were decoded: pages fetched from Langfuse or read from the cache (one line each), or
//!   the data of an opened file. Replaying them in order rebuilds the store.
//! - [`Provenance::None`]: the rows cannot be written again (the legacy read path joins two routes, so there
//!   is no page to keep).

use web_sys::Blob;

/// See the module docs.
#[derive(Clone, Debug, Default)]
pub enum Provenance {
    #[default]
    Demo,
    Lines(Vec<Blob>),
    None,
}

impl Provenance {
    /// Adds a data unit (ignored unless the provenance is a list of lines).
    pub fn push(&mut self, lines: Blob) {
        if let Provenance::Lines(units) = self {
            units.push(lines);
        }
    }

    /// Whether a snapshot can be written.
    pub fn can_save(&self) -> bool {
        !matches!(self, Provenance::None)
    }
}
