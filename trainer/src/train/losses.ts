import * as tf from "@tensorflow/tfjs";

/** Keras' backend epsilon, used to clip probabilities before the log. */
const EPSILON = 1e-7;

/**
 * Mean categorical cross-entropy of one-hot `labels` against the model output: softmax cross-entropy
 * when the model emits logits, `-Σ y·log(clip(p))` when it emits probabilities (Keras' behaviour).
 */
export function categoricalCrossEntropy(
  labels: tf.Tensor2D,
  outputs: tf.Tensor2D,
  fromLogits: boolean,
): tf.Scalar {
  return tf.tidy(() => {
    if (fromLogits) return tf.losses.softmaxCrossEntropy(labels, outputs) as tf.Scalar;
    const p = tf.clipByValue(outputs, EPSILON, 1 - EPSILON);
    return tf.mean(tf.neg(tf.sum(tf.mul(labels, tf.log(p)), -1))) as tf.Scalar;
  });
}
