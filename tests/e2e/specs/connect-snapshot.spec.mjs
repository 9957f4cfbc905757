// Snapshots: saved and reopened without any connection they give the same figures; bad files get a message
// and lose nothing.
import { readFileSync } from "node:fs";
import { test, expect } from "@playwright/test";
import { OverviewPage } from "../pages/overview.mjs";
import { ConnectPanel, FetchPanel, FileActions } from "../pages/connect.mjs";
import { KEYS, PROJECT, emulatorUrl } from "../pages/emulator.mjs";

test.describe("snapshots and files", () => {
  test("a snapshot of a Langfuse project reopens with the same figures and no keys inside", async ({ page }, testInfo) => {
    const overview = new OverviewPage(page);
    await overview.open();
    const connect = new ConnectPanel(page);
    await connect.fill({ baseUrl: emulatorUrl("main") });
    await connect.connect();
    const fetch = new FetchPanel(page);
    await fetch.waitFor("done");
    const figures = await overview.kpiTexts();

    const files = new FileActions(page);
    const download = await files.save();
    expect(download.suggestedFilename()).toMatch(/^loupe-loupe-demo-\d{8}-\d{4}\.jsonl$/);
    const path = testInfo.outputPath(download.suggestedFilename());
    await download.saveAs(path);
    const text = readFileSync(path, "utf8");
    const header = JSON.parse(text.slice(0, text.indexOf("\n")));
    expect(header.loupeSnapshot).toBe(2);
    expect(header.source).toEqual({ kind: "langfuse", host: emulatorUrl("main"), project: PROJECT });
    expect(text).not.toContain(KEYS.secretKey);
    expect(text).not.toContain(KEYS.publicKey);

    // No connection any more: the file alone gives the same figures.
    await page.getByTestId("disconnect").click();
    await expect(page.getByTestId("fetch-panel")).toHaveCount(0);
    await files.open(path);
    await expect(files.notice).toHaveAttribute("data-ok", "true");
    await expect(overview.source).toHaveText(`File · ${download.suggestedFilename()}`);
    await expect(files.notice).toContainText(`a snapshot of ${PROJECT}`);
    expect(await overview.kpiTexts()).toEqual(figures);
  });

  test("the demo saves and reopens too", async ({ page }, testInfo) => {
    const overview = new OverviewPage(page);
    await overview.open("?range=24h");
    const figures = await overview.kpiTexts();
    const files = new FileActions(page);
    const download = await files.save();
    const path = testInfo.outputPath("demo.jsonl");
    await download.saveAs(path);
    await files.open(path);
    await expect(overview.source).toHaveText("File · demo.jsonl");
    expect(await overview.kpiTexts()).toEqual(figures);
  });

  test("a malformed file gets a message and keeps what is loaded", async ({ page }) => {
    const overview = new OverviewPage(page);
    await overview.open();
    const before = await overview.kpiTexts();
    const files = new FileActions(page);
    await files.open({ name: "broken.json", mimeType: "application/json", buffer: Buffer.from("[{\"id\":\"a\",") });
    await expect(files.notice).toHaveAttribute("data-ok", "false");
    await expect(files.notice).toContainText("broken.json was not opened");
    await expect(files.notice).toContainText("What was loaded stays loaded.");
    await expect(overview.source).toContainText("Demo");
    expect(await overview.kpiTexts()).toEqual(before);

    // A JSON-lines file of v2 observations with one bad row: the good rows load, the bad one is reported.
    const good = (id, at) => JSON.stringify({ id, traceId: "t1", startTime: at, type: "SPAN", level: "DEFAULT" });
    const lines = [good("a", "2026-11-26T10:00:00.000Z"), "{\"id\":\"b\"}", good("c", "2026-11-26T10:00:01.000Z")];
    await files.open({ name: "rows.jsonl", mimeType: "application/x-ndjson", buffer: Buffer.from(lines.join("\n")) });
    await expect(files.notice).toHaveAttribute("data-ok", "true");
    await expect(files.notice).toContainText("2 observations");
    await expect(files.notice).toContainText("1 rows could not be read");
    await expect(overview.kpiValue("observations")).toHaveText("2");
  });
});
