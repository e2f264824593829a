// Shared set-up of the face-model tests: the fixture model, a worker built to serve it, and a Node
// reference running the same shared face pipeline with the same options on tfjs' stock wasm backend.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type ModelMetadata, parseModelMetadataText } from "@marquee/shared";
import { type FaceModels, loadFaceModels, recognizeFaces, servingFacePolicy } from "@marquee/shared/face";
import { nodeFaceWeightSource, useNodeWasmDecoders } from "@marquee/shared/node";
import "@tensorflow/tfjs-backend-wasm";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { ensureWorkerBuild, type WorkerBuild } from "./build-worker.ts";
import { ensureFaceModel, type FaceFixture } from "./face-model.ts";

/** The face fixture and a worker build serving it. */
export async function ensureFaceWorkerBuild(): Promise<FaceFixture & { build: WorkerBuild }> {
  const fixture = await ensureFaceModel();
  const build = await ensureWorkerBuild({ modelDir: fixture.modelDir });
  return { ...fixture, build };
}

/** The fixture model run in plain Node, as `pnpm predict` would run it. */
export interface NodeFaceReference {
  metadata: ModelMetadata;
  recognize(image: Parameters<typeof recognizeFaces>[2]): ReturnType<typeof recognizeFaces>;
  dispose(): void;
}

/** Load the fixture's head and the face nets (BlazeFace, face-api's) in Node on tfjs' stock wasm backend. */
export async function nodeFaceReference(modelDir: string): Promise<NodeFaceReference> {
  await tf.setBackend("wasm");
  await useNodeWasmDecoders();
  const metadata = parseModelMetadataText(await readFile(join(modelDir, "metadata.json"), "utf8"));
  const modelJson = JSON.parse(await readFile(join(modelDir, "model.json"), "utf8"));
  const manifest = modelJson.weightsManifest as { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  const shards = await Promise.all(
    manifest
      .flatMap((group) => group.paths)
      .map(async (path) => {
        const bytes = await readFile(join(modelDir, path));
        return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
      }),
  );
  const head = await tfl.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology,
      weightSpecs: manifest.flatMap((group) => group.weights),
      weightData: shards,
    }),
  );
  const nets: FaceModels = await loadFaceModels(nodeFaceWeightSource(), { landmarks: "full" });
  return {
    metadata,
    recognize: (image) =>
      recognizeFaces(nets, head, image, metadata, {
        policy: servingFacePolicy({ minScore: metadata.face?.minDetectionScore }),
        topK: metadata.labels.length,
      }),
    dispose: () => {
      head.dispose();
      nets.dispose();
    },
  };
}
