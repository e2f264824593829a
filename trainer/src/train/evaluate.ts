import * as tf from "@tensorflow/tfjs";
import type { TrainingBatch } from "./data-source.ts";
import { categoricalCrossEntropy } from "./losses.ts";
import { batchShape } from "./step.ts";

/** A model's scores on a labelled set. */
export interface Evaluation {
  count: number;
  loss: number;
  accuracy: number;
  /** `confusion[actual][predicted]` counts. */
  confusion: number[][];
  /** Share of each class' examples predicted correctly; null when the class has none. */
  perClassAccuracy: Array<number | null>;
}

/**
 * Evaluate in inference mode (dropout off) over batches: mean loss, accuracy, confusion matrix.
 *
 * @example
 * const ev = await evaluateModel(model, data.validationBatches({ batchSize: 32 }), { imageSize, numClasses, fromLogits: true });
 */
export async function evaluateModel(
  model: tf.LayersModel,
  batches: AsyncIterable<TrainingBatch>,
  config: { imageSize: number; numClasses: number; fromLogits: boolean },
): Promise<Evaluation> {
  return evaluateBatches(batches, config, (batch) => {
    const xs = tf.tensor(batch.xs, [batch.ys.length, ...batchShape(batch, config.imageSize)], "float32");
    const out = tf.tidy(() => model.apply(xs, { training: false }) as tf.Tensor2D);
    xs.dispose();
    return out;
  });
}

/**
 * The scoring loop behind {@link evaluateModel} and the worker pool's `evaluateOnPool`: `forward` gives
 * each batch's outputs [N, numClasses] (the caller's way of running the model; this disposes them),
 * and the loss, argmax and confusion matrix are computed here on the main thread.
 *
 * @example
 * const ev = await evaluateBatches(batches, config, (batch) => tf.tensor2d(outputsOf(batch), [batch.ys.length, k]));
 */
export async function evaluateBatches(
  batches: AsyncIterable<TrainingBatch>,
  config: { numClasses: number; fromLogits: boolean },
  forward: (batch: TrainingBatch) => tf.Tensor2D | Promise<tf.Tensor2D>,
): Promise<Evaluation> {
  const k = config.numClasses;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let lossSum = 0;
  let count = 0;
  let correct = 0;
  for await (const batch of batches) {
    const n = batch.ys.length;
    const out = await forward(batch);
    const [loss, predicted] = tf.tidy(() => {
      const ys = tf.oneHot(tf.tensor1d(batch.ys, "int32"), k).toFloat() as tf.Tensor2D;
      return [categoricalCrossEntropy(ys, out, config.fromLogits), tf.argMax(out, -1)] as const;
    });
    out.dispose();
    const [lossValue, predictedValues] = await Promise.all([loss.data(), predicted.data()]);
    tf.dispose([loss, predicted]);
    lossSum += lossValue[0]! * n;
    count += n;
    batch.ys.forEach((actual, i) => {
      const p = predictedValues[i]!;
      confusion[actual]![p]!++;
      if (p === actual) correct++;
    });
  }
  const perClassAccuracy = confusion.map((row, c) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total === 0 ? null : row[c]! / total;
  });
  return {
    count,
    loss: count ? lossSum / count : Number.NaN,
    accuracy: count ? correct / count : Number.NaN,
    confusion,
    perClassAccuracy,
  };
}
