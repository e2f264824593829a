import * as tf from "@tensorflow/tfjs";
import type { TrainingBatch } from "../data-source.ts";
import type { Evaluation } from "../evaluate.ts";
import { categoricalCrossEntropy } from "../losses.ts";
import type { TrainingPool } from "./training-pool.ts";

/**
 * evaluate.ts' `evaluateModel`, with the forward passes split across the pool's workers: each batch's
 * outputs come from `pool.predict` (weights from `variables`), and the loss, argmax and confusion
 * matrix are computed on the main thread with the same ops as `evaluateModel`.
 *
 * @example
 * const ev = await evaluateOnPool(pool, variables, data.validationBatches({ batchSize: 32 }), config);
 */
export async function evaluateOnPool(
  pool: TrainingPool,
  variables: readonly tf.Variable[],
  batches: AsyncIterable<TrainingBatch>,
  config: { imageSize: number; numClasses: number; fromLogits: boolean },
): Promise<Evaluation> {
  const k = config.numClasses;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let lossSum = 0;
  let count = 0;
  let correct = 0;
  for await (const batch of batches) {
    const n = batch.ys.length;
    const shape = [...(batch.shape ?? [config.imageSize, config.imageSize, 3])];
    const outputs = await pool.predict(batch.xs, shape, variables);
    const [loss, predicted] = tf.tidy(() => {
      const out = tf.tensor2d(outputs, [n, k]);
      const ys = tf.oneHot(tf.tensor1d(batch.ys, "int32"), k).toFloat() as tf.Tensor2D;
      return [categoricalCrossEntropy(ys, out, config.fromLogits), tf.argMax(out, -1)] as const;
    });
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
