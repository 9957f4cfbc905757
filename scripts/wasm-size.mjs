// Prints the raw, gzip and brotli sizes of the release .wasm in dist/ (the last lines of `make test`),
// and fails when gzip exceeds the budget.
import { readdirSync, readFileSync } from "node:fs";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";

const BUDGET_GZIP_BYTES = 400 * 1000;
const dist = process.argv[2] ?? "dist";
const wasm = readdirSync(dist).filter((f) => f.endsWith(".wasm"));
if (wasm.length !== 1) {
  console.error(`expected one .wasm in ${dist}, found ${wasm.length}`);
  process.exit(1);
}
const bytes = readFileSync(`${dist}/${wasm[0]}`);
const gzip = gzipSync(bytes, { level: 9 }).length;
const brotli = brotliCompressSync(bytes, {
  params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
}).length;
const kb = (n) => `${(n / 1000).toFixed(1)} KB`;
console.log(`wasm size report (${wasm[0]})`);
console.log(`  raw:    ${String(bytes.length).padStart(9)} bytes  ${kb(bytes.length)}`);
console.log(`  gzip:   ${String(gzip).padStart(9)} bytes  ${kb(gzip)}  (budget ${kb(BUDGET_GZIP_BYTES)})`);
console.log(`  brotli: ${String(brotli).padStart(9)} bytes  ${kb(brotli)}`);
if (gzip > BUDGET_GZIP_BYTES) {
  console.error(`gzip size ${gzip} exceeds the ${BUDGET_GZIP_BYTES}-byte budget`);
  process.exit(1);
}
