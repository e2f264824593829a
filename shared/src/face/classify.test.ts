import { describe, expect, it } from "vitest";
import { classifyFaceHead, normalizeDescriptor, UNKNOWN_FACE_LABEL } from "./classify.ts";
import { subjectFaceIndex } from "./subject.ts";

const labels = ["ada", "bob", "cy"];
const face = (kind: "probability" | "distance", threshold: number) => ({
  detector: { name: "d", package: "p", version: "1", path: "x", license: "MIT" },
  embedder: { name: "e", package: "p", version: "1", path: "x", license: "MIT" },
  embeddingSize: 128,
  minDetectionScore: 0.5,
  rejection: { kind, threshold },
});

describe("classifyFaceHead", () => {
  it("softmaxes logits, ranks predictions and applies a probability rule", () => {
    const logits = [2, 0, 1];
    const meta = { labels, output: "logits" as const, face: face("probability", 0.5) };
    const out = classifyFaceHead(logits, meta);
    const e = logits.map(Math.exp);
    const p0 = e[0]! / (e[0]! + e[1]! + e[2]!);
    expect(out.label).toBe("ada");
    expect(out.score).toBeCloseTo(p0, 6);
    expect(out.predictions.map((p) => p.label)).toEqual(["ada", "cy", "bob"]);
    expect(out.distance).toBeNull();
    const strict = classifyFaceHead(logits, { ...meta, face: face("probability", 0.7) });
    expect(strict.label).toBe(UNKNOWN_FACE_LABEL);
    expect(strict.bestMatch).toBe("ada");
  });

  it("reads the centroid half of a 2N output as 1 − d² and applies a distance rule", () => {
    // Best class by logits is "bob"; its centroid score 0.84 means distance 0.4.
    const output = [0, 3, 1, 0.1, 0.84, 0.5];
    const near = classifyFaceHead(output, { labels, output: "logits", face: face("distance", 0.45) });
    expect(near.label).toBe("bob");
    expect(near.distance).toBeCloseTo(0.4, 6);
    const far = classifyFaceHead(output, { labels, output: "logits", face: face("distance", 0.35) });
    expect(far.label).toBe(UNKNOWN_FACE_LABEL);
    expect(far.predictions[0]!.label).toBe("bob");
  });

  it("refuses outputs of the wrong width and a distance rule without centroids", () => {
    const meta = { labels, output: "logits" as const, face: face("distance", 0.4) };
    expect(() => classifyFaceHead([1, 2], meta)).toThrow(/must emit 3 or 6/);
    expect(() => classifyFaceHead([1, 2, 3], meta)).toThrow(/no centroid outputs/);
  });
});

describe("normalizeDescriptor / subjectFaceIndex", () => {
  it("scales to unit length", () => {
    const v = normalizeDescriptor([3, 4]);
    expect(Array.from(v)).toEqual([Math.fround(0.6), Math.fround(0.8)]);
  });

  it("prefers the largest confident face over a larger doubtful one", () => {
    const box = (w: number) => ({ width: w, height: w });
    expect(subjectFaceIndex([])).toBe(-1);
    expect(
      subjectFaceIndex([
        { box: box(300), score: 0.63 },
        { box: box(180), score: 0.96 },
      ]),
    ).toBe(1);
    expect(
      subjectFaceIndex([
        { box: box(300), score: 0.9 },
        { box: box(180), score: 0.96 },
      ]),
    ).toBe(0);
  });
});
