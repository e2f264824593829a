import { describe, expect, it } from "vitest";
import { isMarqueeError } from "../errors.ts";
import { assertRectInside, centerCropRect, clampRect } from "./rect.ts";

function expectBadRequest(fn: () => unknown, message: RegExp): void {
  try {
    fn();
    expect.unreachable();
  } catch (err) {
    expect(isMarqueeError(err, "bad_request")).toBe(true);
    expect((err as Error).message).toMatch(message);
  }
}

/** Keras' crop_to_aspect_ratio box (keras/src/utils/image_utils.py smart_resize), written out independently. */
function kerasCropBox(width: number, height: number, targetW: number, targetH: number) {
  const cropHeight = Math.max(Math.min(height, Math.trunc((width * targetH) / targetW)), 1);
  const cropWidth = Math.max(Math.min(width, Math.trunc((height * targetW) / targetH)), 1);
  return {
    left: Math.trunc((width - cropWidth) / 2),
    top: Math.trunc((height - cropHeight) / 2),
    width: cropWidth,
    height: cropHeight,
  };
}

describe("centerCropRect", () => {
  it("takes the largest centred square by default", () => {
    expect(centerCropRect(640, 480)).toEqual({ left: 80, top: 0, width: 480, height: 480 });
    expect(centerCropRect(480, 640)).toEqual({ left: 0, top: 80, width: 480, height: 480 });
    expect(centerCropRect(5, 4)).toEqual({ left: 0, top: 0, width: 4, height: 4 });
    expect(centerCropRect(7, 7)).toEqual({ left: 0, top: 0, width: 7, height: 7 });
    expect(centerCropRect(1, 1)).toEqual({ left: 0, top: 0, width: 1, height: 1 });
  });

  it("agrees with Keras' crop box for many sizes and aspects", () => {
    for (const [tw, th] of [
      [1, 1],
      [3, 2],
      [2, 3],
      [16, 9],
      [224, 160],
    ] as const) {
      for (const [w, h] of [
        [640, 480],
        [474, 490],
        [300, 200],
        [201, 301],
        [1, 50],
        [50, 1],
        [4000, 3000],
      ] as const) {
        expect(centerCropRect(w, h, tw / th), `${w}×${h} at ${tw}:${th}`).toEqual(kerasCropBox(w, h, tw, th));
      }
    }
  });

  it("refuses bad sizes and aspects", () => {
    expectBadRequest(() => centerCropRect(0, 10), /width must be a positive whole number/);
    expectBadRequest(() => centerCropRect(10, 2.5), /height must be a positive whole number/);
    expectBadRequest(() => centerCropRect(10, 10, 0), /aspect must be a positive number/);
    expectBadRequest(() => centerCropRect(10, 10, Number.NaN), /aspect/);
  });
});

describe("clampRect", () => {
  it("snaps outward to whole pixels and clips to the image", () => {
    expect(clampRect({ left: -5.5, top: 10.2, width: 50, height: 40 }, 100, 100)).toEqual({
      left: 0,
      top: 10,
      width: 45,
      height: 41,
    });
    expect(clampRect({ left: 90, top: 90, width: 30, height: 30 }, 100, 100)).toEqual({
      left: 90,
      top: 90,
      width: 10,
      height: 10,
    });
  });

  it("throws bad_request when nothing is left", () => {
    expectBadRequest(
      () => clampRect({ left: 100, top: 0, width: 5, height: 5 }, 100, 100),
      /does not overlap/,
    );
    expectBadRequest(
      () => clampRect({ left: 10, top: 10, width: 0, height: 5 }, 100, 100),
      /does not overlap/,
    );
    expectBadRequest(
      () => clampRect({ left: Number.NaN, top: 0, width: 5, height: 5 }, 100, 100),
      /non-finite/,
    );
  });
});

describe("assertRectInside", () => {
  it("accepts rectangles up to the edges", () => {
    expect(() => assertRectInside({ left: 0, top: 0, width: 10, height: 8 }, 10, 8)).not.toThrow();
    expect(() => assertRectInside({ left: 9, top: 7, width: 1, height: 1 }, 10, 8)).not.toThrow();
  });

  it("refuses empty, fractional and out-of-bounds rectangles", () => {
    expectBadRequest(() => assertRectInside({ left: 0, top: 0, width: 0, height: 8 }, 10, 8), /is empty/);
    expectBadRequest(
      () => assertRectInside({ left: 0.5, top: 0, width: 1, height: 1 }, 10, 8),
      /whole pixels/,
    );
    expectBadRequest(() => assertRectInside({ left: -1, top: 0, width: 2, height: 2 }, 10, 8), /outside/);
    expectBadRequest(() => assertRectInside({ left: 5, top: 0, width: 6, height: 2 }, 10, 8), /outside/);
    expectBadRequest(() => assertRectInside({ left: 0, top: 7, width: 1, height: 2 }, 10, 8), /outside/);
  });
});
