import type { Normalization } from "../artifact/metadata.ts";
import { MarqueeError } from "../errors.ts";

/**
 * Apply the model's pixel normalisation in place to HWC RGB floats in 0..255, and return them.
 * `scale`: `v * scale + offset`. `meanStd`: `(v / 255 - mean[c]) / std[c]` with c = R, G, B.
 *
 * @example
 * applyNormalization(pixels, { kind: "scale", scale: 1 / 255, offset: 0 }); // 0..1
 */
export function applyNormalization(pixels: Float32Array, normalization: Normalization): Float32Array {
  if (normalization.kind === "scale") {
    const { scale } = normalization;
    const offset = normalization.offset ?? 0;
    for (let i = 0; i < pixels.length; i++) pixels[i] = pixels[i]! * scale + offset;
    return pixels;
  }
  const [m0, m1, m2] = normalization.mean;
  const [s0, s1, s2] = normalization.std;
  if (pixels.length % 3 !== 0) {
    throw new MarqueeError("internal_error", `RGB pixels must come in threes, got ${pixels.length} values.`);
  }
  // Kept literally as the documented formula (not folded into one multiply-add), so an
  // implementation elsewhere that follows the documentation agrees to float rounding.
  for (let i = 0; i < pixels.length; i += 3) {
    pixels[i] = (pixels[i]! / 255 - m0) / s0;
    pixels[i + 1] = (pixels[i + 1]! / 255 - m1) / s1;
    pixels[i + 2] = (pixels[i + 2]! / 255 - m2) / s2;
  }
  return pixels;
}
