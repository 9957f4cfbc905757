#!/usr/bin/env node
// `make bench` (`node bench/run.mjs`): Loupe's benchmark, printed as one table.
//
// Steps: installs bench/'s npm packages if missing (npm ci); builds the engine's bench module exactly like
// the app's release wasm (cargo profile `wasm-release`, `wasm-bindgen --target web`, `wasm-opt -Oz`);
// writes the input (loupe-synth demo pages, 100,000 and 1,000,000 observations, plus the models list) with
// the `pages` example of crates/bench-wasm; serves bench/, the module and the data on 127.0.0.1; runs each
// phase of bench/index.html in a fresh page of headless Debian Chromium (never a downloaded browser); runs
// the native benchmarks; prints every figure and ratio, the date and the machine, then PASS / MISS for
// each target of issue 4 ("Speed, measured side by side") and MISMATCH wherever a peer's figures differ
// from the engine's.
//
// Options (environment): BENCH_PHASES (comma list, default all: 100k,1m-engine,1m-js,1m-duckdb; `engine`
// times the engine alone at 100k, for quick iterations; `profile` prints where decoding and the kernel spend
// their time, by wasm function),
// BENCH_RUNS (default 7), BENCH_NATIVE (criterion,cli | none; default both), CHROMIUM (default
// /usr/bin/chromium), CARGO_TARGET_DIR (build and data go to $CARGO_TARGET_DIR/bench, default target/bench),
// BENCH_REUSE=1 (keep the last built module and data: for working on the harness itself), BENCH_REUSE=data
// (rebuild the module, keep the data: for working on the engine).
// Exit status: 0 when the benchmark ran (misses included: they are printed, not hidden), 1 on a MISMATCH
// or a failure.

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(benchDir);
const targetDir = path.resolve(root, process.env.CARGO_TARGET_DIR ?? "target");
const workDir = path.join(targetDir, "bench");
const pkgDir = path.join(workDir, "pkg");
const namedPkgDir = path.join(workDir, "pkg-named");
let servedPkgDir = pkgDir;
const dataDir = path.join(workDir, "data");
const SIZES = [100_000, 1_000_000];
const phases = (process.env.BENCH_PHASES ?? "100k,1m-engine,1m-js,1m-duckdb").split(",").filter(Boolean);
const runs = Number(process.env.BENCH_RUNS ?? 7);
const native = (process.env.BENCH_NATIVE ?? "criterion,cli").split(",").filter((x) => x && x !== "none");
const chromium = process.env.CHROMIUM ?? "/usr/bin/chromium";
const started = Date.now();
const loadAtStart = os.loadavg().map((x) => x.toFixed(1)).join(" ");

const log = (msg) => process.stderr.write(`\x1b[1;34m[bench]\x1b[0m ${msg}\n`);

function run(cmd, args, opts = {}) {
  log(`${cmd} ${args.join(" ")}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: opts.capture ? ["ignore", "pipe", "inherit"] : "inherit", env: { ...process.env, CARGO_TARGET_DIR: targetDir }, encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.error?.message ?? `status ${r.status}`})`);
  return r.stdout ?? "";
}

function which(name, fallback) {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    const p = path.join(dir, name);
    if (fs.existsSync(p)) return p;
  }
  return fallback;
}

// ---- 1. npm packages, the bench module, the data ----

function ensureNpm() {
  const need = ["@duckdb/duckdb-wasm", "playwright-core"].some((p) => !fs.existsSync(path.join(benchDir, "node_modules", p, "package.json")));
  if (need) {
    log("installing bench/ npm packages (npm ci)");
    const r = spawnSync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: benchDir, stdio: "inherit" });
    if (r.status !== 0) throw new Error("npm ci in bench/ failed");
  }
}

