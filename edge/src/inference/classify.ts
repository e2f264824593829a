import * as tf from "@tensorflow/tfjs-core";
import type { LoadedImageModel } from "../model/build-model.ts";

/**
 * Run the model on one preprocessed HWC float32 image and return a probability per label.
 * All intermediate tensors are freed (tf.tidy), so the tensor count stays flat across requests.
 */
export function classify({ model, metadata }: LoadedImageModel, pixels: Float32Array): Float64Array {
  const { width, height, channels } = metadata.input;
  const raw = tf.tidy(() => {
    const input = tf.tensor4d(pixels, [1, height, width, channels]);
    return (model.predict(input) as tf.Tensor).dataSync() as Float32Array;
  });
  return metadata.output === "logits" ? softmax(raw) : Float64Array.from(raw);
}

/**
 * Numerically stable softmax in float64, so the scores of all classes sum to 1.
 *
 * @example
 * softmax(new Float32Array([0, 0])); // Float64Array [0.5, 0.5]
 */
export function softmax(logits: ArrayLike<number>): Float64Array {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i] as number);
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const e = Math.exp((logits[i] as number) - max);
    out[i] = e;
    sum += e;
  }
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) / sum;
  return out;
}

/** One entry of a prediction list. */
export interface Prediction {
  label: string;
  score: number;
}

/**
 * The `k` most probable labels, highest first; ties keep label order so results are stable.
 *
 * @example
 * topK(new Float64Array([0.2, 0.7, 0.1]), ["a", "b", "c"], 2); // [{b, 0.7}, {a, 0.2}]
 */
export function topK(scores: ArrayLike<number>, labels: readonly string[], k: number): Prediction[] {
  const order = Array.from({ length: labels.length }, (_, i) => i);
  order.sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);
  return order.slice(0, k).map((i) => ({ label: labels[i] as string, score: scores[i] as number }));
}
