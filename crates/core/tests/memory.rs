//! Resident memory per observation, measured with a counting global allocator and compared with the
//! store's own `memory_bytes()` (which counts capacity, so it must not under-report).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::alloc::System;

use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// The allocator counts are process-wide: one measurement at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn measure(n: usize) -> (f64, f64) {
    let _guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let region = Region::new(GLOBAL);
    let store = common::synthetic::store(n, 7);
    let stats = region.change();
    // `realloc` growth is already in `bytes_allocated` / `bytes_deallocated`.
    let live = stats.bytes_allocated as i64 - stats.bytes_deallocated as i64;
    let counted = store.memory_bytes();
    for (part, bytes) in store.memory_breakdown() {
        eprintln!("  {part:<20} {:>6.1} B/obs", bytes as f64 / n as f64);
    }
    assert_eq!(store.len(), n);
    (live as f64 / n as f64, counted as f64 / n as f64)
}

#[test]
fn memory_per_observation_at_100k() {
    let (live, counted) = measure(100_000);
    eprintln!("100k observations: {live:.1} B/obs allocated, {counted:.1} B/obs by memory_bytes()");
    assert!(live <= 100.0, "{live} bytes per observation");
    assert!(
        counted + 2.0 >= live,
        "memory_bytes under-reports: {counted} < {live}"
    );
}

/// The budget figure (issue 4): run with `cargo test --release -p loupe-core --test memory -- --ignored`.
#[test]
#[ignore = "1M rows: run in release"]
fn memory_per_observation_at_1m() {
    let (live, counted) = measure(1_000_000);
    eprintln!("1M observations: {live:.1} B/obs allocated, {counted:.1} B/obs by memory_bytes()");
    assert!(live <= 100.0, "{live} bytes per observation");
}
