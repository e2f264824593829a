import type { RgbImage } from "../image/types.ts";

/** A deterministic pseudo-random image (mulberry32), so failures reproduce. Test helper only. */
export function randomImage(width: number, height: number, seed = width * 7919 + height): RgbImage {
  let state = seed >>> 0;
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    data[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff;
  }
  return { width, height, data };
}
