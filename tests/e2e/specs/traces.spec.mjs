// The Traces view: on the demo, a list in four orders, one trace's waterfall from a click, from an error
// pattern's example and from a deep link after a reload, and an unknown trace id; on a connected project,
// a trace's inputs and outputs fetched on demand.
import { test, expect } from "@playwright/test";
import { ConnectPanel, FetchPanel } from "../pages/connect.mjs";
import { emulatorUrl } from "../pages/emulator.mjs";

const count = (text) => Number(text.trim().replace(/,/g, ""));

/** Duration text ("11.4 s", "362 ms", "4m 30s") in ms, for ordering checks. */
function durationMs(text) {
  let ms = 0;
  for (const [, n, unit] of text.matchAll(/([\d.]+)\s*(ms|s|m|h)\b/g)) {
    ms += Number(n) * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[unit];
  }
  return ms;
}

test.describe("traces", () => {
  test("the list orders traces and a click opens a waterfall that a reload keeps", async ({ page }) => {
    const errors = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto("./?view=traces");
    const list = page.getByTestId("trace-list");
    const rows = list.locator("tbody tr");
    await expect(rows.first()).toBeVisible();
    await expect(page.getByTestId("trace-count")).toContainText(/^The first 100 of 2,\d{3} traces/);
    expect(await rows.count()).toBe(100);

    // Slowest first: durations do not increase down the list.
    await list.getByRole("button", { name: "Slowest" }).click();
    await expect(page).toHaveURL(/[?&]order=slowest\b/);
    await expect(list.getByRole("button", { name: "Slowest" })).toHaveAttribute("aria-pressed", "true");
    const durations = (await rows.locator("td:nth-child(3)").allTextContents()).map(durationMs);
    expect(durations.length).toBe(100);
    for (let i = 1; i < durations.length; i++) expect(durations[i]).toBeLessThanOrEqual(durations[i - 1]);

    // Most errors first: the first row has errors and is marked.
    await list.getByRole("button", { name: "Most errors" }).click();
    await expect(rows.first()).toHaveClass(/\berror\b/);
    expect(count(await rows.first().locator("td").nth(4).textContent())).toBeGreaterThan(0);

    // A click opens the waterfall: every observation of the trace, the root on top, error rows marked.
    const link = rows.first().getByTestId("trace-link");
    const traceId = (await rows.first().locator(".mono").textContent()).trim();
    await link.click();
    await expect(page).toHaveURL(new RegExp(`[?&]trace=${traceId}\\b`));
    const detail = page.getByTestId("trace-detail");
    await expect(detail.getByTestId("trace-id")).toHaveText(traceId);
    const waterfall = detail.getByTestId("waterfall-row");
    const observations = count(await detail.getByTestId("trace-observations").textContent());
    await expect(waterfall).toHaveCount(observations);
    await expect(detail.locator(".wf-row.error").first()).toBeVisible();
    await expect(detail.locator(".wf-row.error .wf-status").first()).not.toBeEmpty();
    const texts = await waterfall.allTextContents();

    // A deep link: the same waterfall after a reload.
    await page.reload();
    await expect(detail.getByTestId("trace-id")).toHaveText(traceId);
    expect(await waterfall.allTextContents()).toEqual(texts);

    // Its session: the session's traces on one axis, this one marked; another opens its own waterfall.
    const session = detail.getByTestId("session-timeline");
    await expect(session).toContainText(/^Session \S+ · \d+ traces over /);
    const sessionTraces = session.getByTestId("session-trace");
    await expect(session.locator('a[aria-current="true"]')).toHaveCount(1);
    const others = sessionTraces.filter({ hasNot: page.locator('a[aria-current="true"]') });
    // (The demo's trace with most errors is one turn of a multi-turn support session.)
    expect(await others.count()).toBeGreaterThan(0);
    await others.first().getByRole("link").click();
    await expect(page).not.toHaveURL(new RegExp(`[?&]trace=${traceId}\\b`));
    await expect(detail.getByTestId("trace-id")).not.toHaveText(traceId);
    await page.goBack();
    await expect(detail.getByTestId("trace-id")).toHaveText(traceId);

    // Back to the list, in the order it had.
    await detail.getByRole("link", { name: "← All traces" }).click();
    await expect(page).not.toHaveURL(/[?&]trace=/);
    await expect(list.getByRole("button", { name: "Most errors" })).toHaveAttribute("aria-pressed", "true");
    expect(errors).toEqual([]);
  });

  test("a demo trace shows its inputs and outputs on demand", async ({ page }) => {
    await page.goto("./?view=traces&order=slowest");
    await page.getByTestId("trace-link").first().click();
    const detail = page.getByTestId("trace-detail");
    await expect(detail.getByTestId("observation-io")).toHaveCount(0);
    const started = Date.now();
    await detail.getByTestId("fetch-io").click();
    await expect(detail.getByTestId("io-count")).toHaveText(/^Inputs and outputs of \d+ observations, generated with the demo$/);
    console.log(`demo inputs and outputs shown in ${Date.now() - started} ms`);
    const ios = detail.getByTestId("observation-io");
    expect(await ios.count()).toBeGreaterThan(0);
    await ios.first().locator("summary").click();
    await expect(ios.first().locator(".io-text").first()).not.toBeEmpty();
  });

  test("an error pattern's example trace opens its waterfall", async ({ page }) => {
    await page.goto("./?view=errors");
    const example = page.getByTestId("error-patterns").getByTestId("example-trace").first();
    await expect(example).toBeVisible();
    const traceId = (await example.textContent()).trim();
    await example.click();
    await expect(page).toHaveURL(/[?&]view=traces\b/);
    const detail = page.getByTestId("trace-detail");
    await expect(detail.getByTestId("trace-id")).toHaveText(traceId);
    // The pattern's rows are errors or warnings, so the trace shows at least one marked row.
    await expect(detail.locator(".wf-row.error, .wf-row.warning").first()).toBeVisible();
  });

  test("an unknown trace id says so and keeps the page", async ({ page }) => {
    await page.goto("./?view=traces&trace=not-a-trace%3Cb%3E");
    await expect(page.getByTestId("trace-missing")).toContainText("Trace not-a-trace<b> is not in the loaded data.");
    await page.getByRole("link", { name: "← All traces" }).click();
    await expect(page.getByTestId("trace-list").locator("tbody tr").first()).toBeVisible();
  });

  test("a connected project's trace shows its inputs and outputs on demand, as text", async ({ page }) => {
    await page.goto("./?view=traces&range=24h");
    await expect(page.getByTestId("trace-list").locator("tbody tr").first()).toBeVisible();
    const ioRequests = [];
    page.on("request", (request) => {
      const url = new URL(request.url());
      if (url.pathname.endsWith("/api/public/v2/observations") && url.searchParams.get("fields")?.includes("io")) {
        ioRequests.push(url);
      }
    });
    const connect = new ConnectPanel(page);
    await connect.fill({ baseUrl: emulatorUrl("main") });
    await connect.connect();
    await new FetchPanel(page).waitFor("done");
    expect(ioRequests).toEqual([]);

    // The slowest trace of the fetched rows: a multi-step agent run.
    await page.getByTestId("trace-list").getByRole("button", { name: "Slowest" }).click();
    await page.getByTestId("trace-link").first().click();
    const detail = page.getByTestId("trace-detail");
    const traceId = (await detail.getByTestId("trace-id").textContent()).trim();
    await expect(detail.getByTestId("observation-io")).toHaveCount(0);
    await detail.getByTestId("fetch-io").click();
    await expect(detail.getByTestId("io-count")).toHaveText(/^Inputs and outputs of \d+ observations, from Langfuse$/);
    // One trace asked for, by id, with the io group; analytics fetches never ask for io.
    expect(ioRequests.length).toBeGreaterThan(0);
    for (const url of ioRequests) expect(url.searchParams.get("traceId")).toBe(traceId);

    const ios = detail.getByTestId("observation-io");
    expect(await ios.count()).toBeGreaterThan(0);
    const first = ios.first();
    await first.locator("summary").click();
    await expect(first.locator(".io-text").first()).toBeVisible();
    const text = await first.locator(".io-text").first().textContent();
    expect(text.length).toBeGreaterThan(0);
    // Text, never markup: nothing inside the input/output blocks is an element.
    expect(await detail.locator(".io-text *").count()).toBe(0);
  });
});
