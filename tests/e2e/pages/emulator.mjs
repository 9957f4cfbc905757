// The loupe-emulator instances the connection tests talk to, one per behaviour, each on its own port (so
// each is another origin than the app). Data ends at the next full hour, so "the last N hours" ending now
// always has rows; within one run every instance serves the same, deterministic data for its flags.
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

export const KEYS = { publicKey: "pk-lf-loupe-demo", secretKey: "sk-lf-loupe-demo" };
/** The project name the emulator reports. */
export const PROJECT = "loupe-demo";

/** The first emulator's port; the others follow it. */
const BASE_PORT = Number(process.env.E2E_EMULATOR_PORT ?? 4174);

export const EMULATORS = {
  // Plain, fast, unlimited: connecting, wrong keys, cache and refresh, snapshots.
  main: { port: BASE_PORT, args: ["--observations", "20000"] },
  // Langfuse's 429s: 5 requests a minute on the public API, with rows for more pages than that.
  limited: { port: BASE_PORT + 1, args: ["--observations", "8000", "--days", "1", "--rate-limit-per-minute", "5"] },
  // Slow answers, so that a fetch is still running when the test cancels it.
  slow: { port: BASE_PORT + 2, args: ["--observations", "40000", "--slow-ms", "1200"] },
  // The throughput measurement.
  large: { port: BASE_PORT + 3, args: ["--observations", "100000"] },
  // A self-hosted Langfuse v3: no v4 read path, the legacy routes only.
  legacy: { port: BASE_PORT + 4, args: ["--observations", "3000", "--days", "1", "--legacy-only"] },
  // Every observation read works, the scores read always answers 503.
  noscores: { port: BASE_PORT + 5, args: ["--observations", "3000", "--days", "1", "--fail-path", "/api/public/v3/scores"] },
};

export function emulatorUrl(name) {
  return `http://127.0.0.1:${EMULATORS[name].port}`;
}

/** The release binary `make e2e` builds (`CARGO_TARGET_DIR` honoured). */
export function emulatorBinary() {
  const target = process.env.CARGO_TARGET_DIR ? resolve(repo, process.env.CARGO_TARGET_DIR) : resolve(repo, "target");
  const binary = resolve(target, "release", "loupe-emulator");
  if (!existsSync(binary)) {
    throw new Error(`${binary} is missing: run \`cargo build --release -p loupe-emulator\` (make e2e does)`);
  }
  return binary;
}

/** The end of the emulators' data: the next full hour, ISO-8601 UTC. */
export function emulatorEnd(nowMs = Date.now()) {
  const hour = 3_600_000;
  return new Date(Math.ceil((nowMs + 1) / hour) * hour).toISOString();
}
