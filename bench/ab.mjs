// A/B of two builds of the bench module in one headless Chromium page, for engine work on this noisy shared
// machine: `node bench/ab.mjs PKG_A PKG_B [ROUNDS] [store|count]`.
//
// PKG_A and PKG_B are module directories as `bench/run.mjs` builds them (`wasm-bindgen --target web` output
// after `wasm-opt -Oz`; copy `$CARGO_TARGET_DIR/bench/pkg` aside before changing the code, rebuild, copy
// again). Both are loaded in the same page, the 100k pages (`$CARGO_TARGET_DIR/bench/data/obs-100000.jsonl`,
// written by `make bench`) are fetched once, then the two modules alternate, ROUNDS runs each (default 10)
// after two warm-ups: `store` times "decode into the store" (a fresh `Engine`, every page, as the engine
// phase does), `count` times "decode only". Printed: min and median of each, B/A of both, MB/s of the
// minimums. Alternating in one page cancels most of the drift that separate `make bench` runs suffer
// (measured: separate runs of the same module differ by up to 5%; alternating runs by about 1%).
import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const [dirA, dirB, roundsArg, modeArg] = process.argv.slice(2);
if (!dirA || !dirB) {
  console.error("usage: node bench/ab.mjs PKG_A PKG_B [ROUNDS] [store|count]");
  process.exit(2);
}
const rounds = Number(roundsArg || 10);
const mode = modeArg || "store";
if (!["store", "count"].includes(mode) || !(rounds > 0)) {
  console.error("ROUNDS must be a positive number and the mode store or count");
  process.exit(2);
}
const targetDir = process.env.CARGO_TARGET_DIR ?? path.join(here, "..", "target");
const data = path.join(targetDir, "bench", "data", "obs-100000.jsonl");
if (!fs.existsSync(data)) {
  console.error(`${data} is missing: run \`BENCH_PHASES=engine make bench\` once to write it`);
  process.exit(2);
}
const dirs = { a: path.resolve(dirA), b: path.resolve(dirB) };

const page = `<!doctype html><script type="module">
const load = async (k) => { const m = await import("/" + k + "/loupe_bench_wasm.js"); await m.default("/" + k + "/loupe_bench_wasm_bg.wasm"); return m; };
const A = await load("a"), B = await load("b");
const buf = new Uint8Array(await (await fetch("/data")).arrayBuffer());
const pages = [];
for (let i = 0, s = 0; i < buf.length; i++) if (buf[i] === 10) { pages.push(buf.subarray(s, i)); s = i + 1; }
let sink = 0;
function run(m) {
  const t = performance.now();
  if (${JSON.stringify(mode)} === "count") { for (let i = 0; i < pages.length; i++) sink += m.count_rows(pages[i], i); }
  else { const e = new m.Engine(); for (let i = 0; i < pages.length; i++) e.decode_page(pages[i], i); sink += e.observations(); e.free(); }
  return performance.now() - t;
}
run(A); run(B); run(A); run(B);
const ta = [], tb = [];
for (let k = 0; k < ${rounds}; k++) { ta.push(run(A)); tb.push(run(B)); await new Promise((r) => setTimeout(r, 0)); }
window.__ab = { ta, tb, bytes: pages.reduce((n, p) => n + p.length, 0), sink };
</script>`;

const types = { ".js": "text/javascript", ".wasm": "application/wasm" };
const server = http.createServer((req, res) => {
  const url = req.url.split("?")[0];
  if (url === "/") {
    res.writeHead(200, { "content-type": "text/html" });
    return res.end(page);
  }
  if (url === "/data") {
    res.writeHead(200, { "content-type": "application/octet-stream" });
    return fs.createReadStream(data).pipe(res);
  }
  const [, key, file] = url.split("/");
  const dir = dirs[key];
  if (!dir || !file || file.includes("..")) {
    res.writeHead(404);
    return res.end();
  }
  fs.readFile(path.join(dir, file), (err, body) => {
    if (err) {
      res.writeHead(404);
      return res.end();
    }
    res.writeHead(200, { "content-type": types[path.extname(file)] ?? "application/octet-stream" });
    res.end(body);
  });
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));

const { chromium } = await import("./node_modules/playwright-core/index.mjs");
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
try {
  const p = await browser.newPage();
  p.on("pageerror", (e) => console.error(`page error: ${e.message}`));
  await p.goto(`http://127.0.0.1:${server.address().port}/`);
  await p.waitForFunction(() => window.__ab, null, { timeout: 30 * 60_000, polling: 500 });
  const { ta, tb, bytes } = await p.evaluate(() => window.__ab);
  const sorted = (v) => [...v].sort((x, y) => x - y);
  const min = (v) => sorted(v)[0];
  const med = (v) => sorted(v)[v.length >> 1];
  const mbs = (ms) => ((bytes / 1e6) / (ms / 1e3)).toFixed(0);
  console.log(
    `${mode}, ${rounds} rounds: A ${dirA} min ${min(ta).toFixed(1)} ms, median ${med(ta).toFixed(1)} | ` +
      `B ${dirB} min ${min(tb).toFixed(1)} ms, median ${med(tb).toFixed(1)} | ` +
      `B/A min ${(min(tb) / min(ta)).toFixed(3)}, median ${(med(tb) / med(ta)).toFixed(3)} | ` +
      `${mbs(min(ta))} vs ${mbs(min(tb))} MB/s`,
  );
} finally {
  await browser.close();
  server.close();
}
