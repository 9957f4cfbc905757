// Page object for the overview: what a user reads on it, located by data-testid.
import { expect } from "@playwright/test";

export const KPIS = ["observations", "traces", "cost", "tokens", "p95", "error-rate"];

export class OverviewPage {
  constructor(page) {
    this.page = page;
    this.source = page.getByTestId("source");
    this.rangePicker = page.getByTestId("range-picker");
    this.chart = page.getByTestId("requests-chart").locator("canvas");
    this.costChart = page.getByTestId("cost-chart").locator("canvas");
  }

  /** Opens the app at `query` (e.g. "?range=24h"), relative to the sub-path it is served under. */
  async open(query = "") {
    await this.page.goto(`./${query}`);
    await this.waitForData();
  }

  async waitForData() {
    await expect(this.kpiValue("observations")).not.toHaveText(/^(|–|…)$/);
  }

  kpiValue(name) {
    return this.page.getByTestId(`kpi-${name}`).locator(".value");
  }

  async kpiTexts() {
    const texts = {};
    for (const name of KPIS) texts[name] = (await this.kpiValue(name).textContent()).trim();
    return texts;
  }

  rangeButton(label) {
    return this.rangePicker.getByRole("button", { name: label, exact: true });
  }

  /** Share of a chart canvas's pixels that differ from its top-left (background) pixel. */
  async chartInk(chart = this.chart) {
    return chart.evaluate((canvas) => {
      const { data } = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
      let ink = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i] !== data[0] || data[i + 1] !== data[1] || data[i + 2] !== data[2]) ink++;
      }
      return ink / (data.length / 4);
    });
  }
}
