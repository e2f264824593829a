import * as tf from "@tensorflow/tfjs-core";

/**
 * Every tensor reachable from `root` through plain objects and arrays (e.g. a net's parameter
 * tree), each once.
 *
 * @example
 * collectTensors({ conv: { filters, bias } }); // [filters, bias]
 */
export function collectTensors(root: unknown): tf.Tensor[] {
  const found = new Set<tf.Tensor>();
  const seen = new Set<object>();
  const walk = (value: unknown): void => {
    if (value instanceof tf.Tensor) {
      found.add(value);
      return;
    }
    if (typeof value !== "object" || value === null || seen.has(value)) return;
    seen.add(value);
    for (const child of Array.isArray(value) ? value : Object.values(value)) walk(child);
  };
  walk(root);
  return [...found];
}
