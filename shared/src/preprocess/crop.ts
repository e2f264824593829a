import type { RgbImage } from "../image/types.ts";
import { assertRectInside, type Rect } from "./rect.ts";
import { assertRgbImage } from "./validate.ts";

/**
 * Copy the whole-pixel rectangle `rect` out of `src` as a new image. Throws `bad_request` if the
 * rectangle is empty, fractional or reaches outside the image (clip first with `clampRect`).
 * To crop and resize in one go without the copy, use `cropResizeBilinear`.
 *
 * @example
 * const square = cropImage(photo, centerCropRect(photo.width, photo.height));
 */
export function cropImage(src: RgbImage, rect: Rect): RgbImage {
  assertRgbImage(src);
  assertRectInside(rect, src.width, src.height);
  const rowBytes = rect.width * 3;
  const srcStride = src.width * 3;
  const data = new Uint8Array(rowBytes * rect.height);
  let from = rect.top * srcStride + rect.left * 3;
  for (let y = 0, to = 0; y < rect.height; y++, to += rowBytes, from += srcStride) {
    data.set(src.data.subarray(from, from + rowBytes), to);
  }
  return { width: rect.width, height: rect.height, data };
}
