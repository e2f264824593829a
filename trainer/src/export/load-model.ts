import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { ARTIFACT_FILES, MarqueeError, type ModelMetadata, parseModelMetadataText } from "@marquee/shared";
import * as tf from "@tensorflow/tfjs";

/** A model loaded from an export folder, with its validated metadata. */
export interface LoadedExport {
  model: tf.LayersModel;
  metadata: ModelMetadata;
}

async function readOrFail(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new MarqueeError(
      "model_unavailable",
      `Cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

/**
 * Read and validate an export's metadata.json alone (cheap: no weights), e.g. to check flags against
 * the model's kind before loading it. Throws like {@link loadExportedModel}.
 *
 * @example
 * const { pipeline } = await readExportMetadata("models/default");
 */
export async function readExportMetadata(dir: string): Promise<ModelMetadata> {
  return parseModelMetadataText((await readOrFail(join(dir, ARTIFACT_FILES.metadata))).toString("utf8"));
}

/**
 * Resolve `--model-dir`: an export folder, or a run folder holding one in `model/`.
 *
 * @example
 * exportDirOf("runs/celeb17-seed-cnn"); // ".../runs/celeb17-seed-cnn/model"
 */
export function exportDirOf(dir: string): string {
  const abs = resolve(dir);
  const nested = join(abs, "model");
  return !existsSync(join(abs, ARTIFACT_FILES.model)) && existsSync(join(nested, ARTIFACT_FILES.model))
    ? nested
    : abs;
}

/**
 * Load an export written by exportModel (or any tfjs layers model.json with a valid metadata.json)
 * from the file system, without tfjs-node. Quantised weights are dequantised to float32.
 * Throws `model_unavailable` for missing files and `invalid_metadata` for bad or inconsistent ones.
 *
 * @example
 * const { model, metadata } = await loadExportedModel("runs/celeb17/model");
 */
export async function loadExportedModel(dir: string): Promise<LoadedExport> {
  const metadata = await readExportMetadata(dir);
  let modelJson: tf.io.ModelJSON;
  try {
    modelJson = JSON.parse((await readOrFail(join(dir, ARTIFACT_FILES.model))).toString("utf8"));
  } catch (err) {
    if (err instanceof MarqueeError) throw err;
    throw new MarqueeError("invalid_metadata", `${join(dir, ARTIFACT_FILES.model)} is not valid JSON.`);
  }
  const artifacts = await tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
    const buffers: ArrayBuffer[] = [];
    for (const group of manifest) {
      for (const path of group.paths) {
        const bytes = await readOrFail(join(dir, path));
        buffers.push(
          bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
        );
      }
    }
    const specs = manifest.flatMap((g) => g.weights);
    const data = tf.io.CompositeArrayBuffer.join(buffers);
    if (data.byteLength !== metadata.weights.bytes) {
      throw new MarqueeError(
        "invalid_metadata",
        `The weight files in ${dir} hold ${data.byteLength} bytes; metadata.json says ${metadata.weights.bytes}.`,
      );
    }
    return [specs, data];
  });
  const model = await tf.loadLayersModel({ load: async () => artifacts });
  return { model, metadata };
}

/** One class and its probability. */
export interface ClassScore {
  label: string;
  probability: number;
}

/**
 * Classify one preprocessed image (HWC float32 as the metadata's input and preprocessing describe),
 * returning every class sorted by probability; logits are softmaxed first.
 */
export async function classifyPixels(loaded: LoadedExport, pixels: Float32Array): Promise<ClassScore[]> {
  const { width, height } = loaded.metadata.input;
  const out = tf.tidy(() => {
    const raw = loaded.model.predict(tf.tensor4d(pixels, [1, height, width, 3])) as tf.Tensor2D;
    return loaded.metadata.output === "logits" ? tf.softmax(raw) : raw;
  });
  const probs = await out.data();
  out.dispose();
  return loaded.metadata.labels
    .map((label, i) => ({ label, probability: probs[i]! }))
    .sort((a, b) => b.probability - a.probability);
}
