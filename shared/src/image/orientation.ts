import type { RgbImage } from "./types.ts";

/**
 * Turns an RGB image stored with EXIF `orientation` (1–8) upright, as a viewer would show it.
 * Orientation 1 (or anything out of range) returns `image` itself; otherwise a new image.
 * 5–8 swap width and height.
 *
 * @example
 * applyOrientation({ width: 4, height: 3, data }, 6); // → 3×4, rotated 90° clockwise
 */
export function applyOrientation(image: RgbImage, orientation: number): RgbImage {
  if (!(orientation >= 2 && orientation <= 8)) return image;
  const { width: w, height: h, data: src } = image;
  const swap = orientation >= 5;
  const outW = swap ? h : w;
  const outH = swap ? w : h;
  const out = new Uint8Array(outW * outH * 3);
  // For each destination pixel, the source pixel is sx + sy*w; step per destination x and per row
  // lets the inner loop stay a single add, which matters at 12 MP.
  let start: number; // source index of destination (0,0)
  let stepX: number; // source index change per destination x+1
  let stepY: number; // source index change per destination y+1
  switch (orientation) {
    case 2: // mirror horizontally: src(w-1-x, y)
      start = w - 1;
      stepX = -1;
      stepY = w;
      break;
    case 3: // rotate 180: src(w-1-x, h-1-y)
      start = w * h - 1;
      stepX = -1;
      stepY = -w;
      break;
    case 4: // mirror vertically: src(x, h-1-y)
      start = (h - 1) * w;
      stepX = 1;
      stepY = -w;
      break;
    case 5: // transpose: src(y, x)
      start = 0;
      stepX = w;
      stepY = 1;
      break;
    case 6: // rotate 90° clockwise: src(y, h-1-x)
      start = (h - 1) * w;
      stepX = -w;
      stepY = 1;
      break;
    case 7: // transverse: src(w-1-y, h-1-x)
      start = w * h - 1;
      stepX = -w;
      stepY = -1;
      break;
    default: // 8, rotate 90° counter-clockwise: src(w-1-y, x)
      start = w - 1;
      stepX = w;
      stepY = -1;
      break;
  }
  let o = 0;
  for (let y = 0; y < outH; y++) {
    let s = start + y * stepY;
    for (let x = 0; x < outW; x++) {
      const si = s * 3;
      out[o++] = src[si]!;
      out[o++] = src[si + 1]!;
      out[o++] = src[si + 2]!;
      s += stepX;
    }
  }
  return { width: outW, height: outH, data: out };
}
