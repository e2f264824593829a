import { expect, it } from "vitest";
import { topLevelFaceIndex } from "./recognize.ts";

const face = (label: string, width: number, detectionScore = 0.9) => ({
  label,
  detectionScore,
  box: { width, height: width },
});

it("picks the subject among the accepted faces for the top-level answer", () => {
  // The largest face is a stranger: the top level describes the largest accepted one.
  expect(topLevelFaceIndex([face("unknown", 0.5), face("Ada", 0.2), face("Bob", 0.3)])).toBe(2);
  // A much less certain detection does not win because it is larger (subject rule, 0.8 of the best).
  expect(topLevelFaceIndex([face("Ada", 0.5, 0.6), face("Bob", 0.2, 0.95)])).toBe(1);
});

it("answers -1 when every face is unknown or there is none", () => {
  expect(topLevelFaceIndex([face("unknown", 0.5), face("unknown", 0.3)])).toBe(-1);
  expect(topLevelFaceIndex([])).toBe(-1);
});
