// Opens a URL in headless Debian Chromium and saves a PNG: the way to see what a user sees.
//   node scripts/screenshot.mjs URL OUT.png [width] [height] [deviceScaleFactor]
// COLOR_SCHEME=dark shows the dark theme; SETTLE_MS waits longer for the page to settle.
// Prints the page's console errors, so a broken page does not pass as a picture of a loading screen.
import { createRequire } from "node:module";
const require = createRequire(new URL("../tests/e2e/package.json", import.meta.url));
const { chromium } = require("@playwright/test");

const [url, out, width = "1360", height = "900", scale = "1"] = process.argv.slice(2);
if (!url || !out) {
  console.error("usage: node scripts/screenshot.mjs URL OUT.png [width] [height] [deviceScaleFactor]");
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run"],
});
const page = await browser.newPage({
  viewport: { width: Number(width), height: Number(height) },
  deviceScaleFactor: Number(scale),
  colorScheme: process.env.COLOR_SCHEME === "dark" ? "dark" : "light",
});
page.on("console", (msg) => { if (msg.type() === "error" || msg.type() === "warning") console.log(`[console.${msg.type()}] ${msg.text()}`); });
page.on("pageerror", (err) => console.log(`[pageerror] ${err.message}`));
await page.goto(url, { waitUntil: "networkidle" });
await page.waitForTimeout(Number(process.env.SETTLE_MS ?? 1500));
await page.screenshot({ path: out, fullPage: true });
await browser.close();
console.log(`saved ${out}`);
