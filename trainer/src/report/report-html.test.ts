import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findDuplicates } from "../data/duplicates.ts";
import { splitDataset } from "../data/split.ts";
import type { DatasetFile } from "../data/types.ts";
import { emptyHistory, recordEpoch } from "../train/history.ts";
import { summarizeDataset } from "./dataset-summary.ts";
import { runEnvironment } from "./environment.ts";
import { prefixSvgIds } from "./inline-chart.ts";
import { renderTrainingReport, type TrainingReportInput, writeTrainingReport } from "./report-html.ts";

const labels = ["ann", "bob", "c<at>"];
const root = "/data/toy";
// 18 files, 6 per class; file 3 is a byte copy of file 0 (same class), file 7 a copy of file 2 filed
// under another class (a cross-class group).
const files: DatasetFile[] = Array.from({ length: 18 }, (_, i) => ({
  path: `${root}/${labels[i % 3]}/img-${i}.png`,
  classIndex: i % 3,
  bytes: 100,
  sha256: (i === 3 ? "0" : i === 7 ? "2" : String(i)).padStart(64, "0"),
  format: "png",
  width: 10,
  height: 10,
}));
const duplicates = findDuplicates(files, null);
const split = splitDataset(files, duplicates.unitOf, { validationSplit: 0.34, seed: 5 });

const history = emptyHistory();
for (let e = 0; e < 4; e++) {
  recordEpoch(
    history,
    e,
    { loss: 1.1 - e * 0.2, accuracy: 0.4 + e * 0.1, val_loss: 1.2 - e * 0.15, val_accuracy: 0.33 + e * 0.11 },
    { learningRate: 0.01 * 0.9 ** e, seconds: 1.5 + e, msPerStep: 40 },
  );
}

let dir: string;
let samplesPng: Buffer;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "marquee-report-"));
  samplesPng = await sharp({ create: { width: 40, height: 30, channels: 3, background: "#c04020" } })
    .png()
    .toBuffer();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function input(extra: Partial<TrainingReportInput> = {}): TrainingReportInput {
  return {
    name: "toy <run>",
    modelKind: "Image classifier",
    architecture: "seed-cnn",
    createdAt: "2026-11-27T23:00:00.000Z",
    labels,
    history,
    bestEpoch: 4,
    stopReason: "completed",
    evaluation: {
      count: 6,
      loss: 0.7,
      accuracy: 4 / 6,
      confusion: [
        [2, 0, 0],
        [1, 1, 0],
        [0, 1, 1],
      ],
      perClassAccuracy: [1, 0.5, 0.5],
    },
    exported: { dir: "/runs/toy/model", weightBytes: 1234, weightDtype: "float32" },
    parameters: 567,
    samples: samplesPng,
    dataset: summarizeDataset({
      root,
      classNames: labels,
      files,
      skipped: [
        { path: `${root}/notes.txt`, reason: "not an image (no known signature)" },
        { path: `${root}/ann/broken.jpg`, reason: "corrupt image: truncated" },
      ],
      duplicates,
      split,
      fingerprint: "f".repeat(64),
    }),
    configuration: { model: "seed-cnn", epochs: 4, batchSize: 8, seed: 5, learningRate: 0.01 },
    environment: runEnvironment("cpu"),
    timings: {
      phases: [
        { name: "decode and cache fill", seconds: 0.25 },
        { name: "training", seconds: 12 },
      ],
      totalSeconds: 13,
    },
    ...extra,
  };
}

/** The markup of `<section id=…>`. */
function section(html: string, id: string): string {
  const start = html.indexOf(`<section id="${id}"`);
  expect(start, `section ${id}`).toBeGreaterThan(-1);
  return html.slice(start, html.indexOf("</section>", start));
}

