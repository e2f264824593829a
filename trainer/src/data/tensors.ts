import * as tf from "@tensorflow/tfjs";
import type { ImageBatch } from "./batches.ts";

/**
 * Turn a {@link ImageBatch} into tensors for `model.trainOnBatch` / `fit`: xs as
 * [n, height, width, 3] float32 and ys one-hot float32 [n, numClasses] (categorical labels).
 * The caller disposes both.
 *
 * @example
 * const { xs, ys } = batchToTensors(batch, classNames.length);
 * await model.trainOnBatch(xs, ys);
 * tf.dispose([xs, ys]);
 */
export function batchToTensors(batch: ImageBatch, numClasses: number): { xs: tf.Tensor4D; ys: tf.Tensor2D } {
  const xs = tf.tensor4d(batch.xs, [batch.size, batch.height, batch.width, 3], "float32");
  const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(batch.ys, "int32"), numClasses).toFloat() as tf.Tensor2D);
  return { xs, ys };
}
