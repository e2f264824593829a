import { describe, expect, it } from "vitest";
import { softmax, topK } from "./classify.ts";

describe("softmax", () => {
  it("sums to 1, keeps order and survives huge logits", () => {
    const p = softmax(new Float32Array([1, 2, 3]));
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(p[2]).toBeGreaterThan(p[1] as number);
    expect(p[0]).toBeCloseTo(Math.exp(1) / (Math.exp(1) + Math.exp(2) + Math.exp(3)), 12);
    const big = softmax([1000, 1000]);
    expect(Array.from(big)).toEqual([0.5, 0.5]);
  });
});

describe("topK", () => {
  it("returns the k best, highest first, ties in label order", () => {
    expect(topK([0.2, 0.5, 0.2, 0.1], ["a", "b", "c", "d"], 3)).toEqual([
      { label: "b", score: 0.5 },
      { label: "a", score: 0.2 },
      { label: "c", score: 0.2 },
    ]);
  });
});
