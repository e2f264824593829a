import type { RgbImage } from "../image/types.ts";
import { assertRectInside, fullRect, type Rect } from "./rect.ts";
import { assertOutputSize, assertRgbImage, outputBuffer } from "./validate.ts";

/**
 * Bilinear resize of a whole image into HWC float32 (values 0..255), identical to
 * `tf.image.resizeBilinear(x, [outHeight, outWidth], false, true)` — half-pixel centres, no
 * antialiasing, which is what `tf.image.resize` and Keras' `image_dataset_from_directory` do.
 * Writes into `out` when given (it must hold outWidth × outHeight × 3 floats).
 *
 * @example
 * const input = new Float32Array(224 * 224 * 3);
 * resizeBilinear(image, 224, 224, input);
 */
export function resizeBilinear(
  src: RgbImage,
  outWidth: number,
  outHeight: number,
  out?: Float32Array,
): Float32Array {
  return cropResizeBilinear(src, fullRect(src.width, src.height), outWidth, outHeight, out);
}

/**
 * Bilinear resize of the sub-rectangle `rect` of `src`, reading the source in place: the same
 * result as `resizeBilinear(cropImage(src, rect), …)` without copying a crop out of a big photo.
 * Samples never reach outside `rect` (edges clamp to the crop, not to the photo).
 *
 * @example
 * cropResizeBilinear(photo, centerCropRect(photo.width, photo.height), 224, 224, input);
 */
export function cropResizeBilinear(
  src: RgbImage,
  rect: Rect,
  outWidth: number,
  outHeight: number,
  out?: Float32Array,
): Float32Array {
  assertRgbImage(src);
  assertRectInside(rect, src.width, src.height);
  assertOutputSize(outWidth, outHeight);
  const dst = outputBuffer(out, outWidth * outHeight * 3);
  const data = src.data;
  const rowStride = src.width * 3;
  const inWidth = rect.width;
  const inHeight = rect.height;

  // Column taps are the same for every row, so compute them once. The arithmetic below mirrors
  // tfjs-backend-cpu's ResizeBilinear kernel step for step (same clamping, same lerp order, in
  // float64), which makes the result bit-identical rather than merely close.
  const colLeft = new Int32Array(outWidth);
  const colRight = new Int32Array(outWidth);
  const colFrac = new Float64Array(outWidth);
  const colRatio = inWidth / outWidth;
  for (let x = 0; x < outWidth; x++) {
    const source = colRatio * (x + 0.5) - 0.5;
    const floor = Math.max(0, Math.floor(source));
    colFrac[x] = source - floor;
    colLeft[x] = (rect.left + floor) * 3;
    colRight[x] = (rect.left + Math.min(inWidth - 1, Math.ceil(source))) * 3;
  }

  const rowRatio = inHeight / outHeight;
  let o = 0;
  for (let y = 0; y < outHeight; y++) {
    const source = rowRatio * (y + 0.5) - 0.5;
    const floor = Math.max(0, Math.floor(source));
    const fy = source - floor;
    const topRow = (rect.top + floor) * rowStride;
    const bottomRow = (rect.top + Math.min(inHeight - 1, Math.ceil(source))) * rowStride;
    for (let x = 0; x < outWidth; x++) {
      const fx = colFrac[x]!;
      const l = colLeft[x]!;
      const r = colRight[x]!;
      let tl = topRow + l;
      let tr = topRow + r;
      let bl = bottomRow + l;
      let br = bottomRow + r;
      // Three channels unrolled: the loop overhead would otherwise dominate such a small body.
      let top = data[tl]! + (data[tr]! - data[tl]!) * fx;
      let bottom = data[bl]! + (data[br]! - data[bl]!) * fx;
      dst[o++] = top + (bottom - top) * fy;
      tl++;
      tr++;
      bl++;
      br++;
      top = data[tl]! + (data[tr]! - data[tl]!) * fx;
      bottom = data[bl]! + (data[br]! - data[bl]!) * fx;
      dst[o++] = top + (bottom - top) * fy;
      tl++;
      tr++;
      bl++;
      br++;
      top = data[tl]! + (data[tr]! - data[tl]!) * fx;
      bottom = data[bl]! + (data[br]! - data[bl]!) * fx;
      dst[o++] = top + (bottom - top) * fy;
    }
  }
  return dst;
}
