// Playwright against the release dist/, served under a sub-path by a plain static server, in Debian's
// Chromium (never `npx playwright install`: this machine cannot download browsers). Langfuse is played by
// loupe-emulator instances on other ports (other origins, so every request is a real CORS request); `make
// e2e` builds the emulator in release first.
import { defineConfig } from "@playwright/test";
import { EMULATORS, emulatorBinary, emulatorEnd } from "./pages/emulator.mjs";

const port = Number(process.env.E2E_PORT ?? 4173);
export const subPath = "/team/loupe/";

const end = emulatorEnd();
const emulatorServers = Object.values(EMULATORS).map((emulator) => ({
  command: [emulatorBinary(), "--port", String(emulator.port), "--end", end, ...emulator.args].join(" "),
  url: `http://127.0.0.1:${emulator.port}/api/public/health`,
  reuseExistingServer: false,
  stdout: "ignore",
  timeout: 60_000,
}));

export default defineConfig({
  testDir: "./specs",
  timeout: 60_000,
  expect: { timeout: 20_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${port}${subPath}`,
    viewport: { width: 1360, height: 900 },
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
    trace: "off",
    screenshot: "only-on-failure",
  },
  webServer: [
    {
      command: `python3 serve.py`,
      url: `http://127.0.0.1:${port}${subPath}`,
      env: { E2E_PORT: String(port) },
      reuseExistingServer: false,
      stdout: "ignore",
      timeout: 30_000,
    },
    ...emulatorServers,
  ],
});
