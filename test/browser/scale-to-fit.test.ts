// The page's resize rule, as plain arithmetic (the browser tests check it end to end).
import { describe, expect, it } from "vitest";

// The page is plain browser JS (no types for this TS project), so it is imported by URL and typed here.
const {
  MAX_UPLOAD_SIDE,
  scaleToFit,
}: {
  MAX_UPLOAD_SIDE: number;
  scaleToFit(width: number, height: number, limits: { maxMegapixels: number }, maxSide?: number): number;
} = await import(new URL("../../edge/public/prepare-image.js", import.meta.url).href);

describe("scaleToFit", () => {
  it("keeps photos that fit the long side and the megapixel limit", () => {
    expect(scaleToFit(1920, 1280, { maxMegapixels: 4 })).toBe(1);
    expect(scaleToFit(2048, 1024, { maxMegapixels: 4 })).toBe(1);
  });

  it("brings the long side down to 2048 px", () => {
    expect(MAX_UPLOAD_SIDE).toBe(2048);
    expect(scaleToFit(4000, 3000, { maxMegapixels: 40 })).toBeCloseTo(2048 / 4000, 10);
    expect(scaleToFit(1000, 6000, { maxMegapixels: 40 })).toBeCloseTo(2048 / 6000, 10);
  });

  it("stays under the megapixel limit even where 2048 px would not", () => {
    // 2048×2048 is 4.19 MP, over the worker's 4 MP.
    const scale = scaleToFit(3000, 3000, { maxMegapixels: 4 });
    expect(Math.ceil(3000 * scale) ** 2).toBeLessThanOrEqual(4_000_000);
    expect(Math.round(3000 * scale)).toBeGreaterThan(1980);
    const small = scaleToFit(1920, 1280, { maxMegapixels: 0.5 });
    expect(Math.ceil(1920 * small) * Math.ceil(1280 * small)).toBeLessThanOrEqual(500_000);
  });
});
