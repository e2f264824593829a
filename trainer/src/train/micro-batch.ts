import * as tf from "@tensorflow/tfjs";
import type { TrainingBatch } from "./data-source.ts";

// On tfjs' wasm backend everything a training step allocates shares one heap of at most 4 GiB
// (tfjs-backend-wasm 4.22's emscripten MAXIMUM_MEMORY; a failed malloc then surfaces as "memory access
// out of bounds"). A VGG-16 batch of 8 at 224×224 does not fit (figures and how to re-measure them:
// trainer/bench/README.md); the step then runs the batch as micro-batches and sums their gradients
// (weighted by size) in JS memory, which is the same gradient as the whole batch's.

/** The wasm heap's ceiling in tfjs-backend-wasm 4.22 (emscripten getHeapMax: 4 GiB − 64 KiB). */
export const WASM_HEAP_MAX_BYTES = 4294901760;

/**
 * Bytes a training step holds per image, as a multiple of the sum of the layers' output sizes:
 * each layer's output, its pre-activation, their gradients and kernel scratch, rounded up for safety.
 * Derived from VGG-16's measured heap growth per image (trainer/bench/README.md, vgg16-step-probe.ts).
 */
const BYTES_PER_OUTPUT_FLOAT = 4 * 8;

let microBatchSetting: number | "auto" = "auto";

/**
 * How many images one forward/backward pass may take: "auto" (default) splits a batch only on the
 * wasm backend and only when its estimated peak would not fit the heap; a number forces that size.
 *
 * @example
 * setMicroBatchSize(2); // VGG-16 batches of 8 run as 4 passes of 2
 */
export function setMicroBatchSize(size: number | "auto"): void {
  if (size !== "auto" && !(Number.isInteger(size) && size >= 1)) {
    throw new RangeError(`micro-batch size must be a positive integer or "auto", got ${size}`);
  }
  microBatchSetting = size;
}

/** Σ over layers of one example's output size (floats). */
export function activationFloatsPerExample(model: tf.LayersModel): number {
  let floats = 0;
  for (const layer of model.layers) {
    const shapes = (Array.isArray(layer.outputShape[0]) ? layer.outputShape : [layer.outputShape]) as (
      | number
      | null
    )[][];
    for (const shape of shapes) floats += shape.slice(1).reduce<number>((p, d) => p * (d ?? 1), 1);
  }
  return floats;
}

/**
 * The micro-batch size for a batch of `batchSize` on the current backend: the whole batch unless
 * {@link setMicroBatchSize} says otherwise or (auto, wasm only) weights ×3 (weights, gradients, XNNPACK's
 * packed copies) plus the estimated activations would pass the heap ceiling less 512 MiB of slack.
 */
export function microBatchSizeFor(model: tf.LayersModel, batchSize: number): number {
  if (microBatchSetting !== "auto") return Math.min(batchSize, microBatchSetting);
  if (tf.getBackend() !== "wasm") return batchSize;
  const weightBytes =
    model.weights.reduce((sum, w) => sum + w.shape.reduce<number>((p, d) => p * (d ?? 1), 1), 0) * 4;
  const budget = WASM_HEAP_MAX_BYTES - 512 * 2 ** 20 - 3 * weightBytes;
  const perExample = activationFloatsPerExample(model) * BYTES_PER_OUTPUT_FLOAT;
  return Math.max(1, Math.min(batchSize, Math.floor(budget / perExample)));
}

/** Split a batch into consecutive micro-batches of at most `size` examples (views, no copies). */
export function splitBatch(batch: TrainingBatch, size: number): TrainingBatch[] {
  const n = batch.ys.length;
  if (size >= n) return [batch];
  const perExample = batch.xs.length / n;
  const parts: TrainingBatch[] = [];
  for (let start = 0; start < n; start += size) {
    const end = Math.min(n, start + size);
    parts.push({
      xs: batch.xs.subarray(start * perExample, end * perExample),
      ys: batch.ys.subarray(start, end),
      ...(batch.shape ? { shape: batch.shape } : {}),
    });
  }
  return parts;
}
