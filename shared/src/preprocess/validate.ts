import { MarqueeError } from "../errors.ts";
import type { RgbImage } from "../image/types.ts";

/**
 * Throw `internal_error` unless `image` holds exactly width × height × 3 bytes: a mismatch means a
 * decoder bug, not a bad upload, and reading past it would produce garbage silently.
 */
export function assertRgbImage(image: RgbImage): void {
  const { width, height, data } = image;
  if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0)) {
    throw new MarqueeError("internal_error", `RgbImage has a bad size ${width}×${height}.`);
  }
  if (data.length !== width * height * 3) {
    throw new MarqueeError(
      "internal_error",
      `RgbImage ${width}×${height} should hold ${width * height * 3} bytes but holds ${data.length}.`,
    );
  }
}

/** Throw `bad_request` unless `outWidth`×`outHeight` is a usable output size. */
export function assertOutputSize(outWidth: number, outHeight: number): void {
  const ok = (v: number) => Number.isInteger(v) && v > 0 && v <= 16384;
  if (!(ok(outWidth) && ok(outHeight))) {
    throw new MarqueeError(
      "bad_request",
      `Output size must be whole pixels between 1 and 16384, got ${outWidth}×${outHeight}.`,
    );
  }
}

/**
 * Return `out`, or a new Float32Array of `length` when it is missing. A wrong-length buffer is a
 * programming error (`internal_error`): writing a different shape into it would corrupt the tensor.
 */
export function outputBuffer(out: Float32Array | undefined, length: number): Float32Array {
  if (out === undefined) return new Float32Array(length);
  if (out.length !== length) {
    throw new MarqueeError(
      "internal_error",
      `Output buffer holds ${out.length} floats but ${length} are needed.`,
    );
  }
  return out;
}
