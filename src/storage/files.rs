//! "Open file" and "Save snapshot": the browser side of [`super::snapshot`].
//!
//! Opening decodes into a new store and swaps it in only on success ([`FilesCtx::notice`] says what
//! happened either way). Saving writes the header, the models line and the data lines of what is loaded,
//! assembled from Blobs the browser already holds, as one download.

use leptos::prelude::*;
use wasm_bindgen::JsValue;

use super::blobs::{bytes_of, concat, download, line_blob};
use super::snapshot::{
    DataSpan, FileLoad, SNAPSHOT_VERSION, SnapshotHeader, SnapshotSource, load_file,
    models_line_parts, one_line, scores_line_parts,
};
use crate::connect::FetchCtx;
use crate::connect::net::now_ms;
use crate::state::{DataCtx, Provenance, Source};

/// The outcome of the last file action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileNotice {
    pub ok: bool,
    pub text: String,
}

/// File actions' messages. Not responsible for: the loaded rows (`state::DataCtx`).
#[derive(Clone, Copy)]
pub struct FilesCtx {
    pub notice: RwSignal<Option<FileNotice>>,
}

impl FilesCtx {
    /// Provides an empty context.
    pub fn provide() -> Self {
        let ctx = Self {
            notice: RwSignal::new(None),
        };
        provide_context(ctx);
        ctx
    }

    /// The context provided by the app.
    pub fn expect() -> Self {
        expect_context::<Self>()
    }
}

/// What the notice says about a loaded file.
pub fn loaded_text(name: &str, load: &FileLoad) -> String {
    let mut text = format!(
        "Opened {name}: {} observations",
        loupe_charts::format::count(load.store.len() as u64)
    );
    let scores = load.store.score_count();
    if scores > 0 {
        text.push_str(&format!(
            " and {} scores",
            loupe_charts::format::count(scores as u64)
        ));
    }
    if let Some(header) = &load.header {
        let origin = header.source.describe();
        text.push_str(&format!(
            ", a snapshot of {origin} saved {}",
            header.created_at
        ));
    }
    text.push('.');
    if load.skipped > 0 {
        let examples: Vec<String> = load.issues.iter().map(ToString::to_string).collect();
        text.push_str(&format!(
            " {} rows could not be read and were skipped ({}).",
            loupe_charts::format::count(load.skipped),
            examples.join("; ")
        ));
    }
    text
}

/// Opens `file`: on success its rows replace what is loaded; on failure nothing changes.
pub async fn open_file(file: web_sys::File, data: DataCtx, fetch: FetchCtx, files: FilesCtx) {
    let name = file.name();
    let notice = match read(&file, &name).await {
        Ok((load, units)) => {
            let text = loaded_text(&name, &load);
            // A running fetch would write into the opened file's rows: stop it first.
            fetch.cancel();
            fetch.server.set(None);
            data.replace(
                load.store,
                Source::File { name },
                Provenance::Lines(units),
                None,
            );
            FileNotice { ok: true, text }
        }
        Err(message) => FileNotice {
            ok: false,
            text: format!("{message} What was loaded stays loaded."),
        },
    };
    files.notice.set(Some(notice));
}

async fn read(file: &web_sys::File, name: &str) -> Result<(FileLoad, Vec<web_sys::Blob>), String> {
    let bytes = bytes_of(file)
        .await
        .map_err(|e| format!("{name} could not be read ({e})."))?;
    let load = load_file(&bytes).map_err(|e| format!("{name} was not opened: {e}"))?;
    let mut units = Vec::with_capacity(load.spans.len());
    for span in &load.spans {
        let unit = match *span {
            // Slices of the file: the browser reads them from the file again when saving.
            DataSpan::Lines { start, end } => file.slice_with_f64_and_f64(start as f64, end as f64),
            DataSpan::Value { start, end } => {
                line_blob(bytes.get(start..end).unwrap_or_default()).map_err(JsValue::from)
            }
        }
        .map_err(|e| {
            format!(
                "{name} could not be kept for snapshots ({}).",
                super::blobs::describe(e)
            )
        })?;
        units.push(unit);
    }
    Ok((load, units))
}

