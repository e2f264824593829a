import * as tf from "@tensorflow/tfjs";
import { expect } from "vitest";

/** Random normal-ish values, reproducible from `rand`. */
export function randomValues(rand: () => number, size: number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = rand() + rand() + rand() - 1.5;
  return out;
}

/** Runs `fn` with `backend` active and returns the values of the tensors it returns. */
export async function onBackend(backend: string, fn: () => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  await tf.ready();
  const tensors = tf.tidy(fn);
  const values = await Promise.all(tensors.map(async (t) => (await t.data()) as Float32Array));
  tf.dispose(tensors);
  return values;
}

/**
 * Asserts `actual` matches `expected` to within `rel` relative to the tensor's scale:
 * max|a−e| ≤ rel·max(|e|, 1e-6). Element-wise relative error is meaningless for entries that are
 * float32 sums cancelling to ~0, so the scale is the tensor's largest magnitude.
 */
export function expectClose(actual: Float32Array, expected: Float32Array, rel: number, label: string): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  let maxErr = 0;
  let scale = 1e-6;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i] as number;
    maxErr = Math.max(maxErr, Math.abs((actual[i] as number) - e));
    scale = Math.max(scale, Math.abs(e));
  }
  expect(maxErr / scale, `${label}: max error ${maxErr} vs scale ${scale}`).toBeLessThanOrEqual(rel);
}
