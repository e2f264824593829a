// The page in real Chromium against the real worker serving a face model (the face fixture: three
// people cut from face-api's sample photos, everyone else a stranger): the wrangler-built bundle
// under plain Miniflare, page and API from the same origin.
import { join } from "node:path";
import type { PredictResponse } from "@marquee/shared";
import type { Page } from "playwright-core";
import sharp from "sharp";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { FaceGallery } from "../fixtures/make-face-model.ts";
import { ensureFaceWorkerBuild } from "../helpers/face-worker.ts";
import { samplePhotoPath } from "../helpers/images.ts";
import { type RunningWorker, startWorker } from "../helpers/start-worker.ts";
import {
  BROWSER_OUTPUT_DIR,
  type Browser,
  describeChromium,
  launchChromium,
  watchPageProblems,
} from "./chromium.ts";

// Under the page's 2048-px upload shrink, so the page sends these bytes unchanged: 1536 × 1230 at most.
const UPLOAD_WIDTH = 1536;

describeChromium("page (face model in the worker, Chromium)", "page (face model in the worker)", () => {
  let worker: RunningWorker;
  let browser: Browser;
  let url: string;
  let gallery: FaceGallery;

  beforeAll(async () => {
    const fixture = await ensureFaceWorkerBuild();
    gallery = fixture.gallery;
    [worker, browser] = await Promise.all([startWorker(fixture.build), launchChromium()]);
    url = (await worker.mf.ready).toString();
  });

  afterAll(async () => {
    await Promise.all([browser?.close(), worker?.dispose()]);
  });

  async function openPage(): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.newPage();
    const problems = watchPageProblems(page);
    expect((await page.goto(url))?.status()).toBe(200);
    await page.waitForSelector("html.ready");
    await page.waitForFunction(
      () => !document.querySelector("#model-card")?.textContent?.includes("Loading"),
    );
    return { page, problems };
  }

  /** Pick `file` in the page; resolves with the Content-Length the page POSTed to /predict (answered 200). */
  async function upload(
    page: Page,
    file: string | { name: string; mimeType: string; buffer: Buffer },
  ): Promise<number> {
    const answered = page.waitForResponse(
      (r) => new URL(r.url()).pathname === "/predict" && r.request().method() === "POST",
      { timeout: 60_000 },
    );
    await page.setInputFiles("#file-input", file);
    const response = await answered;
    expect(response.status(), `the page's POST /predict: ${await response.text()}`).toBe(200);
    await page.waitForFunction(
      () => !document.querySelector("#result")?.hasAttribute("aria-busy"),
      undefined,
      {
        timeout: 60_000,
      },
    );
    expect(await page.isHidden("#error"), (await page.textContent("#error")) ?? "").toBe(true);
    return Number((await response.request().allHeaders())["content-length"] ?? -1);
  }

  it("draws exactly the worker's faces, names the known one, and the keyboard picks a face's top-k", async () => {
    // A sample photo in which the worker finds a gallery person (the detector misses some faces).
    // Both the direct request and the page get the same 1536-px JPEG, which the page uploads
    // unchanged (it is under the page's 2048-px shrink), so the page must draw exactly the faces
    // found here.
    let chosen: { jpeg: Buffer; label: string; answer: PredictResponse } | undefined;
    for (const person of gallery.people) {
      const photo = await sharp(samplePhotoPath(person.photo))
        .resize({ width: UPLOAD_WIDTH })
        .jpeg()
        .toBuffer();
      const response = await worker.fetch("/predict", { method: "POST", body: new Uint8Array(photo) });
      const text = await response.text();
      expect(response.status, `sample${person.photo}.jpg at ${UPLOAD_WIDTH} px: ${text}`).toBe(200);
      const answer = JSON.parse(text) as PredictResponse;
      if (answer.faces?.some((f) => f.label === person.label)) {
        chosen = { jpeg: photo, label: person.label, answer };
        break;
      }
    }
    expect(chosen, "the worker recognises at least one gallery person in its photo").toBeDefined();
    const { jpeg, label, answer } = chosen!;
    const faces = answer.faces!;

    const { page, problems } = await openPage();
    await expect(page.textContent("#model-card")).resolves.toContain("Face recognition");
    const sent = await upload(page, { name: "photo.jpg", mimeType: "image/jpeg", buffer: jpeg });
    // The page sends the photo as it is, since it fits the limits (a re-encode would differ).
    expect(sent).toBe(jpeg.byteLength);
    expect(await page.$eval("#photo", (img) => (img as HTMLImageElement).naturalWidth)).toBe(UPLOAD_WIDTH);

    const boxes = page.locator(".face-box");
    await expect.poll(() => boxes.count()).toBe(faces.length);
    const tags = await page.locator(".face-tag").allTextContents();
    expect(tags.map((t) => (t === "unknown" ? t : t.replace(/ [\d.]+%$/, "")))).toEqual(
      faces.map((f) => f.label),
    );
    const index = faces.findIndex((f) => f.label === label);
    expect(tags[index]).toMatch(new RegExp(`^${label} \\d+(\\.\\d)?%$`));
    const count = faces.length;
    expect(await page.getAttribute("#photo", "alt")).toBe(
      `Your photo, with ${count} ${count === 1 ? "face" : "faces"} marked`,
    );

    // Several faces: a list beside the photo names every one, in the answer's order.
    if (count > 1) {
      expect(await page.isVisible("#face-list-panel")).toBe(true);
      expect(await page.locator("#face-list .face-item-button").allTextContents()).toEqual(
        tags.map((t, i) => `${i + 1}. ${t}`),
      );
    } else expect(await page.isHidden("#face-list-panel")).toBe(true);

    // Every box is drawn where the worker's fractions put it on the displayed photo.
    const photo = (await page.locator("#photo").boundingBox())!;
    for (const [i, face] of faces.entries()) {
      const drawn = (await boxes.nth(i).boundingBox())!;
      expect(Math.abs(drawn.x - (photo.x + face.box.left * photo.width))).toBeLessThan(2);
      expect(Math.abs(drawn.y - (photo.y + face.box.top * photo.height))).toBeLessThan(2);
      expect(Math.abs(drawn.width - face.box.width * photo.width)).toBeLessThan(2);
      expect(Math.abs(drawn.height - face.box.height * photo.height)).toBeLessThan(2);
    }

    // Keyboard: Tab into the boxes, move with the arrows, Enter selects; the chart follows.
    await page.focus("#choose-button");
    await page.keyboard.press("Tab");
    for (let i = 0; i < index; i++) await page.keyboard.press("ArrowRight");
    await page.keyboard.press("Enter");
    await expect(page.textContent("#chart-heading")).resolves.toBe(`Face ${index + 1}: ${label}`);
    expect(await page.locator("#bars .bar-label").allTextContents()).toEqual(
      faces[index]!.predictions.map((p) => p.label),
    );
    const stranger = faces.findIndex((f) => f.label === "unknown");
    if (stranger >= 0) {
      await page.focus(`.face-box[data-index="${stranger}"]`);
      await page.keyboard.press(" ");
      await expect(page.textContent("#chart-heading")).resolves.toBe(`Face ${stranger + 1}: unknown`);
      await expect(page.textContent("#chart-note")).resolves.toContain("Not close enough");
      await page.focus(`.face-box[data-index="${index}"]`);
      await page.keyboard.press("Enter");
    }

    if (count > 1) {
      // Choosing a face in the list selects it (the chart follows), as its box does.
      await page.locator("#face-list .face-item-button").nth(index).click();
      await expect(page.textContent("#chart-heading")).resolves.toBe(`Face ${index + 1}: ${label}`);
    }
    await page.screenshot({ path: join(BROWSER_OUTPUT_DIR, "page-worker-faces.png"), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });

  it("says so when a photo has no face", async () => {
    const { page, problems } = await openPage();
    // The picture test/edge/face.test.ts checks the worker finds no face in: a rectangle on blue.
    const { data, info } = await sharp({
      create: { width: 640, height: 400, channels: 3, background: { r: 40, g: 120, b: 200 } },
    })
      .composite([
        {
          input: Buffer.from(
            '<svg width="640" height="400"><rect x="100" y="80" width="300" height="200" fill="orange"/></svg>',
          ),
        },
      ])
      .raw()
      .toBuffer({ resolveWithObject: true });
    const noFace = await sharp(data, { raw: info }).jpeg().toBuffer();
    await upload(page, { name: "no-face.jpg", mimeType: "image/jpeg", buffer: noFace });
    await expect(page.textContent("#photo-caption")).resolves.toBe("No face found.");
    expect(await page.locator(".face-box").count()).toBe(0);
    await expect(page.textContent("#status")).resolves.toMatch(/no face/i);
    await page.screenshot({ path: join(BROWSER_OUTPUT_DIR, "page-worker-no-face.png"), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });
});