/** Every `<figure class="chart">`'s SVG must be real vega output with drawn marks. */
function expectChartWithMarks(part: string, markKind: string): string {
  const svg = part.match(/<figure class="chart"[^>]*>(<svg[\s\S]*?<\/svg>)/)?.[1];
  expect(svg, "inline svg").toBeDefined();
  expect(svg!).toMatch(/^<svg role="img" aria-label="[^"]+"/);
  expect(svg!).toMatch(new RegExp(`<g class="mark-${markKind} role-mark[^"]*"[^>]*><path `));
  expect(svg!).toMatch(/ d="M[\d.-]/); // some geometry was drawn
  return svg!;
}

describe("renderTrainingReport", () => {
  it("has every section, inline SVG charts with marks, and escapes names", async () => {
    const html = await renderTrainingReport(input());
    for (const id of [
      "summary",
      "samples",
      "curves",
      "confusion",
      "per-class",
      "duplicates",
      "skipped",
      "configuration",
      "timings",
    ]) {
      expect(html).toContain(`<section id="${id}" aria-labelledby="${id}-h">`);
      expect(html).toContain(`<a href="#${id}">`);
    }
    expect(html).not.toContain('id="open-set"');

    expectChartWithMarks(section(html, "curves"), "line");
    const cm = expectChartWithMarks(section(html, "confusion"), "rect");
    // One rect per matrix cell: 3 × 3.
    const cellGroup = cm.match(
      /<g class="mark-rect role-mark layer_0_marks"[^>]*>((?:<path [^>]*\/>)*)<\/g>/,
    )?.[1];
    expect(cellGroup?.match(/<path /g)?.length).toBe(9);
    // The curves' side-by-side panels get a stacked copy for phones, with ids of its own.
    const curves = section(html, "curves");
    expect(curves).toContain('data-layout="wide"');
    expect(curves).toContain('data-layout="narrow"');
    expectChartWithMarks(section(html, "per-class"), "rect");

    // Self-contained and strict: no script, nothing external, the one style allowed by its hash.
    expect(html).not.toMatch(/<script|<link|@import|https?:\/\/(?!www\.w3\.org)/i);
    const csp = html.match(/http-equiv="Content-Security-Policy" content="([^"]+)"/)?.[1];
    expect(csp).toMatch(/default-src 'none'; img-src data:; style-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(html.match(/<style>/g)?.length).toBe(1);
    expect(html).not.toMatch(/\sstyle="/);
    expect(section(html, "samples")).toMatch(
      /<img src="data:image\/png;base64,[A-Za-z0-9+/=]+" alt="[^"]+">/,
    );

    // Names from the data are escaped everywhere, in text and in charts.
    expect(html).not.toContain("c<at>");
    expect(html).not.toContain("toy <run>");
    expect(html).toContain("c&lt;at&gt;");

    // Tables carry the numbers too, with captions.
    const confusion = section(html, "confusion");
    expect(confusion).toContain(
      "<caption>Confusion matrix counts (rows actual, columns predicted)</caption>",
    );
    expect(confusion).toMatch(/<th scope="row">bob<\/th><td class="num">1<\/td><td class="num">1<\/td>/);
  });

  it("shows duplicates with examples, the cross-class warning, leakage, and skipped files with reasons", async () => {
    const html = await renderTrainingReport(input());
    const dup = section(html, "duplicates");
    expect(dup).toContain("2 groups of the same photo (2 byte-identical");
    expect(dup).toContain('class="warning"');
    expect(dup).toContain("<strong>1 photo is filed under more than one class</strong>");
    expect(dup).toContain(
      "<li>bob / c&lt;at&gt;: <code>c&lt;at&gt;/img-2.png</code>, <code>bob/img-7.png</code></li>",
    );
    expect(dup).toContain("<code>ann/img-3.png</code>");
    expect(dup).toContain("<code>c&lt;at&gt;/img-2.png</code>");
    expect(dup).toContain("naive random split");
    // Our split keeps groups together: no leaks in the row of the split used.
    expect(dup).toMatch(
      /duplicate-aware \(used\)<\/th><td class="num">\d+<\/td><td class="num">0<\/td><td class="num">0<\/td>/,
    );
    const skipped = section(html, "skipped");
    expect(skipped).toContain("<code>notes.txt</code>");
    expect(skipped).toContain("corrupt image: truncated");
    const timings = section(html, "timings");
    expect(timings).toContain("decode and cache fill");
    expect(timings.match(/<tr><th scope="row" class="num">\d<\/th>/g)?.length).toBe(4);
    const config = section(html, "configuration");
    expect(config).toContain("<code>@tensorflow/tfjs</code>");
    expect(config).toContain("learningRate");
  });

  it("shows a task's summary facts and extra sections after the per-class results", async () => {
    const html = await renderTrainingReport(
      input({
        modelKind: "Odd <model>",
        summaryFacts: [["Rejection rule", "distance ≤ 0.25"]],
        sections: [{ id: "extra", title: "Extra & more", render: async () => "<p>task markup</p>" }],
      }),
    );
    expect(html).toContain('<p class="lead">Odd &lt;model&gt; <code>seed-cnn</code>');
    expect(section(html, "summary")).toContain("distance ≤ 0.25");
    expect(section(html, "extra")).toContain("<p>task markup</p>");
    expect(html).toContain('<a href="#extra">Extra &amp; more</a>');
    expect(html.indexOf('<section id="per-class"')).toBeLessThan(html.indexOf('<section id="extra"'));
    expect(html.indexOf('<section id="extra"')).toBeLessThan(html.indexOf('<section id="duplicates"'));
  });

  it("warns in the summary when the validation set is tiny, and not when it is large", async () => {
    const small = section(await renderTrainingReport(input()), "summary");
    expect(small).toContain("Read the validation figures with care");
    expect(small).toContain("Only 6 validation photos");
    expect(small).toContain("3 classes have fewer than 3 validation photos");
    const large = section(
      await renderTrainingReport(
        input({
          evaluation: {
            count: 60,
            loss: 0.2,
            accuracy: 55 / 60,
            confusion: [
              [19, 1, 0],
              [1, 18, 1],
              [0, 2, 18],
            ],
            perClassAccuracy: [0.95, 0.9, 0.9],
          },
        }),
      ),
      "summary",
    );
    expect(large).not.toContain("Read the validation figures with care");
  });

  it("writes the file, and a broken sample image becomes a note instead of failing the report", async () => {
    const path = join(dir, "report.html");
    const bytes = await writeTrainingReport(path, input({ samples: new Uint8Array([1, 2, 3]) }));
    const html = await readFile(path, "utf8");
    expect(Buffer.byteLength(html)).toBe(bytes);
    expect(section(html, "samples")).toContain("could not be embedded");
    expectChartWithMarks(section(html, "confusion"), "rect");
  });
});

describe("summarizeDataset", () => {
  it("rebuilds the files from the split when not given (a FaceDataset has no files array)", () => {
    const parts = { root, classNames: labels, skipped: [], duplicates, split, fingerprint: "f".repeat(64) };
    expect(summarizeDataset(parts)).toEqual(summarizeDataset({ ...parts, files }));
    expect(summarizeDataset(parts).duplicates.crossClass[0]!.examples).toEqual([
      "c<at>/img-2.png",
      "bob/img-7.png",
    ]);
  });
});

describe("long runs", () => {
  it("list every k-th epoch plus the first, best and last in the per-epoch tables", async () => {
    const long = emptyHistory();
    for (let e = 0; e < 100; e++) {
      recordEpoch(
        long,
        e,
        {
          loss: 1 / (e + 1),
          accuracy: e / 100,
          val_loss: 1 / (e + 1),
          val_accuracy: e === 36 ? 0.99 : e / 200,
        },
        { learningRate: 0.01, seconds: 2, msPerStep: 10 },
      );
    }
    const html = await renderTrainingReport(input({ history: long, bestEpoch: 37 }));
    const curves = section(html, "curves");
    const epochs = [...curves.matchAll(/<tr><th scope="row" class="num">(\d+)/g)].map((m) => Number(m[1]));
    expect(epochs).toEqual([
      1, 4, 8, 12, 16, 20, 24, 28, 32, 36, 37, 40, 44, 48, 52, 56, 60, 64, 68, 72, 76, 80, 84, 88, 92, 96,
      100,
    ]);
    expect(curves).toContain("37 (best)");
    expect(curves).toContain("history.json has all 100");
    // The chart still draws all 100 epochs.
    expect(curves).toContain("Accuracy and loss per epoch");
  });
});

describe("prefixSvgIds", () => {
  it("renames ids and the references to them, leaving other text alone", () => {
    const svg =
      '<svg><defs><linearGradient id="gradient_0"/></defs><path fill="url(#gradient_0)"/><use href="#gradient_0"/><text>url(#other)</text></svg>';
    expect(prefixSvgIds(svg, "cm")).toBe(
      '<svg><defs><linearGradient id="cm-gradient_0"/></defs><path fill="url(#cm-gradient_0)"/><use href="#cm-gradient_0"/><text>url(#other)</text></svg>',
    );
  });
});
