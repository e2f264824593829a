/// <reference lib="dom" />
// The page in real Chromium against the real worker: the wrangler-built bundle under plain
// Miniflare, serving the page from its static assets and the fixture model. While the worker
// does not serve the page at `/`, the page tests go through page-proxy.ts (edge/public from Node,
// the API from the worker) and only the first test fails, naming what is missing.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { PAGE_CSP } from "@marquee/edge/security-headers";
import type { Page } from "playwright-core";
import sharp from "sharp";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ensureWorkerBuild, type WorkerBuild } from "../helpers/build-worker.ts";
import { samplePhotoPath } from "../helpers/images.ts";
import { type RunningWorker, startWorker } from "../helpers/start-worker.ts";
import {
  BROWSER_OUTPUT_DIR,
  type Browser,
  describeChromium,
  launchChromium,
  watchPageProblems,
} from "./chromium.ts";
import { type PageProxy, startPageProxy } from "./page-proxy.ts";

const SAMPLE1 = samplePhotoPath(1);

describeChromium("page (worker in Miniflare, Chromium)", "page (worker in Miniflare)", () => {
  let build: WorkerBuild;
  let worker: RunningWorker;
  let browser: Browser;
  let url: string;
  /** Where the browser opens the page: the worker itself, or the proxy in front of it. */
  let pageUrl: string;
  let proxy: PageProxy | undefined;
  let metadata: { name: string; pipeline: string; labels: string[] };

  beforeAll(async () => {
    build = await ensureWorkerBuild();
    [worker, browser] = await Promise.all([startWorker(build), launchChromium()]);
    url = (await worker.mf.ready).toString();
    metadata = JSON.parse(await readFile(join(build.modelDir, "metadata.json"), "utf8"));
    const home = await fetch(url);
    if (home.status === 200 && /text\/html/.test(home.headers.get("content-type") ?? "")) {
      pageUrl = url;
    } else {
      console.warn(`The worker answers GET / with ${home.status}; testing the page through page-proxy.ts.`);
      proxy = await startPageProxy((path, init) => worker.fetch(path, init));
      pageUrl = proxy.url;
    }
  });

  afterAll(async () => {
    await Promise.all([browser?.close(), worker?.dispose(), proxy?.close()]);
  });

  async function openPage(): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.newPage();
    const problems = watchPageProblems(page);
    const response = await page.goto(pageUrl);
    expect(response?.status()).toBe(200);
    await page.waitForSelector("html.ready");
    await page.waitForFunction(
      () => !document.querySelector("#model-card")?.textContent?.includes("Loading"),
    );
    return { page, problems };
  }

  it("serves the page at / with a strict Content-Security-Policy", async () => {
    const response = await fetch(url);
    expect(response.status, "GET / must serve edge/public/index.html from the assets").toBe(200);
    expect(response.headers.get("content-type")).toMatch(/text\/html/);
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp, "the page should be sent with a CSP (issue 7)").toBe(PAGE_CSP);
    expect(csp).toMatch(/script-src 'self'/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    // The model's weights stay private even though they are assets.
    const weights = await fetch(new URL("models/default/model.json", url));
    expect(weights.status).toBe(404);
  });

  it("shows the served model and the worker's answer for a sample photo", async () => {
    const { page, problems } = await openPage();
    await expect(page.textContent("#model-card")).resolves.toContain(metadata.name);

    await page.setInputFiles("#file-input", SAMPLE1);
    await page.waitForFunction(() => !document.querySelector("#result")?.hasAttribute("aria-busy"));
    expect(await page.isHidden("#error"), (await page.textContent("#error")) ?? "").toBe(true);
    if (metadata.pipeline === "face") {
      // sample1.jpg shows three people.
      await expect.poll(() => page.locator(".face-box").count()).toBeGreaterThanOrEqual(1);
      for (const tag of await page.locator(".face-tag").allTextContents()) {
        expect(tag === "unknown" || metadata.labels.some((label) => tag.startsWith(`${label} `))).toBe(true);
      }
    } else {
      await page.locator("#chart").waitFor({ state: "visible" });
      const labels = await page.locator("#bars .bar-label").allTextContents();
      expect(labels).toHaveLength(Math.min(5, metadata.labels.length));
      for (const label of labels) expect(metadata.labels).toContain(label);
      await expect(page.textContent("#status")).resolves.toMatch(/^Most likely /);
    }
    await page.screenshot({ path: join(BROWSER_OUTPUT_DIR, "page-worker-result.png"), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });

  it("shrinks a 3000×3000 photo below the worker's megapixel limit so it is accepted", async () => {
    const { page, problems } = await openPage();
    const big = await sharp(SAMPLE1).resize(3000, 3000, { fit: "cover" }).jpeg({ quality: 85 }).toBuffer();
    await page.setInputFiles("#file-input", { name: "big.jpg", mimeType: "image/jpeg", buffer: big });
    await page.waitForFunction(() => !document.querySelector("#result")?.hasAttribute("aria-busy"));
    expect(await page.isHidden("#error"), (await page.textContent("#error")) ?? "").toBe(true);
    await expect(page.textContent("#status")).resolves.toMatch(/Most likely|Found|No face/);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("shows the friendly error for a text file (415 from the worker)", async () => {
    const { page, problems } = await openPage();
    await page.setInputFiles("#file-input", {
      name: "notes.txt",
      mimeType: "text/plain",
      buffer: Buffer.from("These are notes, not a photo.\n"),
    });
    await page.locator("#error").waitFor({ state: "visible" });
    expect(await page.getAttribute("#error", "data-code")).toBe("unsupported_media_type");
    await expect(page.textContent("#error-title")).resolves.toContain("isn't a photo Marquee can read");
    await page.screenshot({
      path: join(BROWSER_OUTPUT_DIR, "page-worker-text-file-error.png"),
      fullPage: true,
    });
    expect(problems).toEqual([]);
    await page.close();
  });
});
