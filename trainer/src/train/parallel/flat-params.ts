import type * as tf from "@tensorflow/tfjs";
import { readFloats, updateInPlace } from "../host-adam.ts";

/** Where each variable sits in a flat float32 array of all trainable parameters (variable order). */
export interface FlatLayout {
  offsets: number[];
  sizes: number[];
  total: number;
}

/** The flat layout of `variables`, in their order (the optimiser's and the host moments' order). */
export function flatLayout(variables: readonly { size: number }[]): FlatLayout {
  const offsets: number[] = [];
  let total = 0;
  for (const v of variables) {
    offsets.push(total);
    total += v.size;
  }
  return { offsets, sizes: variables.map((v) => v.size), total };
}

/** A float32 array over a new SharedArrayBuffer of `length` floats. */
export function sharedFloats(length: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(length * 4));
}

/** Copies the variables' values into `flat` (laid out by `layout`). */
export function copyVariablesToFlat(
  variables: readonly tf.Variable[],
  flat: Float32Array,
  layout: FlatLayout,
): void {
  variables.forEach((v, i) => {
    flat.set(readFloats(v), layout.offsets[i]);
  });
}

/**
 * Overwrites the variables in place from `flat`; on wasm this also drops the XNNPACK operators
 * packed from the old values (see updateInPlace).
 */
export function copyFlatToVariables(
  flat: Float32Array,
  variables: readonly tf.Variable[],
  layout: FlatLayout,
): void {
  variables.forEach((v, i) => {
    const from = layout.offsets[i]!;
    updateInPlace(v, (values) => values.set(flat.subarray(from, from + layout.sizes[i]!)));
  });
}

/**
 * Equal contiguous ranges [lo, hi) covering 0..total, one per worker: each worker reduces and updates
 * its own slice of the parameters.
 */
export function sliceRanges(total: number, count: number): Array<[number, number]> {
  return Array.from({ length: count }, (_, k) => [
    Math.floor((total * k) / count),
    Math.floor((total * (k + 1)) / count),
  ]);
}
