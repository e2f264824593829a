import { describe, expect, it } from "vitest";
import { isMarqueeError } from "../errors.ts";
import { cropImage } from "./crop.ts";
import { centerCropRect } from "./rect.ts";
import { randomImage } from "./test-images.ts";

describe("cropImage", () => {
  const src = randomImage(11, 7);
  const pixel = (img: { width: number; data: Uint8Array }, x: number, y: number) =>
    Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));

  it("copies exactly the pixels inside the rectangle", () => {
    const rect = { left: 3, top: 2, width: 5, height: 4 };
    const crop = cropImage(src, rect);
    expect(crop.width).toBe(5);
    expect(crop.height).toBe(4);
    expect(crop.data.length).toBe(5 * 4 * 3);
    for (let y = 0; y < 4; y++) {
      for (let x = 0; x < 5; x++) expect(pixel(crop, x, y)).toEqual(pixel(src, x + 3, y + 2));
    }
  });

  it("returns a copy, not a view", () => {
    const crop = cropImage(src, { left: 0, top: 0, width: 11, height: 7 });
    expect(crop.data).toEqual(src.data);
    crop.data[0] = (src.data[0]! + 1) & 0xff;
    expect(crop.data[0]).not.toBe(src.data[0]);
  });

  it("works with centerCropRect", () => {
    const crop = cropImage(src, centerCropRect(11, 7));
    expect([crop.width, crop.height]).toEqual([7, 7]);
    expect(pixel(crop, 0, 0)).toEqual(pixel(src, 2, 0));
  });

  it("throws bad_request for empty or out-of-bounds rectangles", () => {
    for (const rect of [
      { left: 0, top: 0, width: 0, height: 3 },
      { left: 8, top: 0, width: 4, height: 3 },
      { left: 0, top: -1, width: 4, height: 3 },
    ]) {
      try {
        cropImage(src, rect);
        expect.unreachable();
      } catch (err) {
        expect(isMarqueeError(err, "bad_request")).toBe(true);
      }
    }
  });
});
