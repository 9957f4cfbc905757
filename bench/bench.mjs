// The benchmark page's driver. One phase per page load (`index.html?phase=...`), so every phase starts
// with a fresh wasm instance, a fresh JS heap and a fresh DuckDB:
// - `100k`: decode throughput (engine vs JSON.parse), bytes → the kernel's rollups (engine, JSON.parse +
//   plain JS, DuckDB-wasm), the rollup kernel alone (engine, plain JS, DuckDB queries), figures checked;
//   the engine's full `standard_rollups` (every `Stats` figure, for the app's views) timed beside it;
// - `1m-engine`: the engine at 1,000,000 observations: wasm memory per observation, the kernel alone;
// - `1m-js`: the JS heap of the same rows after JSON.parse (forced GC before and after);
// - `1m-duckdb`: DuckDB-wasm at 1,000,000 observations: load once, the kernel queries;
// - `engine` (not run by default): the engine's figures at 100k alone, for quick iterations on decode/core;
// - `profile` (not run by default): a DevTools CPU profile of decoding and of the kernel, by wasm function.
// Timings are best of `runs` after one warm-up (this machine is noisy), in ms from performance.now().
// The result goes to `window.__bench` ({done, result} or {done, error}) for the runner (run.mjs).

import init, { Engine, count_rows, linear_memory_bytes } from "./pkg/loupe_bench_wasm.js";
import { Pricing } from "./pricing.mjs";
import { parsePages, rollupsJs } from "./peer-js.mjs";
import { compareFigures, engineFigures } from "./figures.mjs";
import * as duck from "./peer-duckdb.mjs";

const params = new URLSearchParams(location.search);
const phase = params.get("phase") ?? "100k";
const runs = Number(params.get("runs") ?? 7);
const say = (msg) => console.log(`[bench ${phase}] ${msg}`);

/** Best of `runs` timings after one warm-up; `fn` and `setup` (untimed, before each run) may be async. */
async function best(label, fn, { setup = null, n = runs } = {}) {
  if (setup) await setup();
  await fn();
  const all = [];
  for (let i = 0; i < n; i++) {
    if (setup) await setup();
    const t = performance.now();
    await fn();
    all.push(performance.now() - t);
  }
  const ms = Math.min(...all);
  say(`${label}: best ${ms.toFixed(1)} ms of [${all.map((x) => x.toFixed(0)).join(", ")}]`);
  return { ms, all };
}

/** The page bodies of the N-observation data set, as Uint8Array views (one per page). */
async function fetchPages(observations) {
  const info = await (await fetch(`data/info?n=${observations}`)).json();
  const pages = [];
  for (let from = 0; from < info.pages; from += 100) {
    const to = Math.min(from + 100, info.pages);
    const buf = new Uint8Array(await (await fetch(`data/pages?n=${observations}&from=${from}&to=${to}`)).arrayBuffer());
    let start = 0;
    for (let i = 0; i < buf.length; i++) {
      if (buf[i] === 10) {
        pages.push(buf.subarray(start, i));
        start = i + 1;
      }
    }
  }
  if (pages.length !== info.pages) throw new Error(`expected ${info.pages} pages, got ${pages.length}`);
  const models = new Uint8Array(await (await fetch("data/models.json")).arrayBuffer());
  const bytes = pages.reduce((s, p) => s + p.length, 0);
  say(`${pages.length} pages, ${bytes} bytes`);
  return { pages, models, bytes };
}

function loadEngine(pages, models) {
  const e = new Engine();
  for (let i = 0; i < pages.length; i++) e.decode_page(pages[i], i);
  e.set_models(models);
  return e;
}

function gc() {
  if (typeof globalThis.gc !== "function") throw new Error("start Chromium with --js-flags=--expose-gc");
  for (let i = 0; i < 3; i++) globalThis.gc();
}

function heapUsed() {
  if (!performance.memory) throw new Error("performance.memory is missing (--enable-precise-memory-info)");
  return performance.memory.usedJSHeapSize;
}

let sink = 0; // keeps results alive so no work is optimised away

