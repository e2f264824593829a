/// <reference lib="dom" />
// A tiny real training run (generated photos → data pipeline → trainImageModel on the cpu backend) writes
// report.html; Chromium opens it from file:// and we check that it is complete, self-contained and drawn.
import { copyFile, mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  collectingReporter,
  type ImageTrainingOutcome,
  loadImageDataset,
  resolveTrainingOptions,
  selectBackend,
  silentLog,
  summarizeDataset,
  trainImageModel,
  trainingDataFromImageDataset,
  writeSampleGrid,
} from "@marquee/trainer";
import { tinyModel } from "@marquee/trainer/testing";
import sharp from "sharp";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  BROWSER_OUTPUT_DIR,
  type Browser,
  describeChromium,
  launchChromium,
  watchPageProblems,
} from "./chromium.ts";

const CLASSES = ["circle", "square", "stripe"];
const IMAGE_SIZE = 16;
const PER_CLASS = 8;

/** A photo of class `c`: a class-specific white shape on a seeded coloured background. */
function photoSvg(c: number, seed: number): string {
  const hue = (seed * 47) % 360;
  const shape = [
    '<circle cx="32" cy="32" r="18" fill="#fff"/>',
    '<rect x="14" y="14" width="36" height="36" fill="#fff"/>',
    '<rect x="0" y="26" width="64" height="12" fill="#fff"/>',
  ][c];
  const dot = `<circle cx="${8 + ((seed * 13) % 48)}" cy="${8 + ((seed * 29) % 48)}" r="5" fill="hsl(${(hue + 180) % 360},70%,30%)"/>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" fill="hsl(${hue},60%,45%)"/>${shape}${dot}</svg>`;
}

