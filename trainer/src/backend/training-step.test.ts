import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { mulberry32 } from "../util/random.ts";
import { registerWasmTrainingKernels } from "./kernels/register-all.ts";
import { expectClose, randomValues } from "./test-support.ts";

beforeAll(() => {
  registerWasmTrainingKernels();
});

/** A small seed-CNN (rescale, conv/avgpool blocks, dense) — optionally with its dropout layers. */
function miniSeedCnn(withDropout: boolean): tf.Sequential {
  // Seeded initial weights: with random ones, 40 Adam steps sometimes stalled on a plateau and the
  // loss test below failed now and then.
  let seed = 1;
  const init = () => ({ kernelInitializer: tf.initializers.glorotUniform({ seed: seed++ }) });
  const m = tf.sequential();
  m.add(tf.layers.rescaling({ scale: 1 / 255, inputShape: [21, 19, 3] }));
  m.add(tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: "relu", ...init() }));
  m.add(tf.layers.averagePooling2d({ poolSize: 2 }));
  m.add(tf.layers.conv2d({ filters: 6, kernelSize: 3, activation: "relu", ...init() }));
  m.add(tf.layers.averagePooling2d({ poolSize: 2 }));
  if (withDropout) m.add(tf.layers.dropout({ rate: 0.5 }));
  m.add(tf.layers.conv2d({ filters: 8, kernelSize: 2, activation: "relu", ...init() }));
  if (withDropout) m.add(tf.layers.dropout({ rate: 0.5 }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 10, activation: "relu", ...init() }));
  m.add(tf.layers.dense({ units: 5, ...init() }));
  return m;
}

/** A small VGG-style net: 3×3 SAME convs, 2×2 max-pooling, dense layers, softmax head. */
function miniVgg(): tf.Sequential {
  const m = tf.sequential();
  m.add(
    tf.layers.conv2d({
      filters: 4,
      kernelSize: 3,
      padding: "same",
      activation: "relu",
      inputShape: [16, 16, 3],
    }),
  );
  m.add(tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: "same", activation: "relu" }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: "same", activation: "relu" }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 12, activation: "relu" }));
  m.add(tf.layers.dense({ units: 5, activation: "softmax" }));
  return m;
}

/** Gradients of the loss w.r.t. every trainable weight, on `backend`, from fixed weights and data. */
async function weightGrads(
  backend: string,
  build: () => tf.Sequential,
  weights: Float32Array[],
  x: Float32Array,
  labels: number[],
  fromLogits: boolean,
): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const model = build();
  model.setWeights(weights.map((w, i) => tf.tensor(w, model.getWeights()[i]?.shape)));
  const inputShape = [labels.length, ...((model.inputs[0] as tf.SymbolicTensor).shape.slice(1) as number[])];
  const { grads } = tf.variableGrads(
    () => {
      const y = tf.oneHot(labels, 5);
      const out = model.apply(tf.tensor(x, inputShape), { training: true }) as tf.Tensor;
      return fromLogits
        ? tf.losses.softmaxCrossEntropy(y, out)
        : tf.metrics.categoricalCrossentropy(y, out).mean();
    },
    model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val),
  );
  const out = await Promise.all(
    model.trainableWeights.map(async (w) => (await grads[w.originalName]?.data()) as Float32Array),
  );
  tf.dispose(Object.values(grads));
  model.dispose();
  return out;
}

describe("training on the wasm backend", () => {
  it.each([
    ["seed CNN (logits + softmax cross-entropy)", () => miniSeedCnn(false), [21, 19, 3], true],
    ["VGG-style (max-pool, softmax head)", miniVgg, [16, 16, 3], false],
  ] as const)("%s: every weight gradient matches cpu", async (_name, build, shape, fromLogits) => {
    await tf.setBackend("cpu");
    const ref = build();
    const weights = await Promise.all(ref.getWeights().map(async (w) => (await w.data()) as Float32Array));
    ref.dispose();
    const rand = mulberry32(17);
    const x = randomValues(rand, 6 * shape[0] * shape[1] * shape[2]).map((v) => (v + 1.5) * 85);
    const labels = [0, 1, 2, 3, 4, 0];
    const cpu = await weightGrads("cpu", build, weights, x, labels, fromLogits);
    const wasm = await weightGrads("wasm", build, weights, x, labels, fromLogits);
    expect(wasm.length).toBe(cpu.length);
    cpu.forEach((g, i) => {
      expectClose(wasm[i] as Float32Array, g, 1e-4, `weight ${i}`);
    });
  });

  it("fits a learnable batch with Adam; the dropout variant trains too", async () => {
    await tf.setBackend("wasm");
    const labels = [0, 1, 2, 3, 4, 0, 1, 2, 3, 4];
    const rand = mulberry32(3);
    const pixels = 21 * 19 * 3;
    // Brightness depends on the class, so a few steps must lower the loss.
    const values = randomValues(rand, labels.length * pixels).map(
      (v, i) => (v + 1.5) * 30 + 30 * (labels[Math.floor(i / pixels)] as number),
    );
    const x = tf.tensor(values, [labels.length, 21, 19, 3]);
    const y = tf.oneHot(labels, 5);
    for (const withDropout of [false, true]) {
      const model = miniSeedCnn(withDropout);
      model.compile({
        optimizer: tf.train.adam(1e-2),
        loss: (t: tf.Tensor, p: tf.Tensor) => tf.losses.softmaxCrossEntropy(t, p),
      });
      const before = (await model.getWeights()[0]?.data()) as Float32Array;
      const losses: number[] = [];
      for (let i = 0; i < (withDropout ? 3 : 40); i++)
        losses.push((await model.trainOnBatch(x, y)) as number);
      const after = (await model.getWeights()[0]?.data()) as Float32Array;
      expect(losses.every(Number.isFinite)).toBe(true);
      expect(after.some((v, i) => v !== before[i])).toBe(true);
      if (!withDropout) {
        expect(losses.at(-1)).toBeLessThan((losses[0] as number) * 0.8);
      }
      model.dispose();
    }
    tf.dispose([x, y]);
  });
});
