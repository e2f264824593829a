import { MarqueeError, type ModelMetadata, parseModelMetadataText } from "@marquee/shared";
import type * as tf from "@tensorflow/tfjs-core";

/** Fetches one file of the model folder by its path relative to that folder. */
export type ModelFileFetcher = (relativePath: string) => Promise<Response>;

/** Everything needed to build the model, read but not yet interpreted by tfjs. */
export interface ModelFiles {
  metadata: ModelMetadata;
  artifacts: tf.io.ModelArtifacts;
}

interface ModelJson {
  modelTopology?: unknown;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/**
 * Read metadata.json, model.json and every weight shard named in its manifest, validating
 * metadata with the shared schema. Problems become `invalid_metadata` or `model_unavailable`.
 *
 * @example
 * const files = await readModelFiles((p) => env.ASSETS.fetch(`https://assets/models/default/${p}`));
 */
export async function readModelFiles(fetchFile: ModelFileFetcher): Promise<ModelFiles> {
  const metadata = parseModelMetadataText(await fetchText(fetchFile, "metadata.json"));
  const modelJson = parseModelJson(await fetchText(fetchFile, "model.json"));
  const groups = modelJson.weightsManifest ?? [];
  const shardPaths = groups.flatMap((group) => group.paths);
  for (const path of shardPaths) assertSafeShardPath(path);
  const shards = await Promise.all(shardPaths.map((path) => fetchBytes(fetchFile, path)));
  const weightSpecs = groups.flatMap((group) => group.weights);
  const expectedBytes = weightSpecs.reduce((sum, spec) => sum + weightByteLength(spec), 0);
  const actualBytes = shards.reduce((sum, shard) => sum + shard.byteLength, 0);
  if (expectedBytes !== actualBytes) {
    throw new MarqueeError(
      "model_unavailable",
      `weight shards hold ${actualBytes} bytes but model.json's manifest describes ${expectedBytes}`,
    );
  }
  return {
    metadata,
    artifacts: {
      modelTopology: modelJson.modelTopology as tf.io.ModelArtifacts["modelTopology"],
      weightSpecs,
      weightData: shards,
      format: modelJson.format,
      generatedBy: modelJson.generatedBy,
      convertedBy: modelJson.convertedBy ?? undefined,
    },
  };
}

function parseModelJson(text: string): ModelJson {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new MarqueeError("model_unavailable", `model.json is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof json !== "object" || json === null || !("modelTopology" in json)) {
    throw new MarqueeError(
      "model_unavailable",
      "model.json has no modelTopology (is it a tfjs layers model?)",
    );
  }
  const manifest = (json as ModelJson).weightsManifest;
  if (manifest !== undefined && !Array.isArray(manifest)) {
    throw new MarqueeError("model_unavailable", "model.json's weightsManifest is not an array");
  }
  return json as ModelJson;
}

// Shards are addressed relative to model.json; anything that could escape the folder is refused.
function assertSafeShardPath(path: string): void {
  if (typeof path !== "string" || path === "" || path.startsWith("/") || /(^|\/)\.\.(\/|$)|:|\\/.test(path)) {
    throw new MarqueeError("model_unavailable", `model.json names an unsafe weight path "${String(path)}"`);
  }
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, float16: 2 };

function weightByteLength(spec: tf.io.WeightsManifestEntry): number {
  const count = spec.shape.reduce((a, b) => a * b, 1);
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  const bytes = DTYPE_BYTES[dtype];
  if (bytes === undefined) {
    throw new MarqueeError("model_unavailable", `weight ${spec.name} has unsupported dtype ${dtype}`);
  }
  return count * bytes;
}

// A missing or unreadable file means there is no model to serve: model_unavailable.
async function fetchOk(fetchFile: ModelFileFetcher, path: string): Promise<Response> {
  let response: Response;
  try {
    response = await fetchFile(path);
  } catch (err) {
    throw new MarqueeError("model_unavailable", `${path} could not be read: ${(err as Error).message}`);
  }
  if (!response.ok) {
    await response.body?.cancel();
    const reason = response.status === 404 ? "is missing" : `could not be read (HTTP ${response.status})`;
    throw new MarqueeError("model_unavailable", `${path} ${reason}`);
  }
  return response;
}

async function fetchText(fetchFile: ModelFileFetcher, path: string): Promise<string> {
  return (await fetchOk(fetchFile, path)).text();
}

async function fetchBytes(fetchFile: ModelFileFetcher, path: string): Promise<ArrayBuffer> {
  return (await fetchOk(fetchFile, path)).arrayBuffer();
}
