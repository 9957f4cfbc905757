// The local cache: a reload shows the cached rows at once, then fetches only what is new (the time since
// the last fetch plus a 15-minute overlap); clearing the cache.
import { test, expect } from "@playwright/test";
import { OverviewPage } from "../pages/overview.mjs";
import { ConnectPanel, FetchPanel, count, recordObservationRequests } from "../pages/connect.mjs";
import { PROJECT, emulatorUrl } from "../pages/emulator.mjs";

const OVERLAP_MS = 15 * 60_000;

test.describe("local cache", () => {
  test("a reload reads the cache, then fetches only the new range", async ({ page }) => {
    const overview = new OverviewPage(page);
    await overview.open();
    const connect = new ConnectPanel(page);
    await connect.fill({ baseUrl: emulatorUrl("main") });
    const first = recordObservationRequests(page);
    await connect.connect();
    const fetch = new FetchPanel(page);
    await fetch.waitFor("done");
    const rows = (await fetch.figures()).rows;
    const kpisBefore = await overview.kpiTexts();
    // The first fetch asked for the whole week; its windows end when it started.
    const firstFetchAt = Math.max(...first.filter((r) => r.limit === 1000).map((r) => r.to));
    const firstFrom = Math.min(...first.filter((r) => r.limit === 1000).map((r) => r.from));
    expect(firstFetchAt - firstFrom).toBeGreaterThan(6.9 * 24 * 3_600_000);

    const afterReload = recordObservationRequests(page);
    first.length = 0;
    await page.reload();
    await expect(overview.source).toHaveText(`Langfuse · ${PROJECT}`);
    await fetch.waitFor("done");
    expect(afterReload.length).toBeGreaterThan(0);
    for (const request of afterReload) {
      expect(request.from, request.url).toBeGreaterThanOrEqual(firstFetchAt - OVERLAP_MS);
    }
    // Only the overlap's few rows came again, and they replaced themselves: the same figures.
    expect((await fetch.figures()).rows).toBeLessThan(rows / 20);
    expect(await overview.kpiTexts()).toEqual(kpisBefore);
    await expect(fetch.currentCache).toContainText(`${kpisBefore.observations} observations`);
  });

  test("the cache is listed with its figures and can be cleared", async ({ page }) => {
    const overview = new OverviewPage(page);
    await overview.open();
    const connect = new ConnectPanel(page);
    await connect.fill({ baseUrl: emulatorUrl("main") });
    await connect.connect();
    const fetch = new FetchPanel(page);
    await fetch.waitFor("done");
    await connect.open();
    const entry = page.getByTestId("cache-entry");
    await expect(entry).toHaveCount(1);
    await expect(entry).toContainText(PROJECT);
    await expect(entry).toContainText(emulatorUrl("main"));
    await expect(entry).toContainText(/MB in \d+ pages/);
    const loaded = count(await overview.kpiValue("observations").textContent());

    await entry.getByTestId("clear-cache").click();
    await expect(entry).toHaveCount(0);
    await expect(fetch.currentCache).toContainText("Nothing of this project is cached");
    // Clearing the cache keeps what is loaded.
    expect(count(await overview.kpiValue("observations").textContent())).toBe(loaded);

    // With the cache gone, a reload fetches the whole range again.
    const requests = recordObservationRequests(page);
    await page.reload();
    await fetch.waitFor("done");
    const from = Math.min(...requests.map((r) => r.from));
    expect(Date.now() - from).toBeGreaterThan(6.9 * 24 * 3_600_000);
  });
});
