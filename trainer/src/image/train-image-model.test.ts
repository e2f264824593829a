import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadExportedModel } from "../export/load-model.ts";
import { inMemoryTrainingData } from "../train/data-source.ts";
import { collectingReporter } from "../train/progress.ts";
import { TOY_IMAGE, tinyModel, toyExamples } from "../train/test-support.ts";
import { resolveTrainingOptions } from "./options.ts";
import { type ImageTrainingDeps, trainImageModel } from "./train-image-model.ts";

let root: string;
beforeAll(async () => {
  await tf.setBackend("cpu");
  root = await mkdtemp(join(tmpdir(), "marquee-run-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const labels = ["ann", "bob", "cat"];
const validation = toyExamples(9, 3, 2);
const data = inMemoryTrainingData({
  labels,
  imageSize: TOY_IMAGE,
  seed: 5,
  train: toyExamples(24, 3, 1),
  validation,
});
const dataset = {
  fingerprint: "a".repeat(64),
  images: 33,
  classes: 3,
  trainImages: 24,
  validationImages: 9,
  duplicateGroups: 0,
  validationSplit: 0.27,
  seed: 5,
};
const deps = (
  extra: Partial<ImageTrainingDeps> = {},
): ImageTrainingDeps & { reporter: ReturnType<typeof collectingReporter> } => ({
  data,
  dataset,
  backend: "cpu",
  buildArchitecture: () => tinyModel(),
  ...extra,
  reporter: collectingReporter(),
});
const options = (outDir: string, extra = {}) =>
  resolveTrainingOptions({
    outDir,
    name: "toy",
    epochs: 5,
    batchSize: 8,
    learningRate: 0.02,
    charts: false,
    ...extra,
  });

describe("trainImageModel", () => {
  it("trains, evaluates the best weights, and exports a model whose predictions match the evaluation", async () => {
    const outDir = join(root, "full");
    const d = deps();
    const outcome = await trainImageModel(options(outDir, { charts: true }), d);
    expect(outcome.stopReason).toBe("completed");
    const va = outcome.history.val_accuracy;
    expect(outcome.bestEpoch).toBe(va.indexOf(Math.max(...va)) + 1);
    expect(outcome.evaluation!.accuracy).toBe(Math.max(...va));
    expect(outcome.evaluation!.confusion.flat().reduce((a, b) => a + b, 0)).toBe(9);
    expect((await readdir(outDir)).sort()).toEqual(
      [
        "checkpoints",
        "confusion-matrix.png",
        "curves.png",
        "evaluation.json",
        "history.json",
        "model",
        "per-class-accuracy.png",
        "report.html",
      ].sort(),
    );

    const loaded = await loadExportedModel(join(outDir, "model"));
    expect(loaded.metadata).toMatchObject({
      name: "toy",
      labels,
      architecture: "seed-cnn",
      output: "logits",
      input: { width: TOY_IMAGE, height: TOY_IMAGE, channels: 3 },
      preprocessing: { normalization: { kind: "scale", scale: 1, offset: 0 } },
      training: { backend: "cpu", epochs: 5, bestEpoch: outcome.bestEpoch, batchSize: 8 },
      metrics: { valAccuracy: outcome.evaluation!.accuracy },
      dataset,
    });
    // The export's own predictions on the validation set reproduce the reported accuracy.
    const x = tf.tensor4d(
      validation.images.flatMap((img) => Array.from(img)),
      [9, TOY_IMAGE, TOY_IMAGE, 3],
    );
    const predicted = Array.from((loaded.model.predict(x) as tf.Tensor).argMax(-1).dataSync());
    const correct = predicted.filter((p, i) => p === validation.labels[i]).length;
    expect(correct / 9).toBe(loaded.metadata.metrics.valAccuracy);
    const history = JSON.parse(await readFile(join(outDir, "history.json"), "utf8"));
    expect(history.history.val_accuracy).toEqual(va);
    expect(d.reporter.lines.filter((l) => l.startsWith("Epoch ")).length).toBe(5);
    expect(d.reporter.lines[0]).toMatch(/^Model: "sequential.*Total params: /s);
    expect(outcome.files.report).toBe(join(outDir, "report.html"));
    const report = await readFile(outcome.files.report!, "utf8");
    expect(report).toContain(`<th scope="row" class="num">${outcome.bestEpoch} (best)</th>`);
    x.dispose();
    loaded.model.dispose();
  });

  it("reports the accuracy change of a uint8 export and records the dtype", async () => {
    const outDir = join(root, "uint8");
    const d = deps();
    const outcome = await trainImageModel(options(outDir, { weightDtype: "uint8", epochs: 3 }), d);
    expect(outcome.quantization).toMatchObject({
      dtype: "uint8",
      float32Accuracy: outcome.evaluation!.accuracy,
    });
    expect(outcome.quantization!.change).toBeCloseTo(
      outcome.quantization!.exportedAccuracy - outcome.quantization!.float32Accuracy,
      12,
    );
    const loaded = await loadExportedModel(join(outDir, "model"));
    expect(loaded.metadata.weights.dtype).toBe("uint8");
    expect(loaded.metadata.metrics.valAccuracy).toBe(outcome.quantization!.exportedAccuracy);
    expect(d.reporter.lines.some((l) => /uint8 weights: validation accuracy/.test(l))).toBe(true);
    loaded.model.dispose();
  });

  it("stops on abort without exporting, then --resume finishes with the same result as a straight run", async () => {
    const straight = await trainImageModel(options(join(root, "straight")), deps());
    const outDir = join(root, "interrupted");
    const controller = new AbortController();
    const first = await trainImageModel(
      options(outDir),
      deps({
        signal: controller.signal,
        afterStep: (s) => {
          if (s.epoch === 2 && s.batchInEpoch === 1) controller.abort();
        },
      }),
    );
    expect(first.stopReason).toBe("interrupted");
    expect(first.exported).toBeNull();
    expect(await readdir(outDir)).not.toContain("model");
    const resumed = await trainImageModel(options(outDir, { resume: true }), deps());
    expect(resumed.history.val_loss).toEqual(straight.history.val_loss);
    expect(resumed.evaluation).toEqual(straight.evaluation);
  });

  it("refuses to train without validation images", async () => {
    const noValidation = inMemoryTrainingData({
      labels,
      imageSize: TOY_IMAGE,
      seed: 5,
      train: toyExamples(6, 3, 1),
      validation: { images: [], labels: [] },
    });
    await expect(trainImageModel(options(join(root, "noval")), deps({ data: noValidation }))).rejects.toThrow(
      /validation split is empty/,
    );
  });

  it("refuses --resume when there is nothing to resume", async () => {
    await expect(trainImageModel(options(join(root, "empty"), { resume: true }), deps())).rejects.toThrow(
      /Nothing to resume/,
    );
  });
});
