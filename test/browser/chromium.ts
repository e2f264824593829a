// Debian's Chromium driven by playwright-core: headless, fresh profile, and every background
// networking feature off (on a closed network it otherwise floods it with connection attempts).
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { describe } from "vitest";
import { REPO_DIR } from "../helpers/paths.ts";

/** Where the tests expect Chromium (`apt-get install chromium`; `.ci/run` installs it). */
export const CHROMIUM_PATH = process.env.MARQUEE_CHROMIUM ?? "/usr/bin/chromium";

/** Whether Chromium is installed; browser tests skip with a message when it is not. */
export const hasChromium = existsSync(CHROMIUM_PATH);

/** Screenshots and other artefacts of the browser tests (gitignored). */
export const BROWSER_OUTPUT_DIR = join(REPO_DIR, "test-output", "browser");

/**
 * A browser suite's name: `running` when Chromium is installed, otherwise `skipped` plus why it is
 * skipped and how to install Chromium, so a skipped run says so in the report.
 *
 * @example
 * describe.skipIf(!hasChromium)(chromiumSuiteName("page (stub worker, Chromium)", "page (stub worker)"), () => {});
 */
export function chromiumSuiteName(running: string, skipped: string): string {
  return hasChromium
    ? running
    : `${skipped}: SKIPPED, no Chromium at ${CHROMIUM_PATH} (apt-get install chromium)`;
}

/**
 * A browser suite: `describe`, skipped when Chromium is missing, named by {@link chromiumSuiteName}.
 *
 * @example
 * describeChromium("page (stub worker, Chromium)", "page (stub worker)", () => { it("loads", async () => {}); });
 */
export function describeChromium(running: string, skipped: string, body: () => void): void {
  describe.skipIf(!hasChromium)(chromiumSuiteName(running, skipped), body);
}

const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

/** A launched browser with its throwaway profile. */
export interface Browser {
  context: BrowserContext;
  /** A new tab with the given viewport (default 1280×900). */
  newPage(viewport?: { width: number; height: number }): Promise<Page>;
  close(): Promise<void>;
}

/**
 * Launch headless Chromium with a fresh temporary user-data dir.
 *
 * @example
 * const browser = await launchChromium();
 * const page = await browser.newPage({ width: 360, height: 740 });
 */
export async function launchChromium(): Promise<Browser> {
  const userDataDir = await mkdtemp(join(tmpdir(), "marquee-chromium-"));
  await mkdir(BROWSER_OUTPUT_DIR, { recursive: true });
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
    // Offline except for loopback: nothing here should try the network.
    serviceWorkers: "block",
  });
  return {
    context,
    async newPage(viewport) {
      const page = await context.newPage();
      if (viewport) await page.setViewportSize(viewport);
      return page;
    },
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Collect what the page reports as going wrong: uncaught errors, console errors (including CSP
 * violations, which Chromium logs there) and failed requests.
 */
export function watchPageProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on("pageerror", (err) => problems.push(`pageerror: ${err.message}`));
  page.on("console", (message) => {
    // An API error status is logged as "Failed to load resource"; the tests expect those.
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) {
      problems.push(`console: ${message.text()}`);
    }
  });
  return problems;
}
