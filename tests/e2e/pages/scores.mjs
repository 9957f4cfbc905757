// Page object for the Scores view: one card per score name, read as text.
import { expect } from "@playwright/test";

export class ScoresPage {
  constructor(page) {
    this.page = page;
    this.section = page.getByTestId("scores");
    this.headline = page.getByTestId("scores-headline");
    this.empty = page.getByTestId("scores-empty");
    this.cards = page.getByTestId("score-card");
  }

  card(name) {
    return this.page.locator(`[data-testid=score-card][data-name="${name}"]`);
  }

  /** The number of scores the headline counts ("2,345 scores · 6 names" gives 2345). */
  async total() {
    const text = (await this.headline.textContent()).trim();
    return Number(text.split(" ")[0].replace(/,/g, ""));
  }

  /** Waits until the headline counts some scores. */
  async waitForScores() {
    await expect.poll(() => this.total(), { timeout: 30_000 }).toBeGreaterThan(0);
  }

  /** The sum of the cards' counts ("Numeric · 760 scores"): equal to the headline when the cards are current. */
  async cardTotal() {
    const hints = await this.cards.locator("header .hint").allTextContents();
    return hints.reduce((sum, hint) => sum + Number(hint.match(/· ([\d,]+) scores?/)[1].replace(/,/g, "")), 0);
  }

  /** Every card's name and visible text, in page order. */
  async texts() {
    return this.cards.evaluateAll((cards) => cards.map((c) => `${c.dataset.name}: ${c.innerText}`));
  }
}
