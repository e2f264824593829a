import * as tf from "@tensorflow/tfjs";
import { deriveSeed } from "../models/seeds.ts";
import type { ScheduledAdam } from "./adam.ts";
import type { Batch } from "./data-source.ts";
import { releaseWeightOperators } from "./host-adam.ts";
import { categoricalCrossEntropy } from "./losses.ts";

/** Turn a batch into tensors: xs [N,H,W,3] (or [N, ...batch.shape]) and one-hot ys [N,C]. Caller disposes. */
export function batchTensors(batch: Batch, imageSize: number, numClasses: number) {
  const n = batch.ys.length;
  const shape = batch.shape ?? [imageSize, imageSize, 3];
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
 */
export async function trainStep(
  model: tf.LayersModel,
  optimizer: ScheduledAdam,
  variables: tf.Variable[],
  batch: Batch,
  config: { imageSize: number; numClasses: number; fromLogits: boolean },
): Promise<StepResult> {
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
  optimizer.applyGradients(variables.map((v) => grads[v.name]!));
  const [lossValue, correctValue] = await Promise.all([value.data(), correct!.data()]);
  tf.dispose([xs, ys, value, correct!, ...Object.values(grads)]);
  return { loss: lossValue[0]!, correct: correctValue[0]!, count: n };
}
