// Page objects for the Langfuse connection: the connect panel (top bar), the fetch panel and file actions.
import { expect } from "@playwright/test";
import { KEYS } from "./emulator.mjs";

export class ConnectPanel {
  constructor(page) {
    this.page = page;
    this.toggle = page.getByTestId("connect-toggle");
    this.panel = page.getByTestId("connect-panel");
    this.outcome = page.getByTestId("connection-outcome");
  }

  async open() {
    if (!(await this.panel.isVisible())) await this.toggle.click();
    await expect(this.panel).toBeVisible();
  }

  /**
   * Fills the form for a self-hosted instance at `baseUrl`. `plan` is a plan slug ("self-hosted",
   * "hobby", …); `rate` and `maxRows` override the plan's defaults when given.
   */
  async fill({ baseUrl, publicKey = KEYS.publicKey, secretKey = KEYS.secretKey, plan = "self-hosted", rate, maxRows, remember = false }) {
    await this.open();
    const p = this.page;
    await p.getByTestId("host").selectOption("self-hosted");
    await p.getByTestId("base-url").fill(baseUrl);
    await p.getByTestId("public-key").fill(publicKey);
    await p.getByTestId("secret-key").fill(secretKey);
    await p.getByTestId("plan").selectOption(plan);
    if (rate !== undefined) await p.getByTestId("rate").fill(String(rate));
    if (maxRows !== undefined) await p.getByTestId("max-rows").fill(String(maxRows));
    if (remember) await p.getByTestId("remember").check();
  }

  async test() {
    await this.page.getByTestId("test-connection").click();
    await expect(this.outcome).toBeVisible();
    return this.outcome.getAttribute("data-state");
  }

  async connect() {
    await this.page.getByTestId("connect").click();
  }
}

export class FetchPanel {
  constructor(page) {
    this.page = page;
    this.panel = page.getByTestId("fetch-panel");
    this.status = page.getByTestId("fetch-status");
    this.fetchButton = page.getByTestId("fetch");
    this.cancelButton = page.getByTestId("cancel-fetch");
    this.currentCache = page.getByTestId("current-cache");
  }

  /** Waits until the panel reports `state` ("done", "cancelled", "failed", "too-large", …). */
  async waitFor(state, timeout = 60_000) {
    await expect(this.panel).toHaveAttribute("data-state", state, { timeout });
  }

  /** The machine-readable figures of the last fetch (numbers). */
  async figures() {
    const read = async (name) => Number(await this.status.getAttribute(`data-${name}`));
    return {
      rows: await read("rows"),
      pages: await read("pages"),
      bytes: await read("bytes"),
      requests: await read("requests"),
      rateLimited: await read("rate-limited"),
      elapsedMs: await read("elapsed-ms"),
    };
  }
}

export class FileActions {
  constructor(page) {
    this.page = page;
    this.input = page.getByTestId("file-input");
    this.saveButton = page.getByTestId("save-snapshot");
    this.notice = page.getByTestId("file-notice");
  }

  /** Clicks "Save snapshot" and returns the download (save it with `saveAs`). */
  async save() {
    const download = this.page.waitForEvent("download");
    await this.saveButton.click();
    return download;
  }

  /** Opens a file the way "Open file" does. `file` is a path or `{ name, mimeType, buffer }`. */
  async open(file) {
    await this.input.setInputFiles(file);
    await expect(this.notice).toBeVisible();
  }
}

/** Collects the `/v2/observations` requests the page makes, with their time window. */
export function recordObservationRequests(page) {
  const requests = [];
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (!url.pathname.endsWith("/api/public/v2/observations")) return;
    requests.push({
      from: Date.parse(url.searchParams.get("fromStartTime")),
      to: Date.parse(url.searchParams.get("toStartTime")),
      cursor: url.searchParams.get("cursor"),
      limit: Number(url.searchParams.get("limit")),
      url: url.toString(),
    });
  });
  return requests;
}

/** Parses a KPI value such as "19,997" or "100k". */
export function count(text) {
  const t = text.trim().replace(/,/g, "");
  if (t.endsWith("k")) return Number(t.slice(0, -1)) * 1000;
  if (t.endsWith("M")) return Number(t.slice(0, -1)) * 1e6;
  return Number(t);
}