async function phase100k() {
  const { pages, models, bytes } = await fetchPages(100_000);
  const decoder = new TextDecoder();
  const texts = pages.map((p) => decoder.decode(p));
  const modelsPage = JSON.parse(decoder.decode(models));
  const r = { observations: 0, bytes, timings: {}, checks: {}, info: {} };

  // Decode throughput.
  r.timings.engine_count_rows = await best("engine decode only (no store)", () => {
    for (let i = 0; i < pages.length; i++) sink += count_rows(pages[i], i);
  });
  r.timings.engine_decode = await best("engine decode into store", () => {
    const e = new Engine();
    for (let i = 0; i < pages.length; i++) e.decode_page(pages[i], i);
    sink += e.observations();
    e.free();
  });
  // JSON.parse at its fastest (each page's objects dropped at once: no old-generation GC work) is the
  // reference for the decode target; keeping the objects, as an app must, is reported beside it.
  r.timings.json_parse = await best("JSON.parse (strings, objects dropped)", () => {
    for (const t of texts) sink += JSON.parse(t).data.length;
  });
  r.timings.json_parse_keep = await best("JSON.parse (strings, objects kept)", () => {
    sink += parsePages(texts).length;
  });
  r.timings.json_parse_bytes = await best("TextDecoder + JSON.parse (bytes, objects dropped)", () => {
    for (const p of pages) sink += JSON.parse(decoder.decode(p)).data.length;
  });

  // Bytes to the kernel's rollups (the figures every peer computes).
  r.timings.engine_bytes_to_rollups = await best("engine bytes → rollups", () => {
    const e = loadEngine(pages, models);
    e.kernel();
    sink += e.observations();
    e.free();
  });
  let jsFigures = null;
  r.timings.js_bytes_to_rollups = await best("JSON.parse + JS rollup", () => {
    const parsed = pages.map((p) => JSON.parse(decoder.decode(p)));
    jsFigures = rollupsJs(parsed, new Pricing(JSON.parse(decoder.decode(models))));
  });

  // The kernel alone, engine and JS.
  const engine = loadEngine(pages, models);
  r.observations = engine.observations();
  const t = performance.now();
  engine.kernel();
  r.timings.engine_kernel_cold = { ms: performance.now() - t, all: [] };
  say(`engine kernel, first call (builds the trace index): ${r.timings.engine_kernel_cold.ms.toFixed(1)} ms`);
  r.info.traces = engine.traces();
  r.timings.engine_kernel = await best("engine kernel", () => engine.kernel());
  r.timings.engine_standard = await best("engine standard_rollups (full Stats)", () => engine.rollups());
  const want = engineFigures(JSON.parse(engine.kernel_json()));
  r.info.groups = Object.fromEntries(Object.entries(want.sections).map(([k, v]) => [k, Object.keys(v).length]));
  r.info.store_memory_bytes = engine.store_memory_bytes();
  r.info.trace_cache_bytes = engine.trace_cache_bytes();
  const parsed = parsePages(texts);
  r.timings.js_kernel = await best("JS rollup alone (parsed objects)", () => {
    sink += Object.keys(rollupsJs(parsed, new Pricing(modelsPage)).sections.Session).length;
  });
  r.checks.js = compareFigures(want, jsFigures);
  say(`JS peer vs engine: ${r.checks.js.count} differences`);

  // DuckDB-wasm.
  const { conn, version } = await duck.openDuckDb();
  r.info.duckdb_version = version;
  let loadParts = null;
  r.timings.duckdb_bytes_to_rollups = await best(
    "DuckDB load + queries",
    async () => {
      loadParts = await duck.load(conn, pages, new Pricing(JSON.parse(decoder.decode(models))));
      await duck.kernel(conn);
    },
    { setup: () => duck.reset(conn) },
  );
  r.info.duckdb_load = loadParts;
  let duckResult = null;
  r.timings.duckdb_kernel = await best("DuckDB queries", async () => {
    duckResult = await duck.kernel(conn);
  });
  r.checks.duckdb = compareFigures(want, duck.duckFigures(duckResult));
  say(`DuckDB vs engine: ${r.checks.duckdb.count} differences`);
  r.info.linear_memory_bytes = linear_memory_bytes();
  engine.free();
  return r;
}

async function phase1mEngine() {
  const { pages, models, bytes } = await fetchPages(1_000_000);
  const r = { bytes, timings: {}, memory: {}, info: {} };
  r.memory.linear_before = linear_memory_bytes();
  let t = performance.now();
  const e = new Engine();
  for (let i = 0; i < pages.length; i++) e.decode_page(pages[i], i);
  r.timings.engine_decode_once = { ms: performance.now() - t, all: [] };
  e.set_models(models);
  r.timings.engine_load_once = { ms: performance.now() - t, all: [] };
  r.observations = e.observations();
  r.memory.store_bytes = e.store_memory_bytes();
  r.memory.linear_after_load = linear_memory_bytes();
  e.shrink_to_fit();
  r.memory.store_bytes_shrunk = e.store_memory_bytes();
  r.memory.breakdown = JSON.parse(e.memory_breakdown_json());
  t = performance.now();
  e.kernel();
  r.timings.engine_kernel_cold = { ms: performance.now() - t, all: [] };
  r.memory.trace_cache_bytes = e.trace_cache_bytes();
  r.timings.engine_kernel = await best("engine kernel 1M", () => e.kernel());
  r.memory.linear_after_rollups = linear_memory_bytes();
  r.figures = engineFigures(JSON.parse(e.kernel_json()));
  r.timings.engine_standard = await best("engine standard_rollups 1M (full Stats)", () => e.rollups(), { n: 3 });
  r.info.groups = Object.fromEntries(Object.entries(r.figures.sections).map(([k, v]) => [k, Object.keys(v).length]));
  e.free();
  return r;
}

