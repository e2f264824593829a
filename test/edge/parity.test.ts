// Parity: the worker in workerd gives the same predictions as the same model run in plain Node
// (tfjs' stock wasm backend, the shared decoder and preprocessing) on real photos.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { decodeImage, type ModelMetadata, parseModelMetadataText, preprocessImage } from "@marquee/shared";
import { useNodeWasmDecoders } from "@marquee/shared/node";
import "@tensorflow/tfjs-backend-wasm";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { PredictResponse } from "../../edge/src/api-types.ts";
import { ensureWorkerBuild } from "../helpers/build-worker.ts";
import { samplePhoto } from "../helpers/images.ts";
import { type RunningWorker, startWorker } from "../helpers/start-worker.ts";

let worker: RunningWorker;
let model: tfl.LayersModel;
let metadata: ModelMetadata;

beforeAll(async () => {
  const build = await ensureWorkerBuild();
  worker = await startWorker(build);
  await tf.setBackend("wasm");
  await useNodeWasmDecoders();
  metadata = parseModelMetadataText(await readFile(join(build.modelDir, "metadata.json"), "utf8"));
  const modelJson = JSON.parse(await readFile(join(build.modelDir, "model.json"), "utf8"));
  const weights = await readFile(join(build.modelDir, "weights.bin"));
  model = await tfl.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology,
      weightSpecs: modelJson.weightsManifest[0].weights,
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
    }),
  );
});
afterAll(async () => {
  model?.dispose();
  await worker?.dispose();
});

/** The Node reference: decode, preprocess, predict, softmax, as `pnpm predict` does. */
async function predictInNode(bytes: Uint8Array): Promise<Map<string, number>> {
  const { image } = await decodeImage(bytes);
  const pixels = preprocessImage(image, metadata);
  const { width, height } = metadata.input;
  const logits = tf.tidy(() =>
    (model.predict(tf.tensor4d(pixels, [1, height, width, 3])) as tf.Tensor).dataSync(),
  );
  const max = Math.max(...logits);
  const exps = Array.from(logits, (v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return new Map(metadata.labels.map((label, i) => [label, (exps[i] as number) / sum]));
}

it("matches Node on the face-api sample photos: same top-1, scores within 1e-4", async () => {
  let compared = 0;
  const topScores: number[] = [];
  for (let n = 1; n <= 6; n++) {
    const bytes = await samplePhoto(n);
    const response = await worker.fetch("/predict", { method: "POST", body: bytes });
    expect(response.status).toBe(200);
    const edge = (await response.json()) as PredictResponse;
    const node = await predictInNode(bytes);
    topScores.push(edge.predictions[0]?.score ?? 0);
    const nodeTop = [...node.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
    expect(edge.predictions[0]?.label, `sample${n}`).toBe(nodeTop);
    expect(edge.predictions).toHaveLength(metadata.labels.length);
    for (const { label, score } of edge.predictions) {
      expect(Math.abs(score - (node.get(label) as number)), `sample${n} ${label}`).toBeLessThan(1e-4);
      compared++;
    }
  }
  expect(compared).toBe(6 * metadata.labels.length);
  // The photos must actually move the scores, or agreement within 1e-4 would prove little.
  expect(Math.max(...topScores) - Math.min(...topScores)).toBeGreaterThan(1e-2);
});
