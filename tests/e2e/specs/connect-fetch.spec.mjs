// Fetching under Langfuse's rate limit (429s are waited out, not shown as errors) and cancelling (requests
// in flight are aborted; every row already fetched stays).
import { test, expect } from "@playwright/test";
import { OverviewPage } from "../pages/overview.mjs";
import { ConnectPanel, FetchPanel, count } from "../pages/connect.mjs";
import { emulatorUrl } from "../pages/emulator.mjs";

test.describe("fetching", () => {
  test("a rate-limited fetch waits out the 429s and completes", async ({ page }) => {
    // About 10 requests for observations and models, then 6 for scores, at 5 a minute.
    test.setTimeout(300_000);
    const overview = new OverviewPage(page);
    await overview.open("?range=24h");
    const connect = new ConnectPanel(page);
    // The plan allows 30 requests a minute; the emulator only 5, so Langfuse answers 429 and Loupe waits.
    await connect.fill({ baseUrl: emulatorUrl("limited"), plan: "hobby", rate: 30 });
    await connect.connect();
    const fetch = new FetchPanel(page);
    await expect(page.getByTestId("fetch-waiting")).toContainText("for Langfuse's rate limit", { timeout: 60_000 });
    await expect(page.locator("[data-testid=fetch-panel] [role=alert]")).toHaveCount(0);
    // While Loupe waits, the overview already shows the rows fetched before the pause.
    await expect.poll(async () => count(await overview.kpiValue("observations").textContent())).toBeGreaterThan(0);
    await fetch.waitFor("done", 270_000);
    const figures = await fetch.figures();
    expect(figures.rateLimited).toBeGreaterThan(0);
    // 8,000 rows over the day ending at the next full hour: every row of the last 24 hours arrived.
    expect(figures.rows).toBeGreaterThan(6_000);
    expect(count(await overview.kpiValue("observations").textContent())).toBe(figures.rows);
  });

  test("cancelling aborts the requests in flight and keeps the rows already fetched", async ({ page }) => {
    const aborted = [];
    page.on("requestfailed", (request) => {
      if (request.url().includes("/v2/observations")) aborted.push(request.failure()?.errorText);
    });
    const overview = new OverviewPage(page);
    await overview.open();
    const connect = new ConnectPanel(page);
    await connect.fill({ baseUrl: emulatorUrl("slow") });
    await connect.connect();
    const fetch = new FetchPanel(page);
    await expect
      .poll(async () => Number((await fetch.status.getAttribute("data-rows")) ?? 0), { timeout: 30_000 })
      .toBeGreaterThan(0);
    await fetch.cancelButton.click();
    await fetch.waitFor("cancelled");
    const figures = await fetch.figures();
    expect(figures.rows).toBeGreaterThan(0);
    expect(figures.rows).toBeLessThan(35_000);
    await expect(fetch.status).toContainText("are kept");
    await expect.poll(() => aborted.length).toBeGreaterThan(0);
    expect(aborted.every((text) => text === "net::ERR_ABORTED"), aborted.join()).toBe(true);

    // The kept rows are what the overview shows, and they stay.
    expect(count(await overview.kpiValue("observations").textContent())).toBe(figures.rows);
    await page.waitForTimeout(2500);
    expect(count(await overview.kpiValue("observations").textContent())).toBe(figures.rows);
    await expect(fetch.panel).toHaveAttribute("data-state", "cancelled");
  });
});
