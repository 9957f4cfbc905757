import { test, expect } from "@playwright/test";
import { OverviewPage } from "../pages/overview.mjs";

const count = (text) => Number(text.trim().replace(/,/g, ""));

test.describe("views and filters on the demo", () => {
  test("a breakdown row becomes a filter that every view applies and a reload keeps", async ({ page }) => {
    const overview = new OverviewPage(page);
    await overview.open();
    const total = count(await overview.kpiValue("observations").textContent());

    await page.getByRole("link", { name: "Breakdown" }).click();
    await expect(page).toHaveURL(/[?&]view=breakdown\b/);
    const table = page.getByTestId("breakdown-table");
    const first = table.locator("tbody tr.pickable").first();
    const model = (await first.locator(".cell-label").textContent()).trim();
    const modelRows = count(await first.locator("td").nth(1).textContent());
    await first.click();

    await expect(page).toHaveURL(new RegExp(`[?&]model=${encodeURIComponent(model).replace(/\./g, "\\.")}(&|$)`));
    await expect(page.getByTestId("filter-bar")).toContainText(`Model = ${model}`);
    await expect(table.locator("tbody tr")).toHaveCount(1);

    await page.getByRole("link", { name: "Overview" }).click();
    await expect(overview.kpiValue("observations")).toHaveText(modelRows.toLocaleString("en-US"));
    expect(modelRows).toBeLessThan(total);

    await page.reload();
    await overview.waitForData();
    await expect(overview.kpiValue("observations")).toHaveText(modelRows.toLocaleString("en-US"));

    await page.getByRole("button", { name: "Clear filters" }).click();
    await expect(overview.kpiValue("observations")).toHaveText(total.toLocaleString("en-US"));
    await expect(page).not.toHaveURL(/model=/);
  });

  test("a breakdown row is kept from the keyboard too", async ({ page }) => {
    await page.goto("./?view=breakdown&by=service");
    const table = page.getByTestId("breakdown-table");
    const second = table.locator("tbody tr.pickable").nth(1);
    const service = (await second.locator(".cell-label").textContent()).trim();
    await second.focus();
    await expect(second).toBeFocused();
    await page.keyboard.press("Enter");
    await expect(page.getByTestId("filter-bar")).toContainText(`Service (trace name) = ${service}`);
    await expect(table.locator("tbody tr")).toHaveCount(1);
  });

  test("a new range updates the figures of the rows that stay, as a deep link to it shows them", async ({ page }) => {
    const rowTexts = () =>
      page.getByTestId("breakdown-table").locator("tbody tr").evaluateAll((trs) => trs.map((tr) => tr.innerText.replace(/\s+/g, " ")).sort());
    await page.goto("./?view=breakdown&range=24h");
    await expect(page.getByTestId("breakdown-table").locator("tbody tr").first()).toBeVisible();
    const direct = await rowTexts();
    await page.goto("./?view=breakdown");
    await expect(page.getByTestId("breakdown-table").locator("tbody tr").first()).toBeVisible();
    const all = await rowTexts();
    expect(all).not.toEqual(direct);
    await page.getByTestId("range-picker").getByRole("button", { name: "24h", exact: true }).click();
    await expect(page).toHaveURL(/[?&]range=1d\b/);
    await expect.poll(rowTexts).toEqual(direct);
  });

  test("a deep link picks the breakdown dimension and an exclusion", async ({ page }) => {
    await page.goto("./?view=breakdown&by=service&not.env=staging");
    const table = page.getByTestId("breakdown-table");
    await expect(table.locator("thead th").first()).toHaveText("Service (trace name)");
    await expect(page.getByTestId("filter-bar")).toContainText("not Environment = staging");
    await expect(table.locator("tbody tr").first()).toBeVisible();
    await expect(page.getByLabel("Group by")).toHaveValue("service");
  });

  test("text search narrows the figures and lives in the URL", async ({ page }) => {
    const overview = new OverviewPage(page);
    await overview.open();
    const total = count(await overview.kpiValue("observations").textContent());
    const search = page.getByLabel("Search observation and trace names");
    await search.fill("chat");
    await search.press("Enter");
    await expect(page).toHaveURL(/[?&]q=chat\b/);
    await expect.poll(async () => count(await overview.kpiValue("observations").textContent())).toBeLessThan(total);
  });

  test("latency shows a drawn distribution and exact percentiles", async ({ page }) => {
    await page.goto("./?view=latency");
    const canvas = page.getByTestId("latency-chart").locator("canvas");
    await expect
      .poll(() =>
        canvas.evaluate((c) => {
          const { data } = c.getContext("2d").getImageData(0, 0, c.width, c.height);
          let ink = 0;
          for (let i = 0; i < data.length; i += 4) if (data[i] !== data[0] || data[i + 1] !== data[1]) ink++;
          return ink / (data.length / 4);
        }),
      )
      .toBeGreaterThan(0.05);
    const rows = page.getByTestId("percentile-table").locator("tbody tr");
    await expect(rows.first()).toContainText("All observations");
    await expect(rows.nth(1)).toContainText("All traces");
    expect(await rows.count()).toBeGreaterThan(3);
  });

  test("errors are folded into recurring patterns", async ({ page }) => {
    await page.goto("./?view=errors");
    const rows = page.getByTestId("error-patterns").locator("tbody tr");
    await expect(rows.first()).toBeVisible();
    expect(await rows.count()).toBeGreaterThan(5);
    // Variable parts are replaced by placeholders.
    await expect(page.getByTestId("error-patterns")).toContainText("<n>");
    const first = count(await rows.first().locator("td").nth(1).textContent());
    const second = count(await rows.nth(1).locator("td").nth(1).textContent());
    expect(first).toBeGreaterThanOrEqual(second);
  });
});
