// The Scores view: score aggregates per name from the demo, deep links with filters, a live fetch from the
// emulator (cached for a reload, kept in snapshots), an instance without v3 scores, and one whose scores
// read keeps failing.
import { readFileSync } from "node:fs";
import { test, expect } from "@playwright/test";
import { OverviewPage } from "../pages/overview.mjs";
import { ScoresPage } from "../pages/scores.mjs";
import { ConnectPanel, FetchPanel, FileActions } from "../pages/connect.mjs";
import { emulatorUrl } from "../pages/emulator.mjs";

const number = (text) => Number(text.trim().replace(/,/g, ""));

test.describe("scores", () => {
  test("the demo shows figures and distributions per score name", async ({ page }) => {
    const overview = new OverviewPage(page);
    await overview.open();
    await page.getByRole("link", { name: "Scores" }).click();
    await expect(page).toHaveURL(/[?&]view=scores\b/);
    const scores = new ScoresPage(page);
    await scores.waitForScores();
    await expect(scores.headline).toContainText(/scores · 6 names$/);
    await expect(scores.empty).toHaveCount(0);

    // Numeric: mean, P50, P90, min, max within [0, 1], and ten bins with something in them.
    const helpfulness = scores.card("helpfulness");
    await expect(helpfulness).toContainText("Numeric");
    const figure = async (name) => number(await helpfulness.getByTestId(`score-${name}`).textContent());
    const [mean, p50, p90, min, max] = [await figure("mean"), await figure("p50"), await figure("p90"), await figure("min"), await figure("max")];
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThanOrEqual(1);
    expect(min).toBeLessThanOrEqual(p50);
    expect(p50).toBeLessThanOrEqual(p90);
    expect(p90).toBeLessThanOrEqual(max);
    expect(mean).toBeGreaterThan(min);
    expect(mean).toBeLessThan(max);
    const bins = helpfulness.locator(".score-bins span");
    await expect(bins).toHaveCount(10);
    const heights = await bins.evaluateAll((spans) => spans.map((s) => parseFloat(s.style.height)));
    expect(Math.max(...heights)).toBe(100);
    await expect(bins.first()).toHaveAttribute("title", /^0(\.\d+)? – [\d.]+: [\d,]+ scores?$/);

    // Boolean: shares of true and false; categorical: its values with counts.
    await expect(scores.card("user-feedback").getByTestId("score-true")).toHaveText(/^\d+(\.\d)?% true \([\d,]+\)$/);
    const sentiment = scores.card("sentiment");
    await expect(sentiment).toContainText("Categorical");
    for (const value of ["positive", "neutral", "negative"]) await expect(sentiment).toContainText(value);
  });

  test("a deep link with a range and a filter renders the same after a reload", async ({ page }) => {
    const scores = new ScoresPage(page);
    await page.goto("./?view=scores");
    await scores.waitForScores();
    const all = await scores.total();

    await page.goto("./?view=scores&range=3d&not.env=staging");
    await expect(page.getByTestId("filter-bar")).toContainText("not Environment = staging");
    await scores.waitForScores();
    const filtered = await scores.total();
    expect(filtered).toBeLessThan(all);
    expect(await scores.cardTotal()).toBe(filtered);
    const before = await scores.texts();
    expect(before.length).toBeGreaterThan(3);

    await page.reload();
    await scores.waitForScores();
    expect(await scores.total()).toBe(filtered);
    expect(await scores.texts()).toEqual(before);
  });

  test("a live fetch brings the scores in; a reload shows them from the cache; a snapshot keeps them", async ({ page }, testInfo) => {
    test.setTimeout(120_000);
    const scores = new ScoresPage(page);
    await page.goto("./?view=scores");
    await scores.waitForScores();
    const connect = new ConnectPanel(page);
    await connect.fill({ baseUrl: emulatorUrl("main") });
    const scoreRequests = [];
    page.on("request", (request) => {
      if (request.url().includes("/api/public/v3/scores")) scoreRequests.push(new URL(request.url()));
    });
    await connect.connect();
    const fetch = new FetchPanel(page);
    await fetch.waitFor("done");
    await expect(fetch.status).toContainText(/, and [\d,]+ scores\./);
    const fetched = Number(await fetch.status.getAttribute("data-scores"));
    expect(fetched).toBeGreaterThan(100);
    expect(scoreRequests.length).toBeGreaterThan(0);
    // The same windows as the observations, by score timestamp.
    for (const url of scoreRequests) {
      expect(url.searchParams.get("fromTimestamp")).toBeTruthy();
      expect(url.searchParams.get("toTimestamp")).toBeTruthy();
    }

    await scores.waitForScores();
    expect(await scores.total()).toBe(fetched);
    // The cards follow the rows that arrived (not the demo's or an earlier redraw's figures).
    expect(await scores.cardTotal()).toBe(fetched);
    const texts = await scores.texts();
    expect(texts.length).toBe(6);

    // A reload reads the cached scores, and the refresh's overlap replaces its scores by id (the emulator's
    // data runs to the next full hour, so a score or two may be new since the first fetch).
    await page.reload();
    await scores.waitForScores();
    await fetch.waitFor("done");
    const reloaded = await scores.total();
    expect(await scores.cardTotal()).toBe(reloaded);
    expect(reloaded).toBeGreaterThanOrEqual(fetched);
    expect(reloaded).toBeLessThanOrEqual(fetched + 5);
    if (reloaded === fetched) expect(await scores.texts()).toEqual(texts);
    const kept = await scores.texts();

    // A snapshot holds the scores (format 2) and gives the same cards without a connection.
    const files = new FileActions(page);
    const download = await files.save();
    const path = testInfo.outputPath(download.suggestedFilename());
    await download.saveAs(path);
    const text = readFileSync(path, "utf8");
    const header = JSON.parse(text.slice(0, text.indexOf("\n")));
    expect(header.loupeSnapshot).toBe(2);
    expect(header.scores).toBe(reloaded);
    expect(text).toContain('{"loupeScoresPage":{"data":[');
    await page.getByTestId("disconnect").click();
    await files.open(path);
    await expect(files.notice).toHaveAttribute("data-ok", "true");
    await expect(files.notice).toContainText(`and ${reloaded.toLocaleString("en-US")} scores`);
    await scores.waitForScores();
    expect(await scores.total()).toBe(reloaded);
    expect(await scores.cardTotal()).toBe(reloaded);
    expect(await scores.texts()).toEqual(kept);
  });

  test("an instance without v3 scores says so and keeps its observations", async ({ page }) => {
    const scores = new ScoresPage(page);
    await page.goto("./?range=24h&view=scores");
    await scores.waitForScores();
    const connect = new ConnectPanel(page);
    await connect.fill({ baseUrl: emulatorUrl("legacy") });
    await connect.connect();
    await page.getByTestId("use-legacy").click();
    const fetch = new FetchPanel(page);
    await fetch.waitFor("done");
    await expect(page.getByTestId("scores-note")).toContainText("Scores are unavailable on this instance");
    expect((await fetch.figures()).rows).toBeGreaterThan(2_500);
    await expect(scores.empty).toContainText("No scores are loaded");
  });

  test("a scores read that keeps failing keeps the observations, says so, and is asked again", async ({ page }) => {
    test.setTimeout(150_000);
    const scores = new ScoresPage(page);
    await page.goto("./?range=24h&view=scores");
    await scores.waitForScores();
    const scoreRequests = [];
    page.on("request", (request) => {
      if (request.url().includes("/api/public/v3/scores")) scoreRequests.push(new URL(request.url()));
    });
    const connect = new ConnectPanel(page);
    await connect.fill({ baseUrl: emulatorUrl("noscores") });
    await connect.connect();
    const fetch = new FetchPanel(page);
    // 503 is transient for the scheduler: each window's scores are retried (6 attempts, backing off) first.
    await fetch.waitFor("done", 90_000);
    await expect(page.getByTestId("scores-note")).toContainText(
      /^Scores could not all be fetched \(.*503.*\); the observations are complete and kept, and the next refresh asks for the missing scores again\.$/,
    );
    const first = await fetch.figures();
    expect(first.rows).toBeGreaterThan(2_500);
    await expect(scores.empty).toContainText("No scores are loaded");
    const windows = (requests) => new Set(requests.map((url) => url.searchParams.get("fromTimestamp")));
    const firstWindows = windows(scoreRequests);
    expect(firstWindows.size).toBeGreaterThan(0);
    expect(scoreRequests.length).toBeGreaterThanOrEqual(6 * firstWindows.size);

    // The observations stay on screen, and the next fetch asks for the same windows' scores again.
    await page.getByRole("link", { name: "Overview" }).click();
    const overview = new OverviewPage(page);
    await overview.waitForData();
    expect(number(await overview.kpiValue("observations").textContent())).toBeGreaterThan(2_500);
    scoreRequests.length = 0;
    await fetch.fetchButton.click();
    await fetch.waitFor("done", 90_000);
    // Had the scores counted as fetched, the refresh would ask only the last minutes (its 15-minute
    // overlap); the range's windows are uncovered, so it asks the whole day again.
    expect(scoreRequests.length).toBeGreaterThan(0);
    const earliest = Math.min(...scoreRequests.map((url) => Date.parse(url.searchParams.get("fromTimestamp"))));
    const latest = Math.max(...scoreRequests.map((url) => Date.parse(url.searchParams.get("toTimestamp"))));
    expect(latest - earliest).toBeGreaterThan(23 * 3_600_000);
    await expect(page.getByTestId("scores-note")).toContainText("Scores could not all be fetched");
  });
});
