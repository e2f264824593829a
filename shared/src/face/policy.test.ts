import { expect, it } from "vitest";
import { DEFAULT_FACE_POLICY, MAX_FACES_LIMIT, servingFacePolicy } from "./policy.ts";

it("serves and trains with BlazeFace + scaled pass, 100 faces, faces down to 40/1920, no whole-image fallback", () => {
  expect(servingFacePolicy()).toEqual({
    detector: "blazeface",
    maxFaces: 100,
    minScore: 0.6,
    scaledMinScore: 0.7,
    minFaceFraction: 40 / 1920,
    minFacePixels: 0,
    padRetry: true,
  });
  expect(MAX_FACES_LIMIT).toBe(100);
  expect("wholeImageFallback" in servingFacePolicy()).toBe(false);
});

it("takes a model's recorded scores and a request's narrowing; undefined keeps the default", () => {
  const policy = servingFacePolicy({
    maxFaces: 3,
    minScore: 0.65,
    minFacePixels: 50,
    scaledMinScore: undefined,
  });
  expect(policy).toMatchObject({ maxFaces: 3, minScore: 0.65, minFacePixels: 50, scaledMinScore: 0.7 });
  // The defaults are frozen: callers cannot change the policy for everyone by accident.
  expect(Object.isFrozen(DEFAULT_FACE_POLICY)).toBe(true);
});
