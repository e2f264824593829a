import * as tf from "@tensorflow/tfjs";
import type { TrainingBatch } from "../data-source.ts";
import { type Evaluation, evaluateBatches } from "../evaluate.ts";
import { batchShape } from "../step.ts";
import type { TrainingPool } from "./training-pool.ts";

/**
 * evaluate.ts' `evaluateModel`, with the forward passes split across the pool's workers: each batch's
 * outputs come from `pool.predict` (weights from `variables`); the loss, argmax and confusion matrix
 * are computed on the main thread by the same {@link evaluateBatches} as `evaluateModel`.
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
  return evaluateBatches(batches, config, async (batch) => {
    const outputs = await pool.predict(batch.xs, batchShape(batch, config.imageSize), variables);
    return tf.tensor2d(outputs, [batch.ys.length, config.numClasses]);
  });
}
