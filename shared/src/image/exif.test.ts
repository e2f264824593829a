import { describe, expect, it } from "vitest";
import { readExifOrientation } from "./exif.ts";
import { applyOrientation } from "./orientation.ts";

function tiffWithOrientation(value: number, little: boolean): Uint8Array {
  const b = new Uint8Array(8 + 2 + 12 + 4);
  const dv = new DataView(b.buffer);
  b.set(little ? [0x49, 0x49] : [0x4d, 0x4d]);
  dv.setUint16(2, 42, little);
  dv.setUint32(4, 8, little);
  dv.setUint16(8, 1, little); // one IFD0 entry
  dv.setUint16(10, 0x0112, little);
  dv.setUint16(12, 3, little); // SHORT
  dv.setUint32(14, 1, little);
  dv.setUint16(18, value, little);
  return b;
}

describe("readExifOrientation", () => {
  it("reads both byte orders, with or without the Exif\\0\\0 prefix", () => {
    expect(readExifOrientation(tiffWithOrientation(6, true))).toBe(6);
    expect(readExifOrientation(tiffWithOrientation(8, false))).toBe(8);
    const prefixed = new Uint8Array([0x45, 0x78, 0x69, 0x66, 0, 0, ...tiffWithOrientation(3, false)]);
    expect(readExifOrientation(prefixed)).toBe(3);
  });

  it("falls back to 1 for junk, out-of-range values and truncation", () => {
    expect(readExifOrientation(tiffWithOrientation(9, true))).toBe(1);
    expect(readExifOrientation(tiffWithOrientation(0, true))).toBe(1);
    expect(readExifOrientation(tiffWithOrientation(6, true).subarray(0, 15))).toBe(1);
    expect(readExifOrientation(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]))).toBe(1);
  });
});

describe("applyOrientation", () => {
  // 3×2 image whose pixels are numbered 1..6 (in the red channel):  1 2 3 / 4 5 6
  const img = { width: 3, height: 2, data: new Uint8Array([1, 2, 3, 4, 5, 6].flatMap((v) => [v, 0, 0])) };
  const reds = (o: number) => {
    const r = applyOrientation(img, o);
    return {
      w: r.width,
      h: r.height,
      px: Array.from({ length: r.width * r.height }, (_, i) => r.data[i * 3]),
    };
  };

  it.each([
    [1, 3, 2, [1, 2, 3, 4, 5, 6]],
    [2, 3, 2, [3, 2, 1, 6, 5, 4]], // mirrored left-right
    [3, 3, 2, [6, 5, 4, 3, 2, 1]], // rotated 180°
    [4, 3, 2, [4, 5, 6, 1, 2, 3]], // mirrored top-bottom
    [5, 2, 3, [1, 4, 2, 5, 3, 6]], // transposed
    [6, 2, 3, [4, 1, 5, 2, 6, 3]], // rotated 90° clockwise
    [7, 2, 3, [6, 3, 5, 2, 4, 1]], // transverse
    [8, 2, 3, [3, 6, 2, 5, 1, 4]], // rotated 90° counter-clockwise
  ])("orientation %i", (o, w, h, px) => {
    expect(reds(o)).toEqual({ w, h, px });
  });
});
