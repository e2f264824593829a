import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initWasmBackend } from "../backend/index.ts";
import { inMemoryTrainingData } from "../train/data-source.ts";
import { collectingReporter } from "../train/progress.ts";
import { TOY_IMAGE, tinyModel, toyExamples } from "../train/test-support.ts";
import { resolveTrainingOptions } from "./options.ts";
import { trainImageModel } from "./train-image-model.ts";

let root: string;
beforeAll(async () => {
  await initWasmBackend();
  root = await mkdtemp(join(tmpdir(), "marquee-workers-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const labels = ["ann", "bob", "cat"];
const data = inMemoryTrainingData({
  labels,
  imageSize: TOY_IMAGE,
  seed: 5,
  train: toyExamples(30, 3, 1),
  validation: toyExamples(9, 3, 2),
});
const dataset = {
  fingerprint: "b".repeat(64),
  images: 39,
  classes: 3,
  trainImages: 30,
  validationImages: 9,
  duplicateGroups: 0,
  validationSplit: 0.23,
  seed: 5,
};

async function train(dir: string, workers: number, epochs = 3, resume = false) {
  const reporter = collectingReporter();
  const outcome = await trainImageModel(
    resolveTrainingOptions({
      outDir: join(root, dir),
      name: "toy",
      epochs,
      resume,
      batchSize: 7,
      learningRate: 0.02,
      charts: false,
      printSummary: false,
      workers,
    }),
    { data, dataset, backend: "wasm", buildArchitecture: () => tinyModel(), reporter },
  );
  const metadata = JSON.parse(await readFile(join(root, dir, "model", "metadata.json"), "utf8"));
  const weights = await readFile(join(root, dir, "model", "group1-shard1of1.bin"));
  return { outcome, metadata, weights, messages: reporter.lines };
}

describe("trainImageModel --workers", () => {
  it("trains on 2 worker threads, records them, and repeats bit for bit", async () => {
    const a = await train("a", 2);
    const b = await train("b", 2);
    expect(a.outcome.workers).toBe(2);
    expect(a.metadata.training.workers).toBe(2);
    expect(a.messages.some((m) => m.startsWith("Training on 2 worker threads"))).toBe(true);
    expect(a.outcome.history).toMatchObject({
      loss: b.outcome.history.loss,
      val_accuracy: b.outcome.history.val_accuracy,
    });
    expect(a.weights.equals(b.weights)).toBe(true);
    // Learning happened: the loss fell.
    expect(a.outcome.history.loss.at(-1)!).toBeLessThan(a.outcome.history.loss[0]!);
  }, 180_000);

  it("resumes a 2-worker run bit for bit (the Adam state in shared memory is checkpointed)", async () => {
    const straight = await train("straight", 2, 2);
    await train("resumed", 2, 1);
    const resumed = await train("resumed", 2, 2, true);
    expect(resumed.outcome.history.loss).toEqual(straight.outcome.history.loss);
    expect(resumed.weights.equals(straight.weights)).toBe(true);
  }, 180_000);

  it("with 1 worker trains in-process and leaves workers out of the metadata", async () => {
    const one = await train("one", 1);
    expect(one.outcome.workers).toBe(1);
    expect(one.metadata.training.workers).toBeUndefined();
  }, 180_000);
});