/// A file name for a snapshot of `source` saved at `now_ms`: `loupe-<name>-<yyyymmdd-hhmm>.jsonl`.
pub fn snapshot_file_name(source: &Source, now_ms: i64) -> String {
    let name = match source {
        Source::Demo => "demo".to_owned(),
        Source::Langfuse { project, .. } => project.clone(),
        Source::File { name } => name
            .trim_end_matches(".jsonl")
            .trim_end_matches(".json")
            .to_owned(),
    };
    let slug: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect::<String>()
        .split('-')
        .filter(|part| !part.is_empty())
        .take(6)
        .collect::<Vec<_>>()
        .join("-");
    let stamp: String = loupe_langfuse::query::iso_ms(now_ms)
        .chars()
        .filter(char::is_ascii_digit)
        .take(12)
        .collect();
    let (date, time) = stamp.split_at(stamp.len().min(8));
    format!(
        "loupe-{}-{date}-{time}.jsonl",
        if slug.is_empty() { "data" } else { &slug }
    )
}

/// Saves what is loaded as a snapshot download; the notice names the file.
pub fn save_snapshot(data: DataCtx, files: FilesCtx) {
    let notice = match build_snapshot(data) {
        Ok(name) => FileNotice {
            ok: true,
            text: format!("Saved {name}."),
        },
        Err(message) => FileNotice {
            ok: false,
            text: message,
        },
    };
    files.notice.set(Some(notice));
}

fn build_snapshot(data: DataCtx) -> Result<String, String> {
    let now = now_ms();
    let source = data.source.get_untracked();
    let (observations, scores, range) = data.store.with_untracked(|store| {
        (
            store.len() as u64,
            store.score_count() as u64,
            store.time_range_ms(),
        )
    });
    let header = SnapshotHeader {
        loupe_snapshot: SNAPSHOT_VERSION,
        created_at: loupe_langfuse::query::iso_ms(now),
        source: match &source {
            Source::Demo => SnapshotSource::demo(),
            Source::Langfuse { project, host } => SnapshotSource::langfuse(host, Some(project)),
            Source::File { name } => SnapshotSource::file(name),
        },
        observations,
        scores,
        first_start_ms: range.map(|r| r.0),
        last_start_ms: range.map(|r| r.1),
        app: format!("loupe {}", env!("CARGO_PKG_VERSION")),
    };
    let mut parts: Vec<JsValue> = vec![JsValue::from_str(&header.line())];
    let newline = JsValue::from_str("\n");
    match data.provenance.with_value(Clone::clone) {
        Provenance::Demo => {
            let config = crate::state::demo::demo_config();
            let models = loupe_synth::demo_models_json(&config);
            let mut wrapped = |(prefix, page, suffix): (&str, std::borrow::Cow<'_, [u8]>, &str)| {
                parts.push(JsValue::from_str(prefix));
                parts.push(js_sys::Uint8Array::from(page.as_ref()).into());
                parts.push(JsValue::from_str(suffix));
                parts.push(newline.clone());
            };
            wrapped(models_line_parts(models.as_bytes()));
            for page in crate::state::demo::demo_scores(&config) {
                wrapped(scores_line_parts(page.as_bytes()));
            }
            for page in loupe_synth::demo_pages(&config, 1000) {
                parts.push(js_sys::Uint8Array::from(one_line(page.as_bytes()).as_ref()).into());
                parts.push(newline.clone());
            }
        }
        Provenance::Lines(units) => {
            for unit in units {
                parts.push(unit.into());
                parts.push(newline.clone());
            }
        }
        Provenance::None => {
            return Err("Rows read through Langfuse's legacy routes cannot be saved as a snapshot (there are no \
                        pages to keep); the v4 read path is needed."
                .to_owned());
        }
    }
    let blob = concat(&parts)?;
    let name = snapshot_file_name(&source, now);
    download(&blob, &name)?;
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_names_are_safe_and_dated() {
        let now = 1_795_740_300_000; // 2026-11-27T00:45:00Z
        assert_eq!(
            snapshot_file_name(&Source::Demo, now),
            "loupe-demo-20261127-0045.jsonl"
        );
        let project = Source::Langfuse {
            project: "Checkout Bot / EU".into(),
            host: "https://cloud.langfuse.com".into(),
        };
        assert_eq!(
            snapshot_file_name(&project, now),
            "loupe-checkout-bot-eu-20261127-0045.jsonl"
        );
        let file = Source::File {
            name: "loupe-demo-20261127-0045.jsonl".into(),
        };
        assert_eq!(
            snapshot_file_name(&file, now),
            "loupe-loupe-demo-20261127-0045-20261127-0045.jsonl"
        );
        let odd = Source::File { name: "???".into() };
        assert_eq!(
            snapshot_file_name(&odd, now),
            "loupe-data-20261127-0045.jsonl"
        );
    }
}
