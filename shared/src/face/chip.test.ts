import { describe, expect, it } from "vitest";
import type { RgbImage } from "../image/types.ts";
import { DLIB_CHIP_PADDING, faceChipTransform, sampleFaceChip, similarityTransform } from "./chip.ts";
import { DEFAULT_DESCRIPTOR_RECIPE, descriptorRecipeOf, LEGACY_DESCRIPTOR_RECIPE } from "./embed.ts";
import type { Point } from "./geometry.ts";

// 68 landmarks for which the chip transform is the identity. The least-squares similarity fit is
// equivariant (fitting S(p) gives S ∘ fit(p)), so mapping any points p through the inverse of
// their own fit T yields points whose fit is T⁻¹ ∘ T = identity.
function meanFaceLandmarks(size: number): Point[] {
  const probe = Array.from({ length: 68 }, (_, i) => ({ x: i, y: (i * 7) % 13 }));
  const t = faceChipTransform(probe, size);
  const det = t.a * t.a + t.b * t.b;
  return probe.map((p) => {
    const x = p.x - t.tx;
    const y = p.y - t.ty;
    return { x: (t.a * x + t.b * y) / det, y: (-t.b * x + t.a * y) / det };
  });
}

describe("dlib face chip", () => {
  it("is the identity for landmarks already on the chip, and follows a rotation and scale", () => {
    const size = 150;
    const onChip = meanFaceLandmarks(size);
    const id = faceChipTransform(onChip, size);
    expect(id.a).toBeCloseTo(1, 6);
    expect(id.b).toBeCloseTo(0, 6);
    expect(id.tx).toBeCloseTo(0, 4);
    expect(id.ty).toBeCloseTo(0, 4);
    // Rotate the face by 20° and scale it 2× about (300, 200): the transform is that map.
    const theta = (20 * Math.PI) / 180;
    const moved = onChip.map((p) => ({
      x: 300 + 2 * (Math.cos(theta) * p.x - Math.sin(theta) * p.y),
      y: 200 + 2 * (Math.sin(theta) * p.x + Math.cos(theta) * p.y),
    }));
    const t = faceChipTransform(moved, size);
    expect(Math.hypot(t.a, t.b)).toBeCloseTo(2, 6);
    expect(Math.atan2(t.b, t.a)).toBeCloseTo(theta, 6);
    expect(t.tx).toBeCloseTo(300, 3);
    expect(t.ty).toBeCloseTo(200, 3);
  });

  it("samples the chip the transform describes, black outside the image, mirrored on request", () => {
    // A horizontal gradient image: with the identity transform the chip reproduces it.
    const width = 150;
    const height = 150;
    const data = new Uint8Array(width * height * 3);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) data.fill(x, (y * width + x) * 3, (y * width + x) * 3 + 3);
    const image: RgbImage = { width, height, data };
    const landmarks = meanFaceLandmarks(150);
    const chip = sampleFaceChip(image, landmarks, 150);
    expect(chip[(75 * 150 + 40) * 3]).toBeCloseTo(40, 3);
    expect(chip[(75 * 150 + 120) * 3]).toBeCloseTo(120, 3);
    const mirrored = sampleFaceChip(image, landmarks, 150, { mirror: true });
    for (const x of [0, 40, 149])
      expect(mirrored[(75 * 150 + x) * 3]).toBeCloseTo(chip[(75 * 150 + 149 - x) * 3]!, 5);
    // Shift the face half a chip to the left of the image: the chip's left part reads black.
    const shifted = landmarks.map((p) => ({ x: p.x - 75, y: p.y }));
    const half = sampleFaceChip(image, shifted, 150);
    expect(half[(75 * 150 + 10) * 3]).toBe(0);
    expect(half[(75 * 150 + 120) * 3]).toBeCloseTo(45, 3);
    expect(DLIB_CHIP_PADDING).toBe(0.25);
  });

  it("needs all 68 landmarks", () => {
    expect(() => faceChipTransform([{ x: 0, y: 0 }], 150)).toThrow(/68 landmarks/);
  });
});

describe("descriptor recipe", () => {
  it("reads a 2.x model's recipe and gives 1.x models face-api's aligned square", () => {
    expect(descriptorRecipeOf({ descriptor: { crop: "dlib-chip", mirror: true } })).toEqual(
      DEFAULT_DESCRIPTOR_RECIPE,
    );
    expect(descriptorRecipeOf({})).toEqual(LEGACY_DESCRIPTOR_RECIPE);
    expect(descriptorRecipeOf(undefined)).toEqual({ crop: "aligned-square", mirror: false });
  });
});

describe("similarityTransform", () => {
  it("recovers a rotation by 90°, scale 2 and shift exactly", () => {
    const t = similarityTransform(
      [
        { x: 0, y: 0 },
        { x: 1, y: 0 },
        { x: 0, y: 1 },
      ],
      [
        { x: 5, y: 5 },
        { x: 5, y: 7 },
        { x: 3, y: 5 },
      ],
    );
    expect(t.a).toBeCloseTo(0, 9);
    expect(t.b).toBeCloseTo(2, 9);
    expect(t.tx).toBeCloseTo(5, 9);
    expect(t.ty).toBeCloseTo(5, 9);
  });
});
