//! The local cache in IndexedDB: per host + project, the raw observation pages as fetched (Blobs, in
//! arrival order) and one [`CacheMeta`] record. Never keys.
//!
//! Database `loupe-cache` (version 1), two object stores with out-of-line keys:
//! - `meta`: key = the [`CacheKey`] text, value = the meta record as JSON text;
//! - `pages`: key = `[cache key, sequence number]`, value = a Blob holding one page as one line.
//!   Sequence numbers grow with time ([`next_sequence`]), so reading a key range returns the pages in the
//!   order they arrived, and replaying them gives later rows the last word.
//!
//! Wrapper crate: `idb` (futures over the IndexedDB API, one type per IDB concept, no serde layer: values
//! are plain JS strings and Blobs here). Every failure becomes a [`CacheError`] whose text says what it
//! means for the user; a missing or failing cache never stops Loupe from fetching.

use std::rc::Rc;

use idb::{Database, DatabaseEvent, Factory, KeyRange, ObjectStoreParams, Query, TransactionMode};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::Blob;

use super::meta::{CacheKey, CacheMeta};

const DB_NAME: &str = "loupe-cache";
const DB_VERSION: u32 = 1;
const META: &str = "meta";
const PAGES: &str = "pages";

/// Why the cache could not be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CacheError {
    #[error(
        "This browser does not let Loupe keep data on this device ({0}); data is fetched again on every visit."
    )]
    Unavailable(String),
    #[error("The local cache failed ({0}); data is fetched again next time.")]
    Failed(String),
}

fn failed(error: idb::Error) -> CacheError {
    CacheError::Failed(error.to_string())
}

/// An open cache database (cheap to clone: the connection is shared).
#[derive(Clone, Debug)]
pub struct Cache {
    db: Rc<Database>,
}

/// A sequence number for a page stored now: microsecond-like, so it keeps growing across sessions, and
/// below 2^53 (IndexedDB keys are doubles) until the year 2255.
pub fn next_sequence(now_ms: i64, counter: u32) -> f64 {
    now_ms as f64 * 1000.0 + f64::from(counter % 1000)
}

impl Cache {
    /// Opens (and on first use creates) the database.
    pub async fn open() -> Result<Self, CacheError> {
        let factory = Factory::new().map_err(|e| CacheError::Unavailable(e.to_string()))?;
        let mut request = factory
            .open(DB_NAME, Some(DB_VERSION))
            .map_err(|e| CacheError::Unavailable(e.to_string()))?;
        request.on_upgrade_needed(|event| {
            let Ok(db) = event.database() else { return };
            let names = db.store_names();
            for name in [META, PAGES] {
                if !names.iter().any(|existing| existing == name) {
                    // An error leaves the store missing; the first transaction then reports it.
                    let _ = db.create_object_store(name, ObjectStoreParams::new());
                }
            }
        });
        let db = request
            .await
            .map_err(|e| CacheError::Unavailable(e.to_string()))?;
        Ok(Self { db: Rc::new(db) })
    }

    fn page_range(key: &CacheKey) -> Result<Query, CacheError> {
        let bound = |seq: f64| {
            let array = js_sys::Array::new();
            array.push(&JsValue::from_str(key.as_str()));
            array.push(&JsValue::from_f64(seq));
            JsValue::from(array)
        };
        KeyRange::bound(&bound(f64::MIN), &bound(f64::MAX), Some(false), Some(false))
            .map(Query::KeyRange)
            .map_err(failed)
    }

    /// The meta record of `key`, if any (an unreadable record reads as none).
    pub async fn meta(&self, key: &CacheKey) -> Result<Option<CacheMeta>, CacheError> {
        let tx = self
            .db
            .transaction(&[META], TransactionMode::ReadOnly)
            .map_err(failed)?;
        let store = tx.object_store(META).map_err(failed)?;
        let value = store
            .get(JsValue::from_str(key.as_str()))
            .map_err(failed)?
            .await
            .map_err(failed)?;
        Ok(value
            .and_then(|v| v.as_string())
            .and_then(|text| CacheMeta::from_json(&text)))
    }

