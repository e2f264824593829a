import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import type { RgbImage } from "../image/types.ts";
import { boxShrink, sampleSquare } from "./sample.ts";
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
