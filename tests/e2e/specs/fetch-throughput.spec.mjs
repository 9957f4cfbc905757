// Measures a 100,000-observation fetch from the emulator in headless Chromium, without rate limits, and
// prints rows/s and MB/s (a measurement, not a timed assertion: this machine is shared and noisy).
import { test, expect } from "@playwright/test";
import { OverviewPage } from "../pages/overview.mjs";
import { ConnectPanel, FetchPanel } from "../pages/connect.mjs";
import { emulatorUrl } from "../pages/emulator.mjs";

test("fetch throughput: 100,000 observations, no rate limit", async ({ page }) => {
  test.setTimeout(180_000);
  const overview = new OverviewPage(page);
  await overview.open();
  const connect = new ConnectPanel(page);
  await connect.fill({ baseUrl: emulatorUrl("large") });
  await connect.connect();
  const fetch = new FetchPanel(page);
  await fetch.waitFor("done", 170_000);
  const f = await fetch.figures();
  expect(f.rows).toBeGreaterThan(95_000);
  const seconds = f.elapsedMs / 1000;
  const line =
    `fetch throughput: ${f.rows} rows, ${(f.bytes / 1e6).toFixed(1)} MB, ${f.pages} pages, ` +
    `${f.requests} requests in ${seconds.toFixed(2)} s = ${Math.round(f.rows / seconds)} rows/s, ` +
    `${(f.bytes / 1e6 / seconds).toFixed(1)} MB/s (headless Chromium, emulator on 127.0.0.1, no limits)`;
  console.log(line);
  test.info().annotations.push({ type: "throughput", description: line });
});