async function phase1mJs() {
  const { pages, bytes } = await fetchPages(1_000_000);
  const decoder = new TextDecoder();
  const r = { bytes, timings: {}, memory: {} };
  gc();
  const before = heapUsed();
  const rows = [];
  const t = performance.now();
  for (const p of pages) rows.push(JSON.parse(decoder.decode(p)).data);
  r.timings.json_parse_once = { ms: performance.now() - t, all: [] };
  gc();
  r.memory.heap_before = before;
  r.memory.heap_after = heapUsed();
  r.observations = rows.reduce((s, d) => s + d.length, 0);
  sink += rows.length;
  return r;
}

async function phase1mDuckdb() {
  const { pages, models, bytes } = await fetchPages(1_000_000);
  const decoder = new TextDecoder();
  const r = { bytes, timings: {}, info: {} };
  const { conn, version } = await duck.openDuckDb();
  r.info.duckdb_version = version;
  const t = performance.now();
  r.info.duckdb_load = await duck.load(conn, pages, new Pricing(JSON.parse(decoder.decode(models))));
  r.timings.duckdb_load_once = { ms: performance.now() - t, all: [] };
  r.observations = r.info.duckdb_load.rows;
  let res = null;
  r.timings.duckdb_kernel = await best("DuckDB queries 1M", async () => {
    res = await duck.kernel(conn);
  });
  r.figures = duck.duckFigures(res);
  return r;
}

/** The engine alone at 100k (for working on decode and core: `BENCH_PHASES=engine BENCH_NATIVE=none`). */
async function phaseEngine() {
  const { pages, models, bytes } = await fetchPages(100_000);
  const r = { bytes, timings: {}, info: {} };
  r.timings.engine_count_rows = await best("engine decode only (no store)", () => {
    for (let i = 0; i < pages.length; i++) sink += count_rows(pages[i], i);
  });
  r.timings.engine_decode = await best("engine decode into store", () => {
    const e = new Engine();
    for (let i = 0; i < pages.length; i++) e.decode_page(pages[i], i);
    sink += e.observations();
    e.free();
  });
  r.timings.engine_bytes_to_rollups = await best("engine bytes → rollups", () => {
    const e = loadEngine(pages, models);
    e.kernel();
    e.free();
  });
  const engine = loadEngine(pages, models);
  r.observations = engine.observations();
  const t = performance.now();
  engine.kernel();
  r.timings.engine_kernel_cold = { ms: performance.now() - t, all: [] };
  r.timings.engine_kernel = await best("engine kernel", () => engine.kernel());
  r.timings.engine_standard = await best("engine standard_rollups (full Stats)", () => engine.rollups());
  engine.free();
  return r;
}

/**
 * Work for a CPU profile (`BENCH_PHASES=profile`): the runner starts the DevTools profiler, calls one of
 * `window.__work`'s functions, and stops it; the module is built with its names kept.
 */
async function phaseProfile() {
  const { pages, models } = await fetchPages(100_000);
  const engine = loadEngine(pages, models);
  engine.kernel();
  window.__work = {
    decode: () => {
      for (let k = 0; k < 3; k++) {
        const e = new Engine();
        for (let i = 0; i < pages.length; i++) e.decode_page(pages[i], i);
        e.free();
      }
    },
    kernel: () => {
      for (let k = 0; k < 20; k++) engine.kernel();
    },
    kernel1m: async () => {
      const big = await fetchPages(1_000_000);
      const e = loadEngine(big.pages, big.models);
      e.kernel();
      window.__work.kernel1mRun = () => {
        for (let k = 0; k < 10; k++) e.kernel();
      };
    },
  };
  return { ready: true };
}

const PHASES = {
  profile: phaseProfile,
  engine: phaseEngine, "100k": phase100k, "1m-engine": phase1mEngine, "1m-js": phase1mJs, "1m-duckdb": phase1mDuckdb };

async function main() {
  await init();
  const fn = PHASES[phase];
  if (!fn) throw new Error(`unknown phase ${phase}`);
  const result = await fn();
  result.sink = sink;
  window.__bench = { done: true, result };
}

main().catch((e) => {
  console.error(e);
  window.__bench = { done: true, error: `${e?.message ?? e}\n${e?.stack ?? ""}` };
});
