//! Writes the benchmark's input: `cargo run --release -p loupe-bench-wasm --example pages -- N DIR [SEED]`.
//!
//! Output, in `DIR`: `obs-N.jsonl`, the `loupe_synth::demo_pages` bodies for N observations (the app's demo
//! field groups, 1000 rows a page, exactly as the server sends them), one page per line (a page body never
//! holds a raw newline: JSON escapes it); and `models.json`, the matching `/api/public/models` body. Files
//! are written under a temporary name and renamed, so a reader never sees half a file.
use std::io::Write;
use std::path::{Path, PathBuf};

fn write_atomically(path: &Path, chunks: &[&str], separator: &str) -> std::io::Result<()> {
    let tmp = path.with_extension("partial");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
    for chunk in chunks {
        out.write_all(chunk.as_bytes())?;
        out.write_all(separator.as_bytes())?;
    }
    out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    std::fs::rename(tmp, path)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: pages OBSERVATIONS DIR [SEED]";
    let observations: usize = args.next().ok_or(usage)?.parse()?;
    let dir = PathBuf::from(args.next().ok_or(usage)?);
    let config = loupe_synth::SynthConfig {
        observations,
        seed: args.next().map(|s| s.parse()).transpose()?.unwrap_or(42),
        ..Default::default()
    };
    std::fs::create_dir_all(&dir)?;
    let pages = loupe_synth::demo_pages(&config, 1000);
    let refs: Vec<&str> = pages.iter().map(String::as_str).collect();
    write_atomically(&dir.join(format!("obs-{observations}.jsonl")), &refs, "\n")?;
    let models = loupe_synth::demo_models_json(&config);
    write_atomically(&dir.join("models.json"), &[&models], "")?;
    let bytes: usize = pages.iter().map(String::len).sum();
    println!(
        "{observations} observations, {} pages, {bytes} bytes",
        pages.len()
    );
    Ok(())
}
