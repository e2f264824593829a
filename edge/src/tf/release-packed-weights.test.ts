import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { isMarqueeError } from "@marquee/shared";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { beforeAll, describe, expect, it } from "vitest";
import { loadLayersModelLean } from "../model/load-layers-model.ts";
import { releasePackedWeights, watchWeights } from "./release-packed-weights.ts";
import { initWasmBackend } from "./wasm-backend.ts";

const wasmDir = join(
  dirname(createRequire(import.meta.url).resolve("@tensorflow/tfjs-backend-wasm/package.json")),
  "dist",
);

interface Internals {
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
}
const offsetOf = (t: tf.Tensor) =>
  (tf.backend() as unknown as Internals).dataIdMap.get(t.dataId).memoryOffset;

beforeAll(async () => {
  await initWasmBackend(
    await WebAssembly.compile(await readFile(join(wasmDir, "tfjs-backend-wasm-simd.wasm"))),
    {
      simd: true,
    },
  );
});

describe("releasePackedWeights", () => {
  it("frees filters and dense kernels once XNNPACK packed them; results stay identical", () => {
    const filter = tf.randomNormal([3, 3, 4, 8], 0, 1, "float32", 1) as tf.Tensor4D;
    const bias = tf.randomNormal([8], 0, 1, "float32", 2);
    const kernel = tf.randomNormal([32, 5], 0, 1, "float32", 3);
    const added = tf.randomNormal([5], 0, 1, "float32", 4);
    const x = tf.randomNormal([1, 6, 6, 4], 0, 1, "float32", 5) as tf.Tensor4D;
    const v = tf.randomNormal([1, 32], 0, 1, "float32", 6);
    const run = () =>
      tf.tidy(() => [
        tf.fused.conv2d({ x, filter, bias, strides: 1, pad: "same", activation: "relu" }).dataSync(),
        // A reshape of the kernel shares its data and does not count as reading it.
        tf.add(tf.matMul(v, tf.reshape(kernel, [32, 5])), added).dataSync(),
      ]);
    const weights = [filter, bias, kernel, added];
    watchWeights(weights, { eager: true });
    const before = run();
    // Filter and kernel went as soon as they were packed; the bias at the end; `added` feeds an Add.
    expect(offsetOf(filter)).toBe(0);
    expect(offsetOf(kernel)).toBe(0);
    const report = releasePackedWeights(weights);
    expect(report).toMatchObject({ released: 1, kept: 1 });
    expect(offsetOf(bias)).toBe(0);
    expect(offsetOf(added)).not.toBe(0);
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const after = run();
      expect(Array.from(after[0] as Float32Array)).toEqual(Array.from(before[0] as Float32Array));
      expect(Array.from(after[1] as Float32Array)).toEqual(Array.from(before[1] as Float32Array));
    }
    expect(tf.memory().numTensors).toBe(tensors);

    // A use the warm-up never made would rebuild the operator from freed memory: refused.
    let code = "none";
    try {
      tf.tidy(() => tf.conv2d(x, filter, 2, "valid").dataSync());
    } catch (err) {
      code = isMarqueeError(err) ? err.code : String(err);
    }
    expect(code).toBe("internal_error");
    for (const t of [filter, bias, kernel, added, x, v]) t.dispose();
  });
});

describe("large dense kernels", () => {
  it("are never packed: the matMul reads them in place, same results, kernel kept", () => {
    const kernel = tf.randomNormal([4096, 512], 0, 0.02, "float32", 11); // 8 MiB
    const bias = tf.randomNormal([512], 0, 1, "float32", 12);
    const x = tf.randomNormal([1, 4096], 0, 1, "float32", 13);
    const run = () =>
      tf.tidy(() => Array.from(tf.fused.matMul({ a: x, b: kernel, bias, activation: "relu" }).dataSync()));
    const expected = run(); // not watched yet: XNNPACK's path
    watchWeights([kernel, bias], { eager: true });
    const got = run();
    releasePackedWeights([kernel, bias]);
    expect(offsetOf(kernel)).not.toBe(0);
    for (const [i, v] of got.entries()) expect(Math.abs(v - (expected[i] as number))).toBeLessThan(1e-4);
    expect(run()).toEqual(got);
    for (const t of [kernel, bias, x]) t.dispose();
  });
});

describe("loadLayersModelLean", () => {
  it("loads the same model as tf.loadLayersModel", async () => {
    const seeded = (seed: number) => tfl.initializers.glorotUniform({ seed });
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({
          inputShape: [8, 8, 3],
          filters: 4,
          kernelSize: 3,
          kernelInitializer: seeded(1),
          activation: "relu",
        }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 3, kernelInitializer: seeded(2), biasInitializer: seeded(3) }),
      ],
    });
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
      }),
    );
    const saved = artifacts as tf.io.ModelArtifacts;
    const stock = await tfl.loadLayersModel(tf.io.fromMemory(saved));
    const lean = await loadLayersModelLean(saved);
    const x = tf.randomUniform([2, 8, 8, 3], 0, 1, "float32", 9);
    const expected = (stock.predict(x) as tf.Tensor).dataSync();
    expect(Array.from((lean.predict(x) as tf.Tensor).dataSync())).toEqual(Array.from(expected));
    for (const [i, w] of lean.getWeights().entries()) {
      expect(Array.from(w.dataSync())).toEqual(Array.from(stock.getWeights()[i]?.dataSync() ?? []));
    }
    for (const m of [model, stock, lean]) m.dispose();
    x.dispose();
  });

  it("refuses a manifest that misses a layer's weight", async () => {
    const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [2], units: 2 })] });
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
      }),
    );
    const saved = artifacts as tf.io.ModelArtifacts;
    const kernelOnly = {
      ...saved,
      weightSpecs: saved.weightSpecs?.slice(0, 1),
      weightData: (saved.weightData as ArrayBuffer).slice(0, 16),
    };
    await expect(loadLayersModelLean(kernelOnly)).rejects.toSatisfy((e) =>
      isMarqueeError(e, "model_unavailable"),
    );
    model.dispose();
  });
});
