import * as tf from "@tensorflow/tfjs";
import { afterAll, describe, expect, it } from "vitest";
import { initWasmBackend } from "../backend/index.ts";
import { ScheduledAdam } from "./adam.ts";
import type { ExponentialDecay } from "./schedule.ts";

const schedule: ExponentialDecay = {
  initialLearningRate: 0.01,
  decaySteps: 2,
  decayRate: 0.5,
  staircase: true,
};

/** Seeded variables of a few shapes (one scalar-like, one conv-like, one dense-like). */
function makeVariables(seed: number): tf.Variable[] {
  return [[1], [3, 3, 2, 4], [37, 5]].map((shape, i) =>
    tf.tidy(() => tf.variable(tf.randomNormal(shape, 0, 1, "float32", seed + i))),
  );
}

/** Gradients of step `step`, the same for every run. */
function gradients(variables: tf.Variable[], step: number): tf.Tensor[] {
  return variables.map((v, i) => tf.randomNormal(v.shape, 0, 1 + step, "float32", 1000 + 10 * step + i));
}

function train(location: "backend" | "host", steps: number, seed = 7): Float32Array[] {
  const variables = makeVariables(seed);
  const adam = new ScheduledAdam(variables, schedule, undefined, location);
  for (let s = 0; s < steps; s++) {
    const g = gradients(variables, s);
    adam.applyGradients(g);
    tf.dispose(g);
  }
  const out = variables.map((v) => v.dataSync() as Float32Array);
  adam.dispose();
  tf.dispose(variables);
  return out;
}

function expectClose(actual: Float32Array[], expected: Float32Array[], relative: number): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    const e = expected[i]!;
    expect(a.length).toBe(e.length);
    let worst = 0;
    for (let k = 0; k < a.length; k++) {
      worst = Math.max(worst, Math.abs(a[k]! - e[k]!) / Math.max(1e-6, Math.abs(e[k]!)));
    }
    expect(worst).toBeLessThanOrEqual(relative);
  });
}

for (const backend of ["cpu", "wasm"] as const) {
  describe(`host Adam on the ${backend} backend`, () => {
    it("gives ScheduledAdam's tensor-op weights over several scheduled steps", async () => {
      if (backend === "wasm") await initWasmBackend();
      else await tf.setBackend("cpu");
      const before = tf.memory().numTensors;
      const host = train("host", 5);
      const reference = train("backend", 5);
      expectClose(host, reference, 1e-6);
      // Bit for bit, in fact: the same float32 roundings in the same order.
      expect(host.map((a) => Array.from(a))).toEqual(reference.map((a) => Array.from(a)));
      // And the update is not a no-op: the weights moved.
      const initial = makeVariables(7);
      expect(Math.abs(host[2]![0]! - initial[2]!.dataSync()[0]!)).toBeGreaterThan(1e-4);
      tf.dispose(initial);
      expect(tf.memory().numTensors).toBe(before);
    });

    it("picks host state on wasm and tensor state elsewhere by default", async () => {
      if (backend === "wasm") await initWasmBackend();
      else await tf.setBackend("cpu");
      const variables = makeVariables(1);
      const adam = new ScheduledAdam(variables, schedule);
      expect(adam.stateLocation).toBe(backend === "wasm" ? "host" : "backend");
      adam.dispose();
      tf.dispose(variables);
    });

    it("saves and restores its state so a resumed run matches an uninterrupted one exactly", async () => {
      if (backend === "wasm") await initWasmBackend();
      else await tf.setBackend("cpu");
      const straight = train("host", 5, 3);

      const variables = makeVariables(3);
      const first = new ScheduledAdam(variables, schedule, undefined, "host");
      for (let s = 0; s < 3; s++) tf.tidy(() => first.applyGradients(gradients(variables, s)));
      // Round-trip through plain bytes, as a checkpoint does.
      const saved = first.stateTensors().map((t) => ({
        name: t.name,
        tensor: tf.tensor(Float32Array.from(t.tensor.dataSync() as Float32Array), t.tensor.shape),
      }));
      expect(saved.map((t) => t.name)).toEqual([
        "adam/m/0",
        "adam/m/1",
        "adam/m/2",
        "adam/v/0",
        "adam/v/1",
        "adam/v/2",
      ]);
      expect(saved.some((t) => t.tensor.dataSync().some((x) => x !== 0))).toBe(true);
      const step = first.step;
      first.dispose();

      const second = new ScheduledAdam(variables, schedule, undefined, "host");
      second.restore(step, saved);
      expect(second.learningRate).toBe(first.learningRate);
      for (let s = 3; s < 5; s++) tf.tidy(() => second.applyGradients(gradients(variables, s)));
      variables.forEach((v, i) => {
        expect(Array.from(v.dataSync())).toEqual(Array.from(straight[i]!));
      });

      // A tensor-state optimiser restores the host optimiser's checkpoint too (same names and shapes).
      const third = new ScheduledAdam(makeVariables(3), schedule, undefined, "backend");
      third.restore(step, saved);
      third.dispose();
      expect(() => second.restore(step, saved.slice(1))).toThrow(/adam\/m\/0/);
      second.dispose();
      tf.dispose([...variables, ...saved.map((t) => t.tensor)]);
    });

    it("leaves a tensor sharing the variable's data untouched (copy on write)", async () => {
      if (backend === "wasm") await initWasmBackend();
      else await tf.setBackend("cpu");
      const variable = tf.variable(tf.zeros([4]));
      const shared = tf.ones([4]);
      variable.assign(shared); // the variable now shares shared's data, as after setWeights
      const adam = new ScheduledAdam([variable], schedule, undefined, "host");
      tf.tidy(() => adam.applyGradients([tf.ones([4])]));
      expect(Array.from(shared.dataSync())).toEqual([1, 1, 1, 1]);
      expect(variable.dataSync()[0]).toBeCloseTo(1 - 0.01, 6);
      adam.dispose();
      tf.dispose([variable, shared]);
    });
  });
}

describe("host Adam and the wasm heap", () => {
  afterAll(() => tf.setBackend("cpu"));

  it("runs forward passes on the updated weights (no stale XNNPACK operator)", async () => {
    await initWasmBackend();
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3, activation: "relu" }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 4 }),
      ],
    });
    const x = tf.randomNormal([2, 6, 6, 2], 0, 1, "float32", 5);
    const before = (model.predict(x) as tf.Tensor).dataSync();
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const adam = new ScheduledAdam(variables, { ...schedule, initialLearningRate: 0.1 }, undefined, "host");
    tf.tidy(() => adam.applyGradients(variables.map((v) => tf.onesLike(v))));
    const after = (model.predict(x) as tf.Tensor).dataSync();
    // The same weights on the cpu backend give the reference output.
    const weights = variables.map((v) => ({ shape: v.shape, values: v.dataSync() }));
    await tf.setBackend("cpu");
    const cpuModel = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3, activation: "relu" }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 4 }),
      ],
    });
    cpuModel.setWeights(weights.map((w) => tf.tensor(w.values, w.shape)));
    const expected = (cpuModel.predict(tf.tensor(x.dataSync(), x.shape)) as tf.Tensor).dataSync();
    expect(Array.from(after)).not.toEqual(Array.from(before));
    after.forEach((a, i) => {
      expect(a).toBeCloseTo(expected[i]!, 4);
    });
    await tf.setBackend("wasm");
    adam.dispose();
  });
});