/** Builds the module into `pkgDir` (and, for a profile, a copy whose functions keep their names). */
function buildWasm() {
  run("cargo", ["build", "--locked", "-p", "loupe-bench-wasm", "--profile", "wasm-release", "--target", "wasm32-unknown-unknown"]);
  const raw = path.join(targetDir, "wasm32-unknown-unknown", "wasm-release", "loupe_bench_wasm.wasm");
  const wasmOpt = which("wasm-opt", path.join(root, "tools", "node_modules", ".bin", "wasm-opt"));
  const variants = [[pkgDir, []]];
  if (phases.includes("profile")) variants.push([namedPkgDir, ["-g"]]);
  for (const [dir, extra] of variants) {
    fs.mkdirSync(dir, { recursive: true });
    run("wasm-bindgen", ["--target", "web", "--out-dir", dir, raw]);
    const bg = path.join(dir, "loupe_bench_wasm_bg.wasm");
    run(wasmOpt, ["-Oz", ...extra, bg, "-o", bg]);
  }
  return fs.statSync(path.join(pkgDir, "loupe_bench_wasm_bg.wasm")).size;
}

function writeData() {
  for (const n of SIZES) {
    run("cargo", ["run", "--locked", "--release", "-q", "-p", "loupe-bench-wasm", "--example", "pages", "--", String(n), dataDir]);
  }
}

// ---- 2. the server: bench/ (page, modules, node_modules), the module, the data by page ranges ----

const TYPES = { ".html": "text/html", ".mjs": "text/javascript", ".js": "text/javascript", ".wasm": "application/wasm", ".json": "application/json" };
const lineIndex = new Map();

/** Byte offsets of each page (line) of obs-N.jsonl: [start, end) pairs. */
function pagesOf(n) {
  if (!lineIndex.has(n)) {
    const file = path.join(dataDir, `obs-${n}.jsonl`);
    const fd = fs.openSync(file, "r");
    const buf = Buffer.alloc(1 << 24);
    const offsets = [];
    let start = 0;
    let pos = 0;
    for (let got; (got = fs.readSync(fd, buf, 0, buf.length, pos)) > 0; pos += got) {
      for (let i = buf.indexOf(10, 0); i !== -1 && i < got; i = buf.indexOf(10, i + 1)) {
        offsets.push([start, pos + i + 1]);
        start = pos + i + 1;
      }
    }
    fs.closeSync(fd);
    lineIndex.set(n, { file, offsets });
  }
  return lineIndex.get(n);
}

function serve() {
  const server = http.createServer((req, res) => {
    try {
      const url = new URL(req.url, "http://localhost");
      const p = decodeURIComponent(url.pathname);
      if (p === "/data/info" || p === "/data/pages") {
        const n = Number(url.searchParams.get("n"));
        const { file, offsets } = pagesOf(n);
        if (p === "/data/info") {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify({ pages: offsets.length }));
          return;
        }
        const from = Number(url.searchParams.get("from"));
        const to = Number(url.searchParams.get("to"));
        const [start] = offsets[from];
        const end = offsets[to - 1][1];
        res.writeHead(200, { "content-type": "application/octet-stream", "content-length": end - start });
        fs.createReadStream(file, { start, end: end - 1 }).pipe(res);
        return;
      }
      let file;
      if (p.startsWith("/pkg/")) file = path.join(servedPkgDir, p.slice(5));
      else if (p.startsWith("/data/")) file = path.join(dataDir, p.slice(6));
      else file = path.join(benchDir, p === "/" ? "index.html" : p);
      if (!file.startsWith(benchDir) && !file.startsWith(workDir)) throw new Error("outside");
      const body = fs.readFileSync(file);
      res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

// ---- 3. the browser phases ----

async function runPhases(port) {
  const { chromium: pw } = await import("./node_modules/playwright-core/index.mjs");
  const browser = await pw.launch({
    executablePath: chromium,
    args: [
      // As tests/e2e/playwright.config.mjs, plus precise heap figures and a callable GC for the memory phase.
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--enable-precise-memory-info",
      "--js-flags=--expose-gc",
    ],
  });
  const version = browser.version();
  const results = {};
  for (const phase of phases) {
    log(`phase ${phase}`);
    servedPkgDir = phase === "profile" ? namedPkgDir : pkgDir;
    const page = await browser.newPage();
    page.on("console", (m) => log(`  ${m.text()}`));
    page.on("pageerror", (e) => log(`  page error: ${e.message}`));
    await page.goto(`http://127.0.0.1:${port}/index.html?phase=${phase}&runs=${runs}`);
    await page.waitForFunction(() => window.__bench?.done, null, { timeout: 30 * 60_000, polling: 500 });
    const out = await page.evaluate(() => window.__bench);
    if (out.error) throw new Error(`phase ${phase}: ${out.error}`);
    results[phase] = phase === "profile" ? await profile(page) : out.result;
    await page.close();
  }
  await browser.close();
  return { version, results };
}

/**
 * CPU profiles (DevTools protocol, 100 µs sampling) of `window.__work`'s decode, kernel (100k) and kernel
 * (1M) runs: self time by function, the wasm functions under their Rust names.
 */
async function profile(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: 100 });
  const out = {};
  await page.evaluate(() => window.__work.kernel1m());
  for (const work of ["decode", "kernel", "kernel1mRun"]) {
    await cdp.send("Profiler.start");
    await page.evaluate((w) => window.__work[w](), work);
    const { profile: p } = await cdp.send("Profiler.stop");
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const self = new Map();
    let total = 0;
    p.samples.forEach((id, i) => {
      const dt = p.timeDeltas[i] ?? 0;
      const name = byId.get(id)?.callFrame.functionName || "(anonymous)";
      self.set(name, (self.get(name) ?? 0) + dt);
      total += dt;
    });
    out[work] = { totalMs: total / 1000, top: [...self].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([name, us]) => ({ name, ms: us / 1000, share: us / total })) };
  }
  return out;
}

