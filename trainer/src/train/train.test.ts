import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_ADAM } from "./adam-options.ts";
import { BestTracker, EarlyStopping, type EpochLogs } from "./callbacks.ts";
import { loadBestWeights } from "./checkpoint.ts";
import { inMemoryTrainingData } from "./data-source.ts";
import { type FitOptions, fit } from "./fit.ts";
import { collectingReporter, consoleReporter } from "./progress.ts";
import { DEFAULT_SCHEDULE, learningRateAt } from "./schedule.ts";
import { TOY_IMAGE, tinyModel, toyExamples } from "./test-support.ts";

const IMAGE = TOY_IMAGE;
let root: string;

beforeAll(async () => {
  await tf.setBackend("cpu");
  root = await mkdtemp(join(tmpdir(), "marquee-fit-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const data = inMemoryTrainingData({
  labels: ["a", "b", "c"],
  imageSize: IMAGE,
  seed: 5,
  train: toyExamples(20, 3, 1),
  validation: toyExamples(9, 3, 2),
});

const fitOptions = (epochs: number): FitOptions => ({
  epochs,
  batchSize: 8,
  seed: 11,
  schedule: { ...DEFAULT_SCHEDULE, initialLearningRate: 2e-2, decaySteps: 3 },
  adam: DEFAULT_ADAM,
  fromLogits: true,
  checkpoint: { monitor: "val_accuracy", mode: "max" },
  earlyStopping: null,
  checkpointEverySeconds: 0,
});

async function run(dir: string, epochs: number, extra: Partial<Parameters<typeof fit>[0]> = {}) {
  const model = tinyModel();
  const reporter = collectingReporter();
  const result = await fit(
    { model, data, checkpointDir: dir, reporter, runConfig: { test: 1 }, ...extra },
    fitOptions(epochs),
  );
  const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
  model.dispose();
  return { result, weights, lines: reporter.lines };
}

describe("learning-rate schedule", () => {
  it("decays 0.96× every 60 steps in a staircase", () => {
    expect(learningRateAt(DEFAULT_SCHEDULE, 0)).toBe(1e-4);
    expect(learningRateAt(DEFAULT_SCHEDULE, 59)).toBe(1e-4);
    expect(learningRateAt(DEFAULT_SCHEDULE, 60)).toBeCloseTo(0.96e-4, 15);
    expect(learningRateAt(DEFAULT_SCHEDULE, 120)).toBeCloseTo(0.9216e-4, 15);
    expect(learningRateAt({ ...DEFAULT_SCHEDULE, staircase: false }, 30)).toBeCloseTo(
      1e-4 * Math.sqrt(0.96),
      15,
    );
  });
});

const logs = (val_accuracy: number): EpochLogs => ({ loss: 1, accuracy: 0.5, val_loss: 1, val_accuracy });

describe("EarlyStopping", () => {
  it("stops after `patience` epochs without an improvement larger than min_delta", () => {
    const es = new EarlyStopping({ monitor: "val_accuracy", mode: "max", minDelta: 0.001, patience: 2 });
    expect(es.onEpochEnd(0, logs(0.5))).toBe(false);
    expect(es.onEpochEnd(1, logs(0.5005))).toBe(false); // +0.0005 is below min_delta: wait 1
    expect(es.onEpochEnd(2, logs(0.6))).toBe(false); // improvement resets
    expect(es.state.bestEpoch).toBe(2);
    expect(es.onEpochEnd(3, logs(0.55))).toBe(false);
    expect(es.onEpochEnd(4, logs(0.6009))).toBe(true);
    expect(es.state.stoppedEpoch).toBe(4);
  });
});

describe("BestTracker (checkpoint best val_accuracy)", () => {
  it("saves only on a strict improvement", () => {
    const best = new BestTracker({ monitor: "val_accuracy", mode: "max" });
    expect([0.2, 0.4, 0.4, 0.3, 0.5].map((v, i) => best.onEpochEnd(i, logs(v)))).toEqual([
      true,
      true,
      false,
      false,
      true,
    ]);
    expect(best.state).toEqual({ best: 0.5, bestEpoch: 4 });
    expect(best.onEpochEnd(5, logs(Number.NaN))).toBe(false);
  });
});

describe("consoleReporter off a terminal", () => {
  it("prints a progress line every tenth of an epoch and the epoch line, no bar", () => {
    const lines: string[] = [];
    const r = consoleReporter({ stream: { isTTY: false } as NodeJS.WriteStream, log: (l) => lines.push(l) });
    r.epochBegin({ epoch: 0, epochs: 2, steps: 20, fromStep: 0 });
    for (let s = 1; s <= 20; s++) r.stepEnd({ step: s, steps: 20, loss: 1 / s, accuracy: s / 20 });
    r.epochEnd("Epoch 1/2 - done");
    expect(lines.filter((l) => l.startsWith("  step "))).toHaveLength(9);
    expect(lines[0]).toMatch(/^ {2}step 2\/20 - loss: 0\.5000 - accuracy: 0\.1000 - \d+s$/);
    expect(lines.at(-1)).toBe("Epoch 1/2 - done");
    r.epochBegin({ epoch: 1, epochs: 2, steps: 20, fromStep: 5 });
    expect(lines.at(-1)).toBe("Epoch 2/2: resuming at step 6/20");
  });
});

describe("fit", () => {
  it("learns a toy problem, checkpoints the best epoch and prints Keras-style lines", async () => {
    const dir = join(root, "plain");
    const { result, lines } = await run(dir, 4);
    expect(result.stopReason).toBe("completed");
    expect(result.history.loss).toHaveLength(4);
    expect(result.history.loss[3]!).toBeLessThan(result.history.loss[0]!);
    expect(lines[0]).toMatch(
      /^Epoch 1\/4 - loss: \d+\.\d{4} - accuracy: \d\.\d{4} - val_loss: \d+\.\d{4} - val_accuracy: \d\.\d{4} - \d+s - \d+ms\/step$/,
    );
    const va = result.history.val_accuracy;
    const bestEpoch = va.indexOf(Math.max(...va));
    expect(result.bestEpoch).toBe(bestEpoch);
    const saved = await loadBestWeights(dir);
    expect(saved?.epoch).toBe(bestEpoch);
    expect(saved?.logs.val_accuracy).toBe(va[bestEpoch]);
    expect(result.steps).toBe(4 * 3);
    expect(result.history.learning_rate).toEqual(
      [0, 1, 2, 3].map((e) => learningRateAt(fitOptions(4).schedule, e * 3 + 2)),
    );
    expect((await readdir(dir)).sort()).toEqual(["best", "last"]);
  });

  it("is deterministic and resumes bit-exactly after a crash mid-epoch or after a shorter run", async () => {
    const straight = await run(join(root, "straight"), 4);
    const again = await run(join(root, "again"), 4);
    expect(again.weights).toEqual(straight.weights);

    // 2 epochs, then resume to 4.
    const dirA = join(root, "two-plus-two");
    await run(dirA, 2);
    const resumed = await run(dirA, 4, { resume: true });
    expect(resumed.result.history).toMatchObject({
      loss: straight.result.history.loss,
      accuracy: straight.result.history.accuracy,
      val_loss: straight.result.history.val_loss,
      val_accuracy: straight.result.history.val_accuracy,
    });
    expect(resumed.weights).toEqual(straight.weights);

    // A crash in the middle of epoch 3 (no mid-epoch checkpoint): resume redoes epoch 3 from its start.
    const dirB = join(root, "crash");
    await expect(
      run(dirB, 4, {
        afterStep: (s) => {
          if (s.epoch === 2 && s.batchInEpoch === 2) throw new Error("simulated kill");
        },
      }),
    ).rejects.toThrow("simulated kill");
    const afterCrash = await run(dirB, 4, { resume: true });
    expect(afterCrash.weights).toEqual(straight.weights);
    expect(afterCrash.result.history.val_accuracy).toEqual(straight.result.history.val_accuracy);
  });

  it("on abort (SIGINT) saves a mid-epoch checkpoint, and resuming from it matches the straight run", async () => {
    const straight = await run(join(root, "straight2"), 3);
    const dir = join(root, "sigint");
    const controller = new AbortController();
    const first = await run(dir, 3, {
      signal: controller.signal,
      afterStep: (s) => {
        if (s.epoch === 1 && s.batchInEpoch === 1) controller.abort();
      },
    });
    expect(first.result.stopReason).toBe("interrupted");
    expect(first.lines.at(-1)).toMatch(/Interrupted at epoch 2, step 1\/3/);
    const resumed = await run(dir, 3, { resume: true });
    expect(resumed.lines[0]).toMatch(/Resuming in epoch 2 after 1 of its steps/);
    expect(resumed.weights).toEqual(straight.weights);
    expect(resumed.result.history.loss).toEqual(straight.result.history.loss);
  });

  it("does not leak tensors across steps, epochs, checkpoints and resume", async () => {
    const before = tf.memory().numTensors;
    await run(join(root, "leak"), 2);
    await run(join(root, "leak"), 3, { resume: true });
    expect(tf.memory().numTensors).toBe(before);
  });

  it("refuses to resume a checkpoint from a different run", async () => {
    const dir = join(root, "plain");
    const model = tinyModel();
    await expect(
      fit(
        {
          model,
          data,
          checkpointDir: dir,
          reporter: collectingReporter(),
          runConfig: { test: 2 },
          resume: true,
        },
        fitOptions(5),
      ),
    ).rejects.toThrow(/different run/);
    model.dispose();
  });

  it("stops early when val_accuracy stalls", async () => {
    const model = tinyModel();
    const reporter = collectingReporter();
    const result = await fit(
      { model, data, checkpointDir: join(root, "early"), reporter, runConfig: {} },
      // A zero learning rate never improves anything, so patience 2 stops at the third epoch.
      {
        ...fitOptions(10),
        schedule: { ...DEFAULT_SCHEDULE, initialLearningRate: 0 },
        earlyStopping: { monitor: "val_accuracy", mode: "max", minDelta: 0.001, patience: 2 },
      },
    );
    model.dispose();
    expect(result.stopReason).toBe("early_stopping");
    expect(result.epochsDone).toBe(3);
    expect(reporter.lines.at(-1)).toMatch(/^Early stopping/);
  });
});
