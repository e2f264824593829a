import { BoxReducer } from "./box-reducer.ts";
import type { RgbImage } from "./types.ts";

/**
 * RGBA (4 bytes/pixel) to RGB composited over white: out = c·a + 255·(1−a), rounded.
 * White, not black, because a transparent logo on black would read as a different picture.
 */
export function rgbaOverWhite(rgba: ArrayLike<number>, width: number, height: number): RgbImage {
  const n = width * height;
  const out = new Uint8Array(n * 3);
  for (let i = 0, j = 0; i < n * 4; i += 4, j += 3) {
    const a = rgba[i + 3]!;
    if (a === 255) {
      out[j] = rgba[i]!;
      out[j + 1] = rgba[i + 1]!;
      out[j + 2] = rgba[i + 2]!;
    } else {
      const background = 255 * (255 - a);
      out[j] = ((rgba[i]! * a + background) * 257 + 32896) >>> 16; // ≈ round(x / 255)
      out[j + 1] = ((rgba[i + 1]! * a + background) * 257 + 32896) >>> 16;
      out[j + 2] = ((rgba[i + 2]! * a + background) * 257 + 32896) >>> 16;
    }
  }
  return { width, height, data: out };
}

/**
 * The top-left `width`×`height` of an RGBA buffer (rows `stride` pixels apart), composited on white
 * and box-reduced by `factor` one row at a time, so no full-size RGB copy is made.
 */
export function reduceRgbaOverWhite(
  rgba: ArrayLike<number>,
  stride: number,
  width: number,
  height: number,
  factor: number,
): RgbImage {
  const reducer = new BoxReducer(width, height, factor);
  const row = new Uint8Array(width * 3);
  for (let y = 0; y < height; y++) {
    let i = y * stride * 4;
    for (let j = 0; j < width * 3; i += 4, j += 3) {
      const a = rgba[i + 3]!;
      if (a === 255) {
        row[j] = rgba[i]!;
        row[j + 1] = rgba[i + 1]!;
        row[j + 2] = rgba[i + 2]!;
      } else {
        const background = 255 * (255 - a);
        row[j] = ((rgba[i]! * a + background) * 257 + 32896) >>> 16;
        row[j + 1] = ((rgba[i + 1]! * a + background) * 257 + 32896) >>> 16;
        row[j + 2] = ((rgba[i + 2]! * a + background) * 257 + 32896) >>> 16;
      }
    }
    reducer.addRow(y, row);
  }
  return reducer.finish();
}