// ---- 4. native figures ----

function criterion(pkg, benchName) {
  const out = run("cargo", ["bench", "--locked", "-p", pkg, "--bench", benchName, "--", "--warm-up-time", "1", "--measurement-time", "3"], { capture: true });
  const lines = [];
  let name = null;
  for (const line of out.split("\n")) {
    const m = line.match(/^(\S.*?)?\s+time:\s+\[(.+?)\]/);
    const t = line.match(/^\s+thrpt:\s+\[(.+?)\]/);
    if (m) {
      if (m[1]) name = m[1].trim();
      const mid = m[2].split(/\s+(?=[\d.]+ )/)[1] ?? m[2];
      lines.push({ name: `${pkg}: ${name}`, time: mid.trim(), thrpt: "" });
    } else if (t && lines.length) {
      lines[lines.length - 1].thrpt = (t[1].split(/\s+(?=[\d.]+ )/)[1] ?? t[1]).trim();
    } else if (/^\S/.test(line) && !/^(Benchmarking|Found|Gnuplot|Warning|Running|\s)/.test(line)) {
      name = line.trim();
    }
  }
  return lines;
}

function nativeFigures() {
  const out = { criterion: [], cli: null, notes: [] };
  if (native.includes("criterion")) {
    for (const [pkg, bench, file] of [
      ["loupe-core", "rollups", "crates/core/benches/rollups.rs"],
      ["loupe-wire", "decode", "crates/wire/benches/decode.rs"],
    ]) {
      if (!fs.existsSync(path.join(root, file))) {
        out.notes.push(`${file} does not exist: skipped`);
        continue;
      }
      try {
        out.criterion.push(...criterion(pkg, bench));
      } catch (e) {
        out.notes.push(`criterion ${pkg}/${bench} failed: ${e.message}`);
      }
    }
  }
  if (native.includes("cli")) {
    if (fs.existsSync(path.join(root, "crates/cli/src/bench.rs"))) {
      try {
        out.cli = run("cargo", ["run", "--locked", "--release", "-q", "-p", "loupe-cli", "--", "bench"], { capture: true });
      } catch (e) {
        out.notes.push(`loupe bench failed: ${e.message}`);
      }
    } else {
      out.notes.push("loupe-cli has no bench subcommand: skipped");
    }
  }
  return out;
}

// ---- 5. the table ----

