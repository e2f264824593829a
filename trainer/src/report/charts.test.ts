import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emptyHistory, recordEpoch } from "../train/history.ts";
import { writeTrainingCharts } from "./charts.ts";
import { renderSpecToSvg } from "./render.ts";
import { confusionMatrixSpec, perClassAccuracySpec, trainingCurvesSpec } from "./specs.ts";

const labels = ["Angelina Jolie", "Brad Pitt", "Zendaya"];
const confusion = [
  [5, 1, 0],
  [2, 3, 1],
  [0, 0, 4],
];
const history = emptyHistory();
for (let e = 0; e < 5; e++) {
  recordEpoch(
    history,
    e,
    { loss: 2 - e * 0.3, accuracy: 0.2 + e * 0.1, val_loss: 2.1 - e * 0.2, val_accuracy: 0.15 + e * 0.08 },
    { learningRate: 1e-4, seconds: 10, msPerStep: 300 },
  );
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "marquee-charts-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("chart specs", () => {
  it("render to SVG with the class names and metric names in them", async () => {
    const cm = await renderSpecToSvg(confusionMatrixSpec(labels, confusion));
    for (const l of labels) expect(cm).toContain(l);
    expect(cm).toContain("predicted class");
    const curves = await renderSpecToSvg(trainingCurvesSpec(history));
    expect(curves).toContain("Accuracy");
    expect(curves).toContain("validation");
    const bars = await renderSpecToSvg(perClassAccuracySpec(labels, [0.5, null, 1]));
    expect(bars).toContain("no data");
    expect(bars).toContain("100%");
  });
});

describe("writeTrainingCharts", () => {
  it("writes three valid, non-blank PNGs", async () => {
    const paths = await writeTrainingCharts(dir, {
      history,
      labels,
      evaluation: { confusion, perClassAccuracy: [5 / 6, 0.5, 1] },
    });
    for (const path of Object.values(paths)) {
      const bytes = await readFile(path);
      expect(bytes.subarray(1, 4).toString("latin1")).toBe("PNG");
      const image = sharp(bytes);
      const meta = await image.metadata();
      expect(meta.format).toBe("png");
      expect(meta.width).toBeGreaterThan(300);
      const stats = await image.stats();
      // Something was drawn: not a single flat colour.
      expect(stats.channels[0]!.min).toBeLessThan(stats.channels[0]!.max);
    }
  });
});
