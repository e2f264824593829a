import { expect, it } from "vitest";
import { parseFaceRequestOptions, thresholdBounds } from "./face-request-options.ts";

const distanceModel = { face: { rejection: { kind: "distance", threshold: 0.4 } } } as Parameters<
  typeof parseFaceRequestOptions
>[1];
const probabilityModel = { face: { rejection: { kind: "probability", threshold: 0.6 } } } as Parameters<
  typeof parseFaceRequestOptions
>[1];

it("reads max_faces, threshold and min_face within their bounds", () => {
  expect(parseFaceRequestOptions({}, distanceModel)).toEqual({});
  expect(
    parseFaceRequestOptions({ max_faces: "1", threshold: "0.45", min_face: "60" }, distanceModel),
  ).toEqual({
    maxFaces: 1,
    threshold: 0.45,
    minFacePixels: 60,
  });
  expect(parseFaceRequestOptions({ max_faces: "100", threshold: "2", min_face: "0" }, distanceModel)).toEqual(
    {
      maxFaces: 100,
      threshold: 2,
      minFacePixels: 0,
    },
  );
  expect(thresholdBounds("probability")).toEqual({ min: 0, max: 1 });
});

it("refuses values outside the documented bounds with a message naming the option and its bounds", () => {
  const bad =
    (q: Record<string, string>, m = distanceModel) =>
    () =>
      parseFaceRequestOptions(q, m);
  expect(bad({ max_faces: "0" })).toThrow(/max_faces must be a whole number from 1 to 100, got "0"/);
  expect(bad({ max_faces: "101" })).toThrow(/max_faces must be a whole number from 1 to 100/);
  expect(bad({ max_faces: "2.5" })).toThrow(/max_faces/);
  expect(bad({ max_faces: "" })).toThrow(/max_faces/);
  expect(bad({ threshold: "2.01" })).toThrow(
    /threshold must be a number from 0 to 2 \(the model's open-set rule is "distance"\)/,
  );
  expect(bad({ threshold: "-0.1" })).toThrow(/threshold/);
  expect(bad({ threshold: "1.5" }, probabilityModel)).toThrow(/from 0 to 1 .*"probability"/);
  expect(bad({ threshold: "NaN" })).toThrow(/threshold/);
  expect(bad({ min_face: "4097" })).toThrow(/min_face must be a whole number of pixels from 0 to 4096/);
  expect(bad({ min_face: "1e3" })).toThrow(/min_face/);
  let caught: unknown;
  try {
    parseFaceRequestOptions({ max_faces: "500" }, distanceModel);
  } catch (err) {
    caught = err;
  }
  expect((caught as { code?: string } | undefined)?.code).toBe("bad_request");
});