/** The commit measured, and whether the engine's crates had uncommitted changes (the tree is shared). */
function sourceVersion() {
  const git = (args) => spawnSync("git", args, { cwd: root, encoding: "utf8" }).stdout?.trim() ?? "";
  const head = git(["rev-parse", "--short", "HEAD"]) || "unknown";
  const dirty = git(["status", "--porcelain", "--", "crates/core", "crates/wire", "crates/langfuse", "crates/bench-wasm", ".cargo"]);
  return `${head}${dirty ? " + uncommitted changes in the engine's crates" : ""}`;
}

const fmt = (x, d = 1) => (x == null || Number.isNaN(x) ? "—" : x.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d }));
const mb = (bytes) => bytes / 1e6;
const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);

function report({ wasmBytes, source, browser, results, nativeOut, dataInfo }) {
  const lines = [];
  const out = (s = "") => lines.push(s);
  const targets = [];
  const mismatches = [];
  const target = (ok, text) => targets.push(`${ok ? "PASS" : "MISS"}  ${text}`);
  const r100 = results["100k"];
  const rE = results["1m-engine"];
  const rJ = results["1m-js"];
  const rD = results["1m-duckdb"];
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";

  out(`Loupe benchmark, ${new Date(started).toISOString().replace("T", " ").slice(0, 16)} UTC`);
  out(`Machine: ${cpu}, ${os.cpus().length} cores (shared), ${fmt(os.totalmem() / 2 ** 30, 0)} GiB RAM, ${os.type()} ${os.release()}; load average ${loadAtStart} at the start, ${os.loadavg().map((x) => x.toFixed(1)).join(" ")} at the end`);
  out(`Browser: headless Chromium ${browser}; Node ${process.version}; DuckDB-wasm 1.32.0 (${r100?.info.duckdb_version ?? rD?.info.duckdb_version ?? "?"}, EH bundle, 1 thread)`);
  out(`Engine: loupe-bench-wasm, profile wasm-release + wasm-opt -Oz, ${fmt(wasmBytes / 1024, 0)} KiB; source ${source}`);
  out(`Data: loupe-synth demo pages (seed 42, 7 days, 1000 rows a page): ${dataInfo}`);
  out(`Timings: best of ${runs} after a warm-up (single runs are marked "once"); MB = 10^6 bytes`);

  if (r100) {
    const t = r100.timings;
    const rate = (k) => mb(r100.bytes) / (t[k].ms / 1000);
    out();
    out(`Decode, ${fmt(r100.observations, 0)} observations (${fmt(mb(r100.bytes))} MB)          ms       MB/s`);
    const row = (label, k) => out(`  ${pad(label, 52)}${lpad(fmt(t[k].ms), 9)}${lpad(fmt(rate(k), 0), 11)}`);
    row("engine: decode into the store (wasm)", "engine_decode");
    row("engine: decode only, rows counted (wasm)", "engine_count_rows");
    row("JSON.parse of the page strings (objects dropped)", "json_parse");
    row("JSON.parse of the page strings (objects kept)", "json_parse_keep");
    row("TextDecoder + JSON.parse of the bytes (dropped)", "json_parse_bytes");
    const ratio = t.json_parse.ms / t.engine_decode.ms;
    out(`  engine / JSON.parse throughput: ${fmt(ratio, 2)}x (objects kept: ${fmt(t.json_parse_keep.ms / t.engine_decode.ms, 2)}x; from bytes: ${fmt(t.json_parse_bytes.ms / t.engine_decode.ms, 2)}x)`);
    target(rate("engine_decode") >= 250, `decode into the store >= 250 MB/s: ${fmt(rate("engine_decode"), 0)} MB/s`);
    target(ratio >= 2, `decode >= 2x JSON.parse throughput: ${fmt(ratio, 2)}x`);

    out();
    out(`Bytes -> all standard rollups (the kernel's figures), ${fmt(r100.observations, 0)} observations   ms   engine faster by`);
    const b = (label, k) => out(`  ${pad(label, 52)}${lpad(fmt(t[k].ms), 9)}${lpad(k === "engine_bytes_to_rollups" ? "" : `${fmt(t[k].ms / t.engine_bytes_to_rollups.ms, 2)}x`, 11)}`);
    b("engine (wasm): decode + models + kernel_rollups", "engine_bytes_to_rollups");
    b("JSON.parse + plain JS rollup", "js_bytes_to_rollups");
    b("DuckDB-wasm: JSON.parse + Arrow insert + SQL", "duckdb_bytes_to_rollups");
    const l = r100.info.duckdb_load;
    out(`    (DuckDB load of the last run: parse + flatten ${fmt(l.parseMs, 0)} ms, insert ${fmt(l.insertMs, 0)} ms, derive ${fmt(l.deriveMs, 0)} ms)`);
    target(t.engine_bytes_to_rollups.ms <= 400, `bytes -> rollups (100k) <= 400 ms: ${fmt(t.engine_bytes_to_rollups.ms)} ms`);
    target(t.js_bytes_to_rollups.ms / t.engine_bytes_to_rollups.ms >= 3, `bytes -> rollups >= 3x faster than JSON.parse + JS: ${fmt(t.js_bytes_to_rollups.ms / t.engine_bytes_to_rollups.ms, 2)}x`);
    target(t.duckdb_bytes_to_rollups.ms / t.engine_bytes_to_rollups.ms >= 3, `bytes -> rollups >= 3x faster than DuckDB-wasm: ${fmt(t.duckdb_bytes_to_rollups.ms / t.engine_bytes_to_rollups.ms, 2)}x`);
  }

  if (results.profile) {
    for (const [work, p] of Object.entries(results.profile)) {
      out();
      const what = {
        decode: "decoding 100k observations into a store, 3 times",
        kernel: "kernel_rollups at 100k, 20 times",
        kernel1mRun: "kernel_rollups at 1M, 10 times",
      }[work];
      out(`CPU profile of ${what} (self time, ${fmt(p.totalMs, 0)} ms sampled; inlined callees count as their caller)`);
      for (const f of p.top) out(`  ${lpad(fmt(f.share * 100), 6)} %  ${lpad(fmt(f.ms, 0), 7)} ms  ${f.name.length > 110 ? `${f.name.slice(0, 110)}…` : f.name}`);
    }
  }

  const rEng = results.engine;
  if (rEng) {
    const t = rEng.timings;
    out();
    out(`Engine alone, ${fmt(rEng.observations, 0)} observations (${fmt(mb(rEng.bytes))} MB)        ms       MB/s`);
    const row = (label, key) => out(`  ${pad(label, 52)}${lpad(fmt(t[key].ms), 9)}${lpad(fmt(mb(rEng.bytes) / (t[key].ms / 1000), 0), 11)}`);
    row("decode only, rows counted", "engine_count_rows");
    row("decode into the store", "engine_decode");
    row("decode + models + kernel_rollups", "engine_bytes_to_rollups");
    out(`  ${pad("kernel_rollups (trace index cached)", 52)}${lpad(fmt(t.engine_kernel.ms), 9)}`);
    out(`  ${pad("kernel_rollups, first call after loading, once", 52)}${lpad(fmt(t.engine_kernel_cold.ms), 9)}`);
    out(`  ${pad("standard_rollups (every Stats figure, the app's views)", 52)}${lpad(fmt(t.engine_standard.ms), 9)}`);
  }

  out();
  out(`Rollup kernel alone (rows already loaded)                        100k ms     1M ms`);
  const k = (label, a, b) => out(`  ${pad(label, 60)}${lpad(fmt(a), 11)}${lpad(fmt(b), 11)}`);
  const ek100 = r100?.timings.engine_kernel.ms;
  const ek1m = rE?.timings.engine_kernel.ms;
  k("engine kernel_rollups (trace index cached)", ek100, ek1m);
  k("engine, first call after loading (builds the trace index), once", r100?.timings.engine_kernel_cold.ms, rE?.timings.engine_kernel_cold.ms);
  k("plain JS rollup over the parsed objects", r100?.timings.js_kernel.ms, null);
  k("DuckDB-wasm queries", r100?.timings.duckdb_kernel.ms, rD?.timings.duckdb_kernel.ms);
  k("engine standard_rollups (every Stats figure; not the kernel)", r100?.timings.engine_standard.ms, rE?.timings.engine_standard.ms);
  const groups = (g) => (g ? Object.entries(g).map(([k, n]) => `${k} ${fmt(n, 0)}`).join(", ") : "—");
  out(`  (what the kernel computes, engine and peers alike: for the overview, each group of 6 dimensions (model,`);
  out(`   service, user, session, environment, type) and each hourly bucket: observations, distinct traces, errors,`);
  out(`   warnings, error rate, input/output/total tokens, cost, exact nearest-rank P50/P95/P99 latency; plus the`);
  out(`   latency histogram; groups at 100k: ${groups(r100?.info.groups)}; at 1M: ${groups(rE?.info.groups)})`);
  if (ek100 != null) out(`  engine faster than DuckDB by: ${fmt(r100.timings.duckdb_kernel.ms / ek100, 1)}x (100k)${rD && ek1m ? `, ${fmt(rD.timings.duckdb_kernel.ms / ek1m, 1)}x (1M)` : ""}; than plain JS by ${fmt(r100.timings.js_kernel.ms / ek100, 1)}x (100k)`);
  if (ek100 != null) target(ek100 <= 10, `kernel <= 10 ms at 100k: ${fmt(ek100)} ms`);
  if (ek1m != null) target(ek1m <= 100, `kernel <= 100 ms at 1M: ${fmt(ek1m)} ms`);
  if (ek100 != null) target(r100.timings.duckdb_kernel.ms / ek100 >= 10, `kernel >= 10x faster than DuckDB-wasm queries (100k): ${fmt(r100.timings.duckdb_kernel.ms / ek100, 1)}x`);
  if (ek1m != null && rD) target(rD.timings.duckdb_kernel.ms / ek1m >= 10, `kernel >= 10x faster than DuckDB-wasm queries (1M): ${fmt(rD.timings.duckdb_kernel.ms / ek1m, 1)}x`);

  if (rE || rJ || rD) {
    out();
    out(`At 1,000,000 observations (${fmt(mb((rE ?? rJ ?? rD).bytes))} MB of pages), once             ms`);
    if (rE) k("engine: decode into the store", rE.timings.engine_decode_once.ms, null);
    if (rE) k("engine: decode + models", rE.timings.engine_load_once.ms, null);
    if (rJ) k("JSON.parse (rows kept)", rJ.timings.json_parse_once.ms, null);
    if (rD) k("DuckDB-wasm load (parse + flatten + insert + derive)", rD.timings.duckdb_load_once.ms, null);
  }
  if (rE || rJ) {
    out();
    out(`Memory at 1,000,000 observations                                     bytes   per observation`);
    const m = (label, bytes, n) => out(`  ${pad(label, 56)}${lpad(fmt(bytes, 0), 15)}${lpad(fmt(bytes / n), 12)}`);
    if (rE) {
      const n = rE.observations;
      const mem = rE.memory;
      m("engine store, memory_bytes() after loading", mem.store_bytes, n);
      m("engine store after shrink_to_fit()", mem.store_bytes_shrunk, n);
      m("engine trace index cache (built by the first rollup)", mem.trace_cache_bytes, n);
      m("wasm linear memory growth, loading", mem.linear_after_load - mem.linear_before, n);
      m("wasm linear memory growth, loading + rollups", mem.linear_after_rollups - mem.linear_before, n);
      out(`  largest store parts: ${mem.breakdown.slice(0, 5).map(([p, b]) => `${p} ${fmt(b / n)}`).join(", ")} (bytes/obs)`);
      target(mem.store_bytes_shrunk / n <= 100, `store <= 100 bytes per observation at 1M (issue 4, Store): ${fmt(mem.store_bytes_shrunk / n)} B/obs after shrink_to_fit, ${fmt(mem.store_bytes / n)} before`);
    }
    if (rJ) {
      const n = rJ.observations;
      m("JS heap of the rows after JSON.parse (after forced GC)", rJ.memory.heap_after - rJ.memory.heap_before, n);
      if (rE) out(`  JS heap / engine store: ${fmt((rJ.memory.heap_after - rJ.memory.heap_before) / rE.memory.store_bytes_shrunk, 1)}x; JS heap / wasm linear memory growth: ${fmt((rJ.memory.heap_after - rJ.memory.heap_before) / (rE.memory.linear_after_rollups - rE.memory.linear_before), 1)}x`);
    }
  }

  out();
  out("Figures checked against the engine's kernel_rollups (every group of every section: observations, traces, errors,");
  out("warnings, error rate, input/output/total tokens, cost, timed rows, P50/P95/P99 latency; histogram, hourly series):");
  const check = (label, c) => {
    if (!c) return;
    if (c.count === 0) out(`  ${label}: same figures`);
    else {
      out(`  MISMATCH ${label}: ${c.count} differences, first ones (engine vs peer):`);
      for (const line of c.lines) out(`    ${line.length > 220 ? `${line.slice(0, 220)}…` : line}`);
      mismatches.push(label);
    }
  };
  check("plain JS, 100k", r100?.checks.js);
  check("DuckDB-wasm, 100k", r100?.checks.duckdb);
  check("DuckDB-wasm, 1M", rD?.check);

  out();
  out("Targets (issue 4, Speed)");
  for (const t of targets) out(`  ${t}`);

  if (nativeOut) {
    out();
    out("Native (this machine, not wasm; for profiling)");
    if (nativeOut.criterion.length) {
      out(`  criterion (--warm-up-time 1 --measurement-time 3), median time / throughput:`);
      for (const c of nativeOut.criterion) out(`    ${pad(c.name, 72)} ${lpad(c.time, 11)}  ${c.thrpt}`);
    }
    if (nativeOut.cli) {
      out("  loupe bench (crates/cli):");
      for (const line of nativeOut.cli.trimEnd().split("\n")) out(`    ${line}`);
    }
    for (const note of nativeOut.notes) out(`  note: ${note}`);
  }
  out();
  out(`(make bench took ${fmt((Date.now() - started) / 60000, 1)} min)`);
  return { text: lines.join("\n"), mismatches };
}

