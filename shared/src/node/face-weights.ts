/// <reference types="node" />
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { WeightSource } from "../face/weights.ts";

const require = createRequire(import.meta.url);

/** The folder holding face-api's pretrained weights inside node_modules. */
export function faceApiModelDir(): string {
  return join(dirname(require.resolve("@vladmandic/face-api/package.json")), "model");
}

/**
 * A {@link WeightSource} reading face weight files from a folder (default: face-api's model folder
 * in node_modules). Node-only; the edge reads the same files from its static assets.
 *
 * @example
 * const models = await loadFaceModels(nodeFaceWeightSource());
 */
export function nodeFaceWeightSource(dir: string = faceApiModelDir()): WeightSource {
  return async (name) => {
    // Weight names come from manifests; refuse anything that could leave the folder.
    if (name.includes("/") || name.includes("\\") || name.startsWith(".")) {
      throw new Error(`Refusing to read face weight file outside the model folder: ${name}`);
    }
    return new Uint8Array(await readFile(join(dir, name)));
  };
}
