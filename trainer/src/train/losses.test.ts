import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { categoricalCrossEntropy } from "./losses.ts";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("categoricalCrossEntropy", () => {
  it("gives the same loss from logits as from their softmax probabilities", () => {
    const logits = tf.tensor2d([
      [2, -1, 0.5],
      [0, 0, 0],
      [-3, 4, 1],
    ]);
    const labels = tf.oneHot(tf.tensor1d([0, 2, 1], "int32"), 3).toFloat() as tf.Tensor2D;
    const fromLogits = categoricalCrossEntropy(labels, logits, true).dataSync()[0]!;
    const fromProbs = categoricalCrossEntropy(
      labels,
      tf.softmax(logits) as tf.Tensor2D,
      false,
    ).dataSync()[0]!;
    // Hand-computed mean of -log softmax at the true class.
    const lse = (r: number[]) => Math.log(r.reduce((a, x) => a + Math.exp(x), 0));
    const expected = (lse([2, -1, 0.5]) - 2 + (lse([0, 0, 0]) - 0) + (lse([-3, 4, 1]) - 4)) / 3;
    expect(fromLogits).toBeCloseTo(expected, 5);
    expect(fromProbs).toBeCloseTo(expected, 5);
  });

  it("clips probabilities so a confident wrong answer costs a finite loss", () => {
    const labels = tf.tensor2d([[1, 0]]);
    const loss = categoricalCrossEntropy(labels, tf.tensor2d([[0, 1]]), false).dataSync()[0]!;
    expect(loss).toBeCloseTo(-Math.log(1e-7), 3);
  });
});
