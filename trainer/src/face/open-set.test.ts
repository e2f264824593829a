import { describe, expect, it } from "vitest";
import { pickThreshold, type TradeOffPoint } from "./open-set.ts";

const point = (threshold: number, known: number, strangers: number): TradeOffPoint => ({
  threshold,
  knownAcceptedCorrect: known,
  knownAccepted: known,
  strangersRejected: strangers,
});

describe("pickThreshold", () => {
  // Distance rule: looser (larger) thresholds accept more known faces and fewer strangers.
  const curve = [
    point(0.28, 0.95, 1),
    point(0.3, 0.98, 0.999),
    point(0.31, 0.993, 0.996),
    point(0.32, 0.993, 0.993),
    point(0.33, 0.993, 0.991),
    point(0.34, 0.993, 0.982),
    point(0.35, 0.993, 0.95),
    point(0.37, 1, 0.88),
  ];

  it("takes the middle of the best-known plateau that still rejects enough strangers", () => {
    // Plateau at 0.993 within ≥ 98 % strangers: 0.31–0.34 → middle 0.32.
    expect(pickThreshold(curve, 0.98).threshold).toBe(0.32);
    // A stricter stranger target shortens the plateau to 0.31–0.33 → 0.32 still; at 99.5 % only 0.31.
    expect(pickThreshold(curve, 0.99).threshold).toBe(0.32);
    expect(pickThreshold(curve, 0.995).threshold).toBe(0.31);
  });

  it("falls back to the best worst case when no point rejects enough strangers", () => {
    const weak = [point(0.3, 0.5, 0.9), point(0.32, 0.8, 0.85), point(0.34, 0.9, 0.7)];
    expect(pickThreshold(weak, 0.99).threshold).toBe(0.32);
  });
});
