import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import type { RgbImage } from "../image/types.ts";
import { boxShrink, type ClipRect, type RectRegion, sampleRect, sampleSquare } from "./sample.ts";
import { useBackend } from "./test-support.ts";

function noise(width: number, height: number, seed = 7): RgbImage {
  const data = new Uint8Array(width * height * 3);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    data[i] = s >>> 24;
  }
  return { width, height, data };
}

describe("sampleSquare", () => {
  beforeAll(() => useBackend("cpu"));

  it("equals tf.image.resizeBilinear (half-pixel centres) when enlarging a square image", () => {
    const image = noise(20, 20);
    const ours = sampleSquare(image, { left: 0, top: 0, size: 20 }, 33);
    const ref = tf.tidy(() =>
      tf.image
        .resizeBilinear(tf.tensor3d(Float32Array.from(image.data), [20, 20, 3]), [33, 33], false, true)
        .dataSync(),
    );
    let maxDiff = 0;
    for (let i = 0; i < ref.length; i++)
      maxDiff = Math.max(maxDiff, Math.abs((ref[i] as number) - (ours[i] as number)));
    expect(maxDiff).toBeLessThan(1e-3);
  });

  it("pads a non-square image with black at the bottom, as face-api's detector input does", () => {
    const image: RgbImage = { width: 4, height: 2, data: new Uint8Array(4 * 2 * 3).fill(200) };
    const out = sampleSquare(image, { left: 0, top: 0, size: 4 }, 4);
    expect(out[(0 * 4 + 0) * 3]).toBeCloseTo(200);
    expect(out[(1 * 4 + 3) * 3]).toBeCloseTo(200);
    expect(out[(3 * 4 + 0) * 3]).toBe(0);
  });

  it("reads black outside the clip rectangle", () => {
    const image: RgbImage = { width: 10, height: 10, data: new Uint8Array(300).fill(100) };
    const out = sampleSquare(image, { left: 0, top: 0, size: 10 }, 10, undefined, 0, {
      left: 5,
      top: 0,
      right: 10,
      bottom: 10,
    });
    expect(out[(5 * 10 + 2) * 3]).toBe(0);
    expect(out[(5 * 10 + 7) * 3]).toBeCloseTo(100);
  });

  it("averages when shrinking, so a fine checkerboard becomes flat grey instead of aliasing", () => {
    const size = 64;
    const data = new Uint8Array(size * size * 3);
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++)
        data.fill((x + y) % 2 ? 255 : 0, (y * size + x) * 3, (y * size + x) * 3 + 3);
    const out = sampleSquare({ width: size, height: size, data }, { left: 0, top: 0, size }, 16);
    for (const v of out) expect(Math.abs(v - 127.5)).toBeLessThan(1);
  });
});

describe("boxShrink", () => {
  it("averages whole blocks", () => {
    const image: RgbImage = {
      width: 4,
      height: 2,
      data: Uint8Array.from([
        0, 0, 0, 10, 10, 10, 20, 20, 20, 30, 30, 30, 4, 4, 4, 6, 6, 6, 8, 8, 8, 10, 10, 10,
      ]),
    };
    const out = boxShrink(image, 2);
    expect(out.width).toBe(2);
    expect(out.height).toBe(1);
    expect(Array.from(out.data)).toEqual([5, 5, 5, 17, 17, 17]);
  });
});

// The definition sampleRect implements separably: per output pixel, k×k bilinear sub-samples
// (half-pixel centres, clamped to the region, neighbours outside the clip weigh 0), averaged.
function referenceSampleRect(image: RgbImage, region: RectRegion, ow: number, oh: number, clip?: ClipRect) {
  const c = clip ?? { left: 0, top: 0, right: image.width, bottom: image.height };
  const lo = { x: Math.max(0, Math.ceil(c.left)), y: Math.max(0, Math.ceil(c.top)) };
  const hi = { x: Math.min(image.width, Math.ceil(c.right)), y: Math.min(image.height, Math.ceil(c.bottom)) };
  const k = Math.max(1, Math.min(4, Math.round(region.width / ow)));
  const taps = (start: number, size: number, n: number, j: number, a: number, l: number, h: number) => {
    const src = Math.min(Math.max(start + (j + (a + 0.5) / k) * (size / n) - 0.5, start), start + size - 1);
    const f = Math.floor(src);
    return [
      [f, f >= l && f < h ? 1 - (src - f) : 0],
      [f + 1, f + 1 >= l && f + 1 < h ? src - f : 0],
    ] as const;
  };
  const out = new Float32Array(ow * oh * 3);
  for (let oy = 0; oy < oh; oy++)
    for (let ox = 0; ox < ow; ox++)
      for (let ch = 0; ch < 3; ch++) {
        let sum = 0;
        for (let ay = 0; ay < k; ay++)
          for (let ax = 0; ax < k; ax++)
            for (const [y, wy] of taps(region.top, region.height, oh, oy, ay, lo.y, hi.y))
              for (const [x, wx] of taps(region.left, region.width, ow, ox, ax, lo.x, hi.x))
                if (wy * wx > 0) sum += wy * wx * (image.data[(y * image.width + x) * 3 + ch] as number);
        out[(oy * ow + ox) * 3 + ch] = sum / (k * k);
      }
  return out;
}

describe("sampleRect", () => {
  it("equals the per-pixel definition: shrinking (supersampled), enlarging, outside the image, clipped", () => {
    const image = noise(97, 61, 3);
    const cases: [RectRegion, number, number, ClipRect?][] = [
      [{ left: 0, top: 0, width: 97, height: 61 }, 40, 25], // k = 2
      [{ left: 3.3, top: 1.7, width: 90, height: 50 }, 23, 13], // k = 4
      [{ left: -20, top: -10, width: 140, height: 90 }, 64, 41], // reaches outside: black there
      [{ left: 10.5, top: 5.25, width: 20, height: 12 }, 57, 34], // enlarging, k = 1
      [{ left: 5, top: 5, width: 60, height: 40 }, 30, 20, { left: 12, top: 9.5, right: 50, bottom: 33 }],
    ];
    for (const [region, ow, oh, clip] of cases) {
      const ours = sampleRect(image, region, ow, oh, undefined, 0, clip);
      const ref = referenceSampleRect(image, region, ow, oh, clip);
      let diff = 0;
      for (let i = 0; i < ref.length; i++)
        diff = Math.max(diff, Math.abs((ours[i] as number) - (ref[i] as number)));
      expect(diff).toBeLessThan(1e-3);
    }
  });
});
