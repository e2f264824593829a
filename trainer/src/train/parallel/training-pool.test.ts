import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initWasmBackend } from "../../backend/index.ts";
import { ScheduledAdam } from "../adam.ts";
import type { TrainingBatch } from "../data-source.ts";
import { setMicroBatchSize } from "../micro-batch.ts";
import { seedDropout, trainableVariables, trainStep } from "../step.ts";
import { TOY_IMAGE, tinyModel, toyExamples } from "../test-support.ts";
import { TrainingPool } from "./training-pool.ts";

const SCHEDULE = { initialLearningRate: 0.01, decaySteps: 3, decayRate: 0.9, staircase: true };
const CONFIG = { imageSize: TOY_IMAGE, numClasses: 3, fromLogits: true };

/** Batches of 7 toy images (odd, so the shards are 4 + 3). */
function batches(count: number): TrainingBatch[] {
  const ex = toyExamples(7 * count, 3, 9);
  return Array.from({ length: count }, (_, b) => {
    const xs = new Float32Array(7 * TOY_IMAGE * TOY_IMAGE * 3);
    for (let i = 0; i < 7; i++) xs.set(ex.images[b * 7 + i]!, i * TOY_IMAGE * TOY_IMAGE * 3);
    return { xs, ys: Int32Array.from(ex.labels.slice(b * 7, b * 7 + 7)) };
  });
}

/** A tiny model without Dropout: worker counts then differ only by float summation order. */
function noDropoutModel(): tf.LayersModel {
  const m = tinyModel();
  const input = tf.input({ shape: [TOY_IMAGE, TOY_IMAGE, 3] });
  let x: tf.SymbolicTensor = input;
  for (const layer of m.layers)
    if (layer.getClassName() !== "Dropout") x = layer.apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: x });
}

type Stepper = (
  model: tf.LayersModel,
  adam: ScheduledAdam,
  vars: tf.Variable[],
  batch: TrainingBatch,
) => Promise<{ loss: number; correct: number }>;

/** Trains a fresh model for three steps and returns its weights and the step results. */
async function run(build: () => tf.LayersModel, step: Stepper) {
  const model = build();
  const vars = trainableVariables(model);
  const adam = new ScheduledAdam(vars, SCHEDULE, undefined, "host");
  const results: { loss: number; correct: number }[] = [];
  for (const [k, batch] of batches(3).entries()) {
    seedDropout(model, { run: 4, epoch: 0, step: k });
    results.push(await step(model, adam, vars, batch));
  }
  const weights = vars.map((v) => Float32Array.from(v.dataSync() as Float32Array));
  adam.dispose();
  model.dispose();
  return { weights, results };
}

const serial: Stepper = (model, adam, vars, batch) => trainStep(model, adam, vars, batch, CONFIG);
const pooled =
  (pool: TrainingPool): Stepper =>
  (model, adam, vars, batch) =>
    pool.trainStep(model, adam, vars, batch, CONFIG);

describe("TrainingPool (data-parallel training on worker threads)", () => {
  const pools: TrainingPool[] = [];
  const start = async (build: () => tf.LayersModel, count: number) => {
    const m = build();
    const pool = await TrainingPool.start(m, count);
    m.dispose();
    pools.push(pool);
    return pool;
  };
  beforeAll(async () => {
    await initWasmBackend();
  });
  afterAll(async () => {
    setMicroBatchSize("auto");
    await Promise.all(pools.map((p) => p.close()));
  });

  it("2 workers compute exactly what trainStep computes in micro-batches of ⌈N/2⌉, and repeat bit for bit", async () => {
    const pool = await start(tinyModel, 2);
    const a = await run(tinyModel, pooled(pool));
    const b = await run(tinyModel, pooled(pool));
    setMicroBatchSize(4);
    const micro = await run(tinyModel, serial);
    setMicroBatchSize("auto");
    expect(a.results).toEqual(micro.results);
    a.weights.forEach((w, i) => {
      expect(w).toEqual(b.weights[i]);
      expect(w).toEqual(micro.weights[i]);
    });
    // The weights moved: the comparison is not between two untouched initialisations.
    const init = trainableVariables(tinyModel()).map((v) => v.dataSync());
    expect(a.weights[0]).not.toEqual(Float32Array.from(init[0]!));
  }, 120_000);

  it("1 worker equals the in-process step bit for bit", async () => {
    const pool = await start(tinyModel, 1);
    const one = await run(tinyModel, pooled(pool));
    const inProcess = await run(tinyModel, serial);
    expect(one.results).toEqual(inProcess.results);
    one.weights.forEach((w, i) => {
      expect(w).toEqual(inProcess.weights[i]);
    });
  }, 120_000);

  it("without Dropout, 2 workers and 1 differ only by float32 summation order", async () => {
    const pool = await start(noDropoutModel, 2);
    const two = await run(noDropoutModel, pooled(pool));
    const one = await run(noDropoutModel, serial);
    two.weights.forEach((w, i) => {
      const ref = one.weights[i]!;
      let maxDiff = 0;
      let scale = 0;
      for (let j = 0; j < w.length; j++) {
        maxDiff = Math.max(maxDiff, Math.abs(w[j]! - ref[j]!));
        scale = Math.max(scale, Math.abs(ref[j]!));
      }
      expect(maxDiff / scale, `variable ${i}`).toBeLessThan(1e-4);
    });
    two.results.forEach((r, k) => {
      expect(r.loss).toBeCloseTo(one.results[k]!.loss, 4);
    });
  }, 120_000);

  it("predicts like the main model, the batch split across workers", async () => {
    const model = tinyModel();
    const pool = await start(tinyModel, 2);
    const batch = batches(1)[0]!;
    const got = await pool.predict(batch.xs, [TOY_IMAGE, TOY_IMAGE, 3], trainableVariables(model));
    const want = tf.tidy(() =>
      (model.predict(tf.tensor(batch.xs, [7, TOY_IMAGE, TOY_IMAGE, 3])) as tf.Tensor).dataSync(),
    );
    expect(got).toEqual(Float32Array.from(want));
    model.dispose();
  }, 120_000);

  it("refuses a model with non-trainable weights", async () => {
    const m = tf.sequential({
      layers: [tf.layers.batchNormalization({ inputShape: [4] }), tf.layers.dense({ units: 2 })],
    });
    await expect(TrainingPool.start(m, 2)).rejects.toThrow(/non-trainable/);
    m.dispose();
  });
});
