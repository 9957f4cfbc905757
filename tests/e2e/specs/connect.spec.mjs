// Connecting to Langfuse (the emulator, on another origin: real CORS): the test outcome, the fetch, where
// the keys go (and do not go), wrong keys, and the too-large path with figures computed by Langfuse.
import { test, expect } from "@playwright/test";
import { OverviewPage } from "../pages/overview.mjs";
import { ConnectPanel, FetchPanel, count } from "../pages/connect.mjs";
import { KEYS, PROJECT, emulatorUrl } from "../pages/emulator.mjs";

/** What the browser keeps: storage texts, and whether IndexedDB holds `needle` anywhere. */
async function storedEverywhere(page, needle) {
  return page.evaluate(async (needle) => {
    const db = await new Promise((resolve, reject) => {
      const request = indexedDB.open("loupe-cache");
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const all = (store) =>
      new Promise((resolve, reject) => {
        const request = db.transaction(store).objectStore(store).getAll();
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    const metas = await all("meta");
    const pages = await all("pages");
    let inPages = false;
    for (const page of pages) if ((await page.text()).includes(needle)) inPages = true;
    db.close();
    return {
      local: JSON.stringify(localStorage),
      session: JSON.stringify(sessionStorage),
      metas,
      pages: pages.length,
      inIndexedDb: inPages || metas.some((m) => m.includes(needle)),
    };
  }, needle);
}

test.describe("connect to Langfuse", () => {
  test("tests, connects and fetches a project from another origin; keys stay out of URL, cache and local storage", async ({ page }) => {
    const errors = [];
    page.on("pageerror", (error) => errors.push(error.message));
    const overview = new OverviewPage(page);
    await overview.open();
    await expect(overview.source).toContainText("Demo");

    const connect = new ConnectPanel(page);
    await connect.fill({ baseUrl: emulatorUrl("main") });
    expect(await connect.test()).toBe("connected");
    await expect(connect.outcome).toContainText(`Connected to ${PROJECT}`);
    await expect(connect.outcome).toContainText("Langfuse 4.16.0");

    await connect.connect();
    const fetch = new FetchPanel(page);
    await fetch.waitFor("done");
    await expect(overview.source).toHaveText(`Langfuse · ${PROJECT}`);
    await expect(page.getByTestId("connect-toggle")).toContainText(PROJECT);
    const figures = await fetch.figures();
    // 20,000 rows over the 7 days ending at the next full hour: all but the last minutes are in the past.
    expect(figures.rows).toBeGreaterThan(18_000);
    expect(figures.rows).toBeLessThanOrEqual(20_000);
    expect(count(await overview.kpiValue("observations").textContent())).toBe(figures.rows);
    await expect(fetch.currentCache).toContainText("Cached on this device");

    expect(page.url()).not.toContain(KEYS.secretKey);
    const stored = await storedEverywhere(page, KEYS.secretKey);
    expect(stored.local).not.toContain(KEYS.secretKey);
    expect(stored.session, "this tab keeps the keys for a reload").toContain(KEYS.secretKey);
    expect(stored.pages).toBeGreaterThan(0);
    expect(stored.inIndexedDb).toBe(false);
    expect(stored.metas.join()).not.toContain(KEYS.publicKey);

    // The fetch asks for metadata: a breakdown by a metadata key (the emulator's rows carry a tenant) has
    // several values after a reload from the cache, not one "(none)" row.
    const byTenant = new URL(page.url());
    byTenant.search = "?view=breakdown&by=meta.tenant";
    await page.goto(byTenant.toString());
    await expect(overview.source).toHaveText(`Langfuse · ${PROJECT}`);
    const rows = page.locator("table tbody tr");
    await expect.poll(() => rows.count()).toBeGreaterThan(1);
    await expect(rows.filter({ hasText: "(none)" })).toHaveCount(0);
    expect(errors).toEqual([]);
  });

  test("wrong keys get the 401 outcome and leave the demo loaded", async ({ page }) => {
    const overview = new OverviewPage(page);
    await overview.open();
    const before = await overview.kpiTexts();
    const connect = new ConnectPanel(page);
    await connect.fill({ baseUrl: emulatorUrl("main"), secretKey: "sk-lf-not-the-right-one" });
    await connect.connect();
    await expect(connect.outcome).toHaveAttribute("data-state", "wrong-keys");
    await expect(connect.outcome).toContainText("Wrong keys (401)");
    await expect(connect.outcome).toContainText("Invalid credentials");
    await expect(page.getByTestId("fetch-panel")).toHaveCount(0);
    await expect(overview.source).toContainText("Demo");
    expect(await overview.kpiTexts()).toEqual(before);
  });

  test("an unreachable host is told apart from wrong keys", async ({ page }) => {
    const overview = new OverviewPage(page);
    await overview.open();
    const connect = new ConnectPanel(page);
    // Nothing listens on port 9: the browser's fetch fails the way a CORS refusal does.
    await connect.fill({ baseUrl: "http://127.0.0.1:9" });
    expect(await connect.test()).toBe("unreachable");
    await expect(connect.outcome).toContainText("unreachable or blocked by CORS");
  });

  test("an instance without the v4 read path is offered its legacy routes, which then deliver the rows", async ({ page }) => {
    const overview = new OverviewPage(page);
    await overview.open("?range=24h");
    const connect = new ConnectPanel(page);
    await connect.fill({ baseUrl: emulatorUrl("legacy") });
    await connect.connect();
    await expect(connect.outcome).toHaveAttribute("data-state", "legacy-only");
    await expect(connect.outcome).toContainText("without the v4 read path");
    await expect(page.getByTestId("fetch-panel")).toHaveCount(0);
    await page.getByTestId("use-legacy").click();
    const fetch = new FetchPanel(page);
    await fetch.waitFor("done");
    await expect(fetch.panel).toContainText("legacy read path");
    const rows = (await fetch.figures()).rows;
    expect(rows).toBeGreaterThan(2_500);
    expect(count(await overview.kpiValue("observations").textContent())).toBe(rows);
    // Pages joined from two routes cannot be replayed: no snapshot, said so.
    await page.getByTestId("save-snapshot").click();
    await expect(page.getByTestId("file-notice")).toContainText("legacy routes cannot be saved");
  });

  test("a range over the row ceiling offers figures computed by Langfuse, marked as such", async ({ page }) => {
    const overview = new OverviewPage(page);
    await overview.open();
    const connect = new ConnectPanel(page);
    await connect.fill({ baseUrl: emulatorUrl("main"), plan: "pro", maxRows: 5000 });
    await connect.connect();
    const fetch = new FetchPanel(page);
    await fetch.waitFor("too-large");
    await expect(page.getByTestId("too-large")).toContainText("more than the 5000");
    await expect(page.getByTestId("fetch-narrower")).toBeVisible();

    await page.getByTestId("show-server-figures").click();
    const banner = page.getByTestId("server-figures");
    await expect(banner).toContainText("computed by Langfuse (ClickHouse)");
    await expect(page.getByTestId("metrics-calls")).toContainText(/\d+ metrics calls used, \d+ left this hour/);
    await expect(page.getByTestId("kpi-cost").locator(".detail")).toContainText("computed by Langfuse");
    expect(count(await overview.kpiValue("observations").textContent())).toBeGreaterThan(18_000);
    await expect.poll(() => overview.chartInk()).toBeGreaterThan(0.01);

    // A narrower window fetches rows again, and the overview is Loupe's own once more.
    await page.getByTestId("fetch-narrower").click();
    await fetch.waitFor("done");
    await expect(banner).toHaveCount(0);
    const rows = (await fetch.figures()).rows;
    expect(rows).toBeGreaterThan(0);
    expect(rows).toBeLessThanOrEqual(5000);
  });
});
