import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { ScheduledAdam } from "./adam.ts";
import { DEFAULT_ADAM } from "./adam-options.ts";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

/** Keras' Adam on one scalar, in float64, for comparison. */
function kerasAdam(w: number, grads: number[], lr: (step: number) => number): number {
  let m = 0;
  let v = 0;
  grads.forEach((g, step) => {
    const t = step + 1;
    m += (g - m) * (1 - 0.9);
    v += (g * g - v) * (1 - 0.999);
    const alpha = (lr(step) * Math.sqrt(1 - 0.999 ** t)) / (1 - 0.9 ** t);
    w -= (alpha * m) / (Math.sqrt(v) + 1e-7);
  });
  return w;
}

describe("ScheduledAdam", () => {
  const schedule = { initialLearningRate: 0.1, decaySteps: 2, decayRate: 0.5, staircase: true };
  const grads = [0.5, -0.2, 0.3, 0.1, -0.4];

  it("applies Keras' Adam update with the scheduled learning rate per step", () => {
    const w = tf.variable(tf.scalar(1));
    const adam = new ScheduledAdam([w], schedule, DEFAULT_ADAM);
    for (const g of grads) adam.applyGradients([tf.scalar(g)]);
    const expected = kerasAdam(1, grads, (s) => 0.1 * 0.5 ** Math.floor(s / 2));
    expect(w.dataSync()[0]).toBeCloseTo(expected, 6);
    expect(adam.step).toBe(5);
    expect(adam.learningRate).toBeCloseTo(0.1 * 0.5 ** 2, 12);
    adam.dispose();
    w.dispose();
  });

  it("continues bit-identically after its state is restored into a fresh optimiser", () => {
    const straightW = tf.variable(tf.scalar(1));
    const straight = new ScheduledAdam([straightW], schedule);
    for (const g of grads) straight.applyGradients([tf.scalar(g)]);

    const w = tf.variable(tf.scalar(1));
    const first = new ScheduledAdam([w], schedule);
    for (const g of grads.slice(0, 3)) first.applyGradients([tf.scalar(g)]);
    const saved = first.stateTensors().map((t) => ({ name: t.name, tensor: t.tensor.clone() }));
    const step = first.step;
    first.dispose();
    const second = new ScheduledAdam([w], schedule);
    second.restore(step, saved);
    for (const g of grads.slice(3)) second.applyGradients([tf.scalar(g)]);
    expect(w.dataSync()[0]).toBe(straightW.dataSync()[0]);
    second.dispose();
    straight.dispose();
  });
});
