import { test, expect } from "@playwright/test";
import { OverviewPage, KPIS } from "../pages/overview.mjs";

test.describe("demo overview", () => {
  test("renders the headline figures and a drawn chart without keys", async ({ page }) => {
    const errors = [];
    page.on("pageerror", (error) => errors.push(error.message));
    const overview = new OverviewPage(page);
    await overview.open();

    await expect(overview.source).toContainText("Demo");
    const kpis = await overview.kpiTexts();
    for (const name of KPIS) expect(kpis[name], name).toMatch(/\d/);
    expect(kpis.cost).toMatch(/^\$/);
    expect(kpis["error-rate"]).toMatch(/%$/);
    // The demo has thousands of observations, more than traces.
    const count = (text) => Number(text.replace(/,/g, "").replace(/k$/, "000"));
    expect(count(kpis.observations)).toBeGreaterThan(count(kpis.traces));

    // The charts are drawn at the device pixel ratio and are not blank.
    await expect.poll(() => overview.chartInk()).toBeGreaterThan(0.02);
    await expect.poll(() => overview.chartInk(overview.costChart)).toBeGreaterThan(0.02);
    await expect(page.getByTestId("cost-chart")).toContainText("Cost over time");
    const size = await overview.chart.evaluate((c) => [c.width, c.clientWidth]);
    expect(size[0]).toBe(Math.round(size[1] * (await page.evaluate(() => devicePixelRatio))));
    expect(errors).toEqual([]);
  });

  test("a deep link shows the same view after a reload", async ({ page }) => {
    const overview = new OverviewPage(page);
    await overview.open("?range=24h&tz=UTC");
    await expect(overview.rangeButton("24h")).toHaveAttribute("aria-pressed", "true");
    const before = await overview.kpiTexts();

    await page.reload();
    await overview.waitForData();
    await expect(overview.rangeButton("24h")).toHaveAttribute("aria-pressed", "true");
    expect(await overview.kpiTexts()).toEqual(before);
    expect(new URL(page.url()).pathname).toBe("/team/loupe/");
  });

  test("choosing a range updates the URL and the figures", async ({ page }) => {
    const overview = new OverviewPage(page);
    await overview.open();
    const all = await overview.kpiTexts();
    await overview.rangeButton("1h").click();
    await expect(page).toHaveURL(/[?&]range=1h\b/);
    await expect(overview.rangeButton("1h")).toHaveAttribute("aria-pressed", "true");
    await expect.poll(async () => (await overview.kpiTexts()).observations).not.toBe(all.observations);

    await page.goBack();
    await expect(overview.rangeButton("All")).toHaveAttribute("aria-pressed", "true");
    await expect.poll(async () => (await overview.kpiTexts()).observations).toBe(all.observations);
  });

  test("headline figures compare with the previous period when it is loaded", async ({ page }) => {
    const overview = new OverviewPage(page);
    await overview.open("?range=24h");
    // The demo spans 7 days, so the 24 hours before the last 24 are loaded.
    for (const name of ["observations", "cost", "p95", "error-rate"]) {
      await expect(page.getByTestId(`kpi-${name}-change`)).toHaveText(/^(▲|▼) [\d.]+( pt|%) vs previous period$|^= same as previous period$/);
    }
    // Whatever the figures, a rising error rate or cost reads as worse, a falling one as better.
    const tone = async (name) => {
      const change = page.getByTestId(`kpi-${name}-change`);
      const text = await change.textContent();
      const cls = await change.getAttribute("class");
      return { up: text.startsWith("▲"), down: text.startsWith("▼"), worse: /\bworse\b/.test(cls), better: /\bbetter\b/.test(cls) };
    };
    for (const name of ["cost", "error-rate"]) {
      const t = await tone(name);
      expect(t.worse).toBe(t.up);
      expect(t.better).toBe(t.down);
    }
    // "All" has nothing before it: no change is shown.
    await overview.rangeButton("All").click();
    await expect(page.getByTestId("kpi-observations-change")).toHaveText("");
  });
});
