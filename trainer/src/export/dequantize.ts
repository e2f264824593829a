import * as tf from "@tensorflow/tfjs";
import { quantizeWeight, type WeightDtype } from "./quantize.ts";

/**
 * Run `fn` while the model's float32 weights are replaced by what an export in `dtype` would load
 * (quantised then dequantised exactly as tfjs does), then put the originals back. Used to measure the
 * accuracy change of a quantised export before writing it.
 *
 * @example
 * const quantAcc = await withDequantizedWeights(model, "uint8", () => evaluate(model));
 */
export async function withDequantizedWeights<T>(
  model: tf.LayersModel,
  dtype: WeightDtype,
  fn: () => Promise<T>,
): Promise<T> {
  if (dtype === "float32") return fn();
  const original = model.getWeights().map((w) => w.clone());
  try {
    const replaced = original.map((w, i) => {
      if (w.dtype !== "float32") return w;
      const spec: tf.io.WeightsManifestEntry = { name: `w${i}`, shape: w.shape, dtype: "float32" };
      const encoded = quantizeWeight(spec, w.dataSync() as Float32Array, dtype);
      const bytes = encoded.bytes.slice();
      return tf.io.decodeWeights(bytes.buffer, [encoded.spec])[spec.name]!;
    });
    model.setWeights(replaced);
    tf.dispose(replaced.filter((t, i) => t !== original[i]));
    return await fn();
  } finally {
    model.setWeights(original);
    tf.dispose(original);
  }
}
