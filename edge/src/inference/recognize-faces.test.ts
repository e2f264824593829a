import { expect, it } from "vitest";
import { detectorInputSizeFor } from "./recognize-faces.ts";

it("detectorInputSizeFor: half the longest side in multiples of 32, between 224 and the maximum", () => {
  expect(detectorInputSizeFor(474, 490, 320)).toBe(256);
  expect(detectorInputSizeFor(1536, 1024, 320)).toBe(320);
  expect(detectorInputSizeFor(640, 480, 320)).toBe(320);
  expect(detectorInputSizeFor(112, 112, 320)).toBe(224);
  expect(detectorInputSizeFor(4000, 3000, 416)).toBe(416);
  // A maximum below 224 wins.
  expect(detectorInputSizeFor(1000, 1000, 160)).toBe(160);
  for (const side of [50, 300, 500, 700, 2000]) expect(detectorInputSizeFor(side, side, 416) % 32).toBe(0);
});