    /// Every meta record (what the cache panel lists).
    pub async fn all_meta(&self) -> Result<Vec<CacheMeta>, CacheError> {
        let tx = self
            .db
            .transaction(&[META], TransactionMode::ReadOnly)
            .map_err(failed)?;
        let store = tx.object_store(META).map_err(failed)?;
        let values = store
            .get_all(None, None)
            .map_err(failed)?
            .await
            .map_err(failed)?;
        Ok(values
            .into_iter()
            .filter_map(|v| v.as_string())
            .filter_map(|text| CacheMeta::from_json(&text))
            .collect())
    }

    /// Writes a meta record.
    pub async fn put_meta(&self, meta: &CacheMeta) -> Result<(), CacheError> {
        let tx = self
            .db
            .transaction(&[META], TransactionMode::ReadWrite)
            .map_err(failed)?;
        let store = tx.object_store(META).map_err(failed)?;
        store
            .put(
                &JsValue::from_str(&meta.to_json()),
                Some(&JsValue::from_str(&meta.key)),
            )
            .map_err(failed)?
            .await
            .map_err(failed)?;
        tx.commit().map_err(failed)?.await.map_err(failed)?;
        Ok(())
    }

    /// Stores one page (a Blob holding one line).
    pub async fn put_page(
        &self,
        key: &CacheKey,
        sequence: f64,
        page: &Blob,
    ) -> Result<(), CacheError> {
        let tx = self
            .db
            .transaction(&[PAGES], TransactionMode::ReadWrite)
            .map_err(failed)?;
        let store = tx.object_store(PAGES).map_err(failed)?;
        let id = js_sys::Array::new();
        id.push(&JsValue::from_str(key.as_str()));
        id.push(&JsValue::from_f64(sequence));
        store
            .put(page, Some(&id.into()))
            .map_err(failed)?
            .await
            .map_err(failed)?;
        tx.commit().map_err(failed)?.await.map_err(failed)?;
        Ok(())
    }

    /// Every page of `key`, in arrival order.
    pub async fn pages(&self, key: &CacheKey) -> Result<Vec<Blob>, CacheError> {
        let tx = self
            .db
            .transaction(&[PAGES], TransactionMode::ReadOnly)
            .map_err(failed)?;
        let store = tx.object_store(PAGES).map_err(failed)?;
        let values = store
            .get_all(Some(Self::page_range(key)?), None)
            .map_err(failed)?
            .await
            .map_err(failed)?;
        Ok(values
            .into_iter()
            .filter_map(|v| v.dyn_into::<Blob>().ok())
            .collect())
    }

    /// Deletes the pages and the meta record of `key`.
    pub async fn clear(&self, key: &CacheKey) -> Result<(), CacheError> {
        let tx = self
            .db
            .transaction(&[META, PAGES], TransactionMode::ReadWrite)
            .map_err(failed)?;
        tx.object_store(PAGES)
            .map_err(failed)?
            .delete(Self::page_range(key)?)
            .map_err(failed)?
            .await
            .map_err(failed)?;
        tx.object_store(META)
            .map_err(failed)?
            .delete(JsValue::from_str(key.as_str()))
            .map_err(failed)?
            .await
            .map_err(failed)?;
        tx.commit().map_err(failed)?.await.map_err(failed)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_numbers_grow_and_stay_exact_in_a_double() {
        let now = 1_795_740_000_000;
        assert!(next_sequence(now, 1) > next_sequence(now, 0));
        assert!(next_sequence(now + 1, 0) > next_sequence(now, 999));
        let year_2255_ms = 8_989_000_000_000_i64;
        assert!(next_sequence(year_2255_ms, 999) < 2f64.powi(53));
    }
}
