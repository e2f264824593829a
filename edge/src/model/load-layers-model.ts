import { MarqueeError } from "@marquee/shared";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

interface WasmBackendInternals {
  dataIdMap: { get(dataId: object): { memoryOffset: number; dtype: string } | undefined };
  wasm: { _free(pointer: number): void };
}

/**
 * Load a tfjs layers model holding about one copy of its weights in the wasm heap at any time.
 *
 * `tf.loadLayersModel` builds every layer with zero-filled weights first, then decodes all real
 * weights, then swaps them in: for a moment the heap holds the weights twice (the seed CNN's
 * 38 MB dense kernel made the heap 73 MiB right after loading). Here the layers are built with
 * Zeros initialisers and no weights, and each weight in turn has its zeros freed, is decoded from
 * the shard and written, so the freed block takes the real values.
 *
 * @example
 * const model = await loadLayersModelLean(files.artifacts);
 */
export async function loadLayersModelLean(artifacts: tf.io.ModelArtifacts): Promise<tfl.LayersModel> {
  const specs = artifacts.weightSpecs ?? [];
  const shards = toShards(artifacts.weightData);
  const model = await tfl.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: withZeroInitializers(artifacts.modelTopology),
      weightSpecs: [],
      weightData: new ArrayBuffer(0),
      format: artifacts.format,
      generatedBy: artifacts.generatedBy,
      convertedBy: artifacts.convertedBy,
    }),
    { strict: false },
  );
  try {
    const variables = new Map(model.weights.map((w) => [w.originalName, w]));
    let offset = 0;
    for (const spec of specs) {
      const bytes = specByteLength(spec);
      const variable = variables.get(spec.name);
      if (!variable) {
        throw new MarqueeError(
          "model_unavailable",
          `model.json has a weight ${spec.name} that no layer uses`,
        );
      }
      variables.delete(spec.name);
      freeWasmData(variable.read());
      const value = decodeWeight(shards, offset, bytes, spec);
      variable.write(value);
      value.dispose();
      offset += bytes;
    }
    if (variables.size > 0) {
      throw new MarqueeError(
        "model_unavailable",
        `model.json's manifest lacks weights for ${[...variables.keys()].slice(0, 5).join(", ")}`,
      );
    }
  } catch (err) {
    model.dispose();
    throw err;
  }
  return model;
}

// Every `*_initializer` in the topology becomes Zeros: the values are replaced right away, and
// zeros cost no random numbers.
function withZeroInitializers(topology: unknown): tf.io.ModelArtifacts["modelTopology"] {
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (typeof value !== "object" || value === null) return value;
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      out[key] =
        key.endsWith("_initializer") && child !== null ? { class_name: "Zeros", config: {} } : walk(child);
    }
    return out;
  };
  return walk(topology) as tf.io.ModelArtifacts["modelTopology"];
}

// The zeros are about to be replaced: give their wasm memory back first so the real weight can
// take the same block. tfjs then disposes the old data as usual (freeing offset 0 does nothing).
function freeWasmData(tensor: tf.Tensor): void {
  if (tf.getBackend() !== "wasm") return;
  const backend = tf.backend() as unknown as WasmBackendInternals;
  const data = backend.dataIdMap.get(tensor.dataId);
  if (!data || data.memoryOffset === 0) return;
  backend.wasm._free(data.memoryOffset);
  data.memoryOffset = 0;
}

function toShards(weightData: tf.io.WeightData | undefined): ArrayBuffer[] {
  if (!weightData) return [];
  return Array.isArray(weightData) ? weightData : [weightData];
}

// One weight's values without joining the shards into one buffer (that would be another full
// copy of the weights in JS memory): a view when the weight lies inside one shard, else a copy of
// just its bytes.
function decodeWeight(
  shards: ArrayBuffer[],
  offset: number,
  bytes: number,
  spec: tf.io.WeightsManifestEntry,
): tf.Tensor {
  let start = offset;
  let index = 0;
  while (index < shards.length && start >= (shards[index] as ArrayBuffer).byteLength) {
    start -= (shards[index] as ArrayBuffer).byteLength;
    index++;
  }
  const first = shards[index];
  if (!first) throw new MarqueeError("model_unavailable", `the weight shards end before ${spec.name}`);
  const float32 = spec.dtype === "float32" && !spec.quantization;
  if (float32 && start % 4 === 0 && start + bytes <= first.byteLength) {
    return tf.tensor(new Float32Array(first, start, bytes / 4), spec.shape, "float32");
  }
  const copy = new Uint8Array(bytes);
  let written = 0;
  for (let i = index; written < bytes && i < shards.length; i++) {
    const shard = new Uint8Array(shards[i] as ArrayBuffer);
    const from = i === index ? start : 0;
    const take = Math.min(bytes - written, shard.byteLength - from);
    copy.set(shard.subarray(from, from + take), written);
    written += take;
  }
  if (written < bytes)
    throw new MarqueeError("model_unavailable", `the weight shards end inside ${spec.name}`);
  if (float32) return tf.tensor(new Float32Array(copy.buffer), spec.shape, "float32");
  return tf.io.decodeWeights(copy.buffer, [spec])[spec.name] as tf.Tensor;
}

const DTYPE_BYTES: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  uint8: 1,
  uint16: 2,
  float16: 2,
};

function specByteLength(spec: tf.io.WeightsManifestEntry): number {
  const count = spec.shape.reduce((a, b) => a * b, 1);
  const bytes = DTYPE_BYTES[spec.quantization?.dtype ?? spec.dtype];
  if (bytes === undefined) {
    throw new MarqueeError("model_unavailable", `weight ${spec.name} has unsupported dtype ${spec.dtype}`);
  }
  return count * bytes;
}
