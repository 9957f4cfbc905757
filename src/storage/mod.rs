//! What Loupe keeps in the browser: the IndexedDB cache of fetched pages ([`cache`], [`meta`]), snapshot
//! files ([`snapshot`], pure; [`files`], the browser side), fetched scores as data lines ([`score_lines`])
//! and Blob helpers ([`blobs`]). Keys are never
//! stored here: they live only in `connect::saved`.

pub mod blobs;
pub mod cache;
pub mod files;
pub mod meta;
pub mod score_lines;
pub mod snapshot;
