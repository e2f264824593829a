import * as tf from "@tensorflow/tfjs";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { ScheduledAdam } from "./adam.ts";
import type { TrainingBatch } from "./data-source.ts";
import {
  activationFloatsPerExample,
  microBatchSizeFor,
  setMicroBatchSize,
  splitBatch,
} from "./micro-batch.ts";
import { trainableVariables, trainStep } from "./step.ts";

const SIZE = 8;
const CLASSES = 3;

beforeAll(async () => {
  await tf.setBackend("cpu");
});
afterEach(() => setMicroBatchSize("auto"));

function smallCnn(): tf.Sequential {
  const m = tf.sequential();
  m.add(
    tf.layers.conv2d({
      inputShape: [SIZE, SIZE, 3],
      filters: 4,
      kernelSize: 3,
      activation: "relu",
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
    }),
  );
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: CLASSES, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }));
  return m;
}

function batchOf(n: number): TrainingBatch {
  const xs = new Float32Array(n * SIZE * SIZE * 3);
  for (let i = 0; i < xs.length; i++) xs[i] = (i * 7919) % 255;
  return { xs, ys: Int32Array.from({ length: n }, (_, i) => i % CLASSES) };
}

async function oneStep(microBatch: number | "auto") {
  setMicroBatchSize(microBatch);
  const model = smallCnn();
  const variables = trainableVariables(model);
  const adam = new ScheduledAdam(variables, {
    initialLearningRate: 0.01,
    decaySteps: 10,
    decayRate: 1,
    staircase: true,
  });
  const result = await trainStep(model, adam, variables, batchOf(6), {
    imageSize: SIZE,
    numClasses: CLASSES,
    fromLogits: true,
  });
  const weights = variables.map((v) => Array.from(v.dataSync()));
  adam.dispose();
  model.dispose();
  return { result, weights };
}

describe("micro-batches", () => {
  it("split a batch into consecutive views", () => {
    const parts = splitBatch(batchOf(5), 2);
    expect(parts.map((p) => Array.from(p.ys))).toEqual([[0, 1], [2, 0], [1]]);
    expect(parts[2]!.xs.length).toBe(SIZE * SIZE * 3);
    expect(parts[1]!.xs[0]).toBe(batchOf(5).xs[2 * SIZE * SIZE * 3]);
  });

  it("give the whole batch's loss, accuracy and update", async () => {
    const whole = await oneStep("auto");
    const before = tf.memory().numTensors;
    const split = await oneStep(4); // parts of 4 and 2: the weighting by size matters
    expect(tf.memory().numTensors).toBe(before);
    expect(split.result.count).toBe(6);
    expect(split.result.correct).toBe(whole.result.correct);
    expect(split.result.loss).toBeCloseTo(whole.result.loss, 5);
    // Adam's first step moves each weight by ~lr·sign(g), so compare the moves, not just the weights.
    const initial = smallCnn();
    const start = initial.trainableWeights.map((w) => Array.from(w.read().dataSync()));
    initial.dispose();
    whole.weights.forEach((w, i) => {
      w.forEach((x, j) => {
        const moved = x - start[i]![j]!;
        expect(Math.abs(split.weights[i]![j]! - start[i]![j]! - moved)).toBeLessThan(1e-4 * 0.01 + 1e-7);
      });
    });
    expect(whole.weights[2]!.some((x, j) => Math.abs(x - start[2]![j]!) > 1e-3)).toBe(true);
  });

  it("auto leaves batches whole off wasm and for models that fit", () => {
    const model = smallCnn();
    expect(activationFloatsPerExample(model)).toBe(6 * 6 * 4 * 2 + CLASSES);
    expect(microBatchSizeFor(model, 32)).toBe(32);
    setMicroBatchSize(5);
    expect(microBatchSizeFor(model, 32)).toBe(5);
    expect(() => setMicroBatchSize(0)).toThrow(RangeError);
    model.dispose();
  });
});
