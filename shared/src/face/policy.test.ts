import { expect, it } from "vitest";
import { SERVING_DETECTOR_POLICY, servingFacePolicy } from "./policy.ts";

it("serves with one detector size, 320, no retries, ten faces and the whole-image fallback", () => {
  expect(servingFacePolicy()).toEqual({
    inputSize: 320,
    retryInputSizes: [],
    maxFaces: 10,
    minScore: 0.5,
    wholeImageFallback: true,
  });
});

it("takes the worker's FACE_DETECTOR_INPUT_SIZE, MAX_FACES and the model's minimum score", () => {
  const policy = servingFacePolicy({ inputSize: 416, maxFaces: 3, minScore: 0.6 });
  expect(policy).toMatchObject({ inputSize: 416, maxFaces: 3, minScore: 0.6, retryInputSizes: [] });
});

it("never retries, whatever is passed", () => {
  const sneaky = { retryInputSizes: [512] } as Parameters<typeof servingFacePolicy>[0];
  expect(servingFacePolicy(sneaky).retryInputSizes).toEqual([]);
  // The defaults are frozen: callers cannot change the policy for everyone by accident.
  expect(Object.isFrozen(SERVING_DETECTOR_POLICY)).toBe(true);
});
