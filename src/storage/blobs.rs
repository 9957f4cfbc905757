//! Bytes in and out of the browser: Blobs for pages and snapshots (held by the browser, which may keep
//! large ones on disk, instead of in wasm memory), reading a Blob or opened File back, and downloading.

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Blob, BlobPropertyBag};

use super::snapshot::{models_line_parts, one_line};

/// The media type of snapshots.
pub const JSONL_TYPE: &str = "application/x-ndjson";

/// A Blob holding `parts` in order: strings, byte arrays or other Blobs (anything the Blob constructor
/// takes).
pub fn concat(parts: &[JsValue]) -> Result<Blob, String> {
    let array: js_sys::Array = parts.iter().collect();
    let options = BlobPropertyBag::new();
    options.set_type(JSONL_TYPE);
    Blob::new_with_blob_sequence_and_options(&array, &options).map_err(describe)
}

/// A Blob holding `body` as one line (see [`one_line`]); the bytes are copied out of wasm memory.
pub fn line_blob(body: &[u8]) -> Result<Blob, String> {
    let line = one_line(body);
    concat(&[js_sys::Uint8Array::from(line.as_ref()).into()])
}

/// A Blob holding `text` (a data line Loupe wrote itself, such as a scores line).
pub fn text_blob(text: &str) -> Result<Blob, String> {
    concat(&[JsValue::from_str(text)])
}

/// A Blob holding a models page `body` as a models line (see `snapshot::MODELS_PAGE_PREFIX`).
pub fn models_line_blob(body: &[u8]) -> Result<Blob, String> {
    let (prefix, page, suffix) = models_line_parts(body);
    concat(&[
        JsValue::from_str(prefix),
        js_sys::Uint8Array::from(page.as_ref()).into(),
        JsValue::from_str(suffix),
    ])
}

/// The bytes of a Blob (or File).
pub async fn bytes_of(blob: &Blob) -> Result<Vec<u8>, String> {
    let buffer = wasm_bindgen_futures::JsFuture::from(blob.array_buffer())
        .await
        .map_err(describe)?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// Offers `blob` as a download named `file_name`.
pub fn download(blob: &Blob, file_name: &str) -> Result<(), String> {
    let url = web_sys::Url::create_object_url_with_blob(blob).map_err(describe)?;
    let document = leptos::prelude::document();
    let anchor = document
        .create_element("a")
        .map_err(describe)?
        .dyn_into::<web_sys::HtmlAnchorElement>()
        .map_err(|_| "no anchor element".to_owned())?;
    anchor.set_href(&url);
    anchor.set_download(file_name);
    anchor.click();
    // The download has started once click() returns; the URL can go after the current task.
    leptos::prelude::set_timeout(
        move || {
            let _ = web_sys::Url::revoke_object_url(&url);
        },
        std::time::Duration::from_secs(1),
    );
    Ok(())
}

/// A JS error as text.
pub fn describe(error: JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "unknown error".to_owned())
}