describeChromium("report.html of a tiny training run (Chromium)", "report.html", () => {
  let root: string;
  let outcome: ImageTrainingOutcome;
  let browser: Browser;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "marquee-report-run-"));
    const data = join(root, "data");
    for (const [c, name] of CLASSES.entries()) {
      await mkdir(join(data, name), { recursive: true });
      for (let i = 0; i < PER_CLASS; i++) {
        const png = await sharp(Buffer.from(photoSvg(c, c * 100 + i)))
          .png()
          .toBuffer();
        await writeFile(join(data, name, `${name}-${i}.png`), png);
      }
    }
    // A copy within a class, a copy filed under another class, and two files that are not photos.
    await copyFile(join(data, "circle", "circle-0.png"), join(data, "circle", "circle-0 copy.png"));
    await copyFile(join(data, "square", "square-1.png"), join(data, "stripe", "looks-like-a-square.png"));
    await writeFile(join(data, "stripe", "notes.txt"), "not a photo\n");
    await writeFile(join(data, "square", "empty.jpg"), "");

    const [, launched] = await Promise.all([selectBackend("cpu"), launchChromium()]);
    browser = launched;
    const seed = 7;
    const ds = await loadImageDataset(data, {
      imageSize: IMAGE_SIZE,
      validationSplit: 0.25,
      seed,
      cacheDir: join(root, "cache"),
      log: silentLog,
      progress: false,
    });
    const outDir = join(root, "run");
    await writeSampleGrid(ds.split.train, ds.classNames, join(outDir, "samples.png"), { cellSize: 64 });
    outcome = await trainImageModel(
      resolveTrainingOptions({
        outDir,
        name: "shapes",
        epochs: 4,
        batchSize: 8,
        learningRate: 0.02,
        seed,
        charts: false,
        printSummary: false,
      }),
      {
        data: trainingDataFromImageDataset(ds, seed, IMAGE_SIZE),
        dataset: ds.metadata(),
        backend: "cpu",
        buildArchitecture: () => tinyModel(CLASSES.length, IMAGE_SIZE),
        reporter: collectingReporter(),
        report: { dataset: summarizeDataset(ds), decodeSeconds: ds.decodeSeconds },
      },
    );
  });

  afterAll(async () => {
    await browser?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it("opens from file:// with every chart drawn, nothing fetched and no errors", async () => {
    expect(outcome.stopReason).toBe("completed");
    const reportPath = outcome.files.report!;
    expect(reportPath).toBe(join(root, "run", "report.html"));
    const size = (await stat(reportPath)).size;

    const page = await browser.newPage({ width: 1280, height: 900 });
    const problems = watchPageProblems(page);
    const requests: string[] = [];
    page.on("request", (r) => requests.push(r.url()));
    const url = pathToFileURL(reportPath).href;
    await page.goto(url, { waitUntil: "load" });

    // Only the page itself is loaded; images are data: URIs (Chromium does not report those as requests).
    expect(requests.filter((u) => u !== url && !u.startsWith("data:"))).toEqual([]);
    expect(problems).toEqual([]);

    await expect(page.title()).resolves.toBe("Training report: shapes");
    const headings = await page.locator("h2").allTextContents();
    expect(headings).toEqual([
      "Summary",
      "Sample images",
      "Accuracy and loss",
      "Confusion matrix",
      "Per-class accuracy",
      "Duplicates",
      "Skipped files",
      "Configuration",
      "Timings",
    ]);

    // Three charts, each an inline SVG with an accessible name, laid out at a real size and holding marks
    // (the curves' stacked phone layout is hidden on a wide screen).
    await expect(page.locator('figure.chart > svg[data-layout="narrow"]').isVisible()).resolves.toBe(false);
    const charts = page.locator("figure.chart > svg").filter({ visible: true });
    await expect(charts.count()).resolves.toBe(3);
    for (let i = 0; i < 3; i++) {
      const chart = charts.nth(i);
      const box = await chart.boundingBox();
      expect(box!.width).toBeGreaterThan(100);
      expect(box!.height).toBeGreaterThan(50);
      await expect(chart.getAttribute("aria-label")).resolves.toMatch(/\w/);
      await expect(chart.locator("g.role-mark > *").count()).resolves.toBeGreaterThan(2);
    }
    // Lines of the curves have drawn length.
    const lineBox = await page.locator("#curves-chart .mark-line path").first().boundingBox();
    expect(lineBox!.width).toBeGreaterThan(10);

    // The confusion matrix: N×N cells, each with an on-screen size; the counts add up to the validation set.
    const n = CLASSES.length;
    const cells = page.locator("#confusion-chart g.mark-rect.layer_0_marks > path");
    await expect(cells.count()).resolves.toBe(n * n);
    for (const box of await Promise.all((await cells.all()).map((c) => c.boundingBox()))) {
      expect(box!.width).toBeGreaterThan(5);
      expect(box!.height).toBeGreaterThan(5);
    }
    const countTable = page.locator("#confusion table");
    await expect(countTable.locator("tbody tr").count()).resolves.toBe(n);
    const counts = (await countTable.locator("tbody td").allTextContents()).map(Number);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(outcome.evaluation!.count);

    // The sample grid decoded from its data: URI.
    const img = page.locator("#samples img");
    await expect(img.getAttribute("src")).resolves.toMatch(/^data:image\/(png|jpeg);base64,/);
    await expect(img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth > 0)).resolves.toBe(
      true,
    );

    // What the data pipeline found.
    const duplicates = await page.locator("#duplicates").textContent();
    expect(duplicates).toContain("circle-0 copy.png");
    expect(duplicates).toMatch(/filed under more than one class/);
    expect(duplicates).toContain("stripe/looks-like-a-square.png");
    const skipped = await page.locator("#skipped").textContent();
    expect(skipped).toContain("stripe/notes.txt");
    expect(skipped).toContain("square/empty.jpg");
    const timings = await page.locator("#timings").textContent();
    expect(timings).toContain("decode and cache fill");
    expect(await page.locator("#timings table").nth(1).locator("tbody tr").count()).toBe(4);

    await page.screenshot({ path: join(BROWSER_OUTPUT_DIR, "report.png"), fullPage: true });
    console.log(`report.html: ${size} bytes; screenshot ${join(BROWSER_OUTPUT_DIR, "report.png")}`);
    await page.close();
  });

  it("fits a phone-sized screen without sideways scrolling of the page", async () => {
    const page = await browser.newPage({ width: 360, height: 740 });
    const problems = watchPageProblems(page);
    await page.goto(pathToFileURL(outcome.files.report!).href, { waitUntil: "load" });
    const layout = await page.evaluate(() => ({
      page: document.documentElement.scrollWidth,
      charts: [...document.querySelectorAll("figure.chart > svg")]
        .filter((s) => s.getBoundingClientRect().width > 0)
        .map((s) => ({ layout: s.getAttribute("data-layout"), width: s.getBoundingClientRect().width })),
    }));
    expect(layout.page).toBeLessThanOrEqual(360);
    // One chart per figure: the curves in their stacked layout, the others scaled to the screen.
    expect(layout.charts.map((c) => c.layout)).toEqual(["narrow", null, null]);
    for (const c of layout.charts) expect(c.width).toBeLessThanOrEqual(360);
    expect(problems).toEqual([]);
    await page.screenshot({ path: join(BROWSER_OUTPUT_DIR, "report-phone.png"), fullPage: true });
    await page.close();
  });
});
