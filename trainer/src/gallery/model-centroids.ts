// The bundled face model's class centroids as a gallery export, so that `pnpm gallery seed` can
// teach a gallery the model's people without a photo. The head stores them exactly: its frozen
// `centroids` Dense layer has kernel column k = 2·c_k and bias k = −‖c_k‖² (shared classifyFaceHead),
// where c_k is the mean of the unit-length training descriptors of class k.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  embedderIdOf,
  encodeEmbedding,
  GALLERY_EXPORT_FORMAT,
  GALLERY_EXPORT_VERSION,
  type GalleryExport,
  MarqueeError,
  parseModelMetadataText,
} from "@marquee/shared";

interface WeightEntry {
  name: string;
  shape: number[];
  dtype: string;
}

/** Each label's centroid (not unit length: a mean of unit vectors), read from a face model's head. */
export async function modelCentroids(modelDir: string): Promise<{ label: string; centroid: Float32Array }[]> {
  const metadata = parseModelMetadataText(await readFile(join(modelDir, "metadata.json"), "utf8"));
  const modelJson = JSON.parse(await readFile(join(modelDir, "model.json"), "utf8")) as {
    weightsManifest: { paths: string[]; weights: WeightEntry[] }[];
  };
  const weights = new Map<string, Float32Array>();
  for (const group of modelJson.weightsManifest) {
    const parts = await Promise.all(group.paths.map((p) => readFile(join(modelDir, p))));
    const joined = Buffer.concat(parts);
    const bytes = new Uint8Array(joined.buffer, joined.byteOffset, joined.byteLength).slice();
    let offset = 0;
    for (const w of group.weights) {
      if (w.dtype !== "float32")
        throw new MarqueeError("invalid_metadata", `weight ${w.name} is ${w.dtype}, not float32`);
      const count = w.shape.reduce((a, b) => a * b, 1);
      weights.set(w.name, new Float32Array(bytes.buffer, offset, count));
      offset += count * 4;
    }
  }
  const kernel = weights.get("centroids/kernel");
  const bias = weights.get("centroids/bias");
  const labels = metadata.labels;
  const dims = metadata.face?.embeddingSize ?? 128;
  if (!kernel || !bias || kernel.length !== dims * labels.length) {
    throw new MarqueeError(
      "invalid_metadata",
      `${modelDir} has no centroids layer ([${dims}, ${labels.length}] kernel); only face heads exported with centroids can seed a gallery.`,
    );
  }
  return labels.map((label, k) => {
    const centroid = new Float32Array(dims);
    for (let i = 0; i < dims; i++) centroid[i] = (kernel[i * labels.length + k] as number) / 2;
    // The bias is −‖c_k‖²: a check that the layer holds what we think it holds.
    const norm2 = centroid.reduce((s, x) => s + x * x, 0);
    if (Math.abs(norm2 + (bias[k] as number)) > 1e-4) {
      throw new MarqueeError(
        "invalid_metadata",
        `centroid of "${label}" disagrees with its bias (${norm2} vs ${-(bias[k] as number)})`,
      );
    }
    return { label, centroid };
  });
}

/**
 * A gallery export holding one face per label of a face model: its class centroid.
 *
 * @example
 * const doc = await centroidGallery("models/default", "celebs"); // 17 people, one face each
 */
export async function centroidGallery(modelDir: string, gallery: string): Promise<GalleryExport> {
  const metadata = parseModelMetadataText(await readFile(join(modelDir, "metadata.json"), "utf8"));
  if (!metadata.face) throw new MarqueeError("invalid_metadata", `${modelDir} is not a face model`);
  const centroids = await modelCentroids(modelDir);
  return {
    format: GALLERY_EXPORT_FORMAT,
    formatVersion: GALLERY_EXPORT_VERSION,
    gallery,
    exportedAt: new Date().toISOString(),
    embedder: embedderIdOf(metadata.face),
    people: centroids.map(({ label, centroid }) => ({
      person: label,
      faces: [{ embedding: encodeEmbedding(centroid) }],
    })),
  };
}
