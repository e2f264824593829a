import { join } from "node:path";
import { ARTIFACT_FILES, type ModelMetadata, parseModelMetadata } from "@marquee/shared";
import * as tf from "@tensorflow/tfjs";
import { writeDirAtomically, writeFileDurable } from "../util/durable-fs.ts";
import { type EncodedWeight, quantizeWeight, type WeightDtype } from "./quantize.ts";

/** tfjs' converter shards weights at 4 MiB; well under the edge's 25 MiB per-asset limit. */
export const DEFAULT_SHARD_BYTES = 4 * 1024 * 1024;

/** What {@link exportModel} wrote. */
export interface ExportResult {
  dir: string;
  metadata: ModelMetadata;
  /** File names inside `dir`. */
  files: string[];
  weightBytes: number;
}

/** Export options. */
export interface ExportOptions {
  /** Target folder; replaced atomically if it exists. */
  dir: string;
  /** Everything of metadata.json except `weights`, which the export fills in. */
  metadata: Omit<ModelMetadata, "weights">;
  weightDtype?: WeightDtype;
  shardBytes?: number;
  /** Test hook: runs after the files are written to the temporary folder, before it is renamed in. */
  beforeCommit?: (tmpDir: string) => Promise<void> | void;
}

/** Capture a layers model's topology and float32 weights without touching the file system. */
async function captureArtifacts(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }),
  );
  return captured!;
}

/** Re-encode each weight in `dtype` (int weights stay as they are). */
function encodeWeights(artifacts: tf.io.ModelArtifacts, dtype: WeightDtype): EncodedWeight[] {
  const buffer = tf.io.CompositeArrayBuffer.join(artifacts.weightData!);
  const out: EncodedWeight[] = [];
  let offset = 0;
  for (const spec of artifacts.weightSpecs!) {
    if (spec.dtype !== "float32" && spec.dtype !== "int32") {
      throw new Error(`Cannot export weight ${spec.name} of dtype ${spec.dtype}.`);
    }
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const bytes = new Uint8Array(buffer, offset, size * 4);
    offset += size * 4;
    if (dtype === "float32" || spec.dtype !== "float32") {
      out.push({ spec, bytes });
    } else {
      out.push(quantizeWeight(spec, new Float32Array(bytes.slice().buffer), dtype));
    }
  }
  return out;
}

/** Split the concatenated weight bytes into `group1-shardKofN.bin` pieces. */
function shard(encoded: EncodedWeight[], shardBytes: number): Array<{ name: string; bytes: Uint8Array }> {
  const total = encoded.reduce((n, w) => n + w.bytes.byteLength, 0);
  const all = new Uint8Array(total);
  let offset = 0;
  for (const w of encoded) {
    all.set(w.bytes, offset);
    offset += w.bytes.byteLength;
  }
  const count = Math.max(1, Math.ceil(total / shardBytes));
  return Array.from({ length: count }, (_, i) => ({
    name: `group1-shard${i + 1}of${count}.bin`,
    bytes: all.subarray(i * shardBytes, Math.min(total, (i + 1) * shardBytes)),
  }));
}

/**
 * Export a trained model in tfjs layers format (`model.json` + weight shards) with `metadata.json`,
 * atomically: the metadata is validated first, everything is written and fsynced in a hidden temporary
 * sibling, then renamed over `dir`. A crash or error leaves the previous export complete and in place.
 * With `weightDtype` `float16` or `uint8` the shards carry tfjs quantisation entries; tfjs' loaders
 * (tf.loadLayersModel, and so the edge) dequantise them.
 *
 * @example
 * await exportModel(model, { dir: "runs/celeb17/model", metadata, weightDtype: "float16" });
 */
export async function exportModel(model: tf.LayersModel, options: ExportOptions): Promise<ExportResult> {
  const dtype = options.weightDtype ?? "float32";
  const artifacts = await captureArtifacts(model);
  const encoded = encodeWeights(artifacts, dtype);
  const weightBytes = encoded.reduce((n, w) => n + w.bytes.byteLength, 0);
  const metadata = parseModelMetadata({ ...options.metadata, weights: { dtype, bytes: weightBytes } });
  const shards = shard(encoded, options.shardBytes ?? DEFAULT_SHARD_BYTES);
  const modelJson: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology as object,
    format: "layers-model",
    generatedBy: `@marquee/trainer with TensorFlow.js ${tf.version.tfjs}`,
    convertedBy: null,
    weightsManifest: [{ paths: shards.map((s) => s.name), weights: encoded.map((w) => w.spec) }],
  };

  await writeDirAtomically(options.dir, async (tmp) => {
    for (const s of shards) await writeFileDurable(join(tmp, s.name), s.bytes);
    await writeFileDurable(join(tmp, ARTIFACT_FILES.model), JSON.stringify(modelJson));
    await writeFileDurable(join(tmp, ARTIFACT_FILES.metadata), `${JSON.stringify(metadata, null, 2)}\n`);
    await options.beforeCommit?.(tmp);
  });
  return {
    dir: options.dir,
    metadata,
    files: [ARTIFACT_FILES.model, ARTIFACT_FILES.metadata, ...shards.map((s) => s.name)],
    weightBytes,
  };
}
