// The page's "Teach a new person" form in real Chromium against the real worker (face fixture
// model, admin key set): teach a person from three photos, see them listed, identify a held-back
// photo and a stranger, and read the refusal of a wrong admin key.
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { FaceGallery } from "../fixtures/make-face-model.ts";
import { ensureFaceWorkerBuild } from "../helpers/face-worker.ts";
import { FIVE_VARIANTS, HELD_BACK, portrait } from "../helpers/gallery-faces.ts";
import { type RunningWorker, startWorker } from "../helpers/start-worker.ts";
import { type Browser, describeChromium, launchChromium, watchPageProblems } from "./chromium.ts";

const ADMIN = "page-admin-key-3";

describeChromium("page gallery form (worker, Chromium)", "page gallery form (worker)", () => {
  let worker: RunningWorker;
  let browser: Browser;
  let url: string;
  let people: FaceGallery["people"];

  beforeAll(async () => {
    const fixture = await ensureFaceWorkerBuild();
    people = fixture.gallery.people;
    [worker, browser] = await Promise.all([
      startWorker({ ...fixture.build, vars: { MARQUEE_ADMIN_KEY: ADMIN } }),
      launchChromium(),
    ]);
    url = (await worker.mf.ready).toString();
  });
  afterAll(async () => {
    await Promise.all([browser?.close(), worker?.dispose()]);
  });

  const jpeg = async (who: number, v = {}) => ({
    name: `face-${who}.jpg`,
    mimeType: "image/jpeg",
    buffer: Buffer.from(await portrait(people[who] as FaceGallery["people"][number], v)),
  });

  async function teach(page: Page, name: string, key: string, files: Awaited<ReturnType<typeof jpeg>>[]) {
    await page.fill("#gallery-name", "page-test");
    await page.fill("#person-name", name);
    await page.fill("#admin-key", key);
    await page.setInputFiles("#person-photos", files);
    await page.click("#teach-form button[type=submit]");
    await page.waitForFunction(
      () => /learnt/.test(document.querySelector("#teach-status")?.textContent ?? ""),
      undefined,
      {
        timeout: 120_000,
      },
    );
    return (await page.textContent("#teach-status")) ?? "";
  }

  async function identify(page: Page, file: Awaited<ReturnType<typeof jpeg>>) {
    await page.evaluate(() => {
      (document.querySelector("#identify-result") as HTMLElement).textContent = "";
    });
    await page.setInputFiles("#identify-photo", file);
    await page.waitForFunction(
      () => /Face 1|No face/.test(document.querySelector("#identify-result")?.textContent ?? ""),
      undefined,
      {
        timeout: 60_000,
      },
    );
    return (await page.textContent("#identify-result")) ?? "";
  }

  it("teaches a person from three photos, lists them, and identifies them and a stranger", async () => {
    const page = await browser.newPage();
    const problems = watchPageProblems(page);
    await page.goto(url);
    await page.waitForSelector("html.ready");
    const files = await Promise.all(FIVE_VARIANTS.slice(0, 3).map((v) => jpeg(0, v)));
    expect(await teach(page, "Ada Lovelace", ADMIN, files)).toContain(
      "Ada Lovelace: 3 of 3 photo(s) learnt, 3 face(s) in all.",
    );
    await page.waitForFunction(() =>
      document.querySelector("#gallery-people")?.textContent?.includes("Ada Lovelace (3 faces)"),
    );
    expect(await identify(page, await jpeg(0, HELD_BACK))).toMatch(
      /^Face 1: Ada Lovelace \(nearest: Ada Lovelace, distance 0\.\d\d\)/,
    );
    expect(await identify(page, await jpeg(1, HELD_BACK))).toMatch(
      /^Face 1: unknown \(nearest: Ada Lovelace/,
    );
    expect(problems).toEqual([]);
    await page.close();
  });

  it("shows the worker's refusal of a wrong admin key", async () => {
    const page = await browser.newPage();
    await page.goto(url);
    await page.waitForSelector("html.ready");
    const status = await teach(page, "Bob", "wrong-key", [await jpeg(2)]);
    expect(status).toContain("0 of 1 photo(s) learnt");
    expect(status).toContain("Gallery writes need Authorization: Bearer <MARQUEE_ADMIN_KEY>.");
    expect(await page.getAttribute("#teach-status", "class")).toContain("error-text");
    await page.close();
  });
});
