import * as tf from "@tensorflow/tfjs";
import type { TrainingBatch } from "./data-source.ts";
import { categoricalCrossEntropy } from "./losses.ts";
import { batchTensors } from "./step.ts";

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
  const k = config.numClasses;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let lossSum = 0;
  let count = 0;
  let correct = 0;
  for await (const batch of batches) {
    const { xs, ys, n } = batchTensors(batch, config.imageSize, k);
    const [loss, predicted] = tf.tidy(() => {
      const out = model.apply(xs, { training: false }) as tf.Tensor2D;
      return [categoricalCrossEntropy(ys, out, config.fromLogits), tf.argMax(out, -1)] as const;
    });
    const [lossValue, predictedValues] = await Promise.all([loss.data(), predicted.data()]);
    tf.dispose([xs, ys, loss, predicted]);
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
