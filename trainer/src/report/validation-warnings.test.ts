import { describe, expect, it } from "vitest";
import { validationWarnings } from "./validation-warnings.ts";

/** A confusion matrix with `perClass[i]` examples of class i, `correct[i]` of them right. */
function evaluation(perClass: number[], correct: number[]) {
  const confusion = perClass.map((n, i) =>
    perClass.map((_, j) => (i === j ? correct[i]! : j === (i + 1) % perClass.length ? n - correct[i]! : 0)),
  );
  const count = perClass.reduce((a, b) => a + b, 0);
  const accuracy = correct.reduce((a, b) => a + b, 0) / count;
  return { count, accuracy, confusion };
}

describe("validationWarnings", () => {
  it("says nothing about a large, accurate validation set", () => {
    expect(validationWarnings(evaluation([20, 20, 20], [18, 19, 17]), ["a", "b", "c"])).toEqual([]);
  });

  it("warns about 9 photos at 100% (the five-celeb re-split)", () => {
    const w = validationWarnings(evaluation([2, 2, 2, 2, 1], [2, 2, 2, 2, 1]), ["a", "b", "c", "d", "e"]);
    expect(w).toHaveLength(2);
    expect(w[0]).toContain("Only 9 validation photos");
    expect(w[0]).toContain("--validation-data");
    expect(w[1]).toContain(
      "5 classes have fewer than 3 validation photos: a (2), b (2), c (2), d (2), e (1)",
    );
  });

  it("warns when a 5-class model is at 22% (near the 20% of chance)", () => {
    const w = validationWarnings(evaluation([10, 10, 10, 10, 10], [2, 3, 2, 2, 2]), [
      "a",
      "b",
      "c",
      "d",
      "e",
    ]);
    expect(w).toEqual([expect.stringContaining("22.0% is near chance (20.0% for 5 classes)")]);
  });

  it("does not call 31% on 5 classes near chance (above 1.5 × 20%)", () => {
    expect(
      validationWarnings(evaluation([20, 20, 20, 20, 20], [6, 7, 6, 6, 6]), ["a", "b", "c", "d", "e"]),
    ).toEqual([]);
  });
});
