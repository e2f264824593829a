import * as tf from "@tensorflow/tfjs";
import { deriveSeed } from "../util/random.ts";
import type { ScheduledAdam } from "./adam.ts";
import type { TrainingBatch } from "./data-source.ts";
import { hostTensors, readFloats, releaseWeightOperators } from "./host-adam.ts";
import { categoricalCrossEntropy } from "./losses.ts";
import { microBatchSizeFor, splitBatch } from "./micro-batch.ts";

/** The shape of one example of a batch: `batch.shape`, or [imageSize, imageSize, 3] when it has none. */
export function batchShape(batch: TrainingBatch, imageSize: number): number[] {
  return [...(batch.shape ?? [imageSize, imageSize, 3])];
}

/** Turn a batch into tensors: xs [N,H,W,3] (or [N, ...batch.shape]) and one-hot ys [N,C]. Caller disposes. */
export function batchTensors(batch: TrainingBatch, imageSize: number, numClasses: number) {
  const n = batch.ys.length;
  const shape = batchShape(batch, imageSize);
  const xs = tf.tensor(batch.xs, [n, ...shape], "float32");
  const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(batch.ys, "int32"), numClasses).toFloat() as tf.Tensor2D);
  return { xs, ys, n };
}

/**
 * Give every Dropout layer a seed derived from (run seed, epoch, step, layer), so the masks of a step
 * do not depend on how many random numbers were drawn before it (a resumed run draws the same masks).
 * `null` clears them, e.g. before export, so model.json does not carry a training-time seed.
 */
export function seedDropout(
  model: tf.LayersModel,
  seed: { run: number; epoch: number; step: number } | null,
): void {
  model.layers.forEach((layer, index) => {
    if (layer.getClassName() !== "Dropout") return;
    (layer as unknown as { seed: number | undefined }).seed =
      seed === null ? undefined : deriveSeed(seed.run, "dropout", seed.epoch, seed.step, index);
  });
}

/** The trainable variables of a model in a fixed order. */
export function trainableVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

/** Loss (batch mean) and number of correct predictions of one training step. */
export interface StepResult {
  loss: number;
  correct: number;
  count: number;
}

/**
 * One optimiser step on one batch: forward in training mode (dropout on), loss, gradients, Adam update.
 * When the batch does not fit the backend's memory in one pass ({@link microBatchSizeFor}: VGG-16 on
 * wasm), it runs as micro-batches whose gradients are summed, weighted by size, in JS memory: the same
 * batch-mean gradient, one Adam update. Each micro-batch after the first re-derives the Dropout seeds
 * so its masks differ from the first's.
 */
export async function trainStep(
  model: tf.LayersModel,
  optimizer: ScheduledAdam,
  variables: tf.Variable[],
  batch: TrainingBatch,
  config: { imageSize: number; numClasses: number; fromLogits: boolean },
): Promise<StepResult> {
  const parts = splitBatch(batch, microBatchSizeFor(model, batch.ys.length));
  if (parts.length === 1) {
    const { value, grads, correct, n } = forwardBackward(model, variables, batch, config);
    optimizer.applyGradients(variables.map((v) => grads[v.name]!));
    const [lossValue, correctValue] = await Promise.all([value.data(), correct.data()]);
    tf.dispose([value, correct, ...Object.values(grads)]);
    return { loss: lossValue[0]!, correct: correctValue[0]!, count: n };
  }

  const total = batch.ys.length;
  const sums = variables.map((v) => new Float32Array(v.size));
  const dropoutSeeds = model.layers.map((layer) => (layer as unknown as { seed?: number }).seed);
  let lossSum = 0;
  let correctSum = 0;
  try {
    for (const [k, part] of parts.entries()) {
      if (k > 0) reseedDropout(model, dropoutSeeds, k);
      const { value, grads, correct, n } = forwardBackward(model, variables, part, config);
      const weight = Math.fround(n / total);
      variables.forEach((v, i) => {
        const g = readFloats(grads[v.name]!);
        const sum = sums[i]!;
        for (let j = 0; j < sum.length; j++) sum[j] = (sum[j] as number) + (g[j] as number) * weight;
      });
      const [lossValue, correctValue] = await Promise.all([value.data(), correct.data()]);
      lossSum += lossValue[0]! * n;
      correctSum += correctValue[0]!;
      tf.dispose([value, correct, ...Object.values(grads)]);
    }
  } finally {
    model.layers.forEach((layer, i) => {
      (layer as unknown as { seed?: number }).seed = dropoutSeeds[i];
    });
  }
  const gradTensors = hostTensors(sums, variables);
  optimizer.applyGradients(gradTensors);
  tf.dispose(gradTensors);
  return { loss: lossSum / total, correct: correctSum, count: total };
}

/** Gradients of the batch-mean loss, the loss and the number of correct predictions (one pass; the parallel workers call it too). */
export function forwardBackward(
  model: tf.LayersModel,
  variables: tf.Variable[],
  batch: TrainingBatch,
  config: { imageSize: number; numClasses: number; fromLogits: boolean },
) {
  const { xs, ys, n } = batchTensors(batch, config.imageSize, config.numClasses);
  let correct: tf.Scalar | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const out = model.apply(xs, { training: true }) as tf.Tensor2D;
    correct = tf.keep(tf.sum(tf.equal(tf.argMax(out, -1), tf.argMax(ys, -1)).toInt()) as tf.Scalar);
    const loss = categoricalCrossEntropy(ys, out, config.fromLogits);
    // On wasm, free the packed weight copies the forward pass made before the gradients are allocated.
    releaseWeightOperators(variables);
    return loss;
  }, variables);
  tf.dispose([xs, ys]);
  return { value, grads, correct: correct!, n };
}

/** Re-derive the Dropout seeds for micro-batch (or worker shard) number `microBatch` > 0 from the step's seeds. */
export function reseedDropout(
  model: tf.LayersModel,
  seeds: (number | undefined)[],
  microBatch: number,
): void {
  model.layers.forEach((layer, i) => {
    const seed = seeds[i];
    if (layer.getClassName() === "Dropout" && seed !== undefined) {
      (layer as unknown as { seed: number }).seed = deriveSeed(seed, "micro-batch", microBatch);
    }
  });
}