// ---- main ----

async function main() {
  ensureNpm();
  const reuse = process.env.BENCH_REUSE === "1" && fs.existsSync(path.join(pkgDir, "loupe_bench_wasm_bg.wasm"));
  const reuseData = reuse || process.env.BENCH_REUSE === "data";
  const source = sourceVersion();
  const wasmBytes = reuse ? fs.statSync(path.join(pkgDir, "loupe_bench_wasm_bg.wasm")).size : buildWasm();
  if (!reuseData || SIZES.some((n) => !fs.existsSync(path.join(dataDir, `obs-${n}.jsonl`)))) writeData();
  const dataInfo = SIZES.map((n) => {
    const bytes = fs.statSync(path.join(dataDir, `obs-${n}.jsonl`)).size - n / 1000;
    return `${fmt(n, 0)} obs = ${fmt(mb(bytes))} MB`;
  }).join("; ");
  const server = await serve();
  let browser;
  let results;
  try {
    ({ version: browser, results } = await runPhases(server.address().port));
  } finally {
    server.close();
  }
  if (results["1m-duckdb"]?.figures && results["1m-engine"]?.figures) {
    const { compareFigures } = await import("./figures.mjs");
    results["1m-duckdb"].check = compareFigures(results["1m-engine"].figures, results["1m-duckdb"].figures);
  }
  const nativeOut = native.length ? nativeFigures() : null;
  const { text, mismatches } = report({ wasmBytes, source, browser, results, nativeOut, dataInfo });
  process.stdout.write(`\n${text}\n`);
  if (mismatches.length) process.exitCode = 1;
}

main().catch((e) => {
  log(`failed: ${e.stack ?? e}`);
  process.exitCode = 1;
});
