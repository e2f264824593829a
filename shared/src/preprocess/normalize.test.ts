import { describe, expect, it } from "vitest";
import { isMarqueeError } from "../errors.ts";
import { applyNormalization } from "./normalize.ts";

describe("applyNormalization", () => {
  it("scale: v * scale + offset, in place", () => {
    const pixels = new Float32Array([0, 127.5, 255, 51, 10, 20]);
    const result = applyNormalization(pixels, { kind: "scale", scale: 1 / 127.5, offset: -1 });
    expect(result).toBe(pixels);
    const expected = [-1, 0, 1, 51 / 127.5 - 1, 10 / 127.5 - 1, 20 / 127.5 - 1];
    expected.forEach((v, i) => {
      expect(pixels[i]).toBeCloseTo(v, 6);
    });
  });

  it("scale: a missing offset means 0", () => {
    const pixels = new Float32Array([255, 0, 51]);
    applyNormalization(pixels, { kind: "scale", scale: 1 / 255 } as never);
    expect(Array.from(pixels).map((v) => Number(v.toFixed(6)))).toEqual([1, 0, 0.2]);
  });

  it("meanStd: (v / 255 - mean[c]) / std[c] per HWC channel", () => {
    const mean = [0.485, 0.456, 0.406] as [number, number, number];
    const std = [0.229, 0.224, 0.225] as [number, number, number];
    const raw = [0, 128, 255, 255, 0, 64];
    const pixels = applyNormalization(new Float32Array(raw), { kind: "meanStd", mean, std });
    raw.forEach((v, i) => {
      expect(pixels[i]).toBeCloseTo((v / 255 - mean[i % 3]!) / std[i % 3]!, 5);
    });
    // The channels really differ: red 0 and green 0 must not map to the same value.
    expect(pixels[0]).not.toBeCloseTo(pixels[4]!, 3);
  });

  it("meanStd refuses a buffer that is not whole RGB pixels", () => {
    try {
      applyNormalization(new Float32Array(4), { kind: "meanStd", mean: [0, 0, 0], std: [1, 1, 1] });
      expect.unreachable();
    } catch (err) {
      expect(isMarqueeError(err, "internal_error")).toBe(true);
    }
  });
});
