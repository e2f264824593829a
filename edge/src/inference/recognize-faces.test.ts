import { expect, it } from "vitest";
import { detectorInputSizeFor } from "./recognize-faces.ts";

it("detectorInputSizeFor: 224 for photos up to 512 px, the maximum for bigger ones", () => {
  expect(detectorInputSizeFor(474, 490, 320)).toBe(224);
  expect(detectorInputSizeFor(512, 300, 320)).toBe(224);
  expect(detectorInputSizeFor(513, 300, 320)).toBe(320);
  expect(detectorInputSizeFor(1536, 1024, 320)).toBe(320);
  expect(detectorInputSizeFor(112, 112, 320)).toBe(224);
  expect(detectorInputSizeFor(4000, 3000, 416)).toBe(416);
  // A maximum below 224 wins.
  expect(detectorInputSizeFor(400, 400, 160)).toBe(160);
});
