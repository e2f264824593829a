import type * as tf from "@tensorflow/tfjs";

/** How exported weights are stored; tfjs dequantises `uint8`/`float16` to float32 on load. */
export type WeightDtype = "float32" | "float16" | "uint8";

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Round a float32 to the nearest IEEE half (ties to even), returning its 16 bits. */
export function float32ToFloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf / NaN
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow → Inf
  if (e <= 0) {
    if (e < -10) return sign; // underflow → ±0
    mant |= 0x800000; // subnormal half: shift the implicit bit in
    const shift = 14 - e;
    const half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (rest > mid || (rest === mid && half & 1) ? half + 1 : half);
  }
  const half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // Rounding may carry into the exponent, which is the correct result (up to Inf).
  return sign | (rest > 0x1000 || (rest === 0x1000 && half & 1) ? half + 1 : half);
}

/** One weight's stored bytes and its tfjs manifest entry. */
export interface EncodedWeight {
  spec: tf.io.WeightsManifestEntry;
  bytes: Uint8Array;
}

/**
 * Encode float32 values as tfjs' converter does: `float16` halves them; `uint8` is affine
 * (`value ≈ q·scale + min`) with the range widened to include 0, so zeros stay exact.
 */
export function quantizeWeight(
  spec: tf.io.WeightsManifestEntry,
  values: Float32Array,
  dtype: Exclude<WeightDtype, "float32">,
): EncodedWeight {
  if (dtype === "float16") {
    const out = new Uint16Array(values.length);
    for (let i = 0; i < values.length; i++) out[i] = float32ToFloat16Bits(values[i]!);
    return { spec: { ...spec, quantization: { dtype: "float16" } }, bytes: new Uint8Array(out.buffer) };
  }
  let lo = 0;
  let hi = 0;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  let scale = (hi - lo) / 255;
  if (scale === 0) scale = 1;
  const min = -Math.round(-lo / scale) * scale;
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    out[i] = Math.min(255, Math.max(0, Math.round((values[i]! - min) / scale)));
  }
  return { spec: { ...spec, quantization: { dtype: "uint8", scale, min } }, bytes: out };
}
