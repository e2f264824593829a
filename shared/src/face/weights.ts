import * as tf from "@tensorflow/tfjs-core";
import { MarqueeError } from "../errors.ts";

/**
 * Reads one file of the pretrained face weights by its file name (e.g.
 * `"face_recognition_model-weights_manifest.json"` or `"face_recognition_model.bin"`).
 * Node reads node_modules/@vladmandic/face-api/model/; the edge reads its static assets.
 *
 * @example
 * const source: WeightSource = async (name) => (await env.ASSETS.fetch(`https://assets/face/${name}`)).arrayBuffer();
 */
export type WeightSource = (path: string) => Promise<ArrayBuffer | Uint8Array>;

/** The face-api weight files Marquee knows, by the prefix of their `-weights_manifest.json`. */
export type FaceWeightName =
  | "tiny_face_detector_model"
  | "ssd_mobilenetv1_model"
  | "face_landmark_68_model"
  | "face_landmark_68_tiny_model"
  | "face_recognition_model";

interface ManifestGroup {
  paths: string[];
  weights: tf.io.WeightsManifestEntry[];
}

function toArrayBuffer(bytes: ArrayBuffer | Uint8Array): ArrayBuffer {
  if (bytes instanceof ArrayBuffer) return bytes;
  // A Node Buffer is often a view into a larger pooled buffer: copy exactly its bytes.
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/**
 * Loads one face-api weight set (manifest + shards) through `source` and decodes it into tensors,
 * dequantising uint8 weights to float32. The caller owns the returned tensors.
 */
export async function loadWeightMap(source: WeightSource, name: FaceWeightName): Promise<tf.NamedTensorMap> {
  const manifestName = `${name}-weights_manifest.json`;
  let manifest: ManifestGroup[];
  try {
    manifest = JSON.parse(new TextDecoder().decode(await source(manifestName))) as ManifestGroup[];
  } catch (cause) {
    throw new MarqueeError("model_unavailable", `Face weights manifest ${manifestName} could not be read.`, {
      cause,
    });
  }
  if (
    !Array.isArray(manifest) ||
    manifest.some((g) => !Array.isArray(g.paths) || !Array.isArray(g.weights))
  ) {
    throw new MarqueeError(
      "model_unavailable",
      `Face weights manifest ${manifestName} is not a tfjs weights manifest.`,
    );
  }
  return decodeManifestWeights(manifest, source, name);
}

/** Looks up a weight by name, failing with a clear message when the weight file lacks it. */
export function weight<R extends tf.Rank>(map: tf.NamedTensorMap, name: string, rank: number): tf.Tensor<R> {
  const t = map[name];
  if (!t || t.rank !== rank) {
    throw new MarqueeError("model_unavailable", `Face weights lack ${name} (rank ${rank}).`);
  }
  return t as tf.Tensor<R>;
}

/** Anything with a `fetch` like workerd's `env.ASSETS` binding (or `globalThis`). */
export interface Fetcher {
  fetch(input: string): Promise<Response>;
}

/**
 * A {@link WeightSource} reading weight files over a fetcher, e.g. the edge's static assets.
 *
 * @example
 * const source = fetchWeightSource(env.ASSETS, "https://assets.local/face/");
 */
export function fetchWeightSource(fetcher: Fetcher, baseUrl: string): WeightSource {
  const base = baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`;
  return async (name) => {
    const response = await fetcher.fetch(new URL(name, base).toString());
    if (!response.ok) throw new Error(`GET ${name} answered ${response.status}`);
    return response.arrayBuffer();
  };
}

/**
 * Reads every shard a tfjs weights manifest lists through `source` and decodes the named tensors;
 * a shard that cannot be read or does not match its manifest is a `model_unavailable` error.
 *
 * @example
 * const tensors = await decodeManifestWeights(model.weightsManifest, source, "blazeface-back");
 */
export async function decodeManifestWeights(
  groups: tf.io.WeightsManifestConfig,
  source: WeightSource,
  name: string,
): Promise<tf.NamedTensorMap> {
  const specs: tf.io.WeightsManifestEntry[] = [];
  const shards: ArrayBuffer[] = [];
  for (const group of groups) {
    specs.push(...group.weights);
    for (const path of group.paths) {
      try {
        shards.push(toArrayBuffer(await source(path)));
      } catch (cause) {
        throw new MarqueeError("model_unavailable", `Face weights shard ${path} could not be read.`, {
          cause,
        });
      }
    }
  }
  const total = shards.reduce((n, s) => n + s.byteLength, 0);
  const joined = new Uint8Array(total);
  let offset = 0;
  for (const shard of shards) {
    joined.set(new Uint8Array(shard), offset);
    offset += shard.byteLength;
  }
  try {
    return tf.io.decodeWeights(joined.buffer, specs);
  } catch (cause) {
    throw new MarqueeError("model_unavailable", `Face weights ${name} do not match their manifest.`, {
      cause,
    });
  }
}
