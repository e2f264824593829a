import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { isMarqueeError } from "../errors.ts";
import type { RgbImage } from "../image/types.ts";
import { cropImage } from "./crop.ts";
import { cropResizeBilinear, resizeBilinear } from "./resize.ts";
import { randomImage } from "./test-images.ts";

beforeAll(async () => {
  tf.env().set("IS_TEST", true); // silences the "install tfjs-node" banner
  await tf.setBackend("cpu");
});

/** tfjs' own answer: resizeBilinear with alignCorners=false, halfPixelCenters=true on the cpu backend. */
function tfjsResize(image: RgbImage, outWidth: number, outHeight: number): Float32Array {
  return tf.tidy(() => {
    const x = tf.tensor3d(Float32Array.from(image.data), [image.height, image.width, 3]);
    return tf.image.resizeBilinear(x, [outHeight, outWidth], false, true).dataSync() as Float32Array;
  });
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

// [source width, source height, output width, output height]: down, up, odd, non-square, 1-pixel cases.
const SHAPES: [number, number, number, number][] = [
  [474, 490, 224, 224],
  [640, 480, 224, 224],
  [480, 640, 160, 96],
  [97, 61, 224, 224],
  [13, 7, 5, 3],
  [5, 3, 13, 7],
  [31, 17, 31, 17],
  [100, 100, 50, 50],
  [100, 100, 33, 77],
  [3, 200, 64, 1],
  [1, 1, 1, 1],
  [1, 1, 7, 5],
  [9, 9, 1, 1],
  [1, 40, 6, 6],
  [40, 1, 6, 6],
  [2, 2, 3, 3],
  [1000, 751, 224, 224],
];

describe("resizeBilinear matches tf.image.resizeBilinear (cpu, halfPixelCenters)", () => {
  for (const [w, h, ow, oh] of SHAPES) {
    it(`${w}×${h} → ${ow}×${oh}`, () => {
      const image = randomImage(w, h);
      const ours = resizeBilinear(image, ow, oh);
      expect(ours.length).toBe(ow * oh * 3);
      expect(maxAbsDiff(ours, tfjsResize(image, ow, oh))).toBeLessThanOrEqual(1e-4);
    });
  }

  it("is not trivially equal: a shifted sampling grid would differ by far more than 1e-4", () => {
    // Guards the test itself: alignCorners=true (a different grid) must not pass the same check.
    const image = randomImage(97, 61);
    const other = tf.tidy(() => {
      const x = tf.tensor3d(Float32Array.from(image.data), [61, 97, 3]);
      return tf.image.resizeBilinear(x, [40, 50], true, false).dataSync() as Float32Array;
    });
    expect(maxAbsDiff(resizeBilinear(image, 50, 40), other)).toBeGreaterThan(1);
  });

  it("keeps a same-size resize exact and averages a 2×2 block on a 2× downscale", () => {
    const image = randomImage(8, 6);
    expect(Array.from(resizeBilinear(image, 8, 6))).toEqual(Array.from(image.data));
    const half = resizeBilinear(image, 4, 3);
    const d = image.data;
    // Output (0,0) red sits at source (0.5, 0.5): the mean of pixels (0,0), (1,0), (0,1), (1,1).
    expect(half[0]).toBeCloseTo((d[0]! + d[3]! + d[24]! + d[27]!) / 4, 5);
  });
});

describe("output buffer", () => {
  it("writes into the given buffer and returns it", () => {
    const out = new Float32Array(10 * 10 * 3).fill(-1);
    const result = resizeBilinear(randomImage(30, 20), 10, 10, out);
    expect(result).toBe(out);
    expect(out.every((v) => v >= 0 && v <= 255)).toBe(true);
  });

  it("throws internal_error on a wrong-size buffer", () => {
    const call = () => resizeBilinear(randomImage(30, 20), 10, 10, new Float32Array(299));
    expect(call).toThrow(/holds 299 floats but 300/);
    try {
      call();
    } catch (err) {
      expect(isMarqueeError(err, "internal_error")).toBe(true);
    }
  });

  it("refuses a bad output size and an image whose data does not match its size", () => {
    expect(() => resizeBilinear(randomImage(4, 4), 0, 4)).toThrow(/Output size/);
    expect(() => resizeBilinear(randomImage(4, 4), 2.5, 4)).toThrow(/Output size/);
    expect(() => resizeBilinear({ width: 4, height: 4, data: new Uint8Array(47) }, 2, 2)).toThrow(
      /should hold 48 bytes/,
    );
  });
});

describe("cropResizeBilinear", () => {
  const photo = randomImage(300, 200);
  const rects = [
    { left: 0, top: 0, width: 300, height: 200 },
    { left: 50, top: 0, width: 200, height: 200 },
    { left: 17, top: 33, width: 91, height: 57 },
    { left: 299, top: 199, width: 1, height: 1 },
    { left: 0, top: 100, width: 300, height: 1 },
  ];
  for (const rect of rects) {
    it(`equals crop-then-resize for ${JSON.stringify(rect)}`, () => {
      for (const [ow, oh] of [
        [64, 64],
        [7, 13],
        [400, 250],
      ] as const) {
        const direct = cropResizeBilinear(photo, rect, ow, oh);
        const viaCopy = resizeBilinear(cropImage(photo, rect), ow, oh);
        expect(maxAbsDiff(direct, viaCopy)).toBeLessThanOrEqual(1e-4);
        expect(maxAbsDiff(direct, tfjsResize(cropImage(photo, rect), ow, oh))).toBeLessThanOrEqual(1e-4);
      }
    });
  }

  it("refuses a rectangle outside the image with bad_request", () => {
    try {
      cropResizeBilinear(photo, { left: 250, top: 0, width: 51, height: 10 }, 8, 8);
      expect.unreachable();
    } catch (err) {
      expect(isMarqueeError(err, "bad_request")).toBe(true);
      expect((err as Error).message).toMatch(/outside the 300×200 image/);
    }
  });
});
