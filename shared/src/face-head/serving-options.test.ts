import { expect, it } from "vitest";
import { SERVING_DETECTOR_POLICY, servingDetectorOptions } from "./serving-options.ts";

const size = (width: number, height: number, inputSize?: number) =>
  servingDetectorOptions({ width, height }, inputSize === undefined ? {} : { inputSize }).inputSize;

it("runs the detector at one size, 320, whatever the photo's size", () => {
  expect(size(474, 490)).toBe(320);
  expect(size(112, 112)).toBe(320);
  expect(size(1536, 1024)).toBe(320);
});

it("takes the worker's FACE_DETECTOR_INPUT_SIZE as the size", () => {
  expect(size(4000, 3000, 416)).toBe(416);
  expect(size(400, 400, 160)).toBe(160);
});

it("never retries, and caps the faces at the serving maximum unless overridden", () => {
  expect(servingDetectorOptions({ width: 800, height: 600 })).toEqual({
    inputSize: 320,
    retryInputSizes: [],
    maxFaces: 10,
  });
  expect(servingDetectorOptions({ width: 800, height: 600 }, { maxFaces: 3 }).maxFaces).toBe(3);
  // The defaults are frozen: callers cannot change the policy for everyone by accident.
  expect(Object.isFrozen(SERVING_DETECTOR_POLICY)).toBe(true);
});
